"""The settings file lists what the person set; a default moves for everyone else, and a file
written by an earlier Hearth (every setting listed) is never changed behind the person's back."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from engine import fsutil
from engine.config import Config, diagnose, load_config, save_config
from engine.config_intent import HEADER, MOVED_DEFAULTS
from engine.errors import ConfigError, StorageError
from engine.paths import get_paths

OLD, NEW = MOVED_DEFAULTS["documents.embedding_model"][:2]


def _old_format_file(**documents: object) -> str:
    """A settings file as an earlier Hearth saved it: every setting, no header."""
    cfg = Config()
    cfg.appearance.theme = "dark"
    data = cfg.model_dump(mode="json", exclude_none=True)
    data["documents"].update(embedding_model=OLD, **documents)
    return tomli_w.dumps(data)


def _raw() -> dict:
    return tomllib.loads(get_paths().config_file.read_text(encoding="utf-8"))


def test_the_new_default_is_the_int8_graph() -> None:
    assert Config().documents.embedding_model == NEW


def test_a_setting_nobody_chose_is_not_written_so_a_moved_default_reaches_it() -> None:
    cfg = Config()
    cfg.appearance.theme = "dark"
    cfg.documents.embedding_model = NEW  # what the Settings dialog does with its pre-filled field
    cfg.cloud.prices.input_per_mtok = 0.2
    save_config(cfg)
    text = get_paths().config_file.read_text(encoding="utf-8")
    assert text.startswith(HEADER)
    assert _raw() == {"appearance": {"theme": "dark"}, "cloud": {"prices": {"input_per_mtok": 0.2}}}
    loaded = load_config()
    assert loaded.config == cfg and loaded.notes == []


def test_old_format_file_keeps_the_old_default_and_says_how_to_follow_the_new_one() -> None:
    path = get_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_old_format_file(chunk_tokens=300))
    loaded = load_config()
    assert loaded.problem is None
    assert loaded.config.documents.embedding_model == OLD  # cannot tell a choice from a default: kept
    assert loaded.config.documents.chunk_tokens == 300 and loaded.config.appearance.theme == "dark"
    [(what, fix)] = loaded.notes
    assert OLD in what and NEW in what and str(path) in fix and "delete the line" in fix
    d, _cfg = diagnose()
    assert any(p.severity == "warning" and NEW in p.what for p in d.problems)

    before = _raw()
    cfg = loaded.config
    cfg.appearance.theme = "light"  # an unrelated change, saved
    save_config(cfg)
    after = _raw()
    assert after["documents"]["embedding_model"] == OLD
    assert set(after["documents"]) == set(before["documents"])  # nothing the old file listed is dropped
    assert load_config().config == cfg

    # Deleting the line is how the person follows the default from then on.
    text = path.read_text(encoding="utf-8").replace(f'embedding_model = "{OLD}"\n', "")
    path.write_text(text)
    loaded = load_config()
    assert loaded.config.documents.embedding_model == NEW and loaded.notes == []
    save_config(loaded.config)
    assert "embedding_model" not in _raw()["documents"]


def test_a_listed_setting_stays_listed_even_when_set_to_the_default() -> None:
    path = get_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_old_format_file())
    cfg = load_config().config
    cfg.documents.embedding_model = NEW
    save_config(cfg)
    assert _raw()["documents"]["embedding_model"] == NEW  # listed: a later default change leaves it
    cfg.documents.embedding_model = OLD  # and back: a value that differs from the default is always listed
    save_config(cfg)
    assert _raw()["documents"]["embedding_model"] == OLD


def test_a_default_value_the_file_does_not_list_is_not_written_even_if_the_person_picked_it() -> None:
    # The limit config_intent's docstring states: save_config gets every setting, not which ones
    # the person touched, so picking the default for an unlisted setting leaves it unlisted.
    cfg = Config()
    cfg.documents.embedding_model = NEW
    cfg.model.n_ctx = 2048
    save_config(cfg)
    assert "documents" not in _raw()
    # A line the person adds by hand is kept from then on, even at the default value.
    path = get_paths().config_file
    path.write_text(path.read_text(encoding="utf-8") + f'\n[documents]\nembedding_model = "{NEW}"\n')
    save_config(load_config().config)
    assert _raw()["documents"] == {"embedding_model": NEW}


def test_a_corrupt_settings_file_is_never_lost() -> None:
    path = get_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    broken = _old_format_file().replace('theme = "dark"', 'theme = = "dark"')
    path.write_text(broken)
    loaded = load_config()
    assert loaded.problem is not None and loaded.config == Config() and loaded.notes == []
    assert path.read_text() == broken  # reading changes nothing
    assert loaded.backup is not None and loaded.backup.read_text() == broken
    cfg = loaded.config
    cfg.model.n_ctx = 2048
    save_config(cfg)
    assert loaded.backup.read_text() == broken and load_config().config.model.n_ctx == 2048

    # Saved over without being loaded first (no backup yet): kept before it is replaced.
    loaded.backup.unlink()
    path.write_bytes(b"\xff\xfe not text")
    save_config(cfg)
    assert loaded.backup.read_bytes() == b"\xff\xfe not text"
    assert load_config().config.model.n_ctx == 2048


def _write_settings(text: str) -> Path:
    path = get_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("good", "bad"), [('theme = "dark"', 'theme = "drak"'),
                                           ("n_ctx = 4096", 'n_ctx = "lots"'),
                                           ('theme = "dark"', 'theme = "dark"\nadded_by_a_later_hearth = 1')])
def test_a_valid_toml_file_that_fails_validation_is_kept_whole_before_a_save(good: str, bad: str) -> None:
    text = _old_format_file(chunk_tokens=300).replace(good, bad)
    assert text != _old_format_file(chunk_tokens=300)
    path = _write_settings(text)
    assert tomllib.loads(text)  # TOML: only the values are wrong
    cfg = Config()
    cfg.model.n_ctx = 2048
    saved = save_config(cfg)  # e.g. the CLI, without loading first
    backup = path.with_name("config.toml.bak")
    assert saved.path == path and saved.backup == backup and backup.read_text(encoding="utf-8") == text
    assert saved.replaced is not None and str(path) in saved.replaced.message
    assert str(backup) in saved.user_text()
    # It listed nothing usable: written as for a new file (its other values are in the backup).
    assert _raw() == {"model": {"n_ctx": 2048}}
    assert load_config().problem is None


def test_load_and_save_agree_on_a_file_that_fails_validation() -> None:
    text = _old_format_file().replace('theme = "dark"', 'theme = "drak"')
    path = _write_settings(text)
    loaded = load_config()
    assert loaded.problem is not None and "appearance.theme" in loaded.problem.message
    assert loaded.backup is not None and loaded.backup.read_text(encoding="utf-8") == text
    saved = save_config(loaded.config)
    assert saved.replaced is not None and saved.backup == loaded.backup
    assert loaded.backup.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in path.parent.glob("config.toml.bak*")) == ["config.toml.bak"]  # same bytes: one copy


def test_an_older_backup_with_other_content_is_kept_not_overwritten() -> None:
    path = _write_settings("first = = broken\n")
    assert load_config().backup is not None
    path.write_text("[appearance]\ntheme = \"drak\"\n", encoding="utf-8")
    saved = save_config(Config())
    assert saved.backup is not None and saved.backup.read_text() == "[appearance]\ntheme = \"drak\"\n"
    assert path.with_name("config.toml.bak.1").read_text() == "first = = broken\n"
    path.write_text("third = = broken\n", encoding="utf-8")
    load_config()
    assert path.with_name("config.toml.bak").read_text() == "third = = broken\n"
    assert path.with_name("config.toml.bak.2").read_text() == "[appearance]\ntheme = \"drak\"\n"
    assert path.with_name("config.toml.bak.1").read_text() == "first = = broken\n"


def test_a_crash_mid_backup_leaves_the_previous_state_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write_settings("older = = broken\n")
    load_config()
    backup = path.with_name("config.toml.bak")
    broken = "[appearance]\ntheme = \"drak\"\n" + "# padding\n" * 2000
    path.write_text(broken, encoding="utf-8")
    real_fsync = fsutil.os.fsync

    calls = []

    def crash(fd: int) -> None:  # the power goes after part of config.toml.bak is written, before the rename
        real_fsync(fd)
        calls.append(fd)
        if len(calls) == 2:  # the first write keeps the older backup as .bak.1, the second is the new .bak
            raise OSError(5, "Input/output error")

    with monkeypatch.context() as patched, pytest.raises(ConfigError) as info:
        patched.setattr(fsutil.os, "fsync", crash)
        save_config(Config())
    assert "Not saved" in info.value.message and len(calls) == 2
    # Everything as before: the settings file, the backups (whole), and no temp files left.
    assert path.read_text(encoding="utf-8") == broken
    assert backup.read_text(encoding="utf-8") == "older = = broken\n"
    assert not list(path.parent.glob(".config.toml*"))
    assert {p.name for p in path.parent.glob("config.toml*")} <= {"config.toml", "config.toml.bak", "config.toml.bak.1"}
    # And the next save (no crash) keeps both copies.
    saved = save_config(Config())
    assert saved.backup is not None and saved.backup.read_text(encoding="utf-8") == broken
    assert path.with_name("config.toml.bak.1").read_text(encoding="utf-8") == "older = = broken\n"
    assert load_config().problem is None


def test_a_backup_that_cannot_be_written_means_nothing_is_saved(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "[model]\nn_ctx = \"lots\"\n"
    path = _write_settings(text)

    def full(path: Path, data: bytes) -> None:
        raise StorageError(f"The disk is full: could not save {path}.")

    monkeypatch.setattr("engine.config.atomic_write_bytes", full)
    with pytest.raises(ConfigError, match="could not be copied"):
        save_config(Config())
    assert path.read_text(encoding="utf-8") == text
    loaded = load_config()  # loading still never raises
    assert loaded.problem is not None and loaded.backup is None and "could not be copied" in (loaded.problem.hint or "")
