"""The documented project format: the JSON Schema describes real files, older versions are
migrated, and data paths travel with the project's folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from mlsp_studio.model.datasets import dataset_context
from mlsp_studio.model.migrations import CURRENT, migrate
from mlsp_studio.model.presets import load_preset, presets_dir
from mlsp_studio.model.project import SCHEMA_VERSION, Project, load_project, save_project

SCHEMA = json.loads((Path(__file__).parents[1] / "docs" / "project-format.schema.json")
                    .read_text(encoding="utf-8"))


def _csv(path: Path, rows: int = 40) -> Path:
    rng = np.random.default_rng(0)
    lines = ["a,b,label"] + [f"{a:.3f},{b:.3f},{int(a > b)}"
                             for a, b in rng.normal(size=(rows, 2))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv_project(path: str, version: int = SCHEMA_VERSION) -> dict:
    data = load_preset("spiral").to_dict()
    data["version"] = version
    data["dataset"] = {"name": "csv", "options": {"path": path, "label_column": "label"}}
    data["variants"] = {"other": {"dataset_options": {"path": path}}}
    return data


def test_the_current_version_is_the_last_migration() -> None:
    assert SCHEMA_VERSION == CURRENT
    assert SCHEMA["properties"]["version"]["maximum"] == CURRENT


@pytest.mark.parametrize("path", sorted(presets_dir().glob("*.mlsp.json")), ids=lambda p: p.name)
def test_every_preset_and_its_saved_form_follow_the_schema(path: Path) -> None:
    jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), SCHEMA)
    saved = json.loads(load_project(path).to_json())
    jsonschema.validate(saved, SCHEMA)
    assert saved["version"] == CURRENT


def test_the_schema_refuses_what_the_loader_refuses() -> None:
    data = load_preset("spiral").to_dict()
    for broken in ({**data, "format": "other"}, {**data, "slots": {}},
                   {**data, "device": "tpu"}, {**data, "seed": -1}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SCHEMA)


def test_a_version_1_file_reads_relative_paths_from_the_working_folder(tmp_path, monkeypatch
                                                                       ) -> None:
    work, elsewhere = tmp_path / "work", tmp_path / "projects"
    work.mkdir()
    elsewhere.mkdir()
    _csv(work / "table.csv")
    (elsewhere / "old.mlsp.json").write_text(json.dumps(_csv_project("table.csv", 1)))
    monkeypatch.chdir(work)
    project = load_project(elsewhere / "old.mlsp.json")
    assert project.dataset_options["path"] == str(work / "table.csv")
    assert project.variants["other"]["dataset_options"]["path"] == str(work / "table.csv")
    assert project.migration_notes and "absolute" in project.migration_notes[0]
    dataset_context(project.dataset, project.dataset_options)  # the data is found
    assert json.loads(project.to_json())["version"] == CURRENT


def test_migrating_leaves_a_file_without_paths_as_it_was() -> None:
    data = load_preset("digits-cnn").to_dict()
    data["version"] = 1
    before = json.loads(json.dumps(data))
    migrated, notes = migrate(data, 1)
    assert notes == [] and migrated["version"] == CURRENT
    assert {k: v for k, v in migrated.items() if k != "version"} == \
        {k: v for k, v in before.items() if k != "version"}


def test_migrating_damaged_values_leaves_them_to_the_loader() -> None:
    data = {"format": "mlsp-studio-project", "version": 1,
            "dataset": {"name": "csv", "options": ["not", "an", "object"]},
            "variants": {"a": 3, "b": {"dataset_options": {"path": 7}}}}
    migrated, notes = migrate(data, 1)
    assert notes == [] and migrated["variants"]["b"]["dataset_options"]["path"] == 7


def test_a_project_and_its_data_move_together(tmp_path) -> None:
    folder = tmp_path / "lesson"
    (folder / "data").mkdir(parents=True)
    table = _csv(folder / "data" / "table.csv")
    project = Project.from_dict(_csv_project(str(table)))
    save_project(project, folder / "lesson.mlsp.json")
    raw = json.loads((folder / "lesson.mlsp.json").read_text(encoding="utf-8"))
    assert raw["dataset"]["options"]["path"] == "data/table.csv"
    assert raw["variants"]["other"]["dataset_options"]["path"] == "data/table.csv"
    assert project.dataset_options["path"] == str(table)  # the open project is unchanged
    moved = shutil.move(str(folder), str(tmp_path / "handed-out"))
    reopened = load_project(Path(moved) / "lesson.mlsp.json")
    assert reopened.dataset_options["path"] == str(Path(moved) / "data" / "table.csv")
    dataset_context(reopened.dataset, reopened.dataset_options)


def test_a_path_outside_the_project_folder_stays_absolute(tmp_path) -> None:
    table = _csv(tmp_path / "shared.csv")
    (tmp_path / "p").mkdir()
    save_project(Project.from_dict(_csv_project(str(table))), tmp_path / "p" / "x.mlsp.json")
    raw = json.loads((tmp_path / "p" / "x.mlsp.json").read_text(encoding="utf-8"))
    assert raw["dataset"]["options"]["path"] == str(table)
