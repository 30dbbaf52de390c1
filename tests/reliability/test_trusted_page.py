"""The page and its API trust their callers with nothing the server did not configure (issue 14): the model
is chosen from QA_MODEL + QA_UI_MODELS only (item 3), read-only endpoints (/sources, /ask) write nothing (item 11), removal acts
on the collection a document was listed in (item 8), API errors are text, not HTML (item 10)."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

import qa

pytestmark = pytest.mark.reliability

QUESTION = "Who is Donald Trump's national security adviser?"


class ConnectionTrap:
    """A listening socket on 127.0.0.1 that records every connection made to it."""

    def __enter__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections: list[tuple] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self

    def _accept(self):
        while True:
            try:
                conn, address = self.sock.accept()
            except OSError:
                return
            self.connections.append(address)
            conn.close()

    def __exit__(self, *exc):
        self.sock.close()


def _launch(settings):
    from ui.app import build_app

    app = build_app(settings=settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, ssr_mode=False)
    return app, f"http://127.0.0.1:{port}/"


def _fn(app, name: str):
    return next(f.fn for f in app.fns.values() if getattr(f.fn, "__name__", "") == name)


@pytest.fixture
def page(seed_index):
    from gradio_client import Client

    app, url = _launch(seed_index)
    try:
        yield app, Client(url, verbose=False, analytics_enabled=False, download_files=False)
    finally:
        app.close()


def test_a_caller_cannot_send_the_prompt_to_a_model_of_its_own(page):
    from gradio_client.exceptions import AppError

    app, client = page
    with ConnectionTrap() as trap:
        traps = [f"oobabooga/http://127.0.0.1:{trap.port}", f"openai/http://127.0.0.1:{trap.port}/v1"]
        for model in traps:
            with pytest.raises(AppError, match="not offered by this server"):
                client.predict(question=QUESTION, model=model, api_name="/ask")
            *_, (_html, _sources, turns, _box) = _fn(app, "chat_turn")(QUESTION, [], "", model, 5)
            assert turns[-1].answer is None and "not offered" in turns[-1].error
        answer = client.predict(question=QUESTION, model="extractive", api_name="/ask")
        assert "Waltz" in answer["text"]  # the server's own model still answers
    assert trap.connections == [], f"the trap received {len(trap.connections)} connection(s)"


def test_models_listed_in_qa_ui_models_may_be_chosen(seed_index, llm):
    from gradio_client import Client
    from llm_server import Reply

    settings = seed_index.with_overrides(
        ui_models=("openai/test-model",), api_base=llm.api_base, api_key="test", timeout=5
    )
    app, url = _launch(settings)
    try:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        llm.script(Reply("Mike Waltz is the national security adviser [1]."))
        answer = client.predict(question=QUESTION, model="openai/test-model", api_name="/ask")
        assert answer["model"] == "openai/test-model" and "Waltz" in answer["text"]
    finally:
        app.close()


def _tree(home: Path) -> set[str]:
    return {str(p.relative_to(home)) for p in home.rglob("*")}


def test_read_only_endpoints_create_nothing_for_unknown_collections(page, seed_index):
    from gradio_client.exceptions import AppError

    app, client = page
    home = seed_index.home
    before = _tree(home)
    collections = qa.collections(settings=seed_index)
    names = ["never-indexed", "my docs/../x", "<b>x</b>", "a" * 300]
    for name in names:
        assert client.predict(collection=name, api_name="/sources") == []
        assert qa.sources(name, settings=seed_index) == []
        with pytest.raises(AppError, match="No documents indexed in collection"):
            client.predict(question=QUESTION, collection=name, api_name="/ask")
    assert _tree(home) == before, f"new files: {sorted(_tree(home) - before)}"
    assert qa.collections(settings=seed_index) == collections  # no collection made in Chroma either


def test_api_errors_are_text_not_html(page):
    from gradio_client.exceptions import AppError

    _app, client = page
    with pytest.raises(AppError) as caught:
        client.predict(question=QUESTION, collection='<img src=x onerror="alert(1)">', api_name="/ask")
    message = str(caught.value)
    assert "&lt;img" in message and "<img" not in message, message


def test_removal_acts_on_the_collection_the_document_was_listed_in(qa_home, tmp_path):
    from ui.app import build_app
    from ui.uploads import save_uploads

    settings = qa.load_settings()
    source = tmp_path / "notes.txt"
    source.write_text("The lighthouse keeper rows to the island every Tuesday.\n", encoding="utf-8")
    saved = {}
    for collection in ("alpha", "beta"):
        (saved[collection],), _ = save_uploads([source], qa_home, collection, 1_000_000)
        qa.index([saved[collection]], collection, settings=settings)
    app = build_app(settings=settings)
    remove_document = _fn(app, "remove_document")

    value = json.dumps(["alpha", str(saved["alpha"])])  # the choice as the page lists it (collection, source)
    # The user typed another collection into the box before clicking Remove.
    status, *_ = remove_document(value, "beta")
    assert "Removed notes.txt" in status
    assert qa.sources("alpha", settings=settings) == [] and not saved["alpha"].exists()
    assert [s.source for s in qa.sources("beta", settings=settings)] == [str(saved["beta"])]
    assert saved["beta"].exists()
