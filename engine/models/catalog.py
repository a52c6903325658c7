"""The curated model catalog (``catalog.toml``), validated on load.

Unknown facts are the literal string ``"unknown"`` — never a made-up value. :class:`CatalogEntry`
exposes them as ``None`` through small helpers so callers cannot mistake "unknown" for data.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.errors import ModelError, ModelNotFound

CATALOG_FILE = Path(__file__).with_name("catalog.toml")
UNKNOWN = "unknown"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


class CatalogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    repo: str
    file: str
    revision: str
    quant: str
    size_bytes: int | Literal["unknown"]
    approx_size_gb: float = Field(gt=0)
    sha256: str
    params_b: float = Field(gt=0)
    layers: int = Field(gt=0)
    embedding: int = Field(gt=0)
    heads: int = Field(gt=0)
    kv_heads: int = Field(gt=0)
    head_dim: int = Field(gt=0)
    context: int = Field(gt=0)
    license: str
    description: str
    facts: str

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("lower-case letters, digits, '.', '_' and '-' only")
        return v

    @field_validator("repo")
    @classmethod
    def _check_repo(cls, v: str) -> str:
        if not _REPO.match(v):
            raise ValueError("must be 'owner/name'")
        return v

    @field_validator("file")
    @classmethod
    def _check_file(cls, v: str) -> str:
        if not v.endswith(".gguf") or "/" in v or ".." in v:
            raise ValueError("must be a .gguf file name at the repo root")
        return v

    @field_validator("sha256")
    @classmethod
    def _check_sha(cls, v: str) -> str:
        if v != UNKNOWN and not _SHA256.match(v):
            raise ValueError("must be 64 lower-case hex digits or 'unknown'")
        return v

    @field_validator("revision")
    @classmethod
    def _check_revision(cls, v: str) -> str:
        if v != UNKNOWN and not _COMMIT.match(v):
            raise ValueError("must be a 40-hex commit hash or 'unknown' (branch names are not pins)")
        return v

    @field_validator("size_bytes")
    @classmethod
    def _check_size(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v <= 0:
            raise ValueError("must be positive or 'unknown'")
        return v

    # -- typed views of possibly-unknown facts ------------------------------------------------
    @property
    def expected_sha256(self) -> str | None:
        return None if self.sha256 == UNKNOWN else self.sha256

    @property
    def pinned_revision(self) -> str | None:
        return None if self.revision == UNKNOWN else self.revision

    @property
    def exact_size(self) -> int | None:
        return self.size_bytes if isinstance(self.size_bytes, int) else None

    @property
    def size_estimate(self) -> int:
        """Bytes: exact when known, else the published rounded figure."""
        return self.exact_size or int(self.approx_size_gb * 1e9)


class _CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_: int = Field(alias="schema")
    model: list[CatalogEntry]


@dataclass(frozen=True)
class Catalog:
    entries: tuple[CatalogEntry, ...]

    def get(self, model_id: str) -> CatalogEntry:
        for e in self.entries:
            if e.id == model_id:
                return e
        raise ModelNotFound(f"No model called '{model_id}' in the catalog.",
                            "See the catalog with: hearth models list --all")

    def find(self, model_id: str) -> CatalogEntry | None:
        return next((e for e in self.entries if e.id == model_id), None)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def _describe(path: Path, raw: dict, exc: ValidationError) -> str:
    parts = []
    models = raw.get("model") if isinstance(raw.get("model"), list) else []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "model" and isinstance(loc[1], int) and loc[1] < len(models):
            ident = models[loc[1]].get("id", f"#{loc[1] + 1}") if isinstance(models[loc[1]], dict) else loc[1]
            where = f"model '{ident}'" + ("." + ".".join(str(p) for p in loc[2:]) if loc[2:] else "")
        parts.append(f"{where}: {err['msg']}")
    return f"The model catalog {path} is invalid: " + "; ".join(parts)


def load_catalog(path: Path | None = None) -> Catalog:
    """Parse and validate a catalog file (the shipped one by default)."""
    path = path or CATALOG_FILE
    if path == CATALOG_FILE:
        return _shipped()
    return _load(path)


@lru_cache(maxsize=1)
def _shipped() -> Catalog:
    return _load(CATALOG_FILE)


def _load(path: Path) -> Catalog:
    hint = "Reinstall Hearth, or fix the file if you edited it."
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"The model catalog {path} is missing.", hint) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"The model catalog {path} is not valid TOML: {exc}.", hint) from exc
    try:
        parsed = _CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise ModelError(_describe(path, raw, exc), hint) from exc
    if parsed.schema_ != 1:
        raise ModelError(f"The model catalog {path} has schema {parsed.schema_}; this Hearth reads schema 1.", hint)
    seen: set[str] = set()
    for e in parsed.model:
        if e.id in seen:
            raise ModelError(f"The model catalog {path} lists '{e.id}' twice.", hint)
        seen.add(e.id)
    return Catalog(tuple(parsed.model))
