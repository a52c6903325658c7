"""Quasi-identifiers the NER misses: details that, next to a person's own situation, say who
or where they are.

* :func:`situated` — the text places the writer, one individual or one unnamed firm somewhere
  ("the conditions here", "a 4-year-old boy in Texas", "a company based in Lyon"); a public place
  next to that is no longer public knowledge but someone's whereabouts;
* given names typed in lower case where the sentence frame says a person is meant ("my daughter
  emma", "my name is juan"), told from the same word used otherwise ("my friend will") by its tag;
* in personal texts (see :func:`engine.privacy.ner.personal_context`):
  nationality words before a noun in any case ("without leaving russian territory"),
  public firms typed in lower case ("my facebook ads account") and brand-style names of the
  writer's own programmes and firms ("an essay for HeForShe").
"""

from __future__ import annotations

import re

from engine.privacy.finding import Finding
from engine.privacy.gazetteer import demonyms, given_names, is_public_entity, public_organisations

_SITUATED = re.compile(
    r"\b(?:here|over here|in my (?:country|city|town|village|area|region|state|province)|"
    r"where (?:i|we) (?:live|work|am|are)|back home)\b(?=\s*[?.!,;]|\s*$)|"
    r"\bhere in\b|\b\d{1,3}[- ](?:year|yr|month)s?[- ]old\b|\baged \d{1,3}\b|"
    # An unnamed firm placed somewhere; a *named* public firm based somewhere is public knowledge.
    r"\b(?:company|firm|business|start-?up|shop|store|clinic|practice|agency|school|factory|manufacturer|"
    r"restaurant|hotel|organi[sz]ation|client|office)\b[^.?!\n]{0,40}?\b(?:located|based|headquartered|situated)\s+in\b",
    re.I | re.M)


def situated(text: str) -> bool:
    """True when a place in the text would say where the writer, one individual or one firm is."""
    return bool(_SITUATED.search(text))


# Nouns after which a nationality word names a language or a subject, not where someone is from.
_LANGUAGE_NOUNS = frozenset("language languages translation translator text version grammar speaker speakers "
                            "word words course class classes lesson lessons teacher tutor subtitles accent "
                            "alphabet literature history cuisine".split())
_BRAND = re.compile(r"[A-Z][a-z]+[A-Z][A-Za-z]*")  # "HeForShe", "PayPal": inner capitals


def _free(t, taken: list[tuple[int, int]]) -> bool:
    s, e = t.idx, t.idx + len(t.text)
    return not any(s < b and a < e for a, b in taken)


def _finding(t, kind: str, reason: str) -> Finding:
    return Finding(kind, t.idx, t.idx + len(t.text), t.text, False, reason)


def personal_details(doc, taken: list[tuple[int, int]]) -> list[Finding]:
    """Nationality words, lower-case public firms and brand-style names in a personal text,
    outside the character spans already ``taken``."""
    origins, orgs = demonyms(), public_organisations()
    out: list[Finding] = []
    for t in doc:
        if not _free(t, taken):
            continue
        word = t.text.lower()
        nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
        if word in origins and nxt is not None and nxt.tag_.startswith("NN") and nxt.text.lower() not in _LANGUAGE_NOUNS:
            out.append(_finding(t, "GROUP", "names a group the writer may belong to"))
        elif t.is_lower and len(word) > 2 and word in orgs:
            out.append(_finding(t, "ORG", "names an organisation"))
        elif _BRAND.fullmatch(t.text) and not is_public_entity(t.text):
            out.append(_finding(t, "NAME", "contains a name Hearth does not recognise"))
    return out


_POSSESSIVE = frozenset("my our his her their".split())
_RELATIONS = frozenset(
    "colleague coworker co-worker manager boss friend wife husband partner son daughter child kid baby student "
    "client customer teacher doctor landlord landlady neighbor neighbour brother sister mother father mom mum dad "
    "aunt uncle cousin grandmother grandfather grandma grandpa nephew niece employee tenant patient fiance fiancee "
    "girlfriend boyfriend supervisor professor lawyer accountant assistant intern roommate flatmate ex".split())
_NAME_TAGS = frozenset({"NN", "NNP", "NNPS"})


def lowercase_given_names(doc) -> list[tuple[int, int, str]]:
    """Common given names in lower case right after "my <relation>" or "my name is"."""
    names = given_names()
    found = []
    for t in doc:
        if not (t.is_lower and t.text in names and t.tag_ in _NAME_TAGS) or t.i < 2:
            continue
        prev = doc[t.i - 2] if doc[t.i - 1].text == "," and t.i >= 3 else doc[t.i - 1]
        before = doc[prev.i - 1]
        relation = prev.lower_ in _RELATIONS and before.lower_ in _POSSESSIVE
        introduced = prev.lower_ == "is" and before.lower_ == "name"
        if relation or introduced:
            end = t.idx + len(t.text)
            nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None  # "juan perez": a lower-case surname too
            while nxt is not None and nxt.is_lower and nxt.tag_ in _NAME_TAGS and nxt.text not in _RELATIONS \
                    and nxt.i - t.i <= 2 and _is_surname(nxt.text):
                end = nxt.idx + len(nxt.text)
                nxt = doc[nxt.i + 1] if nxt.i + 1 < len(doc) else None
            found.append((t.idx, end, doc.text[t.idx:end]))
    return found


def _is_surname(word: str) -> bool:
    from engine.privacy.gazetteer import surnames

    return word in surnames()
