"""The recognizer registry: every detector the router runs, each under a stable id.

A recognizer reads an :class:`~engine.privacy.analysis.Analysis` and returns typed, scored
:class:`~engine.privacy.finding.Finding` spans (credited to its id). Two groups run in order:

* ``PATTERNS`` — validated patterns that hold in every covered language (secrets, ID numbers,
  cards, IBANs, emails, phones, addresses, dates of birth, reference numbers, ...). Cheap; a
  local-only finding here ends routing early.
* ``NAMES`` — people, organisations and places: spaCy's English NER with its sentence frames for
  English, the frame- and word-frequency-based finder for the other languages.

Whether a span is redacted, kept, or keeps the whole message local is the Policy's decision
(:mod:`engine.privacy.policy`), not the recognizer's. Removing a recognizer is deleting its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from engine.privacy import detectors as det
from engine.privacy.analysis import Analysis
from engine.privacy.finding import Finding
from engine.privacy.locators import find_addresses, find_birth_dates, find_plates
from engine.privacy.references import find_references


@dataclass(frozen=True)
class Recognizer:
    id: str
    find: Callable[[Analysis], list[Finding]]
    english_only: bool = False

    def run(self, a: Analysis) -> list[Finding]:
        if self.english_only and not a.english:
            return []
        return [f.by(self.id) for f in self.find(a)]


def _on_text(fn: Callable[[str], list[Finding]]) -> Callable[[Analysis], list[Finding]]:
    return lambda a: fn(a.text)


# Order matters where spans overlap: the earlier recognizer's finding wins (a card number is
# not also a phone number), except that a local-only finding always counts.
PATTERNS: tuple[Recognizer, ...] = (
    Recognizer("pattern.secret", _on_text(det.find_secrets)),
    Recognizer("pattern.national_id", _on_text(det.find_national_ids)),
    Recognizer("pattern.card", _on_text(det.find_cards)),
    Recognizer("pattern.iban", _on_text(det.find_ibans)),
    Recognizer("pattern.email", _on_text(det.find_emails)),
    Recognizer("pattern.phone", _on_text(det.find_phones)),
    Recognizer("pattern.ip", _on_text(det.find_ips)),
    Recognizer("pattern.url", _on_text(det.find_urls)),
    Recognizer("pattern.domain", _on_text(det.find_domains)),
    Recognizer("pattern.placeholder", _on_text(det.find_foreign_placeholders)),
    Recognizer("locator.birth_date", _on_text(find_birth_dates)),
    Recognizer("locator.plate", _on_text(find_plates)),
    Recognizer("locator.address", _on_text(find_addresses)),
    Recognizer("reference.number", _on_text(find_references)),
)


def _english_names(a: Analysis, skip: list[tuple[int, int]]) -> list[Finding]:
    from engine.privacy.ner import find_entities

    scan = find_entities(a.text, skip=skip, doc=a.doc)
    from engine.privacy.impersonal import not_a_lowercase_name

    # Read by the caution rule (engine.privacy.caution). Dishes and code keywords name no one, but
    # only a message the learned frame alone calls personal is cleared of them: where the writer
    # speaks of themselves ("i'm priyanka from ..."), a lower-case word of any kind still says the
    # NER may have missed their names.
    unsure = scan.unsure
    if not (a.cues.first_person or a.cues.correspondence):
        unsure = tuple(w for w in unsure if not not_a_lowercase_name(a.text, w))
    a.unsure_names = unsure
    return no_one(a, scan.findings)


def no_one(a: Analysis, findings: list[Finding]) -> list[Finding]:
    """Drop name findings that name no one (:mod:`engine.privacy.impersonal`): identifiers in
    code, template slots, made-up people of word problems and stories, and — outside personal
    messages — everyday words and named lakes, mountains and seas; and, once none of those
    false names is left to make the message look personal, the public names kept beside them."""
    from engine.privacy import impersonal as imp

    if not findings:
        return findings
    from engine.privacy.policy import THRESHOLDS

    imp.prepare()  # word lists read once, at the router's warm-up (which routes a sample with names)

    text = a.text
    # The writer's own life by its word cues, or by the learned frame (which waits for the
    # embedding running beside the NER: routing waits for it next anyway).
    personal = a.cues.first_person or a.cues.correspondence or a.frame.personal(THRESHOLDS.personal)
    made_up = not personal and imp.made_up_people(text)
    code = imp.code_context(text)
    kept: list[Finding] = []
    dropped = False
    for f in findings:
        if imp.code_name(text, f, code, personal) or imp.in_template_slot(text, f.start, f.end) \
                or (made_up and imp.lone_name(f)) or imp.character_name(text, f) \
                or (not personal and (imp.everyday_word(f) or imp.natural_feature(text, f)
                                      or imp.public_after_verb(text, f) or imp.dish_name(text, f)
                                      or imp.thing_after_the(text, f) or imp.historical_name(text, f)
                                      or imp.asked_about_other_language(text, f))):
            dropped = True
            continue
        kept.append(f)
    if dropped and not personal and not any(imp.private_name(f) for f in kept):
        # ner.py redacts public places and groups next to a private name ("Ines, a nurse in
        # Camden"); with no private name left they are general knowledge again.
        kept = [f for f in kept if not imp.public_name(f)]
    return kept


class NamesUnavailable(Exception):
    """No name finder reads this language: the router keeps the message local (fail closed)."""


def _other_names(a: Analysis, skip: list[tuple[int, int]]) -> list[Finding]:
    """Names in each covered language other than English that the message uses."""
    try:
        from engine.privacy.names_intl import find_names
    except ImportError as exc:
        raise NamesUnavailable(a.language.code or "?") from exc
    out: list[Finding] = []
    for lang in a.other_languages:
        out += [f for f in find_names(a.text, lang) if not any(f.start < e and s < f.end for s, e in skip)
                and not any(f.start < g.end and g.start < f.end for g in out)]
    return no_one(a, out)


@dataclass(frozen=True)
class NameRecognizer:
    """Names need to know which spans the patterns already took (an email's local part is no name)."""

    id: str
    find: Callable[[Analysis, list[tuple[int, int]]], list[Finding]]
    english: bool

    def run(self, a: Analysis, skip: list[tuple[int, int]]) -> list[Finding]:
        if self.english and not a.english:
            return []  # spaCy's English NER misreads other languages
        if not self.english and not a.other_languages:
            return []
        return [f.by(self.id) for f in self.find(a, skip)]


NAMES: tuple[NameRecognizer, ...] = (
    NameRecognizer("names.english", _english_names, english=True),
    NameRecognizer("names.other_languages", _other_names, english=False),
)


def run_patterns(a: Analysis, recognizers: tuple[Recognizer, ...] | None = None) -> list[Finding]:
    """All pattern findings; overlaps resolved in favour of the earlier recognizer."""
    from engine.privacy.allowlists import given_as_instance

    found: list[Finding] = []
    shown: list[tuple[int, int]] = []
    for rec in PATTERNS if recognizers is None else recognizers:
        for f in rec.run(a):
            if any(f.start < g.end and g.start < f.end for g in found) and not f.local:
                continue
            if f.kind in EXAMPLE_KINDS and not f.local and not a.cues.correspondence and given_as_instance(a.text, f.start):
                shown.append((f.start, f.end))  # "a regex for emails like maria.lopez@gmail.com"
                continue
            found.append(f)
    a.example_values = shown  # not names either (run_names skips them)
    return sorted(found, key=lambda f: f.start)


# Contact data shown as an instance of its format ("phone numbers like ...") in a question about
# handling such values: a sample, not someone's (engine.privacy.allowlists.given_as_instance).
EXAMPLE_KINDS = frozenset({"EMAIL", "PHONE", "IP", "ADDRESS", "HOST", "URL", "LINK"})


def run_names(a: Analysis, skip: list[tuple[int, int]],
              recognizers: tuple[NameRecognizer, ...] | None = None) -> list[Finding]:
    out: list[Finding] = []
    skip = [*skip, *a.example_values]
    for rec in NAMES if recognizers is None else recognizers:
        out += rec.run(a, skip)
    return out


ALL_IDS: tuple[str, ...] = tuple(r.id for r in PATTERNS) + tuple(r.id for r in NAMES)
