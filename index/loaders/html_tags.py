"""What HTML elements mean for the extracted text (index/loaders/html.py walks the page with these): the tags
that make blocks, the ones dropped with their content, navigation known by its class or role, headings, the marks
of self-links, Sphinx API signatures."""

from __future__ import annotations

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "aside",
        "li",
        "ul",
        "ol",
        "table",
        "tr",
        "td",
        "th",
        "br",
        "hr",
        "pre",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "form",
        "fieldset",
        "details",
        "summary",
        "address",
        "center",
        "body",
        "caption",
    ]
)
DROPPED_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "svg",
        "iframe",
        "object",
        "nav",
        "header",
        "footer",
        "button",
        "input",
        "select",
        "textarea",
    ]
)
NOISE_CLASSES = frozenset(
    [
        "related",
        "sphinxsidebar",
        "sphinxsidebarwrapper",
        "footer",
        "header",
        "nav-panel",
        "navheader",
        "navfooter",
        "navigation",
        "breadcrumbs",
        "headerlink",
        "toc",
        "mini-toc",
        "skip-link",
        "viewcode-link",
        "mobile-nav",
        "top-bar",
        "toc-numbered-mokuji",
        "contents-heading",
        "shortcontents",
        "shortcontents-heading",
        "Contents_element",
        "section-toc",
    ]
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
PERMALINKS = frozenset({"¶", "#", "§", "🔗"})  # the marks a heading's self-link shows


def is_noise(el, tag: str) -> bool:
    """Navigation, scripts, sidebars and the like, known from the opening tag (permalinks need their text)."""
    classes = set((el.get("class") or "").split())
    return (
        tag in DROPPED_TAGS
        or bool(classes & NOISE_CLASSES)
        or any(c.startswith("index-") for c in classes)  # Texinfo's index tables: thousands of links
        or el.get("role") == "navigation"
    )


def is_signature(el) -> bool:
    return el.tag == "dt" and "sig" in (el.get("class") or "").split()
