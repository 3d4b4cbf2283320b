"""Checkpoint files made to hurt: absurd headers, offsets past the end, a header bomb. Each
is refused in words, and nothing is loaded into the network (how soon is the bench's
``hostile_checkpoint_refused_ms_max``)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch

from mlsp_studio.engine.checkpoints import CheckpointError, load_checkpoint, save_checkpoint


def _write(path: Path, header: bytes, body: bytes = b"", length: int | None = None) -> Path:
    path.write_bytes(struct.pack("<Q", len(header) if length is None else length) + header
                     + body)
    return path


def _header(**tensors) -> bytes:
    return json.dumps(tensors).encode()


HOSTILE = {
    "a header length of 2**60 bytes": lambda p: _write(p, b"{}", length=2**60),
    "absurd shapes": lambda p: _write(p, _header(weight={
        "dtype": "F32", "shape": [100000, 100000], "data_offsets": [0, 40_000_000_000]})),
    "offsets past the end": lambda p: _write(p, _header(weight={
        "dtype": "F32", "shape": [2], "data_offsets": [0, 8000]}), b"\0" * 8),
    "a negative shape": lambda p: _write(p, _header(weight={
        "dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}), b"\0" * 4),
    "nested brackets": lambda p: _write(p, b"[" * 200_000 + b"]" * 200_000),
    "200,000 empty tensors": lambda p: _write(p, json.dumps(
        {f"t{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}
         for i in range(200_000)}).encode()),
    "a pickle": lambda p: (torch.save({"weight": torch.zeros(2)}, p), p)[1],
    "nothing": lambda p: (p.write_bytes(b""), p)[1],
}


@pytest.mark.parametrize("what", list(HOSTILE))
def test_hostile_checkpoint_is_refused_in_words(what: str, tmp_path: Path) -> None:
    net = torch.nn.Linear(3, 2)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    path = HOSTILE[what](tmp_path / "evil.safetensors")
    with pytest.raises(CheckpointError) as info:  # how soon: hostile_checkpoint_refused_ms_max
        load_checkpoint(net, path)
    message = str(info.value)
    assert message.startswith("evil.safetensors ") and "\n" not in message
    assert "is not a readable checkpoint" in message or "does not fit this network" in message
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_a_good_checkpoint_still_loads(tmp_path: Path) -> None:
    source, target = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    load_checkpoint(target, save_checkpoint(source, tmp_path / "ok.safetensors"))
    assert torch.equal(source.weight, target.weight)


def test_the_same_weights_give_the_same_file_bytes(tmp_path: Path) -> None:
    """safetensors writes its metadata in no fixed order; the studio's files do not vary."""
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    files = {save_checkpoint(net, tmp_path / f"{i}.safetensors").read_bytes()
             for i in range(6)}
    assert len(files) == 1
    target = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    load_checkpoint(target, tmp_path / "0.safetensors")
    assert torch.equal(net[0].weight, target[0].weight)
