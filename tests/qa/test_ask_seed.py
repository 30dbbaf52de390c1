"""The main job, end to end on the seed article: real files, real model, real Chroma."""

from pathlib import Path

import pytest

import qa
from qa.errors import NothingIndexedError


def test_answers_seed_question_with_citation(seed_index):
    answer = qa.ask("Who is Donald Trump's national security adviser?", settings=seed_index)
    assert not answer.refused
    assert "Waltz" in answer.text
    assert answer.citations
    assert all(f"[{c.id}]" in answer.text for c in answer.citations)
    for citation in answer.citations:
        document = Path(citation.source).read_text(encoding="utf-8-sig")
        assert document[citation.start : citation.end] == citation.text
        assert document[citation.quote_start : citation.quote_end] == citation.quote


def test_refuses_off_topic_question(seed_index):
    answer = qa.ask("What is the boiling point of mercury?", settings=seed_index)
    assert answer.refused
    assert answer.citations == []


def test_empty_collection_says_how_to_index(qa_home):
    with pytest.raises(NothingIndexedError, match="qa index"):
        qa.ask("Who is the adviser?")
