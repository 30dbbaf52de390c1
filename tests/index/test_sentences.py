"""The sentence splitter on documentation-shaped text: hard-wrapped paragraphs, abbreviations, lists, code."""

from __future__ import annotations

import time

from index.sentences import sentence_spans, sentence_units


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_a_line_break_inside_a_paragraph_is_not_a_sentence_end():
    text = (
        "If the data being deserialized is not a valid JSON document, a\n"
        "JSONDecodeError will be raised.  The other arguments have the same\n"
        "meaning as in load().\n"
    )
    assert _sentences(text) == [
        "If the data being deserialized is not a valid JSON document, a\nJSONDecodeError will be raised.",
        "The other arguments have the same\nmeaning as in load().",
    ]


def test_a_blank_line_ends_a_unit_even_without_punctuation():
    assert _sentences("A title without a stop\n\nThe body follows here.") == [
        "A title without a stop",
        "The body follows here.",
    ]


def test_abbreviations_versions_and_dotted_names_do_not_end_sentences():
    text = (
        "Use a codec, e.g. UTF-8, i.e. the default. Mr. Smith met Dr. Jones vs. the rest at 3 p.m. today. "
        "Python 3.11 added it. Call os.path.join() first. Then go."
    )
    assert _sentences(text) == [
        "Use a codec, e.g. UTF-8, i.e. the default.",
        "Mr. Smith met Dr. Jones vs. the rest at 3 p.m. today.",
        "Python 3.11 added it.",
        "Call os.path.join() first.",
        "Then go.",
    ]


def test_questions_exclamations_and_closing_quotes():
    assert _sentences('He asked "why?" Nobody knew! (It was late.) Next.') == [
        'He asked "why?"',
        "Nobody knew!",
        "(It was late.)",
        "Next.",
    ]


def test_list_items_table_rows_and_code_lines_are_their_own_units():
    text = (
        "The options are:\n"
        "- first, which is wrapped\n"
        "  over two lines\n"
        "- second\n"
        "1. numbered\n"
        "\n"
        "    import json\n"
        "    json.loads(s)\n"
        "\n"
        "Name | Value\n"
        "DEBUG | 10\n"
    )
    units = [(text[u.start : u.end], u.kind) for u in sentence_units(text)]
    assert units == [
        ("The options are:", "prose"),
        ("- first, which is wrapped\n  over two lines", "list"),
        ("- second", "list"),
        ("1. numbered", "list"),
        ("import json", "code"),
        ("json.loads(s)", "code"),
        ("Name | Value", "table"),
        ("DEBUG | 10", "table"),
    ]


def test_plain_text_headings_are_their_own_units():
    text = "Installation\n============\n\nRun the installer. It takes a minute.\n"
    assert _sentences(text) == ["Installation", "============", "Run the installer.", "It takes a minute."]
    text = "Getting started\nInstall the package with pip, then import it in your own programs.\n"
    assert _sentences(text)[0] == "Getting started"


def test_spans_are_exact_and_stay_inside_the_window():
    text = "Skip this. Keep this one. And this.\nNot this."
    spans = sentence_spans(text, 11, 35)
    assert [text[s:e] for s, e in spans] == ["Keep this one.", "And this."]
    assert all(11 <= s < e <= 35 for s, e in spans)


def test_splitting_takes_linear_time():
    # Issue 14: 50/100/200 KB of "ab. cd. " took 23/75/286 s (quadratic look-back). Ratios in one run only; the
    # two sizes are timed in turns and the best of three kept, so a busy machine slows both alike.
    for unit in ("ab. cd. ", "a\n", "word " * 20 + "\n"):
        small = unit * (200_000 // len(unit))  # under ~100 kB, CPU caches make small inputs look cheap
        large = small * 4
        best = {len(small): float("inf"), len(large): float("inf")}
        for _ in range(3):
            for text in (small, large):
                began = time.perf_counter()
                sentence_spans(text)
                best[len(text)] = min(best[len(text)], time.perf_counter() - began)
        assert best[len(large)] <= 6 * best[len(small)] + 0.02, unit
