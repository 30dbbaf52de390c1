"""`qa index --watch` in a subprocess: it sees an edit, an addition, a rename and deletions, one line per batch, keeps
going after a bad file, and stops on Ctrl-C. Answers are checked with `qa ask` in other processes."""

from __future__ import annotations

import json
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from serve_helpers import ROOT, SEED_FILE

from ui.devserver import qa_env

pytestmark = pytest.mark.slow

QUESTION = "What colour is the zebrafinch's beak according to the aviary notes?"
WAIT = 120  # seconds: generous for a loaded machine; the README has the measured figures


class Watcher:
    """`qa index --watch FOLDER`, its output lines collected as they come."""

    def __init__(self, home, folder):
        cmd = [sys.executable, "-m", "qa.cli", "index", "--watch", str(folder)]
        self.proc = subprocess.Popen(
            cmd, env=qa_env(home), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str) -> str:
        """The next line containing `text` (lines before it are kept in `seen`)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.proc.poll() is None, f"the watch exited: {self.seen}"
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {WAIT} s: {self.seen}")

    def batch(self) -> dict[str, int]:
        """The counts of the next summary line: {"added": 1, "updated": 0, ...}."""
        line = self.wait_for("Collection 'default'")
        return {
            name: int(n) for n, name in re.findall(r"(\d+) (added|updated|unchanged|removed|failed)", line)
        }

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        self.reader.join(timeout=10)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.proc.returncode


def ask(home) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", QUESTION, "--json"],
        env=qa_env(home),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=True,
    )
    return json.loads(out.stdout)


def cites(answer: dict, name: str) -> bool:
    return not answer["refused"] and any(c["source"].endswith(name) for c in answer["citations"])


def test_watch_indexes_edits_additions_and_deletions(tmp_path):
    home, folder = tmp_path / "home", tmp_path / "docs"
    folder.mkdir()
    shutil.copy(ROOT / "seeds" / SEED_FILE, folder / SEED_FILE)
    notes = folder / "notes.md"
    notes.write_text("# Notes\n\nThe meeting is on Tuesday.\n", encoding="utf-8")
    watcher = Watcher(home, folder)
    try:
        assert watcher.batch()["added"] == 2
        watcher.wait_for("Watching")
        assert not cites(ask(home), "notes.md")

        # An edit: the new sentence is answered from the edited file.
        notes.write_text(
            "# Notes\n\nThe meeting is on Tuesday.\n\nThe zebrafinch's beak is a bright coral orange "
            "colour, the aviary notes say.\n",
            encoding="utf-8",
        )
        assert watcher.batch()["updated"] == 1
        answer = ask(home)
        assert cites(answer, "notes.md") and "coral orange" in answer["text"]

        # A bad file: reported, and the watch goes on.
        (folder / "broken.pdf").write_bytes(b"not a pdf at all")
        assert "broken.pdf" in watcher.wait_for("failed:")
        assert watcher.batch()["failed"] == 1

        # An addition.
        (folder / "aviary.txt").write_text(
            "Aviary log: the zebrafinch's beak is coral orange.\n", encoding="utf-8"
        )
        assert watcher.batch()["added"] == 1

        # A rename: the old name goes, the new one comes (one batch: a rename is one event pair).
        (folder / "aviary.txt").rename(folder / "aviary-log.txt")
        counts = watcher.batch()
        assert (counts["added"], counts["removed"]) == (1, 1)

        # Deletions (of both files that answer; they may come in one batch or two): refused again.
        notes.unlink()
        (folder / "aviary-log.txt").unlink()
        removed = 0
        while removed < 2:
            removed += watcher.batch()["removed"]
        answer = ask(home)
        assert answer["refused"] or not (cites(answer, "notes.md") or cites(answer, "aviary-log.txt"))
    finally:
        code = watcher.stop()
    assert code == 0
    assert watcher.seen[-1] == "Stopped watching."
    assert not any("Traceback" in line for line in watcher.seen)


def test_a_named_file_saved_by_renaming_stays_watched(tmp_path):
    """Editors often save by writing a new file and renaming it over the old one: a new inode each time."""
    home, note = tmp_path / "home", tmp_path / "note.md"
    note.write_text("First version.\n", encoding="utf-8")
    (tmp_path / "neighbour.md").write_text("Not watched.\n", encoding="utf-8")
    watcher = Watcher(home, note)
    try:
        assert watcher.batch()["added"] == 1
        watcher.wait_for("Watching")
        for version in range(2):
            temporary = tmp_path / ".note.md.tmp"
            temporary.write_text(f"Version {version}, saved by renaming.\n", encoding="utf-8")
            temporary.replace(note)
            counts = watcher.batch()
            assert (counts["updated"], counts["added"]) == (1, 0)  # the neighbour is not indexed
    finally:
        code = watcher.stop()
    assert code == 0 and watcher.seen[-1] == "Stopped watching."
