"""The learned refusal decision: the committed model loads, weighs the signals the answerer computes, and
decides (answers what the seed article says, refuses what it does not)."""

import json

import pytest

import qa
from qa.refusal import MODEL_FILE, RefusalModel, load_model


def test_the_committed_model_loads_and_knows_its_threshold():
    model = load_model()
    assert 0.0 < model.threshold < 1.0
    assert len(model.features) == len(model.coef) == len(model.mean) == len(model.scale)
    trained = json.loads(MODEL_FILE.read_text())["trained"]
    assert trained["examples"]["squad"] > 1000  # fitted on real data, with its out-of-fold figures kept
    assert "squad/unanswerable" in trained["out_of_fold"]


def test_the_model_weighs_exactly_the_signals_the_answerer_computes(seed_index):
    from qa.answerers import Query
    from qa.api import default_assistant

    question = "Who is the CIA director?"
    assistant = default_assistant()
    passages = assistant.retriever(seed_index).retrieve(question, seed_index.top_k)
    answerer = assistant.answerer(seed_index)
    values = answerer.signals(answerer.choose(Query(question), passages), passages)
    assert set(values) == set(load_model().features)
    assert load_model().probability(values) > load_model().threshold


@pytest.mark.parametrize(
    "question, refused",
    [
        ("Who is the head of Zelensky's office?", False),
        ("Where will European leaders hold crisis talks?", False),
        ("How do I grow bananas on a balcony?", True),
        ("What is the capital of Australia?", True),
    ],
)
def test_decides_on_real_passages(seed_index, question, refused):
    assert qa.ask(question, settings=seed_index).refused is refused


def test_probability_follows_the_coefficients():
    model = RefusalModel(("coverage",), (0.5,), (0.25,), (4.0,), 0.0, 0.5)
    assert model.probability({"coverage": 0.5}) == pytest.approx(0.5)
    assert model.probability({"coverage": 0.9}) > 0.9
    assert model.refuse({"coverage": 0.1}) and not model.refuse({"coverage": 0.9})
    assert RefusalModel.from_dict(model.to_dict()) == model
    with pytest.raises(ValueError):
        RefusalModel.from_dict({**model.to_dict(), "coef": [1.0, 2.0]})


def test_documentation_passages_have_their_own_operating_point():
    model = RefusalModel(("coverage",), (0.5,), (0.25,), (4.0,), 0.0, 0.3, threshold_docs=0.7)
    assert model.probability({"coverage": 0.55}) == pytest.approx(0.69, abs=0.01)
    assert not model.refuse({"coverage": 0.55})  # prose passages: above 0.3
    assert model.refuse({"coverage": 0.55, "doc_like": 1.0})  # documentation: below 0.7
    assert RefusalModel.from_dict(model.to_dict()).threshold_docs == 0.7
