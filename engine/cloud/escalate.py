"""Send one routed message to the cloud: audit first, then stream, restoring placeholders.

This is the single path by which user text leaves the machine. It refuses anything the router
kept local, sends only the router's outbound text (and the earlier turns it allowed), appends
the exact payload to the audit log *before* the request (and its outcome after it), restores
placeholders in the streamed answer, and records token usage.
"""

from __future__ import annotations

from typing import Iterator

from engine.cloud.audit import audited_stream
from engine.errors import PrivacyBlocked


def outbound_messages(decision, *, system: str | None = None, send_history: bool = True) -> list[dict]:
    """The exact messages that would be sent for ``decision`` (what the preview shows)."""
    if decision.route == "local" or decision.outbound is None:
        raise PrivacyBlocked("This message stays on this computer: " + "; ".join(decision.reasons) + ".",
                             "It will be answered by the local model.")
    msgs: list[dict] = []
    if system:
        msgs.append({"role": "system", "content": system})
    if send_history:
        msgs += [{"role": m["role"], "content": m["content"]} for m in decision.outbound_history]
    msgs.append({"role": "user", "content": decision.outbound})
    return msgs


def stream_cloud_answer(decision, provider, *, audit=None, usage=None, system: str | None = None,
                        send_history: bool = True) -> Iterator[str]:
    """Yield the provider's answer with placeholders restored. Raises CloudError subclasses."""
    messages = outbound_messages(decision, system=system, send_history=send_history)
    entry = None
    if audit is not None:
        entry = audit.append(provider=provider.name, model=provider.model, text=decision.outbound,
                             history=[m for m in messages[:-1] if m["role"] != "system"],
                             redactions=decision.redactions, reasons=decision.reasons, route=decision.route)
    restorer = decision.restorer()
    try:
        for piece in audited_stream(audit, entry, provider.stream(messages)):
            text = restorer.feed(piece)
            if text:
                yield text
        tail = restorer.flush()
        if tail:
            yield tail
    finally:
        if usage is not None:
            u = provider.last_usage
            if u.input_tokens or u.output_tokens:
                usage.record(provider=provider.name, model=provider.model, kind="cloud",
                             input_tokens=u.input_tokens, output_tokens=u.output_tokens)
