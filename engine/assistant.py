"""One turn of the assistant, end to end: retrieve → route → generate → persist.

``Assistant.turn(...)`` is a generator of :mod:`engine.events`: ``Routed`` → (``Citations``) →
``Token``* → ``Done`` | ``Failed``. It never raises into the consumer's loop: every error becomes
a ``Failed`` event carrying the :class:`HearthError`'s message, hint and kind. The user's message
is saved before anything else happens, so a failure never loses what they typed; an answer
is saved while it streams, before each piece is shown (a kill -9 keeps it, marked interrupted at
the next start), and ends with its status (complete, cancelled, failed).

Privacy rules enforced here (see DESIGN.md): with cloud mode off no provider is ever built;
retrieved document chunks never leave the machine (only the routed question, and redacted
history if allowed); every outbound request is audited *before* it is sent and a failed audit
write keeps the turn local; a turn kept local for sensitivity taints the conversation.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Union

from engine.chats import DEFAULT_TITLE, Chat, ChatStore, Message
from engine.chats.partial import PartialAnswer
from engine.cloud.zones import HostEndpoint, describe, model_zone
from engine.errors import Cancelled, CloudError, CloudUnreachable, HearthError, IndexError_, PrivacyBlocked
from engine.events import Citation, Citations, Done, Failed, Routed, Token, TurnEvent
from engine.interfaces import Host, Provider, Retriever, Router
from engine.prompting import (grounding_budget, history_dicts, nothing_found_reply, outbound_preview, text_counter,
                              title_from)

if TYPE_CHECKING:
    from engine.cloud.audit import AuditLog
    from engine.cloud.usage import UsageStore
    from engine.config import Config
    from engine.privacy.conversation import Conversation
    from engine.privacy.redact import Restorer
    from engine.privacy.router import RouteDecision

log = logging.getLogger(__name__)

Confirm = Callable[[Routed], bool]
# A provider, or a zero-argument factory that builds one only when the router let a message out.
Cloud = Union[Provider, Callable[[], Provider]]
PRIVATE_TITLE = "Private conversation"  # shown instead of a first message that stayed here for privacy


@dataclass
class _Plan:
    """What this turn will do, decided before any text is generated."""

    route: str = "local"
    reasons: list[str] = field(default_factory=list)
    decision: RouteDecision | None = None  # the router's decision for redacted/cloud routes
    outbound: list[dict] = field(default_factory=list)
    kept_local_for_privacy: bool = False
    mode: str = "off"                    # the cloud mode in effect for this turn
    endpoint: str = "provider"           # provider (the cloud) | host (an untrusted model server)
    rules: list[str] = field(default_factory=list)  # privacy rule ids that decided


def _failed(exc: BaseException) -> Failed:
    if isinstance(exc, CloudError):
        return Failed(exc.message, exc.hint or "You can answer this question locally instead "
                      "(regenerate it with “answer locally”, or `--cloud off` on the command line).",
                      kind="CloudError")
    if isinstance(exc, HearthError):
        return Failed(exc.message, exc.hint, kind=type(exc).__name__)
    log.exception("unexpected error in a turn")
    return Failed(f"Something went wrong inside Hearth: {type(exc).__name__}: {exc}",
                  "Your message was saved. The details are in the log file.", kind="InternalError")


class Assistant:
    """Answers questions in a conversation (see module doc).

    ``host`` is the chat model (:class:`engine.interfaces.Host`), ``docs`` a
    :class:`~engine.interfaces.Retriever`, ``router`` a :class:`~engine.interfaces.Router`.
    ``cloud`` is a :class:`~engine.interfaces.Provider` or a zero-argument factory returning one;
    it is only touched when the router allowed a message out. ``audit`` and ``usage`` default to
    the logs under the state dir.
    """

    def __init__(self, config: Config, chats: ChatStore, host: Host, docs: Retriever | None = None,
                 router: Router | None = None, cloud: Cloud | None = None, *, audit: AuditLog | None = None,
                 usage: UsageStore | None = None) -> None:
        self.config = config
        self.chats = chats
        self.host = host
        self.docs = docs
        self.router = router
        self._cloud = cloud
        self._audit = audit
        self._usage = usage
        self._cancel = threading.Event()
        self._active_provider: Provider | None = None

    # -- public API ------------------------------------------------------------------------------

    def turn(self, chat_id: int, text: str, *, collection: str | None = None,
             cloud_mode: str | None = None, answer_locally: bool = False,
             confirm: Confirm | None = None) -> Iterator[TurnEvent]:
        """Ask ``text`` in conversation ``chat_id``; iterate the result for events."""
        self._cancel.clear()  # here, not in the generator: a cancel() right after turn() counts
        return self._guard(self._turn(chat_id, text), collection, cloud_mode, answer_locally, confirm)

    def regenerate(self, chat_id: int, **options: Any) -> Iterator[TurnEvent]:
        """Replace the last answer: drop everything after the last question and ask it again."""
        self._cancel.clear()

        def start() -> tuple[Chat, Message]:
            chat = self.chats.get(chat_id)
            users = [m for m in self.chats.messages(chat_id) if m.role == "user"]
            if not users:
                raise HearthError("This conversation has no question to answer again.")
            self.chats.delete_messages_after(chat_id, users[-1].id)
            return chat, users[-1]

        return self._guard(start, **self._options(options))

    def edit_and_resend(self, chat_id: int, message_id: int, text: str, **options: Any) -> Iterator[TurnEvent]:
        """Change one of the user's questions, forget everything after it, and ask it again."""
        self._cancel.clear()

        def start() -> tuple[Chat, Message]:
            chat = self.chats.get(chat_id)
            msg = self.chats.get_message(message_id)
            if msg.chat_id != chat_id or msg.role != "user":
                raise HearthError("Only your own questions in this conversation can be edited.")
            if not text.strip():
                raise HearthError("The edited question is empty.", "Type the question you want to ask.")
            self.chats.delete_messages_after(chat_id, message_id)
            return chat, self.chats.update_message(message_id, content=text.strip())

        return self._guard(start, **self._options(options))

    def cancel(self) -> None:
        """Stop the running generation (thread-safe); the partial answer is kept, marked cancelled."""
        self._cancel.set()
        try:
            self.host.cancel()
        except Exception:  # cancelling must never fail the caller (e.g. the UI thread)
            log.debug("host cancel failed", exc_info=True)
        provider = self._active_provider
        if provider is not None:
            try:
                provider.cancel()
            except Exception:
                log.debug("provider cancel failed", exc_info=True)

    # -- the turn ----------------------------------------------------------------------------------

    @staticmethod
    def _options(options: dict[str, Any]) -> dict[str, Any]:
        allowed = {"collection", "cloud_mode", "answer_locally", "confirm"}
        unknown = set(options) - allowed
        if unknown:
            raise TypeError(f"unexpected options {sorted(unknown)}")
        return options

    def _turn(self, chat_id: int, text: str) -> Callable[[], tuple[Chat, Message]]:
        def start() -> tuple[Chat, Message]:
            if not text.strip():
                raise HearthError("There is no question to answer.", "Type a question first.")
            chat = self.chats.get(chat_id)
            msg = self.chats.add_message(chat_id, "user", text.strip())
            return chat, msg

        return start

    def _guard(self, start: Callable[[], tuple[Chat, Message]], collection: str | None = None,
               cloud_mode: str | None = None, answer_locally: bool = False,
               confirm: Confirm | None = None) -> Iterator[TurnEvent]:
        """Run a turn; every error becomes one final ``Failed`` event."""
        try:
            chat, question = start()
            yield from self._answer(chat, question, collection, cloud_mode, answer_locally, confirm)
        except GeneratorExit:
            raise
        except Exception as exc:
            yield _failed(exc)
        finally:
            self._active_provider = None

    def _answer(self, chat: Chat, question: Message, collection: str | None, cloud_mode: str | None,
                answer_locally: bool, confirm: Confirm | None) -> Iterator[TurnEvent]:
        earlier = [m for m in self.chats.messages(chat.id) if m.id < question.id]
        history = history_dicts(earlier)

        # 1. Retrieve: the question is answered from the documents, which stay on this machine.
        user_content, citations, nothing_relevant = question.content, [], False
        if collection:
            user_content, citations, nothing_relevant = self._ground(collection, question.content)

        # 2. Route.
        plan = self._plan(chat, question.content, earlier, bool(citations) or bool(collection),
                          cloud_mode, answer_locally)
        if plan.route == "blocked":
            raise PrivacyBlocked("This message must stay private, but your model runs on "
                                 f"{describe(model_zone(self.config.model), self.config.model.remote_url)}: "
                                 + "; ".join(plan.reasons) + ".",
                                 "Mark that server trusted in Settings → Model if it is yours, or use a model on "
                                 "this computer.")
        if plan.route != "local":
            proposed = self._routed(plan)
            if (cloud_mode or self.config.cloud.mode) == "ask":
                ok = False
                if confirm is not None:
                    ok = bool(confirm(proposed))
                if not ok:
                    why = ("You chose to answer this one locally." if confirm is not None
                           else "Nothing was sent: sending needs your confirmation.")
                    if plan.endpoint == "host":
                        raise Cancelled("Nothing was sent to the model server.", why)
                    plan = _Plan(reasons=[why])
        # A turn kept local for privacy, or answered from private documents, marks the chat: the
        # cloud never sees those turns, and follow-ups to them stay local (engine.privacy.conversation).
        if (plan.kept_local_for_privacy or citations) and not chat.tainted:
            self.chats.set_tainted(chat.id)
        if chat.title == DEFAULT_TITLE and not earlier:
            self.chats.rename(chat.id, self._title(question.content, plan) or DEFAULT_TITLE)

        # 3. Generate.
        if plan.route == "local":
            yield from self._local(chat, question, history, user_content, plan, collection,
                                   citations, nothing_relevant)
        else:
            yield self._routed(plan)
            if collection:
                yield Citations(citations, nothing_relevant)
            try:
                yield from self._remote(chat, question, plan)
            except CloudUnreachable as exc:
                # Nothing was answered (no connection at all): answer here instead of an error banner,
                # and say so on the answer. Never for an untrusted model server: there is no "here".
                if not self.config.cloud.fallback_local or plan.endpoint == "host":
                    raise
                note = f"{exc.message} It was answered on this computer instead."
                yield from self._local(chat, question, history, user_content, _Plan(reasons=[note]), collection,
                                       citations, nothing_relevant)

    # -- retrieval and routing ---------------------------------------------------------------------

    def _ground(self, collection: str, question: str) -> tuple[str, list[Citation], bool]:
        if self.docs is None:
            raise IndexError_("Documents are not available in this session.",
                              "Start Hearth with document support, or ask without documents.")
        from engine.docs.grounding import build_grounded_prompt

        hits = self.docs.search(collection, question, self.config.documents.top_k)
        self._ensure_loaded()
        count = text_counter(self.host.count_tokens)
        n_ctx = self._n_ctx()
        budget = grounding_budget(n_ctx, self.config.model.max_tokens, count(self.config.model.system_prompt))
        grounded = build_grounded_prompt(question, hits, budget, count)
        cites = [h.citation() for h in grounded.used_hits]
        return grounded.user_content, cites, bool(grounded.nothing_relevant)

    def _plan(self, chat: Chat, text: str, earlier: list[Message], private_context: bool,
              cloud_mode: str | None, answer_locally: bool) -> _Plan:
        mode = cloud_mode or self.config.cloud.mode
        if mode not in ("off", "ask", "auto"):
            raise HearthError(f"Unknown cloud mode '{mode}'.", "Use off, ask or auto.")
        # A model server off this machine that the person has not marked trusted is treated like
        # a cloud provider: every message goes through the router, whatever the cloud mode.
        offsite = model_zone(self.config.model) == "cloud"
        if not offsite:
            if answer_locally:
                return _Plan(reasons=["You asked for a local answer."])
            if mode == "off":
                return _Plan(reasons=["Cloud escalation is off."])
        if self.router is None:
            return _Plan(route="blocked" if offsite else "local",
                         reasons=["The privacy router is not available, so nothing leaves this computer."])
        try:
            decision = self.router.route(text, conversation=self._conversation(chat, earlier),
                                         retrieved_private=private_context,
                                         user_terms=self.config.privacy.sensitive_terms)
        except Exception:  # the router fails closed itself; this is the belt to its braces
            log.exception("router failed; keeping the turn local")
            decision = None
        if decision is None or decision.route not in ("local", "redacted", "cloud") or \
                (decision.route != "local" and not decision.outbound):
            return _Plan(route="blocked" if offsite else "local", kept_local_for_privacy=True,
                         reasons=["The privacy check gave no usable answer, so this stays on your computer."])
        reasons = list(decision.reasons or [])
        rules = list(decision.rules or [])
        if decision.route == "local":
            return _Plan(route="blocked" if offsite else "local", reasons=reasons or ["Kept on this computer."],
                         kept_local_for_privacy=True, rules=rules)
        from engine.cloud.escalate import outbound_messages

        outbound = outbound_messages(decision, send_history=self.config.cloud.send_history)
        return _Plan(route=decision.route, reasons=reasons, decision=decision, outbound=outbound,
                     mode=mode if not offsite else (mode if mode == "ask" else "auto"),
                     endpoint="host" if offsite else "provider", rules=rules)

    def _title(self, text: str, plan: _Plan) -> str:
        """A title that never shows what the router kept private: the redacted form when the first
        message went out redacted, a neutral title when it stayed here for privacy. Without a
        routing decision (cloud off) a light check on patterns and disclosures decides."""
        if plan.kept_local_for_privacy:
            return PRIVATE_TITLE
        if plan.route == "redacted" and plan.decision is not None:
            return title_from(plan.decision.outbound)
        if plan.route == "cloud":
            return title_from(text)
        from engine.privacy.titles import looks_private

        return PRIVATE_TITLE if looks_private(text, self.config.privacy.sensitive_terms) else title_from(text)

    def _conversation(self, chat: Chat, earlier: list[Message]) -> Conversation:
        """The chat as the router sees it: the cloud's own thread (what was sent, as sent, and
        the replies as the provider wrote them) and the user turns the cloud never saw."""
        from engine.privacy.conversation import Conversation
        from engine.privacy.redact import Mapping

        conv = Conversation(mapping=Mapping.from_json(chat.placeholders))
        sent_last = False
        for m in earlier:
            if m.role == "user":
                sent_last = m.sent_text is not None
                if sent_last:
                    conv.thread.append({"role": "user", "content": m.sent_text})
                elif m.content.strip():
                    conv.private_turns.append(m.content)
                conv.last_turn_private = not sent_last
            elif m.role == "assistant" and sent_last and m.sent_text is not None:
                conv.thread.append({"role": "assistant", "content": m.sent_text})
        return conv

    def _routed(self, plan: _Plan, truncated: int = 0) -> Routed:
        zone = model_zone(self.config.model)
        if plan.route == "local":
            place = describe(zone, self.config.model.remote_url) if zone != "this machine" else None
            return Routed("local", plan.reasons, provider=place, truncated_turns=truncated, rules=plan.rules,
                          zone=zone)
        types = sorted({str(r) for r in (plan.decision.redactions if plan.decision is not None else [])})
        provider = self._endpoint_name(plan)
        return Routed(plan.route, plan.reasons, provider=provider, outbound_text=outbound_preview(plan.outbound),
                      redactions=types, rules=plan.rules, zone="cloud")

    def _endpoint_name(self, plan: _Plan) -> str:
        if plan.endpoint == "host":
            return HostEndpoint(self.host, self.config.model.remote_url or "").name
        return self.config.cloud.provider

    # -- local generation --------------------------------------------------------------------------

    def _ensure_loaded(self) -> None:
        if self.host.info is None:
            self.host.load()

    def _n_ctx(self) -> int:
        info = self.host.info
        return (info.n_ctx if info is not None else 0) or self.config.model.n_ctx

    def _local(self, chat: Chat, question: Message, history: list[dict], user_content: str, plan: _Plan,
               collection: str | None, citations: list[Citation], nothing_relevant: bool) -> Iterator[TurnEvent]:
        self._ensure_loaded()
        fit = self.host.fit_messages(self.config.model.system_prompt, history, user_content)
        yield self._routed(plan, truncated=fit.dropped_turns)
        pieces: list[str] = []
        # Answered by the user's trusted team server, not this computer: the answer records where,
        # so its badge never says "on this computer" (see desktop.privacy_note.badge_tooltip).
        place = describe(zone, self.config.model.remote_url) \
            if (zone := model_zone(self.config.model)) != "this machine" else None
        saver = PartialAnswer(self.chats, chat.id, citations=citations, reasons=plan.reasons, provider=place)
        if collection:
            yield Citations(citations, nothing_relevant)
            if nothing_relevant:
                # Said by Hearth itself, not left to the model: a small model told to "say the
                # documents do not cover it" may not, and then its answer looks sourced.
                notice = nothing_found_reply(collection) + "\n\n"
                pieces.append(notice)
                saver.save(notice)
                yield Token(notice)
        if self._cancel.is_set():  # stopped while retrieving or fitting: do not start the model
            yield Done("".join(pieces), None, cancelled=True)
            return
        try:
            status = yield from self._pump(self.host.stream_chat(fit.messages), pieces, None, saver)
        except GeneratorExit:  # the consumer walked away mid-answer: keep what was said
            self._save_partial(saver, pieces, "cancelled")
            raise
        except HearthError:
            self._save_partial(saver, pieces, "failed")
            raise
        stats = self.host.last_stats
        if stats is not None and stats.cancelled:
            status = "cancelled"
        tokens = stats.tokens if stats is not None else 0
        tps = float(stats.tokens_per_s) if stats is not None else 0.0
        answer = "".join(pieces)
        msg = saver.finish(answer, status, tokens=tokens, tokens_per_s=tps)
        self._record_usage("local", self._model_id(), stats.prompt_tokens if stats is not None else 0, tokens)
        info = self.host.info
        yield Done(answer, msg.id, tokens=tokens, tokens_per_s=tps,
                   ttft_s=float(stats.ttft_s) if stats is not None else 0.0,
                   backend=info.backend if info is not None else "CPU",
                   cancelled=status == "cancelled")

    def _pump(self, stream: Iterator[str], pieces: list[str], restorer: Restorer | None,
              saver: PartialAnswer | None = None) -> Iterator[TurnEvent]:
        """Relay text pieces as Token events until the stream ends or the user cancels; each
        piece is saved (``saver``) before it is shown.

        Returns the message status. If the consumer abandons the generator mid-answer, the
        generation is stopped (never left running in the model process)."""
        status = "complete"
        try:
            for piece in stream:
                if self._cancel.is_set():
                    status = "cancelled"
                    break
                out = restorer.feed(piece) if restorer is not None else piece
                if out:
                    pieces.append(out)
                    if saver is not None:
                        saver.save("".join(pieces))
                    yield Token(out)
            if restorer is not None:
                tail = restorer.flush()
                if tail:
                    pieces.append(tail)
                    if saver is not None:
                        saver.save("".join(pieces))
                    yield Token(tail)
        except Cancelled:
            status = "cancelled"
        except GeneratorExit:
            self.cancel()
            raise
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    log.debug("closing the stream failed", exc_info=True)
        if self._cancel.is_set():
            status = "cancelled"
        return status

    def _save_partial(self, saver: PartialAnswer, pieces: list[str], status: str) -> None:
        if pieces:
            try:
                saver.finish("".join(pieces), status)
            except HearthError:
                log.warning("could not save a partial answer", exc_info=True)

    def _model_id(self) -> str:
        model = self.host.model
        return model.id if model is not None else self.config.model.default

    # -- cloud generation --------------------------------------------------------------------------

    def _provider(self, mode: str) -> Provider:
        cloud = self._cloud
        if cloud is None:
            from engine.cloud.providers import make_provider

            # the per-turn mode (e.g. `hearth ask --cloud auto`) may differ from the settings
            return make_provider(self.config.cloud.model_copy(update={"mode": mode}))
        if isinstance(cloud, Provider):
            return cloud
        return cloud()

    def _remote(self, chat: Chat, question: Message, plan: _Plan) -> Iterator[TurnEvent]:
        """Send the routed message through the one send path (engine.cloud.escalate)."""
        from engine.cloud.escalate import CloudExchange

        assert plan.decision is not None  # a route that leaves the machine always has one
        provider: Provider
        if plan.endpoint == "host":
            self._ensure_loaded()
            provider = HostEndpoint(self.host, self.config.model.remote_url or "")
        else:
            provider = self._provider(plan.mode)
        name = provider.name
        preview = outbound_preview(plan.outbound)
        if self._cancel.is_set():  # stopped before anything was sent
            yield Done("", None, backend=f"cloud:{name}", cancelled=True)
            return
        if self._audit is None:
            from engine.cloud.audit import AuditLog

            self._audit = AuditLog()
        exchange = CloudExchange(plan.decision, provider, audit=self._audit, usage=None,
                                 send_history=self.config.cloud.send_history, zone="cloud")
        self._active_provider = provider
        pieces: list[str] = []
        started = time.perf_counter()
        first: list[float] = []

        def timed(stream: Iterator[str]) -> Iterator[str]:
            for piece in stream:
                if not first:
                    first.append(time.perf_counter())
                yield piece

        self._remember_sent(chat, question, plan)
        saver = PartialAnswer(self.chats, chat.id, route=plan.route, provider=name, outbound_text=preview,
                              reasons=plan.reasons)
        try:
            status = yield from self._pump(timed(exchange.stream()), pieces, None, saver)
        except GeneratorExit:
            self._save_partial(saver, pieces, "cancelled")
            raise
        except HearthError:
            self._save_partial(saver, pieces, "failed")
            raise
        finally:
            self._active_provider = None
        answer = "".join(pieces)
        end = time.perf_counter()
        in_tok, out_tok = self._cloud_tokens(provider, preview, answer)
        decode_s = end - first[0] if first else 0.0
        tps = out_tok / decode_s if decode_s > 0 else 0.0
        msg = saver.finish(answer, status, tokens=out_tok, tokens_per_s=tps, sent_text=exchange.raw_text)
        self._record_usage(name, provider.model, in_tok, out_tok)
        yield Done(answer, msg.id, tokens=out_tok, tokens_per_s=tps,
                   ttft_s=(first[0] - started) if first else 0.0, backend=f"cloud:{name}",
                   cancelled=status == "cancelled")

    def _remember_sent(self, chat: Chat, question: Message, plan: _Plan) -> None:
        """The question joins the cloud's thread in the form it was allowed out (also when the
        delivery then fails: it was never private); the chat keeps its placeholders."""
        assert plan.decision is not None
        self.chats.update_message(question.id, route=plan.route, sent_text=plan.decision.outbound)
        self.chats.set_placeholders(chat.id, plan.decision.mapping.to_json())

    @staticmethod
    def _cloud_tokens(provider: Provider, sent: str, answer: str) -> tuple[int, int]:
        usage = getattr(provider, "last_usage", None)  # optional: not every endpoint counts tokens
        if usage:
            try:
                return int(usage[0]), int(usage[1])
            except (TypeError, ValueError, IndexError):
                pass
        return max(1, len(sent) // 4), max(1, len(answer) // 4)  # rough, for cost estimates only

    def _record_usage(self, provider: str, model: str, input_tokens: int, output_tokens: int) -> None:
        # Usage figures are nice to have: a failure to count must never fail an answer.
        try:
            if self._usage is None:
                from engine.cloud.usage import UsageStore

                self._usage = UsageStore()
            self._usage.record(provider=provider, model=model, kind="local" if provider == "local" else "cloud",
                               input_tokens=input_tokens, output_tokens=output_tokens)
        except Exception:
            log.debug("usage not recorded", exc_info=True)
