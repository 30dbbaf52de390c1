"""`qa index --watch PATH...`: keep a collection mirroring files and folders while they are edited.

After a first full run, every batch of changes (edits, additions, deletions, renames) is indexed once the
paths have been quiet for QUIET_MS (and at the latest MAX_BATCH_MS after the first change of a batch), so a
save is searchable about a second later. Each batch re-runs the ordinary incremental `qa.index` over the
watched paths: unchanged files cost a `stat`, changed ones are re-embedded, vanished ones removed, exactly as
a manual `qa index` would. One summary line per batch; a file that fails is reported and the watch goes on.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
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
) -> int:
    """Index the paths, then index every batch of changes until Ctrl-C (or `stop_event` is set)."""
    s = (settings or qa.load_settings()).with_overrides(collection=collection)
    echo = echo or _print
    logging.getLogger("watchfiles").setLevel(logging.ERROR)  # its own Ctrl-C notice; we print ours
    roots = [os.path.abspath(os.path.expanduser(p)) for p in paths]
    if not roots:
        raise ConfigError("Name the files or folders to watch, e.g. `qa index --watch docs/`.")
    missing = [r for r in roots if not os.path.exists(r)]
    if missing:
        raise ConfigError(f"Cannot watch {missing[0]}: it does not exist. Create it or name another path.")

    _index_batch(roots, s, echo, changed=None)
    echo(f"Watching {', '.join(roots)} for changes (Ctrl-C to stop).")
    changes = watch_changes(
        *roots,
        watch_filter=_VisibleFiles(roots, s.home),
        debounce=MAX_BATCH_MS,
        step=QUIET_MS,
        stop_event=stop_event,
        raise_interrupt=False,
    )
    try:
        for batch in changes:
            _index_batch(roots, s, echo, changed={path for _, path in batch})
    except KeyboardInterrupt:  # Ctrl-C during a run: that run stops cleanly, the next `qa index` finishes it
        pass
    echo("Stopped watching.")
    return 0


def _index_batch(roots: list[str], s: Settings, echo, changed: set[str] | None) -> None:
    """One incremental run; one summary line. Failures are reported, never raised: the watch goes on."""
    stamp = time.strftime("%H:%M:%S")
    try:
        report = qa.index(roots, settings=s)
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
    """Changes that `qa index` would see: not hidden below a watched root (.git, editor state), not the
    index's own files (QA_HOME may lie inside a watched folder), not editor backups (watchfiles' defaults)."""

    def __init__(self, roots: list[str], home: Path):
        super().__init__(ignore_paths=[str(Path(home).resolve()), os.path.abspath(home)])
        self.roots = roots

    def __call__(self, change, path: str) -> bool:
        if not super().__call__(change, path):
            return False
        for root in self.roots:
            if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
                relative = Path(path[len(root) :].lstrip(os.sep)).parts
                return not any(part.startswith(".") for part in relative)
        return True
