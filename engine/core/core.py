"""The core: one object built from settings that owns every engine part a front end needs.

    Core ─┬─ host         the chat model: a local child process or a server (``make_host``)
          ├─ documents    collections, indexing, search (``DocumentService``, or the app's child process)
          ├─ router       the privacy router (``make_router``: pasted document text, the judge)
          ├─ chats        the conversation store
          ├─ audit, usage the logs of the one send path
          ├─ assistant    turns: retrieve → route → generate → persist
          └─ models, cloud, audit, api operations (``core.models``, ``core.cloud``, ``core.audit``,
             ``core.api``: the local API server run from inside a front end; ``core.model_server``:
             a team model server's key, connection test and zone; ``core.chroma_servers``: the
             same for a Chroma server holding shared collections)

The CLI, the desktop app, the local API server and the MCP server hold a ``Core`` and call it;
none of them builds a host, a router or a provider itself, so a behaviour fixed here is fixed
for all four. Parts are built on first use (the app's window shows before any heavy import)
and rebuilt when settings change. Turns are serialised: one model answers one question at a
time, whichever front end asked.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator

from engine.config import Config, LoadedConfig, save_config, validate_settings
from engine.core.api import ApiServerOps
from engine.core.audit import AuditOps
from engine.core.chroma_servers import ChromaServerOps
from engine.core.cloud import CloudOps
from engine.core.model_server import ModelServerOps
from engine.core.models import ModelOps
from engine.core.types import SettingsChange
from engine.errors import HearthError
from engine.events import TurnEvent

if TYPE_CHECKING:
    from engine.assistant import Assistant, Cloud, Confirm
    from engine.core.tokens import Token
    from engine.chats import ChatStore
    from engine.cloud.audit import AuditLog
    from engine.core.stateless import StatelessTurn
    from engine.cloud.usage import UsageStore
    from engine.doctor import Report
    from engine.inference.types import LoadInfo
    from engine.interfaces import Hit, Host, Library, Retriever, Router
    from engine.paths import Paths

log = logging.getLogger(__name__)

DocumentsFactory = Callable[[Config], "Library"]


class Core:
    """See module doc. Thread-safe: parts are created under a lock; turns take the turn lock."""

    def __init__(self, config: Config | None = None, *, paths: Paths | None = None,
                 documents: DocumentsFactory | None = None, chats: ChatStore | None = None,
                 cloud: Cloud | None = None, audit: AuditLog | None = None, usage: UsageStore | None = None,
                 settings_problem: HearthError | None = None) -> None:
        self._config = config or Config()
        self.paths = paths
        self.settings_problem = settings_problem  # why the settings file was not used, if so
        self._documents_factory = documents
        self._lock = threading.RLock()
        self.turn_lock = threading.Lock()  # one answer at a time on the one model
        self._chats = chats
        self._owns_chats = chats is None
        self._cloud = cloud
        self._audit = audit
        self._usage = usage
        self._docs: Library | None = None
        self._host: Host | None = None
        self._router: Router | None = None
        self._assistant: Assistant | None = None
        self.models = ModelOps(lambda: self._config)
        self.model_server = ModelServerOps(lambda: self._config)  # key, test connection, zone
        # a Chroma server's token, plain-http permission, zone and connection test
        self.chroma_servers = ChromaServerOps(lambda: self._config, self.update_settings)
        self.cloud = CloudOps(lambda: self._config, self._audit_log, self._usage_store, self._documents_or_none)
        self.audit = AuditOps(self._audit_log)
        self.api = ApiServerOps(self)  # the local API served from inside a front end (the app)

    @staticmethod
    def prepare_process() -> None:
        """What every front end's process does first: every embedded library offline and
        telemetry-free (``engine.net``), then logging to Hearth's log file. Idempotent."""
        from engine.logs import setup_logging
        from engine.net import enforce_offline_defaults

        enforce_offline_defaults()
        setup_logging()

    @classmethod
    def from_settings(cls, paths: Paths | None = None, **parts: Any) -> Core:
        """A core with the settings file's values; a broken file means defaults plus
        ``settings_problem`` (the front end tells the person)."""
        from engine.config import load_config

        loaded: LoadedConfig = load_config(paths)
        return cls(loaded.config, paths=paths, settings_problem=loaded.problem, **parts)

    # -- settings ------------------------------------------------------------------------------------
    @property
    def config(self) -> Config:
        """The settings in force (a copy: change them with :meth:`update_settings`)."""
        return self._config.model_copy(deep=True)

    def update_settings(self, new: Config | dict[str, Any], *, save: bool = True) -> SettingsChange:
        """Validate (``engine.config.validate_settings``), save, and apply: the parts whose
        settings changed are rebuilt at their next use. Raises ConfigError; nothing changes then."""
        cfg = validate_settings(new)
        old = self._config
        change = SettingsChange(model=cfg.model != old.model, documents=cfg.documents != old.documents,
                                privacy=cfg.privacy != old.privacy or cfg.cloud != old.cloud or cfg.sharing != old.sharing,
                                server=cfg.server != old.server)
        if save:
            save_config(cfg, self.paths)
        with self._lock:
            self._config = cfg
            if change.documents:
                self._docs = None
            if change.model or change.documents or change.privacy:
                self._router = None
                self._assistant = None
        return change

    # -- parts ---------------------------------------------------------------------------------------
    @property
    def chats(self) -> ChatStore:
        with self._lock:
            if self._chats is None:
                from engine.chats import ChatStore

                self._chats = ChatStore(self.paths.chats_db if self.paths else None)
            return self._chats

    @property
    def documents(self) -> Library:
        """The document service (collections, indexing, search), opened on first use."""
        with self._lock:
            if self._docs is None:
                if self._documents_factory is not None:
                    self._docs = self._documents_factory(self._config)
                else:
                    from engine.docs.service import DocumentService

                    self._docs = DocumentService(self.paths, self._config.documents)
            return self._docs

    def _documents_or_none(self) -> Library | None:
        try:
            return self.documents
        except ImportError:  # a partial install without the document stack
            return None

    def reset_documents(self) -> Library | None:
        """Forget the document service (its settings changed); returns the old one to close."""
        with self._lock:
            old, self._docs = self._docs, None
            self._router = None
            self._assistant = None
        return old

    def _audit_log(self) -> AuditLog:
        with self._lock:
            if self._audit is None:
                from engine.cloud.audit import AuditLog

                self._audit = AuditLog(self.paths.audit_log if self.paths else None)
            return self._audit

    def _usage_store(self) -> UsageStore:
        with self._lock:
            if self._usage is None:
                from engine.cloud.usage import UsageStore

                self._usage = UsageStore(self.paths.usage_db if self.paths else None)
            return self._usage

    # -- the model -----------------------------------------------------------------------------------
    @property
    def host(self) -> Host:
        """The chat model for the settings' default model (not loaded until :meth:`load_model`)."""
        with self._lock:
            if self._host is None:
                self._host = self._make_host(self._config.model.default)
            return self._host

    def _make_host(self, model_id: str) -> Host:
        from engine.inference import make_host
        from engine.models.registry import resolve_model

        # a local model process, or the OpenAI-compatible server in model.remote_url
        return make_host(resolve_model(model_id), self._config.model)

    @property
    def current_host(self) -> Host | None:
        """The chat model if one was made (None before first use and after :meth:`close_model`)."""
        return self._host

    @property
    def model_id(self) -> str:
        host = self._host
        model = host.model if host is not None else None
        return model.id if model is not None else self._config.model.default

    def model_status(self) -> str:
        """Which model answers and in which zone, for a status line ("Model: team server
        (trusted) · qwen2.5-7b"): the served model's name once a server answered."""
        host = self._host
        return self.model_server.status_text(getattr(host, "model_name", None) or self.model_id)

    @property
    def load_info(self) -> LoadInfo | None:
        return self._host.info if self._host is not None else None

    def use_model(self, model_id: str | None) -> Host:
        """Make ``model_id`` (an installed id or a .gguf path; None = the default) the chat model,
        unloading another one. Does not load it."""
        with self._lock:
            current = self._host.model.id if self._host is not None and self._host.model is not None else None
            wanted = model_id or self._config.model.default
            if self._host is not None and wanted in (current, getattr(self._host.model, "path", None)):
                return self._host
            host = self._make_host(wanted)  # resolves first: an unknown id leaves the current model alone
            old = self._detach_host()
            self._host = host
        _unload(old)
        return host

    def load_model(self, model_id: str | None = None) -> LoadInfo:
        """Load (or restart) the chat model; blocking — call it from a worker in the app."""
        host = self.use_model(model_id) if model_id is not None else self.host
        return host.load()

    def reload_model(self) -> LoadInfo:
        """Settings of the model changed: start a fresh host for the default model and load it."""
        self.close_model()
        return self.load_model()

    def _detach_host(self) -> Host | None:
        """Forget the host (and what was built on it); the caller unloads it outside the lock, so
        a settings change on the app's UI thread never waits for a model process to stop."""
        host, self._host = self._host, None
        self._assistant = None
        self._router = None
        return host

    def close_model(self) -> None:
        """Stop the model process and forget it (the next use makes a new one)."""
        with self._lock:
            old = self._detach_host()
        _unload(old)

    def unload_model(self) -> None:
        host = self._host
        if host is not None:
            host.unload()

    # -- routing and turns -----------------------------------------------------------------------------
    @property
    def router(self) -> Router:
        """The privacy router the settings ask for (built on first routing: it is not cheap)."""
        with self._lock:
            if self._router is None:
                self._router = _LazyRouter(self._config, self._documents_or_none, lambda: self._host)
            return self._router

    def prepare_draft(self, text: str) -> None:
        """A message being typed in a front end's composer: let the privacy router start on it
        (``PrivacyRouter.prepare``), so that sending it waits less. Call from a worker thread,
        debounced; it parses the draft on the calling thread. Does nothing when the settings send
        no message through the router (cloud help off and the model on this machine). Never raises."""
        from engine.cloud.zones import model_zone

        cfg = self._config
        if cfg.cloud.mode == "off" and model_zone(cfg.model) != "cloud":
            return
        try:
            prepare = getattr(self.router, "prepare", None)
            if prepare is not None:
                prepare(text)
        except Exception:  # a head start only: the send routes everything again
            log.debug("preparing a draft failed", exc_info=True)

    def assistant(self) -> Assistant:
        with self._lock:
            if self._assistant is None:
                # a copy: a turn's settings must not leak back into the core's
                self._assistant = self.new_assistant(self._config.model_copy(deep=True), self.chats, self.host)
            return self._assistant

    def new_assistant(self, cfg: Config, chats: ChatStore, host: Host) -> Assistant:
        """An assistant over this core's router, documents, audit and usage with other settings,
        store or host (the stateless turns of the API and MCP servers)."""
        from engine.assistant import Assistant

        docs = _LazyRetriever(self._documents_or_none)
        return Assistant(cfg, chats, host, docs=docs, router=self.router, cloud=self._cloud,
                         audit=self._audit_log(), usage=self._usage_store())

    def turn(self, chat_id: int, text: str, *, collection: str | None = None, cloud_mode: str | None = None,
             answer_locally: bool = False, confirm: Confirm | None = None) -> Iterator[TurnEvent]:
        """Ask ``text`` in conversation ``chat_id`` (see ``Assistant.turn`` for the events)."""
        a = self.assistant()
        return self._serialised(a.turn(chat_id, text, collection=collection, cloud_mode=cloud_mode,
                                       answer_locally=answer_locally, confirm=confirm))

    def regenerate(self, chat_id: int, **options: Any) -> Iterator[TurnEvent]:
        return self._serialised(self.assistant().regenerate(chat_id, **options))

    def edit_and_resend(self, chat_id: int, message_id: int, text: str, **options: Any) -> Iterator[TurnEvent]:
        return self._serialised(self.assistant().edit_and_resend(chat_id, message_id, text, **options))

    def cancel(self) -> None:
        """Stop the running answer (thread-safe; the partial answer is kept)."""
        a = self._assistant
        if a is not None:
            a.cancel()
        elif self._host is not None:
            self._host.cancel()

    def _serialised(self, events: Iterator[TurnEvent]) -> Iterator[TurnEvent]:
        with self.turn_lock:
            try:
                yield from events
            finally:
                close = getattr(events, "close", None)
                if close is not None:
                    close()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the model for work that is not a turn (a benchmark, a judge warm-up)."""
        with self.turn_lock:
            yield

    def complete(self, messages: list[dict[str, Any]], *, collection: str | None = None,
                 max_tokens: int | None = None, temperature: float | None = None,
                 answer_locally: bool = False) -> StatelessTurn:
        """Answer the last user message of a stateless exchange (the API and MCP servers);
        iterate the result for events, ``cancel()`` it from any thread.

        Runs through the same assistant, router, audit and usage as a chat, with the cloud mode
        of the settings (never one chosen by the caller); ``ask`` mode has nobody to confirm, so
        nothing is sent. Earlier messages count as private turns: the router treats them as
        never sent, so a follow-up to them stays on this computer. Nothing is kept in the chats
        history. ``answer_locally`` keeps it on this computer (unless the model itself runs on a
        server the person did not trust: then the router still decides). Raises ``BadRequest``
        for messages that cannot be answered."""
        from engine.core.stateless import StatelessTurn

        return StatelessTurn(self, messages, collection=collection, max_tokens=max_tokens, temperature=temperature,
                             answer_locally=answer_locally)

    # -- documents for other programs ----------------------------------------------------------------------
    def shared_collections(self) -> list[str]:
        """Collections the person shared with other apps (API and MCP clients) that exist."""
        shared = self._config.sharing.collections
        if not shared:
            return []
        have = {c.name for c in self.documents.collections()}
        return [c for c in shared if c in have]

    def check_shared(self, collection: str) -> None:
        """Raise NotShared unless other apps may read ``collection`` (see ``sharing`` settings)."""
        from engine.errors import NotShared

        if collection not in self.shared_collections():
            raise NotShared(f"The collection '{collection}' does not exist or is not shared with other apps.",
                            f"Share it with `hearth docs share {collection}` (API and MCP clients alike).")

    def search_shared(self, collection: str, query: str, k: int | None = None) -> list[Hit]:
        """Search a collection on behalf of another app (MCP): only a shared one."""
        self.check_shared(collection)
        return list(self.documents.search(collection, query, k))

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embeddings of ``texts`` with the documents' embedding model."""
        docs = self.documents
        embed = getattr(docs, "embed", None)  # the app's documents process embeds in its child
        vectors = embed(list(texts)) if embed is not None else docs.embedder.embed(list(texts))  # type: ignore[attr-defined]
        return [[float(x) for x in v] for v in vectors]

    @property
    def embedding_model(self) -> str:
        return self._config.documents.embedding_model

    # -- the local API's token ------------------------------------------------------------------------------
    @staticmethod
    def api_token() -> Token:
        """The local API's bearer token (made and stored in the keyring the first time; see
        ``engine.core.tokens``). ``created`` says whether to show it to the person now."""
        from engine.core import tokens

        return tokens.get_or_create()

    @staticmethod
    def rotate_api_token() -> Token:
        from engine.core import tokens

        return tokens.rotate()

    # -- diagnostics ---------------------------------------------------------------------------------------
    def diagnose(self, *, llama: bool = True, llama_timeout_s: float = 120.0) -> Report:
        """Every subsystem's ``diagnose()``, collected (``hearth doctor``; opens no connection)."""
        from engine.doctor import run_checks

        return run_checks(self.paths, llama=llama, llama_timeout_s=llama_timeout_s)

    # -- lifetime --------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the API server, the model process and close the stores (idempotent)."""
        self.api.stop()
        with self._lock:
            host = self._detach_host()
            docs, self._docs = self._docs, None
            chats = self._chats if self._owns_chats else None
            self._chats = None if self._owns_chats else self._chats
        _unload(host)
        if docs is not None:
            close = getattr(docs, "close", None)
            if close is not None:
                close()
        if chats is not None:
            chats.close()

    def __enter__(self) -> Core:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unload(host: Host | None) -> None:
    if host is not None:
        try:
            host.unload()
        except Exception:  # a dead child is fine to drop
            log.exception("unloading the previous model failed")


class _LazyRouter:
    """The router, built at its first ``route`` (importing it loads word lists and spaCy)."""

    def __init__(self, config: Config, docs: Callable[[], Retriever | None], host: Callable[[], Host | None]) -> None:
        self._config, self._docs, self._host = config, docs, host
        self._router: Router | None = None
        self._lock = threading.Lock()

    def real(self) -> Router:
        with self._lock:
            if self._router is None:
                from engine.privacy.wiring import make_router

                # pasted text that repeats an indexed document stays local; the judge, if on
                self._router = make_router(self._config.privacy, docs=self._docs(), host=self._host())
            return self._router

    def route(self, text: str, **options: Any) -> Any:
        return self.real().route(text, **options)

    def prepare(self, draft: str) -> None:
        prepare = getattr(self.real(), "prepare", None)
        if prepare is not None:
            prepare(draft)

    def warm_up(self) -> None:
        warm = getattr(self.real(), "warm_up", None)
        if warm is not None:
            warm()


class _LazyRetriever:
    """The document service, opened at the first search (a chat without documents never opens it)."""

    def __init__(self, docs: Callable[[], Retriever | None]) -> None:
        self._docs = docs

    def _real(self) -> Retriever:
        docs = self._docs()
        if docs is None:
            raise HearthError("Documents are not available in this installation.",
                              "Reinstall Hearth with its document support, or ask without documents.")
        return docs

    def search(self, collection: str, query: str, top_k: int | None = None, mode: str | None = None) -> Any:
        return self._real().search(collection, query, top_k, mode)

    def matches_indexed_text(self, text: str) -> bool:
        return self._real().matches_indexed_text(text)
