"""How a chat completion request becomes a question and its history (no server needed)."""

from __future__ import annotations

import json

import pytest

from qa.errors import ConfigError
from qa.settings import Settings
from ui.openai_api import parse_request

SETTINGS = Settings(home="/nonexistent", collection="notes")


def parse(**request):
    return parse_request(json.dumps(request).encode(), SETTINGS)


def test_last_user_message_is_the_question_and_earlier_turns_the_history():
    collection, question, history, stream = parse(
        model="docs",
        stream=True,
        messages=[
            {"role": "system", "content": "You are a pirate."},
            {"role": "user", "content": "Who is the adviser?"},
            {
                "role": "assistant",
                "content": "Mike Waltz. [1]\n\nSources:\n[1] a.txt (chars 0-9): Mike Waltz",
            },
            {
                "role": "user",
                "content": [{"type": "text", "text": "What did "}, {"type": "text", "text": "he say?"}],
            },
        ],
    )
    assert (collection, question, stream) == ("docs", "What did he say?", True)
    # System prompts are dropped (ours is fixed); our own sources list is not part of the earlier answer.
    assert history == [
        {"role": "user", "content": "Who is the adviser?"},
        {"role": "assistant", "content": "Mike Waltz. [1]"},
    ]


def test_without_a_model_the_servers_collection_answers():
    assert parse(messages=[{"role": "user", "content": "Hi?"}])[0] == "notes"


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"messages": []}).encode(), "non-empty list"),
        (json.dumps({"messages": [{"role": "assistant", "content": "Hi"}]}).encode(), "user's question"),
        (json.dumps({"messages": ["hello"]}).encode(), "`role` and a `content`"),
        (
            json.dumps({"model": 3, "messages": [{"role": "user", "content": "Hi"}]}).encode(),
            "collection name",
        ),
    ],
)
def test_bad_requests_say_what_is_wrong(request_body, message):
    with pytest.raises(ConfigError, match=message):
        parse_request(request_body, SETTINGS)


def test_models_are_the_collections_by_the_names_users_gave(tmp_path):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    import qa
    from ui.openai_api import openai_routes

    (tmp_path / "notes.txt").write_text("The lighthouse keeper rows to the island every Tuesday.\n")
    settings = Settings(home=tmp_path / "home")
    qa.index([tmp_path / "notes.txt"], "my notes", settings=settings)
    app = FastAPI()
    app.router.routes.extend(openai_routes(settings))
    reply = TestClient(app, base_url="http://127.0.0.1").get("/v1/models")
    assert reply.status_code == 200, reply.text
    assert [m["id"] for m in reply.json()["data"]] == ["my notes"]
