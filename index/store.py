"""The store: a collection on Chroma, the one source of truth, embedded (PersistentClient under the home folder)
or on a Chroma server. The same code serves both modes; only the client differs (index/chroma_client.py).

Each qa collection is two Chroma collections (`<name>` is its storage name, index/config.py):
- `qa-<name>-c`, the chunks: vector, text, and every `Chunk` field plus the source version's hash as metadata
  (the collection's own metadata holds the embedding model and the name the user gave);
- `qa-<name>-manifest`, one record per source (index/records.py), the generation stamp and the leases.
The stamp is a fresh random value written in the same upsert as every committed manifest change, so that
one small `get` by id tells a machine whether its local caches are current.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.chroma_client import call_store, open_client
from index.config import IndexConfig, storage_name
from index.document import Chunk
from index.errors import EmbeddingModelMismatchError, NothingIndexedError, StoreUnavailableError
from index.records import (
    SOURCE_HASH_KEY,
    SourceRecord,
    chunk_from,
    chunk_metadata,
    record_from,
    record_metadata,
)

EMBED_MODEL_KEY = "qa_embed_model"
NAME_KEY = "qa_name"  # the collection's name as the user gave it (its storage name may be a hashed form)
GENERATION_ID = "~generation"
_MARK = [1.0]  # manifest records need a vector; they are never searched
_PAGE = 2000  # below Chroma's max batch size


@dataclass(frozen=True)
class DenseHit:
    chunk_id: str
    score: float  # cosine similarity
    text: str
    metadata: dict


class VectorStore(Protocol):
    """What indexing and retrieval need of the store (ChromaStore is the one implementation)."""

    def generation(self) -> str | None: ...
    def manifest(self) -> dict[str, SourceRecord]: ...
    def records(self, sources: Iterable[str]) -> dict[str, SourceRecord]: ...
    def write_manifest(self, records: Iterable[SourceRecord], remove: Iterable[str] = ()) -> None: ...
    def upsert(self, chunks: list[Chunk], embeddings: np.ndarray, source_hashes: dict[str, str]) -> None: ...
    def chunks_of(self, sources: Iterable[str]) -> list[tuple[Chunk, str]]: ...
    def ids_for_sources(self, sources: Iterable[str]) -> set[str]: ...
    def delete(self, ids: Iterable[str]) -> None: ...
    def delete_sources(self, sources: Iterable[str]) -> None:
        """Every chunk of these sources, whatever version (deletion by source id)."""
        if not self.exists():
            return
        for where in self._by_source(sources):
            self._call(self.collection(create=False).delete, where=where)

    def query(self, embedding: np.ndarray, n: int) -> list[DenseHit]: ...


def _collection_name(name: str) -> str:
    """Chroma wants 3-512 characters of [a-zA-Z0-9._-], starting and ending alphanumeric, no "..";
    storage_name gives a distinct such name to every collection name."""
    return f"qa-{storage_name(name)}-c"


def _manifest_name(name: str) -> str:
    return f"qa-{storage_name(name)}-manifest"


class ChromaStore:
    """One collection's two Chroma collections. `client`: one lent by its owner (a `qa.Assistant`); without
    it the store opens its own, which `close()` releases."""

    def __init__(self, config: IndexConfig, client=None):
        self.config = config
        self.collection_name = config.collection
        self.chroma_url = config.chroma_url
        self.embed_model = config.embed_model
        self._owns_client = client is None
        self._client = open_client(config) if client is None else client
        self._collection = None
        self._manifest = None

    def close(self) -> None:
        self._collection = self._manifest = None
        if self._owns_client:
            self._client.close()

    def _call(self, fn, *args, **kwargs):
        return call_store(self.config, fn, *args, **kwargs)

    # -- the chunk collection --------------------------------------------------------------------------------
    def collection(self, create: bool):
        if self._collection is not None:
            return self._collection
        if create:
            col = self._call(
                self._client.get_or_create_collection,
                _collection_name(self.collection_name),
                metadata={
                    EMBED_MODEL_KEY: self.embed_model,
                    NAME_KEY: self.collection_name,
                    "hnsw:space": "cosine",
                },
                embedding_function=None,  # we always pass embeddings; Chroma's default would download a model
            )
        else:
            try:
                col = self._call(
                    self._client.get_collection,
                    _collection_name(self.collection_name),
                    embedding_function=None,
                )
            except StoreUnavailableError:
                raise
            except Exception:
                raise NothingIndexedError(self.collection_name) from None
        built_with = (col.metadata or {}).get(EMBED_MODEL_KEY)
        if built_with and built_with != self.embed_model:
            raise EmbeddingModelMismatchError(self.collection_name, built_with, self.embed_model)
        self._collection = col
        return col

    def _record_name(self, col) -> None:
        """Give the user's name to a collection created before names were recorded (at its next write)."""
        metadata = col.metadata or {}
        if metadata.get(NAME_KEY) != self.collection_name:
            kept = {k: v for k, v in metadata.items() if not k.startswith("hnsw:")}  # modify refuses these
            self._call(col.modify, metadata={**kept, NAME_KEY: self.collection_name})

    def exists(self) -> bool:
        try:
            self.collection(create=False)
            return True
        except NothingIndexedError:
            return False

    def count(self) -> int:
        return self._call(self.collection(create=False).count) if self.exists() else 0

    def upsert(self, chunks: list[Chunk], embeddings: np.ndarray, source_hashes: dict[str, str]) -> None:
        """Idempotent: a chunk's id is keyed by its source and text, so writing the same version twice is one write."""
        col = self.collection(create=True)
        self._record_name(col)
        for i in range(0, len(chunks), _PAGE):
            part = chunks[i : i + _PAGE]
            self._call(
                col.upsert,
                ids=[c.id for c in part],
                embeddings=embeddings[i : i + _PAGE],
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(c, source_hashes.get(c.source, "")) for c in part],
            )

    def ids_for_sources(self, sources: Iterable[str]) -> set[str]:
        ids: set[str] = set()
        for where in self._by_source(sources):
            ids.update(self._call(self.collection(create=False).get, where=where, include=[])["ids"])
        return ids

    def chunks_of(self, sources: Iterable[str]) -> list[tuple[Chunk, str]]:
        """The chunks of these sources with the hash of the version each was written for."""
        found: list[tuple[Chunk, str]] = []
        for where in self._by_source(sources):
            got = self._call(
                self.collection(create=False).get, where=where, include=["documents", "metadatas"]
            )
            found.extend(
                chunk_from(i, t or "", m or {})
                for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])
            )
        return found

    def all_chunks(self, include_text: bool = True) -> list[tuple[Chunk, str]]:
        """Every chunk in the collection, page by page (a fresh machine's cache is built from this)."""
        if not self.exists():
            return []
        include = ["documents", "metadatas"] if include_text else ["metadatas"]
        found: list[tuple[Chunk, str]] = []
        offset = 0
        while True:
            got = self._call(self.collection(create=False).get, include=include, limit=_PAGE, offset=offset)
            texts = got.get("documents") or [""] * len(got["ids"])
            found.extend(
                chunk_from(i, t or "", m or {}) for i, t, m in zip(got["ids"], texts, got["metadatas"])
            )
            if len(got["ids"]) < _PAGE:
                return found
            offset += _PAGE

    def all_ids(self) -> set[str]:
        if not self.exists():
            return set()
        ids: set[str] = set()
        offset = 0
        while True:
            got = self._call(self.collection(create=False).get, include=[], limit=_PAGE, offset=offset)["ids"]
            ids.update(got)
            if len(got) < _PAGE:
                return ids
            offset += _PAGE

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if not ids or not self.exists():
            return
        col = self.collection(create=False)
        for i in range(0, len(ids), _PAGE):
            self._call(col.delete, ids=ids[i : i + _PAGE])

    def delete_sources(self, sources: Iterable[str]) -> None:
        """Every chunk of these sources, whatever version (deletion by source id)."""
        if not self.exists():
            return
        for where in self._by_source(sources):
            self._call(self.collection(create=False).delete, where=where)

    def query(self, embedding: np.ndarray, n: int) -> list[DenseHit]:
        col = self.collection(create=False)
        result = self._call(
            col.query,
            query_embeddings=[embedding],
            n_results=n,
            include=["documents", "metadatas", "distances"],
        )
        return [
            DenseHit(chunk_id=i, score=1.0 - float(d), text=t or "", metadata=dict(m or {}))
            for i, t, m, d in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
            )
        ]

    def drop(self) -> None:
        for name in (_collection_name(self.collection_name), _manifest_name(self.collection_name)):
            try:
                self._call(self._client.delete_collection, name)
            except StoreUnavailableError:
                raise
            except Exception:
                pass  # already gone
        self._collection = self._manifest = None

    @staticmethod
    def _by_source(sources: Iterable[str]):
        sources = sorted(set(sources))
        for i in range(0, len(sources), 100):
            part = sources[i : i + 100]
            yield {"source": part[0]} if len(part) == 1 else {"source": {"$in": part}}

    # -- the manifest ----------------------------------------------------------------------------------------
    def manifest_collection(self, create: bool = True):
        """The manifest's Chroma collection; None when it does not exist and `create` is False (reading an
        unknown collection creates nothing)."""
        if self._manifest is None and not create:
            try:
                self._manifest = self._call(
                    self._client.get_collection, _manifest_name(self.collection_name), embedding_function=None
                )
            except StoreUnavailableError:
                raise
            except Exception:
                return None
        if self._manifest is None:
            self._manifest = self._call(
                self._client.get_or_create_collection,
                _manifest_name(self.collection_name),
                metadata={"hnsw:space": "l2"},
                embedding_function=None,
            )
        return self._manifest

    def generation(self) -> str | None:
        """The stamp of the last committed change: one small get by id."""
        col = self.manifest_collection(create=False)
        if col is None:
            return None
        got = self._call(col.get, ids=[GENERATION_ID], include=["metadatas"])
        return str(got["metadatas"][0].get("stamp")) if got["ids"] else None

    def manifest(self) -> dict[str, SourceRecord]:
        records: dict[str, SourceRecord] = {}
        col = self.manifest_collection(create=False)
        offset = 0
        while col is not None:
            got = self._call(
                col.get,
                where={"kind": "source"},
                include=["metadatas"],
                limit=_PAGE,
                offset=offset,
            )
            for meta in got["metadatas"]:
                record = record_from(meta)
                records[record.source] = record
            if len(got["ids"]) < _PAGE:
                return records
            offset += _PAGE
        return records

    def records(self, sources: Iterable[str]) -> dict[str, SourceRecord]:
        """The current records of these sources (one get by ids)."""
        sources = list(sources)
        found: dict[str, SourceRecord] = {}
        col = self.manifest_collection(create=False)
        for i in range(0, len(sources) if col is not None else 0, _PAGE):
            ids = [source_id(s) for s in sources[i : i + _PAGE]]
            got = self._call(col.get, ids=ids, include=["metadatas"])
            for meta in got["metadatas"]:
                record = record_from(meta)
                found[record.source] = record
        return found

    def write_manifest(self, records: Iterable[SourceRecord], remove: Iterable[str] = ()) -> None:
        """Upsert these records (and delete those of `remove`), then a new generation stamp. The upsert carries
        the stamp, so a reader that sees the records sees a new stamp too."""
        col = self.manifest_collection()
        gone = [source_id(s) for s in remove]
        for i in range(0, len(gone), _PAGE):
            self._call(col.delete, ids=gone[i : i + _PAGE])
        records = list(records)
        stamp = {"kind": "generation", "stamp": uuid.uuid4().hex, "at": time.time()}
        for i in range(0, max(len(records), 1), _PAGE - 1):
            part = records[i : i + _PAGE - 1]
            last = i + _PAGE - 1 >= len(records)
            ids = [source_id(r.source) for r in part] + ([GENERATION_ID] if last else [])
            metas = [record_metadata(r) for r in part] + ([stamp] if last else [])
            self._call(col.upsert, ids=ids, embeddings=[_MARK] * len(ids), metadatas=metas)

    def touch(self, records: Iterable[SourceRecord]) -> None:
        """Record a new size and mtime (same content): not a change anyone must see, so no new stamp."""
        records = list(records)
        for i in range(0, len(records), _PAGE):
            part = records[i : i + _PAGE]
            self._call(
                self.manifest_collection().upsert,
                ids=[source_id(r.source) for r in part],
                embeddings=[_MARK] * len(part),
                metadatas=[record_metadata(r) for r in part],
            )


def source_id(source: str) -> str:
    import hashlib

    return "src:" + hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


__all__ = ["SOURCE_HASH_KEY", "ChromaStore", "DenseHit", "VectorStore", "source_id"]
