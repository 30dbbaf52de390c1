"""The real app in a subprocess (`qa ui` on a free 127.0.0.1 port, its own QA_HOME, the seeds indexed),
and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ui_helpers import LIBRARY_COLLECTION, write_library

from ui.devserver import index_paths, running_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def ui_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("ui-home")
    index_paths(home, [ROOT / "seeds"])
    library = write_library(tmp_path_factory.mktemp("library-docs"))
    index_paths(home, [library], collection=LIBRARY_COLLECTION)
    return home


@pytest.fixture(scope="session")
def llm():
    """A scripted OpenAI-compatible server on 127.0.0.1: the app reaches it as model openai/test-model."""
    from llm_server import LLMServer

    with LLMServer() as server:
        yield server


@pytest.fixture(scope="session")
def ui_url(ui_home, llm, tmp_path_factory):
    """The app serving the indexed seeds (collection 'default'). Tests that write use their own collection."""
    log = tmp_path_factory.mktemp("ui-log") / "qa-ui.log"
    env = {
        "QA_API_BASE": llm.api_base,
        "QA_API_KEY": "test",
        "QA_TIMEOUT": "10",
        "QA_MAX_FILE_MB": "1",
        "QA_UI_MODELS": "openai/test-model",  # the page offers only configured models
    }
    with running_app(ui_home, log, **env) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium) to run browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, ui_url):
    """A fresh page (a new Gradio session: an empty chat) on the app; nothing may leave 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.set_default_timeout(120_000)  # the first question loads the embedding model in the server
    pg.goto(ui_url)
    pg.wait_for_selector("#qa-question textarea")
    yield pg
    context.close()
    assert not outside, f"the page tried to reach the network: {outside}"
