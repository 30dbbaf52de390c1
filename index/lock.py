"""One indexing run per collection at a time: a lock file that the OS releases if the process dies.

`filelock` takes the lock (flock on Unix, LockFileEx on Windows); the holder's pid is written into the file so
that a refused run can name it."""

from __future__ import annotations

import os
from pathlib import Path

from index.errors import IndexBusyError


class IndexLock:
    def __init__(self, directory: Path, wait_seconds: float = 30.0):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "index.lock"
        self.wait_seconds = wait_seconds
        self._lock = None

    def __enter__(self) -> IndexLock:
        from filelock import FileLock, Timeout

        # Not thread-local: a lock taken in one thread may be released by another (tests do).
        lock = FileLock(self.path, timeout=self.wait_seconds, thread_local=False)
        try:
            lock.acquire(poll_interval=0.2)
        except Timeout:
            raise IndexBusyError(
                f"Another `qa index` run (pid {self._holder()}) is updating this collection; "
                "wait for it to finish and run again."
            ) from None
        self._lock = lock
        try:
            with open(self.path, "r+", encoding="ascii") as f:
                f.truncate(0)
                f.write(str(os.getpid()))
        except OSError:  # Windows keeps the locked file closed to others: the pid is a courtesy
            pass
        return self

    def _holder(self) -> str:
        try:
            return self.path.read_text(encoding="ascii", errors="replace").strip()[:32] or "another process"
        except OSError:
            return "another process"

    def __exit__(self, *exc) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
