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


def test_a_preset_meant_for_a_gpu_says_so_where_the_gallery_shows_it():
    """A preset too big for a lesson on a laptop (``ui.meant_for``) says so in its title, its
    summary and the opening of its paragraph (what a gallery card shows), with its hours on a
    2-core laptop CPU and the command lines to run it on a GPU or several processes; no other
    preset is marked."""
    big = [p for p in PRESETS if p.meant_for]
    assert [p.name for p in big] == ["gpt-chars-large"]
    for info in big:
        assert info.meant_for == "gpu" and info.laptop_cpu_hours >= 1
        hours = f"about {info.laptop_cpu_hours:g} hours on a 2-core laptop CPU"
        assert "GPU or several processes" in info.title
        assert hours in info.summary and "GPU or several processes" in info.summary
        opening = info.description[:200]
        assert opening.startswith("Meant for a GPU or several processes") and hours in opening
        assert "minute" not in info.description
        for command in (f"mlsp-studio run {info.name} --device cuda --precision bf16",
                        f"torchrun --standalone --nproc_per_node=4 -m mlsp_studio run "
                        f"{info.name} --device cuda", f"mlsp-studio run {info.name} --nproc"):
            assert command in info.description


def test_the_hours_a_gpu_preset_states_are_its_planned_steps_at_its_step_time():
    """The paragraph names the planned steps (the epochs over the text, in windows of the
    batch) and the measured time of a step; the hours stated are their product."""
    from mlsp_studio.data.registry import make_dataset

    for info in [p for p in PRESETS if p.meant_for]:
        project = load_preset(info.name)
        data = make_dataset(project.dataset, project.dataset_options)
        per_step = project.hparams["batch_size"] * data.input_shape[0]  # tokens
        tokens = len(data.extras["stream"]["train"]) - 1
        steps = project.hparams["epochs"] * -(-tokens // per_step)
        assert f"its {steps:,} steps" in info.description
        seconds = re.search(r"about (\d+) s a step", info.description)
        assert seconds is not None, info.name
        hours = steps * int(seconds.group(1)) / 3600
        assert abs(info.laptop_cpu_hours - hours) <= 0.15 * info.laptop_cpu_hours, hours
