"""What sharing one Chroma server costs: the freshness check before each answer, and a fresh machine's start.

    chroma run --path /tmp/chroma-bench --port 8123 &
    PYTHONPATH=. python -m benchmarks.shared_store --url http://127.0.0.1:8123 --size 10000

1. Builds a collection of about --size chunks on the server (the Python docs corpus of benchmarks/corpus.py, written by
   our own store code; vectors real for the first 1,000 chunks, seeded-noise copies after that), once.
2. Warm `ask` (extractive) on one machine: every question asked once untimed, then timed twice in turn (which
   one goes first alternates), with the embedder's cache of recent texts kept (repeated questions) and cleared
   before each ask (new questions: the question and the candidate sentences are embedded): with the freshness check (one `get` of the generation stamp, made while the
   question is embedded) and without it. Prints both p50s, their difference, and the check's own p50.
3. A fresh machine (an empty QA_HOME, in a new process): the seconds until its lexical cache is built from the
   server, and until its first answer (model loading included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import common, corpus

COLLECTION = "bench-shared"


def settings_for(home: Path, url: str, collection: str):
    from qa.settings import load_settings

    return load_settings(env_file=None).with_overrides(home=home, chroma_url=url, collection=collection)


def build(work: Path, url: str, size: int) -> str:
    collection = f"{COLLECTION}-{size}"
    base = corpus.extract(work)
    folder = corpus.corpus_for(size, base, work, corpus.chunk_counts(base, work))
    info = corpus.build_query_index(
        folder,
        work / f"writer-{size}",
        work / "vectors",
        False,
        settings_for(work / f"writer-{size}", url, collection),
    )
    print(f"collection {collection}: {info}", flush=True)
    return collection


def warm_ask(url: str, collection: str, questions: list[str], rounds: int, new_questions: bool) -> dict:
    import qa

    with tempfile.TemporaryDirectory() as home:
        s = settings_for(Path(home), url, collection)
        assistant = qa.Assistant(s)
        retriever = assistant.retriever(s)
        embedder = assistant.embedder(s.index_config())
        for q in questions:
            assistant.ask(
                q
            )  # warm: model, lexical cache, Chroma client, the embedder's cache of these questions
        times: dict[bool, list[float]] = {True: [], False: []}
        for n in range(rounds):
            for i, q in enumerate(questions):
                for check in (True, False) if (i + n) % 2 else (False, True):  # neither always goes first
                    retriever.check_freshness = check
                    if new_questions:  # each ask embeds its question and answer sentences, as a new one does
                        getattr(embedder, "clear_cache", lambda: None)()
                    started = time.perf_counter()
                    assistant.ask(q)
                    times[check].append(time.perf_counter() - started)
        stamp = []
        for _ in range(200):
            started = time.perf_counter()
            retriever.store.generation()
            stamp.append(time.perf_counter() - started)
        assistant.close()
    p50 = {check: statistics.median(t) * 1000 for check, t in times.items()}
    return {
        "asks_each": len(times[True]),
        "p50_ms_with_check": round(p50[True], 2),
        "p50_ms_without_check": round(p50[False], 2),
        "check_adds_ms": round(p50[True] - p50[False], 2),
        "stamp_get_p50_ms": round(statistics.median(stamp) * 1000, 2),
    }


_FRESH = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
import qa
from benchmarks.shared_store import settings_for
s = settings_for(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
assistant = qa.Assistant(s)
store, catalog = assistant._collection(s.index_config())
catalog.refresh(store)
cache_built = time.perf_counter() - started
chunks = catalog.chunk_count()
assistant.ask(sys.argv[4])
print(json.dumps({"cache_built_s": round(cache_built, 2), "first_answer_s": round(time.perf_counter() - started, 2),
                  "chunks": chunks}))
"""


def fresh_home(url: str, collection: str, question: str) -> dict:
    with tempfile.TemporaryDirectory() as home:
        out = subprocess.run(
            [sys.executable, "-c", _FRESH, home, url, collection, question],
            capture_output=True,
            text=True,
            check=True,
            cwd=common.ROOT,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True, help="the Chroma server (chroma run ...)")
    parser.add_argument("--size", type=int, default=10000, help="chunks in the collection")
    parser.add_argument("--questions", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--fresh-runs", type=int, default=3)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "qa-bench-shared"))
    parser.add_argument("--corpus", default=str(common.CORPUS), help="the Python docs tarball")
    args = parser.parse_args()
    corpus.CORPUS = Path(args.corpus)  # extract() reads the name it imported
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    collection = build(work, args.url, args.size)
    questions = common.QUESTIONS[: args.questions]
    result = {
        "size": args.size,
        "warm_repeated_questions": warm_ask(args.url, collection, questions, args.rounds, False),
        "warm_new_questions": warm_ask(args.url, collection, questions, args.rounds, True),
    }
    print(json.dumps(result), flush=True)
    result["fresh_home"] = [fresh_home(args.url, collection, questions[0]) for _ in range(args.fresh_runs)]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
