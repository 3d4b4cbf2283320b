"""Compare variants asks before training a step that will not fit in memory, as Run does."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox
from test_cost_view import LAPTOP, too_big_project


def test_compare_variants_asks_first_for_a_network_that_will_not_fit(ready_window, tmp_path,
                                                                    monkeypatch) -> None:
    project = too_big_project()
    project.variants = {lr: {"description": f"lr {lr}", "hparams": {"lr": float(lr)}}
                        for lr in ("0.001", "0.003")}
    path = tmp_path / "too-big.mlsp.json"
    path.write_text(project.to_json(), encoding="utf-8")
    win = ready_window(str(path), size=(1400, 900))
    win.doc.set_memory_available(LAPTOP)
    asked, answers, started = [], [QMessageBox.StandardButton.Cancel], []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda parent, title, text, *a: (asked.append(text), answers[-1])[1]))
    monkeypatch.setattr(win, "_start_engine", lambda *a, **k: started.append(k))
    win.on_compare_variants()
    assert len(asked) == 1 and "Will not fit in memory" in asked[0] and not started
    answers.append(QMessageBox.StandardButton.Yes)
    win.on_compare_variants()
    assert len(asked) == 2 and len(started) == 1 and started[0]["run_name"]
    win._variant_queue = []
    win.state = "idle"
