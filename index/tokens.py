"""Token counting with tiktoken, offline: litellm ships the encodings, so nothing is downloaded."""

from __future__ import annotations

import functools
import os


@functools.lru_cache(maxsize=4)
def encoding(name: str = "cl100k_base"):
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        os.environ["TIKTOKEN_CACHE_DIR"] = _litellm_tokenizer_dir()
    import tiktoken

    return tiktoken.get_encoding(name)


def _litellm_tokenizer_dir() -> str:
    import importlib.util

    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return ""
    return os.path.join(list(spec.submodule_search_locations)[0], "litellm_core_utils", "tokenizers")


def count_tokens(text: str) -> int:
    return len(encoding().encode_ordinary(text))


def count_tokens_batch(texts: list[str]) -> list[int]:
    return [len(t) for t in encoding().encode_ordinary_batch(texts, num_threads=2)]
