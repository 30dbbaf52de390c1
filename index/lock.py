"""One indexing run per collection at a time: a lock file that the OS releases if the process dies."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from index.errors import IndexBusyError


class IndexLock:
    def __init__(self, directory: Path, wait_seconds: float = 30.0):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "index.lock"
        self.wait_seconds = wait_seconds
        self._fd: int | None = None

    def __enter__(self) -> IndexLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
                    os.close(fd)
                    raise IndexBusyError(
                        f"Another `qa index` run (pid {holder}) is updating this collection; "
                        "wait for it to finish and run again."
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
