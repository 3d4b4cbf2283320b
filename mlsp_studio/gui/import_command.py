"""The one undoable step that makes a person's file the project's dataset."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from PySide6.QtGui import QUndoCommand

from ..model.datasets import DATASET_SPECS
from ..model.project import Project
from .document import StudioDocument


def trial_project(doc: StudioDocument, name: str, options: dict[str, Any]) -> Project:
    """A copy of the open project using dataset ``name`` with ``options``; raises
    ``ProjectError`` with a sentence when a setting is refused. The open project is untouched."""
    project = doc.project
    trial = dataclasses.replace(project, hparams=dict(project.hparams),
                                dataset_options=dict(project.dataset_options))
    trial.apply_setting("dataset", name)
    for option, value in options.items():
        trial.apply_setting(f"dataset.{option}", value)
    return trial


class ImportDataCommand(QUndoCommand):
    """Make ``name`` with ``options`` the project's dataset; undo brings back the former
    dataset and its options exactly. The constructor tries it on a copy first and raises
    ``ProjectError`` with a sentence when refused."""

    def __init__(self, doc: StudioDocument, name: str, options: dict[str, Any]) -> None:
        trial = trial_project(doc, name, options)
        super().__init__(f"Import data as {DATASET_SPECS.get(name).title}")
        self.doc = doc
        self._new = (trial.dataset, trial.dataset_options)
        self._old: tuple[str, dict[str, Any]] | None = None

    def redo(self) -> None:
        p = self.doc.project
        self._old = (p.dataset, copy.deepcopy(p.dataset_options))
        p.dataset, p.dataset_options = self._new[0], copy.deepcopy(self._new[1])
        self.doc.settings_edited()

    def undo(self) -> None:
        p = self.doc.project
        p.dataset, p.dataset_options = self._old
        self.doc.settings_edited()
