"""The vectors of the answer units are computed at index time and stored in the catalog, so that answering a
question embeds only the question; the answers are the ones the re-rank gives when it embeds the units itself."""

from __future__ import annotations

import numpy as np

import qa
from index.catalog import Catalog
from qa.extractive import answer_unit_texts

QUESTIONS = [
    "Who is Donald Trump's national security adviser?",
    "What is the boiling point of mercury?",
    "What did Mike Waltz say about the Houthis?",
]


def _catalog(settings) -> Catalog:
    return Catalog(settings.index_config().collection_dir)


def _answers(settings) -> tuple[list[tuple], set[str]]:
    """Each question's answer, asked of a fresh assistant, and the texts its embedder ran the model on."""
    with qa.Assistant(settings) as assistant:
        embedder = assistant.embedder(settings.index_config())
        answers, embedded = [], set()
        for question in QUESTIONS:
            embedder.clear_cache()
            stored = set(_catalog(settings).unit_vectors(c.chunk_id for c in assistant.search(question)))
            answer = assistant.ask(question)
            answers.append(
                (answer.text, answer.refused, [(c.chunk_id, c.quote_start) for c in answer.citations])
            )
            embedded |= set(embedder._recent) - stored  # what the model embedded: not found in the catalog
        return answers, embedded


def test_indexing_stores_every_answer_unit_vector(seed_index):
    catalog = _catalog(seed_index)
    with qa.Assistant(seed_index) as assistant:
        embedder = assistant.embedder(seed_index.index_config())
        chunks = catalog.chunks_by_id(catalog.chunk_ids()).values()
        for chunk in chunks:
            stored = catalog.unit_vectors([chunk.id])
            texts = answer_unit_texts(chunk.text, chunk.heading)
            assert texts and set(texts) == set(stored)
            fresh = embedder.embed_documents(texts)
            assert np.allclose(fresh, [stored[t] for t in texts], atol=1e-5)  # the same model, other batches
    catalog.close()


def test_answers_embed_only_the_question_and_match_answers_without_stored_vectors(qa_home, seed_dir):
    settings = qa.Settings(home=qa_home)
    qa.index([seed_dir], settings=settings)
    with_stored, embedded = _answers(settings)
    assert embedded == set(QUESTIONS)
    catalog = _catalog(settings)
    catalog._db.execute("DELETE FROM unit_vectors")  # an index written without them (another machine)
    catalog.close()
    without, embedded = _answers(settings)
    assert without == with_stored
    assert embedded > set(QUESTIONS)  # the units were embedded at answer time instead


def test_removing_a_source_removes_its_unit_vectors(qa_home, seed_dir):
    settings = qa.Settings(home=qa_home)
    qa.index([seed_dir], settings=settings)
    catalog = _catalog(settings)
    ids = catalog.chunk_ids()
    assert catalog.unit_vectors(ids)
    catalog.close()
    qa.remove([str(seed_dir)], settings=settings)
    catalog = _catalog(settings)
    assert catalog.unit_vectors(ids) == {}
    catalog.close()
