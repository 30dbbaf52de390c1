"""Token counting with tiktoken, offline: litellm ships the cl100k_base encoding file, which is loaded from
its path (no TIKTOKEN_CACHE_DIR, no download, os.environ untouched)."""

from __future__ import annotations

import functools
import os

# tiktoken_ext.openai_public's definition of cl100k_base, with the ranks read from a local file.
_CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
_CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|"""
    r"""\s+(?!\S)|\s"""
)
_CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


@functools.lru_cache(maxsize=1)
def encoding():
    """cl100k_base, from litellm's bundled copy when present (tiktoken caches files under the sha1 of the URL)."""
    import hashlib

    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    local = os.path.join(_litellm_tokenizer_dir(), hashlib.sha1(_CL100K_URL.encode()).hexdigest())
    if not os.path.isfile(local):
        return tiktoken.get_encoding("cl100k_base")  # tiktoken's own cache, or a download
    ranks = load_tiktoken_bpe(local, expected_hash=_CL100K_SHA256)
    return tiktoken.Encoding(
        name="cl100k_base", pat_str=_CL100K_PATTERN, mergeable_ranks=ranks, special_tokens=_CL100K_SPECIAL
    )


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
