"""Installed-model registry and local imports: starter always present, atomic manifest,
imports read metadata first, rm frees disk, a damaged manifest loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import ModelError, ModelLoadError, ModelNotFound
from engine.models.importer import import_gguf
from engine.models.registry import (installed_models, manifest_path, models_dir, records, remove_model,
                                    resolve_model)
from engine.starter import STARTER_MODEL_ID


def test_starter_is_always_installed(starter_gguf: Path) -> None:
    models = installed_models()
    starter = next(m for m in models if m.id == STARTER_MODEL_ID)
    assert starter.source == "starter" and starter.path == starter_gguf
    assert resolve_model(STARTER_MODEL_ID).path == starter_gguf
    assert not manifest_path().exists()  # listing never writes


def test_import_copy_reads_metadata_and_registers(starter_gguf: Path) -> None:
    model, info = import_gguf(starter_gguf, model_id="My Smol")
    assert model.id == "my-smol"
    assert model.path.parent == models_dir() / "imported" and model.path.stat().st_size == starter_gguf.stat().st_size
    assert not model.path.is_symlink() and model.path.stat().st_ino != starter_gguf.stat().st_ino
    assert info.architecture == "llama" and info.chat_template
    assert model.sha256 == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    assert not model.verified  # an import is not checked against any published hash
    assert resolve_model("my-smol").path == model.path
    manifest = json.loads(manifest_path().read_text())
    assert [m["id"] for m in manifest["models"]] == ["my-smol"]
    assert manifest["models"][0]["source"].startswith("import:")
    # the same id twice is refused, not overwritten
    with pytest.raises(ModelError, match="already installed"):
        import_gguf(starter_gguf, model_id="my-smol")


def test_import_links(starter_gguf: Path, tmp_path: Path) -> None:
    own = tmp_path / "own.gguf"
    own.write_bytes(starter_gguf.read_bytes())
    hard, _ = import_gguf(own, mode="hardlink", model_id="hard")
    assert hard.path.stat().st_ino == own.stat().st_ino
    soft, _ = import_gguf(own, mode="symlink", model_id="soft")
    assert soft.path.is_symlink() and soft.path.resolve() == own.resolve()
    # removing either frees nothing and never touches the user's original
    assert remove_model("hard") == 0
    assert remove_model("soft") == 0
    assert own.is_file() and own.stat().st_size == starter_gguf.stat().st_size


def test_truncated_import_is_refused_and_nothing_is_kept(starter_gguf: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.gguf"
    with starter_gguf.open("rb") as fh:
        cut.write_bytes(fh.read(30_000_000))
    with pytest.raises(ModelLoadError, match="truncated"):
        import_gguf(cut)
    assert records() == []
    assert not (models_dir() / "imported").exists() or not any((models_dir() / "imported").iterdir())


def test_import_of_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        import_gguf(tmp_path / "ghost.gguf")


def test_rm_frees_disk(starter_gguf: Path) -> None:
    model, _ = import_gguf(starter_gguf, model_id="copy")
    freed = remove_model("copy")
    assert freed == starter_gguf.stat().st_size
    assert not model.path.exists()
    assert [m.id for m in installed_models()] == [STARTER_MODEL_ID]
    with pytest.raises(ModelNotFound):
        remove_model("copy")


def test_starter_cannot_be_removed() -> None:
    with pytest.raises(ModelError, match="ships with Hearth"):
        remove_model(STARTER_MODEL_ID)


def test_missing_file_is_reported_not_crashed(starter_gguf: Path) -> None:
    model, _ = import_gguf(starter_gguf, model_id="gone")
    model.path.unlink()
    assert "gone" not in [m.id for m in installed_models()]
    with pytest.raises(ModelNotFound, match="its file is gone") as err:
        resolve_model("gone")
    assert "pull" in (err.value.hint or "")


def test_corrupt_manifest_is_rebuilt_from_disk(starter_gguf: Path) -> None:
    model, _ = import_gguf(starter_gguf, model_id="keep-me")
    manifest_path().write_text("{ not json")
    ids = [m.id for m in installed_models()]
    assert STARTER_MODEL_ID in ids and any(m.path == model.path for m in installed_models())
    assert manifest_path().with_name("manifest.json.bak").read_text() == "{ not json"
    assert json.loads(manifest_path().read_text())["version"] == 1


def test_resolve_path_directly(starter_gguf: Path) -> None:
    m = resolve_model(str(starter_gguf))
    assert m.path == starter_gguf and m.source.startswith("file:")
    with pytest.raises(ModelNotFound, match="No installed model"):
        resolve_model("nothing-here")
