"""The running `qa ui` with a login (issue 14, item 12): repeated failed logins are slowed down, and form posts
(uploads) from another site's page are refused while the page's own and non-browser clients go through."""

from __future__ import annotations

import time

import pytest

from ui.devserver import running_app

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def guarded_url(tmp_path_factory):
    home = tmp_path_factory.mktemp("guarded-home")
    with running_app(home, home / "qa-ui.log", QA_UI_AUTH="alice:correct-horse") as url:
        yield url.rstrip("/")


def _client():
    import httpx

    return httpx.Client(timeout=60, trust_env=False)


def test_repeated_failed_logins_are_slowed_down(guarded_url):
    with _client() as client:
        seconds = []
        for _ in range(6):
            started = time.monotonic()
            r = client.post(f"{guarded_url}/login", data={"username": "alice", "password": "guess"})
            seconds.append(time.monotonic() - started)
            assert r.status_code == 400
        first = max(seconds[:3])
        assert seconds[5] > 4 * first and seconds[5] > seconds[3], seconds  # grows with each failure
        r = client.post(f"{guarded_url}/login", data={"username": "alice", "password": "correct-horse"})
        assert r.status_code == 200 and r.json()["success"]


def test_uploads_only_from_the_pages_own_origin(guarded_url):
    with _client() as client:
        r = client.post(f"{guarded_url}/login", data={"username": "alice", "password": "correct-horse"})
        assert r.status_code == 200
        upload = f"{guarded_url}/gradio_api/upload"
        files = {"files": ("evil.txt", b"planted text", "text/plain")}
        ours = guarded_url.split("://", 1)[1]
        cases = {
            "http://evil.example": 403,
            "null": 403,
            f"http://{ours}.evil.example": 403,
            guarded_url: 200,  # the page itself
            None: 200,  # a client that is not a browser
        }
        for origin, expected in cases.items():
            headers = {"Origin": origin} if origin else {}
            r = client.post(upload, files=files, headers=headers)
            assert r.status_code == expected, (origin, r.status_code, r.text[:200])
        # A cross-site login form is refused too, before the password is even checked.
        r = client.post(
            f"{guarded_url}/login",
            data={"username": "alice", "password": "correct-horse"},
            headers={"Origin": "http://evil.example"},
        )
        assert r.status_code == 403
