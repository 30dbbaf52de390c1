"""Ask questions about your documents and get short answers that cite the exact passages.

    import qa
    report = qa.index(["docs/"])                 # IndexReport
    answer = qa.ask("Who is the adviser?")       # Answer: .text with [n] markers, .citations, .refused

Imports stay light: nothing is loaded until it is used.
"""

from __future__ import annotations

from qa.answer import Answer, Citation, Passage
from qa.api import SourceInfo, ask, ask_stream, collections, index, remove, search, sources
from qa.assistant import Assistant
from qa.errors import QAError
from qa.settings import Settings, load_settings

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "IndexReport",
    "Passage",
    "QAError",
    "Settings",
    "SourceInfo",
    "ask",
    "ask_stream",
    "collections",
    "index",
    "load_settings",
    "remove",
    "search",
    "sources",
]


def __getattr__(name: str):
    if name == "IndexReport":
        from index.report import IndexReport

        return IndexReport
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
