"""What the watch reacts to, and how it refuses a path it cannot watch (no watcher started)."""

from __future__ import annotations

import pytest
from watchfiles import Change

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
