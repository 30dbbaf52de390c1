"""The one stemmer: an irregular form and its base meet, so a question's "write" finds a document's "wrote"."""

from __future__ import annotations

import pytest

from index.text import _IRREGULAR, content_terms, stem


@pytest.mark.parametrize("form, base", sorted(_IRREGULAR.items()))
def test_an_irregular_form_meets_its_base(form, base):
    assert stem(form) == stem(base)


def test_question_and_sentence_share_their_terms():
    question = set(content_terms("What did the lantern keeper write? Who chose it and what became of it?"))
    sentence = set(content_terms("The lantern keeper wrote it down; she chose it, and it became law."))
    assert question <= sentence
