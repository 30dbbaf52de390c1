"""A small token-checking HTTP proxy for tests: it forwards every request to a Chroma server when the request
carries `x-chroma-token: <token>` (as Chroma Cloud expects), and answers 401 (no token) or 403 (a wrong one)
otherwise. It also counts requests, so tests can see what a client sent."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-connection",
}


class TokenProxy:
    """`with TokenProxy(upstream_url, token) as proxy:` then point clients at `proxy.url`."""

    def __init__(self, upstream: str, token: str):
        target = urlparse(upstream)
        self.upstream = (target.hostname or "127.0.0.1", target.port or 8000)
        self.token = token
        self.refused = 0
        self.forwarded = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> TokenProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as chromadb's httpx client expects

            def log_message(self, *args) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                sent = self.headers.get("x-chroma-token")
                if sent != proxy.token:
                    proxy.refused += 1
                    status = 401 if sent is None else 403
                    payload = b'{"error":"Unauthorized","message":"missing or wrong x-chroma-token"}'
                    self._reply(status, [("Content-Type", "application/json")], payload)
                    return
                proxy.forwarded += 1
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=120)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                finally:
                    upstream.close()
                dropped = _HOP_BY_HOP | {"content-length"}
                self._reply(
                    response.status,
                    [(k, v) for k, v in response.getheaders() if k.lower() not in dropped],
                    data,
                )

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                # One write for head and body: two small writes meet Nagle and delayed ACKs (40 ms a request).
                lines = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}"]
                lines += [f"{k}: {v}" for k, v in headers] + [f"Content-Length: {len(body)}", "", ""]
                self.wfile.write("\r\n".join(lines).encode("latin-1") + body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _relay

        return Handler
