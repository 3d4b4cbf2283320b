"""A run's recording: every snapshot kind comes back as it was written, metrics up to a step,
the bound on its size over 1,000,000 steps, files that are cut short, oversized or hostile
refused in a sentence, and a reader beside a writer sees only whole records, then the end."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from recording_cases import snapshots_by_kind, write_small
from test_wire import _same

from mlsp_studio.bench.recording import feed_synthetic
from mlsp_studio.engine.recording import RECORDING_BUDGET_BYTES, RecordingWriter
from mlsp_studio.errors import StudioError
from mlsp_studio.messages.events import Finished
from mlsp_studio.messages.recording import Recording, RecordingError
from mlsp_studio.messages.recording_format import INDEX, frame_file, metrics_file
from mlsp_studio.messages.wire import decode, encode
from mlsp_studio.snapshots.kinds import SNAPSHOT_KINDS, ConfusionMatrix

REPO = Path(__file__).resolve().parents[1]


def test_every_snapshot_kind_comes_back_as_it_was_written(tmp_path: Path) -> None:
    snapshots = snapshots_by_kind()
    assert set(snapshots) == set(SNAPSHOT_KINDS)
    write_small(tmp_path, kinds=tuple(snapshots), snapshots=snapshots)
    recording = Recording(tmp_path)
    assert recording.ended and recording.end_reason == "done"
    assert set(recording.kinds) == set(SNAPSHOT_KINDS)
    for kind, snaps in snapshots.items():
        assert recording.steps(kind) == tuple(range(1, len(snaps) + 1))
        assert recording.snapshot_at(kind, 0) is None
        for snap in snaps:  # as it would arrive from the training process (numpy scalars
            wired = decode(encode(snap))  # in a tuple become Python's)
            assert _same(wired, recording.snapshot_at(kind, snap.step)), kind
        assert _same(wired, recording.snapshot_at(kind, 10**6))


def test_metrics_up_to_a_step_and_the_nearest_snapshot_before_it(tmp_path: Path) -> None:
    confusion = [ConfusionMatrix(step=s, matrix=np.full((2, 2), s)) for s in (1, 20, 40)]
    write_small(tmp_path, steps=50, kinds=("confusion",), snapshots={"confusion": confusion})
    recording = Recording(tmp_path / "")
    up_to = recording.metrics(25)
    assert [r for r in up_to if r[1] == "train"] == [(s, "train", "loss", 1.0 / s)
                                                     for s in range(1, 26)]
    assert [r for r in up_to if r[1] == "val"] == [(10, "val", "loss", 0.2),
                                                   (20, "val", "loss", 0.1)]
    assert [r[0] for r in up_to] == sorted(r[0] for r in up_to)
    assert len(recording.metrics()) == 55 and recording.last_step == 50
    assert recording.snapshot_at("confusion", 39).step == 20
    assert int(recording.snapshot_at("confusion", 40).matrix[0, 0]) == 40
    assert recording.snapshots_at(5)["confusion"].step == 1
    assert recording.steps("boundary") == ()


def test_a_run_of_a_million_steps_stays_within_the_budget(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path, ("boundary", "confusion", "feature_maps"))
    feed_synthetic(writer, 1_000_000)
    on_disk = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert writer.nbytes == on_disk <= RECORDING_BUDGET_BYTES
    recording = Recording(tmp_path)
    assert recording.ended and recording.last_step == 1_000_000
    for kind in ("boundary", "confusion", "feature_maps"):
        steps = recording.steps(kind)
        assert steps[0] <= 1030 and steps[-1] == 1_000_000  # the first and the latest kept
        assert 20 <= len(steps) <= 1000
        middle = np.diff(steps[:-1])  # the last one may sit closer: the latest is always kept
        assert middle.max() <= 4 * np.median(middle)  # spread over the run, not bunched
    train = [r for r in recording.metrics() if r[1:3] == ("train", "loss")]
    assert 2048 <= len(train) <= 4096 + 64
    assert train[0][0] == 1 and train[-1] == (1_000_000, "train", "loss", 1e-6)


def test_a_folder_without_a_recording_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="holds no recording"):
        Recording(tmp_path)
    with pytest.raises(RecordingError, match="does not exist"):
        Recording(tmp_path / "missing")


def _broken(folder: Path, how: str) -> None:
    """Spoil a small recording in ``folder`` in one of the ways a file can be wrong."""
    index_path = folder / INDEX
    index = json.loads(index_path.read_text())
    step, number, size = index["frames"]["confusion"][-1]
    frame = frame_file(folder, number)
    if how == "cut short":
        frame.write_bytes(frame.read_bytes()[:-10])
    elif how == "longer":
        frame.write_bytes(frame.read_bytes() + b"\0" * 10)
    elif how in ("pickled", "compressed", "not a snapshot", "another kind", "not a zip",
                 "not a message"):
        if how == "pickled":
            np.savez(frame, message=np.array([object()], dtype=object))
        elif how == "compressed":
            np.savez_compressed(frame, message=np.zeros(100, np.uint8))
        elif how == "not a zip":
            frame.write_bytes(b"PK" + b"\x07" * 300)
        elif how == "not a message":
            np.savez(frame, message=np.frombuffer(b"MLSW\xff\xff\xff\x7f{}", np.uint8))
        else:
            other = {"kind": "confusion"} if how == "not a snapshot" else \
                ConfusionMatrix(step=step + 1)
            np.savez(frame, message=np.frombuffer(encode(other), np.uint8))
        index["frames"]["confusion"][-1][2] = frame.stat().st_size
    elif how == "huge array":  # an .npy header declaring a terabyte in a small file
        header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1000000000000,), }".ljust(117)
        with zipfile.ZipFile(frame, "w") as archive:
            archive.writestr("message.npy", b"\x93NUMPY\x01\x00v\x00" + header.encode()
                             + b"\n" + bytes(64))
        index["frames"]["confusion"][-1][2] = frame.stat().st_size
    elif how == "huge size":
        index["frames"]["confusion"][-1][2] = 1 << 40
    elif how == "bad series":
        chunk = metrics_file(folder, index["metrics"][0][1])
        np.savez(chunk, step=np.zeros(index["metrics"][0][0], "<i8"),
                 series=np.full(index["metrics"][0][0], 99, "<i4"),
                 value=np.zeros(index["metrics"][0][0]))
        index["metrics"][0][2] = chunk.stat().st_size
    elif how == "newer":
        index["version"] = 2
    elif how == "out of order":
        index["frames"]["confusion"].reverse()
    elif how == "a path":
        index["frames"]["../../etc"] = index["frames"].pop("confusion")
    if how == "index cut short":
        index_path.write_text(json.dumps(index)[:-20])
    else:
        index_path.write_text(json.dumps(index))


@pytest.mark.parametrize("how, words", [
    ("cut short", "cut short or changed"), ("longer", "cut short or changed"),
    ("pickled", "pickle"), ("huge array", "declares more"), ("compressed", "uncompressed"),
    ("not a zip", "damaged"),
    ("not a snapshot", "does not hold the confusion"), ("not a message", "does not hold a"),
    ("another kind", "that the recording's"),
    ("huge size", "file size"), ("bad series", "series that is not there"),
    ("newer", "newer studio"), ("out of order", "not in order"), ("a path", "short name"),
    ("index cut short", "not JSON"),
])
def test_a_spoilt_recording_is_refused_in_a_sentence(tmp_path: Path, how: str,
                                                      words: str) -> None:
    confusion = [ConfusionMatrix(step=s, matrix=np.eye(3, dtype=np.int64)) for s in (5, 30)]
    write_small(tmp_path, kinds=("confusion",), snapshots={"confusion": confusion})
    _broken(tmp_path, how)
    with pytest.raises(RecordingError) as caught:
        recording = Recording(tmp_path)
        recording.metrics()
        recording.snapshot_at("confusion", 100)
    assert isinstance(caught.value, StudioError)
    message = str(caught.value)
    assert words in message and "\n" not in message and "Traceback" not in message


def test_a_frame_is_no_larger_than_the_index_lists_it(tmp_path: Path) -> None:
    write_small(tmp_path, kinds=("confusion",),
                snapshots={"confusion": [ConfusionMatrix(step=1, matrix=np.eye(2))]})
    index = json.loads((tmp_path / INDEX).read_text())
    sizes = [f[2] for f in index["frames"]["confusion"]]
    numbers = [f[1] for f in index["frames"]["confusion"]]
    assert sizes == [frame_file(tmp_path, n).stat().st_size for n in numbers]
    with zipfile.ZipFile(frame_file(tmp_path, numbers[0])) as archive:
        assert [m.filename for m in archive.infolist()] == ["message.npy"]


WRITER = """
import sys, time
import numpy as np
from mlsp_studio.engine.recording import RecordingWriter
from mlsp_studio.messages.events import MetricsBatch, Finished
from mlsp_studio.snapshots.kinds import DecisionBoundary
writer = RecordingWriter(sys.argv[1], ("boundary",), budget_bytes=2_000_000,
                         flush_every_s=0.02)
grid = np.linspace(-1, 1, 60)
for step in range(1, 401):
    writer(MetricsBatch(((step, "train", "loss", 1.0 / step),)))
    probs = np.full((60, 60, 2), step / 400, dtype=np.float32)
    writer(DecisionBoundary(step=step, xs=grid, ys=grid, probs=probs))
    time.sleep(0.005)
writer(Finished(400, 2.0, (), "done"))
"""


def test_a_reader_beside_the_writer_sees_whole_records_then_the_end(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(WRITER))
    folder = tmp_path / "run" / "recording"
    process = subprocess.Popen([sys.executable, str(script), str(folder)], cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while not (folder / INDEX).exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        recording = Recording(tmp_path / "run")
        seen, ended_seen = set(), False
        while time.monotonic() < deadline and not ended_seen:
            ended_seen = recording.ended  # what follows is read from this same index
            recording.refresh()
            seen.add(recording.index.serial)
            records = recording.metrics()
            assert records == [(s, "train", "loss", 1.0 / s) for s, *_ in records]
            for step in recording.steps("boundary")[-3:]:
                snap = recording.snapshot_at("boundary", step)
                assert snap.probs.shape == (60, 60, 2)
                assert float(snap.probs[0, 0, 0]) == pytest.approx(snap.step / 400)
            time.sleep(0.003)
        assert process.wait(60) == 0
    finally:
        process.kill()
    assert ended_seen and len(seen) >= 5
    assert recording.last_step == 400 and recording.steps("boundary")[-1] == 400
    assert recording.metrics()[-1] == (400, "train", "loss", 1 / 400)


def test_a_failure_to_write_stops_the_recording_not_the_caller(tmp_path: Path) -> None:
    writer = write_small(tmp_path, kinds=("confusion",), end=False)
    unsendable = ConfusionMatrix(step=60, matrix=np.array([object()]))  # no wire form
    writer(unsendable)
    writer.flush()
    assert "cannot travel" in writer.problem
    writer(Finished(60, 1.0, (), "done"))  # taken, and ignored
    recording = Recording(tmp_path)  # what was written before still reads
    assert not recording.ended and len(recording.metrics()) == 55
