"""Cheap evidence about a question and a candidate answer sentence: content words, the kind of answer asked
for, names and numbers the documents lack, negation and opposite words. Used to pick an answer and as the
signals of the refusal model (qa.refusal)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from index.text import STOPWORDS, content_terms

if TYPE_CHECKING:
    from qa.answer import Passage

_WORD = re.compile(r"\w+")
_NEGATION = re.compile(r"\b(not|never|no|none|nor|non|cannot|without)\b|n't\b", re.I)
_NEGATING_PREFIXES = ("non", "un", "ab", "dis", "in", "im", "ir", "il")
_OPPOSITES = dict(
    pair
    for a, b in [
        ("least", "most"), ("less", "more"), ("fewer", "more"), ("different", "same"), ("open", "closed"),
        ("first", "last"), ("lowest", "highest"), ("smallest", "largest"), ("minimum", "maximum"),
        ("increase", "decrease"), ("increased", "decreased"), ("worst", "best"), ("inside", "outside"),
        ("earliest", "latest"), ("weakest", "strongest"), ("rarely", "commonly"), ("cheapest", "most expensive"),
    ]
    for pair in ((a, b), (b, a))
)  # fmt: skip
_NAME_OR_NUMBER = re.compile(r"\b[A-Z]\w*|\b\d+\b")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b")
_MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens)\b",
    re.I,
)
_CAPITALIZED = re.compile(r"\b[A-Z][a-z]+")
# Numbers that point elsewhere rather than answer: "page 152", "Section 9.1", "(p. 127)", a list's "7."
_REFERENCES = re.compile(
    r"\b(?:pages?|pp?\.|sections?|chapters?|figures?|tables?|see)\s+\d[\d.]*|^\s*\d+[.)]\s", re.I
)
_QUESTION_TYPES = (
    (
        "number",
        re.compile(
            r"\bhow (many|much|long|far|old|large|big|tall|high)\b|\bwhat (percentage|percent|number)\b"
            r"|\b(what|which) (\w+ )?(version|release)\b"  # "Which SQLite version ...": a version number
        ),
    ),
    ("date", re.compile(r"\bwhen\b|\b(what|which) (year|century|decade|date|month|day)\b")),
    ("name", re.compile(r"\bwho\b|\bwhose\b|\bwhom\b|\bwhere\b")),
    # "Does git clean delete ignored files?", "Can I use WAL over NFS?": documentation answers these by
    # stating the exception ("not", "only", "unless"), rarely by repeating the question
    ("polar", re.compile(r"^\W*(is|are|does|do|did|can|could|will|would|should|must|may)\b(?!.*\bor\b)")),
)
_POLARITY = re.compile(r"\b(not|never|no|cannot|unless|only|always|required|deprecated)\b|n't\b", re.I)


def negated(text: str) -> bool:
    """Whether the text says "not", "never", "no", "without"..."""
    return bool(_NEGATION.search(text))


def question_type(question: str) -> str:
    lowered = question.lower()
    for kind, pattern in _QUESTION_TYPES:
        if pattern.search(lowered):
            return kind
    return "other"


def answer_type_cue(kind: str, sentence: str, question_words: set[str]) -> float:
    """1 when the sentence holds the kind of thing the question asks for, and the question does not."""
    if kind == "number":
        found = (m.group(0).lower() for m in _NUMBER.finditer(_REFERENCES.sub(" ", sentence)))
    elif kind == "date":
        found = (m.group(0).lower() for m in (*_YEAR.finditer(sentence), *_MONTH.finditer(sentence)))
    elif kind == "name":
        found = (
            m.group(0).lower() for m in _CAPITALIZED.finditer(sentence, 1)
        )  # not the sentence's first word
    elif kind == "polar":
        found = (m.group(0).lower() for m in _POLARITY.finditer(sentence))
    else:
        return 0.0
    return 1.0 if any(w not in question_words for w in found) else 0.0


def missing_names(question: str, passages: list[Passage]) -> list[str]:
    """Proper names and numbers of the question (not its first word) that none of these passages mentions.

    A name counts as mentioned in another form: "Soviets" by "Soviet" (a shared 5-letter start), "France" by
    "French" (the same first four consonants, among the passages' capitalized words), and a first name by
    the surname that follows it ("Mike Waltz" by "Mr Waltz")."""
    text = question.strip()
    first = _WORD.search(text)
    skip = first.end() if first else 0
    haystack = " ".join(f"{p.title} {p.text}" for p in passages)
    words = set(_WORD.findall(haystack.lower()))
    skeletons = {_skeleton(w) for w in _CAPITALIZED.findall(haystack)}
    missing = []
    for m in _NAME_OR_NUMBER.finditer(text, skip):
        name = m.group(0).lower()
        if name in STOPWORDS or (m.group(0).isupper() and len(name) <= 3):
            continue  # "TV", "US", "EU": abbreviations the text may spell out
        if name in words or name[0].isdigit():
            if name not in words:
                missing.append(m.group(0))
            continue
        stem = name[:5]
        if any(w.startswith(stem) for w in words) or (
            len(_skeleton(name)) >= 3 and _skeleton(name) in skeletons
        ):
            continue
        surname = _FOLLOWING_NAME.match(text, m.end())
        if surname and surname.group(1).lower() in words:
            continue
        missing.append(m.group(0))
    return missing


_FOLLOWING_NAME = re.compile(r"\s+([A-Z][a-z]\w+)")


def name_forms(question: str, text: str) -> dict[str, str]:
    """For the question's names the text spells in another form, the question's term -> the text's term:
    "France" asked, "French" written (the same first four consonants, and initial)."""
    terms = set(content_terms(text))
    by_skeleton: dict[str, str] = {}
    for word in _CAPITALIZED.findall(text):
        if len(_skeleton(word)) >= 3:
            by_skeleton.setdefault(
                _skeleton(word) + word[0].lower(), content_terms(word)[0] if content_terms(word) else ""
            )
    forms = {}
    for word in _CAPITALIZED.findall(question, _first_word_end(question)):
        term = content_terms(word)
        if not term or term[0] in terms:
            continue
        other = by_skeleton.get(_skeleton(word) + word[0].lower())
        if other:
            forms[term[0]] = other
    return forms


def _first_word_end(text: str) -> int:
    first = _WORD.search(text)
    return first.end() if first else 0


def _skeleton(word: str) -> str:
    """The first four consonants: France and French share "frnc", Germany and German "grmn"."""
    return "".join(c for c in word.lower() if c.isalpha() and c not in "aeiouy")[:4]


def contradicts(question: str, sentence: str) -> bool:
    """The best sentence says the opposite of a word of the question: "abnormal" asked, "normal" written,
    "least" asked, "most" written (and the question's own word is not there)."""
    asked = {w.lower() for w in _WORD.findall(question)}
    written = {w.lower() for w in _WORD.findall(sentence)}
    for word in asked - written:
        if _OPPOSITES.get(word) in written:
            return True
        if negated(sentence):
            continue  # "invalid" asked, "not valid" written: the same thing
        for prefix in _NEGATING_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 4 and word[len(prefix) :] in written:
                return True
            if len(word) >= 4 and prefix + word in written:
                return True
    return False
