"""One owner for the resources a question needs: the store and lexical index of each collection, the embedder,
the retrievers and the answerer. `qa.ask`, `qa.index` and the other module functions are thin wrappers over a
default instance; a program that wants to release everything uses its own:

    with qa.Assistant(settings) as assistant:
        answer = assistant.ask("Who is the adviser?")

The ask path is one straight line: the question and its history become a `Query` once (a follow-up rewritten
once), the retriever finds passages for its standalone form, the answerer answers the query from them.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from qa.answer import Answer, Passage
from qa.answerers import Answerer, Query, make_answerer
from qa.errors import NothingIndexedError, QAError
from qa.settings import Settings, load_settings

MAX_QUESTION_CHARS = 2000  # longer questions are refused with this limit named (README: "Limits")


@dataclass(frozen=True)
class SourceInfo:
    source: str
    title: str
    chunks: int
    state: str  # 'done', or 'pending' while a run is writing it


class Assistant:
    """Holds what is slow to open (embedding model, Chroma clients, catalogs) between calls; `close()` lets go.

    `settings=None` reads the settings (environment, `.env`) at every call, as the module functions do; every
    method also takes `settings=` and per-call overrides. Resources are kept per collection and embedder, so
    one instance serves several collections. Thread-safe: the chat UI answers in worker threads."""

    def __init__(self, settings: Settings | None = None):
        self._settings = settings
        self._lock = threading.RLock()
        self._embedders: dict[tuple, object] = {}
        self._clients: dict[tuple, object] = {}  # Chroma clients, lent to the stores of this instance
        self._collections: dict[tuple, tuple] = {}  # (store, catalog) per collection
        self._retrievers: dict[tuple, object] = {}
        self._pool = None  # the retrievers' freshness checks run here, beside the question's embedding

    # --- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the catalogs and the Chroma clients, drop the embedders; the next call opens them again."""
        with self._lock:
            for key in list(self._collections):
                self._forget(key)
            self._embedders.clear()
            clients, self._clients = list(self._clients.values()), {}
            pool, self._pool = self._pool, None
        for client in clients:
            client.close()
        if pool is not None:
            pool.shutdown(wait=True)

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def settings(self, settings: Settings | None = None, **overrides) -> Settings:
        return (settings or self._settings or load_settings()).with_overrides(**overrides)

    # --- the public operations -----------------------------------------------------------------

    def index(
        self,
        paths: Iterable[str | os.PathLike] | str | os.PathLike,
        collection: str | None = None,
        *,
        progress: Callable[[str, int, int], None] | None = None,
        settings: Settings | None = None,
        follow_links: bool = False,
    ):
        """Add, update and remove documents so that the collection mirrors the given files and folders.
        Links inside a folder that lead out of it are skipped unless `follow_links`."""
        from index.pipeline import run_index

        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        s = self.settings(settings, collection=collection)
        config = dataclasses.replace(s.index_config(), follow_links=follow_links)
        try:
            return run_index(
                paths,
                config,
                progress=progress,
                embedder=lambda: self.embedder(config),
                client=self.client(config),
                unit_texts=_unit_texts(s),
            )
        finally:
            self._forget(_collection_key(config))  # its Chroma handle may have changed

    def remove(
        self, sources: Iterable[str], collection: str | None = None, *, settings: Settings | None = None
    ) -> list[str]:
        """Remove documents (by source path, or a folder prefix) from a collection; returns what was removed."""
        from index.pipeline import remove_sources

        config = self.settings(settings, collection=collection).index_config()
        try:
            return remove_sources(list(sources), config, client=self.client(config))
        finally:
            self._forget(_collection_key(config))

    def sources(self, collection: str | None = None, *, settings: Settings | None = None) -> list[SourceInfo]:
        """The documents indexed in a collection (a source still being written for the first time is not one)."""
        config = self.settings(settings, collection=collection).index_config()
        with self._lock:
            try:
                store, catalog = self._collection(config)
            except NothingIndexedError:
                return []  # an unknown collection has no sources (and gets no files)
            catalog.refresh(store)  # a fresh machine lists what the others indexed
            return [
                SourceInfo(x.source, x.title, x.chunks, x.state)
                for x in sorted(catalog.sources().values(), key=lambda x: x.source)
                if x.listed
            ]

    def collections(self, *, settings: Settings | None = None) -> list[str]:
        """The names of the collections in the configured store (embedded, or the Chroma server)."""
        from index.collections import collection_names, store_exists

        config = self.settings(settings).index_config()
        return collection_names(config, self.client(config)) if store_exists(config) else []

    def search(
        self,
        query: str,
        collection: str | None = None,
        k: int | None = None,
        *,
        settings: Settings | None = None,
        retrieval=None,
    ) -> list[Passage]:
        """The passages that best match a query (the retrieval `ask` uses), best first, without answering."""
        if not isinstance(query, str) or not query.strip():
            raise QAError("Search for something: the query is empty.")
        s = self.settings(settings, collection=collection, top_k=k)
        return self.retriever(s, retrieval).retrieve(query, s.top_k)

    def ask(
        self,
        question: str,
        collection: str | None = None,
        model: str | None = None,
        top_k: int | None = None,
        history: list | None = None,
        *,
        settings: Settings | None = None,
        retrieval=None,
    ) -> Answer:
        """Answer a question from the indexed documents, citing the passages that support each sentence."""
        answerer, query, passages = self._prepare(
            question, collection, model, top_k, history, settings, retrieval
        )
        return answerer.answer(query, passages)

    def ask_stream(
        self,
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
        answerer, query, passages = self._prepare(
            question, collection, model, top_k, history, settings, retrieval
        )
        answered = False
        for item in answerer.stream(query, passages):
            answered = answered or isinstance(item, Answer)
            yield item
        if not answered:
            raise QAError("The answerer returned no answer.")

    def _prepare(self, question, collection, model, top_k, history, settings, retrieval):
        """The ask path up to answering: the answerer, the `Query` (a follow-up rewritten once), the passages."""
        check_question(question)  # before anything loads: a refused question costs nothing
        from qa.followup import standalone_question

        s = self.settings(settings, collection=collection, model=model, top_k=top_k)
        answerer = self.answerer(s)
        turns = normalize_history(history)
        searched = standalone_question(question, turns, answerer)
        query = Query(question, searched if searched != question else "", tuple(turns))
        return answerer, query, self.retriever(s, retrieval).retrieve(query.search_text, s.top_k)

    # --- the resources -------------------------------------------------------------------------

    def embedder(self, config):
        """The embedder of an index configuration, loaded once (documents, questions and answer sentences
        all use this one)."""
        from index.embed import embedder_for

        key = (config.embed_model, config.embed_backend, config.embed_threads, config.cache_dir)
        with self._lock:
            if key not in self._embedders:
                self._embedders[key] = embedder_for(config)
            return self._embedders[key]

    def client(self, config):
        """The Chroma client of a store, opened once; closed by `close()`."""
        from index.chroma_client import client_key, open_client

        key = client_key(config)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = open_client(config)
            return self._clients[key]

    def answerer(self, s: Settings) -> Answerer:
        return make_answerer(s, lambda: self.embedder(s.index_config()))

    def retriever(self, s: Settings, retrieval=None):
        """The retriever of a collection, kept between questions."""
        from qa.retrieve import DEFAULT_RETRIEVAL, Retriever

        config = s.index_config()
        retrieval = retrieval or DEFAULT_RETRIEVAL
        key = (_collection_key(config), retrieval)
        with self._lock:
            if key not in self._retrievers:
                store, catalog = self._collection(config)
                if self._pool is None:
                    from concurrent.futures import ThreadPoolExecutor

                    self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="qa-freshness")
                self._retrievers[key] = Retriever(
                    store, catalog, lambda: self.embedder(config), config.collection, retrieval, self._pool
                )
            return self._retrievers[key]

    def _collection(self, config):
        """The store and catalog of a collection, for reading: one the store does not have raises
        NothingIndexedError before any folder, file or Chroma collection is made for it."""
        from index.collections import collection_names, store_exists
        from index.pipeline import open_collection

        key = _collection_key(config)
        if key not in self._collections:
            if not store_exists(config):
                raise NothingIndexedError(config.collection)
            try:
                self._collections[key] = open_collection(config, existing=True, client=self.client(config))
            except NothingIndexedError:  # a mistyped name, most often: say which ones exist
                others = [n for n in collection_names(config, self.client(config)) if n != config.collection]
                raise NothingIndexedError(config.collection, tuple(others)) from None
        return self._collections[key]

    def _forget(self, key: tuple) -> None:
        """Drop one collection's handles and retrievers (after it was written: reopen on the next question)."""
        with self._lock:
            for rkey in [k for k in self._retrievers if k[0] == key]:
                del self._retrievers[rkey]
            opened = self._collections.pop(key, None)
        if opened is not None:
            opened[0].close()  # the client is lent: it stays open for this instance's other stores
            opened[1].close()


def _unit_texts(s: Settings):
    """What the indexer embeds beside the chunks for this answerer: the extractive one's answer units."""
    if s.model != "extractive":
        return None
    from qa.extractive import answer_unit_texts

    return answer_unit_texts


def _collection_key(config) -> tuple:
    return (str(config.home), config.store_key, config.collection, config.embed_model)


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


def check_question(question: object) -> None:
    """A question must have text, and at most MAX_QUESTION_CHARS characters."""
    if not isinstance(question, str) or not question.strip():
        raise QAError("Ask a question: the question is empty.")
    if len(question) > MAX_QUESTION_CHARS:  # a pasted document would take seconds to search and answer
        raise QAError(
            f"The question is {len(question):,} characters long; the limit is {MAX_QUESTION_CHARS:,}: "
            "shorten it (index long texts with `qa index` and ask about them)."
        )
