"""Library calls leave the caller's environment alone: settings and cache folders travel as arguments."""

from __future__ import annotations

import os

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
