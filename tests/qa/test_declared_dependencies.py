"""Every third-party module the code imports (at the top or inside a function) comes from a distribution that
pyproject.toml declares: CI installs `.[test]` in a clean clone, and an import that only works because another
package happens to pull it in breaks the day that package stops."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("qa", "index", "ui", "eval", "benchmarks", "training", "tests")


def _imported_modules() -> dict[str, str]:
    """Top-level module name -> the first file that imports it."""
    found: dict[str, str] = {}
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {_normalized(re.match(r"[A-Za-z0-9_.-]+", r).group()) for r in requirements}


def test_every_imported_third_party_module_is_declared():
    # Our packages, and the modules that tests and scripts import from their own folders (test helpers).
    loose = ["tests/*.py", "tests/*/*.py", "benchmarks/*.py", "training/*.py"]
    ours = set(FOLDERS) | {p.stem for pattern in loose for p in ROOT.glob(pattern)}
    providers = importlib.metadata.packages_distributions()
    declared = _declared()
    undeclared = []
    for module, where in sorted(_imported_modules().items()):
        if module in sys.stdlib_module_names or module in ours or module == "__future__":
            continue
        if (
            module not in providers
        ):  # not installed here (e.g. tomli on 3.11): declared or not, we cannot tell
            continue
        if not declared & {_normalized(d) for d in providers[module]}:
            undeclared.append(f"{module} (imported by {where}, from {', '.join(providers[module])})")
    assert not undeclared, "imported but not declared in pyproject.toml: " + "; ".join(undeclared)
