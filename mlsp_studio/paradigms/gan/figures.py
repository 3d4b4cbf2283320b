"""Figures of the GAN paradigm: the 2-D field, the fixed-noise sample grid and the balance of
the two players. None raises on empty or non-finite data: it draws what it can and says the
rest in words."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from ...report.canvas import bare_axes, new_figure, padded_range, show_message
from ...snapshots.drawing import finite_floats
from . import snapshots as gan

HEAT = LinearSegmentedColormap.from_list("gan_heat", gan.HEAT_COLOURS)
LOSS_WORDS = {"flip": "label flip", "reversal": "gradient reversal"}


def field_figure(snap: gan.GanField) -> Figure:
    """Generated points over the data, on the discriminator's verdict, with the pushes."""
    fig = new_figure(6.4, 5.0)
    ax = fig.add_subplot()
    extent = gan.field_extent(snap)
    real, fake = gan.finite_points(snap.real), gan.finite_points(snap.fake)
    if extent is None and not len(real) and not len(fake):
        show_message(ax, "Nothing to show yet: no grid and no points")
        ax.set_title(f"GAN on the plane — step {snap.step}")
        return fig
    if extent is not None:
        probs = np.clip(finite_floats(snap.probs), 0.0, 1.0)
        image = ax.imshow(probs, extent=extent, origin="lower", cmap=HEAT, vmin=0.0, vmax=1.0,
                          interpolation="bilinear", aspect="auto", zorder=0)
        bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
        bar.set_label("discriminator: chance the point is real", fontsize=9)
    for centre in gan.finite_points(snap.centres):
        if snap.spread > 0:
            ax.add_patch(Circle(centre, 3 * snap.spread, fill=False, linestyle="--",
                                linewidth=0.7, edgecolor="#555555", zorder=1))
    ax.scatter(real[:, 0], real[:, 1], s=5, color=gan.REAL_COLOUR, alpha=0.6, linewidths=0,
               zorder=2)
    ax.scatter(fake[:, 0], fake[:, 1], s=12, color=gan.FAKE_COLOUR, edgecolors="#222222",
               linewidths=0.3, zorder=3)
    points = np.concatenate([real, fake])
    if extent is None:
        extent = (*padded_range(points[:, 0].min(), points[:, 0].max()),
                  *padded_range(points[:, 1].min(), points[:, 1].max()))
    segments, _ = gan.arrow_segments(snap.arrow_from, snap.arrow_vec, extent[1] - extent[0])
    if len(segments):
        ax.add_collection(LineCollection(segments, colors="#222222", linewidths=0.9,
                                         zorder=4))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ratio = (extent[1] - extent[0]) / (extent[3] - extent[2])
    ax.set_aspect("equal" if 1 / 3 < ratio < 3 else "auto", adjustable="box")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    handles = [Line2D([], [], marker="o", linestyle="", color=gan.REAL_COLOUR, label="data"),
               Line2D([], [], marker="o", linestyle="", color=gan.FAKE_COLOUR,
                      markeredgecolor="#222222", label="generated")]
    if len(segments):
        handles.append(Line2D([], [], color="#222222", label="generator's push"))
    ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.85)
    words = LOSS_WORDS.get(snap.loss_name, snap.loss_name)
    ax.set_title(f"GAN on the plane ({words}) — step {snap.step}", fontsize=11)
    return fig


def samples_figure(snap: gan.GanSamples) -> Figure:
    """The generator's images for the same fixed noise at every step, in a grid."""
    fig = new_figure(5.2, 5.6)
    ax = fig.add_subplot()
    mosaic = gan.sample_mosaic(snap.images, snap.cols)
    title = f"Generated samples from fixed noise — step {snap.step}"
    if not mosaic.size:
        show_message(ax, "No samples to show yet")
        ax.set_title(title)
        return fig
    lo, hi = (float(v) for v in snap.value_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        lo, hi = 0.0, 1.0
    ax.set_facecolor("#c8c8c8")  # the gaps between the samples
    ax.imshow(mosaic, cmap="gray_r", vmin=lo, vmax=hi, interpolation="nearest")
    bare_axes(ax)
    scores = finite_floats(snap.scores).ravel()
    scores = scores[np.isfinite(scores)]
    if scores.size:
        ax.set_xlabel(f"the discriminator finds them real with mean chance {scores.mean():.2f}",
                      fontsize=9)
    ax.set_title(title, fontsize=11)
    return fig


def balance_figure(snap: gan.GanBalance) -> Figure:
    """D(x) and D(G(z)) around the 0.5 balance line, and both losses around ln 2."""
    fig = new_figure(6.4, 5.0)
    top, bottom = fig.subplots(2, 1, sharex=True)
    steps = finite_floats(snap.steps).ravel()
    series = [finite_floats(a).ravel() for a in (snap.d_real, snap.d_fake, snap.d_loss,
                                                  snap.g_loss)]
    if not steps.size or any(s.size != steps.size for s in series):
        show_message(top, "No steps yet")
        bottom.set_axis_off()
        return fig
    real, fake, d_loss, g_loss = series
    top.axhline(0.5, color="#888888", linestyle="--", linewidth=1, label="balance (0.5)")
    top.plot(steps, real, color=gan.REAL_COLOUR, linewidth=1.4, label="D(data)")
    top.plot(steps, fake, color=gan.FAKE_COLOUR, linewidth=1.4, label="D(generated)")
    top.set_ylim(-0.02, 1.02)
    top.set_ylabel("chance of real")
    top.legend(loc="center right", fontsize=8, framealpha=0.85)
    top.set_title(f"Discriminator vs generator — step {snap.step}\n{gan.balance_words(snap)}",
                  fontsize=10)
    bottom.axhline(math.log(2), color="#888888", linestyle="--", linewidth=1,
                   label="ln 2 (no better than a coin)")
    bottom.plot(steps, d_loss, color="#5e3c99", linewidth=1.4, label="discriminator loss")
    words = LOSS_WORDS.get(snap.loss_name, snap.loss_name)
    bottom.plot(steps, g_loss, color="#e66101", linewidth=1.4,
                label=f"generator loss ({words})")
    bottom.set_xlabel("step")
    bottom.set_ylabel("loss (nats)")
    bottom.legend(loc="upper right", fontsize=8, framealpha=0.85)
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
    return fig


FIGURES: dict = {
    "gan_field": ("gan_field.png", field_figure),
    "gan_samples": ("gan_samples.png", samples_figure),
    "gan_balance": ("gan_balance.png", balance_figure),
}
