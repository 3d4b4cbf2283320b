"""Draw the lesson gallery's thumbnails: train each preset briefly, keep its most telling figure.

Run from the checkout: ``.venv/bin/python packaging/make_thumbnails.py [PRESET ...]``.
Each preset trains a few seconds on one thread with ``mlsp-studio run`` (one at a time, so a
shared machine stays usable); the figure that best shows the lesson is fitted into a small
PNG in ``resources/thumbnails/NAME.png``. Which figure, and how long to train first, each
preset's own file says (``ui.thumbnail``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "thumbnails"
SIZE = (320, 200)
MAX_BYTES = 40_000



def thumbnail_choice(name: str) -> dict:
    """What the preset's file says of its thumbnail (``ui.thumbnail``): the ``figure`` that
    tells its story best (a run's PNG name without ``.png``), the training ``seconds`` before
    it is drawn, and whether only its ``top`` is kept (readable rather than all of it tiny)."""
    preset = json.loads((ROOT / "resources" / "presets" / f"{name}.mlsp.json").read_text())
    return {"figure": "curves", "seconds": 4.0, "top": False,
            **preset.get("ui", {}).get("thumbnail", {})}


def pick_figure(folder: Path, name: str, figure: str) -> Path:
    """The run's figure ``figure`` for ``name``'s thumbnail."""
    path = folder / f"{figure}.png"
    if not path.exists():
        drawn = ", ".join(sorted(p.stem for p in folder.glob("*.png"))) or "none"
        raise SystemExit(f"{name}: the run drew no {figure}.png (it drew: {drawn}); change "
                         "ui.thumbnail.figure in the preset's file")
    return path


def fit(source: Path, target: Path, top: bool = False) -> int:
    """Fit ``source`` inside SIZE on white, in few colours so the file stays small; ``top``
    keeps only the figure's top part, readable, rather than all of it tiny."""
    image = Image.open(source).convert("RGB")
    if top or image.height > image.width:
        image = image.crop((0, 0, image.width, image.width * SIZE[1] // SIZE[0]))
    image.thumbnail(SIZE, Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", SIZE, "white")
    canvas.paste(image, ((SIZE[0] - image.width) // 2, (SIZE[1] - image.height) // 2))
    for colours in (256, 128, 64):
        small = canvas.quantize(colours, method=Image.Quantize.MEDIANCUT)
        small.save(target, optimize=True)
        if target.stat().st_size <= MAX_BYTES:
            break
    return target.stat().st_size


def make(name: str, seconds: float | None) -> None:
    choice = thumbnail_choice(name)
    with tempfile.TemporaryDirectory() as folder:
        run = Path(folder) / "run"
        secs = seconds if seconds is not None else choice["seconds"]
        cmd = [str(Path(sys.executable).with_name("mlsp-studio")), "run", name, "--threads", "1",
               "--seconds", str(secs), "--seed", "0", "--out", str(run), "--quiet"]
        subprocess.run(cmd, check=True, cwd=ROOT)
        figure = pick_figure(run, name, choice["figure"])
        OUT.mkdir(parents=True, exist_ok=True)
        size = fit(figure, OUT / f"{name}.png", top=choice["top"])
        print(f"{name}: {figure.name} -> {size:,} bytes", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="*", help="preset names (default: every preset)")
    parser.add_argument("--seconds", type=float, help="training seconds for each preset")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from mlsp_studio.model.presets import preset_names

    for name in args.presets or preset_names():
        make(name, args.seconds)


if __name__ == "__main__":
    main()
