"""Markup and script in an indexed document, retrieved and cited for real, reach the chat page as text only:
the rendered HTML holds no element, attribute or URL that the document brought in. (The browser test in
tests/ui checks the same in Chromium; this one checks every field the page renders, on the real answer.)"""

from __future__ import annotations

import pytest

import qa

pytestmark = pytest.mark.reliability

PAYLOADS = [
    "<script>window.pwned = 1</script>",
    '<img src=x onerror="window.pwned = 2">',
    '<a href="javascript:window.pwned = 3">click</a>',
    "<iframe srcdoc='<script>parent.pwned = 4</script>'></iframe>",
    "${window.pwned = 5} {{7*7}} `backtick`",
    '"><svg onload="window.pwned = 6">',
]


def test_hostile_markup_in_documents_renders_as_text(qa_home, tmp_path):
    import lxml.html

    from ui.render import Turn, conversation_html, sources_html

    docs = tmp_path / 'docs"><img src=x onerror=alert(1)>'  # the folder name is shown too
    docs.mkdir()
    body = " ".join(f"The lantern keeper wrote {p} in the harbour log." for p in PAYLOADS)
    (docs / "<b>log<b>.txt").write_text(
        f"The lantern keeper kept the harbour log. {body}\n", encoding="utf-8"
    )
    (docs / "page.md").write_text(f"# Lantern <script>x()</script>\n\nThe lantern keeper {PAYLOADS[1]}.\n")
    qa.index([docs])
    answer = qa.ask("What did the lantern keeper write in the harbour log?")
    assert answer.citations, answer.text
    html = conversation_html([Turn(answer.question, answer)]) + sources_html([Turn(answer.question, answer)])

    tree = lxml.html.fromstring(f"<div>{html}</div>")
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("script", "img", "iframe", "svg", "object", "embed"), element.tag
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert not value.strip().lower().startswith("javascript:"), (element.tag, name, value)
    text = tree.text_content()
    assert "window.pwned" in text  # shown, as text
    assert "${" not in html and "{{" not in html  # template syntax is escaped as well
