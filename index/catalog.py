"""The lexical index of a collection: a local SQLite cache of its chunks and manifest, derived from Chroma, with an
FTS5 full-text index that ranks chunks by BM25.

Chroma is the truth (index/store.py). `refresh(store)` keeps this cache current: one small `get` of the store's
generation stamp; when it differs from the stamp the cache was built at, the manifest is read and only the sources
whose committed version changed are fetched again. A missing cache is built from the store, a corrupt one is
deleted and built again. The indexer also writes through it, so its own machine sees its work at once.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from index.document import Chunk
from index.records import REMOVING, SourceRecord, SourceState, chunk_from_json, chunk_to_json
from index.text import STOPWORDS

__all__ = ["Catalog", "LexicalHit", "LexicalIndex", "SourceRecord", "SourceState"]

SCHEMA_VERSION = "2"  # a cache of another schema is rebuilt from the store
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sources(           -- the store's manifest records, as last seen or written here
    source TEXT PRIMARY KEY, hash TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    state TEXT NOT NULL, title TEXT NOT NULL DEFAULT '', chunks INTEGER NOT NULL DEFAULT 0,
    indexed_at REAL NOT NULL, pending_hash TEXT NOT NULL DEFAULT '', writer TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS chunks(            -- the chunks of each source's committed version
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL, title TEXT NOT NULL,
    text TEXT NOT NULL, heading TEXT NOT NULL, ordinal INTEGER NOT NULL,
    fields TEXT NOT NULL                      -- every Chunk field as JSON
);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source, ordinal);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, title, heading, content='chunks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text, title, heading) VALUES (new.rowid, new.text, new.title, new.heading);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text, title, heading)
    VALUES ('delete', old.rowid, old.text, old.title, old.heading);
END;
CREATE TABLE IF NOT EXISTS unit_vectors(      -- the vectors of a chunk's answer units, written by the indexer
    chunk_id TEXT NOT NULL, text TEXT NOT NULL, vector BLOB NOT NULL  -- a rowid table: half the size for blobs
);
CREATE UNIQUE INDEX IF NOT EXISTS unit_vectors_by_chunk ON unit_vectors(chunk_id, text);
CREATE TRIGGER IF NOT EXISTS unit_vectors_ad AFTER DELETE ON chunks BEGIN
    DELETE FROM unit_vectors WHERE chunk_id = old.id;
END;
"""

_TERM = re.compile(r"\w+")
_FETCH_ALL_AT = (
    200  # more changed sources than this: page through the whole store instead of asking per source
)


@dataclass(frozen=True)
class LexicalHit:
    chunk: Chunk
    score: float  # BM25 (higher is better)


class LexicalIndex(Protocol):
    """What retrieval needs of the lexical side (Catalog is the one implementation)."""

    def refresh(self, store, stamp: object = ...) -> bool: ...
    def search(self, query: str, limit: int) -> list[LexicalHit]: ...
    def chunks_by_id(self, ids: Iterable[str]) -> dict[str, Chunk]: ...
    def known_ids(self, ids: Iterable[str]) -> set[str]: ...
    def unit_vectors(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]: ...
    def chunk_count(self) -> int: ...
    def sources(self) -> dict[str, SourceRecord]: ...
    def close(self) -> None: ...


class Catalog:
    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "catalog.sqlite"
        self._lock = threading.RLock()  # one refresh at a time (the UI answers from several threads)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError:  # corrupt, or not a database at all: it is a cache, build it again
            self._discard()
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # readers (questions) never wait for the indexer
            db.execute("PRAGMA synchronous=NORMAL")
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            version = (
                db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                if "meta" in tables
                else None
            )
            if tables and (version is None or version[0] != SCHEMA_VERSION):
                db.close()
                self._discard()
                db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("catalog failed its integrity check")
            return db
        except BaseException:
            db.close()
            raise

    def _discard(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        self._db.close()

    # -- meta ---------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- keeping the cache current --------------------------------------------------------------------------
    def refresh(self, store, stamp: object = ...) -> bool:
        """Bring the cache up to the store's last committed change; True when anything had to be read.
        `stamp`: the store's generation stamp when the caller has just read it (the check then costs nothing)."""
        with self._lock:
            if stamp is ...:  # not given: read it now
                stamp = store.generation()
            if (stamp or "") == (self.get_meta("generation") or ""):
                return False
            records = store.manifest()  # read after the stamp: a later change leaves a newer stamp behind
            local = self.sources()
            live = {s: r for s, r in records.items() if r.hash and r.state != REMOVING}
            fetch = [s for s, r in live.items() if s not in local or local[s].hash != r.hash]
            if len(fetch) > _FETCH_ALL_AT:
                wanted = set(fetch)
                found = [(c, h) for c, h in store.all_chunks() if c.source in wanted]
            else:
                found = store.chunks_of(fetch) if fetch else []
            by_source: dict[str, list[Chunk]] = {s: [] for s in fetch}
            for chunk, version in found:
                if version == live[chunk.source].hash:
                    by_source[chunk.source].append(chunk)
            with self._transaction():
                for source in [s for s in local if s not in live]:
                    self._db.execute("DELETE FROM chunks WHERE source=?", (source,))
                self._db.execute("DELETE FROM sources")
                self._put_records(records.values())
                for source, chunks in by_source.items():
                    self._put_chunks(source, sorted(chunks, key=lambda c: c.ordinal))
                self.set_meta("generation", stamp or "")
            return True

    # -- sources ------------------------------------------------------------------------------------------
    def sources(self) -> dict[str, SourceRecord]:
        """Every manifest record, half-written ones included (`record.listed` says which users see)."""
        rows = self._db.execute(
            "SELECT source, hash, size, mtime_ns, state, title, chunks, indexed_at, pending_hash, writer FROM sources"
        )
        return {r[0]: SourceRecord(*r) for r in rows}

    def mark_pending(self, records: Iterable[SourceRecord]) -> None:
        """Mirror records a run is about to write (its state 'pending')."""
        with self._transaction():
            self._put_records(records)

    def pending_sources(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT source FROM sources WHERE state != 'done'")}

    def touch(self, record: SourceRecord) -> None:
        self._put_records([record])

    def replace_chunks(self, by_source: dict[str, list[Chunk]], records: Iterable[SourceRecord]) -> None:
        """Swap the chunks of these sources and their records in one transaction."""
        with self._transaction():
            for source, chunks in by_source.items():
                self._put_chunks(source, chunks)
            self._put_records(records)

    def remove_sources(self, sources: Iterable[str]) -> None:
        with self._transaction():
            for source in sources:
                self._db.execute("DELETE FROM chunks WHERE source=?", (source,))
                self._db.execute("DELETE FROM sources WHERE source=?", (source,))

    def _put_records(self, records: Iterable[SourceRecord]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO sources(source, hash, size, mtime_ns, state, title, chunks, indexed_at,"
            " pending_hash, writer) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [astuple(r) for r in records],
        )

    def _put_chunks(self, source: str, chunks: list[Chunk]) -> None:
        self._db.execute("DELETE FROM chunks WHERE source=?", (source,))
        self._db.executemany(
            "INSERT OR REPLACE INTO chunks(id, source, title, text, heading, ordinal, fields) VALUES (?,?,?,?,?,?,?)",
            [(c.id, c.source, c.title, c.text, c.heading, c.ordinal, chunk_to_json(c)) for c in chunks],
        )

    # -- chunks -------------------------------------------------------------------------------------------
    def chunk_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT id FROM chunks")}

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these chunk ids belong to a committed source version."""
        ids = list(ids)
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self._db.execute(f"SELECT id FROM chunks WHERE id IN ({','.join('?' * len(part))})", part)
            found.update(r[0] for r in rows)
        return found

    def chunks_by_id(self, ids: Iterable[str]) -> dict[str, Chunk]:
        ids = list(ids)
        found: dict[str, Chunk] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self._db.execute(
                f"SELECT fields FROM chunks WHERE id IN ({','.join('?' * len(part))})", part
            )
            for (fields,) in rows:
                chunk = chunk_from_json(fields)
                found[chunk.id] = chunk
        return found

    def put_unit_vectors(self, rows: Iterable[tuple[str, str, np.ndarray]]) -> None:
        """Store (chunk id, unit text, vector) rows: what the answerer would embed for those chunks."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO unit_vectors(chunk_id, text, vector) VALUES (?,?,?)",
                [(chunk_id, text, np.asarray(v, dtype=np.float32).tobytes()) for chunk_id, text, v in rows],
            )

    def unit_vectors(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """Unit text -> vector, for the answer units stored with these chunks (none for a chunk that another
        machine indexed: this cache is filled from the store without them)."""
        ids = list(dict.fromkeys(chunk_ids))
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self._db.execute(
                f"SELECT text, vector FROM unit_vectors WHERE chunk_id IN ({','.join('?' * len(part))})", part
            )
            found.update((text, np.frombuffer(blob, dtype=np.float32)) for text, blob in rows)
        return found

    def neighbours(self, source: str, ordinal: int, radius: int = 1) -> list[Chunk]:
        rows = self._db.execute(
            "SELECT fields FROM chunks WHERE source=? AND ordinal BETWEEN ? AND ? ORDER BY ordinal",
            (source, ordinal - radius, ordinal + radius),
        )
        return [chunk_from_json(r[0]) for r in rows]

    def search(self, query: str, limit: int) -> list[LexicalHit]:
        """BM25 over chunk text (title and heading count for less)."""
        terms = [t for t in dict.fromkeys(_TERM.findall(query.lower())) if t not in STOPWORDS]
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        # Rank inside the FTS table first, then fetch only the winners' rows: joining before the sort read
        # every matching chunk's text (2x slower at 100k chunks, same results).
        rows = self._db.execute(
            "SELECT c.fields, hits.rank FROM (SELECT rowid, bm25(chunks_fts, 1.0, 0.5, 0.5) AS rank"
            " FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?) hits"
            " JOIN chunks c ON c.rowid = hits.rowid ORDER BY hits.rank",
            (match, limit),
        )
        return [LexicalHit(chunk_from_json(r[0]), -float(r[1])) for r in rows]

    def _transaction(self):
        return _Transaction(self._db, self._lock)


class _Transaction:
    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self.db = db
        self.lock = lock

    def __enter__(self):
        self.lock.acquire()
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        try:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.lock.release()
        return False
