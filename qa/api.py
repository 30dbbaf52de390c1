"""The public API: index documents, ask questions. Everything else in `qa` serves these functions."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from qa.answer import Answer, Passage
from qa.errors import QAError
from qa.settings import Settings, load_settings

MAX_QUESTION_CHARS = 2000  # longer questions are refused with this limit named (README: "Limits")


def _settings(settings: Settings | None, **overrides) -> Settings:
    return (settings or load_settings()).with_overrides(**overrides)


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
    from index.pipeline import run_index

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    s = _settings(settings, collection=collection)
    config = dataclasses.replace(s.index_config(), follow_links=follow_links)
    report = run_index(paths, config, progress=progress)
    _forget_collection(s)
    return report


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
    answer = None
    for item in _answer_items(question, collection, model, top_k, history, settings, False, retrieval):
        if isinstance(item, Answer):
            answer = item
    assert answer is not None
    return answer


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
    yield from _answer_items(question, collection, model, top_k, history, settings, True, retrieval)


def _answer_items(question, collection, model, top_k, history, settings, stream: bool, retrieval=None):
    if not isinstance(question, str) or not question.strip():
        raise QAError("Ask a question: the question is empty.")
    if len(question) > MAX_QUESTION_CHARS:  # a pasted document would take seconds to search and answer
        raise QAError(
            f"The question is {len(question):,} characters long; the limit is {MAX_QUESTION_CHARS:,}: "
            "shorten it (index long texts with `qa index` and ask about them)."
        )
    s = _settings(settings, collection=collection, model=model, top_k=top_k)
    from qa.answerers import get_answerer
    from qa.followup import standalone_question

    turns = normalize_history(history)
    answerer = get_answerer(s)
    searched = standalone_question(question, turns, answerer)
    passages = retriever_for(s, retrieval).retrieve(searched, s.top_k)
    # Without streaming, an answerer that can answer in one call does (an LLM: one plain completion).
    complete = None if stream else getattr(answerer, "complete", None)
    items = [complete(question, passages, turns)] if complete else answerer.stream(question, passages, turns)
    answer = None
    for item in items:
        if isinstance(item, Answer):
            answer = item
        yield item
    if answer is None:
        raise QAError("The answerer returned no answer.")
    if searched != question:
        answer.standalone_question = searched


def search(
    query: str, collection: str | None = None, k: int | None = None, *, settings: Settings | None = None
) -> list[Passage]:
    """The passages that best match a query (the retrieval `ask` uses), best first, without answering."""
    if not isinstance(query, str) or not query.strip():
        raise QAError("Search for something: the query is empty.")
    s = _settings(settings, collection=collection, top_k=k)
    return retriever_for(s).retrieve(query, s.top_k)


@dataclass(frozen=True)
class SourceInfo:
    source: str
    title: str
    chunks: int
    state: str  # 'done', or 'pending' while a run is writing it


def sources(collection: str | None = None, *, settings: Settings | None = None) -> list[SourceInfo]:
    """The documents indexed in a collection."""
    from index.catalog import Catalog

    s = _settings(settings, collection=collection)
    if not (s.collection_dir / "catalog.sqlite").is_file():
        return []  # read-only: an unknown name creates no folder, file or collection
    catalog = Catalog(s.collection_dir)
    try:
        return [
            SourceInfo(x.source, x.title, x.chunks, x.state)
            for x in sorted(catalog.sources().values(), key=lambda x: x.source)
        ]
    finally:
        catalog.close()


def collections(*, settings: Settings | None = None) -> list[str]:
    """The names of the collections in the configured store (embedded, or the Chroma server)."""
    from index.store import collection_names

    s = _settings(settings)
    return collection_names(s.home, s.chroma_url)


def remove(
    sources_to_remove: Iterable[str], collection: str | None = None, *, settings: Settings | None = None
) -> list[str]:
    """Remove documents (by source path, or a folder prefix) from a collection; returns what was removed."""
    from index.pipeline import remove_sources

    s = _settings(settings, collection=collection)
    removed = remove_sources(list(sources_to_remove), s.index_config())
    _forget_collection(s)
    return removed


def retriever_for(s: Settings, config=None):
    """The retriever of a collection, kept between questions (embedder, Chroma client, catalog)."""
    return _retriever(s.home, s.chroma_url, s.collection, s.embed_model, config)


@functools.lru_cache(maxsize=8)
def _retriever(home, chroma_url, collection, embed_model, config=None):
    from qa.retrieve import DEFAULT_RETRIEVAL, Retriever

    return Retriever(
        Settings(home=home, chroma_url=chroma_url, collection=collection, embed_model=embed_model),
        config or DEFAULT_RETRIEVAL,
    )


def _forget_collection(s: Settings) -> None:
    """After indexing, reopen the collection on the next question (its Chroma handle may have changed)."""
    _retriever.cache_clear()


def normalize_history(history: list | None) -> list[tuple[str, str]]:
    """Earlier turns as (question, answer) pairs, from pairs or from chat messages."""
    if not history:
        return []
    turns: list[tuple[str, str]] = []
    pending_question: str | None = None
    for item in history:
        if isinstance(item, dict):
            role, content = item.get("role"), item.get("content")
            content = content if isinstance(content, str) else str(content or "")
            if role == "user":
                pending_question = content
            elif role == "assistant" and pending_question is not None:
                turns.append((pending_question, content))
                pending_question = None
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            turns.append((str(item[0] or ""), str(item[1] or "")))
        elif isinstance(item, Answer):
            turns.append((item.question, item.text))
        else:
            raise QAError(
                "history must be a list of (question, answer) pairs or {'role': ..., 'content': ...} messages"
            )
    if pending_question is not None:
        turns.append((pending_question, ""))
    return turns
