"""`qa index`, `qa sources` and `qa remove` on the command line: exit codes, messages, --json, progress output."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import termios
import threading

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
    assert main(["index", str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= REPORT_FIELDS
    assert sorted(report["added"]) == [str(folder / "good.txt"), str(folder / "notes.md")]
    assert report["updated"] == report["unchanged"] == report["removed"] == []
    assert report["failed"] == [{"source": str(folder / "bad.pdf"), "reason": report["failed"][0]["reason"]}]
    assert "PDF" in report["failed"][0]["reason"]
    assert report["chunks_written"] == report["chunks_total"] > 0

    assert main(["index", str(folder), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["chunks_written"] == 0
    assert len(again["unchanged"]) == 2


def test_index_summary_sources_and_remove(qa_home, tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["index", str(folder), "--collection", "notes"]) == 0
    out, err = capsys.readouterr()
    assert "Collection 'notes': 2 added, 0 updated, 0 unchanged, 0 removed, 1 failed" in out
    assert f"failed: {folder / 'bad.pdf'}: corrupt or unreadable PDF" in err

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


def test_cli_subprocess_no_traceback(qa_home, tmp_path):
    folder = _folder(tmp_path)
    ok = run_qa("index", str(folder), str(tmp_path / "missing"))
    assert ok.returncode == 0, ok.stderr
    assert "Traceback" not in ok.stderr
    assert "2 added" in ok.stdout and "2 failed" in ok.stdout
    assert "path does not exist" in ok.stderr
    # Not a terminal: plain progress lines.
    assert "indexing: 3/3 files" in ok.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run_qa("index", str(empty))
    assert nothing.returncode == 1
    assert "error: nothing to index: no files found" in nothing.stderr
    assert "Traceback" not in nothing.stderr


def test_progress_bar_on_a_terminal(qa_home, tmp_path):
    folder = _folder(tmp_path, bad=False)
    master, slave = pty.openpty()
    # A terminal of 100 columns (a fresh pty has 0, where tqdm draws nothing).
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # the terminal's other end closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    process = subprocess.run(
        [str(VENV_BIN / "qa"), "index", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=dict(os.environ),
        timeout=600,
    )
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    terminal = b"".join(chunks).decode(errors="replace")
    assert process.returncode == 0
    assert "2/2" in terminal and "file" in terminal and "\r" in terminal  # a tqdm bar, redrawn in place
    assert "indexing: " not in terminal  # not the plain lines


def test_progress_counts_files_as_they_are_finished(qa_home, tmp_path):
    import qa

    folder = _folder(tmp_path)
    seen: list[tuple[int, int]] = []
    qa.index([folder], progress=lambda source, done, total: seen.append((done, total)))
    assert seen[0] == (0, 3)
    assert seen[-1] == (3, 3)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
