"""The typed seams between Hearth's parts: what the Assistant and the core need from a model
host, a document retriever, the privacy router and a cloud provider.

These are structural (``typing.Protocol``): ``ModelHost`` and ``RemoteHost``, the in-process
``DocumentService`` and the app's documents child process, ``PrivacyRouter`` and both cloud SDK
providers satisfy them without inheriting from anything, and so does a test double. This
module imports nothing heavy (no llama_cpp, chromadb, torch, Qt), so any layer may use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Iterator, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    import threading
    from pathlib import Path

    from engine.docs.indexer import IndexReport, ProgressFn
    from engine.docs.passages import Passage
    from engine.docs.service import CollectionStatus
    from engine.events import Citation
    from engine.inference.types import FitResult, GenerationStats, LoadInfo
    from engine.models.registry import InstalledModel
    from engine.privacy.conversation import Conversation
    from engine.privacy.router import RouteDecision

Messages = list[dict[str, Any]]


@runtime_checkable
class Host(Protocol):
    """A chat model: the local child process (``ModelHost``) or a server (``RemoteHost``)."""

    model: InstalledModel | None

    @property
    def info(self) -> LoadInfo | None: ...

    @property
    def last_stats(self) -> GenerationStats | None: ...

    def load(self) -> LoadInfo: ...

    def unload(self) -> None: ...

    def cancel(self) -> None: ...

    def stream_chat(self, messages: Messages, **overrides: Any) -> Iterator[str]: ...

    def count_tokens(self, messages: Messages) -> int: ...

    def fit_messages(self, system: str | None, history: Messages, new: str | dict[str, Any], *,
                     max_tokens: int | None = None) -> FitResult: ...


class Hit(Protocol):
    """One retrieved passage (``engine.docs.search.SearchHit``).

    Read-only members: SearchHit is a frozen dataclass, and a settable protocol attribute would
    not admit it."""

    @property
    def path(self) -> str: ...

    @property
    def rel_path(self) -> str: ...

    @property
    def page(self) -> int | None: ...

    @property
    def heading(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def score(self) -> float: ...

    def citation(self, snippet_chars: int = ...) -> Citation: ...

    def to_json(self) -> dict[str, Any]: ...


@runtime_checkable
class Retriever(Protocol):
    """Document search as the Assistant and the router use it (``DocumentService`` or the app's
    documents process)."""

    def search(self, collection: str, query: str, top_k: int | None = None,
               mode: str | None = None) -> Sequence[Hit]: ...

    def matches_indexed_text(self, text: str) -> bool: ...


class Library(Retriever, Protocol):
    """Collections as the front ends manage them: the retriever plus indexing and status."""

    def add(self, collection: str, paths: Iterable[str | Path], progress: ProgressFn | None = None,
            cancel: threading.Event | None = None) -> IndexReport: ...

    def reindex(self, collection: str, progress: ProgressFn | None = None,
                cancel: threading.Event | None = None) -> IndexReport: ...

    def remove(self, collection: str, paths: Iterable[str | Path] = ()) -> IndexReport | None: ...

    def collections(self) -> list[CollectionStatus]: ...

    def status(self, collection: str) -> CollectionStatus: ...

    def passage(self, path: str, start: int, end: int, context: int = 600) -> Passage | None: ...


@runtime_checkable
class Router(Protocol):
    """The privacy router (``engine.privacy.router.PrivacyRouter``)."""

    def route(self, text: str, *, history: Sequence[dict[str, Any]] = (), retrieved_private: bool = False,
              tainted: bool = False, user_terms: Sequence[str] = (),
              conversation: Conversation | None = None) -> RouteDecision: ...


@runtime_checkable
class Provider(Protocol):
    """An endpoint off this machine that answers a routed message: a cloud SDK provider, or a
    model server seen as one (``engine.cloud.zones.HostEndpoint``)."""

    name: str
    model: str

    def stream(self, messages: Messages) -> Iterator[str]: ...

    def cancel(self) -> None: ...
