"""The `qa` command line's arguments: every command, its options and their checks (qa/cli.py runs them)."""

from __future__ import annotations

import argparse
import difflib

from index.loaders import SUPPORTED_SUFFIXES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Ask questions about your documents; answers cite the passages that support them.",
        epilog=f"Settings come from QA_* environment variables or a .env file ({_setting_names()}); "
        "flags override them. `qa settings` prints each one's effective value and where it came from.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "index",
        help="add, update and remove documents (files or folders)",
        description="Add, update and remove documents so that the collection mirrors the given files and "
        "folders; unchanged files are skipped.",
        epilog="Exit status: 0 when no file failed (unsupported file types are skipped, not failures); 1 when "
        "any file failed (the rest is still indexed, and each failure is listed with its reason) or nothing "
        "could be indexed (every file skipped, or none found); 130 when "
        "interrupted (run `qa index` again to finish). With --watch: 0 when Ctrl-C stops it, its normal end.",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help=f"files or folders ({' '.join(SUPPORTED_SUFFIXES)}, .rst.txt)",
    )
    _collection(p)
    p.add_argument("--json", action="store_true", help="print the IndexReport as JSON")
    p.add_argument(
        "--watch", action="store_true", help="keep indexing changes (one line per batch) until Ctrl-C"
    )
    p.add_argument(
        "--follow-links",
        action="store_true",
        help="follow links inside the folders that lead out of them (default: skip them)",
    )

    p = sub.add_parser(
        "ask",
        help="answer a question, with its sources",
        description="Answer a question from the indexed documents: the answer cites its passages with [n], "
        "and the sources are listed under it. A question the documents do not answer is refused.",
    )
    p.add_argument("question", help="the question, in quotes")
    _answer_options(p)
    p.add_argument("--json", action="store_true", help="print answer.to_dict() as JSON")

    p = sub.add_parser(
        "chat",
        help="an interactive chat in the terminal (follow-up questions work)",
        description="An interactive chat about your documents; follow-up questions work. "
        "Quit with an empty line, Ctrl-D or Ctrl-C.",
    )
    _answer_options(p)

    p = sub.add_parser("sources", help="list the indexed documents")
    _collection(p)
    p.add_argument("--json", action="store_true", help="print the list as JSON")

    p = sub.add_parser("remove", help="remove documents (a file, or every document under a folder)")
    p.add_argument("paths", nargs="*", metavar="PATH", help="indexed files or folders")
    p.add_argument("--all", action="store_true", help="remove every document of the collection")
    _collection(p)

    p = sub.add_parser(
        "migrate",
        help="copy a collection onto a Chroma server (no re-embedding)",
        description="Copy the collection from the configured store (usually the embedded one) onto the Chroma "
        "server at URL, with its vectors, texts and manifest. QA_CHROMA_TOKEN, QA_CHROMA_TENANT and "
        "QA_CHROMA_DATABASE apply to the target. Afterwards set QA_CHROMA_URL=URL on every machine.",
    )
    p.add_argument("--to", required=True, metavar="URL", help="the target Chroma server, http(s)://host:port")
    _collection(p)

    p = sub.add_parser(
        "ui",
        help="serve the chat page, with its /ask and OpenAI-compatible /v1 APIs",
        description="Serve the chat page on http://HOST:PORT, with its gradio_client API (/ask, /sources) and "
        "an OpenAI-compatible API under /v1. QA_UI_AUTH=user:password turns on a login for the page; "
        "QA_SERVE_KEY is the bearer key /v1 requires.",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)"
    )
    p.add_argument("--port", type=_port, default=7860, help="port (default 7860)")
    _collection(p)

    p = sub.add_parser(
        "mcp",
        help="serve ask/search/sources to MCP clients (agents, desktop assistants)",
        description="A Model Context Protocol server with the tools ask, search and sources, over stdio "
        "(an MCP client launches it) or streamable HTTP at http://127.0.0.1:PORT/mcp.",
    )
    _collection(p)
    p.add_argument("--http", action="store_true", help="streamable HTTP on 127.0.0.1 instead of stdio")
    p.add_argument("--port", type=_port, default=8765, help="port for --http (default 8765)")

    sub.add_parser(
        "settings",
        help="print every QA_* setting: its effective value and where it came from (secrets show as 'set')",
    )

    p = sub.add_parser(
        "eval", help="run the gold-answer sets; exits 1 when a threshold or the baseline is missed"
    )
    p.add_argument(
        "rest", nargs=argparse.REMAINDER, help="options of the evaluation runner (see `qa eval --help`)"
    )
    p = sub.add_parser(
        "bench", help="speed benchmark against the naive pipeline, from a source checkout (`qa bench --help`)"
    )
    p.add_argument("rest", nargs=argparse.REMAINDER, help="options of benchmarks/speed.py")
    for command_parser in sub.choices.values():  # so that a wrong option is told with its command's usage
        command_parser.set_defaults(command_parser=command_parser)
    return parser


def _setting_names() -> str:
    from qa.settings_info import SETTINGS

    return ", ".join(s.name for s in SETTINGS)


def _collection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--collection", help="collection name (default: QA_COLLECTION or 'default')")


def _answer_options(p: argparse.ArgumentParser) -> None:
    _collection(p)
    p.add_argument(
        "--model", help="a litellm model string, or 'extractive' (default: QA_MODEL or extractive)"
    )
    p.add_argument(
        "--top-k", type=_positive_int, help="passages put in front of the model (default: QA_TOP_K or 5)"
    )


def _port(value: str) -> int:
    number = _positive_int(value)
    if number > 65535:
        raise argparse.ArgumentTypeError("a port is at most 65535")
    return number


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def unknown_options(parser: argparse.ArgumentParser, unknown: list[str]) -> None:
    """Exit 2 with the command's own usage (not the top-level one), suggesting the option meant."""
    known = [option for action in parser._actions for option in action.option_strings]
    hints = [
        f"did you mean {close[0]}?"
        for arg in unknown
        if arg.startswith("--") and (close := difflib.get_close_matches(arg.split("=")[0], known, n=1))
    ]
    parser.error(" ".join([f"unrecognized arguments: {' '.join(unknown)}", *hints]))
