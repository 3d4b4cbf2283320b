"""The ``mlsp-studio`` command's options, command by command (no import of the studio)."""

from __future__ import annotations

import argparse
from pathlib import Path


def command_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlsp-studio",
        description="MLSP Studio: build networks from blocks, train them and watch them learn.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="train a preset or project file headless")
    run.add_argument("target", help="a preset name (see 'mlsp-studio presets') or a .mlsp.json "
                                    "project file")
    run.add_argument("--steps", type=int, help="stop after this many steps")
    run.add_argument("--seconds", type=float, help="stop after this many seconds of training")
    run.add_argument("--seed", type=int, help="the run's seed: starting weights and batches "
                     "(the data's: --set dataset.data_seed=N or dataset.split_seed=N)")
    run.add_argument("--device", choices=("auto", "cpu", "cuda"), help="where to train")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="change a setting, e.g. --set lr=0.003 --set noise=0.2")
    run.add_argument("--variant", help="run one of the preset's variants")
    run.add_argument("--all-variants", action="store_true",
                     help="run every variant, each in its own subfolder, and draw their curves "
                          "in one comparison figure")
    run.add_argument("--fork", type=Path, metavar="RUN_DIR[/checkpoints/step-N]",
                     help="start from a run's final weights or one of its checkpoints, with "
                          "the settings given here")
    run.add_argument("--out", type=Path, help="folder for the run's files "
                                             "(default: runs/NAME-TIME)")
    run.add_argument("--threads", type=int, help="torch threads (default: cores - 1)")
    run.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    run.add_argument("--no-recording", action="store_true", help="write no recording/ (the "
                     "metrics and pictures over training, for replaying the run)")
    run.add_argument("--quiet", action="store_true", help="print only the final line")
    run.add_argument("--precision", choices=("float32", "bf16"), default="float32",
                     help="bf16: compute in bfloat16 where it is safe (autocast), on a GPU "
                          "that supports it; float32 (the default) everywhere")
    run.add_argument("--nproc", type=int, metavar="N",
                     help="train on N processes at once, each on its share of every batch "
                          "(DistributedDataParallel through torch.distributed.run, as "
                          "'torchrun --standalone --nproc_per_node=N -m mlsp_studio run ...')")
    run.add_argument("--prompt", metavar="TEXT",
                     help="language models: at the end, print samples continuing TEXT (a "
                          "masked model fills the blanks written in it as [MASK] or _); "
                          "also written to samples.txt in the run folder")
    run.add_argument("--samples", type=int, default=3, metavar="N",
                     help="how many samples --prompt writes (default 3)")
    export = sub.add_parser("export", help="write a project as a standalone PyTorch script "
                                           "or its network as ONNX")
    export.add_argument("target", help="a preset name or a .mlsp.json project file")
    export.add_argument("--format", choices=("python", "onnx"), required=True)
    export.add_argument("-o", "--output", type=Path, required=True, help="the file to write")
    export.add_argument("--weights", type=Path, help="trained weights for ONNX: a run's "
                                                     "<network>.safetensors or its folder")
    export.add_argument("--network", help="ONNX: which network of the project (e.g. "
                                          "generator); default the first")
    export.add_argument("--variant", help="export one of the preset's variants")
    export.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="change a setting first, as for 'run'")
    check = sub.add_parser("check", help="what a project's networks cost before they run: "
                                         "multiply-adds and memory per block and per step")
    check.add_argument("target", help="a preset name or a .mlsp.json project file")
    check.add_argument("--json", action="store_true", help="print the same as JSON")
    check.add_argument("--variant", help="check one of the preset's variants")
    check.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                       help="change a setting first, e.g. --set batch_size=256")
    check.add_argument("--measure", action="store_true",
                       help="also train a few steps on this device (headless) and print the "
                            "measured time per step beside the estimate")
    check.add_argument("--device", choices=("auto", "cpu", "cuda"),
                       help="where --measure trains")
    sub.add_parser("presets", help="list the built-in presets")
    open_ = sub.add_parser("open", help="open the studio on a preset, a project file or a "
                           "finished run's folder (its project and final weights)")
    open_.add_argument("target", help="a preset name, a .mlsp.json project file or a run "
                       "folder written by 'mlsp-studio run --out'")
    watch = sub.add_parser("watch", help="open the studio on a run folder that a run is "
                           "writing (here, under torchrun, or synced from a server) and follow "
                           "it as it grows")
    watch.add_argument("target", help="the folder given to 'mlsp-studio run --out'")
    shot = sub.add_parser("screenshot", help="open the window offscreen, train, save a PNG")
    shot.add_argument("target", help="a preset name or a .mlsp.json project file")
    shot.add_argument("-o", "--output", type=Path, required=True, help="the PNG to write")
    shot.add_argument("--train-seconds", type=float, default=5.0,
                      help="seconds to train before the picture (default 5)")
    shot.add_argument("--size", default="1440x900", help="window size, WIDTHxHEIGHT")
    shot.add_argument("--dark", action="store_true", help="dark theme")
    shot.add_argument("--at-step", type=int, metavar="N", help="TARGET is a run folder: draw "
                      "its recorded pictures and curves as they were at step N (no window)")
    animate = sub.add_parser("animate", help="a run's recorded pictures of one kind, in step "
                             "order, as a GIF (no window)")
    animate.add_argument("target", help="a run folder written by 'mlsp-studio run --out'")
    animate.add_argument("--kind", required=True, help="which pictures, e.g. boundary or "
                         "gan_field (a wrong name lists the recorded ones); 'all': one GIF "
                         "per kind, into the folder given as -o")
    animate.add_argument("-o", "--output", type=Path, required=True,
                         help="the GIF to write (a folder with --kind all)")
    animate.add_argument("--max-frames", type=int, default=200, metavar="N",
                         help="at most N frames, evenly spread over the run, the first and "
                              "last kept (default 200)")
    bench = sub.add_parser("bench", help="measure training speed against a bare PyTorch loop")
    bench.add_argument("--json", action="store_true", help="end with one JSON line")
    bench.add_argument("--seconds", type=float, default=2.0, help="seconds per measurement")
    bench.add_argument("--part", choices=("all", "core", "generative", "gpu"), default="all",
                       help="measure everything, only the supervised presets, the window and "
                       "the sequence panels (core), only the generative presets, or the CUDA "
                       "path on a machine with an NVIDIA GPU (gpu; not part of all)")
    soak = sub.add_parser("soak", help="train under the window (offscreen) with every panel "
                                       "open for a long time; report memory and lateness")
    soak.add_argument("target", nargs="?", default="digits-cnn",
                      help="a preset name or a .mlsp.json project file (default digits-cnn)")
    soak.add_argument("--minutes", type=float, default=30.0, help="how long (default 30)")
    soak.add_argument("--json", action="store_true", help="end with one JSON line")
    return parser
