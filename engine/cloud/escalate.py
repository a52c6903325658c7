"""The one path by which user text leaves the machine: audit, send, restore, count.

Everything that talks to an endpoint off this machine — a cloud provider, or a model server the
person has not marked trusted — goes through :class:`CloudExchange`, used by the Assistant (the
app, ``hearth chat``/``ask``) and by ``hearth cloud test`` alike. It

* refuses a decision the router kept local;
* sends only the router's outbound text and the cloud's own thread (never a turn answered here);
* appends the exact payload to the audit log *before* the request (a failed write sends nothing),
  with the endpoint's trust zone;
* restores placeholders in the streamed answer (never inside link targets), keeping the reply as
  the provider wrote it for the cloud's thread;
* records token usage.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator

from engine.errors import PrivacyBlocked
from engine.prompting import alternate_roles

log = logging.getLogger(__name__)


def outbound_messages(decision: Any, *, system: str | None = None, send_history: bool = True) -> list[dict]:
    """The exact messages that would be sent for ``decision`` (what the preview shows)."""
    if decision.route == "local" or decision.outbound is None:
        raise PrivacyBlocked("This message stays on this computer: " + "; ".join(decision.reasons) + ".",
                             "It will be answered by the local model.")
    msgs: list[dict] = []
    if send_history:
        msgs += [{"role": m["role"], "content": m["content"]} for m in decision.outbound_history]
    msgs.append({"role": "user", "content": decision.outbound})
    msgs = alternate_roles(msgs)
    return ([{"role": "system", "content": system}] if system else []) + msgs


class CloudExchange:
    """One request to an endpoint off this machine (see module doc). Iterate :meth:`stream`."""

    def __init__(self, decision: Any, provider: Any, *, audit: Any = None, usage: Any = None,
                 system: str | None = None, send_history: bool = True, zone: str = "cloud") -> None:
        self.decision = decision
        self.provider = provider
        self.audit = audit
        self.usage = usage
        self.zone = zone
        self.messages = outbound_messages(decision, system=system, send_history=send_history)
        self.raw: list[str] = []   # the reply as the provider wrote it (placeholders in place)

    @property
    def raw_text(self) -> str:
        return "".join(self.raw)

    def _audit(self) -> Any:
        if self.audit is None:
            return None
        d = self.decision
        history = [m for m in self.messages[:-1] if m["role"] != "system"]
        # The last message exactly as it goes out (an unanswered earlier question is merged into it).
        return self.audit.append(provider=self.provider.name, model=self.provider.model, text=self.messages[-1]["content"],
                                 history=history, redactions=list(d.redactions), reasons=list(d.reasons),
                                 route=d.route, zone=self.zone, rules=list(getattr(d, "rules", []) or []))

    def stream(self) -> Iterator[str]:
        """Yield the answer with placeholders restored. Raises CloudError subclasses."""
        entry = self._audit()  # before anything is sent: a failed audit write raises here
        restorer = self.decision.restorer()
        delivered = False
        try:
            for piece in self.provider.stream(self.messages):
                delivered = True
                self.raw.append(piece)
                text = restorer.feed(piece)
                if text:
                    yield text
            tail = restorer.flush()
            if tail:
                yield tail
        finally:
            self._record_outcome(entry, delivered)
            self._record_usage()

    def _record_outcome(self, entry: Any, delivered: bool) -> None:
        record = getattr(self.audit, "record_outcome", None)
        if entry is None or record is None:
            return
        try:
            record(entry, delivered)
        except Exception:  # the request already happened; a failed note must not hide the answer
            log.warning("could not record the outcome of an audited request", exc_info=True)

    def _record_usage(self) -> None:
        if self.usage is None:
            return
        try:
            u = getattr(self.provider, "last_usage", None)
            if u and (u[0] or u[1]):
                self.usage.record(provider=self.provider.name, model=self.provider.model, kind="cloud",
                                  input_tokens=int(u[0]), output_tokens=int(u[1]))
        except Exception:
            log.debug("usage not recorded", exc_info=True)


def stream_cloud_answer(decision: Any, provider: Any, *, audit: Any = None, usage: Any = None,
                        system: str | None = None, send_history: bool = True) -> Iterator[str]:
    """Shorthand for ``CloudExchange(...).stream()``."""
    return CloudExchange(decision, provider, audit=audit, usage=usage, system=system,
                         send_history=send_history).stream()
