"""Sphinx's roles and directives for docutils, rendered as the words a reader sees.

docutils knows plain reStructuredText; documentation is written for Sphinx. Without these, `:func:`os.chdir``
and `.. method:: str.partition(sep)` are parse errors. Roles become the text Sphinx shows (`os.chdir()`); object
descriptions become `desc` nodes (a signature that heads its own section); version notes become prose; noise
(toctree, index, authors) is dropped. Names found in a document that nobody registered get generic fallbacks, so
an unknown role or directive never loses the text or breaks the parse.
"""

from __future__ import annotations

import re

from docutils import nodes, utils
from docutils.parsers.rst import Directive, directives, roles


class desc(nodes.Element):  # noqa: N801 - docutils names node classes in lower case
    """An API object: attributes `objtype` and `signatures`; children: its description."""


class module_marker(nodes.Element):  # noqa: N801
    """`.. module:: json` / `.. currentmodule::`: names after it are qualified with `name`."""


class labelled(nodes.Element):  # noqa: N801
    """A block whose first paragraph reads "`label`: ..." (seealso, impl-detail, availability)."""


# Object descriptions (any domain: "c:function" is looked up as "function").
DESC_TYPES = frozenset(
    [
        "function",
        "method",
        "classmethod",
        "staticmethod",
        "class",
        "exception",
        "attribute",
        "data",
        "decorator",
        "decoratormethod",
        "coroutinefunction",
        "coroutinemethod",
        "awaitablefunction",
        "awaitablemethod",
        "abstractmethod",
        "property",
        "opcode",
        "cmdoption",
        "option",
        "envvar",
        "describe",
        "object",
        "pdbcommand",
        "2to3fixer",
        "member",
        "macro",
        "type",
        "var",
        "struct",
        "union",
        "enum",
        "enumerator",
        "monitoring-event",
    ]
)
DROPPED = frozenset(
    [
        "toctree",
        "index",
        "moduleauthor",
        "sectionauthor",
        "codeauthor",
        "highlight",
        "tabularcolumns",
        "literalinclude",
        "include",
        "testsetup",
        "testcleanup",
        "program",
        "raw",
        "audit-event-table",
        "miscnews",
        "limited-api-list",
        "rst-class",
        "cssclass",
        "default-domain",
        "default-role",
        "role",
        "autosummary",
        "automodule",
        "autoclass",
        "autofunction",
        "contents",
    ]
)
CODE = frozenset(["code", "code-block", "sourcecode", "doctest", "testcode", "testoutput", "productionlist"])
LABELS = {
    "seealso": "See also",
    "impl-detail": "CPython implementation detail",
    "availability": "Availability",
}
VERSION_LABELS = {
    "versionadded": "New in version {0}",
    "versionchanged": "Changed in version {0}",
    "deprecated": "Deprecated since version {0}",
    "deprecated-removed": "Deprecated since version {0}, will be removed in version {1}",
}
CALLABLE_ROLES = frozenset({"func", "meth"})
_CONTINUATION = re.compile(r"\\\n\s*")
_TITLE_TARGET = re.compile(r"^(.+?)\s*<([^<>]+)>$", re.S)
_DIRECTIVE_NAME = re.compile(r"^[ \t]*\.\.[ \t]+([A-Za-z][\w:.+-]*)::", re.M)
_ROLE_NAME = re.compile(r"(?<![\w`]):([A-Za-z][\w.+-]*(?::[A-Za-z][\w.+-]*)?):`")
# docutils' own names that mean the same in Sphinx documents (kept: docutils renders them well).
_NATIVE_DIRECTIVES = frozenset(
    [
        "note",
        "warning",
        "attention",
        "caution",
        "danger",
        "error",
        "hint",
        "important",
        "tip",
        "admonition",
        "topic",
        "sidebar",
        "rubric",
        "epigraph",
        "highlights",
        "pull-quote",
        "compound",
        "container",
        "table",
        "csv-table",
        "list-table",
        "image",
        "figure",
        "math",
        "parsed-literal",
        "line-block",
        "replace",
        "unicode",
        "date",
        "class",
        "title",
        "meta",
        "sectnum",
        "header",
        "footer",
    ]
)
_NATIVE_ROLES = frozenset(
    [
        "code",
        "emphasis",
        "strong",
        "literal",
        "math",
        "sub",
        "sup",
        "subscript",
        "superscript",
        "title-reference",
        "t",
        "title",
        "abbreviation",
    ]
)


class _AnyOptions(dict):
    """Every option is accepted and ignored: Sphinx directives have many (`:noindex:`, `:synopsis:`, ...)."""

    def __missing__(self, key):
        return directives.unchanged

    def __bool__(self):  # docutils parses options only when a directive declares some
        return True


class _Description(Directive):
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        argument = _CONTINUATION.sub(
            " ", self.arguments[0] if self.arguments else ""
        )  # "a, \\\n b" is one line
        signatures = [s.strip() for s in argument.splitlines() if s.strip()]
        node = desc(objtype=self.name.split(":")[-1], signatures=signatures)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class _Module(Directive):
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        name = self.arguments[0].strip() if self.arguments else ""
        return [module_marker(name="" if name == "None" else name)]


class _Dropped(Directive):
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        return []


class _Code(Directive):
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        text = "\n".join(self.content)
        return [nodes.literal_block(text, text)] if text.strip() else []


class _Version(Directive):
    required_arguments = 1
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        label_format = VERSION_LABELS[self.name]
        words = self.arguments[0].split(None, label_format.count("{"))
        versions, explanation = words[: label_format.count("{")], " ".join(words[label_format.count("{") :])
        if len(self.arguments) > 1:
            explanation = f"{explanation} {self.arguments[1]}".strip()
        label = label_format.format(*versions, *([""] * 2))
        return _labelled_body(self, label, explanation)


class _Labelled(Directive):
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        return _labelled_body(self, LABELS[self.name], self.arguments[0] if self.arguments else "")


class _Generic(Directive):
    """An unknown directive: its content is kept as body text, its arguments (often names, paths) dropped."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        node = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node] if len(node) else []


def _labelled_body(directive: Directive, label: str, inline: str) -> list[nodes.Node]:
    if not inline.strip() and not directive.content:
        return [nodes.paragraph("", f"{label}.")]  # "New in version 3.2."
    node = labelled(label=label)
    if inline.strip():
        text_nodes, messages = directive.state.inline_text(inline, directive.lineno)
        node += nodes.paragraph("", "", *text_nodes)
        node += messages
    directive.state.nested_parse(directive.content, directive.content_offset, node)
    return [node]


def _audit_event(name, arguments, content, options, lineno, content_offset, block_text, state, state_machine):
    event, _, rest = (arguments[0] if arguments else "").partition(" ")
    args = [a.strip() for a in rest.split()[0].split(",") if a.strip()] if rest.split() else []
    said = f"Raises an auditing event {event}" + (
        f" with argument{'s' if len(args) > 1 else ''} {', '.join(args)}." if args else " with no arguments."
    )
    return [nodes.paragraph(said, said)]


_audit_event.arguments = (1, 1, True)
_audit_event.content = True
_audit_event.options = _AnyOptions()


def reference_text(role: str, text: str) -> str:
    """What Sphinx shows for a cross-reference role: `~a.B` -> B, `title <target>` -> title, func -> name()."""
    text = utils.unescape(text)
    match = _TITLE_TARGET.match(text)
    if match and role not in ("samp", "kbd", "code"):
        return match.group(1)
    target = text.lstrip("!")
    if target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    target = target.lstrip(".")
    if role in CALLABLE_ROLES and not target.endswith(")"):
        target += "()"
    elif role in ("pep", "rfc"):
        target = f"{role.upper()} {target.split('#')[0]}"
    elif role == "issue":
        target = f"bpo-{target}"
    elif role == "gh":
        target = f"gh-{target}"
    elif role == "abbr":
        target = target.split(" (", 1)[0]
    elif role == "ref":
        target = target.rsplit(":", 1)[-1].replace("-", " ").replace("_", " ")
    elif role == "doc":
        target = target.rstrip("/").rsplit("/", 1)[-1]
    elif role == "menuselection":
        target = target.replace("-->", ">")
    elif role == "guilabel":
        target = target.replace("&", "")
    elif role == "samp":
        target = target.replace("{", "").replace("}", "")
    return target


def _reference_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    shown = reference_text(name.lower().split(":")[-1], text)
    return [nodes.literal(rawtext, shown)], []


_registered = False


def register(text: str) -> None:
    """Make docutils understand a document's Sphinx names (once for the known ones, then any new ones it uses)."""
    global _registered
    if not _registered:
        for name in DESC_TYPES:
            directives.register_directive(name, _Description)
        for name in ("module", "currentmodule"):
            directives.register_directive(name, _Module)
        for name in DROPPED:
            directives.register_directive(name, _Dropped)
        for name in CODE:
            directives.register_directive(name, _Code)
        for name in VERSION_LABELS:
            directives.register_directive(name, _Version)
        for name in LABELS:
            directives.register_directive(name, _Labelled)
        directives.register_directive("audit-event", _audit_event)
        for name in ("only", "glossary", "hlist", "centered", "tabs", "tab", "versionmodified"):
            directives.register_directive(name, _Generic)
        _registered = True
    for name in {n.lower() for n in _DIRECTIVE_NAME.findall(text)}:
        if name in _NATIVE_DIRECTIVES or name in directives._directives:
            continue
        last = name.split(":")[-1]
        if last in DESC_TYPES:
            directives.register_directive(name, _Description)
        elif last in DROPPED:
            directives.register_directive(name, _Dropped)
        else:
            directives.register_directive(name, _Generic)
    for name in {n.lower() for n in _ROLE_NAME.findall(text)}:
        if name not in _NATIVE_ROLES and name not in roles._roles:
            roles.register_local_role(name, _reference_role)
