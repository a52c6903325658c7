"""The training set: hand-written JSONL files in ``engine/privacy/learned/data`` (see
PROVENANCE.md there). Loaded in a fixed order, checked, and de-duplicated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from engine.privacy.learned.heads import CATEGORIES
from engine.privacy.learned.windows import Counter, make_windows

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Order matters: it is the order of the rows the classifiers are fitted on.
SOURCES = ("en_special.jsonl", "en_frame.jsonl", "multi.jsonl", "extra.jsonl", "round3.jsonl")
# Delivered, checked and documented in PROVENANCE.md, but not read by the training script: at the
# policy's current thresholds the weights trained with it keep two more of dev's public messages
# local (docs/privacy-eval.md, stop 24). To adopt it, move it to the end of SOURCES and run train.
STAGED = ("round4.jsonl",)
FILLER = "filler.jsonl"
FILLER_WINDOWS = "filler.jsonl#windows"  # the same paragraphs cut as the layer cuts messages
LANGS = ("en", "de", "fr", "es", "it", "pt", "nl")
SPECIAL = ("none", *CATEGORIES)


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    special: str
    business: str
    frame: str
    writer: str
    source: str

    def label(self, head: str) -> bool:
        if head == "special_any":
            return self.special != "none"
        if head.startswith("special."):
            return self.special == head.split(".", 1)[1]
        if head == "business":
            return self.business == "confidential"
        if head == "personal":
            return self.frame == "personal"
        raise KeyError(head)


class DataError(ValueError):
    pass


def _read(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataError(f"{path.name}:{n}: not JSON ({exc})") from exc
    return rows


def _check(row: dict, where: str) -> Example:
    try:
        ex = Example(text=row["text"], lang=row["lang"], special=row["special"],
                     business=row["business"], frame=row["frame"], writer=row["writer"],
                     source=where.split(":")[0])
    except KeyError as exc:
        raise DataError(f"{where}: missing field {exc}") from exc
    problems = [
        not isinstance(ex.text, str) or not ex.text.strip(),
        ex.lang not in LANGS,
        ex.special not in SPECIAL,
        ex.business not in ("none", "confidential"),
        ex.frame not in ("personal", "impersonal"),
        not ex.writer,
    ]
    if any(problems):
        raise DataError(f"{where}: a field is empty or outside its allowed set: {row!r:.200}")
    return ex


def load_examples(data_dir: Path = DATA_DIR) -> list[Example]:
    """Every labelled example, first occurrence kept when a text repeats (case-insensitive)."""
    seen: set[str] = set()
    out: list[Example] = []
    for name in SOURCES:
        path = data_dir / name
        if not path.exists():
            continue
        for i, row in enumerate(_read(path), 1):
            ex = _check(row, f"{name}:{i}")
            key = " ".join(ex.text.casefold().split())
            if key in seen:
                continue
            seen.add(key)
            out.append(ex)
    if not out:
        raise DataError(f"no training examples found in {data_dir}")
    return out


def load_filler(data_dir: Path = DATA_DIR) -> list[Example]:
    """Public paragraphs (general knowledge, recipes, code explanations) used as impersonal
    negatives and as the padding of the long-text checks."""
    out = []
    for i, row in enumerate(_read(data_dir / FILLER), 1):
        row = {"special": "none", "business": "none", "frame": "impersonal", **row}
        out.append(_check(row, f"{FILLER}:{i}"))
    return out



def filler_windows(filler: list[Example], count: Counter, budget: int) -> list[tuple[int, Example]]:
    """(paragraph index, window) for every paragraph the layer would cut into several windows:
    public sentences seen one window at a time, as the layer sees a long message."""
    out: list[tuple[int, Example]] = []
    for i, para in enumerate(filler):
        wins = make_windows(para.text, count, budget)
        if len(wins) > 1:
            out.extend((i, Example(text=w.text, lang=para.lang, special="none", business="none",
                                   frame="impersonal", writer=para.writer, source=FILLER_WINDOWS))
                       for w in wins)
    return out
