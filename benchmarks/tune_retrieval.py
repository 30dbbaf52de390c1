"""The retrieval and extractive-answerer tuning table, on SQuAD-A (all 24 articles indexed).

    python -m benchmarks.tune_retrieval --limit 500 --seed 1

For each configuration compared (chunking, fusion, answerer settings) it prints, over `limit` sampled answerable
questions: recall@1 and @5 (an answer-bearing passage, i.e. one containing a gold answer, among the first 1 or 5
passages), MRR, the median passage length in words; with the extractive answerer: how often the answer text
contains a gold answer, the median answer length in words, how often a cited passage contains the gold answer
when the answer does, and how often answerable questions are refused; over `limit` sampled SQuAD 2.0
unanswerable questions (same articles): how often they are refused; and the latency of retrieval + answer
(p50/p95, warm: models loaded, the embedder's vector cache emptied before each question). The `default` row goes through `qa.ask` itself.

Indexes are kept under --work (one QA_HOME per chunking), so only the first run indexes (~1-2 min each).
Tune on one seed, confirm on another: the defaults were chosen with --seed 0 and checked with --seed 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from eval.squad import SQUAD_V1_A, SQUAD_V2_UNANSWERABLE_A, load_squad_questions, write_squad_documents


@dataclass(frozen=True)
class Row:
    name: str
    max_tokens: int = 220
    overlap_tokens: int = 40
    retrieval: dict = field(default_factory=dict)  # RetrievalConfig overrides
    extractive: dict = field(default_factory=dict)  # ExtractiveConfig overrides
    via_ask: bool = False  # measured through qa.ask (the shipped defaults)


ROWS = [
    Row("dense only", retrieval={"use_lexical": False}),
    Row("bm25 only", retrieval={"use_dense": False}),
    Row("rrf (k=60, equal weights)", retrieval={"fusion": "rrf", "lexical_weight": 1.0}),
    Row("score fusion, chunks<=160", max_tokens=160, overlap_tokens=32),
    Row("no semantic re-rank of sentences", extractive={"semantic_weight": 0.0}),
    Row("no refusal model (answers whenever it can)", extractive={"learned_refusal": False}),
    Row("single-sentence answers", extractive={"pair_words": 0}),
    Row("default (score fusion, chunks<=220)", via_ask=True),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.tune_retrieval", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--limit", type=int, default=500, help="questions sampled from each SQuAD file")
    parser.add_argument("--seed", type=int, default=1, help="sampling seed (tuned on 0, confirmed on 1)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-tune-retrieval"), help="indexes live here")
    parser.add_argument("--rows", default="", help="comma-separated row numbers to run (default: all)")
    args = parser.parse_args(argv)
    if not SQUAD_V1_A.is_file():
        print(f"SQuAD data not found at {SQUAD_V1_A}: nothing to measure.", file=sys.stderr)
        return 2
    rows = ROWS if not args.rows else [ROWS[int(i)] for i in args.rows.split(",")]
    answerable = load_squad_questions(SQUAD_V1_A, args.limit, args.seed)
    unanswerable = load_squad_questions(SQUAD_V2_UNANSWERABLE_A, args.limit, args.seed)
    print(
        f"SQuAD-A, seed {args.seed}: {len(answerable)} answerable, {len(unanswerable)} unanswerable questions"
    )
    header = (
        f"{'configuration':38s} {'R@1':>5s} {'R@5':>5s} {'MRR':>5s} {'pwords':>6s} {'gold':>5s} {'awords':>6s}"
        f" {'cite':>5s} {'refA':>5s} {'refU':>5s} {'p50ms':>6s} {'p95ms':>6s}"
    )
    print(header)
    for row in rows:
        result = measure(row, answerable, unanswerable, args.work)
        print(
            f"{row.name:38s} {result['r1']:5.3f} {result['r5']:5.3f} {result['mrr']:5.3f} {result['pwords']:6.0f}"
            f" {result['gold']:5.3f} {result['awords']:6.1f} {result['cite']:5.3f} {result['refA']:5.3f}"
            f" {result['refU']:5.3f} {result['p50']:6.1f} {result['p95']:6.1f}",
            flush=True,
        )
    print(
        "R@k: answer-bearing passage in the first k; pwords: median passage words; gold: answer contains a gold\n"
        "answer; awords: median answer words; cite: a cited passage contains it (when gold); refA/refU: answerable/\n"
        "unanswerable questions refused; p50/p95: retrieval + answer latency, warm."
    )
    return 0


def index_for(row: Row, work: Path):
    """Settings of a SQuAD-A collection chunked as the row says, indexed on first use."""
    from index.chunk import ChunkingConfig
    from index.pipeline import run_index
    from qa.settings import Settings

    docs = work / "squad-a-docs"
    write_squad_documents(SQUAD_V1_A, docs)
    settings = Settings(home=work / f"chunks-{row.max_tokens}-{row.overlap_tokens}", collection="squad-a")
    run_index([docs], settings.index_config(), chunking=ChunkingConfig(row.max_tokens, row.overlap_tokens))
    return settings


def measure(row: Row, answerable, unanswerable, work: Path) -> dict:
    import qa
    from eval.metrics import contains
    from qa.answerers import Query
    from qa.extractive import ExtractiveAnswerer, ExtractiveConfig
    from qa.markers import strip_markers
    from qa.retrieve import RetrievalConfig

    settings = index_for(row, work)
    assistant = qa.Assistant(settings)
    embedder = assistant.embedder(settings.index_config())
    if row.via_ask:

        def ask(question: str):
            return assistant.ask(question)
    else:
        retriever = assistant.retriever(settings, RetrievalConfig(**row.retrieval))
        answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(**row.extractive))

        def ask(question: str):
            return answerer.answer(Query(question), retriever.retrieve(question, settings.top_k))

    ask("warm up: load the models")
    r1 = r5 = mrr = gold = cite = refused_a = 0.0
    passage_words: list[int] = []
    answer_words: list[int] = []
    latencies: list[float] = []
    for q in answerable:
        _forget_vectors(embedder)
        started = time.perf_counter()
        answer = ask(q.question)
        latencies.append(time.perf_counter() - started)
        hits = [any(contains(p.text, a) for a in q.answers) for p in answer.passages[:5]]
        r1 += bool(hits and hits[0])
        r5 += any(hits)
        mrr += next((1 / (i + 1) for i, h in enumerate(hits) if h), 0.0)
        passage_words.extend(len(p.text.split()) for p in answer.passages[:5])
        refused_a += answer.refused
        if not answer.refused:
            answer_words.append(len(strip_markers(answer.text).split()))  # [n] markers are not words
        if any(contains(answer.text, a) for a in q.answers):
            gold += 1
            cite += any(contains(c.text, a) for c in answer.citations for a in q.answers)
    refused_u = 0
    for q in unanswerable:
        _forget_vectors(embedder)
        started = time.perf_counter()
        answer = ask(q.question)
        latencies.append(time.perf_counter() - started)
        refused_u += answer.refused
    n = len(answerable)
    latencies.sort()
    return {
        "r1": r1 / n,
        "r5": r5 / n,
        "mrr": mrr / n,
        "pwords": statistics.median(passage_words),
        "gold": gold / n,
        "awords": statistics.median(answer_words) if answer_words else 0.0,
        "cite": cite / gold if gold else 0.0,
        "refA": refused_a / n,
        "refU": refused_u / max(len(unanswerable), 1),
        "p50": 1000 * latencies[len(latencies) // 2],
        "p95": 1000 * latencies[int(len(latencies) * 0.95)],
    }


def _forget_vectors(embedder) -> None:
    """No help from earlier questions: the embedder's cache of recent question and sentence vectors is emptied."""
    clear = getattr(embedder, "clear_cache", None)
    if clear:
        clear()


if __name__ == "__main__":
    sys.exit(main())
