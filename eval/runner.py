"""`qa eval`: index each gold set's documents, ask its questions through `qa.ask`, score, report, gate.

Exit code 0 when every metric meets eval/thresholds.toml and none fell below eval/baseline.json by more than
its tolerance; 1 otherwise (each failure named: metric, set, by how much).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from eval import gate
from eval.goldfile import GoldSet, default_gold_files, load_gold_set, squad_a_set, squad_available
from eval.metrics import Outcome, SetMetrics, aggregate, failed, score
from qa.errors import EvalError, QAError

SQUAD_A_DEFAULT_LIMIT = 150  # 100 answerable + 50 unanswerable
OVERALL = "overall"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qa eval",
        description="Run the gold-answer sets through qa.ask, write a report, and exit 1 when a metric misses "
        "its threshold (eval/thresholds.toml) or falls below the baseline (eval/baseline.json).",
        epilog="Without --gold or --squad: every eval/gold/*.jsonl set, plus SQuAD-A when ../shared/data/squad "
        "is present.",
    )
    p.add_argument(
        "--gold",
        action="append",
        type=Path,
        metavar="FILE",
        help="a .jsonl gold set or a SQuAD .json file (repeatable)",
    )
    p.add_argument(
        "--squad", action="store_true", help="run the SQuAD-A set (v1.1 answerable + v2.0 unanswerable)"
    )
    p.add_argument("--no-squad", action="store_true", help="leave out the SQuAD-A set")
    p.add_argument(
        "--docs",
        action="append",
        type=Path,
        metavar="PATH",
        help="documents to ask the --gold sets against, instead of their sidecar (repeatable)",
    )
    p.add_argument(
        "--model", help="a litellm model string, or 'extractive' (default: QA_MODEL or extractive)"
    )
    p.add_argument(
        "--top-k", type=_positive_int, help="passages put in front of the model (default: QA_TOP_K)"
    )
    p.add_argument("--recall-k", type=_positive_int, default=5, help="k of retrieval recall@k (default 5)")
    p.add_argument(
        "--no-lexical",
        action="store_true",
        help="dense retrieval only (no BM25): a worse configuration, to see the gate work",
    )
    p.add_argument(
        "--limit",
        type=_positive_int,
        help=f"questions sampled per set, fixed seed (SQuAD-A default: {SQUAD_A_DEFAULT_LIMIT}, two thirds answerable)",
    )
    p.add_argument("--seed", type=int, default=0, help="the sampling seed (default 0)")
    p.add_argument("--home", type=Path, help="where the eval indexes live (default: QA_HOME/eval)")
    p.add_argument(
        "--report", type=Path, metavar="DIR", help="where to write the report (default: HOME/report)"
    )
    p.add_argument(
        "--thresholds",
        type=Path,
        default=gate.THRESHOLDS,
        help="thresholds file (default eval/thresholds.toml)",
    )
    p.add_argument(
        "--baseline", type=Path, default=gate.BASELINE, help="baseline file (default eval/baseline.json)"
    )
    p.add_argument(
        "--update-baseline", action="store_true", help="write this run's metrics as the new baseline"
    )
    return p


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    import qa

    settings = qa.load_settings().with_overrides(model=args.model, top_k=args.top_k)
    home = (args.home or settings.home / "eval").resolve()
    settings = settings.with_overrides(home=home)
    thresholds = gate.load_thresholds(args.thresholds)
    baseline = gate.load_baseline(args.baseline)
    sets = _gold_sets(args, home)

    results = [_run_set(s, settings, args) for s in sets]
    outcomes = [o for r in results for o in r.outcomes]
    results = [part for r in results for part in [r, *_per_format(r, args.recall_k)]]
    if len(sets) > 1:
        results.append(_result(OVERALL, "all sets", [], "", outcomes, args.recall_k))
    findings = []
    for r in results:
        before = baseline.get("sets", {}).get(r.name)
        r.baseline = before if before and before.get("fingerprint") == r.fingerprint else None
        findings += gate.check(r.name, r.metrics, thresholds, r.baseline, args.recall_k)

    config = _config(settings, args)
    from eval import report

    print(report.summary_table(results, findings, args.recall_k))
    report_dir = (args.report or home / "report").resolve()
    report.write(report_dir, results, findings, config)
    print(f"\nReport: {report_dir / 'report.md'}")
    if args.update_baseline:
        gate.write_baseline(args.baseline, {r.name: r.baseline_entry() for r in results}, config)
        print(f"Baseline written: {args.baseline}")
        findings = [f for f in findings if f.kind != "baseline"]
    failures = [f for f in findings if f.failed]
    for f in failures:
        print(f"FAIL {f.message}", file=sys.stderr)
    print("eval: FAILED" if failures else "eval: passed", file=sys.stderr)
    return 1 if failures else 0


def _gold_sets(args, home: Path) -> list[GoldSet]:
    """Load and validate every set before any indexing, so that a bad gold file fails at once."""
    if args.docs and not args.gold:
        raise EvalError("--docs names the documents of the --gold sets: give --gold FILE too.")
    chosen = bool(args.gold or args.squad)  # else: the default sets
    files = args.gold or ([] if chosen else default_gold_files())
    sets = [load_gold_set(f, args.docs, args.limit, args.seed, home) for f in files]
    want_squad = args.squad or (not chosen and not args.no_squad)
    if want_squad and squad_available():
        sets.append(squad_a_set(args.limit or SQUAD_A_DEFAULT_LIMIT, args.seed, home))
    elif want_squad:
        print("SQuAD-A skipped: ../shared/data/squad not found beside the project folder.", file=sys.stderr)
    if not sets:
        raise EvalError("No gold sets to run: add eval/gold/*.jsonl files or give --gold FILE.")
    return sets


class SetResult:
    def __init__(self, name, origin, documents, collection, outcomes: list[Outcome], metrics: SetMetrics):
        self.name, self.origin, self.documents, self.collection = name, origin, documents, collection
        self.outcomes, self.metrics = outcomes, metrics
        self.fingerprint = gate.fingerprint([f"{o.set_name}/{o.id}" for o in outcomes])
        self.baseline: dict | None = None  # the comparable baseline entry, when there is one

    def baseline_entry(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "questions": self.metrics.questions,
            "values": self.metrics.values,
        }


def _result(name, origin, documents, collection, outcomes, k) -> SetResult:
    return SetResult(name, origin, [str(d) for d in documents], collection, outcomes, aggregate(outcomes, k))


def _per_format(r: SetResult, k: int) -> list[SetResult]:
    """A set whose documents come in several formats is scored per format too: `NAME/rst`, `NAME/pdf`...
    (its answerable questions, by the format of the document holding their evidence)."""
    formats = sorted({o.format for o in r.outcomes if o.format})
    if len(formats) < 2:
        return []
    return [
        _result(f"{r.name}/{f}", f"{r.origin} ({f})", r.documents, r.collection, _of_format(r, f), k)
        for f in formats
    ]


def _of_format(r: SetResult, f: str) -> list[Outcome]:
    return [o for o in r.outcomes if o.format == f]


def _run_set(gold: GoldSet, settings, args) -> SetResult:
    import qa

    for note in gold.notes:
        print(f"{gold.name}: {note}", file=sys.stderr)
    key = hashlib.sha256("\n".join(sorted(str(d) for d in gold.documents)).encode()).hexdigest()[:8]
    s = settings.with_overrides(collection=f"eval-{gold.name}-{key}")
    started = time.perf_counter()
    indexed = qa.index(gold.documents, settings=s)
    for item in indexed.failed:
        print(f"{gold.name}: could not index {item['source']}: {item['reason']}", file=sys.stderr)
    if not indexed.ok:
        raise EvalError(f"Set {gold.name!r}: none of its documents could be indexed (see the reasons above).")
    print(f"{gold.name}: {indexed.summary()}", file=sys.stderr)
    ask = _asker(s, args)
    ask(gold.questions[0].question)  # warm-up (opens the collection): not timed
    outcomes = []
    with _Progress(gold.name, len(gold.questions)) as progress:
        for q in gold.questions:
            t0 = time.perf_counter()
            try:
                answer = ask(q.question)
                outcomes.append(score(q, answer, (time.perf_counter() - t0) * 1000))
            except QAError as e:  # one failed question (a model timeout, say) is scored, not fatal
                outcomes.append(failed(q, str(e), (time.perf_counter() - t0) * 1000))
            progress.step()
    print(f"{gold.name}: {len(outcomes)} questions in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return _result(gold.name, gold.origin, gold.documents, s.collection, outcomes, args.recall_k)


def _asker(s, args):
    import qa

    if not args.no_lexical:
        return lambda question: qa.ask(question, settings=s)
    from qa.retrieve import RetrievalConfig

    config = RetrievalConfig(use_lexical=False)
    return lambda question: qa.ask(question, settings=s, retrieval=config)


def _config(settings, args) -> dict:
    return {
        "model": settings.model,
        "top_k": settings.top_k,
        "recall_k": args.recall_k,
        "embed_model": settings.embed_model,
        "lexical": not args.no_lexical,
        "limit": args.limit,
        "seed": args.seed,
        "written": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


class _Progress:
    """A gold set's questions on qa's progress line (qa/progress_line.py): redrawn on a terminal, plain lines
    otherwise."""

    def __init__(self, name: str, total: int):
        from qa.progress_line import ProgressLine, count

        self.total, self.done = total, 0
        self.line = ProgressLine(label=name, amount=count)
        self.line("questions", 0, total)

    def step(self) -> None:
        self.done += 1
        self.line("questions" if self.done < self.total else "done", self.done, self.total)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.line.close()
