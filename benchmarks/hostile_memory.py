"""Peak memory per file over a hostile corpus (benchmarks/hostile_corpus.py): each file is indexed alone by a
fresh `qa index` process (its own QA_HOME), and the process's peak RSS is read from the kernel (wait4).

    python benchmarks/hostile_memory.py --mb 50                       # every shape at 50 MB, full `qa index`
    python benchmarks/hostile_memory.py --mb 8 --shapes words,html-p  # some shapes, smaller
    python benchmarks/hostile_memory.py --mb 50 --stage chunk         # load + chunk only (no embedding)

`--stage chunk` runs the part of indexing whose memory grows with the file (loading and chunking) in a process
that loads neither the embedding model nor Chroma: it is fast enough to run every shape at the 50 MB limit on a
small machine. The full `qa index` adds the embedder and Chroma (a constant) and works in batches of chunks.
Prints a table (peak RSS, seconds, outcome, largest chunk) and writes it as JSON with --json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_corpus import SHAPES, write_lying_docx, write_shape  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = (
    1500  # the bound the README states: peak RSS of one `qa index` run on any file up to the size limit
)

CHUNK_ONLY = """
import json, sys
from index.chunk import chunk_document
try:
    from index.loaders import load
except ImportError:  # before index/loaders/
    from index.load import load
from index.errors import LoadError
try:
    chunks = chunk_document(load(sys.argv[1]))
    print(json.dumps({"outcome": f"{len(chunks)} chunks", "largest": max((len(c.text) for c in chunks), default=0)}))
except LoadError as e:
    print(json.dumps({"outcome": f"refused: {e}"[:120], "largest": 0}))
"""


def measure(command: list[str], env: dict[str, str], timeout: float) -> tuple[float, float, int, str]:
    """(peak RSS in MB, seconds, exit code, stdout) of one process; killed after `timeout` seconds."""
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.DEVNULL)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return usage.ru_maxrss / 1024, seconds, proc.returncode, out.read()


def run_file(path: Path, stage: str, work: Path, timeout: float) -> dict:
    home = work / f"home-{path.stem}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_HOME=str(home), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if stage == "chunk":
        command = [sys.executable, "-c", CHUNK_ONLY, str(path)]
    else:
        command = [sys.executable, "-m", "qa.cli", "index", str(path), "--json"]
    peak, seconds, code, out = measure(command, env, timeout)
    row = {"file": path.name, "mb": round(path.stat().st_size / 1e6, 1), "peak_mb": round(peak)}
    row.update(seconds=round(seconds, 1), exit=code)
    try:
        result = json.loads(out) if out.strip() else {}
    except ValueError:
        result = {}
    if stage == "chunk":
        row.update(outcome=result.get("outcome", "crashed" if code else "?"), largest=result.get("largest"))
    elif code == -9 and seconds >= timeout:
        row.update(outcome=f"timeout after {timeout:g} s", largest=None)
    else:
        failed = result.get("failed") or []
        written = result.get("chunks_written")
        row["outcome"] = f"refused: {failed[0]['reason'][:100]}" if failed else f"{written} chunks"
        row["largest"] = _largest_chunk(home) if written else 0
    return row


def _largest_chunk(home: Path) -> int | None:
    import sqlite3

    for catalog in home.rglob("catalog.sqlite"):
        db = sqlite3.connect(catalog)
        try:
            return db.execute("SELECT max(length(text)) FROM chunks").fetchone()[0]
        except sqlite3.Error:
            return None
        finally:
            db.close()
    return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mb", type=float, default=50.0, help="size of each generated file (default 50 MB)")
    p.add_argument("--shapes", help=f"comma-separated subset of: {', '.join([*SHAPES, 'docx-lying'])}")
    p.add_argument("--stage", choices=["index", "chunk"], default="index")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per file before it is killed")
    p.add_argument("--work", type=Path, help="where the corpus and homes go (default: a temporary folder)")
    p.add_argument("--json", type=Path, help="write the rows here")
    args = p.parse_args(argv)
    names = args.shapes.split(",") if args.shapes else [*SHAPES, "docx-lying"]
    work = args.work or Path(tempfile.mkdtemp(prefix="hostile-"))
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    size = int(args.mb * 1_000_000) - 64  # just under the limit
    rows = []
    print(f"{'file':<22} {'MB':>6} {'peak MB':>8} {'s':>7}  largest chunk  outcome")
    for name in names:
        if name == "docx-lying":
            path = write_lying_docx(corpus / "docx-lying.docx")
        else:
            path = write_shape(name, corpus, size)
        row = run_file(path, args.stage, work, args.timeout)
        path.unlink()
        rows.append(row)
        print(
            f"{row['file']:<22} {row['mb']:>6} {row['peak_mb']:>8} {row['seconds']:>7}  "
            f"{row['largest'] if row['largest'] is not None else '-':>13}  {row['outcome']}",
            flush=True,
        )
    worst = max(r["peak_mb"] for r in rows)
    print(f"\nworst peak: {worst} MB (bound {LIMIT_MB} MB): {'ok' if worst < LIMIT_MB else 'OVER'}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0 if worst < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
