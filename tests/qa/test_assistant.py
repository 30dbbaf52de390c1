"""qa.Assistant owns the resources: one embedder for retrieval and answering, handles kept between
questions, released by close(), reopened on the next call."""

from __future__ import annotations

import qa

QUESTION = "Who is Donald Trump's national security adviser?"


def test_one_embedder_serves_retrieval_and_answering_and_close_releases_it(seed_index):
    with qa.Assistant(seed_index) as assistant:
        first = assistant.ask(QUESTION)
        embedder = assistant.embedder(seed_index.index_config())
        retriever = assistant.retriever(seed_index)
        assert retriever.embedder() is embedder
        assert assistant.answerer(seed_index).embedder is embedder
        assert assistant.ask(QUESTION).text == first.text
        assert assistant.retriever(seed_index) is retriever  # kept between questions
        assistant.close()
        assert assistant.retriever(seed_index) is not retriever  # reopened after close
        assert assistant.ask(QUESTION).text == first.text
    assert "Waltz" in first.text and first.citations


def test_follow_up_is_rewritten_once_and_reported(seed_index):
    assistant = qa.Assistant(seed_index)
    first = assistant.ask(QUESTION)
    follow = assistant.ask("What did he say?", history=[first])
    assert "Waltz" in follow.standalone_question
    assert follow.question == "What did he say?"
    assistant.close()
