"""Does a hosted model have its API key? Checked before any retrieval or model call, without importing
litellm (which takes seconds), so that a missing key is reported at once."""

from __future__ import annotations

import os
from collections.abc import Mapping

from qa.errors import ModelError

# litellm provider prefix -> the environment variables litellm reads its key from (any one will do).
PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "groq": ("GROQ_API_KEY",),
    "mistral": ("MISTRAL_API_KEY",),
    "cohere": ("COHERE_API_KEY",),
    "cohere_chat": ("COHERE_API_KEY",),
    "deepseek": ("DEEPSEEK_API_KEY",),
    "openrouter": ("OPENROUTER_API_KEY",),
    "xai": ("XAI_API_KEY",),
    "together_ai": ("TOGETHERAI_API_KEY", "TOGETHER_API_KEY"),
    "fireworks_ai": ("FIREWORKS_AI_API_KEY", "FIREWORKS_API_KEY"),
}
# Model names litellm sends to a provider without a prefix.
BARE_PREFIXES = {"gpt-": "openai", "o1": "openai", "o3": "openai", "o4": "openai", "chatgpt-": "openai",
                 "claude-": "anthropic", "command-": "cohere"}  # fmt: skip


def provider_of(model: str) -> str | None:
    prefix, slash, _ = model.partition("/")
    if slash:
        return prefix
    return next((p for bare, p in BARE_PREFIXES.items() if model.startswith(bare)), None)


def check_model_key(settings, environ: Mapping[str, str] | None = None) -> None:
    """Raise ModelError when `settings.model` is a hosted model whose key is set nowhere.

    QA_API_KEY counts for every provider; with QA_API_BASE (a local or self-hosted server) no key is needed.
    Providers not in the table (Ollama, vLLM, ...) are not checked here: the model call reports them."""
    environ = os.environ if environ is None else environ
    if settings.api_key or settings.api_base:
        return
    provider = provider_of(settings.model)
    names = PROVIDER_KEYS.get(provider or "")
    if not names or any(environ.get(n) for n in names):
        return
    raise ModelError(
        f"The model '{settings.model}' needs an API key and none is set: set QA_API_KEY (or "
        f"{' or '.join(names)}), or use the offline answerer: --model extractive."
    )
