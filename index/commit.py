"""Committing source versions to the store, and removing them: the protocol that lets many machines write one
collection at once without losing, orphaning or duplicating chunks (README "Scaling out").

One source version is written in four steps:
1. its manifest record says 'pending' (with the new content hash) before any chunk is written, so every chunk on
   the store has a record;
2. its chunks are upserted, each tagged with the version's hash (ids are keyed by source and text: writing the
   same version twice is one write);
3. its chunks of other versions are deleted, by source;
4. its record says 'done' with the new hash, in the same upsert as a new generation stamp; then its chunks are
   counted once more: a removal racing this write may have deleted some, and they are written again.
A removal marks the records 'removing', deletes the chunks by source, then the records.
"""

from __future__ import annotations

import dataclasses
import time

from index.lease import CollectionLease
from index.records import DONE, PENDING, REMOVING, SourceRecord


def write_sources(store, catalog, entries, known: dict[str, SourceRecord], writer: str, vectors) -> list[str]:
    """Write source versions [(source, hash, size, mtime_ns, chunks)] by the four steps in the module docstring;
    `vectors(chunks)` embeds chunks. Returns the sources written: a version another machine committed meanwhile
    is not written again."""
    current = store.records(source for source, *_ in entries)
    for source, digest, *_ in entries:
        record = current.get(source)
        if record is not None and record.state == DONE and record.hash == digest:
            catalog.touch(record)  # its chunks arrive with the next refresh
    entries = [
        e
        for e in entries
        if not (e[0] in current and current[e[0]].state == DONE and current[e[0]].hash == e[1])
    ]
    if not entries:
        return []
    pending = []
    for source, digest, size, mtime_ns, _ in entries:
        before = known.get(source)
        base = before or SourceRecord(source, "", size, mtime_ns, PENDING)
        pending.append(dataclasses.replace(base, state=PENDING, pending_hash=digest, writer=writer))
    store.write_manifest(pending)
    catalog.mark_pending(pending)
    chunks = [ch for *_, chs in entries for ch in chs]
    hashes = {source: digest for source, digest, *_ in entries}
    if chunks:
        embeddings = vectors(chunks)
        store.upsert(chunks, embeddings, hashes)
    written = {ch.id for ch in chunks}
    store.delete(store.ids_for_sources(hashes) - written)
    now = time.time()
    done = [
        SourceRecord(
            source, digest, size, mtime_ns, DONE, chs[0].title if chs else "", len(chs), now, "", writer
        )
        for source, digest, size, mtime_ns, chs in entries
    ]
    store.write_manifest(done)
    if chunks and store.ids_for_sources(hashes) & written != written:
        store.upsert(chunks, embeddings, hashes)  # a removal of these sources raced us: ours is the last word
    catalog.replace_chunks({source: chs for source, *_, chs in entries}, done)
    return [source for source, *_ in entries]


def reconcile_orphans(store, known: dict[str, SourceRecord]) -> None:
    """Delete orphans: chunks of no source, or of a version no record names (left by killed runs and races).

    Counting first keeps this free when the store agrees with its manifest, the normal case. Otherwise it takes
    the collection's lease (skipped when another machine holds it: that one is cleaning up). The chunks are read
    before the manifest: a writer records a source before writing its chunks, so a chunk seen has its record."""
    expected = sum(r.chunks for r in known.values() if r.state == DONE)
    if store.count() == expected and all(r.state == DONE for r in known.values()):
        return
    lease = CollectionLease(store, wait_seconds=0)
    if not lease.try_acquire():
        return
    try:
        tagged = store.all_chunks(include_text=False)
        records = store.manifest()
        orphans = []
        for chunk, version in tagged:
            record = records.get(chunk.source)
            if (
                record is None
                or record.state == REMOVING
                or version not in (record.hash, record.pending_hash)
            ):
                orphans.append(chunk.id)
        store.delete(orphans)
    finally:
        lease.release()


def remove_from_store(store, catalog, records: list[SourceRecord], writer: str) -> None:
    """Remove sources by id: records say 'removing', their chunks go (by source), then the records."""
    if not records:
        return
    removing = [dataclasses.replace(r, state=REMOVING, writer=writer) for r in records]
    store.write_manifest(removing)
    catalog.mark_pending(removing)
    sources = [r.source for r in records]
    store.delete_sources(sources)
    store.write_manifest([], remove=sources)
    catalog.remove_sources(sources)
