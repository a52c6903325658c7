"""Cloud providers behind one small interface: ``stream(messages) -> Iterator[str]``, ``cancel()``.

* :class:`OpenAIProvider` — the official ``openai`` SDK; ``base_url`` makes it talk to any
  OpenAI-compatible endpoint (llama.cpp server, vLLM, a gateway).
* :class:`AnthropicProvider` — the official ``anthropic`` SDK (messages API, streamed).

Clients come from :mod:`engine.net` (the one place that opens connections). Timeouts and retries
with exponential backoff are the SDKs' own (``timeout_s``, ``max_retries`` from settings). SDK
errors become :class:`CloudAuthError`, :class:`CloudRateLimited` or :class:`CloudUnavailable`,
each telling the person they can answer locally instead. Only the messages passed in are sent:
the caller passes the router's outbound text, never retrieved document chunks.
"""

from __future__ import annotations

import threading
from typing import Any, Iterator, NamedTuple, Protocol

from engine import net
from engine.errors import (CloudAuthError, CloudError, CloudRateLimited, CloudUnavailable, CloudUnreachable,
                           KeyringUnavailable)

LOCAL_HINT = "You can answer this one locally instead (the local model keeps everything on this computer)."


class Usage(NamedTuple):
    """Tokens of the last request; a tuple so ``(input, output) = provider.last_usage`` works."""

    input_tokens: int = 0
    output_tokens: int = 0


class CloudProvider(Protocol):
    name: str
    model: str
    last_usage: Usage

    def stream(self, messages: list[dict]) -> Iterator[str]: ...

    def cancel(self) -> None: ...


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


class _Truncated(Exception):
    """The stream ended before the provider said the answer was complete."""


def translate_error(exc: Exception, provider: str) -> CloudError:
    """Map an SDK exception (openai or anthropic: same class names) to a Hearth CloudError."""
    kind = type(exc).__name__
    status = getattr(exc, "status_code", None)
    if isinstance(exc, _Truncated):
        return CloudUnavailable(f"The connection to {provider} broke before the answer was complete.",
                                f"The partial answer is shown as is. {LOCAL_HINT}")
    if kind in ("AuthenticationError", "PermissionDeniedError") or status in (401, 403):
        return CloudAuthError(f"{provider} rejected the API key (HTTP {status}).",
                              f"Set a valid key with: hearth cloud set-key {provider}. {LOCAL_HINT}")
    if kind == "RateLimitError" or status == 429:
        return CloudRateLimited(f"{provider} is rate-limiting requests (HTTP 429); retries did not help.",
                                f"Wait a minute and try again. {LOCAL_HINT}")
    if kind == "APITimeoutError":
        return CloudUnreachable(f"{provider} did not answer in time.", f"Check your connection. {LOCAL_HINT}")
    if kind == "APIConnectionError":
        return CloudUnreachable(f"Could not reach {provider}: the network or the server is down.",
                                f"Check your connection and the base URL. {LOCAL_HINT}")
    if status is not None and status >= 500:
        return CloudUnavailable(f"{provider} had a server error (HTTP {status}).", f"Try again later. {LOCAL_HINT}")
    if status is not None:
        return CloudUnavailable(f"{provider} refused the request (HTTP {status}).", LOCAL_HINT)
    return CloudUnavailable(f"The request to {provider} failed: {exc}.", LOCAL_HINT)


class _Base:
    name = "cloud"

    def __init__(self, settings, api_key: str, max_tokens: int = 1024) -> None:
        self.settings = settings
        self.model = settings.model
        self.api_key = api_key
        self.max_tokens = max_tokens
        self.last_usage = Usage()
        self._cancel = threading.Event()
        self._active: Any = None
        self._client: Any = None

    def cancel(self) -> None:
        """Thread-safe: ends the running stream at the next chunk and closes the connection."""
        self._cancel.set()
        active = self._active
        if active is not None:
            try:
                active.close()
            except Exception:  # closing from another thread may race the reader; the flag still stops it
                pass

    def _input_estimate(self, messages: list[dict]) -> int:
        return sum(_estimate_tokens(m.get("content", "")) for m in messages)

    def _make_client(self, **kwargs: Any) -> Any:
        raise NotImplementedError

    def client(self) -> Any:
        """The SDK client, built once through engine.net (the only place network clients are made)."""
        if self._client is None:
            self._client = self._make_client(api_key=self.api_key, base_url=self.settings.base_url,
                                             timeout_s=self.settings.timeout_s,
                                             max_retries=self.settings.max_retries)
        return self._client


class OpenAIProvider(_Base):
    name = "openai"

    def _make_client(self, **kwargs: Any) -> Any:
        return net.openai_client(**kwargs)

    def stream(self, messages: list[dict]) -> Iterator[str]:
        self._cancel.clear()
        self.last_usage = Usage()
        out_chars: list[str] = []
        try:
            stream = self.client().chat.completions.create(
                model=self.model, messages=messages, stream=True, max_tokens=self.max_tokens,
                stream_options={"include_usage": True})
            self._active = stream
            finished = False
            for chunk in stream:
                if self._cancel.is_set():
                    break
                usage = getattr(chunk, "usage", None)
                if usage:
                    self.last_usage = Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0)
                for choice in chunk.choices or ():
                    finished = finished or bool(getattr(choice, "finish_reason", None))
                    piece = getattr(choice.delta, "content", None)
                    if piece:
                        out_chars.append(piece)
                        yield piece
            if not finished and not self._cancel.is_set():
                raise _Truncated()
        except Exception as exc:
            if self._cancel.is_set():
                return
            raise translate_error(exc, self.name) from exc
        finally:
            self._active = None
            if not self.last_usage.output_tokens:
                self.last_usage = Usage(self.last_usage.input_tokens or self._input_estimate(messages),
                                        _estimate_tokens("".join(out_chars)))


class AnthropicProvider(_Base):
    name = "anthropic"

    def _make_client(self, **kwargs: Any) -> Any:
        return net.anthropic_client(**kwargs)

    def stream(self, messages: list[dict]) -> Iterator[str]:
        self._cancel.clear()
        self.last_usage = Usage()
        system = "\n".join(m["content"] for m in messages if m.get("role") == "system")
        turns = [{"role": m["role"], "content": m["content"]} for m in messages if m.get("role") in ("user", "assistant")]
        kwargs: dict = {"model": self.model, "max_tokens": self.max_tokens, "messages": turns}
        if system:
            kwargs["system"] = system
        out_chars: list[str] = []
        try:
            with self.client().messages.stream(**kwargs) as stream:
                self._active = stream
                for piece in stream.text_stream:
                    if self._cancel.is_set():
                        break
                    out_chars.append(piece)
                    yield piece
                if not self._cancel.is_set():
                    final = stream.get_final_message()
                    self.last_usage = Usage(final.usage.input_tokens or 0, final.usage.output_tokens or 0)
                    if final.stop_reason is None:  # the stream ended without message_stop
                        raise _Truncated()
        except Exception as exc:
            if self._cancel.is_set():
                return
            raise translate_error(exc, self.name) from exc
        finally:
            self._active = None
            if not self.last_usage.output_tokens:
                self.last_usage = Usage(self._input_estimate(messages), _estimate_tokens("".join(out_chars)))


def make_provider(cloud_settings, keys=None) -> CloudProvider:
    """Build the configured provider. Raises CloudAuthError when no key is stored.

    An OpenAI-compatible endpoint on a custom ``base_url`` may need no key (a llama.cpp or vLLM
    server on the local network); the official endpoints always do.
    """
    from engine.cloud.keys import KeyStore

    if cloud_settings.mode == "off":
        raise CloudError("Cloud escalation is off.", "Turn it on in settings (cloud.mode = ask or auto).")
    keys = keys if keys is not None else KeyStore()
    provider = cloud_settings.provider
    try:
        key = keys.get(provider)
    except KeyringUnavailable:
        if not (provider == "openai" and cloud_settings.base_url):
            raise
        key = None  # a self-hosted endpoint may need no key; it answers 401 if it does
    if not key:
        if provider == "openai" and cloud_settings.base_url:
            key = "no-key"
        else:
            raise CloudAuthError(f"No API key for {provider} is stored.",
                                 f"Add one with: hearth cloud set-key {provider}. {LOCAL_HINT}")
    classes: dict[str, type[OpenAIProvider] | type[AnthropicProvider]] = {
        "openai": OpenAIProvider, "anthropic": AnthropicProvider}
    cls = classes[provider]
    return cls(cloud_settings, key)
