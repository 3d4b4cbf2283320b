"""Each hidden unit's picture: the map over the plane is the unit's own output there, the
pictures that excite a unit are the test pictures it answers most strongly, and only blocks
with units of their own are pictured."""

from __future__ import annotations

import numpy as np
import torch
from engine_steps import preset_project

from mlsp_studio.engine.engine import Engine
from mlsp_studio.messages.wire import decode, encode
from mlsp_studio.paradigms.unit_pictures import PLANE_GRID, PROBES, TOP
from mlsp_studio.snapshots.lab import MAX_UNITS, UnitPictures


def _built(preset: str, **hparams) -> Engine:
    engine = Engine(preset_project(preset, **hparams), threads=1)
    engine.build()
    for _ in range(5):
        engine.paradigm.step()
    return engine


def _pictures(engine: Engine) -> UnitPictures:
    (snap,) = engine.paradigm.visualize({"unit_pictures"})
    return snap


def test_a_unit_over_the_plane_is_its_output_at_each_point() -> None:
    engine = _built("spiral")
    snap = _pictures(engine)
    model = engine.paradigm.model
    assert snap.style == "plane" and snap.slot == "model"
    assert snap.labels == ("Dense 2", "Tanh 3", "Dense 4", "Tanh 5")  # not Input, not the head
    assert snap.nodes == (2, 3, 4, 5) and snap.units == (32, 32, 32, 32)
    assert all(m.shape == (32, PLANE_GRID, PLANE_GRID) for m in snap.maps)
    dense = model.blocks["n2"]
    for row, col, unit in ((0, 0, 0), (5, 17, 3), (27, 9, 31)):
        point = torch.tensor([[snap.xs[col], snap.ys[row]]], dtype=torch.float32)
        with torch.no_grad():
            first = dense(point)[0, unit].item()
        assert np.isclose(float(snap.maps[0][unit, row, col]), first, atol=2e-3)
        assert np.isclose(float(snap.maps[1][unit, row, col]), np.tanh(first), atol=2e-3)


def test_a_wide_block_shows_its_first_units() -> None:
    engine = Engine(preset_project("spiral"), threads=1)
    engine.project.slots["model"].nodes[2].params["units"] = 48
    engine.build()
    snap = _pictures(engine)
    assert snap.units[:2] == (48, 48) and snap.maps[0].shape[0] == MAX_UNITS
    assert snap.pictured(0) == MAX_UNITS and snap.pictured(9) == 0


def test_the_pictures_a_unit_likes_best_are_its_strongest_answers() -> None:
    engine = _built("digits-cnn")
    snap = _pictures(engine)
    model, test = engine.paradigm.model, engine.paradigm.data.test.x[:PROBES]
    assert snap.style == "examples"
    assert "Flatten 8" not in snap.labels  # a Flatten only reshapes: no units of its own
    assert snap.labels[0] == "Conv2d 2" and snap.labels[-1] == "ReLU 10"
    with torch.no_grad():
        outs = model.forward_capture(test, keys={"n2", "n9"})
    for key, block in (("n2", 0), (f"n{snap.nodes[-2]}", len(snap.nodes) - 2)):
        if key not in outs:
            continue
        out = outs[key].flatten(2).mean(2) if outs[key].dim() > 2 else outs[key]
        best = out.argmax(0)[:MAX_UNITS].numpy()
        top = snap.top[block]
        assert top.shape == (min(MAX_UNITS, out.shape[1]), TOP)
        pool = np.asarray(snap.pool, np.float32)
        for unit in (0, 3):
            picture = test[best[unit]].float().mean(0).numpy()
            shown = pool[top[unit, 0]]
            scaled = (picture - picture.min()) / max(picture.max() - picture.min(), 1e-8)
            assert np.allclose(shown, scaled, atol=2e-3)
            assert np.isclose(snap.scores[block][unit, 0], out[best[unit], unit].item(),
                              atol=1e-4)
            assert np.all(np.diff(snap.scores[block][unit]) <= 1e-6)  # best first


def test_only_networks_on_points_or_pictures_have_unit_pictures() -> None:
    for preset, has in (("spiral", True), ("digits-cnn", True), ("gpt-chars", False)):
        engine = Engine(preset_project(preset), threads=1)
        engine.build()
        assert ("unit_pictures" in engine.paradigm.visual_kinds) is has, preset


def test_unit_pictures_travel_between_the_processes() -> None:
    for preset in ("spiral", "digits-cnn"):
        snap = _pictures(_built(preset))
        back = decode(encode(snap))
        assert back.nodes == snap.nodes and back.style == snap.style
        for a, b in zip(back.maps + back.top, snap.maps + snap.top, strict=True):
            assert np.array_equal(a, b)
        assert np.array_equal(back.pool, snap.pool)


def test_the_figure_draws_each_block_in_a_row_and_says_when_there_is_none() -> None:
    from mlsp_studio.report.lab_drawings import unit_pictures_figure

    snap = _pictures(_built("spiral"))
    fig = unit_pictures_figure(snap)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert [t.split(" (")[0] for t in titles] == list(snap.labels)
    assert "32 units, ±" in titles[1] and fig.axes[0].images[0].get_array().shape[-1] == 4
    empty = unit_pictures_figure(UnitPictures(step=1))
    assert "No hidden units" in empty.axes[0].texts[0].get_text()
