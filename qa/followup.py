"""Follow-up questions as readable standalone questions: "And what did he say?" after a question answered by
"... Mike Waltz said." becomes "What did Mike Waltz say?", the question searched with and shown to the user.

Without a language model the rewrite is rule-based: a referring pronoun is replaced by who or what the
previous turn was about, "What about X?" re-asks the previous question about X, and a question that refers
back but has no pronoun to replace gets the topic in words ("When? (about Mike Waltz)") rather than
keywords glued on.
"""

from __future__ import annotations

import re

from qa.markers import strip_markers

# A run of capitalized words ("Mike Waltz", "Volodymyr Zelensky", "European Union"), "Mr"/"Mrs" included.
_NAME_RUN = re.compile(
    r"\b(?:[A-Z][\w'’.-]*[a-z0-9][\w'’-]*|[A-Z]{2,}\w*)(?:\s+(?:[A-Z][\w'’-]*|of|de|von|van))*"
)
_IDENTIFIER = re.compile(r"`?\b[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+(?:\(\))?`?|\b\w+_\w+\b|\b\w+\(\)")
_PERSON = re.compile(r"\b(he|she|they|him|them)\b", re.I)
_POSSESSIVE = re.compile(r"\b(his|their)\b", re.I)
_HER = re.compile(r"\bher\b(\s+(\w+))?", re.I)
_THING = re.compile(r"\b(it|its)\b", re.I)
_REFERRING = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|this|that|these|those|there|then|the same)\b", re.I
)
_OPENER = re.compile(r"^\s*(?:and|so|but|also|then|ok|okay|well)\b[\s,]*", re.I)
_WHAT_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\s*\??\s*$", re.I)
_BARE_AND = re.compile(
    r"^\s*and\s+((?:(?!\b(?:who|what|which|when|where|why|how)\b)[^?\s]+\s*){1,4})\?*\s*$", re.I
)
_WH_AUX = re.compile(
    r"^\s*(?:who|what|which|when|where|why|how)(?:\s+\w+)?\s+"
    r"(?:is|are|was|were|does|do|did|has|have|had|can|could|will|would|should)\s+",
    re.I,
)
_NOT_POSSESSED = {
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "about",
    "from",
    "by",
    "of",
    "and",
    "or",
    "that",
    "if",
}
_SENTENCE_OPENERS = {
    "the",
    "a",
    "an",
    "we",
    "it",
    "in",
    "on",
    "at",
    "this",
    "that",
    "there",
    "he",
    "she",
    "they",
}


def standalone_question(question: str, history: list[tuple[str, str]], answerer) -> str:
    """The question to search with. An LLM rewrites it; otherwise the rule-based rewrite below."""
    if not history:
        return question
    rewritten = answerer.condense(question, history)
    if rewritten:
        return rewritten
    return rewrite_followup(question, history)


def refers_back(question: str) -> bool:
    """Whether a question needs the earlier turn to be understood."""
    words = question.split()
    return (
        bool(_REFERRING.search(question))
        or bool(_OPENER.match(question) and not _OPENER.fullmatch(question))
        or bool(_WHAT_ABOUT.match(question))
        or len(words) <= 2
    )


def rewrite_followup(question: str, history: list[tuple[str, str]]) -> str:
    """A standalone version of a follow-up question; the question itself when it stands alone."""
    if not history or not refers_back(question):
        return question
    last_question, last_answer = history[-1]
    last_answer = strip_markers(last_answer)
    person = _person(last_question, last_answer)
    topic = _topic(last_question) or person
    body = _OPENER.sub("", question).strip() or question.strip()

    about = _WHAT_ABOUT.match(question) or _BARE_AND.match(question)
    if about:
        return _ask_again_about(last_question, about.group(1), topic)

    replaced = _replace_first_pronoun(body, person, topic)
    if replaced is None:
        subject = topic or person
        if not subject:
            return question
        replaced = f"{_capitalize(body.rstrip())} (about {subject})"
    return _capitalize(replaced)


def _ask_again_about(last_question: str, subject: str, topic: str) -> str:
    """ "What about X?": the previous question, asked about X instead of its topic or subject."""
    subject = subject.strip().rstrip("?").strip()
    same_kind = topic and (
        (_IDENTIFIER.fullmatch(subject) and _IDENTIFIER.fullmatch(topic))
        or (subject[:1].isupper() and topic[:1].isupper() and not subject.lower().startswith("the "))
    )
    if same_kind and topic in last_question:
        return last_question.replace(topic, subject, 1)
    asked = _subject(last_question)
    if asked:
        return last_question.replace(asked, subject, 1)
    return f"{last_question.rstrip().rstrip('?')}, about {subject}?"


def _subject(question: str) -> str:
    """What a question asks about: "the boiling point of mercury" in "What is the boiling point of mercury?"."""
    rest = _WH_AUX.sub("", question, count=1).strip().rstrip("?").strip()
    return rest if rest != question.strip().rstrip("?") and len(rest.split()) <= 8 else ""


def _replace_first_pronoun(body: str, person: str, topic: str) -> str | None:
    """The body with its first referring pronoun replaced by the person or thing it stands for."""
    options = []
    if person:
        options += [(m.start(), m.end(), person) for m in _PERSON.finditer(body)]
        options += [(m.start(), m.end(), _possessive(person)) for m in _POSSESSIVE.finditer(body)]
        for m in _HER.finditer(body):
            following = (m.group(2) or "").lower()
            owner = following and following not in _NOT_POSSESSED
            options.append((m.start(), m.start() + 3, _possessive(person) if owner else person))
    thing = topic or person
    if thing:
        for m in _THING.finditer(body):
            options.append((m.start(), m.end(), _possessive(thing) if m.group(1).lower() == "its" else thing))
    if not options:
        return None
    start, end, words = min(options)
    return body[:start] + words + body[end:]


def _person(last_question: str, last_answer: str) -> str:
    """Who "he" or "she" is: a name the previous answer brought (not already in the question), else the
    name the previous question was about."""
    asked = {w.lower() for w in re.findall(r"\w+", last_question)}
    for name in _names(last_answer):
        if any(w.lower() not in asked for w in name.split()):
            return name
    names = _names(last_question)
    return names[0] if names else ""


def _topic(last_question: str) -> str:
    """What "it" is: an identifier (json.loads) or name the previous question was about, else its subject
    ("the boiling point of mercury" in "What is the boiling point of mercury?")."""
    identifier = _IDENTIFIER.search(last_question)
    if identifier:
        return identifier.group(0).strip("`")
    names = _names(last_question)
    if names:
        return max(names, key=len)
    subject = _subject(last_question)
    return subject.rsplit(" of ", 1)[-1]  # "it" after "the boiling point of mercury" is mercury


def _names(text: str) -> list[str]:
    """Runs of capitalized words, longest first where they tie in position; titles ("Mr") dropped."""
    from index.text import STOPWORDS

    found = []
    for m in _NAME_RUN.finditer(text):
        words = m.group(0).split()
        while words and (words[0].lower() in STOPWORDS or words[0].rstrip(".") in ("Mr", "Mrs", "Ms", "Dr")):
            words = words[1:]
        while words and words[-1] in ("of", "de", "von", "van"):
            words = words[:-1]
        if not words:
            continue
        at_start = m.start() == 0 or re.search(r"[.!?\"“”]\s*$", text[: m.start()])
        if at_start and len(words) == 1 and words[0].lower() in _SENTENCE_OPENERS:
            continue
        name = " ".join(w.rstrip("'’s") if w.endswith(("'s", "’s")) else w for w in words)
        found.append(name)
    multi = [n for n in found if " " in n]
    return list(dict.fromkeys(multi + found))


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
