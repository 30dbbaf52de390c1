"""litellm, imported on first use, quiet, and without leaving a mark on the caller's environment.

litellm fetches its price map from GitHub when imported unless LITELLM_LOCAL_MODEL_COST_MAP=True, and it reads
that variable nowhere else (litellm 1.x has no other switch for it). So the import runs with the variable set to
True when the caller has not set it, and it is removed again afterwards: Python users of qa get the bundled map,
as the `qa` command does, and a library call still leaves os.environ as it found it. A caller's own value wins.
litellm's import sets TIKTOKEN_CACHE_DIR (to its bundled tokenizers, after loading its default encoding): the
caller's value, or its absence, is put back. qa counts tokens itself (index/text.py), from the same files.
"""

from __future__ import annotations

import os
import sys

LOCAL_COST_MAP = "LITELLM_LOCAL_MODEL_COST_MAP"


def import_litellm():
    if "litellm" in sys.modules:
        return sys.modules["litellm"]
    before = {name: os.environ.get(name) for name in ("TIKTOKEN_CACHE_DIR", LOCAL_COST_MAP)}
    os.environ.setdefault(LOCAL_COST_MAP, "True")
    try:
        import litellm
        import litellm.litellm_core_utils.default_encoding  # noqa: F401  (imported lazily; it sets the variable)
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    litellm.suppress_debug_info = True
    return litellm
