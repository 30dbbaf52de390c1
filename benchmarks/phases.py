"""The measured parts of a benchmark, each run in a fresh process (`python -m benchmarks.phases NAME JSON`)
so that its peak RSS is its own."""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import time
from pathlib import Path

from benchmarks.common import QUESTIONS, _stats
from benchmarks.corpus import _no_telemetry, _st_function


def _settings(home: str):
    """The settings of this phase's process (QA_EMBED_BACKEND, QA_CACHE_DIR from run_phase's env), at `home`."""
    from qa.settings import load_settings

    return load_settings(env_file=None).with_overrides(home=Path(home))


def phase_ours_index(corpus: str, home: str) -> dict:
    import qa
    from index.catalog import Catalog

    settings = _settings(home)
    assistant = qa.Assistant(settings)
    assistant.embedder(settings.index_config()).embed_documents(["warm up"])  # model loading is not indexing
    started = time.perf_counter()
    report = assistant.index([corpus])
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

    settings = _settings(home)
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

    catalog = Catalog(_settings(home).collection_dir)
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


def phase_recall_score(home: str, questions: int, top_k: int) -> dict:
    import qa
    from eval.squad import SQUAD_V1_A, load_squad_questions

    settings = _settings(home)
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


def phase_squad_ask(home: str, questions: list[str]) -> dict:
    """Warm `qa.ask` as `qa eval` times it: one untimed warm-up question, then each new question once."""
    import qa

    assistant = qa.Assistant(_settings(home))
    assistant.ask(questions[0], model="extractive")
    ask, ask_cpu, answers = [], [], []
    for q in questions:
        t, c = time.perf_counter(), time.process_time()
        answer = assistant.ask(q, model="extractive")
        ask.append(time.perf_counter() - t)
        ask_cpu.append(time.process_time() - c)
        answers.append([answer.text, answer.refused, [(c.chunk_id, c.quote_start) for c in answer.citations]])
    return {"ask": _stats(ask, ask_cpu), "answers": answers}


PHASES["squad_ask"] = phase_squad_ask


def _phase_main(name: str, kwargs: str) -> None:
    load_at_start = os.getloadavg()[0]  # other work on the machine: context for every figure
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    result = PHASES[name](**json.loads(kwargs))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["load_avg"] = load_at_start
    print(json.dumps(result))


if __name__ == "__main__":
    _phase_main(sys.argv[1], sys.argv[2])
