"""The gate: every metric against the thresholds file and the committed baseline.

thresholds.toml holds floors and ceilings for every set (`[defaults.min]`, `[defaults.max]`: a user's own gold
set is gated too), per set ones that override them metric by metric (`[sets.NAME.min]`, `[sets.NAME.max]`), and how far a
metric may get worse than the baseline before the run fails (`[tolerance]` for every set,
`[sets.NAME.tolerance]` to override): a number is an absolute allowance in the metric's unit,
`{ ratio = R, at_least = A }` allows R times the baseline, and at least A units more (for timings, which
depend on the machine and its load).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from eval.metrics import METRIC_BY_KEY, SetMetrics
from qa.errors import EvalError

EVAL_DIR = Path(__file__).resolve().parent
THRESHOLDS = EVAL_DIR / "thresholds.toml"
BASELINE = EVAL_DIR / "baseline.json"


@dataclass(frozen=True)
class Finding:
    """One comparison: a threshold or the baseline; `failed` ones make `qa eval` exit 1."""

    set_name: str
    metric: str
    kind: str  # "min", "max" or "baseline"
    value: float
    limit: float  # the threshold, or the baseline value
    allowed: float  # the worst value that still passes
    failed: bool
    label: str = ""  # the metric's name for people ("retrieval recall@5")
    default: bool = False  # the threshold is the default of every set ([defaults]), not the set's own

    @property
    def message(self) -> str:
        label = self.label or METRIC_BY_KEY[self.metric].label
        unit = METRIC_BY_KEY[self.metric].unit
        fmt = (lambda x, sign="": f"{x:{sign}.1f} {unit}") if unit else (lambda x, sign="": f"{x:{sign}.3f}")
        value, limit, by = fmt(self.value), fmt(self.limit), fmt(abs(self.value - self.allowed))
        if self.kind in ("min", "max"):
            side = "below" if self.kind == "min" else "above"
            which = "default threshold" if self.default else "threshold"
            where = (
                f'; [sets."{self.set_name}".{self.kind}] in thresholds.toml overrides it'
                if self.default
                else ""
            )
            return f"{self.set_name}: {label} = {value} is {side} the {which} {limit} (by {by}){where}"
        moved = "rose" if METRIC_BY_KEY[self.metric].better == "lower" else "fell"
        return (
            f"{self.set_name}: {label} {moved} from {limit} (baseline) to {value}: {fmt(self.value - self.limit, '+')}, "
            f"beyond the tolerance (worst allowed {fmt(self.allowed)}, missed by {by})"
        )

    def to_dict(self) -> dict:
        return asdict(self) | {"message": self.message}


def load_thresholds(path: Path = THRESHOLDS) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise EvalError(f"Thresholds file not found: {path}.") from None
    except tomllib.TOMLDecodeError as e:
        raise EvalError(f"{path}: not valid TOML ({e}).") from None
    defaults = data.get("defaults", {})
    tables = [("tolerance", data.get("tolerance", {}))]
    tables += [(f"defaults.{part}", defaults.get(part, {})) for part in ("min", "max")]
    for name, spec in data.get("sets", {}).items():
        tables += [(f"sets.{name}.{part}", spec.get(part, {})) for part in ("min", "max", "tolerance")]
    for where, table in tables:
        unknown = sorted(set(table) - set(METRIC_BY_KEY))
        if unknown:
            raise EvalError(f"{path}: [{where}] names unknown metric(s) {', '.join(unknown)}.")
    return data


def load_baseline(path: Path = BASELINE) -> dict:
    if not path.is_file():
        return {"sets": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise EvalError(
            f"{path}: not valid JSON ({e}); rewrite it with `qa eval --update-baseline`."
        ) from None


def fingerprint(question_ids: list[str]) -> str:
    """Which questions a set holds: a baseline only compares with a run of the same questions."""
    return hashlib.sha256("\n".join(sorted(question_ids)).encode()).hexdigest()[:16]


def check(
    set_name: str, metrics: SetMetrics, thresholds: dict, baseline_set: dict | None, k: int = 5
) -> list[Finding]:
    """All comparisons of one set's metrics (baseline_set None: no comparable baseline); k of recall@k."""
    spec = thresholds.get("sets", {}).get(set_name, {})
    defaults = thresholds.get("defaults", {})
    tolerance = thresholds.get("tolerance", {}) | spec.get("tolerance", {})
    floors = defaults.get("min", {}) | spec.get("min", {})
    ceilings = defaults.get("max", {}) | spec.get("max", {})
    findings = []
    for key, value in metrics.values.items():
        if value is None:
            continue
        label = f"retrieval recall@{k}" if key == "recall_at_k" else METRIC_BY_KEY[key].label
        if key in floors:
            floor = float(floors[key])
            default = key not in spec.get("min", {})
            findings.append(Finding(set_name, key, "min", value, floor, floor, value < floor, label, default))
        if key in ceilings:
            ceiling = float(ceilings[key])
            default = key not in spec.get("max", {})
            findings.append(
                Finding(set_name, key, "max", value, ceiling, ceiling, value > ceiling, label, default)
            )
        before = (baseline_set or {}).get("values", {}).get(key)
        if before is None or key not in tolerance:
            continue
        allowed = _worst_allowed(key, before, tolerance[key])
        worse = value > allowed if METRIC_BY_KEY[key].better == "lower" else value < allowed
        findings.append(Finding(set_name, key, "baseline", value, before, allowed, worse, label))
    return findings


def _worst_allowed(key: str, before: float, tolerance) -> float:
    lower_is_better = METRIC_BY_KEY[key].better == "lower"
    if isinstance(tolerance, dict):  # { ratio = R, at_least = A }: R times the baseline, and A units at least
        ratio, at_least = float(tolerance["ratio"]), float(tolerance.get("at_least", 0))
        if lower_is_better:
            return max(before * ratio, before + at_least)
        return min(before / ratio, before - at_least)
    return before + float(tolerance) if lower_is_better else before - float(tolerance)


def write_baseline(path: Path, results: dict[str, dict], config: dict) -> None:
    """results: set name -> {"fingerprint", "questions", "values"}. Sets not in this run keep their entry."""
    for entry in results.values():
        entry["values"] = {k: v if v is None else round(v, 4) for k, v in entry["values"].items()}
    data = {"config": config, "sets": load_baseline(path).get("sets", {}) | results}
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
