"""What every benchmark shares: paths, the question list, running a phase in a fresh process, statistics.

Benchmarks run from a source checkout (`python -m benchmarks.speed`, ...), never from an installed package, and
write only into the folders they are given (--work, --out; by default under ./bench-out).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "python-3.11-docs-rst.tar.gz"
DEFAULT_OUT = Path("bench-out")  # under the current folder: never inside the package
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
        [PY, "-m", "benchmarks.phases", name, json.dumps(kwargs)],
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
