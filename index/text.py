"""Words and tokens, the one place for each: the stopwords, the stemmer and the content terms that BM25, the
extractive answerer and the citation check compare; clipping text for display; token counts (tiktoken, offline:
litellm ships the cl100k_base encoding file, loaded from its path: no TIKTOKEN_CACHE_DIR, no download).

Sentence segmentation lives in index/sentences.py.
"""

from __future__ import annotations

import functools
import os
import re

_WORD = re.compile(r"\w+")

# Words that carry no evidence; dropping them keeps FTS queries fast on large collections.
_STOPWORDS_TEXT = """a about after also an and any are as at be been before being but by can could did do does doing
during each few for from had has have having he her hers him his how i if in into is it its itself just me more most
my no nor not now of on only or other our ours own same she should so some such than that the their theirs them then
there these they this those to too us was we were what when where which while who whom whose why will with would
you your yours"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def content_terms(text: str) -> list[str]:
    """Lower-cased words without stopwords, crudely stemmed so that "hosts" meets "hosted" (and "said" meets
    "say": the commonest irregular verbs)."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


_IRREGULAR = {
    "said": "say", "says": "say", "told": "tell", "made": "make", "took": "take", "taken": "take", "gave": "give",
    "given": "give", "found": "find", "began": "begin", "begun": "begin", "won": "win", "led": "lead",
    "held": "hold", "built": "build", "wrote": "write", "written": "write", "knew": "know", "known": "know",
    "bought": "buy", "sold": "sell", "paid": "pay", "met": "meet", "chose": "choose", "chosen": "choose",
    "became": "become", "came": "come", "ran": "run", "saw": "see", "seen": "see", "thought": "think",
    "brought": "bring", "spoke": "speak", "spoken": "speak", "grew": "grow", "grown": "grow", "drew": "draw",
    "drawn": "draw", "fought": "fight", "taught": "teach", "sent": "send", "spent": "spend", "lost": "lose",
    "kept": "keep", "felt": "feel", "fell": "fall", "fallen": "fall", "rose": "rise", "risen": "rise",
}  # fmt: skip


def stem(word: str) -> str:
    """The one stemmer: a lower-cased word's irregular base form, or the word less a common suffix."""
    word = _IRREGULAR.get(word, word)  # its base then goes through the same rules: "wrote" meets "write"
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word  # "raise" meets "raised"


def clip(text: str, n: int) -> str:
    """The text on one line, cut to at most n characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


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
    """Token counts of many texts. One call per text: tiktoken's batch call makes a thread-pool future per
    text, and for millions of one-character lines those futures took gigabytes."""
    encode = encoding().encode_ordinary
    return [len(encode(t)) for t in texts]
