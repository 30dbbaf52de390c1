"""Hybrid retrieval: dense vectors from Chroma and BM25 from the catalog, fused into one ranking.

The default fusion adds the cosine similarity of a chunk to its BM25 score scaled by the best BM25 score of
the question (so both lie in about 0..1). On SQuAD it beat reciprocal rank fusion, which throws the scores
away; the table and the command that reproduces it are in benchmarks/tune_retrieval.py.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace

from index.catalog import LexicalIndex
from index.document import Chunk
from index.records import chunk_from
from index.store import DenseHit, VectorStore
from qa.answer import Passage
from qa.errors import NothingIndexedError

FUSIONS = ("score", "rrf")


@dataclass(frozen=True)
class RetrievalConfig:
    candidates: int = 40  # taken from each retriever before fusion
    fusion: str = "score"  # "score": cosine + weighted, max-scaled BM25; "rrf": reciprocal rank fusion
    dense_weight: float = 1.0
    lexical_weight: float = 0.5
    rrf_k: int = 60
    use_dense: bool = True
    use_lexical: bool = True


DEFAULT_RETRIEVAL = RetrievalConfig()


class Retriever:
    """One collection's retrieval: its store (dense), its catalog (BM25) and the embedder, all owned by the
    `qa.Assistant` that made it. Dense hits carry their text and metadata from Chroma; only the lexical
    hits' chunks come from the catalog."""

    def __init__(
        self,
        store: VectorStore,
        catalog: LexicalIndex,
        embedder: Callable[[], object],
        collection: str,
        config: RetrievalConfig = DEFAULT_RETRIEVAL,
        background: Executor | None = None,
    ):
        if config.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}, got {config.fusion!r}")
        self.store = store
        self.catalog = catalog
        self.embedder = embedder  # called on first use: a BM25-only retriever loads no model
        self.collection = collection
        self.config = config
        # Where the freshness check runs beside the question's embedding: the owner's pool (qa.Assistant's,
        # shut down by its close()), else the calling thread (no thread the retriever would have to stop).
        self.background = background

    check_freshness = True  # benchmarks turn it off to measure what it costs

    def retrieve(self, question: str, top_k: int) -> list[Passage]:
        cfg = self.config
        # The freshness check (one small get of the store's generation stamp) runs while the question is
        # embedded; the cache is brought up to date before anything is searched.
        stamp = None
        if self.check_freshness:
            stamp = (self.background or _InThread()).submit(self.store.generation)
        query_vector = self.embedder().embed_query(question) if cfg.use_dense else None
        if stamp is not None:
            self.catalog.refresh(self.store, stamp=stamp.result())
        if self.catalog.chunk_count() == 0:
            raise NothingIndexedError(self.collection)
        n = max(cfg.candidates, top_k)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        chunks: dict[str, Chunk] = {}
        if cfg.use_dense:
            hits = self.store.query(query_vector, n)
            live = self.catalog.known_ids(hit.chunk_id for hit in hits)  # not a version still being written
            for hit in hits:
                # No metadata: Chroma found the vector as another run deleted the chunk; it is gone.
                if hit.chunk_id in live and hit.metadata.get("source"):
                    dense.append((hit.chunk_id, hit.score))
                    chunks[hit.chunk_id] = _chunk_of(hit)
        if cfg.use_lexical:
            for hit in self.catalog.search(question, n):
                lexical.append((hit.chunk.id, hit.score))
                chunks[hit.chunk.id] = hit.chunk
        fuse = _score_fusion if cfg.fusion == "score" else _rrf
        fused = fuse(dense, lexical, cfg)
        ranked = sorted(fused, key=lambda c: (-fused[c], c))  # ties broken by id: deterministic
        passages: list[Passage] = []
        by_text: dict[str, int] = {}  # passage text -> its index: identical files give one passage
        for start in range(0, len(ranked), top_k):
            window = ranked[start : start + top_k]
            for chunk_id in window:
                chunk = chunks[chunk_id]
                same = by_text.get(chunk.text)
                if same is not None:
                    passages[same] = _merged(passages[same], chunk)
                elif len(passages) < top_k:
                    by_text[chunk.text] = len(passages)
                    passages.append(_passage(len(passages) + 1, chunk, fused[chunk_id]))
            if len(passages) == top_k:  # the rest of this window was still checked for copies
                break
        if cfg.use_dense:
            _remember_units(self.embedder(), self.catalog, passages)
        return passages


def _remember_units(embedder, catalog: LexicalIndex, passages: list[Passage]) -> None:
    """Hand the embedder the stored vectors of these passages' answer units (index.pipeline wrote them): the
    extractive answerer's re-rank then runs no model. Embedders without a cache (torch) embed as before."""
    remember = getattr(embedder, "remember", None)
    if remember is not None and passages:
        remember(catalog.unit_vectors(p.chunk_id for p in passages))


class _InThread(Executor):
    """Runs fn() at once in the calling thread: a retriever without an owner's pool."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        done: Future = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - raised again by result(), as a pool's future would
            done.set_exception(e)
        return done


def _chunk_of(hit: DenseHit) -> Chunk:
    """A dense hit as a chunk: Chroma returns the text and the metadata it was written with."""
    return chunk_from(hit.chunk_id, hit.text, hit.metadata)[0]


def _score_fusion(
    dense: list[tuple[str, float]], lexical: list[tuple[str, float]], cfg: RetrievalConfig
) -> dict[str, float]:
    """cosine + w * bm25 / best bm25. A chunk missing from the dense list gets the lowest cosine seen there
    (it ranked below all of them), one missing from the BM25 list gets 0 (no query word, or ranked below)."""
    fused: dict[str, float] = {}
    floor = min((s for _, s in dense), default=0.0)
    for chunk_id, s in dense:
        fused[chunk_id] = cfg.dense_weight * s
    top = max((s for _, s in lexical), default=0.0)
    for chunk_id, s in lexical:
        base = fused.get(chunk_id, cfg.dense_weight * floor if dense else 0.0)
        fused[chunk_id] = base + (cfg.lexical_weight * s / top if top > 0 else 0.0)
    return fused


def _rrf(
    dense: list[tuple[str, float]], lexical: list[tuple[str, float]], cfg: RetrievalConfig
) -> dict[str, float]:
    fused: dict[str, float] = {}
    for weight, hits in ((cfg.dense_weight, dense), (cfg.lexical_weight, lexical)):
        for rank, (chunk_id, _) in enumerate(hits):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (cfg.rrf_k + rank + 1)
    return fused


def _merged(passage: Passage, copy: Chunk) -> Passage:
    """One passage for a text that several sources hold (identical files): it cites the first source in
    path order, whichever ranked first (their scores tie), and names the others in `also_in`."""
    if copy.source == passage.source or copy.source in passage.also_in:
        return passage
    if copy.source > passage.source:
        return replace(passage, also_in=tuple(sorted((*passage.also_in, copy.source))))
    cited = _passage(passage.id, copy, passage.score)
    return replace(cited, also_in=tuple(sorted((*passage.also_in, passage.source))))


def _passage(number: int, chunk: Chunk, score: float) -> Passage:
    return Passage(
        id=number,
        source=chunk.source,
        chunk_id=chunk.id,
        start=chunk.start,
        end=chunk.end,
        text=chunk.text,
        score=round(score, 6),
        title=chunk.title,
        heading=chunk.heading,
        page=chunk.page,
    )
