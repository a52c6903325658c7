"""Everything the recognizers and the policy read about one message, computed once.

An :class:`Analysis` holds the normalised text (:mod:`engine.privacy.normalize`), the language,
and — lazily, the first time a recognizer asks — the spaCy document, the learned layer's scores
and the frame signals. Recognizers take an ``Analysis`` instead of raw text so that no layer
parses the message a second time.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from engine.privacy.normalize import Normalised, normalise

if TYPE_CHECKING:
    from engine.privacy.learned import Scores

@dataclass(frozen=True)
class Language:
    code: str | None        # the main language: en, de, fr, es, it, pt, nl — or None when not identified
    covered: bool           # True when Hearth's checks read every part of the message
    reason: str | None = None   # person-readable, when not covered
    languages: tuple[str, ...] = ()   # every covered language seen, main one first


def detect_language(text: str) -> Language:
    from engine.privacy.language import detect

    g = detect(text)
    return Language(g.code, g.covered, g.reason, tuple(g.languages) or ((g.code,) if g.code else ()))


# The writer speaking about themselves, their people or their organisation (English).
_FIRST_PERSON = re.compile(r"\b(i|i'm|im|i've|i'd|i'll|me|my|mine|myself|we|we're|we've|our|ours|(?-i:us))\b", re.I)
# "How do I ...", "Can I ...", "tell me": a generic how-to framing, not the writer talking about themselves.
_GENERIC_I = re.compile(r"\b(?:how|what|where|when|why|which)\s+(?:do|can|should|would|could|might)\s+(?:i|we)\b|"
                        r"^\s*(?:can|could|should|do|may|shall)\s+(?:i|we)\b|"
                        r"\b(?:tell|give|show|teach|help|explain to|remind|let)\s+(?:me|us)\b|"
                        r"\bi\s+(?:want|need|would like|'d like)\s+(?:to\s+)?(?:know|learn|understand|see|an?\s+example)\b|"
                        r"\bfor me\b|\bcan you\b", re.I | re.M)


@dataclass(frozen=True)
class Frame:
    """Signals that say whether the message is about the writer's own life (personal) or not."""

    first_person: bool      # the writer speaks of themselves/their own (not "how do I ...")
    correspondence: bool    # a letter, email, CV, or the writer's own text pasted to be edited
    learned_personal: float | None   # the learned layer's probability of a personal frame

    def personal(self, threshold: float) -> bool:
        return self.first_person or self.correspondence or \
            (self.learned_personal is not None and self.learned_personal >= threshold)

    def surely_impersonal(self, threshold: float) -> bool:
        """No personal signal at all, and the learned layer is confident (see policy.Thresholds)."""
        return not self.first_person and not self.correspondence and \
            self.learned_personal is not None and self.learned_personal < threshold


class Analysis:
    """One message, analysed lazily (see module doc)."""

    def __init__(self, original: str, *, learned: Any = None) -> None:
        pre = _prepared_for(original)
        self.norm: Normalised = pre.norm if pre is not None else normalise(original)
        self.original = original
        self.text = self.norm.text
        self._learned_layer = learned
        self._pre = pre             # the draft's text-only parts, when it was prepared (see prepare_text)
        if pre is not None:
            self.__dict__["language"] = pre.language   # the cached_property's slot
        self.unsure_names: tuple[str, ...] = ()  # names typed in lower case (engine.privacy.caution)
        # sample values shown as instances of their format (engine.privacy.recognizers.run_patterns)
        self.example_values: list[tuple[int, int]] = []
        self._pending: Any = None   # the learned layer's ScoringJob, once started

    @cached_property
    def language(self) -> Language:
        return detect_language(self.text)

    @property
    def english(self) -> bool:
        """The main language is English (or nothing could be read: English rules are the fallback)."""
        return self.language.code in (None, "en")

    @property
    def other_languages(self) -> tuple[str, ...]:
        """Covered languages other than English seen in the message (a German passage in an English
        request counts: its names need the German finder)."""
        return tuple(c for c in self.language.languages if c != "en")

    @cached_property
    def doc(self):
        """The spaCy English document (tokens, tags, entities)."""
        from engine.privacy.ner import parse

        if self._pre is not None and self._pre.doc is not None:
            try:  # the draft's parse: waited for if it is still running (it is this very work)
                return self._pre.doc.result()
            except Exception:  # noqa: BLE001 - parse it here, as if nothing had been prepared
                pass
        return parse(self.text)

    def start_scores(self, job: Any = None) -> None:
        """Start the learned layer's scoring on a worker thread, so that the embedding (C code that
        releases the GIL) runs on one core while the NER runs on the other; reading
        :attr:`scores` then embeds what is left on this thread too (LearnedLayer.start). ``job``
        is a scoring job of this very text already queued on the worker (a prepared draft's): it
        is adopted instead of starting another."""
        if self._learned_layer is not None and self._pending is None and "scores" not in self.__dict__:
            if job is not None:
                self._pending = job
                return
            self._pending = self._learned_layer.start(self.text)
            _scoring_pool().submit(self._pending.run)

    def abandon_scores(self) -> None:
        """The decision was made without the scores: stop their work so the next message does not
        wait behind it."""
        if self._pending is not None and "scores" not in self.__dict__:
            self._pending.cancel()

    @property
    def queued_ms(self) -> float | None:
        """How long the scoring waited before a thread took it up (None if not started)."""
        return self._pending.queued_ms if self._pending is not None else None

    @cached_property
    def scores(self) -> "Scores | None":
        """The learned layer's scores, or None when no layer is configured."""
        if self._learned_layer is None:
            return None
        if self._pending is not None:
            return self._pending.result()
        return self._learned_layer.score(self.text)

    @cached_property
    def cues(self) -> Frame:
        """The frame's word cues alone (no learned score): cheap."""
        from engine.privacy.ner import correspondence

        from engine.privacy.quasi import situated

        from engine.privacy.impersonal import without_impersonal_first_person as no_one_i

        first = bool(_FIRST_PERSON.search(no_one_i(_GENERIC_I.sub(" ", self.text)))) if self.english else \
            _first_person_other(self.text, self.language.code)
        # "the power cuts here", "a 6-year-old girl in Ohio": the text places a real person somewhere
        first = first or (self.english and situated(self.text))
        # English letter words only in English text: "Resume a história ..." is Portuguese for "summarise".
        english = self.english or "en" in self.language.languages
        return Frame(first, (english and correspondence(self.text)) or _correspondence_other(self.text), None)

    @cached_property
    def frame(self) -> Frame:
        learned = self.scores.personal if self.scores is not None else None
        return Frame(self.cues.first_person, self.cues.correspondence, learned)


@dataclass(frozen=True)
class _Prepared:
    """The parts of an :class:`Analysis` that are pure functions of the text as typed: the
    normalised text, its language and (for English with the NER on) the spaCy document, which
    the recognizers only read. A send of exactly the prepared text starts from them."""

    norm: Normalised
    language: Language
    doc: "Future[Any] | None"     # the spaCy parse; running, done, or None when not asked for


# A few recent drafts, keyed by the exact text as typed (a draft is re-prepared as it grows).
_PREPARED_SIZE = 4
_prepared: "OrderedDict[str, _Prepared]" = OrderedDict()
_prepared_lock = threading.Lock()


def prepare_text(original: str, *, parse_doc: bool, norm: Normalised | None = None) -> None:
    """Compute the text-only parts of ``original``'s analysis now, on the calling thread (a
    worker: the spaCy parse takes tens to hundreds of milliseconds), for a later
    :class:`Analysis` of exactly this text. Nothing that depends on settings, the conversation or
    other layers is kept, so the later routing decides exactly as without it."""
    with _prepared_lock:
        known = _prepared.get(original)
        if known is not None and (known.doc is not None or not parse_doc
                                  or known.language.code not in (None, "en")):
            _prepared.move_to_end(original)
            return
    norm = norm or normalise(original)   # the caller's, when it already normalised the draft
    language = detect_language(norm.text)
    english = language.code in (None, "en")
    doc: Future[Any] | None = Future() if parse_doc and english else None
    with _prepared_lock:
        _prepared[original] = _Prepared(norm, language, doc)
        _prepared.move_to_end(original)
        while len(_prepared) > _PREPARED_SIZE:
            _prepared.popitem(last=False)
    if doc is not None:
        from engine.privacy.ner import parse

        try:
            doc.set_result(parse(norm.text))
        except BaseException as exc:  # noqa: BLE001 - the routing parses again (Analysis.doc)
            doc.set_exception(exc)


def _prepared_for(original: str) -> _Prepared | None:
    with _prepared_lock:
        return _prepared.get(original)


def forget_prepared() -> None:
    """Drop every prepared draft (benchmarks measuring cold routing; tests)."""
    with _prepared_lock:
        _prepared.clear()


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _scoring_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hearth-learned")
        return _pool


# First-person words and letter openings in the other covered languages (whole words).
_FIRST_PERSON_OTHER = {
    "de": r"ich|mich|mir|mein|meine|meinen|meinem|meiner|wir|uns|unser|unsere|unseren",
    "fr": r"je|j'|me|m'|moi|mon|ma|mes|nous|notre|nos",
    "es": r"yo|me|mi|mis|mí|conmigo|nosotros|nosotras|nuestro|nuestra|nuestros|nuestras",
    "it": r"io|mi|mio|mia|miei|mie|me|noi|nostro|nostra|nostri|nostre|ci",
    "pt": r"eu|me|mim|meu|minha|meus|minhas|nós|nosso|nossa|nossos|nossas",
    "nl": r"ik|mij|me|mijn|wij|we|ons|onze",
}
_FIRST_PERSON_RX = {k: re.compile(r"(?<!\w)(?:" + v + r")(?!\w)", re.I) for k, v in _FIRST_PERSON_OTHER.items()}
_LETTER = re.compile(r"^\s*(?:sehr geehrte|liebe|lieber|hallo|cher|chère|bonjour|madame|monsieur|estimad[oa]|hola|"
                     r"querid[oa]|gentile|egregi[oa]|car[oa]|ciao|prezad[oa]|olá|beste|geachte|hoi)\b|"
                     r"\b(?:mit freundlichen grüßen|viele grüße|cordialement|bien à vous|saludos|un saludo|"
                     r"cordiali saluti|distinti saluti|atenciosamente|cumprimentos|met vriendelijke groet)\b",
                     re.I | re.M)


def _first_person_other(text: str, code: str | None) -> bool:
    from engine.privacy.impersonal import without_impersonal_first_person

    rx = _FIRST_PERSON_RX.get(code or "")
    return bool(rx and rx.search(without_impersonal_first_person(text, code)))


def _correspondence_other(text: str) -> bool:
    return bool(_LETTER.search(text))
