"""An OpenAI-compatible API on the chat page's server: `POST /v1/chat/completions` and `GET /v1/models`.

Chat clients that speak the OpenAI API (Open WebUI, LibreChat, editors, the `openai` package) ask the indexed
documents through it. A "model" is a collection; the answering model stays the server's (QA_MODEL). The last
user message is the question and the earlier turns are its history. The reply text keeps its [n] markers and
lists the sources under them; a `citations` field carries them structured (Citation fields), with `refused`.

Access: with QA_SERVE_KEY set, every request needs `Authorization: Bearer <key>`. Without it, a server with a
page login (QA_UI_AUTH) refuses every request (the login does not cover this API), and one without a login
answers anyone who can reach it, as the page does: that is why both bind 127.0.0.1 unless told otherwise.
Imported by `ui.app.serve` only (it loads FastAPI).
"""

from __future__ import annotations

import hmac
import json
import sys
import time
import uuid
from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

import qa
from qa.answer import Answer
from qa.errors import ConfigError, ModelError, NothingIndexedError, QAError, StoreUnavailableError
from qa.settings import Settings

MAX_BODY_BYTES = 1_000_000
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
SOURCES_HEADING = "\n\nSources:\n"


def openai_routes(settings: Settings, host: str = "127.0.0.1") -> list:
    """The /v1 routes, answering with `settings` (its collection is the default model)."""
    loopback = host in LOOPBACK_NAMES
    if not settings.serve_key and not settings.ui_auth and not loopback:
        print(
            f"warning: the /v1 API on {host} answers anyone; set QA_SERVE_KEY to require a key.",
            file=sys.stderr,
        )
    router = APIRouter(prefix="/v1")

    @router.get("/models")
    async def list_models(request: Request):
        if refused := _refuse(request, settings, loopback):
            return refused
        try:
            names = await run_in_threadpool(qa.collections, settings=settings)
        except QAError as e:
            return _error_response(e)
        data = [{"id": n, "object": "model", "created": 0, "owned_by": "qa"} for n in names]
        return JSONResponse({"object": "list", "data": data})

    @router.post("/chat/completions")
    async def chat_completions(request: Request):
        if refused := _refuse(request, settings, loopback):
            return refused
        body = await _read_capped(request)
        if body is None:
            return _error(413, f"The request is larger than {MAX_BODY_BYTES:,} bytes.")
        try:
            collection, question, history, stream = parse_request(body, settings)
        except QAError as e:
            return _error_response(e)
        reply = Reply(collection, question, history, settings)
        if not stream:
            try:
                answer = await run_in_threadpool(reply.answer)
            except Exception as e:
                return _error_response(e)
            return JSONResponse(reply.completion(answer))
        try:  # the first piece before the response starts: an error is still an HTTP status
            first = await run_in_threadpool(reply.first_event)
        except Exception as e:
            return _error_response(e)
        return StreamingResponse(
            reply.events(first), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    return list(router.routes)


async def _read_capped(request) -> bytes | None:
    """The body, or None once it grows past MAX_BODY_BYTES (it is never read whole into memory)."""
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def parse_request(body: bytes, settings: Settings) -> tuple[str, str, list[dict], bool]:
    """(collection, question, history as messages, stream) from a chat completion request."""
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        raise ConfigError("The request body is not JSON.") from None
    if not isinstance(request, dict):
        raise ConfigError("The request body must be a JSON object.")
    model = request.get("model") or settings.collection
    messages = request.get("messages")
    if not isinstance(model, str):
        raise ConfigError("`model` must be a collection name (GET /v1/models lists them).")
    if not isinstance(messages, list) or not messages:
        raise ConfigError("`messages` must be a non-empty list of {role, content} messages.")
    turns = [_message(m) for m in messages]
    turns = [t for t in turns if t["role"] in ("user", "assistant")]  # system prompts: ours is fixed
    if not turns or turns[-1]["role"] != "user":
        raise ConfigError("The last message must be the user's question.")
    return model, turns[-1]["content"], turns[:-1], bool(request.get("stream"))


def _message(m) -> dict:
    if not isinstance(m, dict) or not isinstance(m.get("role"), str):
        raise ConfigError("Each message must be an object with a `role` and a `content`.")
    content = m.get("content")
    if isinstance(content, list):  # content parts: keep the text ones
        content = "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    if not isinstance(content, str):
        content = ""
    if m["role"] == "assistant":  # our own earlier reply: the answer, without the sources listed under it
        content = content.split(SOURCES_HEADING, 1)[0]
    return {"role": m["role"], "content": content}


class Reply:
    """One chat completion: the answer, as one JSON object or as server-sent events."""

    def __init__(self, collection: str, question: str, history: list[dict], settings: Settings):
        self.collection, self.question, self.history, self.settings = collection, question, history, settings
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self._items = None

    def answer(self) -> Answer:
        return qa.ask(self.question, self.collection, history=self.history, settings=self.settings)

    def completion(self, answer: Answer) -> dict:
        message = {"role": "assistant", "content": reply_text(answer)}
        choice = {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
        return {**self._head("chat.completion"), "choices": [choice], **_extra(answer)}

    def first_event(self) -> str | Answer:
        self._items = qa.ask_stream(
            self.question, self.collection, history=self.history, settings=self.settings
        )
        return next(self._items)

    def events(self, first: str | Answer):
        """SSE lines: the role, text pieces as they come, the sources with the citations, [DONE]."""
        yield self._chunk({"role": "assistant", "content": ""})
        try:
            item = first
            while not isinstance(item, Answer):
                if item:
                    yield self._chunk({"content": item})
                item = next(self._items)
        except Exception as e:  # the response has started: the error goes in the stream, as OpenAI's does
            yield f"data: {json.dumps({'error': _error_body(e)[1]})}\n\n"
            return
        sources = "" if item.refused or not item.citations else SOURCES_HEADING + item.sources_text()
        yield self._chunk({"content": sources} if sources else {}, "stop", _extra(item))
        yield "data: [DONE]\n\n"

    def _chunk(self, delta: dict, finish_reason: str | None = None, extra: dict | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        chunk = {**self._head("chat.completion.chunk"), "choices": [choice], **(extra or {})}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    def _head(self, kind: str) -> dict:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.collection}


def reply_text(answer: Answer) -> str:
    """The answer with its [n] markers, and the cited sources listed under it."""
    if answer.refused or not answer.citations:
        return answer.text
    return answer.text + SOURCES_HEADING + answer.sources_text()


def _extra(answer: Answer) -> dict:
    return {
        "citations": [asdict(c) for c in answer.citations],
        "refused": answer.refused,
        "answered_by": answer.model,
        "searched": answer.standalone_question,  # the follow-up as searched, rewritten with the history
    }


def _refuse(request, settings: Settings, loopback: bool):
    """None when the request may go on, else the 401/403 response."""
    if loopback and _host_name(request.headers.get("host", "")) not in LOOPBACK_NAMES:
        # A page whose own name was made to resolve to 127.0.0.1 (DNS rebinding) reads no answers from here.
        return _error(403, "Refused: this server answers only requests addressed to 127.0.0.1 or localhost.")
    if settings.serve_key:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), settings.serve_key.encode()
        ):
            return None
        return _error(
            401, "Invalid or missing API key: send `Authorization: Bearer <QA_SERVE_KEY>`.", "invalid_api_key"
        )
    if settings.ui_auth:
        return _error(
            403,
            "This server's page has a login (QA_UI_AUTH) and no QA_SERVE_KEY is set, so its /v1 API is closed. "
            "Set QA_SERVE_KEY on the server and send it as the bearer key.",
            "api_closed",
        )
    return None


def _host_name(host_header: str) -> str:
    """The name of a Host header: 'localhost:7860' -> 'localhost', '[::1]:7860' -> '::1'."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


def _error_response(e: Exception):
    status, body = _error_body(e)
    return JSONResponse({"error": body}, status_code=status)


def _error_body(e: Exception) -> tuple[int, dict]:
    """OpenAI's error shape, with our one-line message."""
    if isinstance(e, NothingIndexedError):
        status, kind = 404, "model_not_found"
    elif isinstance(e, StoreUnavailableError):
        status, kind = 503, "store_unavailable"
    elif isinstance(e, ModelError):
        status, kind = 502, "answering_model_error"
    elif isinstance(e, QAError):
        status, kind = 400, "invalid_request_error"
    else:
        from ui.app import error_message  # logs the unexpected error

        return 500, {"message": error_message(e), "type": "server_error", "param": None, "code": None}
    return status, {"message": str(e), "type": kind, "param": None, "code": kind}


def _error(status: int, message: str, code: str | None = None):
    body = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    return JSONResponse({"error": body}, status_code=status)
