"""The privacy router: LOCAL, REDACTED or CLOUD for one message, with reasons people can read.

Layers run in order and each can only make the decision *more* private:

1. private context — a tainted conversation, retrieved local documents ⇒ LOCAL
2. language coverage — text the detectors cannot read ⇒ LOCAL
3. validated detectors — secrets and ID numbers ⇒ LOCAL; emails, phones, cards, IBANs, IPs,
   links, postal addresses, dates of birth, vehicle registrations ⇒ redacted
4. user-defined sensitive terms ⇒ LOCAL
5. pasted text that matches the local index (``private_text_check``) ⇒ LOCAL
6. earlier turns: a history that would not itself go out unchanged taints the message ⇒ LOCAL
7. first-person disclosures of special categories ⇒ LOCAL
8. personal texts redaction cannot be trusted with (long, or names typed in lower case) ⇒ LOCAL
9. named entities of private persons, organisations and places ⇒ redacted
10. optional judge (the local model) ⇒ LOCAL if it objects

Any exception, or running past the time budget, ⇒ LOCAL with the reason (fail closed).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Literal, Protocol, Sequence

from engine.privacy import detectors as det
from engine.privacy.caution import long_personal, risky_redaction
from engine.privacy.disclosure import find_disclosures
from engine.privacy.language import uncovered_language
from engine.privacy.redact import Mapping, Restorer, redact

log = logging.getLogger(__name__)

Route = Literal["local", "redacted", "cloud"]


class Judge(Protocol):
    """Optional last layer: e.g. the loaded local model asked "is this private?"."""

    def __call__(self, text: str) -> str | None:
        """Return a reason to keep ``text`` local, or None when it may leave."""


@dataclass
class RouteDecision:
    route: Route
    reasons: list[str]
    outbound: str | None                     # exact text that would be sent (None if local)
    redactions: list[str] = field(default_factory=list)   # placeholder types, e.g. ["EMAIL"]
    outbound_history: list[dict] = field(default_factory=list)  # earlier turns that may be sent
    elapsed_ms: float = 0.0
    _mapping: dict[str, str] = field(default_factory=dict, repr=False)

    def restorer(self) -> Restorer:
        """A fresh streaming restorer for the answer to this message."""
        return Restorer(self._mapping)

    @property
    def allowed(self) -> bool:
        return self.route != "local"


def _local(reasons: Sequence[str], t0: float) -> RouteDecision:
    return RouteDecision("local", list(dict.fromkeys(reasons)), None, elapsed_ms=(time.perf_counter() - t0) * 1e3)


def _term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.I)


class PrivacyRouter:
    def __init__(self, privacy_settings=None, private_text_check: Callable[[str], bool] | None = None,
                 judge: Judge | None = None, budget_s: float = 5.0) -> None:
        from engine.config import PrivacySettings

        self.settings = privacy_settings or PrivacySettings()
        self.private_text_check = private_text_check
        self.judge = judge
        self.budget_s = budget_s

    _warmed: set[bool] = set()  # per process: loaded without / with the NER model

    def warm_up(self) -> None:
        """Load models and word lists now (call from a worker at start-up, not the UI thread).

        Runs every layer once on a sample so that no lazy load (NER model, phone metadata, word
        frequencies, stop-word lists) lands inside a message's time budget. The judge is not run.
        """
        use_ner = bool(self.settings.use_ner)
        if use_ner in PrivacyRouter._warmed:
            return
        sample = ("Dear Anna Kowalsky, call +1 202 555 0147 or mail anna@fastmail.fm about Acme Corp in Paris, "
                  "card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, 8.8.8.8. Wadzpay hospical.")
        uncovered_language(sample)
        det.run_detectors(sample)
        find_disclosures(sample)
        if use_ner:
            from engine.privacy.ner import find_entities

            find_entities(sample)
        PrivacyRouter._warmed.add(use_ner)

    def route(self, text: str, *, history: Sequence[dict] = (), retrieved_private: bool = False,
              tainted: bool = False, user_terms: Sequence[str] = ()) -> RouteDecision:
        t0 = time.perf_counter()
        try:
            self.warm_up()  # the one-time model load is not part of the per-message budget
            t0 = time.perf_counter()
            decision = self._route(text, history, retrieved_private, tainted, user_terms, t0)
        except Exception as exc:  # fail closed: a broken check never lets text out
            log.exception("privacy router failed; keeping the message local")
            return _local([f"the privacy check failed ({type(exc).__name__}), so it stays on this computer"], t0)
        decision.elapsed_ms = (time.perf_counter() - t0) * 1e3
        return decision

    # -- the layers ------------------------------------------------------------------------
    def _over_budget(self, t0: float) -> bool:
        return time.perf_counter() - t0 > self.budget_s

    def _route(self, text: str, history: Sequence[dict], retrieved_private: bool, tainted: bool,
               user_terms: Sequence[str], t0: float) -> RouteDecision:
        if not isinstance(text, str) or not text.strip():
            return _local(["the message is empty"], t0)
        if tainted:
            return _local(["this conversation already contains sensitive information"], t0)
        if retrieved_private:
            return _local(["the answer uses your local documents"], t0)

        reasons: list[str] = []
        for part in [text, *(m.get("content", "") for m in history)]:
            lang = uncovered_language(part or "")
            if lang:
                reasons.append(("the message " if part is text else "an earlier message ") + lang)
                break
        findings = det.run_detectors(text)
        reasons += [f"the message {f.reason}" for f in findings if f.local]
        terms = [t for t in [*self.settings.sensitive_terms, *user_terms] if t and t.strip()]
        if any(_term_pattern(t).search(text) for t in terms):
            reasons.append("the message mentions a term you marked sensitive")
        if reasons:
            return _local(reasons, t0)

        if self.private_text_check is not None and self.private_text_check(text):
            return _local(["the message contains text from your local documents"], t0)
        for turn in history:
            content = turn.get("content", "") or ""
            if not content.strip():
                continue
            earlier = self._route(content, (), False, False, user_terms, t0)
            if earlier.route != "cloud":
                return _local(["an earlier message in this conversation contains sensitive information"], t0)
        disclosed = find_disclosures(text)
        if disclosed:
            return _local([f"the message shares personal information about {c}" for c in disclosed], t0)
        if self._over_budget(t0):
            return _local(["the privacy check took too long, so it stays on this computer"], t0)

        from engine.privacy.ner import personal_context

        # A personal message that redaction cannot be trusted with stays local (caution.py).
        # The length test runs before the NER: long texts are also where the NER is slowest.
        personal = personal_context(text)
        too_long = long_personal(text, personal)
        if too_long:
            return _local([too_long], t0)
        redactable = [f for f in findings if not f.local]
        if self.settings.use_ner:
            from engine.privacy.ner import find_entities

            scan = find_entities(text, skip=[(f.start, f.end) for f in redactable])
            redactable += scan.findings
            risky = risky_redaction(personal, scan.unsure)
            if risky:
                return _local([risky], t0)
        if self._over_budget(t0):
            return _local(["the privacy check took too long, so it stays on this computer"], t0)
        if self.settings.judge and self.judge is not None:
            # The judge has its own timeout (a generation); it may only keep the message local.
            objection = self.judge(text)
            if objection:
                return _local([f"the local model judged it private: {objection}"], t0)

        history_out = [{"role": m.get("role", "user"), "content": m.get("content", "")} for m in history]
        if not redactable:
            return RouteDecision("cloud", ["no personal or sensitive information found"], text,
                                 outbound_history=history_out)
        kinds = list(dict.fromkeys(f.kind for f in redactable))
        why = list(dict.fromkeys(f"the message {f.reason} (replaced by a placeholder)" for f in redactable))
        outbound, mapping = redact(text, _every_occurrence(text, redactable), Mapping())
        return RouteDecision("redacted", why, outbound, kinds, history_out, _mapping=dict(mapping.to_original))


def _every_occurrence(text: str, findings: list[det.Finding]) -> list[det.Finding]:
    """A name found once is redacted everywhere, and so are the parts of a person's full name."""
    surfaces: dict[str, str] = {}
    for f in findings:
        surfaces.setdefault(f.text, f.kind)
        if f.kind == "PERSON":
            for part in re.findall(r"[A-Z][\w'’-]{2,}", f.text):
                surfaces.setdefault(part, "PERSON")
    taken = [(f.start, f.end) for f in findings]
    extra: list[det.Finding] = []
    for surface, kind in sorted(surfaces.items(), key=lambda kv: -len(kv[0])):
        # Guessed names ("NAME") repeat only with the same capitalisation: "Achievement" the
        # heading is not "achievement" the word.
        rx = _term_pattern(surface) if kind != "NAME" else re.compile(r"(?<!\w)" + re.escape(surface) + r"(?!\w)")
        for m in rx.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            extra.append(det.Finding(kind, m.start(), m.end(), m.group(0), False, "repeats a redacted name"))
    return sorted([*findings, *extra], key=lambda f: f.start)
