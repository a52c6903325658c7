"""Small text utilities shared by chunking, keyword search and the paste check.

* :func:`count_tokens` — a fast estimate of word-piece tokens (the embedder truncates at 256).
* :func:`keyword_tokens` — lower-cased, stop-word-free, lightly stemmed terms for BM25.
* :func:`shingles` — hashed word n-grams for "does this pasted text come from the index?".
"""

from __future__ import annotations

import re
import zlib

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|[^\W\d_]+", re.UNICODE)

STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own same she
should so some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why will with
would you your yours yourself yourselves get got instead way use using used want make
""".split())


def count_tokens(text: str) -> int:
    """Approximate word-piece token count: words and punctuation marks, long words count extra."""
    n = 0
    for m in _TOKEN.finditer(text):
        length = m.end() - m.start()
        n += 1 + length // 8  # long identifiers split into several word pieces
    return n


def _stem(word: str) -> str:
    """A light English suffix stripper: enough to match "sorting"/"sorted"/"sorts" in BM25."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("edly", ""), ("ed", ""),
                         ("ly", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            stem = word[: len(word) - len(suffix)] + repl
            if suffix in ("ing", "ed") and len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]  # "stopped" -> "stop"
            return stem
    return word


def keyword_tokens(text: str) -> list[str]:
    """Terms for BM25: identifiers are kept whole *and* split ("os.path" -> os, path)."""
    out: list[str] = []
    for m in _WORD.finditer(text.lower()):
        word = m.group(0)
        if word in STOPWORDS or len(word) < 2:
            continue
        if "_" in word:
            out.extend(p for p in word.split("_") if len(p) > 1 and p not in STOPWORDS)
        out.append(_stem(word))
    return out


def shingles(text: str, n: int = 8) -> set[int]:
    """Hashes of the word n-grams of ``text`` (case and punctuation insensitive)."""
    words = [w.lower() for w in re.findall(r"\w+", text)]
    if len(words) < n:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    return {zlib.crc32(" ".join(words[i:i + n]).encode()) for i in range(len(words) - n + 1)}
