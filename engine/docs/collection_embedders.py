"""Which embedder each collection uses: the one it was built with, never simply the settings'.

Vectors of two embedders cannot be compared — not even the int8 and float32 graphs of one model
(same dimension, nearby but different space) — so a collection is searched and updated with the
embedder it was built with:

* a new collection records ``documents.embedding_model`` in its manifest row as it is made
  (:func:`~engine.docs.embedder.for_new_collection`: the int8 MiniLM graph by default, its float32
  model where no int8 graph is installed);
* a row without a record (made before records were kept) means the float32 ``all-MiniLM-L6-v2``
  every such collection was built with;
* a shared collection uses what its Chroma server records (asked once per process), so clients
  with other settings still compare like with like;
* changing the setting affects new collections only; ``hearth docs reindex NAME --rebuild``
  switches one (:meth:`DocumentService.reindex`);
* a recorded embedder that cannot be loaded here is an :class:`~engine.errors.IndexError_` that
  says what to do and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Callable

from engine.config import DocumentSettings
from engine.docs.embedder import Embedder, for_new_collection, get_embedder
from engine.docs.manifest import CollectionRow
from engine.docs.vectors import VectorStore
from engine.errors import HearthError, IndexError_
from engine.starter import STARTER_EMBEDDER_ID

log = logging.getLogger(__name__)

# What a manifest row without a record was built with (the only default before records were kept).
RECORDLESS = STARTER_EMBEDDER_ID


class CollectionEmbedders:
    """One per document service: the embedder of each collection, loaded on demand."""

    def __init__(self, settings: DocumentSettings, server_store: Callable[[CollectionRow], VectorStore]) -> None:
        self.settings = settings
        self._server_store = server_store
        self._server_records: dict[tuple[str, str], str] = {}  # (url, collection name) -> the server's record

    def for_new(self) -> str:
        """The embedder a new collection is made with now."""
        return for_new_collection(self.settings.embedding_model)

    def model_id(self, coll: CollectionRow) -> str:
        """The embedder ``coll``'s vectors are made with (may ask a shared collection's server once)."""
        if coll.server:
            key = (coll.server, coll.name)
            theirs = self._server_records.get(key)
            if theirs is None:
                theirs = self._server_store(coll).recorded_embedder(coll.id)
                if theirs:
                    self._server_records[key] = theirs
            if theirs:
                return theirs
        return coll.embed_model or RECORDLESS

    def known_id(self, coll: CollectionRow) -> str:
        """:meth:`model_id` without asking a server (status works offline): a shared collection's
        row holds what its server recorded when this client last indexed it."""
        return self._server_records.get((coll.server, coll.name)) or coll.embed_model or RECORDLESS

    def of(self, coll: CollectionRow) -> Embedder:
        """The loaded embedder of ``coll``, or a clear error that changes nothing."""
        return self.loaded(self.model_id(coll), coll)

    @staticmethod
    def loaded(model_id: str, coll: CollectionRow | None = None, listed: bool = True) -> Embedder:
        """``model_id``'s embedder, loaded. With ``coll``, a model that cannot load is reported as
        that collection's (``listed``: the collection exists here already)."""
        emb = get_embedder(model_id)
        try:
            emb.model  # loads once per process
        except HearthError as exc:
            if coll is None:
                raise
            keep = ("Nothing was changed: the collection and its vectors are kept as they are, and keyword "
                    "search (--mode bm25) still works. " if listed else "Nothing was added here. ")
            fix = (f"Install that model here, or ask whoever manages {coll.server} which one to use."
                   if coll.server else
                   f"Install that model here (the int8 one comes with `make install`), or rebuild the collection "
                   f"with the model in your settings: `hearth docs reindex {coll.name} --rebuild`.")
            raise IndexError_(f"The collection '{coll.name}' was built with the embedding model '{model_id}', which "
                              f"cannot be loaded here: {exc.message}", keep + fix) from exc
        return emb

    def warm_up(self, collections: list[CollectionRow]) -> None:
        """Load the embedders of this computer's collections (the one new collections get when
        there are none); one that cannot load is logged: the search that needs it says so."""
        models = {self.model_id(c) for c in collections if not c.server} or {self.for_new()}
        for model_id in sorted(models):
            try:
                get_embedder(model_id).embed(["warm up"])
            except HearthError as exc:
                log.warning("could not load the embedding model %s: %s", model_id, exc.message)
