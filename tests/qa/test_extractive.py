"""The extractive answerer on the seed article: cited sentences, refusals, follow-ups, exact offsets."""

from pathlib import Path

import pytest

import qa
from qa.evidence import answer_type_cue, contradicts, missing_names, question_type


def _check_offsets(answer) -> None:
    for c in answer.citations:
        document = Path(c.source).read_text(encoding="utf-8-sig")
        assert document[c.start : c.end] == c.text
        assert document[c.quote_start : c.quote_end] == c.quote
        assert c.quote in c.text
        assert f"[{c.id}]" in answer.text
        assert c.quote in answer.text


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Who is Donald Trump's national security adviser?", "Mike Waltz"),
        ("Who is the CIA director?", "John Ratcliffe"),
        ("Who is the head of Zelensky's office?", "Andriy Yermak"),
        ("Where will European leaders hold crisis talks?", "Brussels"),
    ],
)
def test_answers_with_a_cited_sentence(seed_index, question, expected):
    answer = qa.ask(question, settings=seed_index)
    assert not answer.refused
    assert expected in answer.text
    assert answer.citations
    assert any(expected in c.quote for c in answer.citations)
    _check_offsets(answer)


@pytest.mark.parametrize(
    "question",
    [
        "What is the boiling point of mercury?",
        "Who won the 2018 World Cup?",
        "How do I bake sourdough bread?",
        "Who is not Donald Trump's national security adviser?",
    ],
)
def test_refuses_what_the_article_does_not_say(seed_index, question):
    answer = qa.ask(question, settings=seed_index)
    assert answer.refused
    assert answer.citations == []
    assert "[" not in answer.text


def test_same_question_same_answer(seed_index):
    first = qa.ask("What did Macron say about Europe?", settings=seed_index)
    again = qa.ask("What did Macron say about Europe?", settings=seed_index)
    assert first.to_dict() == again.to_dict()


def test_follow_up_question_uses_the_earlier_turn(seed_index):
    first = qa.ask("Who is Donald Trump's national security adviser?", settings=seed_index)
    follow = qa.ask(
        "And what did he say about it?", history=[(first.question, first.text)], settings=seed_index
    )
    assert not follow.refused
    assert "Waltz" in follow.standalone_question
    assert "Waltz" in follow.text or "he said" in follow.text
    assert follow.citations[0].quote != first.citations[0].quote  # something new, not the same sentence
    _check_offsets(follow)


def test_follow_up_without_history_is_just_a_question(seed_index):
    answer = qa.ask("And what did he say about it?", settings=seed_index)
    assert answer.standalone_question == ""


def test_question_types_and_their_cues():
    assert question_type("How many troops were sent?") == "number"
    assert question_type("When did the war start?") == "date"
    assert question_type("Who is the adviser?") == "name"
    assert question_type("What changed?") == "other"
    words = {"who", "is", "the", "adviser"}
    assert answer_type_cue("name", "The adviser is Mike Waltz.", words) == 1.0
    assert answer_type_cue("name", "The adviser said so.", words) == 0.0
    assert answer_type_cue("date", "It began in February 2022.", {"when"}) == 1.0
    assert answer_type_cue("number", "Three ships left.", {"how", "many"}) == 1.0
    assert question_type("Which SQLite version introduced write-ahead logging?") == "number"
    assert question_type("Does git clean delete ignored files too?") == "polar"
    assert question_type("Is it a list or a tuple?") == "other"  # a choice, not yes or no
    assert answer_type_cue("polar", "Ignored files are removed only with -x.", {"does"}) == 1.0
    assert answer_type_cue("polar", "Ignored files are removed with -x.", {"does"}) == 0.0
    # numbers that point elsewhere are no answer to "how many"
    pointer = "7. History is on by default (see Section 9.1 [History], page 152)."
    assert answer_type_cue("number", pointer, {"how", "many"}) == 0.0
    assert answer_type_cue("number", "The last commands (default 500) are saved.", {"how", "many"}) == 1.0


def test_missing_names_ignore_the_first_word_and_possessives(seed_index):
    passages = qa.ask("Who is the CIA director?", settings=seed_index).passages
    assert missing_names("Who said Ratcliffe's pause would end?", passages) == []
    assert missing_names("Did Merkel meet Waltz in 1999?", passages) == ["Merkel", "1999"]
    assert missing_names("Does France back Ukraine?", passages) == []  # "French president ..."


def test_a_name_in_another_form_is_not_a_reason_to_refuse(seed_index):
    answer = qa.ask("Who is the president of France?", settings=seed_index)
    assert not answer.refused
    assert "Emmanuel Macron" in answer.text


def test_contradiction_of_a_question_word():
    assert contradicts(
        "What is an example of the abnormal force?", "An example of the normal force is a push."
    )
    assert contradicts("Where is the least EU law applied?", "Most EU law is applied by national courts.")
    assert not contradicts("What is the normal force?", "An example of the normal force is a push.")
    assert not contradicts("What did the charter encourage?", "The charter did not encourage it.")
