"""SQuAD-format files (v1.1 answerable, v2.0 unanswerable) as gold questions and as documents to index.

Documents: one text file per article, its paragraphs separated by a blank line (the titles as file names).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from eval.gold import GoldQuestion

SHARED_SQUAD = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "squad"
SQUAD_V1_A = SHARED_SQUAD / "squad-v1.1-dev-a.json"
SQUAD_V2_UNANSWERABLE_A = SHARED_SQUAD / "squad-v2.0-unanswerable-a.json"


def _articles(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)["data"]


def load_squad_questions(path: str | Path, limit: int | None = None, seed: int = 0) -> list[GoldQuestion]:
    """Questions of a SQuAD file; `limit` samples that many with a fixed seed (same sample every run)."""
    questions: list[GoldQuestion] = []
    set_name = Path(path).stem
    for article in _articles(path):
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                impossible = bool(qa.get("is_impossible")) or not qa.get("answers")
                answers = list(dict.fromkeys(a["text"] for a in qa.get("answers", [])))
                questions.append(
                    GoldQuestion(
                        id=qa["id"],
                        question=qa["question"],
                        answers=[] if impossible else answers,
                        answerable=not impossible,
                        evidence="" if impossible else paragraph["context"],
                        set_name=set_name,
                    )
                )
    if limit is not None and limit < len(questions):
        questions = random.Random(seed).sample(questions, limit)
    return questions


def write_squad_documents(path: str | Path, out_dir: str | Path) -> list[Path]:
    """One .txt per article (paragraphs separated by a blank line); returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for article in _articles(path):
        target = out / f"{article['title']}.txt"
        text = "\n\n".join(p["context"].strip() for p in article["paragraphs"]) + "\n"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
