"""Gold sets: our JSON Lines files, SQuAD files, and the documents each set is asked against.

A JSON Lines set `NAME.jsonl` names its documents in a sidecar `NAME.docs.txt` beside it: one path a line,
relative to the sidecar's folder (blank lines and `#` comments ignored). `--docs PATH` overrides the sidecar.
A sidecar line `@corpus ARCHIVE MEMBER` names a file inside a shared corpus archive instead (eval/corpora.py).
A SQuAD-format `.json` file brings its own documents: one text file per article, written to a cache folder.

Evidence is checked on the text a reader sees: letters and digits only, case folded, RST roles rendered as
their text. So a quote holds whether a loader gives the raw file or clean text without markup, whatever the
whitespace, and each answerable question learns which document(s) hold its evidence (its `sources`, from
which the report derives a question's format and checks that answers cite the right file).
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from eval.gold import GoldQuestion
from eval.metrics import contains
from qa.errors import EvalError

REQUIRED_FIELDS = ("id", "question", "answers", "answerable")
OPTIONAL_FIELDS = ("evidence",)
GOLD_DIR = Path(__file__).resolve().parent / "gold"
SQUAD_A_NAME = "squad-a"


@dataclass
class GoldSet:
    name: str
    questions: list[GoldQuestion]
    documents: list[Path]  # files (or folders) indexed into the set's collection
    origin: str  # where the questions came from, for the report
    notes: list[str] = field(default_factory=list)  # what was skipped (a corpus not here), for the console


def default_gold_files() -> list[Path]:
    """Our own sets: every eval/gold/*.jsonl."""
    return sorted(GOLD_DIR.glob("*.jsonl"))


def load_gold_set(
    path: str | Path,
    docs: list[Path] | None = None,
    limit: int | None = None,
    seed: int = 0,
    cache_dir: Path | None = None,
) -> GoldSet:
    """A set from a `.jsonl` file (our format) or a SQuAD `.json` file; `docs` overrides its documents."""
    path = Path(path)
    if not path.is_file():
        raise EvalError(
            f"Gold file not found: {path}. Give an existing .jsonl (our format) or SQuAD .json file."
        )
    if path.suffix == ".json":
        return _squad_file_set(path, docs, limit, seed, cache_dir)
    if path.suffix != ".jsonl":
        raise EvalError(f"{path}: a gold file must end in .jsonl (our format) or .json (SQuAD format).")
    questions = load_jsonl(path)
    notes: list[str] = []
    documents = _existing(docs, "--docs") if docs else sidecar_documents(path, cache_dir, notes)
    total = len(questions)
    questions = check_evidence(path, questions, documents, tolerate_missing=bool(notes))
    skipped = total - len(questions)
    if skipped:
        notes.append(f"{skipped} question(s) left out: their evidence is in the documents skipped")
    return GoldSet(path.stem, _sample(questions, limit, seed), documents, str(path), notes)


def load_jsonl(path: Path) -> list[GoldQuestion]:
    """Our JSON Lines format, validated line by line; every error names the file and the line."""
    questions: list[GoldQuestion] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            question = _parse_line(path, number, line)
            if question.id in seen:
                raise EvalError(
                    f"{path}:{number}: id {question.id!r} is already used on line {seen[question.id]}."
                )
            seen[question.id] = number
            questions.append(question)
    if not questions:
        raise EvalError(f"{path}: no questions. Write one JSON object a line: {_FORMAT}")
    return questions


_FORMAT = '{"id": "...", "question": "...", "answers": ["..."], "answerable": true, "evidence": "..."}'


def _parse_line(path: Path, number: int, line: str) -> GoldQuestion:
    where = f"{path}:{number}"
    try:
        item = json.loads(line)
    except json.JSONDecodeError as e:
        raise EvalError(
            f"{where}: not valid JSON ({e.msg}, column {e.colno}). Each line is {_FORMAT}"
        ) from None
    if not isinstance(item, dict):
        raise EvalError(f"{where}: expected a JSON object, got {type(item).__name__}. Each line is {_FORMAT}")
    unknown = sorted(set(item) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        allowed = ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS)
        raise EvalError(f"{where}: unknown field(s) {', '.join(unknown)}; the fields are {allowed}.")
    missing = [name for name in REQUIRED_FIELDS if name not in item]
    if missing:
        raise EvalError(f"{where}: missing required field(s) {', '.join(missing)}.")
    answers, answerable = item["answers"], item["answerable"]
    if not isinstance(item["id"], str) or not item["id"].strip():
        raise EvalError(f"{where}: 'id' must be a non-empty string.")
    if not isinstance(item["question"], str) or not item["question"].strip():
        raise EvalError(f"{where}: 'question' must be a non-empty string.")
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        raise EvalError(f"{where}: 'answers' must be a list of non-empty strings.")
    if not isinstance(answerable, bool):
        raise EvalError(f"{where}: 'answerable' must be true or false.")
    if answerable and not answers:
        raise EvalError(f"{where}: an answerable question needs at least one gold answer in 'answers'.")
    if not answerable and answers:
        raise EvalError(f'{where}: a question with "answerable": false must have "answers": [].')
    evidence = item.get("evidence", "")
    if not isinstance(evidence, str):
        raise EvalError(f"{where}: 'evidence' must be a string.")
    return GoldQuestion(item["id"], item["question"], answers, answerable, evidence, set_name=path.stem)


def sidecar_documents(
    gold_path: Path, cache_dir: Path | None = None, notes: list[str] | None = None
) -> list[Path]:
    """The documents named in `NAME.docs.txt` beside `NAME.jsonl`: paths, and `@corpus` members extracted into
    `cache_dir` (default QA_HOME/eval); corpora not present are skipped with a line in `notes`."""
    from eval import corpora

    sidecar = gold_path.with_name(gold_path.stem + ".docs.txt")
    if not sidecar.is_file():
        raise EvalError(
            f"{gold_path}: no documents named. Write their paths in {sidecar} (one a line, relative to "
            "that file's folder), or give them with --docs PATH."
        )
    documents, refs = [], []
    for number, line in enumerate(sidecar.read_text(encoding="utf-8").splitlines(), start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry.startswith(corpora.DIRECTIVE):
            refs.append(corpora.parse(entry, f"{sidecar}:{number}"))
            continue
        document = (sidecar.parent / entry).resolve()
        if not document.exists():
            raise EvalError(f"{sidecar}:{number}: document not found: {entry} (looked for {document}).")
        documents.append(document)
    if refs:
        resolved = corpora.resolve(refs, cache_dir or _default_cache())
        documents += resolved.documents
        if notes is not None:
            notes += resolved.missing
    if not documents and not refs:
        raise EvalError(f"{sidecar}: names no documents; write one path a line.")
    if not documents:
        raise EvalError(f"{sidecar}: none of its documents is here ({'; '.join(resolved.missing)}).")
    return documents


def _default_cache() -> Path:
    import qa

    return qa.load_settings().home / "eval"


def _existing(paths: list[Path], option: str) -> list[Path]:
    for p in paths:
        if not Path(p).exists():
            raise EvalError(f"{option}: document not found: {p}.")
    return [Path(p).resolve() for p in paths]


def check_evidence(
    path: Path, questions: list[GoldQuestion], documents: list[Path], tolerate_missing: bool = False
) -> list[GoldQuestion]:
    """Evidence must be quoted from a document and hold a gold answer: a wrong gold set is a bug.

    Returns the questions, each answerable one with the documents its evidence is quoted from (`sources`).
    `tolerate_missing`: some documents were skipped (a corpus not here): questions whose evidence is in none
    of the others are left out instead of failing.
    """
    texts = _document_texts(documents)
    if not texts:
        return questions
    lines = _line_numbers(path)
    kept = []
    for q in questions:
        if not q.evidence:
            kept.append(q)
            continue
        where = f"{path}:{lines.get(q.id, '?')}"
        quote = reader_text(q.evidence)
        sources = tuple(source for source, variants in texts if any(quote in v for v in variants))
        if not sources and tolerate_missing:
            continue
        if not sources:
            raise EvalError(f"{where}: the evidence of {q.id!r} is not quoted verbatim from the documents.")
        if q.answers and not any(contains(q.evidence, a) for a in q.answers):
            raise EvalError(f"{where}: no gold answer of {q.id!r} occurs in its evidence.")
        kept.append(replace(q, sources=sources))
    return kept


_ROLE = re.compile(r":[A-Za-z][\w.+-]*(?::[\w.+-]+)*:`([^`]*)`")  # :func:`os.chdir`, :py:meth:`~a.b`
_RST_LINK = re.compile(r"`([^`<]*?)\s*<[^<>`]*>`_{1,2}")  # `Timsort <https://...>`_
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^()\s]*\)")  # [bbcode](https://...)


def reader_text(text: str) -> str:
    """The text as compared for evidence: roles and links rendered as their text, then letters and digits."""
    text = _ROLE.sub(_role_text, unicodedata.normalize("NFKC", text))
    text = _MD_LINK.sub(r"\1", _RST_LINK.sub(r"\1", text))
    return "".join(c for c in text.casefold() if c.isalnum())


def _role_text(match: re.Match) -> str:
    inner = match.group(1).strip()
    if inner.endswith(">") and "<" in inner:  # :ref:`the title <target>` shows the title
        return inner[: inner.rindex("<")]
    if inner[:1] in "~!":  # :class:`~json.JSONDecoder` shows JSONDecoder
        return inner[1:].rsplit(".", 1)[-1]
    return inner


def _document_texts(documents: list[Path]) -> list[tuple[str, list[str]]]:
    """(source, comparable texts) per file: the loaded text, and for text formats the file's own text too
    (evidence quoted from a raw .rst or .md file still holds when a loader renders it)."""
    from index.loaders import is_supported, load

    files = [f for d in documents for f in (sorted(d.rglob("*")) if d.is_dir() else [d])]
    texts = []
    for f in files:
        if not f.is_file() or not is_supported(f):
            continue
        variants = [reader_text(load(f).text)]
        if f.suffix.lower() in (".rst", ".md", ".markdown", ".txt"):
            variants.append(reader_text(f.read_text(encoding="utf-8", errors="replace")))
        texts.append((str(f.resolve()), variants))
    return texts


def _line_numbers(path: Path) -> dict[str, int]:
    numbers = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            numbers[json.loads(line)["id"]] = number
    return numbers


def _sample(questions: list[GoldQuestion], limit: int | None, seed: int) -> list[GoldQuestion]:
    """`limit` questions chosen with a fixed seed, kept in file order (the same sample every run)."""
    if limit is None or limit >= len(questions):
        return questions
    chosen = set(random.Random(seed).sample(range(len(questions)), limit))
    return [q for i, q in enumerate(questions) if i in chosen]


# SQuAD


def _squad_file_set(path: Path, docs, limit, seed, cache_dir) -> GoldSet:
    from eval.squad import load_squad_questions

    try:
        questions = load_squad_questions(path, limit, seed)
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise EvalError(f"{path}: not a SQuAD-format file ({type(e).__name__}: {e}).") from None
    documents = _existing(docs, "--docs") if docs else _squad_documents(path, cache_dir)
    return GoldSet(path.stem, questions, documents, str(path))


def _squad_documents(path: Path, cache_dir: Path | None) -> list[Path]:
    from eval.squad import write_squad_documents

    if cache_dir is None:
        raise EvalError("A SQuAD set needs a cache folder for its documents.")
    folder = cache_dir / "documents" / path.stem
    written = write_squad_documents(path, folder)
    for stale in set(folder.glob("*.txt")) - set(written):  # an article no longer in the file
        stale.unlink()
    return [folder]


def squad_available() -> bool:
    from eval.squad import SQUAD_V1_A, SQUAD_V2_UNANSWERABLE_A

    return SQUAD_V1_A.is_file() and SQUAD_V2_UNANSWERABLE_A.is_file()


def squad_a_set(limit: int, seed: int, cache_dir: Path) -> GoldSet:
    """SQuAD-A: answerable v1.1 questions and unanswerable v2.0 ones (two thirds : one third of `limit`),
    asked against all 24 v1.1 articles (the v2.0 paragraphs are a subset of them)."""
    from eval.squad import SQUAD_V1_A, SQUAD_V2_UNANSWERABLE_A, load_squad_questions

    if not squad_available():
        raise EvalError(
            f"SQuAD data not found in {SQUAD_V1_A.parent}: the SQuAD-A set needs ../shared/data/squad/ "
            "beside the project folder."
        )
    answerable_n = max(1, round(limit * 2 / 3))
    unanswerable_n = max(0, limit - answerable_n)
    questions = load_squad_questions(SQUAD_V1_A, answerable_n, seed)
    if unanswerable_n:
        questions += load_squad_questions(SQUAD_V2_UNANSWERABLE_A, unanswerable_n, seed)
    questions = [_renamed(q, SQUAD_A_NAME) for q in questions]
    documents = _squad_documents(SQUAD_V1_A, cache_dir)
    origin = (
        f"{SQUAD_V1_A.name} ({answerable_n}) + {SQUAD_V2_UNANSWERABLE_A.name} ({unanswerable_n}), seed {seed}"
    )
    return GoldSet(SQUAD_A_NAME, questions, documents, origin)


def _renamed(q: GoldQuestion, set_name: str) -> GoldQuestion:
    return replace(q, set_name=set_name)
