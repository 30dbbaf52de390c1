"""litellm, imported on first use, quiet, and without leaving a mark on the caller's environment.

Its price map is fetched at import unless LITELLM_LOCAL_MODEL_COST_MAP=True: the `qa` command sets that for its own
process (qa/cli.py); a library call never changes os.environ, so a program that imports qa decides for itself.
litellm's import sets TIKTOKEN_CACHE_DIR (to its bundled tokenizers, after loading its default encoding): the
caller's value, or its absence, is put back. qa counts tokens itself (index/text.py), from the same files.
"""

from __future__ import annotations

import os
import sys


def import_litellm():
    if "litellm" in sys.modules:
        return sys.modules["litellm"]
    before = os.environ.get("TIKTOKEN_CACHE_DIR")
    try:
        import litellm
        import litellm.litellm_core_utils.default_encoding  # noqa: F401  (imported lazily; it sets the variable)
    finally:
        if before is None:
            os.environ.pop("TIKTOKEN_CACHE_DIR", None)
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = before
    litellm.suppress_debug_info = True
    return litellm
