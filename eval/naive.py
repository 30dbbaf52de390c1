"""The naive pipeline of the Chroma tutorial beside ours, on the same gold documents: retrieval recall@5.

    python -m eval.naive                        # eval/gold/real.jsonl: naive and ours, per format
    python -m eval.naive --ours report.json     # ours from an existing `qa eval` report instead of a new run

Naive = what a tutorial builds: each file's raw text (the file itself for RST, Markdown, HTML and text; pypdf's
text for PDF, which has no raw text), cut into 1000-character chunks overlapping by 200, embedded with the same
packaged model (sentence-transformers, normalized), stored in a Chroma collection and queried by vector alone,
top 5. Recall@5 counts the answerable questions with a gold answer in one of the 5 chunks (SQuAD-normalized
containment, as `qa eval` scores ours). Raw markup can hide a gold answer from that check (``:exc:`IndexError```
normalizes to `excindexerror`), so a second column scores the same chunks after rendering RST roles and links
(`markup-tolerant`): the retrieval itself, not the scorer, is then compared.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from eval.goldfile import GOLD_DIR, load_gold_set
from eval.metrics import contains

CHUNK_CHARS, OVERLAP, TOP_K = 1000, 200, 5


def raw_text(path: Path) -> str:
    if path.suffix.lower() == ".pdf":
        import logging

        from pypdf import PdfReader

        logging.getLogger("pypdf").setLevel(logging.ERROR)
        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return path.read_text(encoding="utf-8", errors="replace")


def chunks(text: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP) -> list[str]:
    step = size - overlap
    return [text[i : i + size] for i in range(0, max(len(text) - overlap, 1), step)]


def rendered(text: str) -> str:
    """RST roles and RST/Markdown links as their text (the markup-tolerant check)."""
    from eval.goldfile import _MD_LINK, _ROLE, _RST_LINK, _role_text

    return _MD_LINK.sub(r"\1", _RST_LINK.sub(r"\1", _ROLE.sub(_role_text, text)))


def naive_hits(gold, model_path: str) -> list[tuple[str, bool, bool]]:
    """(format, hit, markup-tolerant hit) per answerable question."""
    import chromadb

    from index.embed import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(model_path)
    files = [f for d in gold.documents for f in (sorted(d.rglob("*")) if d.is_dir() else [d]) if f.is_file()]
    texts, ids, sources = [], [], []
    for f in files:
        for n, piece in enumerate(chunks(raw_text(f))):
            texts.append(piece)
            ids.append(f"{f.name}-{n}")
            sources.append(str(f.resolve()))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        client = chromadb.PersistentClient(path=folder)
        collection = client.create_collection("naive", embedding_function=None)
        vectors = embedder.embed_documents(texts)
        for i in range(0, len(texts), 1000):
            collection.add(
                ids=ids[i : i + 1000],
                documents=texts[i : i + 1000],
                embeddings=vectors[i : i + 1000].tolist(),
                metadatas=[{"source": s} for s in sources[i : i + 1000]],
            )
        print(
            f"naive: {len(files)} files, {len(texts)} chunks indexed in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        results = []
        for q in (q for q in gold.questions if q.answerable):
            found = collection.query(
                query_embeddings=[embedder.embed_query(q.question).tolist()], n_results=TOP_K
            )
            top = found["documents"][0]
            hit = any(contains(t, a) for t in top for a in q.answers)
            tolerant = any(contains(rendered(t), a) for t in top for a in q.answers)
            results.append((q.format, hit, tolerant))
    return results


def ours_recall(report: Path | None, gold_file: Path, home: Path | None) -> dict[str, float | None]:
    """recall@5 per set of a `qa eval` report (run now on the gold file when no report is given)."""
    if report is None:
        from eval.runner import main as qa_eval

        folder = Path(tempfile.mkdtemp(prefix="naive-ours-"))
        argv = ["--gold", str(gold_file), "--report", str(folder), "--thresholds", str(folder / "none.toml")]
        (folder / "none.toml").write_text("")
        qa_eval(argv + (["--home", str(home)] if home else []))
        report = folder / "report.json"
    sets = json.loads(report.read_text(encoding="utf-8"))["sets"]
    return {name: s["metrics"]["values"]["recall_at_k"] for name, s in sets.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.naive", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--gold", type=Path, default=GOLD_DIR / "real.jsonl", help="a .jsonl gold set (default: real)"
    )
    p.add_argument(
        "--ours", type=Path, metavar="REPORT", help="report.json of a `qa eval` run of the same set"
    )
    p.add_argument(
        "--home", type=Path, help="where eval indexes and corpus documents live (default QA_HOME/eval)"
    )
    args = p.parse_args(argv)
    import qa
    from index.embed import resolve_model_path

    settings = qa.load_settings()
    home = args.home or settings.home / "eval"
    gold = load_gold_set(args.gold, cache_dir=home)
    for note in gold.notes:
        print(f"{gold.name}: {note}", file=sys.stderr)
    naive = naive_hits(gold, resolve_model_path(settings.embed_model))
    ours = ours_recall(args.ours, args.gold, args.home)
    rows = [("overall", naive)] + [
        (f, [r for r in naive if r[0] == f]) for f in sorted({r[0] for r in naive})
    ]
    print(f"\nrecall@{TOP_K} on {args.gold.name} ({len(naive)} answerable questions)\n")
    print(f"{'format':8} {'questions':>9} {'naive':>7} {'naive, markup-tolerant':>23} {'ours':>7}")
    for name, part in rows:
        key = gold.name if name == "overall" else f"{gold.name}/{name}"
        mine = ours.get(key)
        hit = sum(r[1] for r in part) / len(part)
        tolerant = sum(r[2] for r in part) / len(part)
        print(
            f"{name:8} {len(part):9d} {hit:7.3f} {tolerant:23.3f} {'-' if mine is None else f'{mine:.3f}':>7}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
