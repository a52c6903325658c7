"""When a redaction is too risky to trust: keep the message LOCAL instead.

Redaction works well on short questions that name one or two people. It works badly on a
writer's own long texts (letters, CVs, pasted mails, essays about their work): they carry many
details the detectors find only in part, and one missed name is a leak. Serving such a message
redacted is worth less than the risk, because the local model can still answer it.

Two signals, both about *personal* messages only (correspondence, first-person accounts — see
:func:`engine.privacy.ner.personal_context`), so general questions, public figures and fiction
are never affected:

* length — a long personal text goes LOCAL before the NER runs at all (this also keeps the
  slowest messages out of the NER, which costs time in proportion to length);
* lower-case names — the tagger reads a lower-case word as a proper noun, and the word is a
  known public name ("google", "singapore") or no English word ("primewealth"): the writer
  types names in lower case, so the NER (trained on capitalised names) cannot be trusted to
  have found the others. Technical terms ("nginx", "pytest") do not count: software is
  typed in lower case by everyone.
"""

from __future__ import annotations

from typing import Iterable

# Characters. A personal text this long is a pasted document, not a question; shorter ones
# are still redacted. ~1,500 characters is about 250 words — half a page.
LONG_PERSONAL_CHARS = 1500

# A lower-case proper noun whose word frequency is below this is no everyday word the tagger
# merely mis-tagged ("code", "debug"): Zipf 3 is about once per million words.
_RARE_ZIPF = 3.0
_PROPER_TAGS = {"NNP", "NNPS"}


def long_personal(text: str, personal: bool) -> str | None:
    """A reason to keep a long personal text local, or None."""
    if personal and len(text) > LONG_PERSONAL_CHARS:
        return "the message is a long personal text; too many details to replace them reliably"
    return None


def lowercase_names(tokens: Iterable) -> list[str]:
    """Lower-case words the tagger reads as proper nouns that are public names or no English
    word: names typed in lower case, which the NER tends to miss."""
    from engine.privacy.gazetteer import is_public_entity, is_term, stop_words
    from engine.privacy.gazetteer import zipf as _zipf

    stops = stop_words()

    found: list[str] = []
    for t in tokens:
        w = t.text
        if t.tag_ not in _PROPER_TAGS or not w.isalpha() or not w.islower() or len(w) < 3 or w in stops:
            continue
        if is_term(w):  # "my nginx config": software typed in lower case names no one
            continue
        if (is_public_entity(w) or _zipf(w) < _RARE_ZIPF) and not _word_of_another_language(w):
            found.append(w)
    return found


def _word_of_another_language(word: str) -> bool:
    """"suis", "fatigué": a common word of another covered language (and much rarer in English),
    quoted in an English request, is no name the writer typed in lower case. Brands common
    everywhere ("netflix") still count."""
    from engine.privacy.gazetteer import zipf
    from engine.privacy.language import COVERED

    english = zipf(word)
    return any(zipf(word, lang) >= max(_RARE_ZIPF, english + 1.0) for lang in COVERED if lang != "en")


def risky_redaction(personal: bool, unsure: Iterable[str]) -> str | None:
    """A reason to keep a personal message local when its names were typed in lower case."""
    unsure = list(dict.fromkeys(unsure))
    if personal and unsure:
        return "the message is personal and has names typed in lower case that may not all be found"
    return None
