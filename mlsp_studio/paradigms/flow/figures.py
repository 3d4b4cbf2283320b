"""Figures of the normalizing-flow paradigm: the learned density over the data, samples over
the data, and the Gaussian's grid carried to the data at a few stages. None raises on empty
or non-finite data: it draws what it can and says the rest in words."""

from __future__ import annotations

from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from ...report.canvas import bare_axes, new_figure, show_message
from . import snapshots as flow

DENSITY = LinearSegmentedColormap.from_list("flow_density", flow.DENSITY_COLOURS)


def density_figure(snap: flow.FlowDensity) -> Figure:
    """p(x) over the plane (left) and log p(x) over its top 10 nats (right, where the leaks
    between the clouds show), held-out data points on both."""
    fig = new_figure(10.4, 5.0)
    words = flow.nll_words(snap)
    fig.suptitle(f"The flow's density — step {snap.step}" + (f"\n{words}" if words else ""),
                 fontsize=10)
    extent = flow.density_extent(snap)
    data = flow.finite_points(snap.data)
    if extent is None and not len(data):
        show_message(fig.add_subplot(), "No density grid and no data points to show yet")
        return fig
    if extent is None:
        extent = flow.points_extent([data])
    for ax, log in zip(fig.subplots(1, 2), (False, True), strict=True):
        if flow.density_extent(snap) is not None:
            if log:
                values, (lo, hi) = flow.log_density_picture(snap)
                label = f"log p(x), nats (the top {flow.LOG_SPAN:g})"
            else:
                values, hi = flow.density_picture(snap)
                lo, label = 0.0, "density p(x) (the top 0.5 % drawn as the darkest)"
            image = ax.imshow(values, extent=extent, origin="lower", cmap=DENSITY, vmin=lo,
                              vmax=hi, interpolation="nearest", aspect="auto", zorder=0)
            bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
            bar.set_label(label, fontsize=8)
        if len(data):
            ax.scatter(data[:, 0], data[:, 1], s=1, color=flow.DATA_COLOUR, alpha=0.5,
                       linewidths=0, zorder=2, label="held-out data")
            ax.legend(loc="upper right", fontsize=8, markerscale=6, framealpha=0.85)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_title("log p(x)" if log else "p(x)", fontsize=10)
    return fig


def samples_figure(snap: flow.FlowSamples) -> Figure:
    """The flow's samples (blue) over held-out data points (grey)."""
    fig = new_figure(5.2, 5.2)
    ax = fig.add_subplot()
    ax.set_title(f"Samples from the flow over the data — step {snap.step}", fontsize=10)
    samples, data = flow.finite_points(snap.samples), flow.finite_points(snap.data)
    limits = flow.points_extent([samples, data])
    if limits is None:
        show_message(ax, "No samples or data points to show yet")
        return fig
    if len(data):
        ax.scatter(data[:, 0], data[:, 1], s=4, color=flow.DATA_COLOUR, linewidths=0,
                   label="held-out data")
    if len(samples):
        ax.scatter(samples[:, 0], samples[:, 1], s=4, color=flow.SAMPLE_COLOUR, linewidths=0,
                   label="samples")
    ax.set_xlim(limits[0], limits[1])
    ax.set_ylim(limits[2], limits[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="upper right", fontsize=8, markerscale=3, framealpha=0.85)
    return fig


def layers_figure(snap: flow.FlowLayers) -> Figure:
    """The Gaussian's grid and some of its samples at a few stages, from z (left) to the data
    (right), each coupling undone in turn."""
    stages = flow.layer_stages(snap)
    shown = flow.shown_stages(stages)
    fig = new_figure(2.7 * max(len(shown), 2) + 0.4, 3.4)
    fig.suptitle(f"The Gaussian's grid carried to the data, coupling by coupling — step "
                 f"{snap.step}", fontsize=10)
    if not shown:
        show_message(fig.add_subplot(), "No layers to show yet")
        return fig
    axes = fig.subplots(1, len(shown), squeeze=False)[0]
    data = flow.finite_points(snap.data)
    for ax, stage in zip(axes, shown, strict=True):
        rows, columns = flow.stage_lines(snap, stage)
        ax.plot(rows[:, 0], rows[:, 1], color=flow.ROW_COLOUR, linewidth=0.6)
        ax.plot(columns[:, 0], columns[:, 1], color=flow.COLUMN_COLOUR, linewidth=0.6)
        if stage == stages - 1 and len(data):
            ax.scatter(data[:, 0], data[:, 1], s=2, color=flow.DATA_COLOUR, linewidths=0)
        points = flow.stage_points(snap, stage)
        if len(points):
            ax.scatter(points[:, 0], points[:, 1], s=2, color=flow.SAMPLE_COLOUR, linewidths=0,
                       zorder=3)
        x0, x1, y0, y1 = flow.stage_extent(snap, stage)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        bare_axes(ax)
        ax.set_title(flow.stage_words(stage, stages), fontsize=8, wrap=True)
    return fig


FIGURES: dict = {
    "flow_density": ("flow_density.png", density_figure),
    "flow_samples": ("flow_samples.png", samples_figure),
    "flow_layers": ("flow_layers.png", layers_figure),
}
