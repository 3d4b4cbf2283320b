"""Draw the lesson gallery's thumbnails: train each preset briefly, keep its most telling figure.

Run from the checkout: ``.venv/bin/python packaging/make_thumbnails.py [PRESET ...]``.
Each preset trains a few seconds on one thread with ``mlsp-studio run`` (one at a time, so a
shared machine stays usable); the figure that best shows the lesson is fitted into a small
PNG in ``resources/thumbnails/NAME.png``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "thumbnails"
SIZE = (320, 200)
MAX_BYTES = 40_000

# The figure that tells a preset's story best, where the general order below would miss it.
CHOICE = {
    "optimizers": "curves", "overfit-regularize": "curves", "deep-gradients": "layer_stats",
    "anomaly-ae": "anomaly_scores", "rnn-vs-lstm": "gradient_through_time",
    "rnn-stacked": "recurrent_states", "signal-cnn1d": "kernels", "word2vec": "embeddings",
    "digits-cnn": "feature_maps", "gan-ring": "gan_field", "transfer-lora": "curves",
    # the forward process shows the idea at once; good samples need minutes of training
    "ddpm-2d": "diffusion_forward", "ddpm-digits": "diffusion_forward",
}
# Otherwise the first of these the run drew.
ORDER = ("boundary", "regression_fit", "gan_samples", "diffusion_samples", "reconstructions",
         "contrastive_embedding", "retrieval", "alignment", "patch_attention",
         "attention_pooling", "generated_text", "attention", "fill_mask", "embeddings",
         "gradient_through_time", "recurrent_states", "feature_maps", "kernels",
         "layer_stats", "confusion", "curves")
TOP_ONLY = {"digits-cnn"}  # feature maps: the input and the first layer's maps say enough
SECONDS = {"gan-ring": 20.0, "gan-digits": 10.0, "ddpm-2d": 10.0, "ddpm-digits": 10.0,
           "autoencoder-digits": 6.0, "denoising-ae": 6.0, "contrastive-digits": 6.0}


def pick_figure(folder: Path, name: str) -> Path:
    """The run's figure for ``name``'s thumbnail (the preferred one, else the first drawn)."""
    drawn = {p.stem: p for p in folder.glob("*.png")}
    wanted = [CHOICE[name]] if name in CHOICE else []
    for stem in (*wanted, *ORDER):
        if stem in drawn:
            return drawn[stem]
    if not drawn:
        raise SystemExit(f"{name}: the run drew no figure")
    return sorted(drawn.values())[0]


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
    with tempfile.TemporaryDirectory() as folder:
        run = Path(folder) / "run"
        secs = seconds if seconds is not None else SECONDS.get(name, 4.0)
        cmd = [str(Path(sys.executable).with_name("mlsp-studio")), "run", name, "--threads", "1",
               "--seconds", str(secs), "--seed", "0", "--out", str(run), "--quiet"]
        subprocess.run(cmd, check=True, cwd=ROOT)
        figure = pick_figure(run, name)
        OUT.mkdir(parents=True, exist_ok=True)
        size = fit(figure, OUT / f"{name}.png", top=name in TOP_ONLY)
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
