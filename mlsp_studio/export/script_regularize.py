"""Regularisers in an exported supervised script: data augmentation (the same random
alterations as the studio's ``paradigms/augment.py`` for points, tables, images and signals)
and ensembles (K networks whose predictions are averaged, as ``paradigms/ensemble.py``)."""

from __future__ import annotations

from typing import Any

from ..errors import StudioError
from ..model.datasets import DATASET_SPECS
from ..model.project import Project
from ..paradigms.augment import (
    IMAGE_NOISE,
    POINT_JITTER,
    SIGNAL_NOISE,
    SIGNAL_SCALE,
    SIGNAL_SHIFT,
    refusal,
)

POINTS = ("points2d", "scalar", "table")


def script_refusal(project: Project, hparams: dict[str, Any]) -> None:
    """Refuse, in a sentence, the supervised settings a script cannot write out."""
    if hparams.get("augment") and (why := refusal(input_kind(project))):
        raise StudioError(why)


def input_kind(project: Project) -> str:
    return DATASET_SPECS.get(project.dataset).input_kind


def regularize_constants(project: Project, hparams: dict[str, Any]) -> list[tuple[str, str]]:
    """The constant rows for augmentation and ensembles, after refusing what cannot be
    written out."""
    script_refusal(project, hparams)
    rows = []
    if hparams.get("augment"):
        rows += augment_constants(input_kind(project), hparams["augment_strength"])
    if hparams.get("ensemble", 1) > 1:
        rows.append((f"ENSEMBLE = {hparams['ensemble']}", "networks from their own starts, "
                     "predictions averaged"))
    return rows


def ensemble_source(classify: bool) -> str:
    """The ensemble module: class probabilities averaged, or numbers averaged."""
    return ENSEMBLE_CLASSES if classify else ENSEMBLE_NUMBERS


def augment_constants(kind: str, strength: float) -> list[tuple[str, str]]:
    """The constant rows of the script's augmentation at ``strength``."""
    if kind in POINTS:
        return [(f"JITTER = {POINT_JITTER * strength:.4g}", "augmentation: noise, as a share "
                 "of each feature's spread")]
    if kind == "image":
        return [(f"MAX_SHIFT = {max(1, round(strength))}", "augmentation: largest random move, "
                 "in pixels"),
                (f"NOISE = {IMAGE_NOISE * strength:.4g}", "augmentation: noise, as a share of "
                 "the value range")]
    return [(f"MAX_DELAY = {SIGNAL_SHIFT * strength:.4g}", "augmentation: largest random delay, "
             "as a share of the length"),
            (f"GAIN = {SIGNAL_SCALE * strength:.4g}",
             "augmentation: loudness times 1 - GAIN to 1 + GAIN"),
            (f"NOISE = {SIGNAL_NOISE * strength:.4g}",
             "augmentation: noise, as a share of the spread")]


def augment_training(kind: str) -> tuple[str, str, str]:
    """The augmentation function, the line in ``train()`` that measures the training data
    for it, and the call that alters one batch."""
    if kind in POINTS:
        return POINTS_SOURCE, "spread = x.std(dim=0)  # each feature's spread", "spread"
    if kind == "image":
        return (IMAGE_SOURCE, "low, high = x.min().item(), x.max().item()  # the value range",
                "low, high")
    return SIGNAL_SOURCE, "spread = x.std().item()  # how large the signals are", "spread"


POINTS_SOURCE = '''
def augment(x, y, spread):
    """A training batch with every value nudged at random (data augmentation)."""
    return x + JITTER * spread * torch.randn_like(x), y
'''

IMAGE_SOURCE = '''
def as_pictures(t):
    """(B, C, H, W) from pictures, one-channel pictures or flattened square pictures."""
    if t.dim() == 2:
        side = round(t.shape[1] ** 0.5)
        return t.reshape(len(t), 1, side, side)
    return t if t.dim() == 4 else t.unsqueeze(1)


def shifted(pictures, moves):
    """Each picture (B, C, H, W) moved by its row of moves (down, right); zeros come in."""
    m, (b, _, h, w) = MAX_SHIFT, pictures.shape
    padded = F.pad(pictures, (m, m, m, m))  # (B, C, H + 2m, W + 2m)
    rows = torch.arange(h, device=pictures.device) + m - moves[:, :1]  # (B, H)
    cols = torch.arange(w, device=pictures.device) + m - moves[:, 1:]  # (B, W)
    batch = torch.arange(b, device=pictures.device)[:, None, None]
    return padded[batch, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def augment(x, y, low, high):
    """A training batch of pictures moved by up to MAX_SHIFT pixels each, with light noise
    (data augmentation; no flips: a mirrored digit is another shape). A target picture (a
    clean version of the input) moves with its input."""
    moves = torch.randint(-MAX_SHIFT, MAX_SHIFT + 1, (len(x), 2), device=x.device)
    if y.dim() > 1 and y[0].numel() == x[0].numel():
        y = shifted(as_pictures(y), moves).reshape(y.shape)
    x = shifted(as_pictures(x), moves).reshape(x.shape)
    x = x + NOISE * (high - low) * torch.randn_like(x)
    return x.clamp(low, high), y
'''

SIGNAL_SOURCE = '''
def augment(x, y, spread):
    """A training batch of signals, each delayed (going round) by a random amount, made
    louder or softer and lightly noised (data augmentation)."""
    n, length = len(x), x.shape[-1]
    most = max(1, int(MAX_DELAY * length))
    delays = torch.randint(-most, most + 1, (n, 1), device=x.device)
    idx = (torch.arange(length, device=x.device) - delays) % length  # (B, L)
    x = torch.gather(x, -1, idx.view(n, *[1] * (x.dim() - 2), length).expand_as(x))
    gain = 1 + GAIN * (2 * torch.rand(n, *[1] * (x.dim() - 1), device=x.device) - 1)
    return x * gain + NOISE * spread * torch.randn_like(x), y
'''

ENSEMBLE_CLASSES = '''

class Ensemble(nn.Module):
    """ENSEMBLE networks, each from its own random start, trained side by side. The output is
    the log of their averaged class probabilities: cross-entropy and argmax read it as scores."""

    def __init__(self):
        super().__init__()
        self.members = nn.ModuleList(Model() for _ in range(ENSEMBLE))

    def forward(self, x):
        outs = torch.stack([m(x) for m in self.members])  # (K, B, classes)
        return torch.logsumexp(torch.log_softmax(outs, -1), 0) - np.log(ENSEMBLE)
'''

ENSEMBLE_NUMBERS = '''

class Ensemble(nn.Module):
    """ENSEMBLE networks, each from its own random start, trained side by side; the output is
    the average of theirs."""

    def __init__(self):
        super().__init__()
        self.members = nn.ModuleList(Model() for _ in range(ENSEMBLE))

    def forward(self, x):
        return torch.stack([m(x) for m in self.members]).mean(0)  # (B, targets)
'''
