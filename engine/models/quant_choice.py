"""Choosing a quantisation from a hub repo: for each of its GGUF files, will it fit, how fast.

Before a download only the file's size is known. Quantisations of one model share its shape
(layers, KV heads, head size), so the shape comes from the catalog model of the same repo name
(another uploader's copy counts: ``Qwen/Qwen2.5-7B-Instruct-GGUF`` and
``bartowski/Qwen2.5-7B-Instruct-GGUF`` hold the same model), or else from the catalog model
closest in size — an estimate, and said to be one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

from engine.models.catalog import CatalogEntry
from engine.models.fit import FitPlan, ModelShape, plan
from engine.models.hardware import Hardware
from engine.models.speed import Calibration, SpeedEstimate, estimate_plan

_QUANT = re.compile(r"(?<![A-Za-z0-9])(I?Q\d(?:_[0-9A-Z]+)*|[BM]?F(?:16|32)|BF16)(?![A-Za-z0-9])", re.I)
_SPLIT = re.compile(r"-\d{5}-of-\d{5}\.gguf$", re.I)


def quant_of(file_name: str) -> str:
    """The quantisation named in a GGUF file name ("Q4_K_M", "IQ3_XS", "F16"), or "?"."""
    found = _QUANT.findall(file_name.rsplit("/", 1)[-1])
    return found[-1].upper() if found else "?"


def is_split(file_name: str) -> bool:
    """One part of a model split over several files (``-00001-of-00003.gguf``)."""
    return bool(_SPLIT.search(file_name))


def _base(repo: str) -> str:
    name = repo.rsplit("/", 1)[-1].lower()
    return re.sub(r"[-_.]?gguf$", "", name)


def shape_source(repo: str, size: int, catalog: Iterable[CatalogEntry]) -> tuple[CatalogEntry | None, bool]:
    """The catalog entry whose shape stands in for this file, and whether it is the same model."""
    entries = list(catalog)
    same = [e for e in entries if _base(e.repo) == _base(repo)]
    if same:
        return same[0], True
    if not entries or size <= 0:
        return None, False
    return min(entries, key=lambda e: abs(math.log(e.size_estimate / size))), False


@dataclass(frozen=True)
class FileChoice:
    name: str
    quant: str
    size: int | None
    sha256: str | None
    plan: FitPlan | None
    speed: SpeedEstimate | None
    same_model: bool          # the shape is the model's own (from the catalog), not a look-alike's
    split: bool               # one part of a split model: cannot be pulled as one file

    @property
    def downloadable(self) -> bool:
        return not self.split and self.size is not None and self.sha256 is not None

    def describe(self) -> str:
        if self.split:
            return "one part of a model split over several files (not supported yet)"
        if self.plan is None:
            return "size unknown: no estimate"
        from engine.models.fit import verdict_words
        guess = "" if self.same_model else " (estimated from a similar-sized model)"
        speed = f"; {self.speed.describe()}" if self.speed and self.speed.tokens_per_s else ""
        return f"{verdict_words(self.plan.verdict)}{speed}{guess}"


def rate_files(repo: str, files: Iterable[Any], hw: Hardware, n_ctx: int, catalog: Iterable[CatalogEntry],
               cal: Calibration | None) -> list[FileChoice]:
    """Fit and speed for each GGUF file (``hub.HubFileInfo``: name, size, sha256), smallest first."""
    entries = list(catalog)
    out = []
    for f in files:
        size = int(f.size) if getattr(f, "size", None) else None
        split = is_split(f.name)
        fit = speed = None
        same = False
        if size and not split:
            like, same = shape_source(repo, size, entries)
            if like is not None:
                base = ModelShape.from_entry(like)
                other = min(base.other_bytes, size // (like.layers + 1))
                shape = ModelShape(f.name, like.layers, like.kv_heads, like.head_dim, size - other, other)
                fit = plan(shape, hw, min(n_ctx, like.context))
                speed = estimate_plan(fit, cal, hw)
        out.append(FileChoice(f.name, quant_of(f.name), size, getattr(f, "sha256", None), fit, speed, same, split))
    return sorted(out, key=lambda c: (c.split, c.size or 0, c.name))
