"""What `qa index` opens (issue 14, items 4 and 12): a file swapped for a FIFO or a /dev/zero link after discovery
is skipped with a reason and cannot hang the run or keep the lock; links inside a folder are not followed out of
it unless --follow-links says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from reliability_helpers import QA, ROOT, qa_env

from index.errors import LoadError
from index.safe_open import read_bytes

pytestmark = pytest.mark.reliability

TEXT = "The lighthouse keeper rows to the island every Tuesday with bread and lamp oil.\n"

# Runs qa.index in a fresh process; once discovery is done (progress 0/N), each named file is replaced:
# by a FIFO (opening it for reading would wait for a writer forever) or by a link to /dev/zero.
SWAP_SCRIPT = """
import json, os, sys
import qa
folder, fifo, zero, *paths = sys.argv[1:]
def progress(message, done, total):
    if done == 0 and not os.path.islink(zero):
        os.unlink(fifo); os.mkfifo(fifo)
        os.unlink(zero); os.symlink("/dev/zero", zero)
report = qa.index(paths or [folder], progress=progress)
print(json.dumps(report.to_dict()))
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("named", ["folder", "files"])
def test_a_file_swapped_after_discovery_is_skipped_and_the_run_ends(tmp_path, named):
    folder = tmp_path / "docs"
    folder.mkdir()
    fifo, zero, good = folder / "pipe.txt", folder / "zero.txt", folder / "good.txt"
    for path in (fifo, zero, good):
        path.write_text(TEXT, encoding="utf-8")
    paths = [] if named == "folder" else [str(fifo), str(zero), str(good)]
    env = qa_env(tmp_path / "home")
    run = subprocess.run(
        [sys.executable, "-c", SWAP_SCRIPT, str(folder), str(fifo), str(zero), *paths],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # the old code never returned: it waited on the FIFO, holding the collection's lock
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.splitlines()[-1])
    reasons = {os.path.basename(f["source"]): f["reason"] for f in report["failed"]}
    assert set(reasons) == {"pipe.txt", "zero.txt"}, report
    assert "FIFO" in reasons["pipe.txt"]
    assert ("character device" if named == "files" else "became a link") in reasons["zero.txt"]
    assert [os.path.basename(s) for s in report["added"]] == ["good.txt"]
    # The lock was released: another run starts and finishes at once.
    again = subprocess.run(
        [QA, "index", str(good), "--json"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0 and json.loads(again.stdout)["unchanged"], again.stderr[-3000:]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_reading_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(LoadError, match="FIFO"):
        read_bytes(fifo, 1000)
    with pytest.raises(LoadError, match="character device"):
        read_bytes("/dev/zero", 1000)
    with pytest.raises(LoadError, match="folder"):
        read_bytes(tmp_path, 1000)
    assert time.monotonic() - started < 30  # no wait on the FIFO's writer (generous: a loaded machine)
    link = tmp_path / "link.txt"
    target = tmp_path / "target.txt"
    target.write_bytes(b"x" * 10)
    link.symlink_to(target)
    assert read_bytes(link, 1000) == b"x" * 10
    with pytest.raises(LoadError, match="link"):
        read_bytes(link, 1000, follow_links=False)
    with pytest.raises(LoadError, match="too large"):
        read_bytes(target, 5)


def test_links_out_of_the_folder_are_not_followed_unless_asked(qa_home, tmp_path):
    import qa

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("The vault combination is zanzibar-4471.\n", encoding="utf-8")
    (outside / "more").mkdir()
    (outside / "more" / "notes.txt").write_text("The quartermaster hides the map.\n", encoding="utf-8")
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "keeper.txt").write_text(TEXT, encoding="utf-8")
    (folder / "passwd.txt").symlink_to(outside / "secret.txt")
    (folder / "elsewhere").symlink_to(outside / "more")
    (folder / "inside.txt").symlink_to(folder / "sub" / "keeper.txt")  # inside the folder: followed

    report = qa.index([folder])
    skipped = {os.path.basename(s["source"]): s["reason"] for s in report.skipped}
    assert set(skipped) == {"passwd.txt", "elsewhere"} and "--follow-links" in skipped["passwd.txt"]
    indexed = {os.path.basename(s.source) for s in qa.sources()}
    assert indexed == {"keeper.txt", "inside.txt"}
    assert not any("zanzibar" in p.text for p in qa.ask("What is the vault combination?").passages)

    report = qa.index([folder], follow_links=True)
    assert {os.path.basename(s) for s in report.added} == {"passwd.txt", "notes.txt"}
    cli = subprocess.run(
        [QA, "index", "--help"], env=qa_env(qa_home), capture_output=True, text=True, timeout=60
    )
    assert "--follow-links" in cli.stdout
