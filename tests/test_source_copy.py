"""Code copied into exported scripts comes from the studio's own source files."""

from __future__ import annotations

import pytest

from mlsp_studio.errors import StudioError
from mlsp_studio.export.source_copy import source_of


def test_copies_a_function_and_an_assignment_as_written() -> None:
    text = source_of("mlsp_studio.model.plugins", "ROLES", "load_role")
    assert text.startswith("ROLES = (")
    assert "def load_role(role: str)" in text
    compile(text, "copied", "exec")


def test_keeps_decorators_with_what_they_decorate() -> None:
    text = source_of("mlsp_studio.export.source_copy", "_module_source")
    assert text.startswith("@lru_cache(maxsize=64)")


def test_a_name_that_is_not_there_is_refused_in_words() -> None:
    with pytest.raises(StudioError, match="no top-level nothing_here"):
        source_of("mlsp_studio.model.plugins", "nothing_here")
    with pytest.raises(StudioError, match="no source file"):
        source_of("mlsp_studio.no_such_module", "x")
    with pytest.raises(StudioError, match="no source file"):
        source_of("no_such_package.module", "x")
