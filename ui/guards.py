"""Two guards in front of the chat page: a login that slows down after repeated failures, and a refusal of
form posts (uploads, logins) sent from another site's page.

A browser sends a cross-site form post without asking first (no CORS preflight for multipart, urlencoded or
plain-text bodies), with the visitor's cookies: another page could upload files into the index. Browsers always
say where such a post comes from (the Origin header), so a post whose Origin is not this server is refused.
Clients that are not browsers (gradio_client, curl) send no Origin and are not affected.
"""

from __future__ import annotations

import asyncio
import hmac
from urllib.parse import urlsplit

FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded", "text/plain"}


class SlowLogin:
    """Gradio's login check for one user:password. After `free` failed attempts in a row, each attempt waits
    longer (doubling up to `max_delay` seconds), and attempts are taken one at a time, so guessing in
    parallel is no faster. A success resets the count."""

    def __init__(self, user: str, password: str, free: int = 3, delay: float = 0.5, max_delay: float = 8.0):
        self._user, self._password = user.encode(), password.encode()
        self.free, self.delay, self.max_delay = free, delay, max_delay
        self.failures = 0
        self._lock = asyncio.Lock()

    def wait(self) -> float:
        """Seconds the next attempt waits."""
        if self.failures < self.free:
            return 0.0
        return min(self.delay * 2 ** (self.failures - self.free), self.max_delay)

    async def check(self, username: str, password: str) -> bool:
        """Gradio's auth callable. A bound async method: Gradio awaits only what inspect calls a coroutine
        function, and an object with an async __call__ is not one (its coroutine would pass as True)."""
        async with self._lock:
            await asyncio.sleep(self.wait())
            ok = hmac.compare_digest(username.encode(), self._user)
            ok = hmac.compare_digest(password.encode(), self._password) and ok
            self.failures = 0 if ok else self.failures + 1
            return ok


class SameOriginForms:
    """ASGI middleware: a POST with a form body whose Origin is another site (or "null") gets 403."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and _cross_site_form(scope):
            from starlette.responses import PlainTextResponse

            response = PlainTextResponse(
                "Refused: a form post from another site. Upload from this server's own page.", status_code=403
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _cross_site_form(scope) -> bool:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        return False  # other bodies need a CORS preflight, which Gradio answers
    if headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = headers.get("origin")
    if origin is None:
        return False  # not a browser
    if origin == "null":
        return True  # sandboxed frames, file:// pages
    ours = {
        h.strip().lower() for h in [headers.get("host", ""), *headers.get("x-forwarded-host", "").split(",")]
    }
    return urlsplit(origin).netloc.lower() not in ours - {""}
