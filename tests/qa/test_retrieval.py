"""Hybrid retrieval on the seed article: real files, real model, real Chroma and BM25."""

from pathlib import Path

import pytest

import qa
from qa.retrieve import RetrievalConfig

# (question, words only the answer-bearing sentence has)
CASES = [
    ("Who is Donald Trump's national security adviser?", "Mike Waltz said"),
    ("Who is the CIA director?", "CIA director John Ratcliffe"),
    ("Who heads Zelensky's office?", "Andriy Yermak"),
    ("What did Macron propose about nuclear deterrence?", "nuclear deterrent"),
    ("How long could Ukraine defend itself without Patriot missiles?", "matter of days"),
]


def _reciprocal_rank(passages, needle: str) -> float:
    return next((1 / (i + 1) for i, p in enumerate(passages) if needle in p.text), 0.0)


@pytest.fixture(scope="module")
def retrievers(seed_index):
    with qa.Assistant(seed_index) as assistant:
        yield {
            "hybrid": assistant.retriever(seed_index),
            "dense": assistant.retriever(seed_index, RetrievalConfig(use_lexical=False)),
            "bm25": assistant.retriever(seed_index, RetrievalConfig(use_dense=False)),
            "rrf": assistant.retriever(seed_index, RetrievalConfig(fusion="rrf", lexical_weight=1.0)),
        }


def test_hybrid_ranks_answers_at_least_as_well_as_each_retriever_alone(retrievers):
    mrr = {
        name: sum(_reciprocal_rank(r.retrieve(q, 3), needle) for q, needle in CASES) / len(CASES)
        for name, r in retrievers.items()
    }
    assert mrr["hybrid"] >= mrr["dense"]
    assert mrr["hybrid"] >= mrr["bm25"]
    assert mrr["hybrid"] >= 0.8, mrr


def test_every_case_finds_its_answer_in_the_top_two(retrievers):
    for question, needle in CASES:
        passages = retrievers["hybrid"].retrieve(question, 2)
        assert any(needle in p.text for p in passages), question


def test_retrieval_is_deterministic(retrievers):
    first = retrievers["hybrid"].retrieve("What did the US stop sharing with Ukraine?", 5)
    again = retrievers["hybrid"].retrieve("What did the US stop sharing with Ukraine?", 5)
    assert [(p.chunk_id, p.score) for p in first] == [(p.chunk_id, p.score) for p in again]
    assert [p.id for p in first] == list(range(1, len(first) + 1))


def test_passages_are_exact_slices_of_their_documents(retrievers):
    for p in retrievers["hybrid"].retrieve("European leaders crisis talks in Brussels", 5):
        document = Path(p.source).read_text(encoding="utf-8-sig")
        assert document[p.start : p.end] == p.text
        assert p.score > 0


def test_scores_fall_in_rank_order(retrievers):
    passages = retrievers["hybrid"].retrieve("intelligence sharing pause", 5)
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)


def test_unknown_fusion_is_refused(seed_index):
    with pytest.raises(ValueError, match="fusion"):
        qa.search("anything", settings=seed_index, retrieval=RetrievalConfig(fusion="max"))
