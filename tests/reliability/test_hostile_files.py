"""Files built to hurt the loader: zip bombs posing as .docx, deeply nested HTML. Each is refused with a reason,
in a subprocess whose peak memory (resource.getrusage) and time are measured against loading a normal file."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from reliability_helpers import ROOT

pytestmark = pytest.mark.reliability

# Loads a normal file first (imports, caches), then the hostile one; prints the peak-memory growth it caused.
_MEASURE = """
import json, resource, sys, time
from index.load import load
from qa.errors import LoadError
load(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    doc = load(sys.argv[2])
    outcome, detail = "document", doc.text
except LoadError as e:
    outcome, detail = "refused", str(e)
seconds = time.perf_counter() - started
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"outcome": outcome, "detail": detail[:2000], "seconds": seconds, "grown_mb": grown / 1024}))
"""

HANG_GUARD = 120  # seconds: far above any normal load, so only a runaway parser trips it
MEMORY_BUDGET_MB = 150  # peak growth allowed while refusing a hostile file


def measure(normal: Path, hostile: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(normal), str(hostile)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    assert proc.returncode == 0, f"the loader crashed on {hostile.name}:\n{proc.stderr[-3000:]}"
    result = json.loads(proc.stdout)
    print(
        f"\n{hostile.name} ({hostile.stat().st_size / 1e3:.0f} kB): {result['outcome']} in "
        f"{result['seconds']:.2f} s, peak memory +{result['grown_mb']:.0f} MB: {result['detail'][:120]!r}"
    )
    return result


@pytest.fixture(scope="module")
def normal_docx(tmp_path_factory) -> Path:
    import docx

    path = tmp_path_factory.mktemp("docx") / "normal.docx"
    document = docx.Document()
    document.add_heading("Harbour report", level=1)
    document.add_paragraph("The ferry left the harbour at dawn.")
    document.save(path)
    return path


def _rezip(base: Path, target: Path, document_xml_writer, level: int = 1) -> Path:
    """A copy of a real .docx whose word/document.xml is written by `document_xml_writer(file)`."""
    with (
        zipfile.ZipFile(base) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out,
    ):
        for name in source.namelist():
            if name == "word/document.xml":
                with out.open(name, "w", force_zip64=True) as f:
                    document_xml_writer(f)
            else:
                out.writestr(name, source.read(name))
    return target


_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
)
_TAIL = b"</w:body></w:document>"
_PARA = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"


def _valid_xml(size: int):
    def write(f):
        f.write(_HEAD)
        block, written = _PARA * 20000, len(_HEAD)
        while written < size:
            f.write(block)
            written += len(block)
        f.write(_TAIL)

    return write


def _zeros(size: int):
    def write(f):
        block = b"\0" * (1 << 22)
        for _ in range(size // len(block)):
            f.write(block)

    return write


def test_zip_bomb_of_zeros_is_refused(normal_docx, tmp_path):
    bomb = _rezip(normal_docx, tmp_path / "zeros.docx", _zeros(400 * 1024 * 1024))
    assert bomb.stat().st_size < 3_000_000  # a small file that inflates to 400 MB
    result = measure(normal_docx, bomb)
    assert result["outcome"] == "refused" and "zip bomb" in result["detail"]
    assert result["grown_mb"] < MEMORY_BUDGET_MB


def test_zip_bomb_of_valid_xml_is_refused(normal_docx, tmp_path):
    """190 MB of well-formed paragraphs (under the archive limit) would become a 4 GB parse tree."""
    bomb = _rezip(normal_docx, tmp_path / "paragraphs.docx", _valid_xml(190_000_000), level=9)
    assert bomb.stat().st_size < 2_000_000
    result = measure(normal_docx, bomb)
    assert result["outcome"] == "refused" and "zip bomb" in result["detail"]
    assert result["grown_mb"] < MEMORY_BUDGET_MB


def test_many_short_paragraphs_load_in_bounded_time(normal_docx, tmp_path):
    """A 50 kB .docx of 150,000 one-letter paragraphs took minutes when each paragraph's style was resolved
    by scanning every style; it must load (it is within the limits), well inside the hang guard."""
    crowded = _rezip(normal_docx, tmp_path / "crowded.docx", _valid_xml(5_000_000))
    result = measure(normal_docx, crowded)
    assert result["outcome"] == "document"
    assert result["grown_mb"] < 400


def test_not_a_zip_posing_as_docx_is_refused(normal_docx, tmp_path):
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"PK\x03\x04" + b"\xff" * 5000)
    result = measure(normal_docx, fake)
    assert result["outcome"] == "refused" and "zip" in result["detail"]


@pytest.mark.parametrize(
    "name, html",
    [
        ("closed", "<html><body>" + "<div>" * 100_000 + "deep" + "</div>" * 100_000 + "</body></html>"),
        ("unclosed", "<html><body>" + "<div><span><b>" * 300_000 + "deep"),
        ("table", "<table><tr><td>" * 50_000 + "x"),
        # Deeper than the parser's silent cut-off (255) but shallower than its hard one: text after the
        # deep part used to vanish without an error.
        ("just-too-deep", "<p>before</p>" + "<div>" * 600 + "deep" + "</div>" * 600 + "<p>after</p>"),
    ],
)
def test_deeply_nested_html_is_refused(tmp_path, name, html):
    normal = tmp_path / "normal.html"
    normal.write_text("<html><body><h1>Harbour</h1><p>The ferry left at dawn.</p></body></html>")
    hostile = tmp_path / f"{name}.html"
    hostile.write_text(html)
    result = measure(normal, hostile)
    assert result["outcome"] == "refused" and "nested deeper" in result["detail"]
    assert result["grown_mb"] < MEMORY_BUDGET_MB


def test_nesting_within_the_limit_keeps_all_text(tmp_path):
    """300 levels is unusual but legal: every word survives, none is silently dropped."""
    from index.load import load

    page = tmp_path / "deep-ok.html"
    page.write_text("<p>before</p>" + "<div>" * 300 + "deep" + "</div>" * 300 + "<p>after</p>")
    text = load(page).text
    assert "before" in text and "deep" in text and "after" in text
