"""``hearth serve``: an OpenAI-compatible API over the core (see docs/api.md).

    GET  /v1/models               the loaded chat model, ``hearth``, ``hearth:docs/NAME`` for each
                                  shared collection, and the embedding model
    POST /v1/chat/completions     streaming (SSE) or not; ``hearth:docs/NAME`` (or the body field
                                  ``hearth.collection``) answers from that collection, with the
                                  citations in the response's ``hearth`` field
    POST /v1/embeddings           the documents' embedding model

Every request needs ``Authorization: Bearer <token>``; bodies over the size limit get 413.
Answers go through ``Core.complete``: the same router, audit and usage as the app, with the
settings' cloud mode — a client cannot choose a cloud route. The turn runs on a thread of its
own and its events reach the event loop through a queue; a client that closes the stream
cancels the answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.core import BadRequest, StatelessTurn
from engine.core.tokens import matches
from engine.errors import HearthError, NotShared
from engine.events import Citations, Done, Failed, Routed, Token
from engine.serve import wire
from engine.serve.wire import ApiError, Outcome

if TYPE_CHECKING:
    from engine.core import Core

log = logging.getLogger(__name__)

_END = object()


class _TooLarge(Exception):
    pass


class TokenCheck:
    """The expected bearer token; ``set`` swaps it in a running server (rotation)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def set(self, token: str) -> None:
        self.token = token

    def ok(self, header: str | None) -> bool:
        if not header or not header.lower().startswith("bearer "):
            return False
        return matches(self.token, header[7:].strip())


def _error_response(err: ApiError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
    return JSONResponse(err.body(), status_code=err.status, headers=headers)


class Guard:
    """ASGI middleware: bearer token first, then the request size limit (Content-Length, and a
    count of the bytes actually received for chunked bodies)."""

    def __init__(self, app: ASGIApp, tokens: TokenCheck, limit: int) -> None:
        self.app, self.tokens, self.limit = app, tokens, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if not self.tokens.ok(headers.get("authorization")):
            err = ApiError(401, "Missing or wrong API token. Send 'Authorization: Bearer <token>' "
                                "(the token `hearth serve` showed, or HEARTH_API_TOKEN).",
                           type_="authentication_error", code="invalid_api_key")
            await _error_response(err)(scope, receive, send)
            return
        try:
            declared = int(headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > self.limit:
            await _error_response(self._too_large())(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b"") or b"")
            if seen > self.limit:
                raise _TooLarge()
            return message

        await self.app(scope, counted, send)

    def _too_large(self) -> ApiError:
        return ApiError(413, f"The request is larger than this server accepts ({self.limit} bytes).",
                        code="request_too_large")


class _Pump:
    """Runs a turn on its own thread; events arrive on the event loop through a queue."""

    def __init__(self, core: Core, turn: StatelessTurn) -> None:
        self.core, self.turn = core, turn
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.finished = False
        self.stats: tuple[str, int] = ("stop", 0)
        self._thread = threading.Thread(target=self._run, name="hearth-api-turn", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def _run(self) -> None:
        routed: Routed | None = None
        try:
            for ev in self.turn:
                if isinstance(ev, Routed):
                    routed = ev
                elif isinstance(ev, Done) and (routed is None or routed.route == "local"):
                    # read while the turn still holds the model: the next request has not started
                    stats = self.core.host.last_stats
                    if stats is not None:
                        reason = {"context": "length", "cancelled": "stop"}.get(stats.finish_reason,
                                                                                stats.finish_reason or "stop")
                        self.stats = (reason if reason in ("stop", "length") else "stop", stats.prompt_tokens)
                self._put(ev)
        except BaseException as exc:  # noqa: BLE001 - reported on the loop, never lost on this thread
            self._put(exc)
        finally:
            self._put(_END)

    async def __aiter__(self) -> AsyncIterator[Any]:
        while True:
            item = await self.queue.get()
            if item is _END:
                self.finished = True
                return
            if isinstance(item, BaseException):
                self.finished = True
                raise item
            yield item


def _sse(data: dict[str, Any] | str) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"data: {text}\n\n".encode("utf-8")


class Api:
    """The routes (see module doc) over one core."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # -- helpers ----------------------------------------------------------------------------------
    @staticmethod
    async def _json(request: Request) -> Any:
        raw = await request.body()
        try:
            return json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "The request body is not valid JSON.") from None

    async def _shared(self) -> list[str]:
        return await asyncio.to_thread(self.core.shared_collections)

    async def _resolve(self, req: wire.ChatRequest) -> str | None:
        """The collection to answer from, after checking the model name; raises ApiError 404."""
        collection = wire.collection_of(req.model)
        if collection is None and req.model not in (self.core.model_id, wire.ALIAS):
            raise ApiError(404, f"The model '{req.model}' is not served here. Use '{self.core.model_id}', "
                                f"'{wire.ALIAS}', or 'hearth:docs/NAME' for a shared collection (GET /v1/models).",
                           code="model_not_found", param="model")
        collection = collection or req.collection
        if collection is not None:
            try:
                await asyncio.to_thread(self.core.check_shared, collection)
            except NotShared as exc:
                raise ApiError(404, f"{exc.message} {exc.hint}", code="model_not_found", param="model") from None
        return collection

    # -- routes -----------------------------------------------------------------------------------
    async def models(self, request: Request) -> Response:
        ids = [self.core.model_id, wire.ALIAS] + [wire.DOCS_PREFIX + c for c in await self._shared()]
        cards = [wire.model_card(i) for i in ids]
        cards.append(wire.model_card(self.core.embedding_model, hearth={"kind": "embedding"}))
        return JSONResponse({"object": "list", "data": cards})

    async def model(self, request: Request) -> Response:
        name = request.path_params["name"]
        listed = await self.models(request)
        for card in json.loads(bytes(listed.body))["data"]:
            if card["id"] == name:
                return JSONResponse(card)
        raise ApiError(404, f"The model '{name}' is not served here.", code="model_not_found")

    async def chat(self, request: Request) -> Response:
        req = wire.parse_chat(await self._json(request))
        collection = await self._resolve(req)
        try:
            turn = self.core.complete(req.messages, collection=collection, max_tokens=req.max_tokens,
                                      temperature=req.temperature)
        except BadRequest as exc:
            raise wire.bad_request(exc) from None
        pump = _Pump(self.core, turn)
        rid, model = wire.new_id(), req.model
        outcome = Outcome()
        if not req.stream:
            try:
                async for ev in pump:
                    self._gather(outcome, ev)
            finally:
                if not pump.finished:  # the request was abandoned (server shutting down)
                    turn.cancel()
            outcome.finish_reason, outcome.prompt_tokens = pump.stats
            return JSONResponse(wire.completion(rid, model, outcome, collection))
        # Streaming: the first event decides the status code (an error before any text is a
        # plain JSON error, which every client understands).
        events = pump.__aiter__()
        try:
            first = await events.__anext__()
        except StopAsyncIteration:
            raise ApiError(500, "The answer ended before it started.") from None
        self._gather(outcome, first)
        return StreamingResponse(self._stream(pump, events, turn, rid, model, outcome, req, collection),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @staticmethod
    def _gather(outcome: Outcome, ev: Any) -> None:
        if isinstance(ev, Failed):
            raise wire.failed_error(ev)
        if isinstance(ev, Routed):
            outcome.routed = ev
        elif isinstance(ev, Citations):
            outcome.citations = ev
        elif isinstance(ev, Token):
            outcome.text.append(ev.text)
        elif isinstance(ev, Done):
            outcome.done = ev

    async def _stream(self, pump: _Pump, events: AsyncIterator[Any], turn: StatelessTurn, rid: str, model: str,
                      outcome: Outcome, req: wire.ChatRequest, collection: str | None) -> AsyncIterator[bytes]:
        created = int(time.time())
        try:
            yield _sse(wire.chunk(rid, model, created, {"role": "assistant", "content": ""}))
            async for ev in events:
                if isinstance(ev, Failed):
                    yield _sse(wire.failed_error(ev).body())
                    break
                self._gather(outcome, ev)
                if isinstance(ev, Token):
                    yield _sse(wire.chunk(rid, model, created, {"content": ev.text}))
            outcome.finish_reason, outcome.prompt_tokens = pump.stats
            if outcome.done is not None:
                yield _sse(wire.chunk(rid, model, created, {}, outcome.finish_reason,
                                      hearth=outcome.extension(collection)))
                if req.include_usage:
                    yield _sse(wire.usage_chunk(rid, model, created, outcome))
            yield _sse("[DONE]")
        finally:
            if not pump.finished:  # the client closed the stream: stop the model, keep nothing
                turn.cancel()

    async def embeddings(self, request: Request) -> Response:
        model, texts, fmt = wire.parse_embeddings(await self._json(request))
        if model != self.core.embedding_model:
            raise ApiError(404, f"The embedding model '{model}' is not served here; use "
                                f"'{self.core.embedding_model}'.", code="model_not_found", param="model")
        vectors = await asyncio.to_thread(self.core.embed, texts)
        tokens = sum(max(1, len(t.split())) for t in texts)  # words: an estimate, the embedder truncates
        return JSONResponse(wire.embedding_json(vectors, model, fmt, tokens))


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(exc)


async def _too_large(request: Request, exc: Exception) -> Response:
    return _error_response(ApiError(413, "The request is larger than this server accepts.", code="request_too_large"))


async def _hearth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HearthError)
    return _error_response(ApiError(503, exc.user_text().replace("\n", " "), type_="server_error",
                                    code=type(exc).__name__))


async def _internal(request: Request, exc: Exception) -> Response:
    log.exception("API request failed", exc_info=exc)
    return _error_response(ApiError(500, f"Hearth failed inside: {type(exc).__name__}. Details are in its log.",
                                    type_="server_error"))


def create_app(core: Core, tokens: TokenCheck, *, max_request_bytes: int) -> ASGIApp:
    """The ASGI app: :class:`Guard` (token, size) in front of the routes."""
    api = Api(core)
    app = Starlette(routes=[
        Route("/v1/models", api.models, methods=["GET"]),
        Route("/v1/models/{name:path}", api.model, methods=["GET"]),
        Route("/v1/chat/completions", api.chat, methods=["POST"]),
        Route("/v1/embeddings", api.embeddings, methods=["POST"]),
    ], exception_handlers={ApiError: _api_error, _TooLarge: _too_large, HearthError: _hearth_error,
                           Exception: _internal})
    return Guard(app, tokens, max_request_bytes)
