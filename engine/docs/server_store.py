"""Vector collections on a Chroma server, shared by a team (``chroma run``, or Chroma behind a
TLS proxy that checks a token).

:class:`ServerVectorStore` has :class:`~engine.docs.vectors.VectorStore`'s interface, so the
indexer and the search code do not care where vectors live. What differs, and why:

* One store per shared collection. Its chroma name comes from the Hearth collection's name
  (:func:`server_collection_name`): every client that adds a collection of that name on that
  server shares it, whatever its local manifest calls it.
* Chunks carry their text and place (path relative to the collection folder, heading, offsets,
  the embedded text) as chroma documents and metadata, so a client that did not index them can
  still search them and show citations. Absolute paths of the indexing computer never leave it.
* Chunk ids are derived from the relative path and the chunk's text (indexer.server_chunk_ids):
  clients indexing the same folder write the same ids, and upserting them again after a crash
  converges instead of duplicating.
* ``drop`` only forgets the collection here: removing it from one client must not delete what
  the rest of the team uses.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Iterator

from engine.docs.vectors import VectorStore
from engine.net import chroma_client, chroma_server_error

PAGE = 1000  # chunks per request when reading a whole collection (keyword index rebuild)
NAME_KEY = "hearth_name"  # a shared collection's metadata: the Hearth name people gave it


def server_collection_name(name: str) -> str:
    """A valid chroma name (3-512 of [A-Za-z0-9._-], alphanumeric ends) that is the same on
    every client for the same Hearth collection name."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name.strip()).strip("-_")[:60]
    digest = hashlib.sha1(name.strip().encode("utf-8")).hexdigest()[:10]
    return f"hearth-{slug}-{digest}" if slug else f"hearth-{digest}"


_SHARED = re.compile(r"^hearth-(?:(?P<slug>.+)-)?(?P<digest>[0-9a-f]{10})$")


def shared_collection_names(collections: list[tuple[str, dict[str, Any] | None]]) -> list[str]:
    """The Hearth names of the shared collections among chroma ``(name, metadata)`` pairs: the
    name in the metadata when it matches the chroma name (a name is what another client joins
    with), else the slug; collections Hearth did not make are left out."""
    out = []
    for chroma_name, meta in collections:
        m = _SHARED.match(str(chroma_name))
        if not m:
            continue
        named = (meta or {}).get(NAME_KEY)
        if isinstance(named, str) and server_collection_name(named) == chroma_name:
            out.append(named)
        else:  # made before names were recorded: the slug is the best guess
            out.append(m.group("slug") or "(unnamed)")
    return sorted(out, key=str.lower)


class ServerVectorStore(VectorStore):
    remote = True

    def __init__(self, url: str, collection: str, *, token: str | None = None, allow_http: bool = False) -> None:
        self.url = url
        self.name = collection.strip()
        self.collection_name = server_collection_name(collection)
        self.where = f"on the Chroma server {url}"
        self._token_sent = bool(token)
        self.client = chroma_client(url, token=token, allow_http=allow_http)
        self._init_state()
        try:
            self.max_batch = int(self.client.get_max_batch_size())
        except Exception:
            self.max_batch = 1000

    def shared_names(self) -> list[str]:
        """The Hearth names of the shared collections on this server (asks the server)."""
        try:
            found = [(str(getattr(c, "name", c)), getattr(c, "metadata", None)) for c in self.client.list_collections()]
        except Exception as exc:
            raise self._error(exc) from exc
        return shared_collection_names(found)

    def _name(self, cid: int) -> str:  # type: ignore[override]  # one store per shared collection
        return self.collection_name

    def _new_metadata(self) -> dict[str, Any]:
        return {NAME_KEY: self.name}

    def _error(self, exc: Exception, *, opening: bool = False) -> Exception:
        return chroma_server_error(exc, self.url, token_sent=self._token_sent)

    def rows(self, cid: int, ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """id -> (chunk text, metadata) of the chunks among ``ids`` that the server holds."""
        if not ids:
            return {}
        try:
            got = self._coll(cid).get(ids=ids, include=["documents", "metadatas"])
        except Exception as exc:
            raise self._error(exc) from exc
        return {i: (d or "", dict(m or {})) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    def iter_rows(self, cid: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every chunk of the collection as (id, text, metadata), a page at a time."""
        coll = self._coll(cid)
        offset = 0
        while True:
            try:
                got = coll.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
            except Exception as exc:
                raise self._error(exc) from exc
            yield from zip(got["ids"], [d or "" for d in got["documents"]], [dict(m or {}) for m in got["metadatas"]])
            if len(got["ids"]) < PAGE:
                return
            offset += PAGE

    def drop(self, cid: int) -> None:
        """Forget the collection on this client; the shared collection stays on the server."""
        with self._coll_lock:
            self._collections.pop(cid, None)
            self._checked.discard(cid)
