"""Incremental indexing: find files, skip unchanged ones, load, chunk, embed, and commit each source version to
the store (Chroma, the truth) and the local cache.

Each source is written under its own key (index/commit.py), so several machines can index into one collection at
once. A run killed anywhere leaves its sources 'pending': readers keep answering from their previous versions (a
new source is not listed), and the next run redoes them. tests/index/test_kill.py kills runs with SIGKILL.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from index.catalog import Catalog
from index.chunk import DEFAULT_CHUNKING, ChunkingConfig, chunk_document
from index.commit import reconcile_orphans, remove_from_store, write_sources
from index.config import IndexConfig
from index.document import Chunk
from index.embed import Embedder, embedder_for
from index.errors import ConfigError, EmbeddingModelMismatchError, LoadError, NothingIndexedError
from index.lease import CollectionLease, writer_id
from index.load import is_supported, load
from index.lock import IndexLock
from index.progress import Progress, ProgressMeter, chunk_weights
from index.records import DONE, SourceRecord
from index.report import IndexReport
from index.safe_open import check_size, hash_file, is_inside
from index.store import ChromaStore

OUTSIDE_LINK = (
    "a link to outside the folder being indexed: not followed (`qa index --follow-links` follows it)"
)
UnitTexts = Callable[[str, str], list[str]]
BATCH_CHUNKS = 512  # chunks embedded and written together
# What a file becomes depends on the loaders and the chunker as well as on its bytes, so a stored version is
# the content hash behind this prefix: files indexed by other loading or chunking code (an older release)
# are indexed again even when they did not change. Bump it whenever loading or chunking changes their output.
# x5: large RST and Markdown parsed in windows; x6: the answer units changed (qa.units), so did the texts of
# the stored unit vectors
EXTRACTION_VERSION = "x6"


@dataclass
class _Candidate:
    path: Path
    source: str
    size: int
    mtime_ns: int
    follow: bool = True  # False: found as a file, not a link; a link put in its place later is refused


def versioned(content_hash: str) -> str:
    """The stored version of a file: its content hash under the current extraction code."""
    return f"{EXTRACTION_VERSION}:{content_hash}"


def is_current_version(stored: str) -> bool:
    return stored.startswith(f"{EXTRACTION_VERSION}:")


def open_collection(config: IndexConfig, existing: bool = False, client=None) -> tuple[ChromaStore, Catalog]:
    """The store and the local catalog of a collection (the caller closes both). `existing` (the read paths):
    a collection the store does not have raises NothingIndexedError, and no local file is made for it.
    `client`: a Chroma client the caller owns, lent to the store; without it the store opens its own."""
    store = ChromaStore(config, client)
    try:
        if existing and not store.exists():
            raise NothingIndexedError(config.collection)
        catalog = Catalog(config.collection_dir)
        built_with = catalog.get_meta("embed_model")
        if built_with and built_with != config.embed_model:
            catalog.close()
            raise EmbeddingModelMismatchError(config.collection, built_with, config.embed_model)
    except BaseException:
        store.close()
        raise
    return store, catalog


def run_index(
    paths: Iterable[str | os.PathLike],
    config: IndexConfig,
    progress: Progress | None = None,
    chunking: ChunkingConfig = DEFAULT_CHUNKING,
    embedder: Callable[[], Embedder] | None = None,
    client=None,
    unit_texts: UnitTexts | None = None,
) -> IndexReport:
    """Index `paths` into the collection `config` names. `embedder()` gives the embedder, called when the
    first batch is embedded (an unchanged corpus loads no model); by default one is loaded for this run.
    `client`: a Chroma client the caller owns (by default the run opens and closes its own).
    `unit_texts(text, heading)`: the answer units of a chunk an answerer will embed (qa.extractive); their
    vectors are stored beside the chunks in the catalog, so that answering a question embeds only the question."""
    started = time.perf_counter()
    paths = list(paths)
    if not paths:
        raise ConfigError("Nothing to index: give one or more files or folders, e.g. `qa index docs/`.")
    report = IndexReport(collection=config.collection)
    with IndexLock(
        config.collection_dir
    ):  # one run per machine and collection; other machines write alongside
        store, catalog = open_collection(config, client=client)
        try:
            load_embedder = embedder or (lambda: embedder_for(config))
            _run(
                paths,
                config,
                store,
                catalog,
                report,
                progress or _silent,
                chunking,
                writer_id(),
                load_embedder,
                unit_texts,
            )
            catalog.refresh(store)
            report.chunks_total = catalog.chunk_count()
        finally:
            catalog.close()
            store.close()
    report.seconds = time.perf_counter() - started
    return report


def _silent(message: str, done: int, total: int) -> None:
    pass


def _run(
    paths,
    config: IndexConfig,
    store: ChromaStore,
    catalog: Catalog,
    report: IndexReport,
    progress: Progress,
    chunking,
    writer: str,
    load_embedder: Callable[[], Embedder],
    unit_texts: UnitTexts | None,
):
    catalog.refresh(store)
    known = catalog.sources()
    reconcile_orphans(store, known)
    candidates, scanned_roots, missing = _discover(paths, report, config.follow_links)
    seen = {c.source for c in candidates}

    # Sources gone from a folder we scanned, or named directly and now missing: this run owns those.
    gone = [
        s
        for s in known
        if s not in seen
        and (s in missing or any(s.startswith(root + os.sep) for root in [*scanned_roots, *missing]))
    ]
    if gone:
        remove_from_store(store, catalog, [known[s] for s in gone], writer)
        report.removed.extend(sorted(s for s in gone if known[s].listed))

    batch: list[tuple[_Candidate, str, list[Chunk]]] = []
    batch_chunks = 0
    embedder = None
    max_bytes = config.max_file_bytes
    broken: list[str] = []  # indexed before, unreadable now: their old chunks go
    meter = ProgressMeter(progress, sum(c.size for c in candidates))

    def write(batch) -> None:
        nonlocal embedder
        embedder = embedder or load_embedder()
        _write_batch(batch, known, store, catalog, embedder, report, writer, meter, unit_texts)

    meter.start()
    for cand in candidates:
        previous = known.get(cand.source)
        current = previous is not None and previous.state == DONE and is_current_version(previous.hash)
        if current and (previous.size, previous.mtime_ns) == (cand.size, cand.mtime_ns):
            report.unchanged.append(cand.source)
            meter.skipped(cand.source, cand.size)
            continue
        try:
            check_size(cand.size, max_bytes)  # before hashing: a huge file costs no reading at all
            digest = versioned(hash_file(cand.path, max_bytes, cand.follow))
            if current and previous.hash == digest:
                touched = dataclasses.replace(previous, size=cand.size, mtime_ns=cand.mtime_ns)
                store.touch([touched])
                catalog.touch(touched)
                report.unchanged.append(cand.source)
                meter.skipped(cand.source, cand.size)
                continue
            doc = load(cand.path, max_bytes)
            chunks = chunk_document(doc, chunking)
        except Exception as e:  # a parser library failing on one bad file must not stop the run
            reason = _reason(e)
            if previous is not None:
                broken.append(cand.source)
                reason += "; its earlier chunks were removed from the index"
            report.failed.append({"source": cand.source, "reason": reason})
            meter.skipped(cand.source, cand.size)
            continue
        meter.loaded(cand.source, cand.size, len(chunks))
        batch.append((cand, digest, chunks))
        batch_chunks += len(chunks)
        if batch_chunks >= BATCH_CHUNKS:
            write(batch)
            batch, batch_chunks = [], 0
    if batch:
        write(batch)
    if broken:
        remove_from_store(store, catalog, [known[s] for s in broken], writer)
    meter.finish()


def _reason(error: Exception) -> str:
    """A person's reason for a failed file."""
    if isinstance(error, LoadError):
        return str(error)
    if isinstance(error, FileNotFoundError):
        return "file vanished before it could be read"
    if isinstance(error, PermissionError):
        return "permission denied: the file is not readable"
    if isinstance(error, OSError) and error.errno == errno.ELOOP:
        return "symlink loop: the link never reaches a file"
    if isinstance(error, OSError):
        return f"cannot read the file: {error.strerror or error}"
    return f"could not be parsed ({type(error).__name__}: {error})"


def _write_batch(
    batch,
    known: dict[str, SourceRecord],
    store,
    catalog,
    embedder,
    report: IndexReport,
    writer,
    meter,
    unit_texts,
) -> None:
    if catalog.get_meta("embed_model") is None:  # before the first vector is written, killed or not
        catalog.set_meta("embed_model", embedder.name)
    entries = [(c.source, digest, c.size, c.mtime_ns, chunks) for c, digest, chunks in batch]
    weights = {ch.id: w for c, _, chs in batch for ch, w in zip(chs, chunk_weights(c.size, len(chs)))}

    units: dict[str, list[str]] = {}  # chunk id -> the texts of its answer units
    unit_vectors: dict[str, object] = {}  # unit text -> its vector

    def vectors(chunks: list[Chunk]):
        # Embedding text: the title gives a chunk its topic (a passage rarely names its document).
        texts = [embedding_text(ch) for ch in chunks]
        shares = [weights[ch.id] for ch in chunks]
        if unit_texts is not None:  # embedded in the same pass: half a chunk's progress is for its units
            units.update((ch.id, unit_texts(ch.text, ch.heading)) for ch in chunks)
            # Each distinct text once (chunks overlap), by length: a slice then pads its texts to about one size.
            extra = sorted(dict.fromkeys(t for ch in chunks for t in units[ch.id]), key=len)
            if extra:
                texts += extra
                shares = [w / 2 for w in shares] + [sum(shares) / 2 / len(extra)] * len(extra)
        embedded = meter.embed(embedder, texts, shares)  # in slices: progress moves
        unit_vectors.update(zip(texts[len(chunks) :], embedded[len(chunks) :]))
        return embedded[: len(chunks)]

    written = set(write_sources(store, catalog, entries, known, writer, vectors))
    if unit_vectors:  # after the chunks: the catalog drops a chunk's unit vectors with the chunk
        catalog.put_unit_vectors(
            (ch.id, t, unit_vectors[t])
            for c, _, chs in batch
            if c.source in written
            for ch in chs
            for t in units[ch.id]
        )
    for cand, _, chunks in batch:
        if cand.source not in written:
            report.unchanged.append(cand.source)  # another machine wrote this very version meanwhile
            continue
        previous = known.get(cand.source)
        (report.updated if previous and previous.hash else report.added).append(cand.source)
        report.chunks_written += len(chunks)


def embedding_text(chunk: Chunk) -> str:
    # The section path often opens with the title ("json > Basic Usage > json.loads"): say it once.
    parts = (
        (chunk.heading,)
        if chunk.title and chunk.heading.startswith(chunk.title)
        else (chunk.title, chunk.heading)
    )
    context = " > ".join(p for p in parts if p)
    return f"{context}\n{chunk.text}" if context else chunk.text


def _discover(
    paths, report: IndexReport, follow_links: bool = False
) -> tuple[list[_Candidate], list[str], set[str]]:
    """Supported files under the given paths, the folders scanned, and the paths that do not exist.

    Problems go into the report; nothing raises."""
    found: dict[str, _Candidate] = {}
    roots: list[str] = []
    missing: set[str] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        absolute = os.path.abspath(path)
        if not path.exists() and not path.is_symlink():
            report.failed.append({"source": absolute, "reason": "path does not exist"})
            missing.add(absolute)
            continue
        if path.is_dir():
            roots.append(absolute)
            _walk(Path(absolute), found, report, follow_links)
        else:
            _add_file(Path(absolute), found, report, explicit=True)
    return sorted(found.values(), key=lambda c: c.source), roots, missing


def _walk(root: Path, found: dict[str, _Candidate], report: IndexReport, follow_links: bool) -> None:
    visited: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
        except OSError as e:
            report.failed.append({"source": str(folder), "reason": f"cannot open folder: {e.strerror or e}"})
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited:
            report.failed.append({"source": str(folder), "reason": "symlink loop: folder already visited"})
            continue
        visited.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            report.failed.append({"source": str(folder), "reason": f"cannot list folder: {e.strerror or e}"})
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders (.git, .venv, editor state)
            path = Path(entry.path)
            link = entry.is_symlink()
            if link and not follow_links and not is_inside(path, root):
                report.skipped.append({"source": str(path), "reason": OUTSIDE_LINK})
                continue
            try:
                if entry.is_dir():  # follows symlinks; loops are caught by `visited`
                    stack.append(path)
                    continue
            except OSError as e:
                report.failed.append({"source": str(path), "reason": _reason(e)})
                continue
            _add_file(path, found, report, explicit=False, follow=link)


def _add_file(
    path: Path, found: dict[str, _Candidate], report: IndexReport, explicit: bool, follow: bool = True
) -> None:
    source = str(path)
    if not is_supported(path):
        report.skipped.append(
            {"source": source, "reason": f"unsupported file type '{path.suffix or '(none)'}'"}
        )
        return
    try:
        st = path.stat()
    except FileNotFoundError:
        reason = "broken symlink" if path.is_symlink() else "file vanished before it could be read"
        report.failed.append({"source": source, "reason": reason})
        return
    except OSError as e:
        report.failed.append({"source": source, "reason": _reason(e)})
        return
    if not path.is_file():
        report.failed.append({"source": source, "reason": "not a regular file"})
        return
    found[source] = _Candidate(path, source, st.st_size, st.st_mtime_ns, follow)


def remove_sources(targets: list[str], config: IndexConfig, client=None) -> list[str]:
    """Remove sources named exactly, or every source under a folder; '--all' style removal passes ['*']
    (under the collection's lease, and with every chunk of the collection, orphans included).
    `client`: as for `run_index`."""
    with IndexLock(config.collection_dir):
        store, catalog = open_collection(config, client=client)
        try:
            catalog.refresh(store)
            known = catalog.sources()
            if "*" in targets:
                with CollectionLease(store) as lease:
                    remove_from_store(store, catalog, list(known.values()), lease.holder)
                    store.delete(store.all_ids())
                return sorted(s for s, r in known.items() if r.listed)
            chosen: set[str] = set()
            for target in targets:
                absolute = os.path.abspath(os.path.expanduser(target))
                chosen.update(
                    s
                    for s in known
                    if s in (target, absolute) or s.startswith(absolute.rstrip(os.sep) + os.sep)
                )
            remove_from_store(store, catalog, [known[s] for s in sorted(chosen)], writer_id())
            return sorted(s for s in chosen if known[s].listed)
        finally:
            catalog.close()
            store.close()
