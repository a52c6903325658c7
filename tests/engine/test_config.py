from pathlib import Path

import pytest

from engine.config import Config, load_config, save_config
from engine.paths import get_paths


def test_missing_file_gives_defaults(hearth_home: Path) -> None:
    loaded = load_config()
    assert loaded.problem is None
    assert loaded.config.cloud.mode == "off"
    assert loaded.path == hearth_home / "config.toml"


def test_roundtrip_keeps_values() -> None:
    cfg = Config()
    cfg.model.n_ctx = 2048
    cfg.privacy.sensitive_terms = ["Project Falcon"]
    save_config(cfg)
    again = load_config().config
    assert again.model.n_ctx == 2048
    assert again.privacy.sensitive_terms == ["Project Falcon"]


def test_corrupt_toml_names_file_and_line_and_keeps_backup() -> None:
    path = get_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    broken = "[model]\nn_ctx = 2048\ntemperature = = 0.3\n"
    path.write_text(broken)
    loaded = load_config()
    assert loaded.problem is not None
    assert str(path) in loaded.problem.message
    assert "line 3" in loaded.problem.message
    assert loaded.config == Config()  # defaults
    assert loaded.backup is not None and loaded.backup.read_text() == broken


def test_invalid_value_names_the_key() -> None:
    path = get_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[cloud]\nmode = "always"\n')
    loaded = load_config()
    assert loaded.problem is not None
    assert "cloud.mode" in loaded.problem.message
    assert loaded.config.cloud.mode == "off"


def test_save_failure_leaves_previous_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    from engine.errors import StorageError

    cfg = Config()
    save_config(cfg)
    before = get_paths().config_file.read_text()

    def full_disk(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    cfg.model.n_ctx = 1024
    with pytest.raises(StorageError, match="disk is full"):
        save_config(cfg)
    assert get_paths().config_file.read_text() == before
    assert not list(get_paths().config_dir.glob(".config.toml.*.tmp"))


def test_unwritable_parent_is_a_storage_error(tmp_path: Path) -> None:
    from engine.errors import StorageError
    from engine.fsutil import atomic_write_text

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(StorageError, match="Could not save"):
        atomic_write_text(blocker / "sub" / "x.txt", "data")
    assert blocker.read_text() == "a file where a folder should be"
