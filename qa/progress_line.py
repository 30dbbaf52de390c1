"""Progress on the terminal, the one printer for it: `qa index` (bytes done of the total) and `qa eval`
(questions): amount done, rate and time left."""

from __future__ import annotations

import sys

from qa.terminal import printable


class ProgressLine:
    """Indexing progress in bytes, with rate and time left: one line redrawn in place on a terminal (a timer
    redraws it, so the clock moves while a file or the embedding model loads); plain lines otherwise."""

    TICK = 0.25  # seconds between redraws on a terminal
    LINE_EVERY = 2.0  # seconds between plain lines

    def __init__(self, stream=None, label: str = "indexing", amount=None):
        import threading
        import time

        self.stream = stream or sys.stderr
        self.label = label  # what the line is about: "indexing", a gold set's name
        self.amount = amount or _size  # how an amount reads: bytes by default
        self.tty = self.stream.isatty()
        self.clock = time.monotonic
        self.started = self.clock()
        self.what, self.done, self.total = "starting", 0, 0
        self.first_event: float | None = None
        self.last_line = float("-inf")
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.ticker = None
        if self.tty:
            self.ticker = threading.Thread(target=self._tick, daemon=True)
            self.ticker.start()

    def __call__(self, what: str, done: int, total: int) -> None:
        with self.lock:
            if self.first_event is None:  # the rate counts from here, not from opening the store
                self.first_event = self.clock()
            self.what, self.done, self.total = what, done, total
        if self.tty:
            return
        now = self.clock()
        if now - self.last_line >= self.LINE_EVERY or (done == total and what == "done"):
            self.last_line = now
            print(printable(f"{self.label}: {self.status()}"), file=self.stream, flush=True)

    def status(self) -> str:
        with self.lock:
            what, done, total, first = self.what, self.done, self.total, self.first_event
        now = self.clock()
        elapsed = now - self.started
        if first is None:  # the run has not started counting yet (the store is being opened)
            return f"{_duration(elapsed)} elapsed  opening the collection"
        parts = [f"{self.amount(done)}/{self.amount(total)}"]
        if total:
            parts.append(f"{100 * done // total}%")
        if done and first is not None and now > first:
            rate = done / (now - first)
            parts.append(f"{self.amount(rate)}/s")
            parts.append(f"{_duration((total - done) / rate)} left")
        else:
            parts.append(f"{_duration(elapsed)} elapsed")
        return "  ".join(parts) + f"  {what}"

    def _tick(self) -> None:
        while not self.stopped.wait(self.TICK):
            self._draw()

    def _draw(self) -> None:
        import shutil

        width = (shutil.get_terminal_size().columns or 80) - 1
        line = printable(f"{self.label}: {self.status()}")[:width]
        self.stream.write("\r" + line.ljust(width))
        self.stream.flush()

    def close(self) -> None:
        self.stopped.set()
        if self.ticker is not None:
            self.ticker.join()
            self._draw()
            self.stream.write("\n")
            self.stream.flush()


def count(n: float) -> str:
    """An amount of things (questions): a whole number."""
    return f"{n:.0f}"


def _size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}:{seconds % 60:02d}"
