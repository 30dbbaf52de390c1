"""The errors users can see. Every message says what happened and what to do about it.

The errors of indexing and the store live in `index.errors` (index imports nothing from qa); they are
re-exported here, so `qa.errors.X` names every error and `qa.QAError` is the base of all of them.
"""

from __future__ import annotations

from index.errors import (
    ConfigError,
    EmbeddingModelMismatchError,
    IndexBusyError,
    LoadError,
    NothingIndexedError,
    QAError,
    StoreAuthError,
    StoreUnavailableError,
)

__all__ = [
    "ConfigError",
    "EmbeddingModelMismatchError",
    "EvalError",
    "IndexBusyError",
    "LoadError",
    "ModelError",
    "NothingIndexedError",
    "QAError",
    "StoreAuthError",
    "StoreUnavailableError",
]


class ModelError(QAError):
    """The answering model failed (timeout, rate limit, bad key, server error) after retries."""


class EvalError(QAError):
    """A gold set or an evaluation setting is invalid."""
