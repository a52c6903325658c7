"""Which language is a message written in, and do the privacy checks cover it?

Covered: English, German, French, Spanish, Italian, Portuguese and Dutch. Everything else —
another script (CJK, Cyrillic, Arabic, ...) or another Latin-script language (Polish, Danish,
Turkish, ...) — is *not covered*, and such a message stays on this computer with a reason the
preview can show.

How: each sentence or line is scored on its own, so an English request wrapped around a foreign
passage is seen. A covered language's score is the summed word frequency (``wordfreq``'s small
lists, Zipf scale) of the segment's words in that language — a unigram model that tells Spanish
from Portuguese by their ordinary words. Other Latin-script languages are recognised by spaCy's
bundled stop-word lists: when one of them explains the segment's function words better than the
best covered language, the segment is theirs. No model download, no network.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

COVERED = ("en", "de", "fr", "es", "it", "pt", "nl")
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
         "nl": "Dutch", "da": "Danish", "sv": "Swedish", "nb": "Norwegian", "pl": "Polish", "tr": "Turkish",
         "ro": "Romanian", "vi": "Vietnamese", "id": "Indonesian", "tl": "Tagalog", "fi": "Finnish", "cs": "Czech",
         "hu": "Hungarian", "hr": "Croatian", "ca": "Catalan", "sk": "Slovak", "sl": "Slovenian", "lt": "Lithuanian",
         "lv": "Latvian", "et": "Estonian", "af": "Afrikaans", "eu": "Basque", "ga": "Irish", "is": "Icelandic",
         "sq": "Albanian", "lb": "Luxembourgish", "ms": "Malay", "yo": "Yoruba"}
_UNCOVERED = ("da", "sv", "nb", "pl", "tr", "ro", "vi", "id", "tl", "fi", "cs", "hu", "hr", "ca", "sk", "sl", "lt",
              "lv", "et", "af", "eu", "ga", "is", "sq", "lb", "ms", "yo")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Mail and web addresses and code ("np.linalg.svd(a_b)") are in no language.
_NOT_PROSE = re.compile(r"(?<!\S)\S*?(?:@|://|www\.|\w[._(){}\[\]=<>/\\|]\w)\S*")
_SEGMENT = re.compile(r"(?<=[.!?:;\n])\s+|\n")
# Letters that only some covered languages use: a light nudge when word scores are close.
_LETTER_HINTS = {"ß": "de", "ñ": "es", "ã": "pt", "õ": "pt", "ê": "pt", "ij": "nl", "ç": "fr", "è": "it",
                 "ä": "de", "ö": "de", "ü": "de", "œ": "fr"}


@dataclass(frozen=True)
class LanguageGuess:
    code: str | None          # the main language (most letters), None when nothing could be read
    covered: bool             # every part is in a language the checks cover
    confidence: float         # 0..1, how clearly the main language won
    reason: str | None        # person-readable, set when not covered
    languages: tuple[str, ...] = ()   # every covered language seen, main one first


@lru_cache(maxsize=1)
def _tables() -> tuple[tuple[dict[str, float], ...], dict[str, tuple[str, ...]]]:
    """Per covered language, word → Zipf value (``wordfreq``'s ~30,000 commonest words), and
    word → the languages whose stop-word list has it. Built once; lookups only after."""
    import wordfreq

    zipf = tuple({w: math.log10(f) + 9 for w, f in wordfreq.get_frequency_dict(code, wordlist="small").items() if f > 0}
                 for code in COVERED)
    stops: dict[str, list[str]] = {}
    for code in COVERED + _UNCOVERED:
        try:
            words = _load_stop_words(code)
        except Exception:  # a missing or unusual list only narrows what is recognised
            continue
        for w in words:
            if len(w) > 1:  # one-letter words ("a", "s", "z") are as often variables and initials
                stops.setdefault(w, []).append(code)
    return zipf, {w: tuple(v) for w, v in stops.items()}


def _load_stop_words(code: str) -> frozenset[str]:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("spaCy is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / code / "stop_words.py"
    # Load just the word-list file: importing spacy.lang.<code> builds a whole tokenizer.
    s = importlib.util.spec_from_file_location(f"_hearth_stop_{code}", path)
    assert s is not None and s.loader is not None  # a .py path always gets a spec with a loader
    mod = importlib.util.module_from_spec(s)
    s.loader.exec_module(mod)
    return frozenset(w.casefold() for w in mod.STOP_WORDS)


def is_stop_word(word: str, lang: str) -> bool:
    """A function word of ``lang`` ("les", "der", "het") by spaCy's list."""
    return lang in _tables()[1].get(word.casefold(), ())


def zipf(word: str, lang: str) -> float:
    """Zipf frequency of a lower-case ``word`` in covered language ``lang`` (0 when rarer than
    about once per million words)."""
    return _tables()[0][COVERED.index(lang)].get(word.casefold(), 0.0)  # wordfreq folds "ß" to "ss"


def non_latin_letters(text: str) -> int:
    """Number of letters outside the Latin script."""
    n = 0
    for ch in text:
        if ch.isalpha() and ord(ch) > 0x24F:
            if not unicodedata.name(ch, "").startswith("LATIN"):
                n += 1
    return n


_NON_LATIN_RUN = re.compile(r"[^\W\d_\x00-\u024f\u1e00-\u1eff]{2,}")


def _script_of(text: str) -> str | None:
    """The name of a non-Latin script written in words (two letters or more in a row), if any."""
    for m in _NON_LATIN_RUN.finditer(text):
        name = unicodedata.name(m.group(0)[0], "")
        if not name.startswith("LATIN"):
            return name.split(" ")[0].title()
    return None


def _segment_language(words: list[str], lower: list[str]) -> tuple[str | None, float, str | None]:
    """(covered language, confidence, uncovered language or "?") for one segment's words (lower-cased),
    and the words that were written in lower case."""
    zipf, stop_table = _tables()
    scores = [sum(map(table.get, words, repeat(0.0))) for table in zipf]
    stop_hits: dict[str, int] = {}
    for w in words:
        for code in stop_table.get(w, ()):
            stop_hits[code] = stop_hits.get(code, 0) + 1
    ranked = sorted(range(len(COVERED)), key=scores.__getitem__, reverse=True)
    b, second = ranked[0], ranked[1]
    covered_hits = max((n for c, n in stop_hits.items() if c in COVERED), default=0)
    other, other_hits = max(((c, n) for c, n in stop_hits.items() if c not in COVERED), key=lambda cn: cn[1],
                            default=("", 0))
    # Another Latin-script language whose function words fit better than every covered one's.
    if other_hits >= 3 and other_hits > covered_hits:
        return None, 0.0, other
    # Most words unknown to the best covered language, and few of its function words: a language
    # without a stop-word list here (Turkish, Finnish, ...), named in general terms.
    # Capitalised words are left out: names ("Tomasz Wiśniewski") are unknown in every language.
    plain = [w for w in lower if len(w) > 1]
    known = sum(zipf[b].get(w, 0.0) >= 3.5 for w in plain)
    if len(plain) >= 4 and known < 0.5 * len(plain) and covered_hits < 0.2 * len(plain):
        return None, 0.0, "?"
    if scores[b] <= 0:
        return None, 0.0, None
    # Names and loanwords alone ("João Pereira - room 4B") make no sentence of another language:
    # it needs two of that language's function words.
    if COVERED[b] != "en" and stop_hits.get(COVERED[b], 0) < 2:
        return None, 0.0, None
    confidence = (scores[b] - scores[second]) / scores[b]
    return COVERED[b], round(min(1.0, 3 * confidence), 3), None


def _hint(text: str) -> str | None:
    low = text.lower()
    return next((code for letters, code in _LETTER_HINTS.items() if letters in low), None)


def detect(text: str, min_words: int = 3) -> LanguageGuess:
    """The languages of ``text``, judged sentence by sentence (segments of fewer than ``min_words``
    words are too short to judge); see the module docstring."""
    script = _script_of(text)
    if script:
        reason = f"is partly written in {script} script, which Hearth's privacy checks don't cover"
        return LanguageGuess(None, False, 1.0, reason)
    letters: dict[str, int] = {}
    confidences: dict[str, float] = {}
    for segment in _SEGMENT.split(_NOT_PROSE.sub(" ", text)):
        written = _WORD.findall(segment)
        if len(written) < min_words:  # too short to judge: a name, a number, a code line
            continue
        words = [w.casefold() for w in written]
        code, confidence, other = _segment_language(words, [w.casefold() for w in written[1:] if w.islower()])
        if other:
            name = NAMES.get(other, "a language")
            return LanguageGuess(None if other == "?" else other, False, 1.0,
                                 f"is partly written in {name} Hearth's privacy checks don't cover yet"
                                 if other == "?" else
                                 f"is partly written in {name}, which Hearth's privacy checks don't cover yet")
        if code is None:
            continue
        if confidence < 0.15 and _hint(segment) in COVERED:
            code = _hint(segment) or code
        letters[code] = letters.get(code, 0) + sum(map(len, words))
        confidences[code] = max(confidences.get(code, 0.0), confidence)
    if not letters:
        return LanguageGuess(None, True, 0.0, None)
    ranked = tuple(sorted(letters, key=lambda c: letters[c], reverse=True))
    return LanguageGuess(ranked[0], True, confidences[ranked[0]], None, ranked)


def uncovered_language(text: str) -> str | None:
    """Legacy check the router still calls: a reason when any part of ``text`` is not English.

    (The name and disclosure layers the router runs today read English only; once the router
    uses :func:`detect` and the per-language detectors, only ``covered=False`` needs to stay local.)
    """
    guess = detect(text, min_words=4)
    if not guess.covered:
        return guess.reason
    foreign = [c for c in guess.languages if c != "en"]
    if foreign:
        names = ", ".join(NAMES[c] for c in foreign)
        return f"is partly written in {names}, a language the current privacy checks don't read yet"
    return None
