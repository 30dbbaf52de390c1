"""Each format gives clean text with structure: no markup, whitespace right, section paths and block kinds.

The samples are small but shaped like real documentation (Sphinx RST, Sphinx and Texinfo HTML, README Markdown,
a typeset PDF with running headers)."""

from __future__ import annotations

from pathlib import Path

from index.chunk import chunk_document
from index.load import load
from index.loaders import is_supported
from index.sentences import sentence_spans

MARKUP = (":func:", ":class:", ":meth:", ".. ", "====", "----", "¶", "**", "``", "</", "##")

RST = """\
:mod:`json` --- JSON encoder and decoder
========================================

.. module:: json
   :synopsis: Encode and decode the JSON format.

.. moduleauthor:: Bob Ippolito <bob@redivi.com>

.. index:: single: JSON

:mod:`json` exposes an API familiar to users of the standard library
:mod:`marshal` and :mod:`pickle` modules.  See :ref:`the table <json-to-py-table>`
and :func:`os.chdir`, :class:`~collections.abc.Mapping` and ``literal`` text, e.g. |version|.

.. toctree::
   :maxdepth: 2

   other

Basic Usage
-----------

.. function:: loads(s, *, cls=None, \\
                    object_hook=None)

   Deserialize *s* (a :class:`str` instance containing a JSON document) to a
   Python object.

   If the data being deserialized is not a valid JSON document, a
   :exc:`JSONDecodeError` will be raised.

   .. versionchanged:: 3.6
      *s* can now be of type :class:`bytes`.

   .. versionadded:: 3.2

   .. note::

      Keys are always strings.

   Example::

       >>> json.loads('[1]')
       [1]

.. method:: str.partition(sep)

   Split the string at the first occurrence of *sep*, and return a 3-tuple.

.. class:: JSONDecoder(*, strict=True)

   Simple JSON decoder.

   .. method:: decode(s)

      Return the Python representation of *s*.

.. _json-to-py-table:

+---------+--------+
| JSON    | Python |
+=========+========+
| object  | dict   |
+---------+--------+
| array   | list   |
+---------+--------+

.. code-block:: python

   import json
   json.dumps([1, 2])

.. unknowndirective:: with an argument

   Its body text stays readable.

Text with an :unknownrole:`odd role` in it.

..
   A comment that never reaches the index.
"""


def _chunks(doc) -> list:
    chunks = chunk_document(doc)
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
    return chunks


def _kinds(doc) -> dict[str, str]:
    return {doc.text[b.start : b.end]: b.kind for b in doc.blocks}


def test_rst_roles_render_as_the_words_a_reader_sees(tmp_path):
    path = tmp_path / "json.rst"
    path.write_text(RST, encoding="utf-8")
    doc = load(path)
    assert doc.title == "json --- JSON encoder and decoder"
    assert (
        "json exposes an API familiar to users of the standard library marshal and pickle modules."
        in doc.text
    )
    assert "See the table and os.chdir(), Mapping and literal text, e.g." in doc.text
    assert "Text with an odd role in it." in doc.text
    assert "Its body text stays readable." in doc.text
    for noise in ("synopsis", "Ippolito", "single: JSON", "maxdepth", "other\n", "comment", "|version|"):
        assert noise not in doc.text, noise
    for markup in MARKUP:
        assert markup not in doc.text, markup


def test_rst_descriptions_head_sections_and_version_notes_are_prose(tmp_path):
    path = tmp_path / "json.rst"
    path.write_text(RST, encoding="utf-8")
    doc = load(path)
    kinds = _kinds(doc)
    assert kinds["json.loads(s, *, cls=None, object_hook=None)"] == "heading"
    assert kinds["str.partition(sep)"] == "heading"
    assert kinds["class json.JSONDecoder(*, strict=True)"] == "heading"
    assert kinds["Changed in version 3.6: s can now be of type bytes."] == "prose"
    assert kinds["New in version 3.2."] == "prose"
    assert kinds["Note: Keys are always strings."] == "prose"
    assert kinds["    >>> json.loads('[1]')\n    [1]"] == "code"
    assert kinds["    import json\n    json.dumps([1, 2])"] == "code"
    assert kinds["JSON | Python\nobject | dict\narray | list"] == "table"
    paths = {s.heading for s in doc.sections}
    assert {
        "json --- JSON encoder and decoder > Basic Usage > json.loads",
        "json --- JSON encoder and decoder > Basic Usage > str.partition",
        "json --- JSON encoder and decoder > Basic Usage > json.JSONDecoder > json.JSONDecoder.decode",
    } <= paths
    chunks = _chunks(doc)
    raised = next(c for c in chunks if "JSONDecodeError will be raised" in c.text)
    assert raised.heading == "json --- JSON encoder and decoder > Basic Usage > json.loads"
    sentence = next(raised.text[s:e] for s, e in sentence_spans(raised.text) if "raised" in raised.text[s:e])
    assert (
        sentence
        == "If the data being deserialized is not a valid JSON document, a JSONDecodeError will be raised."
    )
    partition = next(c for c in chunks if "3-tuple" in c.text)
    assert partition.heading.endswith("> str.partition")
    assert "Simple JSON decoder" not in partition.text  # the next description is another section
    # After the class, the table sits under "Basic Usage" again.
    assert (
        doc.section_at(doc.text.index("JSON | Python")).heading
        == "json --- JSON encoder and decoder > Basic Usage"
    )


def test_broken_rst_still_loads(tmp_path):
    path = tmp_path / "broken.rst"
    path.write_text(
        "Title\n===\n\n:func:`unclosed and *emphasis\n\n.. function::\n\n.. note::\n", encoding="utf-8"
    )
    doc = load(path)
    assert "Title" in doc.text and "unclosed" in doc.text


def test_sphinx_sources_are_rst():
    assert is_supported(Path("library/json.rst.txt")) and is_supported(Path("a.rst"))
    assert not is_supported(Path("notes.rst.bak")) and not is_supported(Path(".rst"))


HTML = """<!DOCTYPE html><html><head><title>heapq — Heap queue</title>
<script>var hidden = 'do not index';</script><style>p {color: red}</style></head><body>
<div class="related" role="navigation"><ul><li><a href="index.html">index</a></li><li>next</li></ul></div>
<nav class="menu"><a href="/">Home</a></nav>
<header><p>Site header</p></header>
<div class="body" role="main">
<section id="heapq"><h1><code>heapq</code> — Heap queue algorithm<a class="headerlink" href="#heapq">¶</a></h1>
<p>If the heap is empty, <a class="reference" href="#x"><code class="xref py py-exc">IndexError</code></a>
is raised. The <em>mode</em> parameter takes a <code>bytes</code>
object, and <b>returns</b> <i>nothing</i>.</p>
<dl class="py function"><dt class="sig sig-object py" id="heapq.heappush">
<span class="sig-prename">heapq.</span><span class="sig-name">heappush</span>(<em>heap</em>, <em>item</em>)<a class="headerlink" href="#heapq.heappush">¶</a></dt>
<dd><p>Push the value <em>item</em> onto the <em>heap</em>, maintaining the heap invariant.</p>
<div class="admonition note"><p class="admonition-title">Note</p><p>The heap is a list.</p></div>
</dd></dl>
<h2>Basic Examples<a class="headerlink" href="#ex">¶</a></h2>
<div class="highlight"><pre><span>&gt;&gt;&gt; </span>heappush(h, (5, 'write code'))
<span>&gt;&gt;&gt; </span>heappop(h)
</pre></div>
<ul><li>First <strong>item</strong>, with text.</li><li>Second item<ul><li>Nested item</li></ul></li></ul>
<table><tr><th>Level</th><th>Value</th></tr><tr><td>DEBUG</td><td>10</td></tr></table>
</section></div>
<div class="footer">© Copyright 2001 Python Software Foundation.</div>
</body></html>"""


def test_html_inline_elements_keep_the_spaces_of_the_source(tmp_path):
    path = tmp_path / "heapq.html"
    path.write_text(HTML, encoding="utf-8")
    doc = load(path)
    assert doc.title == "heapq — Heap queue"
    assert (
        "If the heap is empty, IndexError is raised. The mode parameter takes a bytes object, and returns nothing."
        in doc.text
    )
    for noise in ("do not index", "color", "index\n", "Home", "Site header", "Copyright", "¶"):
        assert noise not in doc.text, noise
    assert " ." not in doc.text and " ," not in doc.text


def test_html_blocks_and_sections(tmp_path):
    path = tmp_path / "heapq.html"
    path.write_text(HTML, encoding="utf-8")
    doc = load(path)
    kinds = _kinds(doc)
    assert kinds["heapq — Heap queue algorithm"] == "heading"
    assert kinds["heapq.heappush(heap, item)"] == "heading"
    assert kinds["Note: The heap is a list."] == "prose"
    assert kinds["    >>> heappush(h, (5, 'write code'))\n    >>> heappop(h)"] == "code"
    assert kinds["- First item, with text.\n- Second item\n  - Nested item"] == "list"
    assert kinds["Level | Value\nDEBUG | 10"] == "table"
    assert (
        doc.section_at(doc.text.index("Push the value")).heading
        == "heapq — Heap queue algorithm > heapq.heappush"
    )
    assert doc.section_at(doc.text.index("DEBUG")).heading == "heapq — Heap queue algorithm > Basic Examples"
    kinds_of_chunks = {c.kind for c in _chunks(doc)}
    assert "prose" in kinds_of_chunks


MARKDOWN = """\
# httpx <img src="badge.svg">

[![Build](https://x/badge.svg)](https://x) HTTPX is a **fully featured** HTTP client for
Python 3, with `sync` and *async* APIs.

## Install

Install it with pip:

```shell
$ pip install httpx
```

| Feature | Supported |
| ------- | --------- |
| HTTP/2  | yes       |

1. First step
2. Second step, see [the docs](https://www.python-httpx.org/).

<p align="center"><em>Made with care</em></p>
"""


def test_markdown_is_rendered_to_clean_text(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = load(path)
    assert doc.title == "httpx"
    assert "HTTPX is a fully featured HTTP client for Python 3, with sync and async APIs." in doc.text
    assert "Build" not in doc.text and "badge" not in doc.text and "](" not in doc.text
    for markup in ("**", "`", "```", "| ---", "#", "<p"):
        assert markup not in doc.text, markup
    kinds = _kinds(doc)
    assert kinds["    $ pip install httpx"] == "code"
    assert kinds["Feature | Supported\nHTTP/2 | yes"] == "table"
    assert kinds["1. First step\n2. Second step, see the docs."] == "list"
    assert kinds["Made with care"] == "prose"
    assert doc.section_at(doc.text.index("pip install")).heading == "httpx > Install"


def test_html_parsed_in_pieces_keeps_every_word_and_space(tmp_path):
    """The page is parsed 64 KB at a time and each element handled as it closes: text and tails cut by a
    piece's end are read whole, inline boundaries keep their spaces, and the tree is freed as it goes."""
    path = tmp_path / "long.html"
    unit = "<b>alpha</b> <i>beta</i> gam<!-- c -->ma <code>delta</code>, "
    path.write_text(
        "<html><head><title>Long page</title></head><body><h1>Top</h1>"
        + "".join(f"<p>{unit * 7}</p><ul><li>item {n}</li></ul>" for n in range(2000))
        + "</body></html>"
    )
    assert path.stat().st_size > 5 * 65536
    doc = load(path)
    paragraph = ("alpha beta gamma delta, " * 7).strip()
    assert doc.title == "Long page"
    assert doc.text.count(paragraph) == 2000
    assert doc.text.count("\n- item ") == 2000 and "- item 1999" in doc.text
    assert [b.kind for b in doc.blocks[:3]] == ["heading", "prose", "list"]
    assert doc.section_at(len(doc.text) - 1).heading == "Top"


def test_long_paragraphs_and_code_are_worked_in_windows_with_the_same_text():
    """one_line and code_text work a 64 KB window at a time past that size; the text is what the one-piece
    definitions give (a window edge inside a word, a run of spaces, a CRLF, an indent)."""
    import textwrap

    from index.loaders.builder import CODE_INDENT, code_text, one_line

    words = "".join(f"word{i}{' ' * (i % 5 + 1)}{chr(10) if i % 7 == 0 else ''}" for i in range(40_000))
    assert len(words) > 4 * 65536
    assert one_line(words) == " ".join(words.split())
    code = "".join(
        f"{' ' * (4 + 4 * (i % 3))}line {i}\t=\t{i}\r\n{'   ' if i % 11 == 0 else ''}\n"
        for i in range(20_000)
    )
    assert len(code) > 4 * 65536
    lines = textwrap.dedent(code.expandtabs(4)).strip("\n").splitlines()
    assert code_text(code) == "\n".join((CODE_INDENT + line).rstrip() for line in lines)
    assert code_text(code).startswith(CODE_INDENT + "line 0 ")  # the common 4-space indent removed


def _make_pdf(path: Path, pages: list[list[str]]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle("Ferry Manual")
    for number, lines in enumerate(pages, start=1):
        pdf.drawString(72, 800, f"Chapter 1: Ferries {number + 4}")  # running header with the printed number
        y = 770
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.drawString(72, 40, "Harbour Company Confidential")  # running footer
        pdf.drawString(500, 40, str(number + 4))
        pdf.showPage()
    pdf.save()


def test_pdf_paragraphs_hyphenation_and_running_lines(tmp_path):
    path = tmp_path / "manual.pdf"
    body = [
        "The harbour ferry leaves the northern pier every morning at seven and re-",
        "turns in the evening, weather permitting, with a stop at the old lighthouse",
        "on the island.",
        "Tickets are sold on board.",
    ]
    _make_pdf(path, [body, ["Timetables", *body[:3]], body])
    doc = load(path)
    assert doc.title == "Ferry Manual"
    assert "Chapter 1" not in doc.text and "Confidential" not in doc.text
    assert not any(line.strip().isdigit() for line in doc.text.splitlines())
    paragraph = (
        "The harbour ferry leaves the northern pier every morning at seven and returns in the evening, "
        "weather permitting, with a stop at the old lighthouse on the island."
    )
    assert doc.text.count(paragraph) == 3
    assert "Tickets are sold on board." in doc.text
    chunks = _chunks(doc)
    assert {c.page for c in chunks} == {1, 2, 3}
    assert next(c for c in chunks if c.page == 2).heading == "Timetables"


def test_pdf_whose_compressed_text_expands_far_beyond_its_size_is_refused(tmp_path):
    """A few KB on disk, over a million characters of text (or thousands of lines): refused at the caps,
    which are lowered here so the test stays fast (the defaults are 25 million characters, 2 million lines)."""
    import pytest
    from reportlab.pdfgen import canvas

    from index.errors import LoadError
    from index.loaders.pdf import load_pdf

    path = tmp_path / "expanding.pdf"
    pdf = canvas.Canvas(str(path), pageCompression=1)
    for _ in range(2):
        pdf.drawString(72, 800, "ferry " * 100_000)  # 600,000 characters in one compressed line
        for y in range(0, 780, 1):
            pdf.drawString(72, y, "a")  # and 780 one-letter lines
        pdf.showPage()
    pdf.save()
    assert path.stat().st_size < 30_000
    with pytest.raises(LoadError, match="refusing PDF: its text passes 1,000,000 characters"):
        load_pdf(path, 50_000_000, max_chars=1_000_000)
    with pytest.raises(LoadError, match="or 1,000 lines by page 2"):
        load_pdf(path, 50_000_000, max_lines=1_000)
    assert len(load_pdf(path, 50_000_000).text) > 1_200_000  # under the default caps it loads


def test_docx_lists_tables_and_headings_in_body_order(tmp_path):
    import docx

    path = tmp_path / "ferries.docx"
    document = docx.Document()
    document.add_heading("Ferries", level=1)
    document.add_paragraph("The ferry leaves at noon.")
    document.add_paragraph("Bring a ticket", style="List Bullet")
    document.add_paragraph("Bring a coat", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Route", "Minutes"), ("North", "40")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    document.add_heading("Tickets", level=2)
    document.add_paragraph("Tickets cost five euros.")
    document.save(str(path))
    doc = load(path)
    assert doc.text == (
        "Ferries\n\nThe ferry leaves at noon.\n\n- Bring a ticket\n- Bring a coat\n\nRoute | Minutes\nNorth | 40"
        "\n\nTickets\n\nTickets cost five euros."
    )
    assert [b.kind for b in doc.blocks] == ["heading", "prose", "list", "table", "heading", "prose"]
    assert doc.section_at(doc.text.index("five")).heading == "Ferries > Tickets"
