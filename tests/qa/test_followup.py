"""Follow-up questions become readable standalone questions, not keywords glued onto the question."""

import pytest

from qa.followup import refers_back, rewrite_followup

WALTZ = [
    (
        "Who is Donald Trump's national security adviser?",
        "“We have taken a step back and are pausing and reviewing all aspects of this relationship,” "
        "Mr Trump’s national security adviser Mike Waltz said. [1]",
    )
]
JSON = [
    (
        "What does json.loads raise on invalid JSON?",
        "If the data being deserialized is not a valid JSON document, a JSONDecodeError will be raised. [1]",
    )
]
APPLE = [("Who founded Apple?", "Apple was founded by Steve Jobs and Steve Wozniak in 1976. [1]")]
MERCURY = [("What is the boiling point of mercury?", "Mercury boils at 356.7 °C. [1]")]
CIA = [("Who is the CIA director?", "John Ratcliffe is the CIA director. [1]")]


@pytest.mark.parametrize(
    "history, question, standalone",
    [
        (WALTZ, "And what did he say?", "What did Mike Waltz say?"),
        (WALTZ, "What is his job?", "What is Mike Waltz's job?"),
        (WALTZ, "Who appointed him?", "Who appointed Mike Waltz?"),
        (JSON, "What about json.dumps?", "What does json.dumps raise on invalid JSON?"),
        (JSON, "Why does it do that?", "Why does json.loads do that?"),
        (APPLE, "When was it founded?", "When was Apple founded?"),
        (APPLE, "And Microsoft?", "Who founded Microsoft?"),
        (MERCURY, "And what is its melting point?", "What is mercury's melting point?"),
        (CIA, "What about the FBI director?", "Who is the FBI director?"),
    ],
)
def test_a_follow_up_reads_as_a_standalone_question(history, question, standalone):
    assert rewrite_followup(question, history) == standalone


def test_a_question_that_stands_alone_is_left_alone():
    assert rewrite_followup("Who wrote the json module documentation?", JSON) == (
        "Who wrote the json module documentation?"
    )
    assert rewrite_followup("And what did he say?", []) == "And what did he say?"
    assert not refers_back("Who is the CIA director?")
    assert refers_back("And his deputy?")


def test_nothing_to_replace_names_the_topic_in_words():
    rewritten = rewrite_followup("When?", APPLE)
    assert rewritten == "When? (about Apple)"
    for history in (WALTZ, JSON, APPLE, MERCURY, CIA):  # never the previous answer's words glued on
        for question in ("And what did he say?", "Why?", "What about it?"):
            rewritten = rewrite_followup(question, history)
            assert history[0][1].split("[")[0].strip() not in rewritten
            assert "[1]" not in rewritten
