"""Speed at scale, ours beside the naive pipeline, in one run: indexing throughput, warm answer and retrieval
latency, peak memory, index size, cold start. Python 3.11 docs corpus, replicated with varied text to reach the
larger sizes.

    python -m benchmarks.speed                         # 1k, 10k and 100k chunks (long)
    python -m benchmarks.speed --sizes 1000 --questions 10 --skip bm25,cold
    python -m benchmarks.speed recall --questions 300     # SQuAD-A recall@5, torch vs onnx backend
    python -m benchmarks.speed squad                      # warm qa.ask on SQuAD-A, unit vectors stored or not

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
import json
import os
import shutil
import sys
import time
from pathlib import Path

from benchmarks.common import (
    DEFAULT_OUT,
    PY,
    QUESTIONS,
    SKIPPABLE,
    _git_state,
    du_mb,
    run_phase,
    wall,
)
from benchmarks.corpus import (
    build_query_index,
    chunk_counts,
    chunking_key,
    corpus_for,
    extract,
    naive_query_collection,
)
from benchmarks.tables import markdown, plot


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
                        "benchmarks.phases",
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


def squad_latency(args) -> dict:
    """Warm `qa.ask` on the SQuAD-A index, over the questions `qa eval` samples (100 answerable, 50 not), with
    the answer units' vectors stored at index time and without them (the re-rank embeds them per question),
    each in a fresh process, alternated `--rounds` times; and the indexing of both."""
    from eval.goldfile import squad_a_set
    from eval.squad import SQUAD_V1_A

    if not SQUAD_V1_A.exists():
        sys.exit(f"SQuAD-A is missing: expected {SQUAD_V1_A} (../shared/data/squad).")
    work = Path(args.work) / "squad-latency"
    gold = squad_a_set(args.squad_questions, 0, work)
    env = {"QA_EMBED_BACKEND": args.backend, "QA_CACHE_DIR": str(Path(args.work) / "model-cache")}
    docs = str(gold.documents[0])  # the folder of the articles
    stored, bare = work / "home-stored", work / "home-answer-time"
    shutil.rmtree(stored, ignore_errors=True)
    shutil.rmtree(bare, ignore_errors=True)
    out = {"questions": len(gold.questions), "load_avg_start": os.getloadavg(), "index": {}, "rounds": []}
    # Indexing for another answerer than the extractive one stores no unit vectors: the index of before.
    for name, home, model in (("answer_time", bare, "openai/none"), ("stored", stored, "extractive")):
        out["index"][name] = run_phase("ours_index", {**env, "QA_MODEL": model}, corpus=docs, home=str(home))
        out["index"][name]["size_mb"] = du_mb(home)
        print(f"  index {name}: {out['index'][name]['seconds']:.0f} s, {du_mb(home):.1f} MB", flush=True)
    questions = [q.question for q in gold.questions]
    for _ in range(args.rounds):
        row = {}
        for name, home in (("answer_time", bare), ("stored", stored)):
            row[name] = run_phase("squad_ask", env, home=str(home), questions=questions)
            print(
                f"  {name}: ask p50 {row[name]['ask']['p50_ms']:.1f} ms p95 {row[name]['ask']['p95_ms']:.1f}"
            )
        row["same_answers"] = row["stored"].pop("answers") == row["answer_time"].pop("answers")
        out["rounds"].append(row)
    out["load_avg_end"] = os.getloadavg()
    return out


def main(argv: list[str] | None = None, prog: str = "python -m benchmarks.speed") -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="speed", choices=["speed", "recall", "squad", "plot"])
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
    parser.add_argument("--squad-questions", type=int, default=150, help="squad mode: questions (as qa eval)")
    parser.add_argument("--rounds", type=int, default=2, help="squad mode: alternated runs of each setting")
    parser.add_argument(
        "--real-vectors", action="store_true", help="embed every chunk of the latency indexes (slow)"
    )
    parser.add_argument("--work", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "qa-bench"))
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where results go (default: ./bench-out)")
    parser.add_argument(
        "--plot", help="the latency plot (PNG; default: OUT/latency.png; README: docs/latency.png)"
    )
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.skip = [s for s in args.skip.split(",") if s]
    args.backends = [b for b in args.backends.split(",") if b]
    if bad := set(args.skip) - set(SKIPPABLE):
        parser.error(f"unknown --skip part(s): {', '.join(sorted(bad))}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    args.plot = args.plot or str(out / "latency.png")
    if args.mode == "recall":
        result = recall(args)
        (out / "bench_recall.json").write_text(json.dumps(result, indent=2))
        print(json.dumps({b: v["recall_at_5"] for b, v in result["backends"].items()}))
        return 0
    if args.mode == "squad":
        result = squad_latency(args)
        (out / "bench_squad_latency.json").write_text(json.dumps(result, indent=2))
        print(json.dumps({"index": result["index"], "rounds": result["rounds"]}, indent=1))
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
