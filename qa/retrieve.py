"""Hybrid retrieval: dense vectors from Chroma and BM25 from the catalog, fused by reciprocal rank."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from index.catalog import Catalog
from index.document import Chunk
from index.store import ChromaStore
from qa.answer import Passage
from qa.errors import NothingIndexedError


@dataclass(frozen=True)
class RetrievalConfig:
    candidates: int = 30  # taken from each retriever before fusion
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    use_dense: bool = True
    use_lexical: bool = True


DEFAULT_RETRIEVAL = RetrievalConfig()


class Retriever:
    """Opened once per collection and kept: the embedder, Chroma client and catalog survive between questions."""

    def __init__(self, settings, config: RetrievalConfig = DEFAULT_RETRIEVAL):
        from index.pipeline import open_collection

        self.settings = settings
        self.config = config
        self.store: ChromaStore
        self.catalog: Catalog
        self.store, self.catalog = open_collection(settings)

    def retrieve(self, question: str, top_k: int) -> list[Passage]:
        if self.catalog.chunk_count() == 0:
            raise NothingIndexedError(self.settings.collection)
        cfg = self.config
        n = max(cfg.candidates, top_k)
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        if cfg.use_dense:
            from index.embed import get_embedder

            query_vector = get_embedder(self.settings.embed_model).embed_query(question)
            for rank, hit in enumerate(self.store.query(query_vector, n)):
                fused[hit.chunk_id] = fused.get(hit.chunk_id, 0.0) + cfg.dense_weight / (cfg.rrf_k + rank + 1)
        if cfg.use_lexical:
            for rank, lex in enumerate(self.catalog.search(question, n)):
                fused[lex.chunk.id] = fused.get(lex.chunk.id, 0.0) + cfg.lexical_weight / (
                    cfg.rrf_k + rank + 1
                )
                chunks[lex.chunk.id] = lex.chunk
        ranked = sorted(fused, key=fused.__getitem__, reverse=True)[:top_k]
        missing = [i for i in ranked if i not in chunks]
        chunks.update(self.catalog.chunks_by_id(missing))
        passages = []
        for chunk_id in ranked:
            chunk = chunks.get(chunk_id)
            if chunk is None:  # in Chroma but not (yet) in the catalog: a run in progress; skip it
                continue
            passages.append(
                Passage(
                    id=len(passages) + 1,
                    source=chunk.source,
                    chunk_id=chunk.id,
                    start=chunk.start,
                    end=chunk.end,
                    text=chunk.text,
                    score=round(fused[chunk_id], 6),
                    title=chunk.title,
                    heading=chunk.heading,
                    page=chunk.page,
                )
            )
        return passages


@functools.lru_cache(maxsize=8)
def get_retriever(settings, config: RetrievalConfig = DEFAULT_RETRIEVAL) -> Retriever:
    return Retriever(settings, config)
