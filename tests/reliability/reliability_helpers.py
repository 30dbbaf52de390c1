"""Shared by the reliability tests: a generated corpus, `qa index` as a subprocess, and a consistency check.

The consistency check is the definition of "nothing lost, nothing extra": the chunk ids in Chroma, the ids in the
catalog (and its BM25 full-text index) and the ids recomputed from the files on disk are the same set.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The scripts of the venv running the tests (CI's .venv, or any other): PATH need not name it.
QA = str(Path(sys.executable).parent / "qa")
CHROMA = str(Path(sys.executable).parent / "chroma")

_WORDS = [
    "river",
    "harbour",
    "council",
    "budget",
    "engine",
    "ferry",
    "lantern",
    "orchard",
    "granite",
    "violin",
    "comet",
    "archive",
    "meadow",
    "tariff",
    "glacier",
    "beacon",
    "compass",
    "saddle",
    "quarry",
    "falcon",
    "ledger",
    "mosaic",
    "pylon",
    "rudder",
    "thistle",
    "walnut",
    "cobalt",
    "prairie",
    "sextant",
    "tundra",
    "vessel",
    "zephyr",
    "anchor",
    "bramble",
    "cinder",
    "dune",
    "ember",
    "fjord",
    "grove",
    "hollow",
    "inlet",
    "jetty",
    "kestrel",
    "lagoon",
    "marsh",
    "nectar",
    "osprey",
    "pebble",
    "quill",
    "reef",
    "spire",
    "timber",
    "umber",
    "vale",
    "willow",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 18))]
    words[0] = words[0].capitalize()
    if rng.random() < 0.3:
        words.insert(rng.randint(1, len(words) - 1), str(rng.randint(1, 9999)))
    return " ".join(words) + rng.choice([".", ".", ".", "!", "?"])


def document_text(rng: random.Random, paragraphs: int, markdown: bool) -> str:
    parts = []
    for p in range(paragraphs):
        if markdown and p % 3 == 0:
            parts.append(f"{'#' * rng.randint(1, 3)} {sentence(rng).rstrip('.!?')}")
        parts.append(" ".join(sentence(rng) for _ in range(rng.randint(2, 7))))
    return "\n\n".join(parts) + "\n"


def write_corpus(folder: Path, files: int, seed: int, paragraphs: tuple[int, int] = (4, 12)) -> list[Path]:
    """`files` .txt/.md files of generated prose under folder (two levels), reproducible from `seed`."""
    rng = random.Random(seed)
    written = []
    for i in range(files):
        sub = folder / f"part{i % 4}"
        sub.mkdir(parents=True, exist_ok=True)
        markdown = i % 3 == 0
        path = sub / f"doc{i:04d}.{'md' if markdown else 'txt'}"
        path.write_text(document_text(rng, rng.randint(*paragraphs), markdown), encoding="utf-8")
        written.append(path)
    return written


def qa_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for a `qa` subprocess: a private QA_HOME, offline, no stray QA_* settings."""
    from ui.devserver import qa_env as app_env

    return app_env(home, **{"TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1", **extra})


def start_index(folder: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """`qa index FOLDER --json` in its own process group, output captured."""
    return subprocess.Popen(
        [QA, "index", str(folder), "--json"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_index(folder: Path, env: dict[str, str], cwd: Path, timeout: float = 600) -> dict:
    """A `qa index` run that must complete; returns its IndexReport as a dict."""
    proc = subprocess.run(
        [QA, "index", str(folder), "--json"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"qa index failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


@dataclass
class CollectionState:
    chroma_ids: list[str]
    catalog_ids: list[str]
    expected_ids: set[str]
    fts_rows: int


def _files(folders: Path | list[Path]) -> list[Path]:
    folders = [folders] if isinstance(folders, Path) else folders
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())


def expected_chunk_ids(folders: Path | list[Path]) -> tuple[set[str], dict[str, str]]:
    """Chunk ids recomputed from the files as they are now (same loader, same chunker), and their texts."""
    from index.chunk import chunk_document
    from index.load import is_supported, load

    ids: set[str] = set()
    texts: dict[str, str] = {}
    for path in _files(folders):
        if not is_supported(path) or any(p.startswith(".") for p in path.parts):
            continue
        for chunk in chunk_document(load(path.resolve())):
            assert chunk.id not in ids, f"chunker produced a duplicate id in {path}"
            ids.add(chunk.id)
            texts[chunk.id] = chunk.text
    return ids, texts


def chroma_contents(home: Path, collection: str = "default", chroma_url: str | None = None) -> dict:
    """Ids, documents and sources in the Chroma collection, read in a fresh process (no cached client)."""
    script = (
        "import json, sys\n"
        "from qa.settings import Settings\n"
        "from index.store import ChromaStore\n"
        "from pathlib import Path\n"
        "s = Settings(home=Path(sys.argv[1]), collection=sys.argv[2], chroma_url=sys.argv[3] or None)\n"
        "store = ChromaStore(s.index_config())\n"
        "ids, docs, sources = [], [], []\n"
        "if store.exists():\n"
        "    col = store.collection(create=False)\n"
        "    offset = 0\n"
        "    while True:\n"
        "        got = col.get(include=['documents', 'metadatas'], limit=5000, offset=offset)\n"
        "        ids += got['ids']; docs += got['documents']\n"
        "        sources += [m['source'] for m in got['metadatas']]\n"
        "        if len(got['ids']) < 5000: break\n"
        "        offset += 5000\n"
        "print(json.dumps({'ids': ids, 'documents': docs, 'sources': sources}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(home), collection, chroma_url or ""],
        env=qa_env(home),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def catalog_path(home: Path, collection: str = "default", chroma_url: str | None = None) -> Path:
    from qa.settings import Settings

    return Settings(home=home, collection=collection, chroma_url=chroma_url).collection_dir / "catalog.sqlite"


def assert_consistent(
    home: Path, folder: Path | list[Path], collection: str = "default", chroma_url: str | None = None
) -> CollectionState:
    """Chroma ids == catalog ids == ids recomputed from the current files; no duplicates, no orphans,
    the BM25 full-text index matches the catalog, every source is 'done'."""
    expected, texts = expected_chunk_ids(folder)
    chroma = chroma_contents(home, collection, chroma_url)
    db = sqlite3.connect(catalog_path(home, collection, chroma_url))  # read-write: FTS checks write
    try:
        catalog_ids = [r[0] for r in db.execute("SELECT id FROM chunks")]
        catalog_text = dict(db.execute("SELECT id, text FROM chunks"))
        states = dict(db.execute("SELECT source, state FROM sources"))
        per_source = dict(db.execute("SELECT source, chunks FROM sources"))
        counted = dict(db.execute("SELECT source, count(*) FROM chunks GROUP BY source"))
        # FTS5 checks its index against the chunks table (raises on any mismatch).
        db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES('integrity-check', 1)")
        fts_rows = db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
        fts_orphans = db.execute(
            "SELECT count(*) FROM chunks_fts WHERE rowid NOT IN (SELECT rowid FROM chunks)"
        ).fetchone()[0]
    finally:
        db.close()

    chroma_ids = chroma["ids"]
    assert len(chroma_ids) == len(set(chroma_ids)), "duplicate ids in Chroma"
    assert len(catalog_ids) == len(set(catalog_ids)), "duplicate ids in the catalog"
    missing = expected - set(chroma_ids)
    orphans = set(chroma_ids) - expected
    assert not missing and not orphans, (
        f"Chroma differs from the files: {len(missing)} chunks missing, {len(orphans)} orphans"
    )
    assert set(catalog_ids) == expected, (
        f"catalog differs from the files: {len(expected - set(catalog_ids))} missing, "
        f"{len(set(catalog_ids) - expected)} orphans"
    )
    assert fts_rows == len(catalog_ids) and fts_orphans == 0, "BM25 index out of step with the catalog"
    for cid, text in zip(chroma_ids, chroma["documents"]):
        assert text == texts[cid] == catalog_text[cid], f"chunk {cid}: text differs between stores"
    assert set(states.values()) <= {"done"}, f"sources left unfinished: {states}"
    assert per_source == {s: counted.get(s, 0) for s in per_source}, "sources.chunks differs from the chunks"
    current = {str(p.resolve()) for p in _files(folder)}
    assert set(chroma["sources"]) <= current and set(states) <= current, "a deleted file is still indexed"
    return CollectionState(chroma_ids, catalog_ids, expected, fts_rows)


def bm25_agrees_with_chroma(home: Path, state: CollectionState, samples: int = 20, seed: int = 0) -> None:
    """For sampled chunks, a BM25 query on the chunk's own rarest words finds that chunk, and it is in Chroma."""
    rng = random.Random(seed)
    db = sqlite3.connect(catalog_path(home))
    chroma = set(state.chroma_ids)
    try:
        for cid in rng.sample(sorted(state.catalog_ids), min(samples, len(state.catalog_ids))):
            (text,) = db.execute("SELECT text FROM chunks WHERE id=?", (cid,)).fetchone()
            words = sorted(set(text.lower().replace(".", " ").split()), key=len, reverse=True)[:6]
            match = " AND ".join(f'"{w.strip("!?,#")}"' for w in words if w.strip("!?,#"))
            hits = [
                r[0]
                for r in db.execute(
                    "SELECT c.id FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
                    "WHERE chunks_fts MATCH ?",
                    (match,),
                )
            ]
            assert cid in hits, f"BM25 cannot find chunk {cid} by its own words"
            assert set(hits) <= chroma, "BM25 returns chunks that Chroma does not hold"
    finally:
        db.close()


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_mb: float  # the process's peak resident memory (the kernel's ru_maxrss)
    seconds: float


# The kernel hands a child, at exec, the peak RSS of the memory it was forked (or vforked) from: measured
# straight from a large pytest process, every child "peaks" at pytest's own size. So a fresh, small Python
# starts the command and reads its peak from wait4.
_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_measured(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> Measured:
    """Run one process to its end and read its own peak RSS from wait4 (not the sum of other children, and
    not the memory of the process that started it)."""
    import os
    import signal
    import tempfile
    import time

    started = time.monotonic()
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        peak_file = os.path.join(scratch, "peak")
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, peak_file, *command],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=err,
            text=True,
            start_new_session=True,  # a timeout ends the launcher and the command together
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise AssertionError(f"{command[:3]} did not finish within {timeout:.0f} s") from None
        out.seek(0)
        err.seek(0)
        with open(peak_file) as f:
            peak_kb = int(f.read())
        return Measured(proc.returncode, out.read(), err.read(), peak_kb / 1024, time.monotonic() - started)
