"""Diffusion panels: the forward process under a t slider (worked out here from the fixed
examples, their fixed noise and ᾱ, with no round trip to the engine), and the reverse
trajectory with the samples, steered by a class and a guidance scale that re-sample live."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QWidget,
)

from ...gui.panels.base import (
    DARK,
    LIGHT,
    PANELS,
    Panel,
    PlotPanel,
    row_layout,
    set_title,
    show_text,
    slider,
    stack_layout,
    style_plot,
    text_label,
)
from ...snapshots.drawing import class_colour, finite_floats
from .settings import MAX_GUIDANCE
from .snapshots import (
    EACH_CLASS,
    NO_CLASS,
    DiffusionForward,
    DiffusionSamples,
    DiffusionTrajectory,
    as_pictures,
    check_guidance_class,
    check_guidance_scale,
    class_words,
    mosaic,
    noised,
)

GREY = np.repeat(np.arange(255, -1, -1, dtype=np.uint8)[:, None], 3, axis=1)  # ink on paper
STRIP_COLUMNS = 4
FRAME_COLUMNS = 4       # trajectory frames per row
FRAME_GAP = 0.25        # blank space between trajectory frames, as a share of a frame's width
LABEL_SPACE = 0.3       # room above each frame for its step, as a share of its height
SAMPLE_BRUSH = "#0877bd"


def _same_examples(a: DiffusionForward, b: DiffusionForward) -> bool:
    """Whether two forward snapshots hold the same examples, noise and schedule."""
    return (a.image_shape == b.image_shape and np.array_equal(a.alpha_bar, b.alpha_bar)
            and np.array_equal(a.x0, b.x0) and np.array_equal(a.noise, b.noise)
            and np.array_equal(a.labels, b.labels))


def _points(a: np.ndarray) -> np.ndarray:
    """(n, 2) finite rows of a points array; (0, 2) for anything else."""
    a = finite_floats(a)
    if a.ndim != 2 or a.shape[1] != 2:
        return np.zeros((0, 2))
    return a[np.isfinite(a).all(1)]


@PANELS.register
class DiffusionForwardPanel(PlotPanel):
    """How noise swallows the data step by step: drag t from 0 (the data) to T (noise)."""

    name = "diffusion_forward"
    title = "Diffusion: adding noise"
    kinds = frozenset({"diffusion_forward"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = slider("The step t of the forward process: 0 is the data, T pure noise",
                             self.draw)
        self.t_label = text_label(wrap=False)
        self.graphics = pg.GraphicsLayoutWidget()
        self.plot: pg.PlotItem = self.graphics.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.setAspectLocked(True)
        self.scatter = pg.ScatterPlotItem(pxMode=True, size=4, pen=None)
        self.image = pg.ImageItem(axisOrder="row-major", lut=GREY)
        self.plot.addItem(self.scatter)
        self.plot.addItem(self.image)
        bar = row_layout(text_label(text="t"), (self.slider, 1), self.t_label, stretch=False)
        stack_layout(self, bar, (self.graphics, 1))
        self.latest: DiffusionForward | None = None
        self._brushes: list | None = None
        self._class_brushes = [pg.mkBrush(class_colour(k)) for k in range(10)]
        self._no_class = pg.mkBrush(class_colour(-1))
        self._what = ""
        self.set_dark(False)
        self.reset()

    def show_snapshot(self, snapshot: DiffusionForward) -> None:
        super().show_snapshot(snapshot)
        fresh, last = self.latest is None, self.latest
        self.latest = snapshot
        if last is not None and _same_examples(last, snapshot):
            self._set_title()  # the examples are fixed: only the step changed
            return
        T = max(len(snapshot.alpha_bar) - 1, 0)
        if self.slider.maximum() != max(T, 1):
            self.slider.blockSignals(True)
            self.slider.setRange(0, max(T, 1))
            if fresh:
                self.slider.setValue(max(T, 1) // 4)
            self.slider.blockSignals(False)
        labels = np.asarray(snapshot.labels)
        n = len(snapshot.x0)
        self._brushes = ([self._class_brushes[int(k) % 10] if k >= 0 else self._no_class
                          for k in labels.tolist()] if len(labels) == n and n else None)
        self.draw()

    def draw(self) -> None:
        """x_t of the fixed examples at the slider's t, worked out here."""
        if (snap := self.latest) is None:
            return
        t = self.slider.value()
        x0, noise = finite_floats(snap.x0), finite_floats(snap.noise)
        T = len(snap.alpha_bar) - 1
        bar = float(snap.alpha_bar[min(t, T)]) if T >= 0 else 1.0
        self.t_label.setText(f"{t} of {max(T, 0)} · signal kept √ᾱ = "
                             f"{np.sqrt(min(max(bar, 0.0), 1.0)) if np.isfinite(bar) else 0:.2f}")
        if x0.shape != noise.shape or x0.size == 0:
            self.scatter.setData(x=[], y=[])
            self.image.clear()
            set_title(self.plot, f"Adding noise — step {snap.step}: no examples", self.dark)
            self._what = ""
            return
        xt = noised(snap.alpha_bar, x0, noise, t)
        pictures = as_pictures(xt, snap.image_shape)
        if len(pictures):
            self.scatter.setData(x=[], y=[])
            row = mosaic(pictures[:8], 8)[::-1]  # the view's y points up: flip to stand upright
            self.image.setImage(row, autoLevels=False, levels=(-1.0, 1.0))
            self._axes(False)
            self.plot.setRange(xRange=(0, row.shape[1]), yRange=(0, row.shape[0]), padding=0.02)
            what = f"{min(len(pictures), 8)} examples"
        else:
            self.image.clear()
            pts = _points(xt)
            if self._brushes is not None and len(pts) == len(self._brushes):
                self.scatter.setData(pos=pts, brush=self._brushes)
            else:
                self.scatter.setData(pos=pts, brush=pg.mkBrush(SAMPLE_BRUSH))
            what = f"{len(pts)} data points"
            self._axes(True)
            self.plot.setRange(xRange=(-3.2, 3.2), yRange=(-3.2, 3.2), padding=0)
        self._what = what
        self._set_title()

    def _set_title(self) -> None:
        if self.latest is not None and self._what:
            set_title(self.plot, f"x_t of {self._what} at t = {self.slider.value()} — step "
                      f"{self.latest.step}", self.dark)

    def _axes(self, shown: bool) -> None:
        for name in ("left", "bottom"):
            if self.plot.getAxis(name).isVisible() != shown:
                self.plot.showAxis(name, shown)

    def reset(self) -> None:
        super().reset()
        self.latest = None
        self._what = ""
        self.scatter.setData(x=[], y=[])
        self.image.clear()
        self.t_label.setText("")
        set_title(self.plot, "Adding noise — waiting for the first picture", self.dark)


@PANELS.register
class DiffusionSamplingPanel(Panel):
    """From noise to samples with the current weights: the reverse trajectory at a few steps
    and (2-D data) the samples over the data; a class and a guidance scale steer them."""

    name = "diffusion_sampling"
    title = "Diffusion: sampling"
    kinds = frozenset({"diffusion_trajectory", "diffusion_samples"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.class_box = QComboBox()
        self.class_box.setToolTip("Which class the samples are asked for")
        self.class_box.activated.connect(self._on_class)
        self.scale_box = QDoubleSpinBox()
        self.scale_box.setRange(0.0, MAX_GUIDANCE)
        self.scale_box.setSingleStep(0.5)
        self.scale_box.setDecimals(1)
        self.scale_box.setKeyboardTracking(False)
        self.scale_box.setToolTip("Classifier-free guidance: 0 ignores the class, 1 is the "
                                  "plain conditional model, more pushes harder toward it")
        self.scale_box.valueChanged.connect(self._on_scale)
        self.note = text_label()
        self.status = text_label()
        self.graphics = pg.GraphicsLayoutWidget()
        self.strip: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.samples_plot: pg.PlotItem = self.graphics.addPlot(row=1, col=0)
        for plot in (self.strip, self.samples_plot):
            plot.setMenuEnabled(False)
            plot.setAspectLocked(True)
        self.strip.hideAxis("left")
        self.strip.hideAxis("bottom")
        self.strip.invertY(True)
        self.strip_image = pg.ImageItem(axisOrder="row-major", lut=GREY)
        self.strip_points = pg.ScatterPlotItem(pxMode=True, size=2, pen=None,
                                               brush=pg.mkBrush(SAMPLE_BRUSH))
        self.strip.addItem(self.strip_image)
        self.strip.addItem(self.strip_points)
        self.data_points = pg.ScatterPlotItem(pxMode=True, size=4, pen=None,
                                              brush=pg.mkBrush("#bbbbbb"))
        self.sample_points = pg.ScatterPlotItem(pxMode=True, size=4, pen=None,
                                                brush=pg.mkBrush(SAMPLE_BRUSH))
        self.samples_plot.addItem(self.data_points)
        self.samples_plot.addItem(self.sample_points)
        self.frame_labels: list[pg.TextItem] = []
        bar = row_layout(text_label(text="Class"), self.class_box, 8,
                         text_label(text="Guidance"), self.scale_box)
        stack_layout(self, bar, self.note, (self.graphics, 1), self.status)
        self._classes: tuple[str, ...] | None = None
        self._synced = False
        self.set_dark(False)
        self.reset()

    # --- what a person does ------------------------------------------------------------------

    def ask_class(self, value: int) -> bool:
        """Ask for samples of class ``value`` (−1 none, −2 each in turn); False, with the
        reason shown, when there is no such class."""
        number, why = check_guidance_class(value, len(self._classes or ()))
        self._say(why)
        if number is not None:
            self.optionChanged.emit("guidance_class", number)
        return number is not None

    def ask_scale(self, value: float) -> bool:
        """Ask for samples at guidance ``value``; False, with the range shown, when out of it."""
        scale, why = check_guidance_scale(value)
        self._say(why)
        if scale is not None:
            self.optionChanged.emit("guidance_scale", scale)
        return scale is not None

    def _on_class(self, index: int) -> None:
        self.ask_class(int(self.class_box.itemData(index)))

    def _on_scale(self, value: float) -> None:
        self.ask_scale(value)

    def _say(self, text: str) -> None:
        show_text(self.note, text)

    # --- the Panel contract ------------------------------------------------------------------

    def show_snapshot(self, snapshot: DiffusionTrajectory | DiffusionSamples) -> None:
        super().show_snapshot(snapshot)
        self._sync_controls(snapshot)
        if snapshot.note:
            self._say(snapshot.note)
        if snapshot.kind == "diffusion_trajectory":
            self._show_trajectory(snapshot)
        else:
            self._show_samples(snapshot)

    def _sync_controls(self, snap) -> None:
        names = tuple(snap.class_names) if snap.conditional else ()
        if names != self._classes:
            self._classes = names
            self.class_box.clear()
            if names:
                self.class_box.addItem("every class in turn", EACH_CLASS)
            self.class_box.addItem("no class", NO_CLASS)
            for k, name in enumerate(names):
                self.class_box.addItem(f"class {name}", k)
        self.class_box.setEnabled(bool(names))
        self.scale_box.setEnabled(bool(names))
        tip = "" if names else "This denoiser is not told the class, so it cannot be steered"
        self.class_box.setToolTip(tip or "Which class the samples are asked for")
        if not self._synced or not names:  # the run's own choice until the person changes it
            self._synced = True
            index = self.class_box.findData(int(snap.guidance_class))
            if index >= 0:
                self.class_box.setCurrentIndex(index)
            self.scale_box.blockSignals(True)
            self.scale_box.setValue(float(np.clip(snap.guidance, 0.0, MAX_GUIDANCE))
                                    if np.isfinite(snap.guidance) else 0.0)
            self.scale_box.blockSignals(False)

    def _show_trajectory(self, snap: DiffusionTrajectory) -> None:
        frames = finite_floats(snap.frames)
        steps = np.asarray(snap.steps)
        k = min(len(frames), len(steps)) if frames.ndim >= 2 else 0
        pictures = as_pictures(frames[:k], snap.image_shape) if k else np.zeros((0, 0, 0))
        spots: list[tuple[float, float, str]] = []
        cols = min(FRAME_COLUMNS, max(k, 1))
        rows = -(-k // cols)
        if len(pictures):
            tiles = [mosaic(pictures[i], STRIP_COLUMNS) for i in range(k)]
            h, w = tiles[0].shape
            gap, head = max(1, round(FRAME_GAP * w)), max(2, round(LABEL_SPACE * h))
            strip = np.full((rows * (h + head), cols * (w + gap) - gap), np.nan)
            for i, tile in enumerate(tiles):
                r, c = divmod(i, cols)
                y, x = r * (h + head) + head, c * (w + gap)
                strip[y:y + h, x:x + w] = tile
                spots.append((x + w / 2, y, f"t = {int(steps[i])}"))
            self.strip_image.setImage(strip, autoLevels=False, levels=(-1.0, 1.0))
            self.strip_points.setData(x=[], y=[])
            self.strip.setRange(xRange=(0, strip.shape[1]), yRange=(0, strip.shape[0]),
                                padding=0.02)
        elif k and frames.ndim == 3 and frames.shape[2] == 2:
            self.strip_image.clear()
            side = 7.0  # each cloud drawn in a 7-wide box (±3.5 in the model's scale)
            step_x, step_y = side * (1 + FRAME_GAP), side * (1 + LABEL_SPACE)
            clouds = []
            for i in range(k):
                r, c = divmod(i, cols)
                cx, cy = c * step_x, r * step_y + side * LABEL_SPACE + side / 2
                cloud = np.clip(_points(frames[i]), -3.4, 3.4) * [1.0, -1.0]  # y up
                clouds.append(cloud + [cx, cy])
                spots.append((cx, cy - side / 2, f"t = {int(steps[i])}"))
            self.strip_points.setData(pos=np.concatenate(clouds))
            self.strip.setRange(xRange=(-side / 2, (cols - 1) * step_x + side / 2),
                                yRange=(0, rows * step_y), padding=0.02)
        else:
            self.strip_image.clear()
            self.strip_points.setData(x=[], y=[])
        self._place_labels(spots)
        sampler = (f"DDIM, {snap.sample_steps} steps" if snap.sampler == "ddim"
                   else f"DDPM, all {snap.timesteps} steps")
        guide = (f" · {class_words(snap.guidance_class, snap.class_names)}, guidance "
                 f"{snap.guidance:g}" if snap.conditional else " · not told the class")
        set_title(self.strip, f"From noise to samples, left to right — step {snap.step}",
                  self.dark)
        self.status.setText(f"{sampler}{guide} · sampled in {1000 * snap.seconds:.0f} ms"
                            if k else "No samples yet")

    def _place_labels(self, spots: list[tuple[float, float, str]]) -> None:
        if len(self.frame_labels) != len(spots):  # made again only when the count changes
            for item in self.frame_labels:
                self.strip.removeItem(item)
            colour = (DARK if self.dark else LIGHT)["text"]
            self.frame_labels = [pg.TextItem(color=colour, anchor=(0.5, 1.0))
                                 for _ in spots]
            for item in self.frame_labels:
                self.strip.addItem(item)
        for item, (x, y, text) in zip(self.frame_labels, spots, strict=True):
            item.setText(text)
            item.setPos(x, y)

    def _show_samples(self, snap: DiffusionSamples) -> None:
        samples, data = _points(snap.samples), _points(snap.data)
        self.samples_plot.show()
        self.data_points.setData(pos=data)
        self.sample_points.setData(pos=samples)
        guide = (f" · {class_words(snap.guidance_class, snap.class_names)}, guidance "
                 f"{snap.guidance:g}" if snap.conditional else "")
        set_title(self.samples_plot, f"{len(samples)} samples (blue) over the data (grey) — "
                  f"step {snap.step}{guide}", self.dark)
        both = np.concatenate([samples, data]) if len(samples) + len(data) else None
        if both is not None:
            lo, hi = np.percentile(both, 0.5, axis=0), np.percentile(both, 99.5, axis=0)
            span = float(max(hi - lo)) or 1.0
            self.samples_plot.setRange(xRange=(lo[0] - 0.05 * span, hi[0] + 0.05 * span),
                                       yRange=(lo[1] - 0.05 * span, hi[1] + 0.05 * span),
                                       padding=0)

    def reset(self) -> None:
        super().reset()
        self.strip_image.clear()
        self.strip_points.setData(x=[], y=[])
        self.data_points.setData(x=[], y=[])
        self.sample_points.setData(x=[], y=[])
        self._place_labels([])
        self.samples_plot.hide()  # shown with the first 2-D samples
        self._synced = False
        self._say("")
        self.status.setText("Sampling — waiting for the first picture")
        set_title(self.strip, "From noise to samples — waiting for the first picture",
                  self.dark)
        set_title(self.samples_plot, "Samples over the data (2-D data only)", self.dark)

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        colours = DARK if dark else LIGHT
        self.graphics.setBackground(colours["background"])
        for plot in (self.strip, self.samples_plot):
            style_plot(plot, dark)
        for item in self.frame_labels:
            item.setColor(colours["text"])
