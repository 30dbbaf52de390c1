"""`qa index --watch PATH...`: keep a collection mirroring files and folders while they are edited.

After a first full run, every batch of changes (edits, additions, deletions, renames) is indexed once the
paths have been quiet for QUIET_MS (and at the latest MAX_BATCH_MS after the first change of a batch), so a
save is searchable about a second later. Each batch re-runs the ordinary incremental `qa.index` over the
watched paths: unchanged files cost a `stat`, changed ones are re-embedded, vanished ones removed, exactly as
a manual `qa index` would. One summary line per batch; a file that fails is reported and the watch goes on.
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from watchfiles import DefaultFilter
from watchfiles import watch as watch_changes

import qa
from qa.errors import ConfigError, QAError
from qa.settings import Settings

QUIET_MS = 400  # a batch starts once nothing changed for this long
MAX_BATCH_MS = 1600  # ... or this long after its first change, when changes keep coming


def watch(
    paths: Iterable[str | os.PathLike],
    collection: str | None = None,
    *,
    settings: Settings | None = None,
    stop_event=None,
    echo: Callable[[str], None] | None = None,
    follow_links: bool = False,
) -> int:
    """Index the paths, then index every batch of changes until Ctrl-C (or `stop_event` is set).
    `follow_links`: as for `qa.index` (links inside a folder that lead out of it are indexed)."""
    s = (settings or qa.load_settings()).with_overrides(collection=collection)
    echo = echo or _print
    logging.getLogger("watchfiles").setLevel(logging.ERROR)  # its own Ctrl-C notice; we print ours
    roots = [os.path.abspath(os.path.expanduser(p)) for p in paths]
    if not roots:
        raise ConfigError("Name the files or folders to watch, e.g. `qa index --watch docs/`.")
    missing = [r for r in roots if not os.path.exists(r)]
    if missing:
        raise ConfigError(f"Cannot watch {missing[0]}: it does not exist. Create it or name another path.")

    stop = stop_event or threading.Event()
    index = functools.partial(qa.index, roots, settings=s, follow_links=follow_links)
    try:
        # Watching starts before the first run, so that nothing saved during it, or just after, is missed.
        found = _start_watchers(roots, s.home, stop)
        _index_batch(index, echo, changed=None)
        echo(f"Watching {', '.join(roots)} for changes (Ctrl-C to stop).")
        for changed in _batches(found, stop):
            _index_batch(index, echo, changed)
    except KeyboardInterrupt:  # Ctrl-C during a run: that run stops cleanly, the next `qa index` finishes it
        pass
    finally:
        stop.set()
    echo("Stopped watching.")
    return 0


def _start_watchers(roots: list[str], home: Path, stop) -> queue.Queue[set[str]]:
    """Threads that put each batch of changed paths on the queue until `stop` is set. Folders are watched
    recursively; a named file through its folder (not recursively), since an editor that saves by renaming
    replaces the file itself."""
    folders = [r for r in roots if os.path.isdir(r)]
    files = [r for r in roots if r not in folders]
    keep = _VisibleFiles(folders, files, home)
    found: queue.Queue[set[str]] = queue.Queue()

    def run(paths: list[str], recursive: bool) -> None:
        batches = watch_changes(
            *paths,
            watch_filter=keep,
            recursive=recursive,
            debounce=MAX_BATCH_MS,
            step=QUIET_MS,
            stop_event=stop,
            raise_interrupt=False,
        )
        for batch in batches:
            found.put({path for _, path in batch})

    groups = [(folders, True), (sorted({os.path.dirname(f) for f in files}), False)]
    for paths, recursive in groups:
        if paths:
            threading.Thread(target=run, args=(paths, recursive), daemon=True, name="qa-watch").start()
    return found


def _batches(found: queue.Queue[set[str]], stop) -> Iterator[set[str]]:
    """The changed paths, batch by batch, until `stop` is set."""
    while not stop.is_set():
        try:
            changed = found.get(timeout=0.5)
        except queue.Empty:
            continue
        while not found.empty():  # what the other watcher saw meanwhile joins this batch
            changed |= found.get()
        yield changed


def _index_batch(index: Callable[[], object], echo, changed: set[str] | None) -> None:
    """One incremental run; one summary line. Failures are reported, never raised: the watch goes on."""
    stamp = time.strftime("%H:%M:%S")
    try:
        report = index()
    except QAError as e:  # e.g. the store is busy or unreachable: say so, try again on the next change
        echo(f"{stamp} error: {e}")
        return
    # Failures named once: in the first run, then only for the files of the batch that changed.
    for item in report.failed:
        if changed is None or _touched(item["source"], changed):
            echo(f"{stamp} failed: {item['source']}: {item['reason']}")
    echo(f"{stamp} {report.summary()}")


def _touched(source: str, changed: set[str]) -> bool:
    return source in changed or any(source.startswith(c.rstrip(os.sep) + os.sep) for c in changed)


def _print(line: str) -> None:
    from qa.terminal import echo

    echo(line, flush=True)  # file names carry no control characters to the terminal


class _VisibleFiles(DefaultFilter):
    """Changes that `qa index` would see: the named files, and in the named folders what is not hidden below
    them (.git, editor state); never the index's own files (QA_HOME may lie inside a watched folder) nor
    editor backups (watchfiles' defaults)."""

    def __init__(self, folders: list[str], files: list[str], home: Path):
        super().__init__(ignore_paths=[str(Path(home).resolve()), os.path.abspath(home)])
        self.folders, self.files = folders, set(files)

    def __call__(self, change, path: str) -> bool:
        if not super().__call__(change, path):
            return False
        if path in self.files:
            return True
        for root in self.folders:
            if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
                relative = Path(path[len(root) :].lstrip(os.sep)).parts
                return not any(part.startswith(".") for part in relative)
        return False  # a neighbour of a named file
