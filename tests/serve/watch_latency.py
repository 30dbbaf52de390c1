"""How long a watched folder takes to answer about a new file, and to refuse once it is deleted.

    python tests/serve/watch_latency.py [--runs 3] [--via cli|v1]

Starts `qa index --watch` on a fresh folder holding the seed article (its own QA_HOME in a temp folder),
then, per run: writes a new Markdown file and asks about it, again and again, until the answer cites the
file; deletes it and asks until the answer no longer does. `--via cli` asks with `qa ask --json` in a new
process each time; `--via v1` asks a running `qa ui` through its OpenAI-compatible API. Prints seconds from
the write (the delete) to the first such answer, and to the watch's summary line of that batch.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ui.devserver import qa_env, running_app  # noqa: E402

QUESTION = "What colour is the zebrafinch's beak according to the aviary notes?"
TEXT = "# Aviary notes\n\nThe zebrafinch's beak is a bright coral orange colour, the aviary notes say.\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--via", choices=["cli", "v1"], default="cli")
    args = parser.parse_args()
    runs = args.runs
    work = Path(tempfile.mkdtemp(prefix="qa-watch-"))
    home, folder = work / "home", work / "docs"
    folder.mkdir()
    shutil.copy(next((ROOT / "seeds").iterdir()), folder)
    env = qa_env(home)
    cmd = [sys.executable, "-m", "qa.cli", "index", "--watch", str(folder)]
    watcher = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    summaries: list[float] = []  # when each summary line arrived

    def read():
        for line in watcher.stdout:
            if "Collection '" in line:
                summaries.append(time.monotonic())

    threading.Thread(target=read, daemon=True).start()
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        stack.callback(watcher.wait, timeout=30)
        stack.callback(watcher.terminate)
        while not summaries:
            time.sleep(0.1)
        if args.via == "cli":
            ask = functools.partial(ask_cli, env)
        else:
            ask = functools.partial(ask_v1, stack.enter_context(running_app(home, work / "ui.log")))
            ask()  # the server's first question loads its models: not part of what is measured
        time.sleep(1)
        for run in range(1, runs + 1):
            path = folder / f"aviary-{run}.md"
            for action in ("create", "delete"):
                seen = len(summaries)
                start = time.monotonic()
                path.write_text(TEXT, encoding="utf-8") if action == "create" else path.unlink()
                while cites(ask(), path.name) != (action == "create"):
                    pass
                answered = time.monotonic() - start
                deadline = time.monotonic() + 30  # the answer may come before the line is printed and read
                while len(summaries) <= seen and time.monotonic() < deadline:
                    time.sleep(0.05)
                indexed = summaries[seen] - start if len(summaries) > seen else float("nan")
                print(
                    f"run {run} {action}: watch line after {indexed:.1f} s; "
                    f"the answer ({args.via}) agrees after {answered:.1f} s"
                )
                time.sleep(1)


def ask_v1(url: str) -> dict:
    body = json.dumps({"model": "default", "messages": [{"role": "user", "content": QUESTION}]}).encode()
    request = urllib.request.Request(f"{url}v1/chat/completions", body, {"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=60) as reply:
        return json.load(reply)


def ask_cli(env) -> dict:
    cmd = [sys.executable, "-m", "qa.cli", "ask", QUESTION, "--json"]
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def cites(answer: dict, name: str) -> bool:
    return not answer["refused"] and any(c["source"].endswith(name) for c in answer["citations"])


if __name__ == "__main__":
    main()
