"""The script of a GAN project: generator and discriminator as classes (written from the
canvas), the game's pieces and the studio's final metrics (mode coverage on the ring) copied
from ``train.py``, the code the studio runs, and the two-player loop with its prints from
``script_code.py``. Only the settings are written here."""

from __future__ import annotations

from ...export.script_common import batches_code, optimizer_code
from ...export.script_gen_common import assemble, networks, settings_and_data
from ...export.script_paradigms import register_script
from ...export.source_copy import source_of
from ...model.blocks import BlockRegistry
from ...model.project import Project, ProjectCheck

TRAIN = "mlsp_studio.paradigms.gan.train"
CODE = "mlsp_studio.paradigms.gan.script_code"
COPIED = ("draw_noise", "d_loss_of", "g_loss_of", "discriminator_logits", "game_scores")
MODES = ("MIN_MODE_SHARE", "mode_metrics")


@register_script("gan")
def gan_script(project: Project, check: ProjectCheck, registry: BlockRegistry,
               script_name: str) -> str:
    """Generator (z → example) and discriminator (example → logit) in the two-player game."""
    h, data, code = settings_and_data(project, check, "discriminator", "A GAN draws")
    modes = project.dataset == "ring"
    rows = [(f"LATENT = {h['latent']}", "size of the noise z the generator starts from"),
            (f"D_LR = {h['d_lr']!r}", "the discriminator's learning rate (LR: the generator's)"),
            (f"D_STEPS = {h['d_steps']}", "discriminator steps for each generator step"),
            (f"BETA1 = {h['beta1']!r}",
             "Adam's momentum (adam, adamw); GANs train steadier with 0.5"),
            (f"GENERATOR_LOSS = {h['generator_loss']!r}", "flip or reversal"),
            ("METRIC_SEED = 20_250", "the fixed noise of the checks, as in the studio")]
    definitions = [data, *networks(project, check, registry,
                                   {"generator": ("z",), "discriminator": ("x",)}),
                   batches_code(), optimizer_code(report=False), source_of(TRAIN, *COPIED),
                   source_of(TRAIN, *MODES) if modes else "",
                   source_of(CODE, *(("train", "report_modes") if modes else ("train",)))]
    main = ("G, _, metric_z = train()", "report_modes(G, metric_z)") if modes else ("train()",)
    return assemble(project, check, script_name, code, rows, definitions, main)
