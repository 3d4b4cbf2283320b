"""Every preset teaches: a paragraph, 2 to 4 "try this" steps and a thumbnail that opens."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from mlsp_studio.model.presets import list_presets, load_preset, try_steps

PRESETS = list_presets()


def test_there_are_presets_to_teach_with():
    assert len(PRESETS) >= 10


@pytest.mark.parametrize("info", PRESETS, ids=[p.name for p in PRESETS])
def test_each_preset_has_a_paragraph_and_two_to_four_try_steps(info):
    assert len(info.description.split()) >= 20, f"{info.name}: the paragraph is too thin"
    assert 2 <= len(info.steps) <= 4, f"{info.name}: {len(info.steps)} try steps"
    assert len(set(info.steps)) == len(info.steps), f"{info.name}: a step is repeated"
    for step in info.steps:
        # one sentence: starts with a capital, ends with a full stop or question mark
        assert re.match(r"^[A-Z].*[.?]$", step), f"{info.name}: not a sentence: {step!r}"
        assert 4 <= len(step.split()) <= 30, f"{info.name}: too short or too long: {step!r}"
    # the steps travel with the project, so the lesson panel finds them once it is opened
    assert try_steps(load_preset(info.name).ui) == info.steps


def test_no_step_is_shared_between_presets():
    seen: dict[str, str] = {}
    for info in PRESETS:
        for step in info.steps:
            assert step not in seen, f"{info.name} repeats a step of {seen[step]}: {step!r}"
            seen[step] = info.name


@pytest.mark.parametrize("info", PRESETS, ids=[p.name for p in PRESETS])
def test_each_preset_has_a_small_thumbnail_that_opens(info):
    assert info.thumbnail is not None, f"{info.name}: no thumbnail in resources/thumbnails"
    assert info.thumbnail.stat().st_size <= 40_000
    with Image.open(info.thumbnail) as image:
        image.load()
        assert 160 <= image.width <= 640 and 100 <= image.height <= 400
        # a picture, not a blank: more than a handful of distinct colours
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 8


@pytest.mark.parametrize("info", PRESETS, ids=[p.name for p in PRESETS])
def test_each_preset_names_a_figure_for_its_thumbnail(info):
    """``ui.thumbnail.figure`` (what ``packaging/make_thumbnails.py`` draws from) is one of
    the figures a run writes: a snapshot kind's PNG or the curves."""
    from mlsp_studio.report.figures import FILE_NAMES

    thumbnail = load_preset(info.name).ui.get("thumbnail", {})
    figures = {name.removesuffix(".png") for name in FILE_NAMES.values()} | {"curves"}
    assert thumbnail.get("figure") in figures, f"{info.name}: {thumbnail!r}"
    assert set(thumbnail) <= {"figure", "seconds", "top"}, f"{info.name}: {thumbnail!r}"


def test_try_steps_tolerate_odd_ui():
    assert try_steps({}) == ()
    assert try_steps({"try": "not a list"}) == ()
    assert try_steps({"try": ["  Do this.  ", "", 3]}) == ("Do this.",)
