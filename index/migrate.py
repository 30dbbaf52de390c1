"""Moving a collection from one store to another (typically the embedded store onto a Chroma server): the
committed chunks with their vectors, text and metadata, then the manifest, under the target's collection lease.
Nothing is embedded again. Copying twice is harmless (upserts keyed by id)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass

from index.config import IndexConfig
from index.errors import ConfigError, NothingIndexedError
from index.lease import CollectionLease
from index.records import SOURCE_HASH_KEY
from index.store import ChromaStore

_PAGE = 1000


@dataclass(frozen=True)
class MigrateReport:
    chunks: int
    sources: int


def migrate(
    source: IndexConfig, target: IndexConfig, progress: Callable[[int, int], None] | None = None
) -> MigrateReport:
    if source.store_key == target.store_key:
        raise ConfigError("The target is the store the collection is in already: give another --to URL.")
    with closing(ChromaStore(source)) as origin, closing(ChromaStore(target)) as destination:
        return _copy(origin, destination, progress)


def _copy(origin: ChromaStore, destination: ChromaStore, progress) -> MigrateReport:
    if not origin.exists():
        raise NothingIndexedError(origin.collection_name)
    records = {s: r for s, r in origin.manifest().items() if r.listed}
    with CollectionLease(destination):
        col, out = origin.collection(create=False), destination.collection(create=True)
        total, copied, offset = origin.count(), 0, 0
        while True:
            got = origin._call(
                col.get, include=["embeddings", "documents", "metadatas"], limit=_PAGE, offset=offset
            )
            keep = [
                i
                for i, meta in enumerate(got["metadatas"])
                if (record := records.get(str(meta.get("source"))))
                and meta.get(SOURCE_HASH_KEY) == record.hash
            ]
            if keep:
                destination._call(
                    out.upsert,
                    ids=[got["ids"][i] for i in keep],
                    embeddings=[got["embeddings"][i] for i in keep],
                    documents=[got["documents"][i] for i in keep],
                    metadatas=[got["metadatas"][i] for i in keep],
                )
            copied += len(keep)
            offset += len(got["ids"])
            if progress:
                progress(offset, total)
            if len(got["ids"]) < _PAGE:
                break
        destination.write_manifest(records.values())  # the sources appear once all their chunks are there
    return MigrateReport(chunks=copied, sources=len(records))
