"""What the watch reacts to, what its first run indexes, and how it refuses what it cannot do."""

from __future__ import annotations

import pytest
from watchfiles import Change

from qa.cli import main
from qa.errors import ConfigError
from qa.watch import _touched, _VisibleFiles, watch


def test_changes_that_qa_index_would_not_see_are_ignored(tmp_path):
    root, home = str(tmp_path / "docs"), tmp_path / "docs" / "index-home"
    visible = _VisibleFiles([root], [], home)
    assert visible(Change.added, f"{root}/notes.md")
    assert visible(Change.deleted, f"{root}/sub/folder")
    assert not visible(Change.modified, f"{root}/.git/index")
    assert not visible(Change.added, f"{root}/sub/.notes.md.swp")
    assert not visible(Change.added, f"{root}/notes.md~")
    assert not visible(Change.modified, f"{home}/chroma/chroma.sqlite3")  # the index's own files


def test_a_hidden_folder_above_the_root_does_not_hide_it(tmp_path):
    root = str(tmp_path / ".config" / "docs")
    assert _VisibleFiles([root], [], tmp_path / "home")(Change.added, f"{root}/notes.md")


def test_a_named_file_is_watched_but_not_its_neighbours(tmp_path):
    visible = _VisibleFiles([], [f"{tmp_path}/notes.md"], tmp_path / "home")
    assert visible(Change.added, f"{tmp_path}/notes.md")  # saved by renaming: a new file of that name
    assert not visible(Change.added, f"{tmp_path}/other.md")


def test_failures_are_named_for_the_files_that_changed():
    assert _touched("/d/a.pdf", {"/d/a.pdf"})
    assert _touched("/d/sub/a.pdf", {"/d/sub"})
    assert not _touched("/d/subway.pdf", {"/d/sub"})


def test_a_missing_path_is_one_clear_error(qa_home, tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        watch([tmp_path / "nope"])
    with pytest.raises(ConfigError, match="Name the files or folders"):
        watch([])


def test_the_watch_follows_links_out_of_the_folder_only_when_told(tmp_path):
    import threading

    import qa

    outside = tmp_path / "outside.txt"
    outside.write_text("The lighthouse keeper rows to the island every Tuesday.\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "inside.txt").write_text("The keeper's boat is painted red.\n")
    (docs / "link.txt").symlink_to(outside)
    stopped = threading.Event()
    stopped.set()  # the first run only: no batch of changes follows
    for follow_links, indexed in ((False, 1), (True, 2)):
        settings = qa.Settings(home=tmp_path / f"home-{follow_links}")
        lines = []
        watch([docs], settings=settings, stop_event=stopped, echo=lines.append, follow_links=follow_links)
        assert len(qa.sources(settings=settings)) == indexed, lines


def test_json_is_refused_with_watch(qa_home, tmp_path, capsys):
    assert main(["index", "--watch", "--json", str(tmp_path / "docs")]) == 1  # missing: never hangs
    assert "does not go with --watch" in capsys.readouterr().err
