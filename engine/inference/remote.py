"""``RemoteHost``: the ModelHost interface over an OpenAI-compatible inference server.

The "scale beyond one machine" path: with ``ModelSettings.remote_url`` set (a llama.cpp server,
vLLM, ``llama_cpp.server`` on a team machine), generation happens there instead of in a local
child process. Callers (the Assistant, the CLI) do not change: ``stream_chat``, ``cancel``,
``count_tokens``, ``fit_messages``, ``info`` and ``last_stats`` behave as in :class:`ModelHost`.

Differences worth knowing:

* ``count_tokens`` is an *estimate* (the OpenAI API has no tokenizer endpoint): about three
  characters per token plus a few tokens per message, deliberately on the high side so the
  fitting policy drops history a little early rather than overflowing the server's window.
* KV-cache reuse is the server's business (llama.cpp's server reuses the prompt prefix itself).
* The client comes from :func:`engine.net.openai_client`, the one place network clients are built.
* Plain ``http://`` off this machine is refused unless ``remote_allow_http`` (the settings check
  says so too; this is the second lock). TLS is always verified.
* The bearer key is the one stored in the OS keyring for this endpoint
  (:func:`engine.cloud.keys.model_server_keys`) unless the caller passes one.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any, Iterator

from engine.config import ModelSettings
from engine.errors import ModelCrashed, ModelError, ModelLoadError
from engine.inference.fitting import fit_conversation
from engine.inference.host import OVERRIDES
from engine.inference.types import FitResult, GenerationStats, LoadInfo
from engine.models.registry import InstalledModel

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 3.0
TOKENS_PER_MESSAGE = 6
SERVER_HINT = "Check that the inference server is running and reachable, or clear remote_url in Settings to use the local model."
KEY_HINT = ("Check the model server's key in Settings → Model (it is kept in the system keyring), "
            "or ask the server's owner for the right one.")


def estimate_tokens(messages: list[dict]) -> int:
    """A deliberately high token estimate for a chat prompt (see the module docstring)."""
    return sum(math.ceil(len(str(m.get("content", ""))) / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE
               for m in messages) + 3


class RemoteHost:
    """Same interface as ModelHost; talks to ``settings.remote_url`` (an ``…/v1`` base URL)."""

    def __init__(self, model: InstalledModel | None, settings: ModelSettings, *, api_key: str | None = None,
                 timeout_s: float = 120.0) -> None:
        if not settings.remote_url:
            raise ValueError("RemoteHost needs ModelSettings.remote_url")
        self.model = model
        self.settings = settings
        self._api_key = api_key  # None: the key stored in the keyring for this endpoint, if any
        self._timeout_s = timeout_s
        self._client: Any = None
        self._model_name: str | None = None
        self._info: LoadInfo | None = None
        self.served: list[str] = []  # model names the server lists (after load)
        self._last_stats: GenerationStats | None = None
        self._cancel = threading.Event()
        self._lock = threading.Lock()

    @property
    def info(self) -> LoadInfo | None:
        return self._info

    @property
    def last_stats(self) -> GenerationStats | None:
        return self._last_stats

    @property
    def model_name(self) -> str | None:
        """The served model answers come from (after :meth:`load`)."""
        return self._model_name

    @property
    def loaded(self) -> bool:
        return self._client is not None

    def load(self) -> LoadInfo:
        """Connect and pick the server's model (the installed model's id if served, else its first)."""
        if self._info is not None and self._client is not None:
            return self._info
        import openai

        from engine.net import openai_client, server_url_problem

        url = str(self.settings.remote_url)
        problem = server_url_problem(url, self.settings.remote_allow_http)
        if problem:  # defence in depth: settings validation refuses this too
            raise ModelLoadError(problem, "Change the model server address in Settings → Model.")
        key = self._api_key if self._api_key is not None else stored_key(url)
        t0 = time.perf_counter()
        # keyless servers still need a non-empty header value
        client = openai_client(api_key=key or "no-key", base_url=url, timeout_s=self._timeout_s, max_retries=1)
        try:
            served = [m.id for m in client.models.list().data]
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            client.close()
            what = "refused the key Hearth sent" if key else "needs a key and none is stored for it"
            raise ModelLoadError(f"The model server at {url} {what} (HTTP {exc.status_code}).", KEY_HINT) from exc
        except openai.APIError as exc:
            client.close()
            bad_cert = _certificate_problem(exc)
            if bad_cert:  # TLS is always verified; say how to trust a private CA instead
                raise ModelLoadError(f"The model server at {url} has a certificate Hearth cannot verify "
                                     f"({bad_cert}).", "If the server uses your own certificate authority, start "
                                     "Hearth with SSL_CERT_FILE set to that authority's certificate (PEM).") from exc
            raise ModelLoadError(f"Could not reach the inference server at {url}: {_describe(exc)}.",
                                 SERVER_HINT) from exc
        if not served:
            client.close()
            raise ModelLoadError(f"The inference server at {url} serves no model.", SERVER_HINT)
        asked = self.settings.remote_model
        if asked and asked not in served:
            client.close()
            raise ModelLoadError(f"The model server at {url} does not serve '{asked}'; it serves: "
                                 f"{', '.join(served)}.", "Pick one of those in Settings → Model (model name), "
                                 "or leave the name empty to use the first.")
        wanted = asked or (self.model.id if self.model else None)
        self.served = served
        self._model_name = wanted if wanted in served else served[0]
        self._client = client
        notes = [] if wanted in (None, self._model_name) else [
            f"The server does not serve '{wanted}'; using its model '{self._model_name}'."]
        self._info = LoadInfo(backend="remote", n_ctx=self.settings.n_ctx, n_gpu_layers=0,
                              load_s=time.perf_counter() - t0, model_path=f"{url} ({self._model_name})",
                              chat_template_source="server", notes=notes)
        return self._info

    def unload(self) -> None:
        self._cancel.set()
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client = None

    def cancel(self) -> None:
        self._cancel.set()

    def count_tokens(self, messages: list[dict]) -> int:
        return estimate_tokens(messages)

    def fit_messages(self, system: str | None, history: list[dict], new: str | dict, *,
                     max_tokens: int | None = None) -> FitResult:
        return fit_conversation(system, history, new, count_tokens=self.count_tokens, n_ctx=self.settings.n_ctx,
                                max_tokens=max_tokens or self.settings.max_tokens)

    def stream_chat(self, messages: list[dict], **overrides: Any) -> Iterator[str]:
        unknown = set(overrides) - OVERRIDES
        if unknown:
            raise TypeError(f"unknown generation settings: {', '.join(sorted(unknown))}")
        s = self.settings
        params = {"temperature": s.temperature, "top_p": s.top_p, "max_tokens": s.max_tokens, "seed": s.seed}
        params.update(overrides)
        msgs = [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]
        return self._stream(msgs, params)

    def _stream(self, messages: list[dict], params: dict[str, Any]) -> Iterator[str]:
        import httpx  # only for its exception types: a dropped connection mid-stream surfaces as one
        import openai

        with self._lock:
            self.load()
            self._cancel.clear()
            extra = {k: params[k] for k in ("top_k", "min_p", "repeat_penalty") if k in params}
            seed = params.get("seed")
            t_send = time.perf_counter()
            t_first: float | None = None
            pieces, cancelled = 0, False
            try:
                stream = self._client.chat.completions.create(
                    model=self._model_name, messages=messages, stream=True,
                    temperature=float(params["temperature"]), top_p=float(params["top_p"]),
                    max_tokens=int(params["max_tokens"]), seed=None if seed is None or seed < 0 else int(seed),
                    extra_body=extra or None)
                finish = ""
                with stream:
                    for chunk in stream:
                        if self._cancel.is_set():
                            cancelled = True
                            break
                        if not chunk.choices:
                            continue
                        choice = chunk.choices[0]
                        finish = choice.finish_reason or finish
                        text = choice.delta.content if choice.delta else None
                        if text:
                            if t_first is None:
                                t_first = time.perf_counter()
                            pieces += 1
                            yield text
            except (openai.APIConnectionError, httpx.TransportError) as exc:
                raise ModelCrashed(f"The inference server at {self.settings.remote_url} stopped answering: "
                                   f"{_describe(exc)}.", SERVER_HINT) from exc
            except openai.APIError as exc:
                raise ModelError(f"The inference server refused the request: {_describe(exc)}.",
                                 SERVER_HINT) from exc
            t_done = time.perf_counter()
            # Pieces stand in for tokens: OpenAI-compatible servers stream about one token per chunk.
            self._last_stats = GenerationStats(
                tokens=pieces, ttft_s=(t_first - t_send) if t_first else 0.0,
                tokens_per_s=(pieces - 1) / (t_done - t_first) if t_first and pieces > 1 else 0.0,
                cancelled=cancelled, finish_reason="cancelled" if cancelled else (finish or "stop"))

    def __enter__(self) -> "RemoteHost":
        return self

    def __exit__(self, *exc: object) -> None:
        self.unload()


def stored_key(url: str) -> str | None:
    """The key kept in the OS keyring for the model server at ``url``; None without one or
    without a usable keyring (a keyless server still works; one that needs a key says so)."""
    from engine.cloud.keys import endpoint_name, model_server_keys
    from engine.errors import KeyringUnavailable

    try:
        return model_server_keys().get(endpoint_name(url))
    except KeyringUnavailable as exc:
        log.warning("model server key not read: %s", exc.message)
        return None


def _certificate_problem(exc: BaseException) -> str | None:
    """The verification failure behind a connection error, if that is what it was."""
    import ssl

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return str(seen.verify_message or seen.reason or "verification failed")
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return "verification failed"
        seen = seen.__cause__ or seen.__context__
    return None


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    text = getattr(exc, "message", None) or str(exc)
    return f"HTTP {status}: {text}" if status else text


def make_host(model: InstalledModel, settings: ModelSettings, *, api_key: str | None = None) -> Any:
    """The host the settings ask for: a remote server if ``remote_url`` is set, else a local child."""
    if settings.remote_url:
        return RemoteHost(model, settings, api_key=api_key)
    from engine.inference.host import ModelHost

    return ModelHost(model, settings)
