"""Compare trials: their eligibility rules side by side, one row per comparable concept.

``compare(analyses)`` returns a pandas DataFrame. In the ``wide`` form (the
default) there is one row per rule key and one column per trial, each cell the
trial's requirement in short form::

                                   section            label            NCT04184258   NCT03219801
    key
    age (registry)                 registry           age              18-75 y       14-60 y
    score:SELENA-SLEDAI            disease activity   SELENA-SLEDAI    >= 6
    lab:1742-6 (ALT)               laboratory         alanine ...                    > 2 x ULN
    condition:B20 (HIV)            infections         HIV infection    excluded
    condition:C80.1 (malignancy)   malignancy         malignancy       excluded (history, 5 y)

A rule's key is its category and concept code (``condition:B20 (HIV)``,
``lab:10230-1 (LVEF)``, ``score:SELENA-SLEDAI``), so the same concept lands in
one row whichever words a trial used. The registry's own fields and the ages
and sexes read from the text get rows of their own (``age (registry)``,
``age (criteria)``), never merged. Rows are grouped in sections (registry,
demographics, diagnosis and classification, disease activity, laboratory,
kidney, pregnancy and lactation, infections, malignancy, ...) taken from the
lexicon's categories, ordered by section, then by how many trials mention them.
The sections live in ``resources/lint.json`` (key ``compare``).

The ``long`` form has one row per (trial, rule), for plotting and filtering.

This module also holds what :mod:`criteria_nlp.lint` shares with it: the
resource ``lint.json`` (:func:`lint_resource`), the short forms of rules
(:func:`requirement`) and the ages a trial's text allows (:func:`text_age_bounds`).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import CriteriaNLPError, ResourceError
from .lexicon import Lexicon, LexiconEntry, ScoreEntry
from .schema import YEARS_PER_UNIT, Concept, Rule, TrialAnalysis, Window

__all__ = [
    "AgeBounds",
    "CompareConfig",
    "LintResource",
    "RowKey",
    "compare",
    "format_age_bounds",
    "lint_resource",
    "long_columns",
    "requirement",
    "row_key",
    "text_age_bounds",
    "value_text",
]

Severity = Literal["error", "warning", "info"]

# --------------------------------------------------------------------------- the resource


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IssueCode(_Strict):
    """One lint issue code: its default severity and what it means."""

    severity: Severity
    title: str


class AbnormalValueConfig(_Strict):
    """Labs for which an inclusion criterion demanding an abnormal value is suspect."""

    lab_categories: list[str]
    labs: list[str]


class Confusion(_Strict):
    """A real word that is a typing error for another in a given context ("sever hepatitis")."""

    word: str
    suggestion: str
    next: str | None = None
    previous: str | None = None

    @field_validator("next", "previous")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression {value!r}: {exc}") from None
        return value


class SpellingConfig(_Strict):
    """Thresholds and word lists of the misspelling check."""

    min_length: int = Field(ge=2)
    long_word: int = Field(ge=3)
    english_min_count: int = Field(ge=0)
    known_words: list[str]
    confusions: list[Confusion]
    drug_suffixes: list[str] = Field(default_factory=list)
    medical_words: list[str] = Field(default_factory=list)


class CompareConfig(_Strict):
    """Sections of the comparison table and how rules are assigned to them."""

    sections: list[str] = Field(min_length=1)
    rule_category: dict[str, str]
    lexicon_category: dict[str, str]
    score_kind: dict[str, str]
    icd_prefix: dict[str, str]
    codes: dict[str, str]

    @model_validator(mode="after")
    def _known_sections(self) -> "CompareConfig":
        known = set(self.sections)
        for field in ("rule_category", "lexicon_category", "score_kind", "icd_prefix", "codes"):
            for key, section in getattr(self, field).items():
                if section not in known:
                    raise ValueError(f"{field}[{key!r}] names an unknown section {section!r}")
        for category in ("age", "sex", "condition", "drug", "procedure", "lab", "score", "pregnancy", "observation", "other"):
            if category not in self.rule_category:
                raise ValueError(f"rule_category has no section for {category!r}")
        return self


class LintResource(_Strict):
    """``resources/lint.json``: issue codes, thresholds, word lists, comparison sections."""

    name: Literal["lint"]
    version: str
    description: str
    codes: dict[str, IssueCode]
    age_tolerance_years: float = Field(ge=0)
    screening_concepts: list[str]
    abnormal_value: AbnormalValueConfig
    spelling: SpellingConfig
    compare: CompareConfig

    @field_validator("codes")
    @classmethod
    def _code_form(cls, value: dict[str, IssueCode]) -> dict[str, IssueCode]:
        for code in value:
            if not re.fullmatch(r"L[0-9]{3}", code):
                raise ValueError(f"issue code {code!r} is not of the form L000")
        return value


@functools.lru_cache(maxsize=1)
def lint_resource() -> LintResource:
    """The packaged ``lint.json``, validated (``ResourceError`` X001/X002 when broken)."""
    record = "criteria_nlp/resources/lint.json"
    file = resources.files("criteria_nlp").joinpath("resources", "lint.json")
    if not file.is_file():
        raise ResourceError("X002", record=record)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResourceError("X001", record=record, detail=f"malformed JSON: {exc}") from None
    try:
        return LintResource.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        raise ResourceError("X001", record=record, detail=f"{where}: {err.get('msg', '')}") from None


# --------------------------------------------------------------------------- concepts and keys


@functools.lru_cache(maxsize=1)
def _entries_by_concept() -> dict[tuple[str, str], LexiconEntry]:
    """(system, code) -> the first lexicon entry coded so (lexicon order: the general entry first)."""
    out: dict[tuple[str, str], LexiconEntry] = {}
    for entry in Lexicon.load().entries():
        out.setdefault((entry.concept.system, entry.concept.code), entry)
    return out


def lexicon_entry(concept: Concept | None) -> LexiconEntry | None:
    """The lexicon entry of a rule's concept, or None (a drug of the drug package, an ICD code of the index)."""
    if concept is None:
        return None
    return _entries_by_concept().get((concept.system, concept.code))


_ACRONYM = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Za-z0-9][A-Za-z0-9\-/]{1,11}$")


def short_label(concept: Concept) -> str:
    """A short name for a concept: the lexicon name when short, else its first acronym ("LVEF", "SLE", "ALT")."""
    entry = lexicon_entry(concept)
    if entry is None:
        name = concept.name or concept.code
        return name if len(name) <= 24 else concept.code
    if len(entry.name) <= 20:
        return entry.name
    for synonym in entry.synonyms:
        if _ACRONYM.match(synonym):
            return synonym
    return entry.name


def concept_label(concept: Concept) -> str:
    """A readable label: the lexicon name, with its short form when that adds something."""
    entry = lexicon_entry(concept)
    name = entry.name if entry is not None else (concept.name or concept.code)
    short = short_label(concept)
    if short.lower() not in name.lower():
        return f"{name} ({short})"
    return name


@dataclass(frozen=True)
class RowKey:
    """Where a rule goes in the comparison table: its key, label, rule category and section."""

    key: str
    label: str
    category: str
    section: str


REGISTRY_ROWS = ("age (registry)", "sex (registry)", "healthy volunteers (registry)")
DEMOGRAPHIC_ROWS = ("age (criteria)", "sex (criteria)")


def _section(rule: Rule, config: CompareConfig) -> str:
    if rule.source == "structured":
        return "registry"
    concept = rule.concept
    if rule.category in ("age", "sex", "allergy") or concept is None:
        return config.rule_category[rule.category]
    if concept.code in config.codes:
        return config.codes[concept.code]
    entry = lexicon_entry(concept)
    if isinstance(entry, ScoreEntry):
        return config.score_kind.get(entry.kind, config.rule_category["score"])
    if entry is not None and entry.category in config.lexicon_category:
        return config.lexicon_category[entry.category]
    if concept.system == "ICD-10-CM":
        for length in range(len(concept.code), 0, -1):
            section = config.icd_prefix.get(concept.code[:length])
            if section is not None:
                return section
    return config.rule_category[rule.category]


def row_key(rule: Rule, config: CompareConfig | None = None) -> RowKey | None:
    """The comparison row of a rule; None for a rule without a concept (nothing to compare it by)."""
    config = config or lint_resource().compare
    if rule.source == "structured":
        if rule.category in ("age", "sex"):
            key = f"{rule.category} (registry)"
            return RowKey(key, key, rule.category, "registry")
        if rule.concept is not None and rule.concept.code == "healthy-volunteers":
            key = "healthy volunteers (registry)"
            return RowKey(key, key, rule.category, "registry")
        return None
    if rule.category in ("age", "sex"):
        key = f"{rule.category} (criteria)"
        return RowKey(key, key, rule.category, "demographics")
    concept = rule.concept
    if concept is None:
        return None
    short = short_label(concept)
    if rule.category == "score" or short.lower() == concept.code.lower():
        key = f"{rule.category}:{concept.code}"
    else:
        key = f"{rule.category}:{concept.code} ({short})"
    return RowKey(key, concept_label(concept), rule.category, _section(rule, config))


# --------------------------------------------------------------------------- short forms

_OPERATOR = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "=": "=", "≥": ">=", "≤": "<="}
_WORD_OPERATORS = ("positive", "negative", "normal", "abnormal")
_ISO = re.compile(r"^P(?:(?P<y>[\d.]+)Y)?(?:(?P<m>[\d.]+)M)?(?:(?P<w>[\d.]+)W)?(?:(?P<d>[\d.]+)D)?(?:T(?:(?P<h>[\d.]+)H)?(?:(?P<min>[\d.]+)M)?)?$")


def _num(value: float) -> str:
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def _unit(unit: str | None) -> str:
    if not unit or unit in ("points", "criteria met"):
        return ""
    return f" {unit}"


def value_text(rule: Rule) -> str | None:
    """A rule's value in short form (">= 6", "> 2 x ULN", "positive", "3-4", ">= 4 of 11"), or None."""
    op = rule.operator
    if op in _WORD_OPERATORS:
        return op
    sign = _OPERATOR.get(op or "", op or "")
    if rule.uln_multiple is not None:
        return f"{sign} {_num(rule.uln_multiple)} x ULN".strip()
    if rule.lln_multiple is not None:
        return f"{sign} {_num(rule.lln_multiple)} x LLN".strip()
    unit = _unit(rule.unit)
    of = f" of {_num(rule.of)}" if rule.of is not None else ""
    if op == "between" and rule.low is not None and rule.high is not None:
        return f"{_num(rule.low)}-{_num(rule.high)}{unit}{of}"
    if rule.low is not None:
        return f"{sign} {_num(rule.low)}{unit}{of}".strip()
    if rule.high is not None:
        return f"{sign} {_num(rule.high)}{unit}{of}".strip()
    return None


def duration_text(window: Window) -> str | None:
    """A window's duration in short form ("5 y", "6 mo", "4 wk", "30 d"), or None."""
    if window.iso8601:
        match = _ISO.match(window.iso8601)
        if match:
            for group, unit in (("y", "y"), ("m", "mo"), ("w", "wk"), ("d", "d"), ("h", "h"), ("min", "min")):
                if match.group(group):
                    return f"{_num(float(match.group(group)))} {unit}"
    days = window.duration_days
    if days is None:
        return None
    for length, unit in ((365.25, "y"), (30.4375, "mo"), (7.0, "wk")):
        if days >= length and abs(days / length - round(days / length)) < 1e-6:
            return f"{_num(round(days / length))} {unit}"
    return f"{_num(days)} d"


def window_text(window: Window | None) -> str | None:
    """A window in short form for a cell: "5 y", "at least 30 d", "next 6 mo"."""
    if window is None:
        return None
    duration = duration_text(window)
    if duration is None:
        return f"before {window.anchor}" if window.anchor else None
    if window.bound == "at_least":
        return f"at least {duration}"
    if window.direction == "future":
        return f"next {duration}"
    return duration


def requirement(rule: Rule, alternatives: Iterable[str] = ()) -> str:
    """A rule in short form: "required", "excluded (history, 5 y)", ">= 6", "excluded if > 2 x ULN (unless SLE)".

    ``alternatives`` are short labels of the rules it is an any-of group with.
    """
    value = value_text(rule)
    qualifiers: list[str] = []
    if rule.polarity == "require":
        if value is None:
            base = "required"
        elif rule.category in ("lab", "score", "age"):
            base = value
        else:
            base = "required"
            qualifiers.append(value)  # "required (3-4)": a class or grade of a condition
    else:
        base = "excluded" if value is None else f"excluded if {value}"
    if rule.status != "current":
        qualifiers.append({"history": "history", "planned": "planned", "suspected": "suspected",
                           "family": "family history"}[rule.status])
    qualifiers.extend(rule.qualifiers)
    window = window_text(rule.window)
    if window:
        qualifiers.append(window)
    names = [e.text if e.concept is None else short_label(e.concept) for e in rule.exceptions]
    if names:
        qualifiers.append("unless " + ", ".join(dict.fromkeys(names)))
    others = list(dict.fromkeys(alternatives))
    if others and rule.polarity == "require":
        qualifiers.append("or " + ", ".join(others))
    if rule.applies_to is not None:
        qualifiers.append(f"for {rule.applies_to.text}")
    if not rule.computable and rule.category not in ("observation", "other"):
        qualifiers.append("not computable")
    return base + (f" ({', '.join(qualifiers)})" if qualifiers else "")


# --------------------------------------------------------------------------- ages


@dataclass(frozen=True)
class AgeBounds:
    """The ages allowed, in years: ``low``/``high`` (None when open) and whether each bound is strict."""

    low: float | None = None
    high: float | None = None
    low_strict: bool = False
    high_strict: bool = False


def _rule_years(rule: Rule, value: float | None) -> float | None:
    if value is None:
        return None
    unit = (rule.unit or "years").lower()
    unit = unit if unit.endswith("s") else unit + "s"
    factor = YEARS_PER_UNIT.get(unit)
    return None if factor is None else value * factor


def age_interval(rule: Rule) -> AgeBounds | None:
    """The ages one age rule allows (an exclusion turned into what it leaves), or None when it cannot say."""
    low = _rule_years(rule, rule.low)
    high = _rule_years(rule, rule.high)
    op = _OPERATOR.get(rule.operator or "", rule.operator)
    if rule.polarity == "require":
        if op == "between" and low is not None and high is not None:
            return AgeBounds(low, high)
        if low is None:
            return None
        if op in (">=", ">"):
            return AgeBounds(low=low, low_strict=op == ">")
        if op in ("<=", "<"):
            return AgeBounds(high=low, high_strict=op == "<")
        if op == "=":
            return AgeBounds(low, low)
        return None
    if low is None:
        return None
    if op in ("<", "<="):  # excluded below: allowed from
        return AgeBounds(low=low, low_strict=op == "<=")
    if op in (">", ">="):  # excluded above: allowed up to
        return AgeBounds(high=low, high_strict=op == ">=")
    return None


def text_age_bounds(rules: Iterable[Rule]) -> AgeBounds | None:
    """The ages a trial's text allows, over all its text age rules (the widest when cohorts differ)."""
    intervals = [b for r in rules if r.category == "age" and r.source == "text" for b in [age_interval(r)] if b is not None]
    if not intervals:
        return None
    lows = [(b.low, b.low_strict) for b in intervals if b.low is not None]
    highs = [(b.high, b.high_strict) for b in intervals if b.high is not None]
    low = min(lows) if lows else None
    high = max(highs, key=lambda p: (p[0], not p[1])) if highs else None
    return AgeBounds(low[0] if low else None, high[0] if high else None, bool(low and low[1]), bool(high and high[1]))


def registry_age_bounds(rules: Iterable[Rule]) -> AgeBounds | None:
    """The ages the registry's own minimum/maximum age fields allow, or None when it states neither."""
    low = high = None
    for rule in rules:
        if rule.category == "age" and rule.source == "structured" and rule.low is not None:
            if rule.operator == ">=":
                low = rule.low
            elif rule.operator == "<=":
                high = rule.low
    if low is None and high is None:
        return None
    return AgeBounds(low, high)


def _age_number(years: float) -> tuple[str, str]:
    if abs(years - round(years)) < 1e-6:
        return _num(round(years)), "y"
    months = years * 12
    if abs(months - round(months)) < 1e-3:
        return _num(round(months)), "mo"
    return _num(round(years, 2)), "y"


def format_age_bounds(bounds: AgeBounds) -> str:
    """Ages in short form: "18-75 y", ">= 18 y", "< 65 y", "6 mo-17 y"."""
    if bounds.low is not None and bounds.high is not None and not bounds.low_strict and not bounds.high_strict:
        (lo, lu), (hi, hu) = _age_number(bounds.low), _age_number(bounds.high)
        return f"{lo}-{hi} {hu}" if lu == hu else f"{lo} {lu}-{hi} {hu}"
    parts = []
    if bounds.low is not None:
        number, unit = _age_number(bounds.low)
        parts.append(f"{'>' if bounds.low_strict else '>='} {number} {unit}")
    if bounds.high is not None:
        number, unit = _age_number(bounds.high)
        parts.append(f"{'<' if bounds.high_strict else '<='} {number} {unit}")
    return ", ".join(parts)


def _age_cell(rules: list[Rule]) -> str:
    """The age cell of one trial: its bounds combined ("18-75 y"), or each rule's when cohorts differ."""
    intervals = [age_interval(r) for r in rules]
    known = [b for b in intervals if b is not None]
    lows = {(b.low, b.low_strict) for b in known if b.low is not None}
    highs = {(b.high, b.high_strict) for b in known if b.high is not None}
    if len(lows) <= 1 and len(highs) <= 1 and known:
        low = next(iter(lows)) if lows else (None, False)
        high = next(iter(highs)) if highs else (None, False)
        combined = format_age_bounds(AgeBounds(low[0], high[0], low[1], high[1]))
        rest = [requirement(r) for r, b in zip(rules, intervals) if b is None]
        return "; ".join(dict.fromkeys([combined, *rest]))
    return "; ".join(dict.fromkeys(format_age_bounds(b) if b is not None else requirement(r) for r, b in zip(rules, intervals)))


# --------------------------------------------------------------------------- the table


def _as_analysis(item: TrialAnalysis | Mapping[str, Any]) -> TrialAnalysis:
    if isinstance(item, TrialAnalysis):
        return item
    return TrialAnalysis.from_dict(dict(item))


def _columns(analyses: list[TrialAnalysis]) -> list[str]:
    """One column name per trial: its id, with " (2)", " (3)" for repeats."""
    seen: dict[str, int] = {}
    out = []
    for analysis in analyses:
        tid = analysis.trial.id
        seen[tid] = seen.get(tid, 0) + 1
        out.append(tid if seen[tid] == 1 else f"{tid} ({seen[tid]})")
    return out


def _alternatives(analysis: TrialAnalysis, keys: dict[str, RowKey | None]) -> dict[str, list[str]]:
    """rule id -> short labels of the other rules of its any-of group."""
    groups: dict[str, list[Rule]] = {}
    for rule in analysis.rules:
        if rule.group:
            groups.setdefault(rule.group, []).append(rule)
    out: dict[str, list[str]] = {}
    for members in groups.values():
        for rule in members:
            others = [m for m in members if m.id != rule.id and m.concept is not None]
            labels = []
            for other in others:
                assert other.concept is not None
                if keys.get(other.id) == keys.get(rule.id):
                    continue
                labels.append(short_label(other.concept))
            out[rule.id] = labels
    return out


def _healthy_cell(rule: Rule) -> str:
    return "not accepted" if rule.text.rstrip().endswith("not accepted") else "accepted"


def _cell(key: str, rules: list[Rule], alternatives: dict[str, list[str]]) -> str:
    if key.startswith("age ("):
        return _age_cell(rules)
    if key.startswith("sex ("):
        return "; ".join(dict.fromkeys(r.concept.code if r.concept else requirement(r) for r in rules))
    if key.startswith("healthy volunteers"):
        return "; ".join(dict.fromkeys(_healthy_cell(r) for r in rules))
    return "; ".join(dict.fromkeys(requirement(r, alternatives.get(r.id, ())) for r in rules))


def _too_general(rule: Rule) -> bool:
    return not rule.computable and (rule.reason or "").startswith("too general")


def long_columns() -> list[str]:
    """The columns of ``compare(..., form="long")``, in order."""
    return ["trial_id", "key", "label", "category", "polarity", "status", "operator", "low", "high", "unit",
            "uln_multiple", "window_days", "text", "source", "computable", "section", "requirement", "rule",
            "criterion", "group", "qualifiers", "applies_to"]


def _long(analyses: list[TrialAnalysis], columns: list[str], include_structured: bool) -> pd.DataFrame:
    config = lint_resource().compare
    rows: list[dict[str, Any]] = []
    for analysis, column in zip(analyses, columns):
        keys = {r.id: row_key(r, config) for r in analysis.rules}
        alternatives = _alternatives(analysis, keys)
        for rule in analysis.rules:
            if rule.source == "structured" and not include_structured:
                continue
            rk = keys[rule.id]
            low, high = rule.low, rule.high
            if rule.operator in ("<", "<=") and high is None:
                low, high = None, low  # a one-sided upper limit is a high bound
            rows.append({
                "trial_id": column, "key": rk.key if rk else None,
                "label": rk.label if rk else (rule.evidence or rule.text)[:80],
                "category": rule.category, "polarity": rule.polarity, "status": rule.status,
                "operator": rule.operator, "low": low, "high": high, "unit": rule.unit,
                "uln_multiple": rule.uln_multiple,
                "window_days": rule.window.duration_days if rule.window is not None else None,
                "text": rule.text, "source": rule.source, "computable": rule.computable,
                "section": rk.section if rk else _section(rule, config),
                "requirement": (_cell(rk.key, [rule], alternatives) if rk else requirement(rule)),
                "rule": rule.id, "criterion": rule.criterion, "group": rule.group,
                "qualifiers": ", ".join(rule.qualifiers) or None,
                "applies_to": rule.applies_to.text if rule.applies_to is not None else None,
            })
    frame = pd.DataFrame(rows, columns=long_columns())
    for name in ("low", "high", "uln_multiple", "window_days"):
        frame[name] = frame[name].astype("float64")
    frame["computable"] = frame["computable"].astype("bool")
    return frame


def _wide(analyses: list[TrialAnalysis], columns: list[str], include_structured: bool) -> pd.DataFrame:
    config = lint_resource().compare
    order = {name: i for i, name in enumerate(config.sections)}
    fixed = {key: i for i, key in enumerate(REGISTRY_ROWS + DEMOGRAPHIC_ROWS)}
    rows: dict[str, RowKey] = {}
    cells: dict[str, dict[str, str]] = {}
    for analysis, column in zip(analyses, columns):
        keys = {r.id: row_key(r, config) for r in analysis.rules}
        alternatives = _alternatives(analysis, keys)
        by_key: dict[str, list[Rule]] = {}
        for rule in analysis.rules:
            rk = keys[rule.id]
            if rk is None or _too_general(rule) or (rule.source == "structured" and not include_structured):
                continue
            rows.setdefault(rk.key, rk)
            by_key.setdefault(rk.key, []).append(rule)
        for key, rules in by_key.items():
            cells.setdefault(key, {})[column] = _cell(key, rules, alternatives)
    ordered = sorted(
        rows.values(),
        key=lambda rk: (order.get(rk.section, len(order)), fixed.get(rk.key, len(fixed)),
                        -len(cells.get(rk.key, {})), rk.label.lower(), rk.key),
    )
    data = [
        {"key": rk.key, "section": rk.section, "category": rk.category, "label": rk.label,
         **{column: cells[rk.key].get(column, "") for column in columns}}
        for rk in ordered
    ]
    frame = pd.DataFrame(data, columns=["key", "section", "category", "label", *columns]).set_index("key")
    return frame


def compare(
    analyses: Iterable[TrialAnalysis | Mapping[str, Any]],
    *,
    form: Literal["wide", "long"] = "wide",
    include_structured: bool = True,
) -> pd.DataFrame:
    """Compare the rules of several trials in one table.

    ``form="wide"``: one row per rule key (index ``key``; columns ``section``,
    ``category``, ``label``, then one column per trial id holding the trial's
    requirement in short form, "" where the trial says nothing). ``form="long"``:
    one row per (trial, rule) with the columns of :func:`long_columns`; ``low``
    and ``high`` are the lower and upper limits (a "<= 75" rule has ``high`` 75).
    ``include_structured=False`` leaves out the registry's own fields. Either
    frame's ``attrs["titles"]`` maps each trial column to the trial's title.
    Accepts analyses or their ``to_dict()`` form.
    """
    items = [_as_analysis(a) for a in analyses]
    columns = _columns(items)
    if form == "wide":
        frame = _wide(items, columns, include_structured)
    elif form == "long":
        frame = _long(items, columns, include_structured)
    else:
        raise CriteriaNLPError("B001", record="compare", detail=f"form {form!r}; use 'wide' or 'long'")
    frame.attrs["titles"] = {column: a.trial.title or "" for column, a in zip(columns, items)}
    return frame
