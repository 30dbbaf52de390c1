"""Answer selection on real-shaped documentation passages: the sentence that states the answer, never the
signature, heading, code line or lead-in before it; no markup in the answer text."""

import re

import pytest

from qa.answer import Passage
from qa.answerers import Query
from qa.extractive import ExtractiveAnswerer, ExtractiveConfig
from qa.units import clean_markup, passage_units, row_text

STR_METHODS = """\
.. method:: str.partition(sep)

   Split the string at the first occurrence of *sep*, and return a 3-tuple
   containing the part before the separator, the separator itself, and the part
   after the separator.  If the separator is not found, return a 3-tuple containing
   the string itself, followed by two empty strings.


.. method:: str.removeprefix(prefix, /)

   If the string starts with the *prefix* string, return
   ``string[len(prefix):]``. Otherwise, return a copy of the original
   string::

      >>> 'TestHook'.removeprefix('Test')
      'Hook'
"""

LOGGING_LEVELS = """\
Logging Levels
--------------

The numeric values of logging levels are given in the following table. These are
primarily of interest if you want to define your own levels, and need them to
have specific values relative to the predefined levels.

+--------------+---------------+
| Level        | Numeric value |
+==============+===============+
| ``CRITICAL`` | 50            |
+--------------+---------------+
| ``ERROR``    | 40            |
+--------------+---------------+
| ``WARNING``  | 30            |
+--------------+---------------+
| ``DEBUG``    | 10            |
+--------------+---------------+
"""

JSON_LOADS = """\
.. function:: loads(s, *, cls=None, object_hook=None, parse_float=None, \\
                    parse_int=None, parse_constant=None, **kw)

   Deserialize *s* (a :class:`str`, :class:`bytes` or :class:`bytearray`
   instance containing a JSON document) to a Python object using this
   :ref:`conversion table <json-to-py-table>`.

   If the data being deserialized is not a valid JSON document, a
   :exc:`JSONDecodeError` will be raised.
"""

FOR_ELSE = """\
The for statement
=================

The :keyword:`for` statement is used to iterate over the elements of a sequence
(such as a string, tuple or list) or other iterable object::

   for_stmt ::=  "for" target_list "in" starred_list ":" suite
                 ["else" ":" suite]

When the items are exhausted (which is immediately when the sequence is empty or
an iterator raises a :exc:`StopIteration` exception), the suite in the
:keyword:`!else` clause, if present, is executed, and the loop terminates.
"""

MARKDOWN_INSTALL = """\
## Installation

Install the package from PyPI:

```
pip install frobnicate
```

Frobnicate requires Python 3.9 or newer and has no other dependencies.
"""


def _passage(text: str, number: int = 1, score: float = 0.8) -> Passage:
    return Passage(number, f"doc{number}.rst", f"c{number}", 0, len(text), text, score)


@pytest.fixture(scope="module")
def answerer():
    from index.embed import get_embedder
    from qa.settings import DEFAULT_EMBED_MODEL

    # which unit answers, whatever the refusal model decides about a lone synthetic passage (tests/qa/test_refusal.py)
    return ExtractiveAnswerer(get_embedder(DEFAULT_EMBED_MODEL), ExtractiveConfig(learned_refusal=False))


def _answer_text(answer) -> str:
    return re.sub(r"\s*\[\d+\]", "", answer.text)


def test_the_definition_after_a_signature_answers_what_a_method_returns(answerer):
    answer = answerer.answer(Query("What does str.partition return?"), [_passage(STR_METHODS)])
    assert not answer.refused
    text = _answer_text(answer)
    assert text.startswith("Split the string at the first occurrence of sep")
    assert "3-tuple" in text
    assert ".. method::" not in text and "*" not in text
    quote = answer.citations[0]
    assert STR_METHODS[quote.quote_start : quote.quote_end] == quote.quote


def test_a_value_comes_from_the_table_row_not_the_lead_in(answerer):
    answer = answerer.answer(
        Query("What is the numeric value of the WARNING logging level?"), [_passage(LOGGING_LEVELS)]
    )
    assert not answer.refused
    text = _answer_text(answer)
    assert "WARNING" in text and "30" in text
    assert "following table" not in text
    assert "``" not in text and "|" not in text


def test_a_sentence_is_not_cut_at_a_line_break_and_loses_its_markup(answerer):
    answer = answerer.answer(Query("What does json.loads raise on invalid JSON?"), [_passage(JSON_LOADS)])
    assert not answer.refused
    text = _answer_text(answer)
    assert "JSONDecodeError will be raised" in text
    assert ":exc:" not in text and "\n" not in text


def test_prose_under_a_heading_beats_the_heading_and_the_grammar(answerer):
    answer = answerer.answer(Query("When does the else clause of a for loop run?"), [_passage(FOR_ELSE)])
    assert not answer.refused
    text = _answer_text(answer)
    assert "the loop terminates" in text
    assert "for_stmt" not in text and "====" not in text


def test_code_only_when_the_question_asks_for_code(answerer):
    prose = answerer.answer(
        Query("Which Python version does frobnicate require?"), [_passage(MARKDOWN_INSTALL)]
    )
    assert "Python 3.9 or newer" in _answer_text(prose)
    code = answerer.answer(
        Query("What is the command to install frobnicate from PyPI?"), [_passage(MARKDOWN_INSTALL)]
    )
    assert "pip install frobnicate" in _answer_text(code) or "Install the package" not in _answer_text(code)
    example = answerer.answer(
        Query("Show me an example command line to install frobnicate"), [_passage(MARKDOWN_INSTALL)]
    )
    assert _answer_text(example) == "pip install frobnicate"


def test_units_know_their_kinds():
    kinds = [(u.kind, STR_METHODS[u.start : u.end][:20]) for u in passage_units(STR_METHODS)]
    assert kinds[0] == ("signature", ".. method:: str.part")
    assert kinds[1][0] == "prose"
    assert [k for k, _ in kinds].count("code") == 2
    assert "leadin" in [k for k, _ in kinds]  # "Otherwise, return a copy of the original string::"
    table = [u for u in passage_units(LOGGING_LEVELS) if u.kind == "row"]
    assert [row_text(LOGGING_LEVELS[u.start : u.end], u.header) for u in table][
        2
    ] == "Level: WARNING; Numeric value: 30"
    headings = [LOGGING_LEVELS[u.start : u.end] for u in passage_units(LOGGING_LEVELS) if u.kind == "heading"]
    assert headings[0] == "Logging Levels"


def test_clean_markup_shows_what_a_reader_sees():
    assert clean_markup("Use :func:`os.chdir` to change it.") == "Use os.chdir() to change it."
    assert clean_markup("A :class:`~json.JSONDecoder` or ``None``.") == "A json.JSONDecoder or None."
    assert clean_markup("See `the docs <https://x.org>`_ and *this* **now**.") == "See the docs and this now."
    assert (
        clean_markup("Read [the guide](guide.md) first.\nThen stop.¶") == "Read the guide first. Then stop."
    )
    assert clean_markup("f(*args, **kwargs) takes 2*3 items") == "f(*args, **kwargs) takes 2*3 items"


GIT_CLEAN_OPTIONS = """\
OPTIONS

-d

Normally, when no <pathspec> is specified, git clean will not recurse into untracked directories to avoid \
removing too much. Specify -d to have it recurse into such directories as well.

-n

--dry-run

Don’t actually remove anything, just show what would be done.

-q

--quiet

Be quiet, only report errors, but not the files that are successfully removed."""

SIX_ASSERTIONS = """\
unittest assertions

Six contains compatibility shims for unittest assertions that have been renamed. For example:

    import six
    import unittest

@functools.lru_cache(user_function) / @functools.lru_cache(maxsize=128, typed=False)

Note these functions are only available on Python 2.7 or later."""

FAQ = """\
What are the restrictions on distributing configure scripts that Autoconf generates?

There are no restrictions on how the configuration scripts that Autoconf produces may be distributed or used. \
See also autoconf (p. 127)."""


def _man_page(text: str) -> Passage:
    """A passage as the HTML loader gives a man page's section: its section path known."""
    return Passage(
        1, "git-clean.html", "c1", 0, len(text), text, 0.8, "git-clean(1)", "git-clean(1) > OPTIONS"
    )


def test_option_terms_are_what_their_definition_is_about(answerer):
    units = passage_units(GIT_CLEAN_OPTIONS, "git-clean(1) > OPTIONS")
    kinds = {GIT_CLEAN_OPTIONS[u.start : u.end]: u.kind for u in units}
    assert kinds["-n"] == kinds["--dry-run"] == kinds["-d"] == "signature"
    definition = next(u for u in units if GIT_CLEAN_OPTIONS[u.start : u.end].startswith("Don’t"))
    assert "-n" in definition.context and "--dry-run" in definition.context
    answer = answerer.answer(Query("What does git clean -n do?"), [_man_page(GIT_CLEAN_OPTIONS)])
    assert _answer_text(answer).startswith("Don’t actually remove anything")


def test_the_sentence_after_a_restated_case_joins_it(answerer):
    answer = answerer.answer(
        Query("How do I get git clean to remove untracked directories as well?"),
        [_man_page(GIT_CLEAN_OPTIONS)],
    )
    assert "Specify -d to have it recurse" in _answer_text(answer)
    assert len(answer.citations) == 1  # side by side: one quote


def test_section_titles_code_blocks_and_decorator_signatures_are_not_prose():
    units = passage_units(SIX_ASSERTIONS, "Six > Package contents > unittest assertions")
    kinds = [(u.kind, SIX_ASSERTIONS[u.start : u.end]) for u in units]
    assert kinds[0] == ("heading", "unittest assertions")  # lower case, but it names the section
    assert ("code", "import six") in kinds and ("code", "import unittest") in kinds
    assert kinds[-2][0] == "signature" and kinds[-2][1].startswith("@functools.lru_cache(")
    assert kinds[-1] == ("prose", "Note these functions are only available on Python 2.7 or later.")
    assert passage_units("some unittest assertions here\n\nSix has shims.")[0].kind == "prose"  # no section


def test_questions_and_bare_cross_references_are_not_answers(answerer):
    kinds = [u.kind for u in passage_units(FAQ)]
    assert kinds == ["leadin", "prose", "leadin"]
    answer = answerer.answer(
        Query("Are there restrictions on distributing the configure scripts of Autoconf?"), [_passage(FAQ)]
    )
    assert _answer_text(answer) == (
        "There are no restrictions on how the configuration scripts that Autoconf produces may be distributed "
        "or used."
    )


def test_clean_markup_renders_myst_roles_and_fences():
    assert clean_markup(":::{note} Use {func}`attrs.fields` instead. :::") == "Use attrs.fields() instead."


HEAPPOP = """\
heapq.heappop(heap)

Pop and return the smallest item from the heap, maintaining the heap invariant. If the heap is empty, \
IndexError is raised."""

HEAPREPLACE = """\
heapq.heapreplace(heap, item)

Pop and return the smallest item from the heap, and also push the new item. If the heap is empty, \
IndexError is raised."""


def test_a_sentence_two_passages_repeat_is_said_once(answerer):
    passages = [
        Passage(1, "heapq.rst", "c1", 0, len(HEAPPOP), HEAPPOP, 0.8, "heapq", "heapq > heappop"),
        Passage(2, "heapq.rst", "c2", 400, 400 + len(HEAPREPLACE), HEAPREPLACE, 0.8, "heapq", "heapq > x"),
    ]
    answer = answerer.answer(Query("What does heappop do when the heap is empty?"), passages)
    text = _answer_text(answer)
    assert "IndexError is raised" in text
    assert text.count("If the heap is empty") == 1, text
