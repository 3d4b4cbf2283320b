"""The messages between the window and the training process: every picture a paradigm makes
arrives as it left, and bytes that are not a message never become anything but an error."""

from __future__ import annotations

import dataclasses
import json
import struct

import numpy as np
import pytest

from mlsp_studio.engine import Engine
from mlsp_studio.host.outbox import Outbox
from mlsp_studio.messages.events import Answered, Built, MetricsBatch, Ready, Status
from mlsp_studio.messages.wire import MAGIC, WireError, decode, encode
from mlsp_studio.model.presets import load_preset
from mlsp_studio.snapshots.kinds import SNAPSHOT_KINDS, ConfusionMatrix

# one preset per paradigm, and those with pictures of their own
PRESETS = ("spiral", "regression-sine", "digits-cnn", "rnn-vs-lstm", "attention-pooling",
           "seq2seq-attention", "gpt-chars", "bert-mlm", "word2vec", "vit-digits",
           "autoencoder-digits", "anomaly-ae", "gan-ring", "ddpm-digits", "flow-2d",
           "contrastive-digits", "cross-modal", "transfer-lora")


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    if isinstance(a, tuple | list):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and np.isnan(a):
        return isinstance(b, float) and np.isnan(b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("preset", PRESETS)
def test_every_picture_of_a_preset_travels_unchanged(preset: str) -> None:
    engine = Engine(load_preset(preset), max_steps=2, threads=1)
    engine.build()
    engine.run_blocking()
    snapshots = engine.snapshots()
    assert snapshots
    for snapshot in snapshots:
        back = decode(encode(snapshot))
        assert _same(snapshot, back), snapshot.kind
    kinds = {s.kind for s in snapshots}
    assert kinds <= set(SNAPSHOT_KINDS)


def test_events_and_commands_travel() -> None:
    events = [MetricsBatch(((1, "train", "loss", 0.5), (2, "val", "accuracy", float("nan")))),
              Status("running", 3, 0, 100, 12.5, 0.2, "cpu", "lr set to 0.1"),
              Built(("boundary", "confusion"), "cpu", 100), Answered(7),
              Ready("2.13.0", 1, False, 42)]
    for event in events:
        assert _same(event, decode(encode(event)))
    command = {"cmd": "live", "run": 3, "name": "dropout", "value": ["model", 4, 0.25],
               "weights": {"model": "/tmp/x.safetensors"}, "flag": None}
    back = decode(encode(command))
    assert back["value"] == ("model", 4, 0.25) and back["weights"] == command["weights"]
    assert back["flag"] is None


def test_numpy_scalars_and_text_arrays_travel() -> None:
    value = {"a": np.float32(1.5), "b": np.int64(3), "c": np.array(["x", "yz"]),
             "d": np.zeros((0, 3), dtype=np.float16), "e": np.arange(6).reshape(2, 3)[:, ::2]}
    back = decode(encode(value))
    assert back["a"] == 1.5 and type(back["a"]) is float and back["b"] == 3
    assert back["c"].tolist() == ["x", "yz"] and back["d"].shape == (0, 3)
    assert back["e"].tolist() == [[0, 2], [3, 5]]


@pytest.mark.parametrize("value", [object(), {1: "a"}, {"$t": 1}, np.array([object()]),
                                   b"bytes", {1, 2}])
def test_what_cannot_travel_is_refused_on_the_way_out(value) -> None:
    with pytest.raises(WireError):
        encode(value)


def _message(header: dict, tail: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return MAGIC + struct.pack("<I", len(text)) + text + tail


@pytest.mark.parametrize("data", [
    b"", b"MLSW", b"XXXX\x00\x00\x00\x00", MAGIC + struct.pack("<I", 10**9) + b"{}",
    MAGIC + struct.pack("<I", 3) + b"{x}",
    _message({"v": 1}),                                              # no array table
    _message({"v": {"$a": 0}, "a": []}),                             # a missing array
    _message({"v": {"$a": 0}, "a": [["<f8", [10**12]]]}, b"\0" * 8),  # a huge declared shape
    _message({"v": {"$a": 0}, "a": [["|O", [1]]]}, b"\0" * 8),       # objects
    _message({"v": {"$a": 0}, "a": [["<f8", [-1]]]}),                # a negative size
    _message({"v": {"$a": 0}, "a": [["<f8", [1]]]}, b"\0" * 9),      # bytes left over
    _message({"v": {"$t": "os.system", "$f": {}}, "a": []}),         # not a known type
    _message({"v": {"$t": "Status", "$f": {"nope": 1}}, "a": []}),   # a field it lacks
    _message({"v": {"$t": "Status", "$f": {"state": "x"}}, "a": []}),  # fields missing
    _message({"v": {"$t": "ConfusionMatrix", "$f": {"step": 1}, "x": 2}, "a": []}),
])
def test_bytes_that_are_not_a_message_raise_a_wire_error(data: bytes) -> None:
    with pytest.raises(WireError):
        decode(data)


def test_the_outbox_keeps_the_newest_picture_of_each_kind_while_the_window_is_busy() -> None:
    sent: list[bytes] = []
    gate = __import__("threading").Event()

    def send(data: bytes) -> None:
        gate.wait(10)  # the window reads nothing until the gate opens
        sent.append(data)

    box = Outbox(send)
    box.put(1, Status("running", 0, 0, 9, 0.0, 0.0, "cpu"))  # taken at once; the send waits
    __import__("time").sleep(0.2)
    for step in range(1, 6):
        box.put(1, MetricsBatch(((step, "train", "loss", 1.0 / step),)))
        box.put(1, ConfusionMatrix(step, np.eye(2, dtype=np.int64) * step, ("a", "b")))
        box.put(1, Status("running", step, 0, 9, 1.0, 0.1, "cpu"))
    box.put(1, Answered(5))  # keeps its place: nothing later may overtake it
    box.put(1, ConfusionMatrix(6, np.eye(2, dtype=np.int64), ("a", "b")))
    gate.set()
    box.close()
    events = [e for data in sent for _, _, e in decode(data)["events"]]
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["Status", "MetricsBatch", "ConfusionMatrix", "Status", "Answered",
                     "ConfusionMatrix"]
    assert [r[0] for r in events[1].records] == [1, 2, 3, 4, 5]  # every metric kept
    assert events[2].step == 5 and events[3].step == 5 and events[5].step == 6
