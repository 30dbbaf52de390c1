"""Every QA_* setting, what it means, and its effective value with where it came from (`qa settings`).

Secrets (keys, tokens, the UI password) are never shown: only whether they are set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from qa.settings import read_variables


@dataclass(frozen=True)
class SettingInfo:
    name: str
    meaning: str
    default: str
    secret: bool = False


SETTINGS: tuple[SettingInfo, ...] = (
    SettingInfo("QA_HOME", "where the embedded index lives", "~/.local/share/qa ($XDG_DATA_HOME/qa)"),
    SettingInfo("QA_CHROMA_URL", "a Chroma server to use instead of the embedded store", "unset"),
    SettingInfo("QA_CHROMA_TOKEN", "token for that Chroma server (header x-chroma-token)", "unset", True),
    SettingInfo("QA_CHROMA_TENANT", "tenant on that Chroma server", "Chroma's default"),
    SettingInfo("QA_CHROMA_DATABASE", "database on that Chroma server", "Chroma's default"),
    SettingInfo("QA_COLLECTION", "collection name", "default"),
    SettingInfo("QA_MODEL", "answering model: 'extractive' or a litellm model string", "extractive"),
    SettingInfo("QA_API_BASE", "base URL of an OpenAI-compatible server, passed to litellm", "unset"),
    SettingInfo("QA_API_KEY", "API key passed to litellm", "unset", True),
    SettingInfo("QA_EMBED_MODEL", "sentence-transformers model name or path", "all-MiniLM-L6-v2 (packaged)"),
    SettingInfo("QA_EMBED_BACKEND", "embedding runtime: onnx or torch", "onnx"),
    SettingInfo("QA_EMBED_THREADS", "ONNX Runtime threads", "all cores"),
    SettingInfo("QA_CACHE_DIR", "where the ONNX export of the embedding model is kept", "~/.cache/qa"),
    SettingInfo("QA_TOP_K", "passages put in front of the model", "5"),
    SettingInfo("QA_TIMEOUT", "seconds for one model call", "60"),
    SettingInfo("QA_MAX_FILE_MB", "larger files are refused, with the limit named", "50"),
    SettingInfo("QA_UI_AUTH", "user:password turns on the chat page's login", "unset", True),
    SettingInfo(
        "QA_UI_MODELS", "more models (comma-separated) the chat page may pick, after QA_MODEL", "unset"
    ),
    SettingInfo("QA_SERVE_KEY", "bearer key of qa ui's OpenAI-compatible API (/v1)", "unset", True),
)


@dataclass(frozen=True)
class EffectiveSetting:
    info: SettingInfo
    value: str  # as shown: "set" for a secret
    origin: str  # "environment", ".env" or "default"


def effective_settings(env_file: str | os.PathLike | None = ".env") -> list[EffectiveSetting]:
    """Each setting's value as the next command would see it, read as qa.settings reads it."""
    variables = read_variables(env_file)
    rows = []
    for info in SETTINGS:
        value, origin = variables.get(info.name, ("", "default"))
        if not value:  # unset, or set empty (which leaves the default too)
            rows.append(EffectiveSetting(info, info.default, "default"))
        else:
            rows.append(EffectiveSetting(info, "set (hidden)" if info.secret else value, origin))
    return rows


def settings_text(env_file: str | os.PathLike | None = ".env") -> str:
    rows = effective_settings(env_file)
    name_w = max(len(r.info.name) for r in rows)
    value_w = min(max(len(r.value) for r in rows), 48)
    lines = [f"{'setting'.ljust(name_w)}  {'value'.ljust(value_w)}  from         meaning"]
    for r in rows:
        lines.append(
            f"{r.info.name.ljust(name_w)}  {r.value.ljust(value_w)}  {r.origin:<11}  {r.info.meaning}"
        )
    lines.append("Command-line flags (--collection, --model, --top-k) override these for one command.")
    return "\n".join(lines)
