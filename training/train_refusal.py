"""Fit the extractive answerer's refusal model and write qa/refusal_model.json.

    PYTHONPATH=$PWD /work/venv/bin/python training/train_refusal.py        # needs the `train` extra (sklearn)

Examples (question -> the signals of qa.refusal, label: answerable or not), each with the document it is
about as its group:
- SQuAD-A (../shared/data/squad): v1.1 dev-a answerable, v2.0 unanswerable-a; group = the article;
- every eval/gold/*.jsonl set (the seed article, the real-document set when present); group = the source
  document of the evidence (a question to refuse without one is its own group);
- off-topic pairs: questions of one corpus asked of another corpus' index (SQuAD questions of the
  documentation and seed indexes, documentation questions of the SQuAD index); label: refuse.

A logistic regression (standardized signals; each source weighted by 1/sqrt(its size), so that SQuAD does
not drown the smaller sets) is scored by 5-fold cross-validation grouped by document: no article or
document is ever both fitted and scored. The threshold is the highest one at which the out-of-fold false
refusals stay within --max-false-refusal for SQuAD and --max-false-refusal-small for the other sets of at
least 5 documents (the seed set is one article: it is reported, not used to set the threshold); there are
two, one for prose passages and one for documentation (signatures, code, tables, headings: doc_like). The figures
printed are those out-of-fold ones, i.e. on documents the model was not fitted on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Example:
    source: str  # squad, seed, real, offtopic
    kind: str  # answerable, unanswerable, near-miss, off-topic
    group: str
    question: str
    collection: str
    values: dict | None = None  # the signals; None when the answerer had nothing to rank (always refused)

    @property
    def label(self) -> int:
        return int(self.kind == "answerable")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--squad-answerable", type=int, default=1500, help="SQuAD-A answerable questions sampled")
    p.add_argument("--squad-unanswerable", type=int, default=1000, help="SQuAD-A unanswerable sampled")
    p.add_argument("--offtopic", type=int, default=150, help="off-topic pairs per direction")
    p.add_argument(
        "--max-false-refusal",
        type=float,
        default=0.07,
        help="out of fold, for SQuAD (and any source of 200+)",
    )
    p.add_argument(
        "--max-false-refusal-small",
        type=float,
        default=0.08,
        help="out of fold, for the smaller sets (seed, real documents), where one question is 1-3 points",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--home", type=Path, help="where the indexes live (default: QA_HOME/eval, as qa eval)")
    p.add_argument("--out", type=Path, default=ROOT / "qa" / "refusal_model.json")
    p.add_argument("--cache", type=Path, help="a JSON file of computed examples, reused when it exists")
    args = p.parse_args(argv)

    import qa

    settings = qa.load_settings()
    home = (args.home or settings.home / "eval").resolve()
    settings = settings.with_overrides(home=home)
    if args.cache and args.cache.exists():
        examples = [Example(**e) for e in json.loads(args.cache.read_text())]
    else:
        examples = collect(settings, args)
        if args.cache:
            args.cache.write_text(json.dumps([e.__dict__ for e in examples]))
    model, report = fit(examples, args.max_false_refusal, args.max_false_refusal_small)
    data = model.to_dict()
    data["trained"] = report
    args.out.write_text(json.dumps(data, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    print(f"written: {args.out}")
    return 0


def collect(settings, args) -> list[Example]:
    from eval.goldfile import default_gold_files, load_gold_set

    rng = random.Random(args.seed)
    collections: dict[str, str] = {}
    examples: list[Example] = []
    gold_questions: list[tuple[str, str]] = []  # (source, question) for the off-topic pairs
    for path in default_gold_files():
        gold = load_gold_set(path, None, None, args.seed, settings.home)
        collections[gold.name] = _indexed(gold.name, gold.documents, settings)
        for q in gold.questions:
            sources = getattr(q, "sources", ())  # the evidence's document, where the set knows it
            group = (
                sources[0] if sources else (f"{gold.name}:{q.id}" if len(gold.documents) > 1 else gold.name)
            )
            kind = getattr(q, "kind", "answerable" if q.answerable else "unanswerable")
            examples.append(Example(gold.name, kind, group, q.question, collections[gold.name]))
            gold_questions.append((gold.name, q.question))
    squad = _squad_examples(settings, args, rng)
    examples += squad
    squad_collection = squad[0].collection
    squad_asked = [e for e in squad if e.kind == "answerable"]
    for collection in collections.values():  # SQuAD questions asked of the documentation
        for e in rng.sample(squad_asked, min(args.offtopic, len(squad_asked))):
            examples.append(Example("offtopic", "off-topic", f"off:{e.group}", e.question, collection))
    for name, question in rng.sample(gold_questions, min(args.offtopic, len(gold_questions))):
        examples.append(Example("offtopic", "off-topic", f"off:{name}", question, squad_collection))
    _compute(examples, settings)
    return examples


def _indexed(name: str, documents, settings) -> str:
    """The collection qa eval uses for these documents (same name: its index is reused)."""
    import qa

    key = hashlib.sha256("\n".join(sorted(str(d) for d in documents)).encode()).hexdigest()[:8]
    collection = f"eval-{name}-{key}"
    report = qa.index(documents, settings=settings.with_overrides(collection=collection))
    print(f"{name}: {report.summary()}", file=sys.stderr)
    return collection


def _squad_examples(settings, args, rng) -> list[Example]:
    from eval.goldfile import SQUAD_A_NAME, _squad_documents
    from eval.squad import SQUAD_V1_A, SQUAD_V2_UNANSWERABLE_A

    documents = _squad_documents(SQUAD_V1_A, settings.home)
    collection = _indexed(SQUAD_A_NAME, documents, settings)
    out = []
    for path, kind, n in (
        (SQUAD_V1_A, "answerable", args.squad_answerable),
        (SQUAD_V2_UNANSWERABLE_A, "unanswerable", args.squad_unanswerable),
    ):
        rows = [
            (article["title"], qa["question"])
            for article in json.loads(Path(path).read_text(encoding="utf-8"))["data"]
            for paragraph in article["paragraphs"]
            for qa in paragraph["qas"]
        ]
        for title, question in rng.sample(rows, min(n, len(rows))):
            out.append(Example("squad", kind, title, question, collection))
    return out


def _compute(examples: list[Example], settings) -> None:
    from qa.answerers import Query
    from qa.api import default_assistant

    assistant = default_assistant()
    answerer = assistant.answerer(settings)
    started = time.perf_counter()
    for n, e in enumerate(examples, 1):
        s = settings.with_overrides(collection=e.collection)
        passages = assistant.retriever(s).retrieve(e.question, s.top_k)
        choice = answerer.choose(Query(e.question), passages)
        e.values = answerer.signals(choice, passages) if choice else None
        if n % 250 == 0:
            print(f"{n}/{len(examples)} questions, {time.perf_counter() - started:.0f} s", file=sys.stderr)


def fit(examples: list[Example], max_false_refusal: float, max_false_refusal_small: float):
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from qa.refusal import RefusalModel

    usable = [e for e in examples if e.values is not None]
    names = sorted(usable[0].values)
    x = np.array([[e.values[n] for n in names] for e in usable])
    y = np.array([e.label for e in usable])
    groups = np.array([e.group for e in usable])
    sources = np.array([e.source for e in usable])
    counts = {s: int((sources == s).sum()) for s in set(sources)}
    # SQuAD has the most examples; the square root keeps the smaller sets from being drowned
    weight = np.array([1.0 / np.sqrt(counts[s]) for s in sources])
    weight *= len(usable) / weight.sum()

    def fitted(rows):
        mean, scale = x[rows].mean(axis=0), x[rows].std(axis=0)
        scale[scale == 0] = 1.0
        clf = LogisticRegression(C=0.5, max_iter=2000)
        clf.fit((x[rows] - mean) / scale, y[rows], sample_weight=weight[rows])
        return mean, scale, clf

    oof = np.zeros(len(usable))
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        mean, scale, clf = fitted(train)
        oof[test] = clf.predict_proba((x[test] - mean) / scale)[:, 1]
    docs = np.array([e.values.get("doc_like", 0.0) == 1.0 for e in usable])
    # Two operating points: prose (SQuAD, news) and documentation passages, each chosen on its own examples
    threshold = _threshold(oof, y, sources, groups, ~docs, max_false_refusal, max_false_refusal_small)
    threshold_docs = _threshold(oof, y, sources, groups, docs, max_false_refusal, max_false_refusal_small)
    mean, scale, clf = fitted(np.arange(len(usable)))
    model = RefusalModel(
        tuple(names),
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in clf.coef_[0]),
        float(clf.intercept_[0]),
        threshold,
        threshold_docs,
    )
    refused = np.where(docs, oof < threshold_docs, oof < threshold)
    report = {
        "examples": counts,
        "threshold": round(threshold, 4),
        "threshold_docs": round(threshold_docs, 4),
        "out_of_fold": _figures(examples, usable, refused),
        "written": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    return model, report


def _threshold(
    oof, y, sources, groups, within, max_false_refusal: float, max_false_refusal_small: float
) -> float:
    """The highest threshold at which, among the examples `within`, every source of at least 5 documents
    and 30 answerable questions refuses at most its allowed share of its answerable questions (SQuAD-sized sources: max_false_refusal)."""
    import numpy as np

    best = 0.0
    for t in np.unique(np.round(oof[within], 4)):
        ok = True
        for s in set(sources):
            answerable = within & (sources == s) & (y == 1)
            if len(set(groups[answerable])) < 5 or answerable.sum() < 30:
                continue  # one document held out at a time, or a handful: reported, too coarse to decide on
            allowed = max_false_refusal if answerable.sum() >= 200 else max_false_refusal_small
            if (oof[answerable] < t).mean() > allowed:
                ok = False
                break
        if ok:
            best = float(t)
    return best


def _figures(examples, usable, refused) -> dict:
    """Per source and kind: how many, and the share refused (out of fold; nothing-to-rank counts as refused)."""
    shares: dict[tuple[str, str], list[bool]] = {}
    for e, r in zip(usable, refused):
        shares.setdefault((e.source, e.kind), []).append(bool(r))
    for e in examples:
        if e.values is None:
            shares.setdefault((e.source, e.kind), []).append(True)
    return {
        f"{s}/{k}": {"n": len(v), "refused": round(sum(v) / len(v), 3)}
        for (s, k), v in sorted(shares.items())
    }


if __name__ == "__main__":
    raise SystemExit(main())
