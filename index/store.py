"""The vector store: a Chroma collection, embedded (PersistentClient under QA_HOME) or on a Chroma server.

The same code serves both modes; only the client differs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from index.config import storage_name
from index.document import Chunk
from index.errors import EmbeddingModelMismatchError, NothingIndexedError, StoreUnavailableError
from index.redact import redact

EMBED_MODEL_KEY = "qa_embed_model"


@dataclass(frozen=True)
class DenseHit:
    chunk_id: str
    score: float  # cosine similarity
    text: str
    metadata: dict


def _chroma_settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


@functools.lru_cache(maxsize=8)
def _client(chroma_url: str | None, path: str):
    """One client per store per process (Chroma keeps its own caches in it)."""
    import chromadb

    if chroma_url:
        url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=_chroma_settings(),
            )
            client.heartbeat()
        except Exception as e:  # chromadb raises assorted httpx/value errors for an unreachable server
            _client.cache_clear()
            raise StoreUnavailableError(
                redact(
                    f"Cannot reach the Chroma server at {chroma_url} ({type(e).__name__}). Start it "
                    f"(`chroma run --path DIR --port {url.port or 8000}`) or unset QA_CHROMA_URL to use the embedded store."
                )
            ) from None
        return client
    Path(path).mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=path, settings=_chroma_settings())
    except Exception as e:
        raise StoreUnavailableError(redact(f"Cannot open the embedded Chroma store in {path}: {e}")) from None


def _collection_name(name: str) -> str:
    """Chroma wants 3-512 characters of [a-zA-Z0-9._-], starting and ending alphanumeric, no "..";
    storage_name gives a distinct such name to every collection name."""
    return f"qa-{storage_name(name)}-c"


def collection_names(home: Path, chroma_url: str | None) -> list[str]:
    """The qa collections in a store, by storage name (for a plain name, the name itself; a storage name
    also opens its collection, since storage_name maps it to itself)."""
    client = _client(chroma_url, str(home / "chroma"))
    try:
        found = client.list_collections()
    except Exception as e:
        if chroma_url and _is_connection_error(e):
            raise StoreUnavailableError(
                redact(f"Lost the Chroma server at {chroma_url}; is it still running?")
            ) from None
        raise
    names = (getattr(c, "name", c) for c in found)  # Collection objects (chromadb 1.x) or names
    return sorted(n[3:-2] for n in names if n.startswith("qa-") and n.endswith("-c") and len(n) > 5)


class ChromaStore:
    def __init__(self, collection: str, home: Path, chroma_url: str | None, embed_model: str):
        self.collection_name = collection
        self.chroma_url = chroma_url
        self.embed_model = embed_model
        self._client = _client(chroma_url, str(home / "chroma"))
        self._collection = None

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if self.chroma_url and _is_connection_error(e):
                raise StoreUnavailableError(
                    redact(
                        f"Lost the Chroma server at {self.chroma_url} ({type(e).__name__}); is it still running?"
                    )
                ) from None
            raise

    def collection(self, create: bool):
        if self._collection is not None:
            return self._collection
        if create:
            col = self._call(
                self._client.get_or_create_collection,
                _collection_name(self.collection_name),
                metadata={EMBED_MODEL_KEY: self.embed_model, "hnsw:space": "cosine"},
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

    def exists(self) -> bool:
        try:
            self.collection(create=False)
            return True
        except NothingIndexedError:
            return False

    def count(self) -> int:
        return self._call(self.collection(create=False).count) if self.exists() else 0

    def upsert(self, chunks: list[Chunk], embeddings: np.ndarray) -> None:
        col = self.collection(create=True)
        step = 2000  # below Chroma's max batch size
        for i in range(0, len(chunks), step):
            part = chunks[i : i + step]
            self._call(
                col.upsert,
                ids=[c.id for c in part],
                embeddings=embeddings[i : i + step],
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
            )

    def ids_for_sources(self, sources: Iterable[str]) -> set[str]:
        sources = list(sources)
        if not sources or not self.exists():
            return set()
        col = self.collection(create=False)
        where = {"source": sources[0]} if len(sources) == 1 else {"source": {"$in": sources}}
        return set(self._call(col.get, where=where, include=[])["ids"])

    def all_ids(self) -> set[str]:
        if not self.exists():
            return set()
        col = self.collection(create=False)
        ids: set[str] = set()
        offset, page = 0, 10000
        while True:
            got = self._call(col.get, include=[], limit=page, offset=offset)["ids"]
            ids.update(got)
            if len(got) < page:
                return ids
            offset += page

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if not ids or not self.exists():
            return
        col = self.collection(create=False)
        for i in range(0, len(ids), 2000):
            self._call(col.delete, ids=ids[i : i + 2000])

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
        if self.exists():
            self._call(self._client.delete_collection, _collection_name(self.collection_name))
        self._collection = None


def _metadata(chunk: Chunk) -> dict:
    meta = {
        "source": chunk.source,
        "title": chunk.title,
        "start": chunk.start,
        "end": chunk.end,
        "heading": chunk.heading,
        "ordinal": chunk.ordinal,
    }
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta


def _is_connection_error(e: Exception) -> bool:
    name = type(e).__name__.lower()
    text = str(e).lower()
    return any(w in name for w in ("connect", "timeout", "network", "remoteprotocol")) or any(
        w in text for w in ("connection refused", "could not connect", "connecterror", "timed out")
    )
