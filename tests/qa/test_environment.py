"""Library calls leave the caller's environment alone: settings and cache folders travel as arguments."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from llm_server import Reply

import qa


def test_index_and_ask_leave_os_environ_as_they_found_it(qa_home, seed_dir, llm):
    before = dict(os.environ)
    report = qa.index([seed_dir])
    assert report.chunks_total > 0
    assert dict(os.environ) == before
    answer = qa.ask("Who is Donald Trump's national security adviser?")
    assert answer.citations and dict(os.environ) == before
    llm.script(Reply("Mike Waltz is the adviser [1]."))
    settings = qa.load_settings(env_file=None).with_overrides(
        model="openai/test-model", api_base=llm.api_base, api_key="test", timeout=2
    )
    pieces = list(qa.ask_stream("Who is the national security adviser?", settings=settings))
    assert isinstance(pieces[-1], qa.Answer)
    qa.sources()
    qa.remove(["*"])
    assert dict(os.environ) == before


def test_litellm_is_imported_with_its_bundled_price_map_and_the_environment_is_put_back():
    """Python users of qa get what the `qa` command gets (no fetch of litellm's price map at import), while the
    variable that asks for it is set only for the import."""
    script = (
        "import json, os\n"
        "from qa.llm import import_litellm\n"
        "import_litellm()\n"
        "from litellm.litellm_core_utils.get_model_cost_map import get_model_cost_map_source_info as info\n"
        "print(json.dumps({**info(), 'left': 'LITELLM_LOCAL_MODEL_COST_MAP' in os.environ}))\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LITELLM_LOCAL_MODEL_COST_MAP", "LITELLM_OFFLINE_MODE")
    }
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.splitlines()[-1])
    assert (seen["source"], seen["is_env_forced"], seen["fallback_reason"]) == ("local", True, None)
    assert seen["left"] is False
