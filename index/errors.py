"""The errors that indexing and the store raise. Every message says what happened and what to do about it.

`qa.errors` re-exports all of them (with qa's own), and `QAError` is one class for both packages, so that
`except qa.QAError` catches everything a user can see.
"""

from __future__ import annotations

import shlex


class QAError(Exception):
    """Base class: the CLI and the UI show `str(error)` to the user, without a traceback."""


class ConfigError(QAError):
    """A setting is missing or invalid."""


class NothingIndexedError(QAError):
    """The collection is missing or empty."""

    def __init__(self, collection: str, existing: tuple[str, ...] = ()):
        self.collection = collection
        self.existing = tuple(existing)
        found = f" Collections here: {', '.join(sorted(self.existing))}." if self.existing else ""
        super().__init__(
            f"No documents indexed in collection '{collection}': run `qa index PATH` "
            f"(for example `qa index seeds/ --collection {shlex.quote(collection)}`).{found}"
        )


class EmbeddingModelMismatchError(QAError):
    """The collection was built with another embedding model than the one configured."""

    def __init__(self, collection: str, built_with: str, configured: str):
        super().__init__(
            f"Collection '{collection}' was built with embedding model '{built_with}', "
            f"but '{configured}' is configured. Set QA_EMBED_MODEL={built_with}, or re-index into a new "
            f"collection (`qa index PATH --collection NEW`), or remove this one (`qa remove --all --collection {shlex.quote(collection)}`)."
        )


class StoreUnavailableError(QAError):
    """The Chroma server cannot be reached, or the embedded store cannot be opened."""


class StoreAuthError(StoreUnavailableError):
    """The Chroma server refused our credentials (HTTP 401/403)."""

    def __init__(self, url: str, status: int | None, token_sent: bool):
        what = "refused the token in QA_CHROMA_TOKEN" if token_sent else "wants a token"
        code = f" (HTTP {status})" if status else ""
        super().__init__(
            f"The Chroma server at {url} {what}{code}: set QA_CHROMA_TOKEN to a valid token "
            "(and QA_CHROMA_TENANT / QA_CHROMA_DATABASE if the server has them)."
        )


class IndexBusyError(QAError):
    """Another `qa index` run holds the collection's lock."""


class LoadError(QAError):
    """A file cannot be read as a document. Indexing reports it and goes on with the other files."""
