"""Progress of an indexing run, in bytes of the files to index, so that loading and embedding both move it.

A file counts half its size once it is loaded and chunked, and the other half as its chunks are embedded
(a file with nothing to embed, unchanged or failed, counts whole at once). The callback gets
`(what, bytes_done, bytes_total)`: `what` names the stage and the file, e.g. "loading docs/a.rst".
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]  # (what is being done, bytes done, bytes total)

EMBED_SLICE = 32  # chunks embedded between two progress events (about a second on a small CPU)


class ProgressMeter:
    def __init__(self, progress: Progress, total_bytes: int):
        self.progress = progress
        self.total = max(int(total_bytes), 0)
        self.done = 0.0

    def start(self) -> None:
        self._emit("starting")

    def skipped(self, source: str, size: int) -> None:
        """A file that needs no embedding (unchanged, failed, or without text): all of it is done."""
        self._add(size, f"checked {source}")

    def loaded(self, source: str, size: int, chunks: int) -> None:
        self._add(size / 2 if chunks else size, f"loaded {source}")

    def embed(self, embedder, texts: list[str], weights: list[float]):
        """`embedder.embed_documents(texts)` in slices, counting each slice's weights (its chunks' shares of
        the second half of their files) as it is done."""
        import numpy as np

        if not texts:
            return embedder.embed_documents([])
        parts = []
        for i in range(0, len(texts), EMBED_SLICE):
            parts.append(embedder.embed_documents(texts[i : i + EMBED_SLICE]))
            self._add(
                sum(weights[i : i + EMBED_SLICE]),
                # texts are the chunks and their answer units: "chunk N of M" read as more chunks than written
                f"embedding text {i + 1} to {min(i + EMBED_SLICE, len(texts))} of {len(texts)}",
            )
        return np.concatenate(parts)

    def finish(self) -> None:
        self.done = self.total
        self._emit("done")

    def _add(self, amount: float, what: str) -> None:
        self.done = min(self.done + amount, self.total)
        self._emit(what)

    def _emit(self, what: str) -> None:
        self.progress(what, int(self.done), self.total)


def chunk_weights(size: int, chunks: int) -> list[float]:
    """The embedding half of a file's size, shared by its chunks."""
    return [size / 2 / chunks] * chunks if chunks else []
