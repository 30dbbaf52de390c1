"""Secrets out of messages: every error message and log line that may quote a provider's or a server's text
passes through `redact`, so that an API key, a bearer token or a password in a URL is never shown or logged.

Providers echo what they received ("invalid header: Bearer sk-..."), URLs carry `user:password@`, and
exception texts quote request headers; the configured secrets themselves are removed wherever they appear."""

from __future__ import annotations

import re
from collections.abc import Iterable

HIDDEN = "[redacted]"

_PATTERNS = [
    # Authorization: Bearer <token> / Basic <base64> / Token <token>
    (re.compile(r"\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{6,}", re.I), rf"\1\2{HIDDEN}"),
    # api_key=..., "x-api-key": "...", x-chroma-token: ..., password=..., secret: ...
    (
        re.compile(
            r"""\b((?:x-)?api[-_]?key|api[-_]?token|access[-_]?token|x-chroma-token|authorization|"""
            r"""password|passwd|secret|client[-_]?secret)(["']?\s*[:=]\s*["']?)(?!\[redacted\])[^\s"',;&}]{3,}""",
            re.I,
        ),
        rf"\1\2{HIDDEN}",
    ),
    # scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.I), rf"\1{HIDDEN}@"),
    # Keys by their well-known shapes (OpenAI, Anthropic, Google, GitHub, Hugging Face, Slack, AWS).
    (
        re.compile(
            r"\b(?:sk-[A-Za-z0-9_-]{8,}|AIza[0-9A-Za-z_-]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|hf_[A-Za-z0-9]{20,}"
            r"|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})"
        ),
        HIDDEN,
    ),
]


def redact(text: object, secrets: Iterable[str | None] = ()) -> str:
    """`text` with known secrets and anything shaped like a key or token replaced by [redacted]."""
    text = str(text)
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
