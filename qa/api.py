"""The public functions: index documents, ask questions. Each is a thin wrapper over one default
`qa.Assistant` (qa/assistant.py), which keeps the embedder, store handles and retrievers between calls."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator

from qa.answer import Answer, Passage
from qa.assistant import MAX_QUESTION_CHARS, Assistant, SourceInfo, normalize_history
from qa.settings import Settings

__all__ = [
    "MAX_QUESTION_CHARS",
    "SourceInfo",
    "ask",
    "ask_stream",
    "collections",
    "default_assistant",
    "index",
    "normalize_history",
    "remove",
    "search",
    "sources",
]

_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    """The instance the module functions use; it reads the settings at every call."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
        return _default


def index(
    paths: Iterable[str | os.PathLike] | str | os.PathLike,
    collection: str | None = None,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    settings: Settings | None = None,
    follow_links: bool = False,
):
    """Add, update and remove documents so that the collection mirrors the given files and folders.

    Returns an `IndexReport`. Bad files are reported in `report.failed` and skipped; the rest is indexed.
    Links inside a folder that lead out of it are skipped unless `follow_links`.
    """
    return default_assistant().index(
        paths, collection, progress=progress, settings=settings, follow_links=follow_links
    )


def ask(
    question: str,
    collection: str | None = None,
    model: str | None = None,
    top_k: int | None = None,
    history: list | None = None,
    *,
    settings: Settings | None = None,
    retrieval=None,
) -> Answer:
    """Answer a question from the indexed documents, citing the passages that support each sentence.

    `history` holds earlier turns, as (question, answer) pairs or {"role", "content"} messages,
    so that follow-up questions ("and what did he say about it?") work.
    `retrieval` (a `qa.retrieve.RetrievalConfig`) overrides how passages are found (`qa eval --no-lexical`).
    """
    return default_assistant().ask(
        question, collection, model, top_k, history, settings=settings, retrieval=retrieval
    )


def ask_stream(
    question: str,
    collection: str | None = None,
    model: str | None = None,
    top_k: int | None = None,
    history: list | None = None,
    *,
    settings: Settings | None = None,
    retrieval=None,
) -> Iterator[str | Answer]:
    """Like `ask`, but yields the answer text in pieces as it is generated, then the full `Answer`."""
    yield from default_assistant().ask_stream(
        question, collection, model, top_k, history, settings=settings, retrieval=retrieval
    )


def search(
    query: str,
    collection: str | None = None,
    k: int | None = None,
    *,
    settings: Settings | None = None,
    retrieval=None,
) -> list[Passage]:
    """The passages that best match a query (the retrieval `ask` uses), best first, without answering."""
    return default_assistant().search(query, collection, k, settings=settings, retrieval=retrieval)


def sources(collection: str | None = None, *, settings: Settings | None = None) -> list[SourceInfo]:
    """The documents indexed in a collection."""
    return default_assistant().sources(collection, settings=settings)


def collections(*, settings: Settings | None = None) -> list[str]:
    """The names of the collections in the configured store (embedded, or the Chroma server)."""
    return default_assistant().collections(settings=settings)


def remove(
    sources_to_remove: Iterable[str], collection: str | None = None, *, settings: Settings | None = None
) -> list[str]:
    """Remove documents (by source path, or a folder prefix) from a collection; returns what was removed."""
    return default_assistant().remove(sources_to_remove, collection, settings=settings)
