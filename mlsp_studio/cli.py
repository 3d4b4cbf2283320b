"""The ``mlsp-studio`` command: run presets headless, list them, benchmark the engine."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from .cli_args import command_parser
from .cli_prompt import check_prompt, write_samples

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class CommandError(Exception):
    """A one-line message for the person; the command exits 2."""


def main(argv: list[str] | None = None) -> int:
    parser = command_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "export":
            return _cmd_export(args)
        if args.command == "check":
            return _cmd_check(args)
        if args.command == "presets":
            return _cmd_presets()
        if args.command in ("open", "watch"):
            return _gui().run_gui(args.target, watch=args.command == "watch")
        if args.command == "screenshot":
            return _cmd_screenshot(args)
        if args.command == "animate":
            from .cli_animate import animate

            return animate(args)
        if args.command == "bench":
            from .bench import run_bench

            return run_bench(seconds=args.seconds, as_json=args.json, part=args.part)
        if args.command == "soak":
            return _cmd_soak(args)
        return _cmd_default()
    except CommandError as err:
        import os

        if os.environ.get("RANK", "0") == "0":  # on several processes, said once
            print(f"mlsp-studio: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\nmlsp-studio: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. 'mlsp-studio presets | head': the reader has had enough
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _cmd_default() -> int:
    return _gui().run_gui(None)


def _gui():
    """The window's entry points; a clear message where PySide6 is missing."""
    try:
        from .gui import app
    except ImportError as err:
        raise CommandError(f"the window needs PySide6 and pyqtgraph ({err}); run ./studio to "
                           "set them up, or use 'mlsp-studio run' headless") from None
    _check_screen()
    return app


# Libraries Qt's X11 plugin loads (beyond X itself); without one it aborts the process.
X11_LIBRARIES = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4",
                 "xcb-image": "libxcb-image0", "xcb-keysyms": "libxcb-keysyms1",
                 "xcb-render-util": "libxcb-render-util0", "xkbcommon-x11": "libxkbcommon-x11-0"}


def _check_screen() -> None:
    """Say in words that there is no screen, or which X11 libraries the window lacks, before
    Qt aborts the process over it."""
    import ctypes.util
    import os

    platform = os.environ.get("QT_QPA_PLATFORM", "")
    linux = sys.platform.startswith("linux")
    if linux and not platform and not os.environ.get("DISPLAY") \
            and not os.environ.get("WAYLAND_DISPLAY"):
        raise CommandError("there is no screen to open the window on (DISPLAY is not set); "
                           "train headless with 'mlsp-studio run PRESET', or take a picture "
                           "with 'mlsp-studio screenshot PRESET -o FILE.png'")
    on_x11 = linux and os.environ.get("DISPLAY") and (not platform or platform.startswith("xcb"))
    if not on_x11:
        return
    missing = [pkg for lib, pkg in X11_LIBRARIES.items() if ctypes.util.find_library(lib) is None]
    if missing:
        raise CommandError("the window needs these X11 libraries: " + " ".join(missing) +
                           " (Debian/Ubuntu: sudo apt-get install " + " ".join(missing) + ")")


def _cmd_screenshot(args: argparse.Namespace) -> int:
    if args.at_step is not None:  # a recorded run's pictures at a step: no window
        from .report.recorded import screenshot_at_step
        return screenshot_at_step(args.target, args.at_step, args.output)
    width, sep, height = args.size.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()
            and 320 <= int(width) <= 8000 and 240 <= int(height) <= 8000):
        raise CommandError(f"--size must be WIDTHxHEIGHT, e.g. 1440x900, not {args.size!r}")
    if not 0 <= args.train_seconds <= 3600:
        raise CommandError("--train-seconds must be 0 to 3600")
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no screen needed for a picture
    return _gui().screenshot(args.target, args.output, args.train_seconds,
                             (int(width), int(height)), dark=args.dark)


def _cmd_soak(args: argparse.Namespace) -> int:
    if not 0.1 <= args.minutes <= 24 * 60:
        raise CommandError("--minutes must be 0.1 to 1440")
    import os

    from .errors import StudioError
    from .model.presets import resolve_target

    try:
        resolve_target(args.target)
    except StudioError as err:
        raise CommandError(str(err)) from None
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _gui()
    from .gui.soak import run_soak

    return run_soak(args.target, args.minutes * 60.0, as_json=args.json)


def _cmd_presets() -> int:
    from .errors import StudioError
    from .model.presets import list_presets

    try:
        presets = list_presets()
    except (StudioError, OSError, ValueError) as err:
        raise CommandError(str(err)) from None
    width = max((len(p.name) for p in presets), default=0)
    for preset in presets:
        print(f"{preset.name:<{width}}  {preset.summary}")
    return EXIT_OK


def _load_target(args: argparse.Namespace):
    from .errors import StudioError
    from .model.presets import resolve_target

    try:
        project = resolve_target(args.target)
        if args.variant:
            project = project.with_variant(args.variant)
        if args.seed is not None:
            project.apply_setting("seed", args.seed)
        if args.device is not None:
            project.apply_setting("device", args.device)
        for item in args.set:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"--set needs NAME=VALUE, not {item!r}")
            project.apply_setting(name.strip(), value.strip())
        if getattr(args, "prompt", None) is not None:  # refused before any training
            check_prompt(project.paradigm, args.prompt, args.samples)
    except StudioError as err:
        raise CommandError(str(err)) from None
    return project


def _cmd_run(args: argparse.Namespace) -> int:
    if args.all_variants and args.variant:
        raise CommandError("give either --variant NAME or --all-variants, not both")
    if args.steps is not None and args.steps < 1:
        raise CommandError("--steps must be at least 1")
    if args.seconds is not None and not (0 < args.seconds < 1e7 and math.isfinite(args.seconds)):
        raise CommandError("--seconds must be a positive number")
    if args.threads is not None and not 1 <= args.threads <= 1024:
        raise CommandError("--threads must be 1 to 1024")
    if args.nproc is not None:
        return _launch(args)
    from .model.run_folder import safe_name

    project = _load_target(args)
    out = args.out or Path("runs") / f"{safe_name(project.name)}-{time.strftime('%Y%m%d-%H%M%S')}"
    if out.exists() and not out.is_dir():
        raise CommandError(f"{out} exists and is not a folder")
    if not args.all_variants:
        return _run_one(project, args, out)[0]
    if not project.variants:
        raise CommandError(f"{project.name} has no variants to compare")
    from .model.metric_units import loss_meaning

    runs, finals, losses, worst = [], {}, {}, EXIT_OK
    for name in project.variants:
        args.variant = name
        code, engine = _run_one(_load_target(args), args, out / safe_name(name))
        if code == EXIT_INTERRUPTED:
            return code
        worst = max(worst, code)
        if engine is not None:
            runs.append((name, list(engine.history.records())))
            finals[name] = engine.summary()["final"]
            losses[name] = loss_meaning(engine.project)
    _write_comparison(out, project.name, runs, finals, figure=not args.no_figures,
                      losses=losses)
    return worst


def _write_comparison(out: Path, name: str, runs: list, finals: dict, figure: bool,
                      losses: dict | None = None) -> None:
    import json

    out.mkdir(parents=True, exist_ok=True)
    (out / "comparison.json").write_text(json.dumps(finals, indent=2) + "\n", encoding="utf-8")
    said = {str(m): m for m in (losses or {}).values() if m is not None}
    loss = next(iter(said.values())) if len(said) == 1 else None  # the same for every variant
    if figure:
        from .report.compare import comparison_figure

        comparison_figure(runs, out / "comparison.png", title=f"{name}: variants compared",
                          loss=loss)
    metrics = sorted({k for f in finals.values() for k in f
                      if not k.startswith(("train_", "val_"))})
    width = max((len(v) for v in finals), default=7)
    print(f"{'variant':<{width}}  " + "  ".join(metrics))
    for variant, final in finals.items():
        cells = [f"{final[m]:,}" if isinstance(final.get(m), int) else
                 f"{final[m]:.4g}" if isinstance(final.get(m), float) else "-" for m in metrics]
        print(f"{variant:<{width}}  " + "  ".join(f"{c:>{len(m)}}" for c, m in
                                                 zip(cells, metrics, strict=True)))
    words = str(loss) if loss else "; ".join(f"{v}: {m}" for v, m in (losses or {}).items()
                                             if m is not None)
    print("test_ numbers were measured on the test set, best_val_ on the validation set; "
          "accuracies are shares of right answers" + (f"; loss: {words}" if words else ""))
    print(f"comparison in {out / 'comparison.png' if figure else out / 'comparison.json'}")


def _launch(args: argparse.Namespace) -> int:
    """``--nproc N``: the same command on N processes, started by torch.distributed.run, once
    the target and its settings are known to be sound (else said once, here)."""
    from .engine.distributed import World, launch, threads_each
    from .engine.runtime import cores
    from .errors import StudioError

    if args.all_variants:
        raise CommandError("--all-variants trains the variants one after another; on several "
                           "processes train one variant at a time")
    _load_target(args)
    try:
        return launch(args.argv, args.nproc, args.device or "cpu",
                      threads_each(World(0, args.nproc), cores()))
    except StudioError as err:
        raise CommandError(str(err)) from None


def _run_one(project, args: argparse.Namespace, out: Path):
    """Train one project into ``out``; returns (exit code, engine or None). In a run on
    several processes only the first writes and prints."""
    from .engine.distributed import join_run, leave
    from .errors import StudioError

    try:
        world = join_run(project.device, args.all_variants)
    except StudioError as err:
        raise CommandError(str(err)) from None
    code = EXIT_FAILED
    try:
        code, engine = _train(project, args, out, world)
        return code, engine
    finally:
        if world.several:  # together after the first has written, unless the run broke
            leave(together=code != EXIT_FAILED)


def _train(project, args: argparse.Namespace, out: Path, world):
    from .engine import Engine
    from .engine.distributed import ON_STOP, WRITTEN
    from .engine.outputs import record_run, stop_words, write_run
    from .errors import StudioError

    engine = Engine(project, max_steps=args.steps, max_seconds=args.seconds,
                    threads=args.threads, precision=args.precision)
    try:
        if getattr(args, "fork", None) is not None:
            from .engine.run_checkpoints import fork_engine

            fork_engine(engine, args.fork)
        engine.build()
        if world.leader and not args.no_recording:  # metrics and pictures as it trains
            ON_STOP.append(stop_words(record_run(engine, out), out))
    except StudioError as err:
        if not args.all_variants:
            raise CommandError(str(err)) from None
        print(f"mlsp-studio: {project.name}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT, None
    from .model.metric_units import final_lines, loss_meaning

    loss = loss_meaning(project)  # what the loss is and its unit, for the lines below
    bar = None if args.quiet or not world.leader or not sys.stderr.isatty() \
        else _ProgressBar(loss)
    try:
        engine.run_blocking(progress=bar)
    except KeyboardInterrupt:
        engine.finish("interrupted")
        if bar:
            bar.close()
        write_run(out, engine)
        print(f"\nmlsp-studio: interrupted at step {engine.step_count}; "
              f"what was trained is in {out}", file=sys.stderr)
        return EXIT_INTERRUPTED, engine
    if bar:
        bar.close()
    if engine.state.value == "error":  # e.g. another process of the run stopped
        kept = ON_STOP and world.several  # its recording, closed as it stood
        print(f"mlsp-studio: {engine.message}; " + (f"its recording so far stays in {out}; no "
              "weights or summary were written" if kept else "nothing was written"),
              file=sys.stderr)
        return EXIT_FAILED, engine
    if engine.interrupted:  # Ctrl-C on several processes: all stopped after the same step
        if world.leader:
            write_run(out, engine)
            WRITTEN.append(str(out))
            print(f"mlsp-studio: interrupted at step {engine.step_count}; what was trained "
                  f"is in {out}", file=sys.stderr)
        return EXIT_INTERRUPTED, engine
    if not world.leader:
        return (EXIT_DIVERGED if engine.state.value == "diverged" else EXIT_OK), engine
    if engine.state.value == "diverged":
        print(f"mlsp-studio: {engine.message}", file=sys.stderr)
        write_run(out, engine)
        return EXIT_DIVERGED, engine
    write_run(out, engine)
    if not args.no_figures:
        from .report.run_figures import write_run_figures  # matplotlib loads only when asked

        write_run_figures(out, list(engine.history.records()), engine.snapshots(),
                          engine.frames, loss)
    WRITTEN.append(str(out))  # a process stopped from now on says the run is whole
    summary = engine.summary()
    print(f"{project.name}: {summary['steps']:,} steps in {summary['seconds']:.1f} s "
          f"({summary['steps_per_second']:.0f} steps/s on {summary['device']}); "
          f"files in {out}")
    for line in final_lines(summary["final"], loss):  # the loss's unit, then set by set
        print(f"  {line}")
    if summary.get("split"):  # which examples those sets hold
        print(f"  data: {summary['split']['words']}")
    if engine.message:  # e.g. stopped early, and which weights were kept
        print(f"  {engine.message}")
    if args.prompt is not None:  # a language model's answer to the prompt
        write_samples(engine.paradigm, args.prompt, args.samples, project.seed, out)
    return EXIT_OK, engine


def _cmd_export(args: argparse.Namespace) -> int:
    args.seed = args.device = None  # not export settings
    project = _load_target(args)
    if args.output.exists() and args.output.is_dir():
        raise CommandError(f"{args.output} is a folder; give a file name")
    from .errors import StudioError

    try:
        if args.format == "python":
            from .export.python_script import export_python

            written = export_python(project, args.output)
        else:
            from .export.onnx_export import export_onnx

            written = export_onnx(project, args.output, weights=args.weights,
                                  slot=args.network)
    except StudioError as err:
        raise CommandError(str(err)) from None
    except OSError as err:
        raise CommandError(f"{args.output}: {err.strerror or err}") from None
    print(f"{written}: {args.format} export of {project.name}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    import json

    from .model.catalog import BLOCKS
    from .model.cost import project_cost
    from .model.cost_table import cost_text
    from .model.project import check_project

    args.seed = None  # not a check setting
    project = _load_target(args)
    check = check_project(project, BLOCKS)
    measured = None
    if args.measure:
        if not check.ok:
            raise CommandError(f"{project.name} cannot train, so nothing can be measured: "
                               f"{check.errors[0]}")
        from .bench.preflight import measure_steps

        measured = measure_steps(project, check)
    cost = project_cost(project, check, BLOCKS,
                        memory_available=measured.memory if measured else None,
                        rates=measured.rates if measured else None)
    if args.json:
        out = {**cost.to_dict(), "problems": list(check.errors)}
        if measured:
            out["measured"] = measured.to_dict()
        print(json.dumps(out, indent=2))
    else:
        print(cost_text(cost, check.errors))
        if measured:
            print("\n" + measured.text())
    return EXIT_OK if check.ok else EXIT_BAD_INPUT


class _ProgressBar:
    """One line on the terminal, redrawn at most a few times a second."""

    def __init__(self, loss=None) -> None:
        self.unit = f" {loss.tag}" if loss is not None else ""  # what the loss is counted in

    def __call__(self, engine) -> None:
        total = max(engine.total_steps, 1)
        if engine.max_seconds:
            frac = max(engine.step_count / total, engine.elapsed / engine.max_seconds)
        else:
            frac = engine.step_count / total
        frac = min(frac, 1.0)
        filled = int(frac * 30)
        loss = engine.history.last("train", "loss")
        rate = engine.step_count / engine.elapsed if engine.elapsed > 0 else 0
        text = (f"\r[{'#' * filled}{'.' * (30 - filled)}] {frac * 100:5.1f}%  step "
                f"{engine.step_count}  {engine.elapsed:6.1f} s  {rate:7.0f} steps/s")
        if loss is not None:
            text += f"  training loss {loss:.4f}{self.unit}"
        sys.stderr.write(text)
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


if __name__ == "__main__":
    sys.exit(main())
