"""A small OpenAI-compatible chat-completions server for tests: real HTTP on 127.0.0.1, scripted replies.

    with LLMServer() as server:
        server.script(Reply("Mike Waltz said so. [1]"))          # the next request gets this
        server.script(Status(429), Reply("ok [1]"))                # a 429, then a 200
        settings = settings.with_overrides(model="openai/test-model", api_base=server.api_base, api_key="test")

Behaviours are consumed one per request, in order; when the script is empty, `server.default` answers.
Every request is recorded (`server.requests`: path, headers, JSON body) so tests can read the prompt.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    """A normal completion (plain JSON, or SSE chunks when the request asks to stream)."""

    text: str | Callable[[Request], str]  # or written from the request, e.g. citing the passage it got
    delay: float = 0.0  # seconds before anything is sent (longer than the client timeout: a timeout)
    break_after: int | None = None  # streaming: close the connection after this many chunks


@dataclass(frozen=True)
class Status:
    """An error response with this HTTP status and an OpenAI-style error body."""

    code: int
    message: str = "scripted error"
    retry_after: str | None = None


@dataclass
class Request:
    path: str
    headers: dict[str, str]  # names in lower case
    body: dict

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    @property
    def prompt_text(self) -> str:
        """All message contents, joined: what the model was shown."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass
class LLMServer:
    default: Reply = field(default_factory=lambda: Reply("The documents do not say."))
    requests: list[Request] = field(default_factory=list)
    _script: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *behaviours: Reply | Status) -> None:
        with self._lock:
            self._script.extend(behaviours)

    def _next(self) -> Reply | Status:
        with self._lock:
            return self._script.pop(0) if self._script else self.default

    @property
    def api_base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> LLMServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _handler(server: LLMServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"raw": raw.decode("utf-8", "replace")}
            with server._lock:
                server.requests.append(
                    Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            behaviour = server._next()
            if isinstance(behaviour, Status):
                headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
                error = {"message": behaviour.message, "type": "scripted", "code": behaviour.code}
                self._json(behaviour.code, {"error": error}, headers)
                return
            if behaviour.delay:
                time.sleep(behaviour.delay)
            model = body.get("model", "test-model")
            text = behaviour.text(server.requests[-1]) if callable(behaviour.text) else behaviour.text
            if body.get("stream"):
                self._stream(text, behaviour.break_after, model)
            else:
                self._json(200, _completion(text, model))

        def _json(self, code: int, payload: dict, headers: dict | None = None) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (timeout): nothing to do
                self.close_connection = True

        def _stream(self, text: str, break_after: int | None, model: str) -> None:
            pieces = _pieces(text)
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i, piece in enumerate(pieces):
                    if break_after is not None and i >= break_after:
                        # Drop the connection without the final chunk: the body is incomplete.
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    delta = {"content": piece} if i else {"role": "assistant", "content": piece}
                    self._chunk(_chunk(model, delta, None))
                self._chunk(_chunk(model, {}, "stop"))
                self._write_chunk(b"data: [DONE]\n\n")
                self._write_chunk(b"")
            except OSError:
                self.close_connection = True

        def _chunk(self, payload: dict) -> None:
            self._write_chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

        def _write_chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler


def _pieces(text: str) -> list[str]:
    """The reply in small pieces (a few words each), as a model would stream it."""
    words = text.split(" ")
    pieces = [" ".join(words[i : i + 3]) for i in range(0, len(words), 3)]
    return [p + (" " if i < len(pieces) - 1 else "") for i, p in enumerate(pieces)] or [""]


def _completion(text: str, model: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _chunk(model: str, delta: dict, finish_reason: str | None) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
