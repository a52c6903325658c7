"""The privacy router: LOCAL, REDACTED or CLOUD for one message, with the rules that decided.

    text ─► normalise (engine.privacy.normalize) ─► Analysis (language, spaCy doc, learned scores,
    frame signals — each computed once, when first needed) ─► recognizers with ids
    (engine.privacy.recognizers: spans; engine.privacy.signals: message-level facts)
    ─► Policy (engine.privacy.policy) ─► decision + rule ids + reasons in words

Layers run cheapest first and routing stops at the first local-only rule, so a message with a
password never waits for the NER. Each layer can only make the decision more private. Any
exception, or running past the time budget, ⇒ LOCAL with the reason (fail closed).

Redaction replaces spans in the text *as typed*: spans found in the normalised text are mapped
back, so a zero-width character or a full-width digit inside a span goes with it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

from engine.privacy import policy
from engine.privacy import signals as sig
from engine.privacy.analysis import Analysis
from engine.privacy.conversation import Conversation, replay
from engine.privacy.finding import Finding
from engine.privacy.redact import Mapping, Restorer

log = logging.getLogger(__name__)

Route = policy.Route


class Judge(Protocol):
    """Optional last layer: e.g. the loaded local model asked "is this private?"."""

    def __call__(self, text: str) -> str | None:
        """Return a reason to keep ``text`` local, or None when it may leave."""


@dataclass
class RouteDecision:
    route: Route
    reasons: list[str]                       # in words, each completing "because ..."
    outbound: str | None                     # exact text that would be sent (None if local)
    redactions: list[str] = field(default_factory=list)   # placeholder types, e.g. ["EMAIL"]
    outbound_history: list[dict] = field(default_factory=list)  # the cloud's own thread, as it saw it
    elapsed_ms: float = 0.0
    rules: list[str] = field(default_factory=list)        # ids of the rules that decided
    frame: str = ""                                       # personal | impersonal | mixed
    mapping: Mapping = field(default_factory=Mapping, repr=False)  # every placeholder of the chat so far
    # milliseconds per phase of this routing (bench/privacy.py breaks latency down by them);
    # "learned_embed" and "learned_queue" ran on the scoring worker, beside the rest
    phases: dict[str, float] = field(default_factory=dict, repr=False)

    def restorer(self) -> Restorer:
        """A fresh streaming restorer for the answer to this message."""
        return Restorer(self.mapping.to_original)

    @property
    def allowed(self) -> bool:
        return self.route != "local"


class _Clock:
    """Time spent per phase of one routing: ``lap(name)`` charges the time since the last lap."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._last = time.perf_counter()

    def restart(self) -> None:
        self.phases.clear()
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + (now - self._last) * 1e3
        self._last = now


def _local(rules: Sequence[str], reasons: Sequence[str], t0: float) -> RouteDecision:
    return RouteDecision("local", list(dict.fromkeys(reasons)), None, rules=list(dict.fromkeys(rules)),
                         elapsed_ms=(time.perf_counter() - t0) * 1e3)


_LEARNED_DEFAULT = object()
_draft_job: Any = None   # the learned layer's job for the latest composer draft (PrivacyRouter.prepare)
_draft_lock = threading.Lock()


def _take_draft(text: str) -> Any:
    """The prepared draft's scoring job if it is for exactly ``text`` (the send adopts it: it may
    be half done); any other draft's job is cancelled. Either way no draft job is left."""
    global _draft_job
    with _draft_lock:
        job, _draft_job = _draft_job, None
    if job is None:
        return None
    from engine.privacy.learned.embedder import clean

    if not job.cancelled and job.text == clean(text):
        return job
    job.cancel()
    return None


class PrivacyRouter:
    def __init__(self, privacy_settings: Any = None, private_text_check: Callable[[str], bool] | None = None,
                 judge: Judge | None = None, budget_s: float = 5.0, *, learned: Any = _LEARNED_DEFAULT,
                 thresholds: policy.Thresholds = policy.THRESHOLDS) -> None:
        from engine.config import PrivacySettings

        self.settings = privacy_settings or PrivacySettings()
        self.private_text_check = private_text_check
        self.judge = judge
        self.budget_s = budget_s
        self.thresholds = thresholds
        self._learned = learned   # the learned layer, None for none, or the default (loaded lazily)

    def _learned_layer(self) -> Any:
        """The learned layer; raises when it should be there and cannot load (the router fails closed)."""
        if self._learned is _LEARNED_DEFAULT:
            if not getattr(self.settings, "learned", True):
                self._learned = None  # switched off in settings (or for an ablation)
            else:
                from engine.privacy.learned import LearnedLayer

                self._learned = LearnedLayer.shared()
        return self._learned

    _warmed: set[bool] = set()  # per process: loaded without / with the NER model

    def warm_up(self) -> None:
        """Load models and word lists now (call from a worker at start-up, not the UI thread).

        Runs every layer once on a sample so that no lazy load (NER model, embedding engine,
        phone metadata, word frequencies) lands inside a message's time budget. No judge."""
        use_ner = bool(self.settings.use_ner)
        layer = self._learned_layer()
        if layer is not None:
            layer.warm_up()
        if use_ner in PrivacyRouter._warmed:
            return
        sample = ("Dear Anna Kowalsky, call +1 202 555 0147 or mail anna@fastmail.fm about Acme Corp in Paris, "
                  "card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, 8.8.8.8. Zorvia recieve.")
        a = Analysis(sample, learned=None)
        a.language  # noqa: B018 - loads the word lists
        from engine.privacy.language import COVERED
        from engine.privacy.recognizers import run_names, run_patterns

        run_patterns(a)
        sig.special_lexicon(a)
        if use_ner:
            run_names(a, [])
            from engine.privacy.names_intl import find_names

            for lang in COVERED[1:]:  # name lists and word frequencies of every covered language
                find_names("Hallo Anna, bonjour Marie.", lang)
            # wordfreq's full frequency list of every covered language (gazetteer.zipf; the
            # language module reads smaller tables): the English NER asks them about any lower-case
            # word it tags as a proper noun (caution.lowercase_names), and loading all six there
            # took 5-7 s, past the time budget, so such a message stayed local as "too slow".
            from engine.privacy.gazetteer import zipf

            for lang in COVERED:
                zipf("hearth", lang)
        PrivacyRouter._warmed.add(use_ner)

    def prepare(self, draft: str) -> None:
        """Start on a composer draft while the person is still typing (call it, debounced, from a
        worker thread, never the UI's). The learned layer's window vectors are embedded on the
        scoring worker (this returns before that is done) and kept in its cache; the draft's
        normalised text, language and — with the NER on — spaCy document are computed here, on
        the calling thread, and kept for a send of exactly this text (engine.privacy.analysis.
        prepare_text). All of them are pure functions of the text, so a later :meth:`route` of the
        same words decides exactly as without it, only sooner; nothing else is kept (settings,
        terms, the conversation and the user's documents may change before sending). A newer
        draft cancels the embedding left on an older one. Never raises."""
        global _draft_job
        try:
            if not isinstance(draft, str) or not draft.strip():
                return
            from engine.privacy.analysis import _scoring_pool, prepare_text
            from engine.privacy.normalize import normalise

            norm = normalise(draft)
            layer = self._learned_layer()
            if layer is not None:
                job = layer.start(norm.text)
                with _draft_lock:
                    if _draft_job is not None:
                        _draft_job.cancel()
                    _draft_job = job
                _scoring_pool().submit(job.run)
            prepare_text(draft, parse_doc=bool(self.settings.use_ner), norm=norm)
        except Exception:  # a draft is only a head start: the send path checks everything
            log.debug("privacy draft preparation failed", exc_info=True)

    def route(self, text: str, *, history: Sequence[dict] = (), retrieved_private: bool = False,
              tainted: bool = False, user_terms: Sequence[str] = (),
              conversation: Conversation | None = None) -> RouteDecision:
        """Route ``text``. ``conversation`` is the chat's state (see engine.privacy.conversation);
        callers without it may pass a plain ``history`` to be replayed turn by turn, or
        ``tainted=True`` (an older chat of unknown state: everything stays local)."""
        t0 = time.perf_counter()
        clock = _Clock()
        try:
            self.warm_up()  # the one-time model load is not part of the per-message budget
            if conversation is None and history:
                conversation = replay(self, history, user_terms=user_terms)
            t0 = time.perf_counter()
            clock.restart()
            decision = self._route(text, conversation or Conversation(), retrieved_private,
                                   tainted and conversation is None, user_terms, t0, clock)
        except Exception as exc:  # fail closed: a broken check never lets text out
            log.exception("privacy router failed; keeping the message local")
            return _local(["router.error"], [f"the privacy check failed ({type(exc).__name__}), so it stays on "
                                             "this computer"], t0)
        decision.elapsed_ms = (time.perf_counter() - t0) * 1e3
        clock.lap("policy")
        decision.phases = clock.phases
        return decision

    # -- the layers, cheapest first --------------------------------------------------------------
    def _over_budget(self, t0: float) -> bool:
        return time.perf_counter() - t0 > self.budget_s

    def _route(self, text: str, conv: Conversation, retrieved_private: bool, tainted: bool,
               user_terms: Sequence[str], t0: float, clock: _Clock | None = None) -> RouteDecision:
        clock = clock or _Clock()
        if not isinstance(text, str) or not text.strip():
            return _local(["context.empty"], ["the message is empty"], t0)
        if tainted:
            return _local(["context.tainted"], ["this conversation already contains sensitive information"], t0)
        if retrieved_private:
            return _local(["context.retrieved_private"], ["the answer uses your local documents"], t0)

        layer = self._learned_layer()
        a = Analysis(text, learned=layer)
        clock.lap("normalise")
        try:
            return self._decide(a, layer, conv, user_terms, t0, clock)
        finally:
            a.abandon_scores()  # a decision made without the scores: stop their work (see ScoringJob)

    def _decide(self, a: Analysis, layer: Any, conv: Conversation, user_terms: Sequence[str], t0: float,
                clock: _Clock) -> RouteDecision:
        from engine.privacy.recognizers import NamesUnavailable, run_names, run_patterns
        from engine.privacy.plain_words import plain_word_signals
        from engine.privacy.records import money_detail, pasted_record

        th = self.thresholds
        lap = clock.lap
        text = a.original
        signals: list[sig.Signal] = []
        a.language  # noqa: B018 - timed on its own
        lap("language")
        if not a.language.covered:
            signals.append(sig.Signal("language.uncovered", f"it {a.language.reason or 'is in a language Hearth cannot check'}"))
        patterns = run_patterns(a)
        terms = [*self.settings.sensitive_terms, *user_terms]
        signals += sig.user_terms(a, terms)
        lap("patterns")
        if (v := policy.local_verdict(signals, patterns)) is not None:
            return _local(v.rules, v.reasons, t0)

        # Two cheap checks first: a message they keep local never starts the embedding (a long
        # pasted text would keep the worker busy for seconds, and the next message behind it).
        long_text = policy.long_personal(a, th)
        marked = sig.confidential_marker(a)
        if not (long_text or marked):
            # The embedding runs beside the checks below (see Analysis.start_scores): the draft's
            # job when it was for these very words, else a new one (what an older draft's job
            # finished is in the layer's cache).
            a.start_scores(_take_draft(a.text) if layer is not None else None)
        signals += long_text
        signals += sig.private_text(a, self.private_text_check)
        signals += sig.follows_private_turn(a, conv.private_turns, layer.embed if layer else None, th.follow_up,
                                            conv.last_turn_private, conv.thread)
        signals += marked
        lap("context")
        if (v := policy.local_verdict(signals, patterns)) is not None:
            return _local(v.rules, v.reasons, t0)
        names: list[Finding] = []
        if self.settings.use_ner:  # on this core while the embedding runs on the other
            try:
                if a.english:
                    a.doc  # noqa: B018 - the spaCy parse, timed on its own
                    lap("ner")
                names = run_names(a, [(f.start, f.end) for f in patterns])
            except NamesUnavailable as exc:
                return _local(["language.names_unavailable"],
                              [f"Hearth cannot yet find names in this language ({exc})"], t0)
        lap("names")
        lexicon = sig.special_lexicon(a)
        lap("lexicon")
        if a.scores is not None:
            lap("learned_wait")
            clock.phases["learned_embed"] = a.scores.elapsed_ms
            if a.queued_ms is not None:
                clock.phases["learned_queue"] = a.queued_ms
        # The learned layer also gets a say on the word lists' disclosures, which cannot tell
        # figurative speech ("addicted to this podcast") from the real thing.
        signals += sig.second_opinion(a, lexicon, th.lexicon_veto)
        signals += sig.learned(a, th.special, th.business)
        findings = [*patterns, *names]
        signals += pasted_record(a, findings) + money_detail(a, findings)
        signals += plain_word_signals(a)  # engine.privacy.plain_words: company matters, corroborated disclosures
        if (v := policy.local_verdict(signals, patterns)) is not None:
            return _local(v.rules, v.reasons, t0)
        frame = policy.frame_of(a, th)
        if (v := policy.local_verdict(policy.caution(a, frame, th) + policy.personal_topic(a, frame, th), [])) is not None:
            return _local(v.rules, v.reasons, t0)
        if self._over_budget(t0):
            return _local(["router.budget"], ["the privacy check took too long, so it stays on this computer"], t0)
        if self.settings.judge and self.judge is not None:
            # The judge has its own timeout (a generation); it may only keep the message local.
            objection = self.judge(text)
            if objection:
                return _local(["judge.local_model"], [f"the local model judged it private: {objection}"], t0)

        verdict = policy.redaction_verdict(a, patterns, names, frame, _already_redacted(a.text, conv.mapping))
        mapping = conv.mapping.copy()
        thread = [dict(m) for m in conv.thread]
        if verdict.route == "cloud":
            return RouteDecision("cloud", verdict.reasons, text, outbound_history=thread, rules=verdict.rules,
                                 frame=frame, mapping=mapping)
        spans = _every_occurrence(a.text, verdict.redact)
        outbound = _redact_original(a, spans, mapping)
        kinds = list(dict.fromkeys(f.kind for f in verdict.redact))
        return RouteDecision("redacted", verdict.reasons, outbound, kinds, thread, rules=verdict.rules, frame=frame,
                             mapping=mapping)


def _redact_original(a: Analysis, findings: list[Finding], mapping: Mapping) -> str:
    """Replace each finding (found in the normalised text) in the text as typed; overlaps merge."""
    parts: list[str] = []
    pos = 0
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        s, e = a.norm.to_original(f.start, f.end)
        if s < pos:
            continue
        parts.append(a.original[pos:s])
        parts.append(mapping.placeholder_for(f.kind, f.text))
        pos = e
    parts.append(a.original[pos:])
    return "".join(parts)


def _already_redacted(text: str, mapping: Mapping) -> list[Finding]:
    """Values this conversation already sent as placeholders, where they appear again."""
    out: list[Finding] = []
    for ph, original in mapping.to_original.items():
        kind = ph.strip("[]").rsplit("_", 1)[0]
        if original.strip():
            out += [Finding(kind, m.start(), m.end(), m.group(0), False, "repeats a value redacted earlier",
                            recognizer="context.redacted_before") for m in _term_pattern(original).finditer(text)]
    return out


def _term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.I)


def _every_occurrence(text: str, findings: list[Finding]) -> list[Finding]:
    """A name found once is redacted everywhere, and so are the parts of a person's full name."""
    surfaces: dict[str, str] = {}
    for f in findings:
        surfaces.setdefault(f.text, f.kind)
        if f.kind == "PERSON":
            for part in re.findall(r"[A-Z][\w'’-]{2,}", f.text):
                surfaces.setdefault(part, "PERSON")
    taken = [(f.start, f.end) for f in findings]
    extra: list[Finding] = []
    for surface, kind in sorted(surfaces.items(), key=lambda kv: -len(kv[0])):
        # Guessed names ("NAME") repeat only with the same capitalisation: "Achievement" the
        # heading is not "achievement" the word.
        rx = _term_pattern(surface) if kind != "NAME" else re.compile(r"(?<!\w)" + re.escape(surface) + r"(?!\w)")
        for m in rx.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            extra.append(Finding(kind, m.start(), m.end(), m.group(0), False, "repeats a redacted name",
                                 recognizer="redact.repeat"))
    return sorted([*findings, *extra], key=lambda f: f.start)
