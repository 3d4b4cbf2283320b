"""The desktop files in packaging/linux agree with each other and with the studio: the entry
starts the installed command on a project file, the MIME type claims *.mlsp.json, the
AppStream metainfo launches the entry, and the icon is a well-formed SVG."""

from __future__ import annotations

import configparser
import re
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"
MIME = "application/x-mlsp-project"


def _pyproject() -> str:
    return (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def _desktop() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(LINUX / "mlsp-studio.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_desktop_entry_opens_project_files_with_the_command() -> None:
    entry = _desktop()
    assert entry["Type"] == "Application" and entry["Name"] == "MLSP Studio"
    command = entry["Exec"].split()[0]
    assert re.search(rf"^{command} = ", _pyproject(), re.M) and entry["Exec"].endswith("%f")
    assert MIME in entry["MimeType"].split(";")
    assert (ROOT / "resources" / "icons" / f"{entry['Icon']}.svg").is_file()


def test_the_mime_type_claims_project_files() -> None:
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(LINUX / "mlsp-studio-mime.xml").getroot()
    kind = root.find("m:mime-type", ns)
    assert kind.get("type") == MIME
    assert kind.find("m:glob", ns).get("pattern") == "*.mlsp.json"
    presets = list((ROOT / "resources" / "presets").glob("*.mlsp.json"))
    assert presets  # the presets themselves are such files


def test_the_metainfo_launches_the_entry_and_names_the_type() -> None:
    root = ET.parse(LINUX / "io.github.mlsp_studio.MLSPStudio.metainfo.xml").getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("launchable") == "mlsp-studio.desktop"
    assert root.find("provides/mediatype").text == MIME
    assert root.findtext("name") == "MLSP Studio" and root.findtext("summary")
    version = re.search(r'^version = "(.+)"', _pyproject(), re.M).group(1)
    assert root.find("releases/release").get("version") == version


def test_the_icon_is_a_square_svg() -> None:
    svg = ET.parse(ROOT / "resources" / "icons" / "mlsp-studio.svg").getroot()
    assert svg.tag.endswith("svg") and svg.get("width") == svg.get("height")


def test_the_pyinstaller_spec_bundles_the_resources_where_the_studio_looks(tmp_path,
                                                                         monkeypatch) -> None:
    """The frozen application keeps modules under its _internal folder and the spec puts the
    resources folder there too: presets.resources_dir() must find it in that layout."""
    import ast

    from mlsp_studio.model import presets

    spec_text = (ROOT / "packaging" / "pyinstaller" / "mlsp-studio.spec").read_text("utf-8")
    ast.parse(spec_text)  # plain Python, as PyInstaller reads it
    assert '(str(ROOT / "resources"), "resources")' in spec_text
    assert (ROOT / "packaging" / "pyinstaller" / "launch.py").is_file()
    # the frozen layout: _internal/mlsp_studio/model/presets.pyc beside _internal/resources/
    frozen = tmp_path / "_internal"
    (frozen / "mlsp_studio" / "spec").mkdir(parents=True)
    (frozen / "resources" / "presets").mkdir(parents=True)
    monkeypatch.setattr(presets, "__file__", str(frozen / "mlsp_studio" / "spec" / "presets.pyc"))
    assert presets.resources_dir() == (frozen / "resources").resolve()
