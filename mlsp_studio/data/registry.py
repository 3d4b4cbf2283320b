"""Makers by dataset name, and ``make_dataset``, the one way the rest of the studio gets data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..errors import DataError
from ..model.datasets import DATASET_SPECS, dataset_context
from . import digits, files, files_media, paired, sequences, signals, spectrograms, text, toys
from .bundle import DataBundle

Maker = Callable[[dict[str, Any]], DataBundle]


class MakerRegistry:
    """The function that makes each dataset, by name; a name can be registered only once."""

    def __init__(self) -> None:
        self._makers: dict[str, Maker] = {}

    def register(self, name: str, maker: Maker) -> Maker:
        if name in self._makers:
            raise ValueError(f"a maker for the dataset {name!r} is already registered")
        self._makers[name] = maker
        return maker

    def get(self, name: str) -> Maker:
        try:
            return self._makers[name]
        except KeyError:
            known = ", ".join(self._makers) or "none"
            raise DataError(f"There is no dataset called {name!r} (known: {known}).") from None

    def __contains__(self, name: object) -> bool:
        return name in self._makers

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def names(self) -> list[str]:
        return list(self._makers)


def builtin_makers() -> MakerRegistry:
    """A new registry holding the maker of every built-in dataset."""
    registry = MakerRegistry()
    for name, maker in (
        ("spiral", toys.make_spiral), ("circles", toys.make_circles), ("xor", toys.make_xor),
        ("blobs", toys.make_blobs), ("moons", toys.make_moons),
        ("ring", toys.make_ring), ("sine", toys.make_sine),
        ("digits", digits.make_digits),
        ("noisy_digits", digits.make_noisy_digits), ("signals", signals.make_signals),
        ("csv", files.make_csv), ("npz", files.make_npz),
        ("recall", sequences.make_recall), ("tagging", sequences.make_tagging),
        ("counting", sequences.make_counting), ("seq_pairs", sequences.make_seq_pairs),
        ("token_map", sequences.make_token_map), ("events", sequences.make_events),
        ("corpus", text.make_corpus), ("text_file", text.make_text_file),
        ("spectrograms", spectrograms.make_spectrograms),
        ("paired_digits", paired.make_paired_digits),
        ("image_folder", files_media.make_image_folder),
        ("wav_folder", files_media.make_wav_folder), ("idx", files_media.make_idx),
    ):
        registry.register(name, maker)
    return registry


MAKERS = builtin_makers()


def make_dataset(name: str, options: dict[str, Any] | None = None) -> DataBundle:
    """Check the options, make the dataset and split it; the same ``seed`` gives the same data.

    Raises :class:`~mlsp_studio.errors.ParamError` for a bad option and
    :class:`~mlsp_studio.errors.DataError` for an unknown name or a file that does not fit.
    """
    values, ctx = dataset_context(name, options)
    bundle = MAKERS.get(name)(values)
    if bundle.context() != ctx:
        raise RuntimeError(f"the {name} dataset made shapes {bundle.context()} but its spec "
                           f"promises {ctx}")
    spec = DATASET_SPECS.get(name)
    if spec.task != "auto" and bundle.task != spec.task:
        raise RuntimeError(f"the {name} dataset made a {bundle.task} task, not {spec.task}")
    return bundle
