"""Audit operations of the core: what left this computer, read from the audit log.

Front ends show :class:`~engine.core.types.AuditDetails` and look an answer's send up with
:meth:`AuditOps.find_sent` instead of reading the log's lines themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from engine.core.types import AuditDetails, AuditEntry

if TYPE_CHECKING:
    from engine.cloud.audit import AuditLog, VerifyResult


def _entry(raw: dict[str, Any]) -> AuditEntry:
    if "corrupt" in raw:
        return AuditEntry(0, "", "", "", "", "", "", corrupt=str(raw["corrupt"]))
    outcome = raw.get("outcome")
    delivered = bool(outcome.get("delivered")) if isinstance(outcome, dict) else None
    return AuditEntry(
        seq=int(raw.get("seq", 0) or 0), time=str(raw.get("time", "")), provider=str(raw.get("provider", "")),
        model=str(raw.get("model", "")), route=str(raw.get("route", "cloud")), zone=str(raw.get("zone", "cloud")),
        text=str(raw.get("text", "")), history=list(raw.get("history") or []),
        redactions=[str(r) for r in raw.get("redactions") or []], reasons=[str(r) for r in raw.get("reasons") or []],
        rules=[str(r) for r in raw.get("rules") or []], delivered=delivered,
        outcome_detail=str(outcome.get("detail", "")) if isinstance(outcome, dict) else "")


class AuditOps:
    """``core.audit``: reading and checking the log the one send path writes."""

    def __init__(self, log: Callable[[], AuditLog]) -> None:
        self._log = log  # opened at first use

    def entries(self) -> list[AuditEntry]:
        """Every request in the log, oldest first (unreadable lines as ``corrupt`` entries)."""
        return [_entry(e) for e in self._log().entries()]

    def verify(self) -> VerifyResult:
        return self._log().verify()

    def details(self, limit: int | None = None) -> AuditDetails:
        """The last ``limit`` entries (all when None) and the result of the chain check."""
        entries = self.entries()
        check = self.verify()
        shown = entries if limit is None else (entries[-limit:] if limit > 0 else [])
        return AuditDetails(shown, check.ok, check.entries, check.problem, check.summary())

    def find_sent(self, text: str) -> AuditEntry | None:
        """The newest entry whose sent text is ``text`` (or ends it: an unanswered earlier
        question may have been merged in front of it when it was sent)."""
        if not text:
            return None
        for e in reversed(self.entries()):
            if e.corrupt is None and e.text and (e.text == text or text.endswith(e.text)):
                return e
        return None
