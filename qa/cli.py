"""The `qa` command line. Heavy libraries load inside the commands, so `qa --help` is instant."""

from __future__ import annotations

import os
import sys

from qa.cli_parser import build_parser, unknown_options
from qa.errors import QAError
from qa.terminal import echo, json_text


def main(argv: list[str] | None = None) -> int:
    try:
        try:
            return _main(sys.argv[1:] if argv is None else argv)
        finally:
            sys.stdout.flush()  # a closed pipe shows here (help text included), not at the interpreter's exit
    except BrokenPipeError:  # `qa sources | head`: the reader has what it wanted
        _silence_stdout()
        return 141  # as a shell reports a command ended by SIGPIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not print a second error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _main(argv: list[str]) -> int:
    _process_environment()
    if argv[:1] == ["eval"]:  # the runner owns its options, `qa eval --help` included
        return _run(lambda: _eval(argv[1:]))
    if argv[:1] == ["bench"]:  # benchmarks/speed.py owns its options
        return _run(lambda: _bench(argv[1:]))
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        unknown_options(getattr(args, "command_parser", parser), unknown)
    if not args.command:
        parser.print_help()
        return 0
    command = {
        "index": _index,
        "ask": _ask,
        "chat": _chat,
        "sources": _sources,
        "remove": _remove,
        "migrate": _migrate,
        "ui": _ui,
        "mcp": _mcp,
        "settings": _settings,
    }[args.command]
    return _run(lambda: command(args))


def _process_environment() -> None:
    """The `qa` process's own environment, set at its entry point (library calls never change os.environ):
    litellm reads its price map from the installed package instead of fetching it when imported."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def _run(fn) -> int:
    try:
        return fn() or 0
    except QAError as e:
        echo(f"error: {e}", err=True)
        return 1
    except KeyboardInterrupt:
        echo("interrupted", err=True)
        return 130


def _index(args) -> int:
    if args.watch:
        from qa.watch import watch

        if args.json:
            raise QAError("--json prints one run's report: it does not go with --watch.")
        return watch(args.paths, collection=args.collection, follow_links=args.follow_links)
    import qa
    from qa.progress_line import ProgressLine

    progress = ProgressLine() if not args.json else None
    try:
        report = qa.index(
            args.paths, collection=args.collection, progress=progress, follow_links=args.follow_links
        )
    except KeyboardInterrupt:
        if progress:
            progress.close()
        echo("interrupted: run `qa index` again to finish", err=True)
        return 130
    if progress:
        progress.close()
    if args.json:
        echo(json_text(report.to_dict(), indent=2))
    else:
        for item in report.failed:
            echo(f"failed: {item['source']}: {item['reason']}", err=True)
        for item in report.skipped:
            echo(f"skipped: {item['source']}: {item['reason']}", err=True)
        echo(report.summary())
    if not report.ok:
        echo(f"error: {report.problem()}", err=True)
        return 1
    if report.failed:  # the rest is indexed, but a script must be able to notice
        if not args.json:
            echo(f"error: {len(report.failed)} file(s) failed (listed above)", err=True)
        return 1
    return 0


def _ask(args) -> int:
    import qa

    if args.json:
        answer = qa.ask(args.question, collection=args.collection, model=args.model, top_k=args.top_k)
        echo(json_text(answer.to_dict(), indent=2))
        return 0
    answer = None
    for item in qa.ask_stream(args.question, collection=args.collection, model=args.model, top_k=args.top_k):
        if isinstance(item, str):
            echo(item, end="", flush=True)
        else:
            answer = item
    echo()
    _print_sources(answer)
    return 0


def _print_sources(answer) -> None:
    if answer.refused:
        return
    if answer.citations:
        echo("\nSources:")
        echo(answer.sources_text())


def _chat(args) -> int:
    import qa

    history: list[tuple[str, str]] = []
    echo("Ask about your documents (an empty line, Ctrl-D or Ctrl-C quits).")
    while True:
        try:
            question = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            echo()
            return 0
        if not question:
            return 0
        try:
            answer = None
            for item in qa.ask_stream(question, args.collection, args.model, args.top_k, history):
                if isinstance(item, str):
                    echo(item, end="", flush=True)
                else:
                    answer = item
            echo()
            _print_sources(answer)
            history.append((question, answer.text))
        except QAError as e:  # one bad turn does not end the chat
            echo(f"error: {e}", err=True)


def _sources(args) -> int:
    import qa

    listed = qa.sources(collection=args.collection)
    items = [i for i in listed if i.state == "done"]  # a pending source is half-indexed: not a document yet
    if len(items) < len(listed):
        echo(
            f"note: {len(listed) - len(items)} document(s) not fully indexed (an interrupted run?): "
            "run `qa index` again to finish",
            err=True,
        )
    if args.json:
        echo(json_text([vars(i) for i in items], indent=2))
    elif not items:
        echo("No documents indexed yet: run `qa index PATH`.")
    else:
        for i in items:
            echo(f"{i.source}  ({i.chunks} chunks)")
    return 0


def _remove(args) -> int:
    import qa

    if not args.paths and not args.all:
        raise QAError("Name the documents to remove (`qa remove PATH`), or use --all.")
    removed = qa.remove(["*"] if args.all else args.paths, collection=args.collection)
    if not removed:
        echo("Nothing matched: `qa sources` lists what is indexed.")
        return 1
    for source in removed:
        echo(f"removed: {source}")
    return 0


def _migrate(args) -> int:
    import dataclasses

    from index.chroma_client import display_url
    from index.migrate import migrate
    from qa.settings import load_settings

    s = load_settings().with_overrides(collection=args.collection)
    source = dataclasses.replace(s.index_config(), chroma_url=None)  # the embedded store of this QA_HOME
    if s.chroma_url and s.chroma_url != args.to:
        source = s.index_config()  # QA_CHROMA_URL names another server: copy from there (its token applies)
    target = dataclasses.replace(s.index_config(), chroma_url=args.to)
    report = migrate(source, target)
    echo(
        f"Copied {report.sources} document(s) ({report.chunks} chunks) of collection '{s.collection}' to "
        f"{display_url(args.to)}. Use it: set QA_CHROMA_URL={display_url(args.to)} on every machine."
    )
    return 0


def _settings(args) -> int:
    from qa.settings_info import settings_text

    echo(settings_text())
    return 0


def _ui(args) -> int:
    from qa.settings import load_settings
    from ui.app import serve

    # Gradio reads these from the environment only. Uploads sit in its cache before our handler copies them:
    # keep that cache under QA_HOME; and no usage analytics.
    os.environ.setdefault("GRADIO_TEMP_DIR", str(load_settings().home / "gradio-cache"))
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

    serve(host=args.host, port=args.port, collection=args.collection)
    return 0


def _mcp(args) -> int:
    import contextlib

    from qa.mcp_server import serve

    # Ctrl-C is how a server is stopped: a normal end (exit 0), as for `qa ui`.
    with contextlib.suppress(KeyboardInterrupt):
        serve(collection=args.collection, http=args.http, port=args.port)
    return 0


def _bench(argv: list[str]) -> int:
    """The benchmarks live in the source tree (benchmarks/), not in the installed packages: run them there."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    if not (root / "benchmarks" / "speed.py").is_file():
        raise QAError(
            "`qa bench` runs from a source checkout: the benchmarks are not installed with the package. "
            "Clone the repository and run `python -m benchmarks.speed --help` in it."
        )
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path}  # the child's environment; ours stays as it is
    run = "import sys; from benchmarks.speed import main; sys.exit(main(sys.argv[1:], prog='qa bench'))"
    return subprocess.run([sys.executable, "-c", run, *argv], env=env).returncode


def _eval(argv: list[str]) -> int:
    from eval.runner import main as eval_main

    return eval_main(argv)


if __name__ == "__main__":
    sys.exit(main())
