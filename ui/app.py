"""The Gradio chat: a thin layer over `qa.ask_stream`, `qa.index`, `qa.sources` and `qa.remove`.

    from ui.app import build_app, serve
    build_app().launch()          # or serve(host="127.0.0.1", port=7860)

The page: a chat that streams answers with clickable [n] footnotes, a sources panel with each cited passage
(its supporting sentence highlighted), documents (upload with progress, list, remove, collection) and settings
(model, number of passages). The ask function is also an API endpoint, `/ask`, for `gradio_client`.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import sys
import traceback
from pathlib import Path

import qa
from index.loaders import SUPPORTED_SUFFIXES
from qa.api import MAX_QUESTION_CHARS
from qa.errors import ConfigError, NothingIndexedError, QAError
from qa.settings import Settings
from ui import render
from ui.library import DOCS_FILTER_JS, Library, documents_html, suggested_questions
from ui.render import Turn
from ui.uploads import is_upload, save_uploads

log = logging.getLogger(__name__)

UPLOAD_TYPES = list(SUPPORTED_SUFFIXES)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def build_app(collection: str | None = None, *, settings: Settings | None = None):
    """The Gradio Blocks app (not launched). `serve` launches it; tests and other servers may mount it."""
    settings = (settings or qa.load_settings()).with_overrides(collection=collection)
    import gradio as gr

    def library_of(collection) -> Library:
        try:
            return Library.of(qa.sources(collection or None, settings=settings))
        except QAError:  # the turn itself reports what is wrong with the collection
            return Library.of([])

    def chat_turn(question, turns, collection, model, top_k):
        question = (question or "").strip()
        turns = list(turns or [])
        library = library_of(collection)
        root = library.root
        if not question:
            empty = render.conversation_html(turns, suggested_questions(library))
            yield empty, render.sources_html(turns, root), turns, ""
            return
        history = [(t.question, t.answer.text) for t in turns if t.answer is not None]
        turn = Turn(question)
        turns.append(turn)
        yield render.conversation_html(turns), render.sources_html(turns, root), turns, ""
        try:
            for item in qa.ask_stream(
                question,
                collection=collection or None,
                model=settings.offered_model(model),
                top_k=int(top_k) if top_k else None,
                history=history,
                settings=settings,
            ):
                if isinstance(item, str):
                    turn.partial += item
                    yield render.conversation_html(turns), render.sources_html(turns, root), turns, ""
                else:
                    turn.answer = item
        except NothingIndexedError as e:
            turn.error = str(e)
            turn.hints = ["Or upload files under Documents, below, and ask again."]
        except Exception as e:
            turn.error = error_message(e)
        yield render.conversation_html(turns), render.sources_html(turns, root), turns, ""

    def clear_chat(collection):
        suggestions = suggested_questions(library_of(collection))
        return render.conversation_html([], suggestions), render.sources_html([]), []

    def list_documents(collection):
        try:
            # A pending source is half-indexed (a run in progress, or interrupted): not a document yet.
            library = Library.of(qa.sources(collection or None, settings=settings))
        except Exception as e:
            return render.error_html(error_message(e)), gr.update(choices=[], value=None)
        name = collection or settings.collection
        # Each choice names its collection too: removal acts where the document was listed, whatever the
        # collection box says by the time Remove is clicked.
        choices = [(library.path(i.source), json.dumps([name, i.source])) for i in library.items]
        return documents_html(library, name), gr.update(choices=choices, value=None)

    def show_collection(collection, turns, shown):
        """The documents list, and an empty chat's suggestions, for the collection now chosen. Leaving the
        collection box unchanged redraws nothing (a redraw would swallow the click that left it)."""
        if shown is not None and collection == shown:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        docs_html, choices = list_documents(collection)
        suggestions = suggested_questions(library_of(collection))
        chat_html = gr.skip() if turns else render.conversation_html([], suggestions)
        return docs_html, choices, chat_html, collection

    def upload_files(files, collection, progress=gr.Progress()):  # noqa: B008 (Gradio's idiom)
        s = settings.with_overrides(collection=collection or None)
        if not files:
            return gr.skip(), *list_documents(collection), None
        progress(0, desc="Saving uploads")
        saved, refused = save_uploads(files, s.home, s.collection, int(s.max_file_mb * 1_000_000))
        _discard(files)
        parts = [render.failures_html(refused)]
        if saved:

            def step(what: str, done: int, total: int) -> None:  # done, total: bytes of the files
                verb, _, source = what.partition(" ")
                name = render.source_name(source) if source.startswith(os.sep) else source
                progress(done / max(total, 1), desc=f"Indexing: {verb} {name}".rstrip())

            try:
                report = qa.index(saved, progress=step, settings=s)
                parts.insert(0, render.index_report_html(report))
            except Exception as e:
                parts.insert(0, render.error_html(error_message(e)))
        return "".join(parts), *list_documents(collection), None

    def remove_document(choice, collection):
        try:
            listed_in, source = json.loads(choice)
        except (TypeError, ValueError):
            return render.error_html("Choose a document to remove."), *list_documents(collection)
        try:
            removed = qa.remove([source], listed_in, settings=settings)
        except Exception as e:
            return render.error_html(error_message(e)), *list_documents(collection)
        if source in removed and is_upload(source, settings.home):
            Path(source).unlink(missing_ok=True)  # our own copy of an upload
        message = f"Removed {render.source_name(source)}." if removed else "Nothing was removed."
        return f'<div class="qa-summary">{render.esc(message)}</div>', *list_documents(collection)

    def ask_api(
        question: str, collection: str = "", model: str = "", top_k: int = 0, history: list | None = None
    ) -> dict:
        """Answer a question from the indexed documents. Returns Answer.to_dict(): text (with [n] markers),
        refused, citations (id, source, start, end, text, quote, ...), passages, model.
        history: earlier turns as [question, answer] pairs. Empty values mean the server's settings."""
        try:
            answer = qa.ask(
                question,
                collection or None,
                settings.offered_model(model),
                int(top_k) if top_k else None,
                history or None,
                settings=settings,
            )
        except QAError as e:
            raise _api_error(e) from None
        return answer.to_dict()

    def sources_api(collection: str = "") -> list:
        """The documents indexed in a collection: source, title, chunks, state."""
        try:
            return [vars(i) for i in qa.sources(collection or None, settings=settings)]
        except QAError as e:
            raise _api_error(e) from None

    private = {"api_visibility": "private"}
    with gr.Blocks(
        title="qa: ask your documents", analytics_enabled=False, delete_cache=(3600, 86400)
    ) as app:
        gr.Markdown(
            "## Ask your documents\nAnswers cite the passages that support them; click a [n] to see it."
        )
        turns = gr.State([])
        shown_collection = gr.State(None)  # the collection the documents list shows
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chat = gr.HTML(
                    render.conversation_html([]),
                    elem_id="qa-chat",
                    css_template=render.CSS,
                    js_on_load=render.CITE_CLICK_JS,
                    autoscroll=True,
                    max_height=560,
                )
                # The question box takes the chat's whole width; the buttons sit below it.
                question = gr.Textbox(
                    show_label=False,
                    placeholder=f"Ask a question about your documents (up to {MAX_QUESTION_CHARS:,} characters)",
                    elem_id="qa-question",
                    max_lines=6,
                    autofocus=True,
                )
                with gr.Row():
                    ask_button = gr.Button("Ask", variant="primary", elem_id="qa-ask", scale=0, min_width=96)
                    clear_button = gr.Button("New chat", elem_id="qa-clear", scale=0, min_width=120)
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(
                    render.sources_html([]), elem_id="qa-sources", css_template=render.CSS, max_height=640
                )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                gr.Markdown("### Documents")
                collection_box = gr.Textbox(
                    value=settings.collection, label="Collection", elem_id="qa-collection"
                )
                files = gr.File(
                    label=f"Upload files ({', '.join(UPLOAD_TYPES)}; up to {settings.max_file_mb:g} MB each)",
                    file_count="multiple",
                    file_types=UPLOAD_TYPES,
                    elem_id="qa-upload",
                    height=150,
                )
                upload_status = gr.HTML("", elem_id="qa-upload-status", css_template=render.CSS)
                docs = gr.HTML("", elem_id="qa-docs", css_template=render.CSS, js_on_load=DOCS_FILTER_JS)
                with gr.Row():
                    to_remove = gr.Dropdown(label="Indexed document", choices=[], elem_id="qa-remove-choice")
                    remove_button = gr.Button("Remove", elem_id="qa-remove")
            with gr.Column(scale=2):
                gr.Markdown("### Settings")
                # Only the models the server offers (QA_MODEL, QA_UI_MODELS): a model string typed by a
                # visitor could name any provider or URL, and the prompt would go there.
                model = gr.Dropdown(
                    choices=settings.offered_models,
                    value=settings.model,
                    label="Model",
                    info="offered by this server (QA_MODEL, QA_UI_MODELS)",
                    interactive=len(settings.offered_models) > 1,
                    elem_id="qa-model",
                )
                top_k = gr.Slider(
                    1, 20, value=settings.top_k, step=1, label="Passages (top_k)", elem_id="qa-top-k"
                )

        # The stable API first, so that its names are never taken by the page's own events.
        gr.api(ask_api, api_name="ask")
        gr.api(sources_api, api_name="sources")
        gr.on(
            [question.submit, ask_button.click],
            chat_turn,
            [question, turns, collection_box, model, top_k],
            [chat, sources, turns, question],
            **private,
        )
        clear_button.click(clear_chat, [collection_box], [chat, sources, turns], **private)
        files.upload(
            upload_files, [files, collection_box], [upload_status, docs, to_remove, files], **private
        )
        remove_button.click(
            remove_document, [to_remove, collection_box], [upload_status, docs, to_remove], **private
        )
        gr.on(
            [app.load, collection_box.submit, collection_box.blur],
            show_collection,
            [collection_box, turns, shown_collection],
            [docs, to_remove, chat, shown_collection],
            show_progress="hidden",  # no overlay over the chat: it would take the click that blurred the box
            **private,
        )
    return app


def error_message(e: Exception) -> str:
    """What the page shows for an error: QAError messages as they are; anything else is logged too."""
    from index.redact import redact

    if isinstance(e, QAError):
        return redact(e)
    trace = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    log.error("unexpected error in the UI: %s", redact(trace))  # tracebacks quote headers and URLs too
    return redact(f"Unexpected error ({type(e).__name__}: {e}). See the server log; the app keeps working.")


def _api_error(e: QAError):
    """A Gradio error for an API caller. Gradio renders its message as HTML in the page's toast: escaped, it
    shows as text (a file name such as '<img src=x>.txt' stays a name)."""
    import gradio as gr

    return gr.Error(html.escape(str(e), quote=False), print_exception=False)


def _discard(files) -> None:
    """Gradio's cached copy of an upload is not needed once ours is saved."""
    for f in files:
        with contextlib.suppress(OSError):
            os.remove(f)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """QA_UI_AUTH=user:password -> (user, password)."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ConfigError("QA_UI_AUTH must look like user:password (both parts non-empty).")
    return user, password


def serve(host: str = "127.0.0.1", port: int = 7860, collection: str | None = None) -> None:
    """Start the app and block. Binds this machine only unless another host is named."""
    settings = qa.load_settings()
    auth = parse_auth(settings.ui_auth)
    check_port_free(host, port)  # before loading Gradio: one line instead of its traceback
    app = build_app(collection, settings=settings)
    if host not in LOOPBACK and not auth:
        print(
            f"warning: serving on {host} without a login; set QA_UI_AUTH=user:password to require one.",
            file=sys.stderr,
        )
    import gradio as gr

    from ui.openai_api import openai_routes

    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )  # system fonts: no font download
    # The OpenAI-compatible /v1 API on the same server, ahead of Gradio's own routes.
    routes = openai_routes(settings.with_overrides(collection=collection), host)
    try:
        _launch(app, host, port, auth, settings, theme, routes)
    except OSError as e:
        if "port" not in str(e).lower():
            raise
        raise ConfigError(port_taken_message(host, port)) from None  # taken since the check


def _launch(app, host, port, auth, settings, theme, routes=()) -> None:
    from starlette.middleware import Middleware

    from ui.guards import SameOriginForms, SlowLogin

    app.queue().launch(
        server_name=host,
        server_port=port,
        auth=SlowLogin(*auth).check if auth else None,  # repeated failures slow the next attempts down
        app_kwargs={
            "middleware": [Middleware(SameOriginForms)],  # uploads only from this page
            "routes": list(routes),
        },
        max_file_size=int(settings.max_file_mb * 1_000_000),
        ssr_mode=False,
        share=False,
        inbrowser=False,
        show_error=True,
        theme=theme,
    )


def port_taken_message(host: str, port: int) -> str:
    return f"Port {port} on {host} is already in use: choose another with `qa ui --port N`."


def check_port_free(host: str, port: int) -> None:
    """ConfigError, naming the port and the flag, when nothing can listen on host:port."""
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as e:
        raise ConfigError(f"Cannot serve on host {host!r} ({e.strerror}): check `qa ui --host`.") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is fine
        try:
            probe.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise ConfigError(port_taken_message(host, port)) from None
            raise ConfigError(
                f"Cannot listen on {host}:{port} ({e.strerror}): choose another `--port` or `--host`."
            ) from None
