"""Is the message in a language the detectors cover (English)?

The name and disclosure detectors are English-only, so text in another language is never
assumed safe. Two checks: letters from non-Latin scripts (CJK, Cyrillic, Arabic, ...), and for
Latin-script text a stop-word vote between English and other languages spaCy ships word lists
for (no model download, no network).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_OTHER_LANGS = ("fr", "de", "es", "it", "pt", "nl", "da", "sv", "nb", "pl", "tr", "ro", "vi", "id", "tl",
                "fi", "cs", "hu", "hr", "ca")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _stopwords() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("spaCy is not installed")
    lang_dir = Path(next(iter(spec.submodule_search_locations))) / "lang"

    def load(code: str):
        # Load just the word-list file: importing spacy.lang.<code> builds a whole tokenizer.
        s = importlib.util.spec_from_file_location(f"_hearth_stop_{code}", lang_dir / code / "stop_words.py")
        mod = importlib.util.module_from_spec(s)
        s.loader.exec_module(mod)
        return mod

    english = frozenset(w.lower() for w in load("en").STOP_WORDS)
    others: dict[str, frozenset[str]] = {}
    for code in _OTHER_LANGS:
        try:
            mod = load(code)
        except Exception:  # a missing or unusual list only narrows what is recognised
            continue
        # Words that are also English stop words (a, in, me, ...) vote for nobody.
        others[code] = frozenset(w.lower() for w in mod.STOP_WORDS) - english
    return english, others


def non_latin_letters(text: str) -> int:
    """Number of letters outside the Latin script."""
    n = 0
    for ch in text:
        if ch.isalpha() and ord(ch) > 0x24F:
            name = unicodedata.name(ch, "")
            if not name.startswith("LATIN"):
                n += 1
    return n


def uncovered_language(text: str) -> str | None:
    """A person-readable reason when part of ``text`` is not English, else None."""
    if non_latin_letters(text) >= 2:
        return "is partly written in a script Hearth's privacy checks don't cover"
    english, others = _stopwords()
    # Vote per line/sentence so an English request wrapped around a foreign passage is caught.
    for segment in re.split(r"(?<=[.!?:\n])\s+", text):
        words = [w.lower() for w in _WORD.findall(segment) if len(w) > 1]
        if len(words) < 4:
            continue
        en_hits = sum(w in english for w in words)
        best = max((sum(w in sw for w in words) for sw in others.values()), default=0)
        if best >= 3 and best > en_hits:
            return "is partly written in a language Hearth's privacy checks don't cover"
    return None
