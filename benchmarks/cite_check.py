"""How well the citation check (qa.cite) tells a supporting passage from a wrong one, on SQuAD-A.

For each sampled question, an answer sentence is written the way a model would ("<question words> <gold answer>")
and checked against: the gold paragraph (should be kept), another paragraph of the same article (a hard wrong
citation: should be dropped) and a paragraph of another article (should be dropped).

    python -m benchmarks.cite_check [--limit 500] [--min-support 0.35]
"""

from __future__ import annotations

import argparse
import random
import re
import sys

from eval.squad import SQUAD_V1_A, _articles
from qa.answer import Passage
from qa.cite import MIN_SUPPORT, check_citations

_WH = re.compile(r"^(what|which|who|whom|whose|when|where|why|how)( (many|much|long|old|far|often))?\b", re.I)


def claim(question: str, answer: str) -> str:
    """A model-like answer sentence: the question's words without the wh-word, then the answer."""
    body = _WH.sub("", question.strip().rstrip("?")).strip()
    return f"{body} {answer}."


def run(limit: int, min_support: float, seed: int = 0) -> dict[str, float]:
    rows = []
    articles = _articles(SQUAD_V1_A)
    for a, article in enumerate(articles):
        paragraphs = [p["context"] for p in article["paragraphs"]]
        for i, paragraph in enumerate(article["paragraphs"]):
            for q in paragraph["qas"]:
                if q.get("answers"):
                    rows.append((a, i, q["question"], q["answers"][0]["text"]))
    rng = random.Random(seed)
    rows = rng.sample(rows, min(limit, len(rows)))
    kept = {"gold": 0, "same article": 0, "other article": 0}
    for a, i, question, answer in rows:
        paragraphs = [p["context"] for p in articles[a]["paragraphs"]]
        same = rng.choice([j for j in range(len(paragraphs)) if j != i]) if len(paragraphs) > 1 else i
        other_article = rng.choice([k for k in range(len(articles)) if k != a])
        other = rng.choice(articles[other_article]["paragraphs"])["context"]
        sentence = claim(question, answer)
        for name, text in (
            ("gold", paragraphs[i]),
            ("same article", paragraphs[same]),
            ("other article", other),
        ):
            passage = Passage(1, "p.txt", "p#0", 0, len(text), text, 1.0)
            if check_citations(f"{sentence} [1]", [passage], min_support).citations:
                kept[name] += 1
    return {name: count / len(rows) for name, count in kept.items()} | {"questions": len(rows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--min-support", type=float, nargs="+", default=[MIN_SUPPORT])
    args = parser.parse_args(argv)
    if not SQUAD_V1_A.is_file():
        print(f"skipped: {SQUAD_V1_A} is not there", file=sys.stderr)
        return 0
    print("min_support | kept: gold | same article (wrong) | other article (wrong) | questions")
    for threshold in args.min_support:
        r = run(args.limit, threshold)
        print(
            f"{threshold:.2f} | {r['gold']:.3f} | {r['same article']:.3f} | {r['other article']:.3f} "
            f"| {r['questions']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
