"""The shipped catalog validates, states only checkable facts, and bad catalogs are refused clearly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from engine.errors import ModelError, ModelNotFound
from engine.models.catalog import CATALOG_FILE, load_catalog

VALID = """
schema = 1
[[model]]
id = "{id}"
name = "X"
repo = "{repo}"
file = "x.gguf"
revision = "{revision}"
quant = "Q4_K_M"
size_bytes = "unknown"
approx_size_gb = 1.0
sha256 = "{sha}"
params_b = 1.0
layers = 10
embedding = 1024
heads = 8
kv_heads = 2
head_dim = 128
context = 4096
license = "mit"
description = "d"
facts = "f"
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "catalog.toml"
    p.write_text(text)
    return p


def _valid(**kw: str) -> str:
    args = {"id": "x-1b", "repo": "o/r", "revision": "a" * 40, "sha": "b" * 64, **kw}
    return VALID.format(**args)


def test_shipped_catalog_is_valid_and_curated() -> None:
    cat = load_catalog()
    assert 10 <= len(cat) <= 14
    ids = [e.id for e in cat]
    assert len(set(ids)) == len(ids)
    for e in cat:
        # a pinned hash always comes with a pinned revision (a hash of "main" would drift)
        if e.expected_sha256:
            assert e.pinned_revision, e.id
        assert e.facts, e.id
    families = {e.name.split()[0] for e in cat}
    assert {"Qwen2.5", "Llama", "Gemma", "Phi-4", "Mistral", "SmolLM2"} <= families


def test_starter_entry_matches_the_real_file(starter_gguf: Path) -> None:
    e = load_catalog().get("smollm2-135m-instruct-q4_1")
    assert e.exact_size == starter_gguf.stat().st_size
    assert e.file == starter_gguf.name
    h = hashlib.sha256(starter_gguf.read_bytes()).hexdigest()
    assert e.expected_sha256 == h


def test_unknown_facts_are_none_not_data() -> None:
    e = load_catalog().get("qwen2.5-0.5b-instruct-q4_k_m")
    assert e.sha256 == "unknown" and e.expected_sha256 is None
    assert e.pinned_revision is None and e.exact_size is None
    assert e.size_estimate == int(0.40e9)


def test_unknown_id() -> None:
    with pytest.raises(ModelNotFound, match="no-such"):
        load_catalog().get("no-such")


def test_valid_custom_catalog(tmp_path: Path) -> None:
    cat = load_catalog(_write(tmp_path, _valid()))
    assert [e.id for e in cat] == ["x-1b"]


@pytest.mark.parametrize("kw, needle", [
    ({"sha": "abc"}, "sha256"),
    ({"revision": "main"}, "revision"),
    ({"repo": "no-slash"}, "repo"),
    ({"id": "Bad Id"}, "id"),
])
def test_invalid_fields_are_named(tmp_path: Path, kw: dict[str, str], needle: str) -> None:
    with pytest.raises(ModelError, match=needle) as err:
        load_catalog(_write(tmp_path, _valid(**kw)))
    assert "invalid" in str(err.value)


def test_duplicate_ids_and_bad_toml(tmp_path: Path) -> None:
    dup = _valid() + _valid().replace("schema = 1", "")
    with pytest.raises(ModelError, match="twice"):
        load_catalog(_write(tmp_path, dup))
    with pytest.raises(ModelError, match="not valid TOML"):
        load_catalog(_write(tmp_path, "[[model]\nid="))
    with pytest.raises(ModelError, match="missing"):
        load_catalog(tmp_path / "absent.toml")


def test_missing_field_names_the_entry(tmp_path: Path) -> None:
    text = _valid().replace('license = "mit"\n', "")
    with pytest.raises(ModelError, match="model 'x-1b'.license"):
        load_catalog(_write(tmp_path, text))


def test_catalog_file_ships_with_the_package() -> None:
    assert CATALOG_FILE.is_file() and CATALOG_FILE.parent.name == "models"
