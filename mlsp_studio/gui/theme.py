"""Light and dark looks: the Fusion style with a palette, block category colours, plot colours.

Colours are plain ``#rrggbb`` strings so canvas items and pyqtgraph panels can use them
directly; only :func:`apply_theme` touches Qt.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# Block category -> fill colour on a light canvas (a soft tint, dark text stays readable).
CATEGORY_COLOURS: dict[str, str] = {
    "Input": "#cfe8cf",
    "Core": "#cfdff5",
    "Activation": "#fbe3c4",
    "Convolution": "#dcd3f2",
    "Pooling": "#c9ece9",
    "Normalization": "#f5d5e3",
    "Reshape": "#e6e6e6",
    "Merge": "#f3edc0",
    "Sequence": "#d9efc2",
    "Attention": "#f6d9c6",
    "Generative": "#ecd5f5",
    "Output": "#f5cfcf",
}

# The same hues, deep and muted, so light text reads on them on a dark canvas.
_DARK_CATEGORY_COLOURS: dict[str, str] = {
    "Input": "#2f5a35",
    "Core": "#2c4a70",
    "Activation": "#6e4a1f",
    "Convolution": "#4b3d78",
    "Pooling": "#22605b",
    "Normalization": "#6b3050",
    "Reshape": "#4a4a4a",
    "Merge": "#6a6024",
    "Sequence": "#44632a",
    "Attention": "#74442a",
    "Generative": "#5d3470",
    "Output": "#6e2e2e",
}

_UNKNOWN = ("#e0e0e0", "#505050")

# Each palette colour as (light look, dark look).
_PALETTE = {
    "window": ("#f3f3f3", "#2b2b2e"),
    "window_text": ("#1e1e1e", "#e6e6e6"),
    "base": ("#ffffff", "#1f1f22"),
    "alternate_base": ("#f0f0f0", "#29292d"),
    "text": ("#1e1e1e", "#e6e6e6"),
    "button": ("#e9e9e9", "#3a3a3e"),
    "button_text": ("#1e1e1e", "#e6e6e6"),
    "bright_text": ("#d32f2f", "#ff6b6b"),
    "highlight": ("#2f6fc9", "#3d7fd9"),
    "highlighted_text": ("#ffffff", "#ffffff"),
    "link": ("#1f5fbf", "#7fb2ff"),
    "tooltip_base": ("#ffffdc", "#3a3a3e"),
    "tooltip_text": ("#1e1e1e", "#e6e6e6"),
    "placeholder": ("#8a8a8a", "#8a8a8a"),
    "disabled_text": ("#8f8f8f", "#7a7a7e"),
    "mid": ("#c4c4c4", "#48484c"),
    "dark": ("#9a9a9a", "#1a1a1c"),
    "shadow": ("#707070", "#101012"),
    "light": ("#ffffff", "#4a4a4f"),
}
_LIGHT = {role: light for role, (light, _) in _PALETTE.items()}
_DARK = {role: dark for role, (_, dark) in _PALETTE.items()}


# High contrast, for a projector: pure black on white (white on black), strong selection.
_LIGHT_CONTRAST = {**_LIGHT, "window": "#ffffff", "window_text": "#000000", "text": "#000000",
                   "button": "#ffffff", "button_text": "#000000", "highlight": "#0033aa",
                   "alternate_base": "#f2f2f2", "link": "#0033aa", "mid": "#000000",
                   "dark": "#000000", "shadow": "#000000", "placeholder": "#404040",
                   "disabled_text": "#505050", "tooltip_base": "#ffffff",
                   "tooltip_text": "#000000"}
_DARK_CONTRAST = {**_DARK, "window": "#000000", "window_text": "#ffffff", "base": "#000000",
                  "text": "#ffffff", "button": "#000000", "button_text": "#ffffff",
                  "highlight": "#ffd400", "highlighted_text": "#000000",
                  "alternate_base": "#1a1a1a", "link": "#ffd400", "mid": "#ffffff",
                  "light": "#ffffff", "placeholder": "#c0c0c0", "disabled_text": "#b0b0b0",
                  "tooltip_base": "#000000", "tooltip_text": "#ffffff"}


def category_colour(category: str, dark: bool = False) -> str:
    """The fill colour of a block of ``category`` (grey for a category not listed)."""
    table = _DARK_CATEGORY_COLOURS if dark else CATEGORY_COLOURS
    return table.get(category, _UNKNOWN[1] if dark else _UNKNOWN[0])


def plot_colours(dark: bool) -> dict[str, str]:
    """Background, foreground (axes, text) and grid colours for a pyqtgraph panel."""
    if dark:
        return {"background": "#1f1f22", "foreground": "#d0d0d0", "grid": "#4a4a50"}
    return {"background": "#ffffff", "foreground": "#303030", "grid": "#d8d8d8"}


def make_palette(dark: bool, contrast: bool = False) -> QPalette:
    """The window palette for the light or the dark look, optionally in high contrast."""
    table = ((_DARK_CONTRAST if dark else _LIGHT_CONTRAST) if contrast
             else (_DARK if dark else _LIGHT))
    c = {key: QColor(value) for key, value in table.items()}
    role = QPalette.ColorRole
    group = QPalette.ColorGroup
    palette = QPalette()
    for r, key in (
        (role.Window, "window"), (role.WindowText, "window_text"), (role.Base, "base"),
        (role.AlternateBase, "alternate_base"), (role.Text, "text"), (role.Button, "button"),
        (role.ButtonText, "button_text"), (role.BrightText, "bright_text"),
        (role.Highlight, "highlight"), (role.HighlightedText, "highlighted_text"),
        (role.Link, "link"), (role.ToolTipBase, "tooltip_base"),
        (role.ToolTipText, "tooltip_text"), (role.PlaceholderText, "placeholder"),
        (role.Mid, "mid"), (role.Dark, "dark"), (role.Shadow, "shadow"), (role.Light, "light"),
    ):
        palette.setColor(r, c[key])
    palette.setColor(role.Midlight, c["button"].lighter(110))
    for r in (role.WindowText, role.Text, role.ButtonText, role.HighlightedText):
        palette.setColor(group.Disabled, r, c["disabled_text"])
    palette.setColor(group.Disabled, role.Base, c["window"])
    palette.setColor(group.Disabled, role.Highlight, c["mid"])
    return palette


def apply_theme(app: QApplication, dark: bool, contrast: bool = False) -> None:
    """Give the whole application the Fusion style and the light or dark palette."""
    app.setStyle("Fusion")
    app.setPalette(make_palette(dark, contrast))
    app.setProperty("mlsp_dark", bool(dark))
    app.setProperty("mlsp_contrast", bool(contrast))


def is_dark(app: QApplication | None = None) -> bool:
    """Whether :func:`apply_theme` last chose the dark look."""
    app = app or QApplication.instance()
    return bool(app is not None and app.property("mlsp_dark"))
