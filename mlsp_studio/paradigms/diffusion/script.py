"""The script of a diffusion project: the denoiser as a class (written from the canvas), the
forward noising, the noise-prediction loss, the samplers with the studio's schedule and
classifier-free guidance and the studio's sample-quality measures, all copied from the code
the studio runs, and the loop with its prints from ``script_code.py`` (``script_parts.py``
says what is copied). Only the settings are written here."""

from __future__ import annotations

from ...errors import StudioError
from ...export.python_script import _source_shapes
from ...export.script_common import batches_code, optimizer_code
from ...export.script_gen_common import assemble, networks, settings_and_data
from ...export.script_paradigms import register_script
from ...model.blocks import BlockRegistry
from ...model.datasets import context_task, dataset_context
from ...model.project import Project, ProjectCheck
from .script_parts import copied_parts, main_lines

IMAGE_DATA = ("digits", "noisy_digits", "paired_digits")


@register_script("diffusion")
def diffusion_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
                     script_name: str) -> str:
    """A DDPM denoiser (x_t, t, c → ε̂), its loss, its sampler and the studio's measures."""
    h, data, code = settings_and_data(project, check, "denoiser", "A diffusion model draws")
    if h["sampler"] == "ddim" and h["sample_steps"] > h["timesteps"]:
        raise StudioError(f"The setting sample_steps={h['sample_steps']} is more than "
                          f"timesteps={h['timesteps']}, which a DDIM sampler cannot take.")
    analysis = check.analyses["denoiser"]
    shapes = _source_shapes(project.slots["denoiser"], analysis, registry)
    ctx = dataset_context(project.dataset, check.dataset_options)[1]
    classes = ctx.num_classes if context_task(ctx) == "classification" else 0
    conditional = classes > 0 and "c" in shapes
    example = shapes.get("x", ())
    image = project.dataset in IMAGE_DATA or (project.dataset == "npz" and len(example) == 3)
    points2d = not image and tuple(example) == (2,)
    rows = [(f"TIMESTEPS = {h['timesteps']}", "T: the number of noising steps"),
            (f"NOISE_SCHEDULE = {h['noise_schedule']!r}", "how fast the noise grows"),
            (f"SAMPLER = {h['sampler']!r}", "ddpm: all T steps; ddim: SAMPLE_STEPS, no noise"),
            (f"SAMPLE_STEPS = {h['sample_steps']}", "the steps a DDIM sampler takes"),
            (f"CONDITIONAL = {conditional}", "the denoiser is told the class"),
            (f"LABEL_DROPOUT = {h['label_dropout']!r}", "share of examples whose class is hidden"),
            (f"DENOISER_INPUTS = {tuple(shapes)!r}", "what the denoiser is fed, in order"),
            (f"IMAGE = {image}", "pictures: [0, 1] mapped to [-1, 1]; else centred and scaled"),
            (f"CLIP = {1.0 if image else None}",
             "bound on the predicted x_0 (pictures: [-1, 1])")]
    if conditional:
        rows.append((f"CLASSES = {classes}", "classes of the data"))
    ring = points2d and project.dataset == "ring"
    judged = image and conditional
    definitions = [data, *networks(project, check, registry, {"denoiser": ("x", "t", "c")}),
                   batches_code(), optimizer_code(), *copied_parts(points2d, ring, judged)]
    return assemble(project, check, script_name, code, rows, definitions,
                    main_lines(points2d, ring, judged))
