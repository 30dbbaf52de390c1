"""Answers from any litellm model: the prompt from qa.prompt, retries where they help, one clear
`ModelError` otherwise, streaming, and the citation checks of qa.cite on what the model wrote."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from index.redact import redact
from qa.answer import REFUSAL_TEXT, Answer, Passage
from qa.answerers import Query
from qa.cite import answer_from_text, check_citations, is_refusal, refusal
from qa.errors import ModelError
from qa.markers import CITED
from qa.prompt import build_prompt, condense_messages


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # calls in all, for 429, 5xx, timeouts and connection errors
    backoff: float = 0.5  # seconds before the second call; doubles after each failure
    max_wait: float = 20.0  # a server's Retry-After is honoured up to this many seconds


DEFAULT_RETRY = RetryPolicy()
LIVE_CHECK_CHARS = 3000  # streamed text is checked as it grows up to this size (short answers are far below)
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 529}


class LLMAnswerer:
    """`stream()` yields the answer text as it is generated (a citation marker only once it is checked),
    then the checked `Answer`; `answer()` makes one plain call. Errors after retries are `ModelError`s
    whose message says what to do."""

    def __init__(self, settings, retry: RetryPolicy = DEFAULT_RETRY):
        from qa.model_keys import check_model_key

        check_model_key(settings)  # at once: before any retrieval or model call
        self.settings = settings
        self.name: str = settings.model
        self.retry = retry

    def stream(self, query: Query, passages: list[Passage]) -> Iterator[str | Answer]:
        prompt = build_prompt(query.question, passages, list(query.history), model=self.name)
        if not prompt.passages:  # nothing to read: no call, an honest refusal
            yield REFUSAL_TEXT
            yield refusal(query, [], self.name)
            return
        parts: list[str] = []
        size = 0
        shown = ""
        for piece in self._stream_text(prompt.messages):
            parts.append(piece)
            size += len(piece)
            if size > LIVE_CHECK_CHARS:
                continue  # a runaway answer: the rest is shown once complete, checked once
            # Show only text whose markers are complete and checked, so [9] never flashes on screen, and
            # nothing before the first checked citation: an answer that cites nothing is never shown.
            checked = _checked_prefix("".join(parts), prompt.passages)
            if not CITED.search(checked):
                continue
            if checked.startswith(shown) and len(checked) > len(shown):
                yield checked[len(shown) :]
                shown = checked
        answer = answer_from_text(query, "".join(parts), prompt.passages, self.name)
        if answer.text.startswith(shown) and len(answer.text) > len(shown):
            yield answer.text[len(shown) :]
        yield answer

    def answer(self, query: Query, passages: list[Passage]) -> Answer:
        """The checked `Answer` from one plain (not streamed) completion: what `qa.ask` uses."""
        prompt = build_prompt(query.question, passages, list(query.history), model=self.name)
        if not prompt.passages:
            return refusal(query, [], self.name)
        return answer_from_text(query, self._complete(prompt.messages), prompt.passages, self.name)

    def condense(self, question: str, history: list[tuple[str, str]]) -> str | None:
        """The follow-up as a standalone question, written by the model; None when the call fails.
        One attempt only: the retrieval-side fallback is good enough, and the answer call retries anyway."""
        if not history:
            return None
        try:
            text = self._complete(condense_messages(question, history), attempts=1)
        except ModelError:
            return None
        return _clean_rewrite(text)

    # --- calls -------------------------------------------------------------------------------

    def _complete(self, messages: list[dict], attempts: int | None = None) -> str:
        attempts = attempts or self.retry.attempts
        for attempt in range(1, attempts + 1):
            try:
                response = self._call(messages, stream=False)
                return response.choices[0].message.content or ""
            except Exception as e:  # litellm raises many types; each becomes a retry or a ModelError
                self._retry_or_raise(e, attempt, attempts)
        raise AssertionError("unreachable")

    def _stream_text(self, messages: list[dict]) -> Iterator[str]:
        attempts = self.retry.attempts
        for attempt in range(1, attempts + 1):
            started = False
            try:
                finished = False
                for chunk in self._call(messages, stream=True):
                    choice = chunk.choices[0] if chunk.choices else None
                    if choice is None:
                        continue
                    delta = getattr(choice.delta, "content", None)
                    if delta:
                        started = True
                        yield delta
                    finished = finished or bool(choice.finish_reason)
                if not finished:
                    raise ModelError(f"{self._where()} stopped before finishing its answer: try again.")
                return
            except ModelError:
                raise
            except Exception as e:
                if started:  # part of the answer was shown: retrying would repeat it
                    raise ModelError(
                        redact(
                            f"{self._where()} broke off in the middle of its answer ({_short(e)}): "
                            "the answer is incomplete; try again.",
                            [self.settings.api_key],
                        )
                    ) from e
                self._retry_or_raise(e, attempt, attempts)

    def _call(self, messages: list[dict], stream: bool):
        litellm = _litellm()
        s = self.settings
        api_key = s.api_key
        if (
            not api_key
            and s.api_base
            and s.model.startswith("openai/")
            and not os.environ.get("OPENAI_API_KEY")
        ):
            api_key = "none"  # local OpenAI-compatible servers (llama.cpp, vLLM, Ollama) need no key
        return litellm.completion(
            model=s.model,
            messages=messages,
            api_base=s.api_base or None,
            api_key=api_key,
            timeout=s.timeout,
            stream=stream,
            temperature=0,
            drop_params=True,  # models that take no temperature still answer
            max_retries=0,  # retries are ours, counted and explained
        )

    def _retry_or_raise(self, error: Exception, attempt: int, attempts: int) -> None:
        if not _retryable(error) or attempt >= attempts:
            raise self._error(error, attempt) from error
        time.sleep(self._wait(error, attempt))

    def _wait(self, error: Exception, attempt: int) -> float:
        retry_after = _retry_after(error)
        if retry_after is not None:
            return min(retry_after, self.retry.max_wait)
        return min(self.retry.backoff * 2 ** (attempt - 1), self.retry.max_wait)

    def _where(self) -> str:
        base = f" at {self.settings.api_base}" if self.settings.api_base else ""
        return redact(f"The model '{self.name}'{base}", [self.settings.api_key])

    def _error(self, e: Exception, attempts: int) -> ModelError:
        """The ModelError for a failed call; a provider may echo the key it got, so the text is redacted."""
        return ModelError(redact(self._error_text(e, attempts), [self.settings.api_key]))

    def _error_text(self, e: Exception, attempts: int) -> str:
        import openai

        litellm = _litellm()
        where = self._where()
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        status = _status(e)
        text = str(e)
        if "LLM Provider NOT provided" in text:
            return (
                f"litellm does not know which provider serves the model '{self.name}': use a litellm model "
                "string such as 'gpt-4o-mini', 'ollama/llama3.2' or 'openai/NAME' with QA_API_BASE, "
                "or QA_MODEL=extractive."
            )
        if _missing_key(e):
            return (
                f"{where} needs an API key and none is set: set QA_API_KEY (or the provider's own variable, "
                "such as OPENAI_API_KEY)."
            )
        if isinstance(e, openai.APITimeoutError) or status == 408:
            return (
                f"{where} did not answer within {self.settings.timeout:g} s ({tries}): check that it is "
                "running and not overloaded, or allow more time with QA_TIMEOUT."
            )
        if status == 401 or isinstance(e, openai.AuthenticationError):
            hint = "set QA_API_KEY" if not self.settings.api_key else "check QA_API_KEY"
            return f"{where} rejected the API key (401): {hint}."
        if status == 403:
            return f"{where} refused access (403): check that QA_API_KEY may use this model."
        if status == 404:
            return f"{where} was not found (404): check QA_MODEL and QA_API_BASE. ({_short(e)})"
        if status == 429:
            return (
                f"{where} is rate limiting requests (429) and still was after {tries}: "
                "wait a little and try again."
            )
        if isinstance(e, litellm.ContextWindowExceededError):
            return f"{where} says the prompt is too long for it: shorten the question or lower QA_TOP_K."
        if isinstance(e, openai.APIConnectionError) or "connection error" in text.lower():
            return (
                f"{where} could not be reached ({tries}): check QA_API_BASE and that the server is running."
            )
        if status and status >= 500:
            return (
                f"{where} failed with a server error ({status}) after {tries}: try again later, or check the "
                "server's logs."
            )
        if status:
            return f"{where} rejected the request ({status}): {_short(e)}"
        return f"{where} failed: {_short(e)}"


def _checked_prefix(raw: str, passages: list[Passage]) -> str:
    """The checked text of the part of `raw` that can no longer change: not an unfinished marker
    ("[", "[1, "), not a marker cluster that may go on ("[1]" before "[2]"), not trailing spaces."""
    end = len(raw)
    opening = raw.rfind("[")
    if opening > raw.rfind("]"):
        end = opening
    while True:  # step back over trailing bracket groups and what may separate them
        i = end
        while i > 0 and raw[i - 1] in " \t\r\n,;":
            i -= 1
        if i == 0 or raw[i - 1] != "]":
            break
        group_start = raw.rfind("[", 0, i - 1)
        if group_start < 0 or raw.find("]", group_start, i - 1) >= 0:
            break
        end = group_start
    stable = raw[:end].rstrip()
    if "[" not in stable:
        return stable.strip()
    return check_citations(stable, passages).text


def _clean_rewrite(text: str) -> str | None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return None
    line = re.sub(r"^(standalone question|question)\s*:\s*", "", lines[0], flags=re.I).strip().strip("\"'“”")
    if not line or len(line) > 500 or is_refusal(line):
        return None
    return line


def _status(e: Exception) -> int | None:
    status = getattr(e, "status_code", None)
    return status if isinstance(status, int) else None


def _missing_key(e: Exception) -> bool:
    text = str(e).lower()
    return "missing credentials" in text or ("missing" in text and "api key" in text)


def _retryable(e: Exception) -> bool:
    import openai

    if _missing_key(e):  # reported as a 500 by litellm, but no retry will find a key
        return False
    if isinstance(e, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    status = _status(e)
    if status in _RETRY_STATUS:
        return True
    return status is None and "connection error" in str(e).lower()


def _retry_after(e: Exception) -> float | None:
    headers = getattr(e, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(getattr(e, "response", None), "headers", None)
    try:
        value = headers.get("retry-after") if headers is not None else None
        return max(float(value), 0.0) if value is not None else None
    except (TypeError, ValueError, AttributeError):  # an HTTP date, or something odd: use our backoff
        return None


def _short(e: Exception) -> str:
    """The first line of an error, without litellm's class-name prefixes."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    text = re.sub(r"^(litellm\.\w+:\s*)+", "", text)
    text = re.sub(r"^(\w+Error:\s*)+", "", text)
    return redact(text)[:300]


def _litellm():
    from qa.llm import import_litellm

    return import_litellm()
