"""The app's API through gradio_client (127.0.0.1 only): ask with citations, follow-ups, errors, login."""

from __future__ import annotations

import pytest
from ui_helpers import SEED_QUESTION

from ui.devserver import running_app

pytestmark = pytest.mark.server  # a real `qa ui` process


def client(url: str, **kwargs):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False, **kwargs)


def test_ask_through_gradio_client(ui_url):
    answer = client(ui_url).predict(question=SEED_QUESTION, api_name="/ask")
    assert not answer["refused"]
    assert "Waltz" in answer["text"]
    assert answer["citations"]
    for c in answer["citations"]:
        assert f"[{c['id']}]" in answer["text"]
        assert c["quote"] and c["quote"] in c["text"]
        assert c["source"].endswith("000_68c1b161cf4df674.txt")


def test_follow_up_and_settings_through_gradio_client(ui_url):
    c = client(ui_url)
    first = c.predict(question=SEED_QUESTION, top_k=3, api_name="/ask")
    assert len(first["passages"]) <= 3
    follow = c.predict(
        question="What did he say about the relationship?",
        history=[[SEED_QUESTION, first["text"]]],
        api_name="/ask",
    )
    assert follow["question"] == "What did he say about the relationship?"
    assert follow["model"] == "extractive"


def test_errors_come_back_as_readable_messages(ui_url):
    from gradio_client.exceptions import AppError

    c = client(ui_url)
    with pytest.raises(AppError, match="qa index"):
        c.predict(question=SEED_QUESTION, collection="never-indexed", api_name="/ask")
    # The server goes on answering.
    assert "Waltz" in c.predict(question=SEED_QUESTION, api_name="/ask")["text"]


def test_sources_through_gradio_client(ui_url):
    items = client(ui_url).predict(api_name="/sources")
    assert [i["source"].rsplit("/", 1)[-1] for i in items] == ["000_68c1b161cf4df674.txt"]


def test_login_when_qa_ui_auth_is_set(ui_home, tmp_path):
    with running_app(ui_home, tmp_path / "auth.log", QA_UI_AUTH="alice:s3cret") as url:
        from gradio_client.exceptions import AuthenticationError

        with pytest.raises(AuthenticationError):
            client(url)
        with pytest.raises(ValueError, match="login"):  # a wrong password
            client(url, auth=("alice", "wrong"))
        items = client(url, auth=("alice", "s3cret")).predict(api_name="/sources")
        assert items


def test_the_app_listens_on_loopback_only(ui_url):
    import socket
    from urllib.parse import urlsplit

    port = urlsplit(ui_url).port
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 9))  # UDP: picks the outgoing interface, sends nothing
            address = s.getsockname()[0]
        except OSError:
            address = ""
    if not address or address.startswith("127."):
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with socket.socket() as s, pytest.raises(OSError):
        s.settimeout(3)
        s.connect((address, port))
