"""OpenAI's wire format for Hearth's answers: request checks, responses, stream chunks, errors.

Pure functions, no web framework: :mod:`engine.serve.app` calls them. The extension field
``hearth`` (documented in docs/api.md) carries what OpenAI's format has no place for: where the
answer was written, why, and the citations of an answer from documents.
"""

from __future__ import annotations

import base64
import struct
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from engine.core import BadRequest
from engine.events import Citation, Citations, Done, Failed, Routed

DOCS_PREFIX = "hearth:docs/"
ALIAS = "hearth"  # the loaded chat model, whatever its id


class ApiError(Exception):
    """An error answered as ``{"error": {...}}`` with an HTTP status."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


# Failed.kind (an engine error class) -> HTTP status and OpenAI error type.
_FAILED_STATUS = {
    "BadRequest": (400, "invalid_request_error"), "ContextOverflow": (400, "invalid_request_error"),
    "IndexError_": (400, "invalid_request_error"), "ChatNotFound": (404, "invalid_request_error"),
    "PrivacyBlocked": (403, "privacy_blocked"), "Cancelled": (409, "cancelled"),
    "CloudAuthError": (502, "upstream_error"), "CloudRateLimited": (503, "upstream_error"),
    "CloudUnavailable": (502, "upstream_error"), "CloudUnreachable": (502, "upstream_error"),
    "CloudError": (502, "upstream_error"), "StorageError": (507, "server_error"),
}


def failed_error(ev: Failed) -> ApiError:
    status, kind = _FAILED_STATUS.get(ev.kind, (500 if ev.kind == "InternalError" else 503, "server_error"))
    message = ev.message + (f" {ev.hint}" if ev.hint else "")
    return ApiError(status, message, type_=kind, code=ev.kind)


@dataclass
class ChatRequest:
    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    include_usage: bool = False
    max_tokens: int | None = None
    temperature: float | None = None
    collection: str | None = None


def _int_or_none(body: dict[str, Any], *names: str) -> int | None:
    for name in names:
        v = body.get(name)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int):
            raise ApiError(400, f"'{name}' must be an integer.", param=name)
        return v
    return None


def parse_chat(body: Any) -> ChatRequest:
    """Check a /v1/chat/completions body; unknown OpenAI options are accepted and ignored."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(400, "'model' is required (see GET /v1/models).", param="model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "'messages' must be a non-empty list.", param="messages")
    if body.get("n") not in (None, 1):
        raise ApiError(400, "Only n=1 is supported.", param="n")
    if body.get("tools") or body.get("functions"):
        raise ApiError(400, "Tools and function calling are not supported by Hearth's API.", param="tools")
    temperature = body.get("temperature")
    if temperature is not None and (isinstance(temperature, bool) or not isinstance(temperature, (int, float))):
        raise ApiError(400, "'temperature' must be a number.", param="temperature")
    ext = body.get("hearth") or {}
    if not isinstance(ext, dict):
        raise ApiError(400, "'hearth' must be an object, e.g. {\"collection\": \"NAME\"}.", param="hearth")
    collection = ext.get("collection")
    if collection is not None and not isinstance(collection, str):
        raise ApiError(400, "'hearth.collection' must be a collection name.", param="hearth.collection")
    opts = body.get("stream_options") or {}
    return ChatRequest(model=model, messages=messages, stream=bool(body.get("stream")),
                       include_usage=bool(isinstance(opts, dict) and opts.get("include_usage")),
                       max_tokens=_int_or_none(body, "max_completion_tokens", "max_tokens"),
                       temperature=float(temperature) if temperature is not None else None, collection=collection)


def collection_of(model: str) -> str | None:
    """``hearth:docs/NAME`` → NAME; anything else → None."""
    return model[len(DOCS_PREFIX):] if model.startswith(DOCS_PREFIX) else None


def bad_request(exc: BadRequest) -> ApiError:
    return ApiError(400, exc.message, param="messages")


# -- responses ---------------------------------------------------------------------------------------

def new_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def citation_json(c: Citation, n: int) -> dict[str, Any]:
    return {"n": n, "path": c.path, "page": c.page, "heading": c.heading, "snippet": c.snippet,
            "score": round(c.score, 6), "start": c.start, "end": c.end}


@dataclass
class Outcome:
    """What a turn produced, gathered from its events."""

    routed: Routed | None = None
    citations: Citations | None = None
    text: list[str] = field(default_factory=list)
    done: Done | None = None
    finish_reason: str = "stop"
    prompt_tokens: int = 0

    def extension(self, collection: str | None) -> dict[str, Any]:
        r = self.routed
        ext: dict[str, Any] = {"route": r.route if r else "local", "zone": r.zone if r else "this machine",
                               "reasons": list(r.reasons) if r else [], "rules": list(r.rules) if r else []}
        if r is not None and r.route != "local":
            ext["provider"] = r.provider
            ext["sent"] = r.outbound_text
        if collection is not None:
            items = self.citations.items if self.citations else []
            ext["collection"] = collection
            ext["citations"] = [citation_json(c, i) for i, c in enumerate(items, 1)]
            ext["nothing_relevant"] = bool(self.citations.nothing_relevant) if self.citations else False
        if self.done is not None and self.done.cancelled:
            ext["cancelled"] = True
        return ext

    def usage(self) -> dict[str, int]:
        out = self.done.tokens if self.done else 0
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": out,
                "total_tokens": self.prompt_tokens + out}


def completion(rid: str, model: str, outcome: Outcome, collection: str | None) -> dict[str, Any]:
    text = outcome.done.text if outcome.done is not None else "".join(outcome.text)
    return {"id": rid, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": outcome.finish_reason, "logprobs": None}],
            "usage": outcome.usage(), "hearth": outcome.extension(collection)}


def chunk(rid: str, model: str, created: int, delta: dict[str, Any], finish_reason: str | None = None,
          **extra: Any) -> dict[str, Any]:
    return {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}], **extra}


def usage_chunk(rid: str, model: str, created: int, outcome: Outcome) -> dict[str, Any]:
    return {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [],
            "usage": outcome.usage()}


def model_card(model_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": "hearth", **extra}


# -- embeddings ---------------------------------------------------------------------------------------

def parse_embeddings(body: Any) -> tuple[str, list[str], str]:
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(400, "'model' is required (see GET /v1/models).", param="model")
    raw = body.get("input")
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise ApiError(400, "'input' must be a string or a non-empty list of strings (token arrays are not "
                            "supported).", param="input")
    fmt = body.get("encoding_format") or "float"
    if fmt not in ("float", "base64"):
        raise ApiError(400, "'encoding_format' must be float or base64.", param="encoding_format")
    return model, texts, fmt


def embedding_json(vectors: list[list[float]], model: str, fmt: str, tokens: int) -> dict[str, Any]:
    def enc(v: list[float]) -> Any:
        return base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode("ascii") if fmt == "base64" else v

    return {"object": "list", "model": model,
            "data": [{"object": "embedding", "index": i, "embedding": enc(v)} for i, v in enumerate(vectors)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
