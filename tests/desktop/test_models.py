"""Model manager against the real downloader and a loopback hub serving the real SmolLM2 file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from engine.models.catalog import load_catalog
from engine.starter import STARTER_MODEL_ID
from tests.desktop.conftest import open_window, test_config, wait_until
from tests.support.hub_server import loopback_hub

pytestmark = pytest.mark.slow
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def hub(starter_gguf: Path):
    entry = load_catalog().get(STARTER_MODEL_ID)
    with loopback_hub() as h:
        h.add_file(entry.repo, entry.file, starter_gguf, commit=entry.revision)
        yield h


@pytest.fixture(scope="module")
def window(qapp, module_home: Path):
    w = open_window(test_config())
    yield w
    w.close()


@pytest.fixture
def models(window, hub, monkeypatch, qtbot):
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    # the engine resolves HEARTH_HOME per call: keep the module's home for model files too
    monkeypatch.setenv("HEARTH_HOME", str(window.services.chats.path.parent.parent))
    mw = window.open_models()
    wait_until(lambda: mw.catalog.rowCount() > 0, 60, "the catalog")
    with qtbot.waitSignal(mw.refreshed, timeout=60_000):
        mw.refresh()
    return mw


def test_catalog_shows_fit_badges_and_installed_starter(models):
    rows = models.catalog.rows()
    assert len(rows) == len(load_catalog())
    assert all(r.verdict in ("gpu", "partial", "cpu", "too_large") for r in rows)
    starter = models.catalog.row_at(models.catalog.find(STARTER_MODEL_ID))
    assert starter.verdict == "cpu" and "runs on the CPU" in models.catalog.data(models.catalog.index(
        models.catalog.find(STARTER_MODEL_ID)))
    inst = models.installed.rows()
    assert [r.id for r in inst] == [STARTER_MODEL_ID] and inst[0].is_default and inst[0].size_bytes > 50 * MiB
    assert "This computer" in models.hardware.text()
    models.select_installed(STARTER_MODEL_ID)
    assert not models.delete_btn.isEnabled()  # the bundled model cannot be deleted


def test_download_pause_resume_set_default_and_delete(window, models, hub, qtbot):
    hub.reset_stats()
    hub.stall_after = 8 * MiB  # the server goes quiet here, so Pause happens mid-transfer
    models.select_catalog(STARTER_MODEL_ID)
    assert models.download_btn.isEnabled() and models.download_btn.text() == "Download"
    values: list[int] = []
    models.progress.valueChanged.connect(values.append)
    with qtbot.waitSignal(models.download_finished, timeout=120_000) as sig:
        qtbot.mouseClick(models.download_btn, Qt.MouseButton.LeftButton)
        wait_until(lambda: hub.bytes_served >= 8 * MiB, 60, "the first 8 MiB")  # then the hub goes quiet
        assert models.pause_btn.isVisible() and "MB" in models.progress_label.text()
        qtbot.mouseClick(models.pause_btn, Qt.MouseButton.LeftButton)
    assert type(sig.args[0]).__name__ == "Cancelled"
    hub.stall_after = None
    hub.release()
    wait_until(lambda: models.download_btn.text() == "Resume", 30, "the paused state")
    row = models.catalog.row_at(models.catalog.find(STARTER_MODEL_ID))
    kept = row.partial_bytes
    assert 0 < kept <= 8 * MiB + 1 and "paused at" in models.catalog.data(models.catalog.index(
        models.catalog.find(STARTER_MODEL_ID)))

    hub.reset_stats()
    values.clear()  # from here on: the resumed transfer only
    with qtbot.waitSignal(models.download_finished, timeout=180_000) as sig:
        qtbot.mouseClick(models.download_btn, Qt.MouseButton.LeftButton)
        resumed_at = models.progress.value()  # set on the click, before the worker reports
    model = sig.args[0]
    assert not isinstance(model, Exception), model
    size = Path(model.path).stat().st_size
    assert hub.bytes_served == size - kept  # resumed, not restarted
    assert values and values[-1] == 1000 and values == sorted(values)  # progress only moved forward
    assert resumed_at == int(1000 * kept / size)  # Resume starts the bar at the kept part, not at 0
    wait_until(lambda: models.installed.find(model.id) >= 0, 30, "the installed list")
    assert "installed and verified" in models.status.text()

    # use it as the default: the window reloads the model
    models.select_installed(model.id)
    states: list[str] = []
    window.services.model_state.connect(lambda s, _p: states.append(s))
    qtbot.mouseClick(models.default_btn, Qt.MouseButton.LeftButton)
    wait_until(lambda: states[-2:] == ["loading", "ready"], 120, "the new model to load")
    assert model.id in window.model_label.text() and window.config.model.default == model.id

    # the model in use cannot be deleted; after switching back it can
    models.select_installed(model.id)
    models.confirm_delete()
    models._delete_box.action_button.click()
    # the core refuses it (as `hearth models rm` does), on the worker: the answer comes back
    wait_until(lambda: "in use" in models.status.text(), 30, "the refusal")
    assert Path(model.path).exists()
    models.select_installed(STARTER_MODEL_ID)
    qtbot.mouseClick(models.default_btn, Qt.MouseButton.LeftButton)
    wait_until(lambda: states[-2:] == ["loading", "ready"] and window.config.model.default == STARTER_MODEL_ID,
               120, "the starter to load")
    wait_until(lambda: models.installed.find(model.id) >= 0, 30, "list refresh")
    models.select_installed(model.id)
    models.confirm_delete()
    models._delete_box.action_button.click()
    wait_until(lambda: models.installed.find(model.id) < 0, 30, "the model to be deleted")
    assert not Path(model.path).exists() and "freed" in models.status.text()


def test_import_bad_file_gives_a_clear_error(models, tmp_path, qtbot):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 10)
    with qtbot.waitSignal(models.import_finished, timeout=30_000) as sig:
        models.import_file(str(bad))
    assert type(sig.args[0]).__name__ == "ModelLoadError"
    assert "broken.gguf" in models.status.text()


def test_import_real_gguf(models, starter_gguf, qtbot):
    with qtbot.waitSignal(models.import_finished, timeout=120_000) as sig:
        models.import_file(str(starter_gguf))
    m = sig.args[0]
    assert not isinstance(m, Exception), m
    wait_until(lambda: models.installed.find(m.id) >= 0, 30, "the imported model listed")


def test_catalog_shows_a_speed_estimate_and_marks_what_is_too_slow(models, qtbot):
    """The first visit measures this computer once (the real starter model); then every row has
    a figure, and 'too slow to be useful' exactly where the estimate is below the line."""
    from engine.models.speed import CACHE_FILE, USEFUL_TPS

    wait_until(lambda: all(r.speed is not None for r in models.catalog.rows()), 180, "the speed calibration")
    home = Path(models.services.chats.path).parent
    assert (home / CACHE_FILE).exists()
    rows = models.catalog.rows()
    starter = models.catalog.row_at(models.catalog.find(STARTER_MODEL_ID))
    assert starter.speed.tokens_per_s > 0 and "tokens/s" in models.catalog.data(
        models.catalog.index(models.catalog.find(STARTER_MODEL_ID)))
    cpu_rows = sorted((r for r in rows if r.verdict == "cpu"), key=lambda r: r.entry.size_estimate)
    speeds = [r.speed.tokens_per_s for r in cpu_rows]
    assert speeds == sorted(speeds, reverse=True)  # bigger models are slower
    for i, r in enumerate(rows):
        text = models.catalog.data(models.catalog.index(i))
        slow = r.speed.tokens_per_s is not None and r.speed.tokens_per_s < USEFUL_TPS
        assert ("too slow to be useful" in text) == slow, text
    assert "starter model" in models.hardware.text() and "GB/s" in models.hardware.text()


def test_the_window_and_hearth_models_list_show_the_same_rows(models, capsys, qtbot):
    """One builder (``core.models.listing``) behind both: the same catalog, installed flags and
    speed figures in the window as on the command line, for the same settings."""
    import json

    from engine.cli.main import main

    wait_until(lambda: all(r.speed is not None for r in models.catalog.rows()), 180, "the speed calibration")
    with qtbot.waitSignal(models.refreshed, timeout=60_000):
        models.refresh()
    assert main(["models", "list", "--catalog", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    window = models.catalog.rows()
    assert [r["id"] for r in cli] == [r.id for r in window]
    assert [r["installed"] for r in cli] == [r.installed for r in window]
    starter = next(r for r in cli if r["id"] == STARTER_MODEL_ID)
    row = models.catalog.row_at(models.catalog.find(STARTER_MODEL_ID))
    assert starter["tokens_per_s"] == pytest.approx(row.speed.tokens_per_s) and starter["fit"] == row.verdict
    assert main(["models", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["check"], r["is_default"]) for r in listed] == \
        [(r.id, r.check, r.is_default) for r in models.installed.rows()]


def _fully_shown(label) -> bool:
    return label.height() >= label.heightForWidth(label.width())


def test_details_pane_shows_all_of_its_text_in_a_small_window(models, qtbot):
    models.resize(640, 420)
    longest = max(models.catalog.rows(), key=lambda r: len(r.entry.description))
    models.select_catalog(longest.id)
    qtbot.waitUntil(lambda: models.entry_text.text().startswith(longest.entry.description), timeout=5_000)
    for label in (models.entry_title, models.entry_text, models.fit_label, models.speed_label):
        qtbot.waitUntil(lambda label=label: _fully_shown(label), timeout=5_000)
        assert label.width() <= models.details.viewport().width()
    models.resize(900, 600)


def test_search_the_hub_and_choose_a_quantisation(window, models, hub, starter_gguf, qtbot):
    repo = "tester/SmolLM2-135M-Instruct-GGUF"
    hub.add_file(repo, "smollm2-tester.Q4_1.gguf", starter_gguf)
    hub.add_file(repo, "smollm2-tester.Q2_K.gguf", b"GGUF" + b"\x00" * 4000)
    hub.add_file(repo, "smollm2-tester.F16-00001-of-00002.gguf", b"GGUF" + b"\x00" * 4000)
    panel = models.hub_search
    models.tabs.setCurrentWidget(panel)
    panel.query.setText("smollm2")
    with qtbot.waitSignal(panel.results_shown, timeout=60_000):
        qtbot.mouseClick(panel.search_btn, Qt.MouseButton.LeftButton)
    assert panel.repos.find(repo) >= 0 and "GGUF file" in panel.repos.data(panel.repos.index(panel.repos.find(repo)))
    with qtbot.waitSignal(panel.files_shown, timeout=60_000):
        panel.select_repo(repo)
    choices = panel.files.rows()
    assert [c.quant for c in choices] == ["Q2_K", "Q4_1", "F16"]
    q4 = choices[1]
    assert q4.same_model and q4.plan.verdict == "cpu" and "tokens/s" in q4.describe()
    assert choices[2].split and not choices[2].downloadable
    # the largest file that fits and is fast enough is preselected; the panel says it is unreviewed
    assert panel.selected_file().name == "smollm2-tester.Q4_1.gguf" and panel.download_btn.isEnabled()
    assert "Not in Hearth's catalog" in panel.detail.text() and "Q4_1" in panel.detail.text()
    panel.select_file(choices[2].name)
    assert not panel.download_btn.isEnabled()
    panel.select_file(q4.name)
    with qtbot.waitSignal(models.download_finished, timeout=180_000) as sig:
        qtbot.mouseClick(panel.download_btn, Qt.MouseButton.LeftButton)
    model = sig.args[0]
    assert not isinstance(model, Exception), model
    assert model.verified and Path(model.path).name == "smollm2-tester.Q4_1.gguf"
    wait_until(lambda: models.installed.find(model.id) >= 0, 30, "the installed list")
    models.delete(model.id)
    wait_until(lambda: models.installed.find(model.id) < 0, 30, "the model to be deleted")


def test_hub_search_errors_are_said_plainly(models, hub, monkeypatch, qtbot):
    from tests.support.openai_server import free_port

    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    panel = models.hub_search
    panel.query.setText("qwen")
    panel.search()
    wait_until(lambda: panel.search_btn.isEnabled(), 60, "the failed search")
    assert "Could not reach the model hub" in panel.status.text() and "Traceback" not in panel.status.text()
