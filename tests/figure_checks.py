"""What a saved matplotlib figure draws: its texts, images, lines and points, and how much of
its PNG is drawn on. Used through the ``drawn`` fixture (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.collections import Collection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage, imread
from matplotlib.lines import Line2D
from matplotlib.text import Text


class Drawn(list):
    """The figures saved while a test runs, oldest first, and readers of what they draw."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[Path, Figure] = {}

    def of(self, path: Path) -> Figure:
        """The figure last saved to ``path``."""
        return self.files[Path(path).resolve()]

    @property
    def last(self) -> Figure:
        assert self, "no figure was saved"
        return self[-1]

    @staticmethod
    def axes(fig: Figure) -> list:
        return [ax for ax in fig.axes if ax.get_visible()]

    @staticmethod
    def texts(fig: Figure) -> list[str]:
        """Every non-empty text the figure shows: titles, labels, notes, legends, cells."""
        found = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
        return found

    @staticmethod
    def text(fig: Figure) -> str:
        return "\n".join(Drawn.texts(fig))

    @staticmethod
    def images(fig: Figure) -> list[np.ndarray]:
        """The data of every image on a visible axes, in the order they were drawn."""
        return [np.ma.getdata(im.get_array()) for ax in Drawn.axes(fig) for im in ax.images
                if isinstance(im, AxesImage)]

    @staticmethod
    def lines(fig: Figure) -> list[Line2D]:
        """Every line on a visible axes (legend samples excluded)."""
        return [line for ax in Drawn.axes(fig) for line in ax.get_lines()]

    @staticmethod
    def points(fig: Figure) -> list[np.ndarray]:
        """The (x, y) offsets of every scatter on a visible axes."""
        return [np.asarray(c.get_offsets()) for ax in Drawn.axes(fig) for c in ax.collections
                if isinstance(c, Collection) and not isinstance(c, PolyCollection)
                and len(c.get_offsets())]

    @staticmethod
    def ink(path: Path) -> float:
        """The share of the PNG's pixels that differ from its background colour (the most
        common one): 0 for a blank picture."""
        pixels = imread(str(path))
        flat = (pixels.reshape(-1, pixels.shape[-1]) * 255).round().astype(np.int64)
        codes = flat @ (256 ** np.arange(flat.shape[1]))
        values, counts = np.unique(codes, return_counts=True)
        return float(np.mean(codes != values[counts.argmax()]))

    @staticmethod
    def colours(path: Path) -> int:
        """How many different colours the PNG holds."""
        pixels = imread(str(path))
        flat = (pixels.reshape(-1, pixels.shape[-1]) * 255).round().astype(np.int64)
        return len(np.unique(flat @ (256 ** np.arange(flat.shape[1]))))

    @staticmethod
    def shows(fig: Figure, data, most: int = 8) -> bool:
        """Whether ``data`` is drawn: as an image (or its transpose), a line's y values, a
        scatter's points or one column of them; or, for a stack, each of its first ``most``
        members so. NaN matches NaN."""
        a = np.asarray(data, dtype=float)
        drawn = [np.asarray(x, dtype=float) for x in Drawn.images(fig)]
        drawn += [np.asarray(line.get_ydata(), dtype=float) for line in Drawn.lines(fig)]
        for points in Drawn.points(fig):
            drawn += [points, points[:, 0], points[:, 1]]

        def one(x: np.ndarray) -> bool:
            for y in drawn:
                for z in (x, x.T, x.squeeze()):
                    if z.shape == y.shape and np.allclose(z, y, equal_nan=True):
                        return True
            return False

        if a.size == 0:
            return False
        return one(a) or (a.ndim >= 2 and all(one(x) for x in a[:most]))

    @staticmethod
    def colour_share(path: Path, colour, tol: float = 0.08) -> float:
        """The share of the PNG's pixels within ``tol`` (per channel, 0 to 1) of ``colour``
        (any matplotlib colour: ``"#f59322"``, an RGB tuple)."""
        from matplotlib.colors import to_rgb

        pixels = imread(str(path))[..., :3].reshape(-1, 3)
        return float(np.mean(np.abs(pixels - np.array(to_rgb(colour))).max(1) <= tol))
