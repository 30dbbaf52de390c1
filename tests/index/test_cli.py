"""`qa index`, `qa sources` and `qa remove` on the command line: exit codes, messages, --json, progress output."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import signal
import struct
import subprocess
import termios
import threading
import time

import pytest
from index_support import VENV_BIN, run_qa

from qa.cli import main

GOOD = "The harbour master, Ines Varga, inspects the pier every Tuesday morning.\n"
REPORT_FIELDS = {"added", "updated", "unchanged", "removed", "failed", "chunks_written", "chunks_total"}


def _folder(tmp_path, bad: bool = True):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "notes.md").write_text("# Pier\n\nThe pier was rebuilt in 1998.\n", encoding="utf-8")
    if bad:
        (folder / "bad.pdf").write_bytes(b"%PDF-1.4 garbage")
    return folder


def test_index_json_fields(qa_home, tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["index", str(folder), "--json"]) == 1  # bad.pdf failed: the exit status says so
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= REPORT_FIELDS
    assert sorted(report["added"]) == [str(folder / "good.txt"), str(folder / "notes.md")]
    assert report["updated"] == report["unchanged"] == report["removed"] == []
    assert report["failed"] == [{"source": str(folder / "bad.pdf"), "reason": report["failed"][0]["reason"]}]
    assert "PDF" in report["failed"][0]["reason"]
    assert report["chunks_written"] == report["chunks_total"] > 0

    assert main(["index", str(folder), "--json"]) == 1
    again = json.loads(capsys.readouterr().out)
    assert again["chunks_written"] == 0
    assert len(again["unchanged"]) == 2


def test_index_summary_sources_and_remove(qa_home, tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["index", str(folder), "--collection", "notes"]) == 1
    out, err = capsys.readouterr()
    assert "Collection 'notes': 2 added, 0 updated, 0 unchanged, 0 removed, 1 failed" in out
    assert f"failed: {folder / 'bad.pdf'}: corrupt or unreadable PDF" in err
    assert "error: 1 file(s) failed" in err

    assert main(["sources", "--collection", "notes"]) == 0
    out = capsys.readouterr().out
    assert str(folder / "good.txt") in out and str(folder / "notes.md") in out
    assert main(["sources", "--collection", "notes", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["source"] for s in listed] == [str(folder / "good.txt"), str(folder / "notes.md")]
    assert main(["sources"]) == 0  # another collection: empty
    assert "No documents indexed" in capsys.readouterr().out

    assert main(["remove", str(folder / "good.txt"), "--collection", "notes"]) == 0
    assert f"removed: {folder / 'good.txt'}" in capsys.readouterr().out
    assert main(["remove", str(folder / "good.txt"), "--collection", "notes"]) == 1
    assert "Nothing matched" in capsys.readouterr().out
    assert main(["remove", "--all", "--collection", "notes"]) == 0
    assert capsys.readouterr().out == f"removed: {folder / 'notes.md'}\n"
    assert main(["sources", "--collection", "notes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["remove", "--collection", "notes"]) == 1
    assert "--all" in capsys.readouterr().err


def test_exit_code_when_nothing_could_be_indexed(qa_home, tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    assert main(["index", str(folder), str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert "path does not exist" in err
    assert "error: nothing could be indexed: 2 failed" in err


@pytest.mark.slow
def test_cli_subprocess_no_traceback(qa_home, tmp_path):
    folder = _folder(tmp_path)
    some_failed = run_qa("index", str(folder), str(tmp_path / "missing"))
    assert some_failed.returncode == 1, some_failed.stderr  # 2 added, 2 failed: scripts can notice
    assert "Traceback" not in some_failed.stderr
    assert "2 added" in some_failed.stdout and "2 failed" in some_failed.stdout
    assert "path does not exist" in some_failed.stderr
    # Not a terminal: plain progress lines, in bytes, the last one complete.
    lines = [line for line in some_failed.stderr.splitlines() if line.startswith("indexing: ")]
    assert lines[-1].startswith("indexing: 127 B/127 B  100%") and lines[-1].endswith("done"), lines

    only_good = run_qa("index", str(folder / "good.txt"), str(folder / "notes.md"))
    assert only_good.returncode == 0, only_good.stderr  # nothing failed
    skipped = tmp_path / "photo.jpg"
    skipped.write_bytes(b"\xff\xd8")
    with_unsupported = run_qa("index", str(folder / "good.txt"), str(skipped))
    assert with_unsupported.returncode == 0, with_unsupported.stderr  # skipped types are not failures
    assert "skipped: " in with_unsupported.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run_qa("index", str(empty))
    assert nothing.returncode == 1
    assert "error: nothing to index: no files found" in nothing.stderr
    assert "Traceback" not in nothing.stderr


def _write_big_corpus(folder, files: int = 40, sections: int = 30) -> list:
    """Markdown files with many short sections: about a thousand chunks, several seconds of embedding."""
    folder.mkdir()
    for f in range(files):
        lines = [f"# Port {f}\n"]
        for s in range(sections):
            lines.append(f"## Berth {f}-{s}\n\nShip {s} of port {f} unloads {s * 7 + f} crates of cargo.\n")
        (folder / f"port-{f:03d}.md").write_text("\n".join(lines), encoding="utf-8")
    return sorted(folder.iterdir())


def _on_a_terminal(args: list[str]) -> tuple[int, list[tuple[float, bytes]]]:
    """`qa ARGS` with stderr on a terminal of 100 columns; its exit code and what it wrote there, timed."""
    master, slave = pty.openpty()
    # A fresh pty has 0 columns.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    chunks: list[tuple[float, bytes]] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # the terminal's other end closed
                return
            if not data:
                return
            chunks.append((time.monotonic(), data))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    process = subprocess.run(
        [str(VENV_BIN / "qa"), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=dict(os.environ),
        timeout=600,
    )
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    return process.returncode, chunks


@pytest.mark.slow
def test_progress_line_on_a_terminal(qa_home, tmp_path):
    folder = _folder(tmp_path, bad=False)
    code, chunks = _on_a_terminal(["index", str(folder)])
    terminal = b"".join(c for _, c in chunks).decode(errors="replace")
    assert code == 0
    assert "\r" in terminal  # one line, redrawn in place
    assert "111 B/111 B  100%" in terminal and "/s" in terminal
    assert "\rindexing: " in terminal


@pytest.mark.slow
def test_progress_moves_every_two_seconds_while_loading_and_embedding(qa_home, tmp_path):
    """The bug: the bar sat at 0/103 files for 20 s, then moved once every ~35 s (once per file batch)."""
    folder = tmp_path / "docs"
    _write_big_corpus(folder)
    code, chunks = _on_a_terminal(["index", str(folder)])
    assert code == 0
    draws = []  # (time, text of the redrawn line)
    for at, data in chunks:
        for piece in data.decode(errors="replace").split("\r")[1:]:
            draws.append((at, piece.strip()))
    shown = [text for _, text in draws]
    assert any("embedding" in t for t in shown) and any("loaded" in t for t in shown)
    assert any("left" in t for t in shown)  # a rate and the time left
    percents = [int(m.group(1)) for t in shown if (m := re.search(r"(\d+)%", t))]
    assert len(set(percents)) > 10  # it moves in many steps, not once per batch
    assert percents == sorted(percents)
    gaps = [b[0] - a[0] for a, b in zip(draws, draws[1:])]
    assert max(gaps) < 2.0, f"the line was not redrawn for {max(gaps):.1f} s"


def test_progress_counts_bytes_through_loading_and_embedding(qa_home, tmp_path):
    import qa

    folder = _folder(tmp_path)  # good.txt 73 B, notes.md 38 B, bad.pdf 16 B (fails)
    seen: list[tuple[str, int, int]] = []
    qa.index([folder], progress=lambda what, done, total: seen.append((what, done, total)))
    assert seen[0] == ("starting", 0, 127)
    assert seen[-1] == ("done", 127, 127)
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)
    whats = [w for w, _, _ in seen]
    assert any(w.startswith("loaded ") for w in whats)
    embedding = [d for w, d, _ in seen if w.startswith("embedding")]
    assert embedding and embedding[-1] == 127  # embedding the last chunks completes the count


@pytest.mark.slow
def test_interrupted_index_lists_nothing_half_done_and_the_next_run_finishes(qa_home, tmp_path):
    """Ctrl-C while embedding: one line saying what to do, exit 130; no "(0 chunks) [pending]" listed."""
    folder = tmp_path / "docs"
    paths = _write_big_corpus(folder)
    process = subprocess.Popen(
        [str(VENV_BIN / "qa"), "index", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    err_lines = []
    for line in process.stderr:
        err_lines.append(line)
        if "embedding" in line:  # a batch is being embedded: its sources are half-written
            process.send_signal(signal.SIGINT)
            break
    rest = process.stderr.read()
    process.wait(timeout=120)
    assert process.returncode == 130, "".join(err_lines) + rest
    assert "Traceback" not in rest
    assert rest.strip().splitlines()[-1] == "interrupted: run `qa index` again to finish"

    listed = run_qa("sources", "--json")
    assert listed.returncode == 0, listed.stderr
    documents = json.loads(listed.stdout)
    assert all(d["state"] == "done" and d["chunks"] > 0 for d in documents), documents
    plain = run_qa("sources")
    assert "[pending]" not in plain.stdout and "(0 chunks)" not in plain.stdout

    finished = run_qa("index", str(folder))
    assert finished.returncode == 0, finished.stderr
    documents = json.loads(run_qa("sources", "--json").stdout)
    assert [d["source"] for d in documents] == [str(p) for p in paths]
    assert all(d["state"] == "done" and d["chunks"] > 0 for d in documents)
