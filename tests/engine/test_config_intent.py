"""The settings file lists what the person set; a default moves for everyone else, and a file
written by an earlier Hearth (every setting listed) is never changed behind the person's back."""

from __future__ import annotations

import tomllib

import tomli_w

from engine.config import Config, diagnose, load_config, save_config
from engine.config_intent import HEADER, MOVED_DEFAULTS
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


def test_a_value_the_person_sets_is_kept_even_when_it_equals_the_default() -> None:
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
