"""Loading gold sets: our committed seed set is well formed, and every malformed file is named to the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.goldfile import GOLD_DIR, load_gold_set, load_jsonl
from qa.errors import EvalError

ROOT = Path(__file__).resolve().parents[2]
SEED_DOC = ROOT / "seeds" / "000_68c1b161cf4df674.txt"
GOOD = {
    "id": "q1",
    "question": "Who is the national security adviser?",
    "answers": ["Mike Waltz"],
    "answerable": True,
    "evidence": "Mr Trump’s national security adviser Mike Waltz said.",
}
REFUSE = {"id": "q2", "question": "What is the boiling point of mercury?", "answers": [], "answerable": False}


def write_set(folder: Path, lines: list[str], docs: list[str] | None = None) -> Path:
    path = folder / "mine.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "mine.docs.txt").write_text("\n".join(docs if docs is not None else [str(SEED_DOC)]) + "\n")
    return path


def line(**fields) -> str:
    return json.dumps(fields, ensure_ascii=False)


def test_committed_seed_set_is_well_formed():
    gold = load_gold_set(GOLD_DIR / "seed.jsonl")  # validates fields, documents and verbatim evidence
    answerable = [q for q in gold.questions if q.answerable]
    refused = [q for q in gold.questions if not q.answerable]
    assert len(answerable) >= 30 and len(refused) >= 10
    assert all(q.evidence and q.answers for q in answerable)
    assert gold.documents == [SEED_DOC.resolve()]
    assert {q.set_name for q in gold.questions} == {"seed"}


def test_good_file_loads(tmp_path):
    gold = load_gold_set(write_set(tmp_path, [line(**GOOD), "", line(**REFUSE)]))
    assert [q.id for q in gold.questions] == ["q1", "q2"]
    assert gold.questions[1].answerable is False and gold.questions[1].answers == []


@pytest.mark.parametrize(
    "bad, expected",
    [
        ('{"id": "q3", "question": "Who?", ', "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        (line(**GOOD | {"id": "q3", "source": "x"}), "unknown field(s) source"),
        (
            line(**{k: v for k, v in GOOD.items() if k != "answerable"} | {"id": "q3"}),
            "missing required field(s) answerable",
        ),
        (line(**GOOD | {"id": "q3", "answers": []}), "needs at least one gold answer"),
        (line(**REFUSE | {"id": "q3", "answers": ["x"]}), '"answers": []'),
        (line(**GOOD | {"id": "q3", "answerable": "yes"}), "must be true or false"),
        (line(**GOOD), "already used on line 1"),
    ],
)
def test_malformed_line_is_named(tmp_path, bad, expected):
    path = write_set(tmp_path, [line(**GOOD), line(**REFUSE), bad])
    with pytest.raises(EvalError) as error:
        load_jsonl(path)
    assert f"{path}:3:" in str(error.value)
    assert expected in str(error.value)


def test_missing_document_names_the_sidecar_line(tmp_path):
    path = write_set(tmp_path, [line(**GOOD)], docs=["# comment", str(SEED_DOC), "gone.txt"])
    with pytest.raises(EvalError, match=r"mine\.docs\.txt:3: document not found: gone\.txt"):
        load_gold_set(path)


def test_missing_sidecar_says_how_to_name_documents(tmp_path):
    path = tmp_path / "lonely.jsonl"
    path.write_text(line(**GOOD) + "\n")
    with pytest.raises(EvalError, match=r"lonely\.docs\.txt.*--docs"):
        load_gold_set(path)


def test_docs_option_overrides_sidecar_and_must_exist(tmp_path):
    path = write_set(tmp_path, [line(**GOOD)], docs=["gone.txt"])
    assert load_gold_set(path, docs=[SEED_DOC]).documents == [SEED_DOC.resolve()]
    with pytest.raises(EvalError, match="--docs: document not found"):
        load_gold_set(path, docs=[tmp_path / "nowhere.txt"])


def test_evidence_must_be_quoted_verbatim(tmp_path):
    path = write_set(tmp_path, [line(**REFUSE), line(**GOOD | {"evidence": "Mike Waltz is the adviser."})])
    with pytest.raises(EvalError, match=r"mine\.jsonl:2: the evidence of 'q1' is not quoted verbatim"):
        load_gold_set(path)


def test_evidence_must_hold_a_gold_answer(tmp_path):
    path = write_set(tmp_path, [line(**GOOD | {"answers": ["John Ratcliffe"]})])
    with pytest.raises(EvalError, match=r"mine\.jsonl:1: no gold answer of 'q1' occurs in its evidence"):
        load_gold_set(path)


def test_empty_and_wrongly_named_files(tmp_path):
    empty = write_set(tmp_path, [""])
    with pytest.raises(EvalError, match="no questions"):
        load_gold_set(empty)
    other = tmp_path / "set.csv"
    other.write_text("id,question\n")
    with pytest.raises(EvalError, match=r"\.jsonl.*\.json"):
        load_gold_set(other)
    with pytest.raises(EvalError, match="Gold file not found"):
        load_gold_set(tmp_path / "missing.jsonl")


def test_limit_samples_the_same_questions_every_time(tmp_path):
    lines = [line(**REFUSE | {"id": f"q{i}"}) for i in range(20)]
    path = write_set(tmp_path, lines)
    first = [q.id for q in load_gold_set(path, limit=5, seed=3).questions]
    assert len(first) == 5
    assert first == [q.id for q in load_gold_set(path, limit=5, seed=3).questions]
    assert first != [q.id for q in load_gold_set(path, limit=5, seed=4).questions]


def test_squad_format_file_brings_its_documents(tmp_path):
    squad = {
        "data": [
            {
                "title": "Oxygen",
                "paragraphs": [
                    {
                        "context": "Oxygen is a chemical element with symbol O.",
                        "qas": [
                            {
                                "id": "s1",
                                "question": "What is oxygen's symbol?",
                                "answers": [{"text": "O", "answer_start": 41}],
                            },
                            {
                                "id": "s2",
                                "question": "Who sells oxygen?",
                                "answers": [],
                                "is_impossible": True,
                            },
                        ],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "tiny-squad.json"
    path.write_text(json.dumps(squad))
    gold = load_gold_set(path, cache_dir=tmp_path / "cache")
    assert [(q.id, q.answerable, q.answers) for q in gold.questions] == [
        ("s1", True, ["O"]),
        ("s2", False, []),
    ]
    (folder,) = gold.documents
    assert (folder / "Oxygen.txt").read_text().startswith("Oxygen is a chemical element")
    path.write_text('{"data": [{"title": "x"}]}')
    with pytest.raises(EvalError, match="not a SQuAD-format file"):
        load_gold_set(path, cache_dir=tmp_path / "cache")
