"""Matching: a patient against a trial's rules, in three-valued logic.

``match(patient, analysis)`` evaluates every rule of a
:class:`~criteria_nlp.schema.TrialAnalysis` on a
:class:`~criteria_nlp.patient.Patient` and returns a :class:`MatchResult`;
``rank(patient, analyses)`` orders several trials for one patient. The same
rule evaluators run over a whole cohort in :func:`criteria_nlp.screening.screen`.

Results
-------
Each rule's **statement** ("the patient has SELENA-SLEDAI >= 6", "the patient
needs dialysis") ``holds`` (True, False or None for unknown). Its **result** is
read from the patient's side of the criterion:

* ``met``: the rule does not stand in the way (a requirement that holds, an
  exclusion that does not);
* ``not_met``: it does (a requirement that does not hold, an exclusion that
  does: the patient is excluded by it);
* ``unknown``: the record cannot settle it; ``needs`` says what would.

Rules sharing a ``group`` are alternatives: a requirement group is met when any
member holds, not met when every member is known not to, unknown otherwise; an
exclusion group excludes when any member holds. A requirement group whose
computable members all fail but which has a non-computable member is
``unknown`` (that alternative may be the one the patient meets).

Non-computable rules (``computable: false``) are not evaluated: they are
reported ``unknown`` with the reason "not computable: ..." and listed in
``manual_review``, and they never make the verdict indeterminate by
themselves. The **verdict** is ``ineligible`` when any rule or group is
``not_met``, else ``indeterminate`` when any computable one is ``unknown``, else
``eligible``. Counts (``met``, ``not_met``, ``unknown``) are over computable
rules.

Populations, qualifiers, suspicion
----------------------------------
* A rule with ``applies_to`` binds only that population (:class:`PopulationCheck`:
  sex, childbearing potential, age band, conditions had or not had, with their
  qualifiers, and an ``other`` part no record answers). Outside it a rule is
  ``met`` (an alternative of an any-of requirement group is unavailable: not
  met); where membership is unknown, a rule that would stand in the way is
  ``unknown``.
* A rule's ``qualifiers`` that need confirmation (``resources/qualifiers.json``)
  are compared with ``ConditionFact.qualifiers`` by scale: stated and wanted,
  the fact counts; another member of the scale, it does not; none, unknown.
  Other evaluators, and cohort tables (which state no qualifiers), leave a
  holding statement ``unknown`` when a qualifier is to be confirmed.
* A ``suspected`` statement cannot be read from a record: ``unknown``.

Missing data is never a pass or a fail
--------------------------------------
* Age needs a birth date or an age; sex "all" is met by anyone, a female- or
  male-only rule is unknown for sex ``other``/``unknown``.
* Coded lists follow a completeness convention: a list that is ``None`` is
  unknown; a list that is given is complete (closed world): a code absent from
  it is absent. A fact that could not be coded keeps a negative answer
  ``unknown`` (it might be the one). Planned procedures and medications are
  complete only with ``plans_complete``; a planned or suspected *condition*
  cannot be read from a record (unknown). Family history is answered from
  ``family_history`` only.
* Labs, scores and observations are never complete: one that is not recorded
  is ``unknown``.

Concepts
--------
* Conditions (ICD-10-CM): a rule code covers its descendants (M32 covers
  M32.14; M32.14 does not cover M32.9); a code ``X00.9`` whose description says
  "unspecified" covers its category (SLE M32.9 covers M32.14); generic codes
  cover the ranges of ``resources/concept_ranges.json`` (B99.9 infection covers
  A00-B99 and the infections classified by site, C80.1 malignancy C00-C96 and
  Z85, ...). Personal-history codes (Z85-Z87, Z92) are never current.
* An exclusion whose concept overlaps a condition the trial itself requires
  ("SLE with severe infection", "other autoimmune diseases" in a lupus trial)
  does not count the required condition's category against the patient: it is
  read as "other than" the trial's own condition.
* Drugs: same code (DrugBank, MedlinePlus, ...), or, for a class (ATC code or
  lexicon class), an ATC code under the class's code or a member drug of the
  lexicon class (by name or DrugBank code).
* Procedures: the lexicon's ids with the narrower ones listed in
  ``concept_ranges.json`` (dialysis covers haemodialysis, peritoneal dialysis,
  renal replacement therapy); the entry's ``related`` ICD-10-CM status codes
  in the condition list count too (Z99.2 dependence on dialysis).
* Labs: by LOINC code (or lab id); "transaminases" stands for ALT and AST (a
  lower limit holds when either passes it, an upper limit when both stay under
  it). The latest measurement on or before the anchor (inside the rule's window
  when it has one) is used; a measurement without a date is read as taken on
  ``as_of``; one without a unit is in the lab's canonical unit. Values are
  converted to the rule's unit with pint (molar masses from the lexicon).
  ``uln_multiple``/``lln_multiple`` divide by the patient lab's own reference
  limit, else the lexicon's, else the rule is unknown. ``positive``/``negative``
  read a qualitative result, or compare a number with the upper reference
  limit; ``normal``/``abnormal`` compare with the reference range.
* Scores: the catalogue id; "4 of 11" compares the count of criteria met.
* Pregnancy reads ``pregnant``/``lactating``; when None, a male patient is not
  pregnant or lactating, and a current pregnancy code in the condition list
  counts; otherwise unknown. A male patient has no childbearing potential and is
  not postmenopausal.

Time
----
``status`` ``current``: a condition active on ``as_of`` (no abatement before
it), a medication taken on ``as_of``, a procedure going on or done (a rule
about a procedure's timing states a window); ``history``: ever, on or before
``as_of``; ``planned``: a planned procedure or medication. With a ``window``
the fact must overlap it (``bound`` ``within``) or lie at least that far before
the anchor (``at_least``). The window is anchored on the named date of the
record (``dates``, "randomization") when it has one, else on ``as_of``. A fact
whose dates cannot place it is unknown. Exceptions ("other than basal cell
carcinoma") take matching facts out of the rule; an exception of another
kind ("transaminases > 2 x ULN unless due to active lupus") makes an exclusion
that would apply ``unknown`` when the patient has it.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..cohort import Array, Cohort, F, T, U
from ..errors import PatientError
from ..lexicon import LabEntry, Lexicon, ScoreEntry, normalize
from ..qualifiers import qualifier_lexicon
from ..patient import (
    ConditionFact,
    LabFact,
    MedicationFact,
    Patient,
    ProcedureFact,
    concept_ranges,
    icd_code_or_range,
    icd_in,
    lab_entry,
    lab_key,
    normalize_icd,
    score_entry,
)
from ..patient_io import read_patient
from ..schema import YEARS_PER_UNIT, Concept, Population, Rule, RuleException, TrialAnalysis, Window

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MatchResult", "RULE_COLUMNS", "RuleResult", "SUMMARY_COLUMNS", "CompiledTrial", "compile_trial", "match", "rank"]

Result = Literal["met", "not_met", "unknown"]
Verdict = Literal["eligible", "indeterminate", "ineligible"]
RESULT_NAMES: dict[int, Result] = {T: "met", F: "not_met", U: "unknown"}
VERDICTS: tuple[Verdict, ...] = ("eligible", "indeterminate", "ineligible")
_ACTIVE = {None, "active", "recurrence", "relapse"}
_DRUG_SYSTEMS = {"DrugBank", "MedlinePlus", "ATC", "drug-named-entity-recognition", "RxNorm"}
_LOWER_BOUND_OPS = {">", ">=", "positive", "abnormal"}


# --------------------------------------------------------------------------- results


class RuleResult(BaseModel):
    """One rule evaluated for one patient (see the module docstring for ``holds`` and ``result``)."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    criterion: str | None = None
    category: str
    text: str
    evidence: str | None = None
    polarity: Literal["require", "exclude"]
    status: str
    group: str | None = None
    computable: bool = True
    holds: bool | None = None
    result: Result
    fact: str | None = None
    reason: str
    needs: list[str] = Field(default_factory=list)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # repr() and print(): the rule, its result and its text, not every field
        yield "rule", self.rule
        yield "result", self.result
        yield "category", self.category
        yield "text", _shorten(self.text)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return self.model_dump(mode="json")


def _shorten(text: str, width: int = 60) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else one_line[: width - 1].rstrip() + "…"


#: the columns of :meth:`MatchResult.to_frame`, one row per rule
RULE_COLUMNS = ("trial_id", "patient_id", "rule", "criterion", "category", "polarity", "status", "group", "computable",
                "holds", "result", "decisive", "fact", "reason", "needs", "text", "evidence")
#: the columns of :meth:`MatchResult.summary` and of ``rank(..., as_frame=True)``
SUMMARY_COLUMNS = ("trial_id", "patient_id", "as_of", "verdict", "met", "not_met", "unknown", "manual_review", "decided_by")


class ManualReview(BaseModel):
    """A rule a person must check: not computable, with why."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    criterion: str | None = None
    text: str
    reason: str


class MatchResult(BaseModel):
    """A patient matched against one trial: the verdict, every rule's result, and what decided it."""

    model_config = ConfigDict(extra="forbid")

    trial_id: str
    patient_id: str
    as_of: dt.date
    verdict: Verdict
    rules: list[RuleResult]
    groups: dict[str, Result] = Field(default_factory=dict)
    decided_by: list[str] = Field(default_factory=list)
    met: int = 0
    not_met: int = 0
    unknown: int = 0
    manual_review: list[ManualReview] = Field(default_factory=list)

    def rule(self, rule_id: str) -> RuleResult:
        """The result of one rule by id; ``KeyError`` when there is none."""
        for r in self.rules:
            if r.rule == rule_id:
                return r
        raise KeyError(rule_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return self.model_dump(mode="json")

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # repr() and print(): who, which trial, the verdict and the counts, not every rule
        yield "trial_id", self.trial_id
        yield "patient_id", self.patient_id
        yield "verdict", self.verdict
        yield "met", self.met
        yield "not_met", self.not_met
        yield "unknown", self.unknown
        yield "manual_review", len(self.manual_review)

    def summary(self) -> dict[str, Any]:
        """One row of the result (:data:`SUMMARY_COLUMNS`): verdict, counts, how many rules need review, and the
        ids of the rules that decided the verdict (comma-separated)."""
        return {"trial_id": self.trial_id, "patient_id": self.patient_id, "as_of": self.as_of, "verdict": self.verdict,
                "met": self.met, "not_met": self.not_met, "unknown": self.unknown,
                "manual_review": len(self.manual_review), "decided_by": ", ".join(self.decided_by)}

    def to_frame(self) -> "pd.DataFrame":
        """One row per rule (:data:`RULE_COLUMNS`): its result and reason; ``decisive`` marks the rules that
        decided the verdict, ``needs`` joins what would settle an unknown one with "; "."""
        import pandas as pd

        decisive = set(self.decided_by)
        rows = [{"trial_id": self.trial_id, "patient_id": self.patient_id, "rule": r.rule, "criterion": r.criterion,
                 "category": r.category, "polarity": r.polarity, "status": r.status, "group": r.group,
                 "computable": r.computable, "holds": r.holds, "result": r.result, "decisive": r.rule in decisive,
                 "fact": r.fact, "reason": r.reason, "needs": "; ".join(r.needs), "text": r.text, "evidence": r.evidence}
                for r in self.rules]
        frame = pd.DataFrame(rows, columns=list(RULE_COLUMNS))
        frame.attrs.update(trial_id=self.trial_id, patient_id=self.patient_id, verdict=self.verdict)
        return frame


@dataclass
class Outcome:
    """What one evaluator says about one patient: the statement's truth and how it was read."""

    holds: int
    fact: str | None = None
    reason: str = ""
    needs: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- three-valued helpers


def any3(values: Iterable[int]) -> int:
    """Three-valued OR: true if any is true, else unknown if any is unknown, else false."""
    out = F
    for v in values:
        if v == T:
            return T
        if v == U:
            out = U
    return out


def all3(values: Iterable[int]) -> int:
    """Three-valued AND: false if any is false, else unknown if any is unknown, else true."""
    out = T
    for v in values:
        if v == F:
            return F
        if v == U:
            out = U
    return out


def any3_array(stack: Array) -> Array:
    """Three-valued OR over axis 0 of an int8 array (1 true, 0 false, -1 unknown)."""
    return np.where((stack == T).any(axis=0), T, np.where((stack == U).any(axis=0), U, F)).astype(np.int8)


def all3_array(stack: Array) -> Array:
    """Three-valued AND over axis 0 of an int8 array."""
    return np.where((stack == F).any(axis=0), F, np.where((stack == U).any(axis=0), U, T)).astype(np.int8)


def sig(values: Array) -> Array:
    """Round to 10 significant digits (conversions then compare as written: 1.3 mg/dL is 114.9956 µmol/L exactly)."""
    x = np.asarray(values, dtype=np.float64)
    usable = np.isfinite(x) & (x != 0)
    mag = np.floor(np.log10(np.where(usable, np.abs(x), 1.0)))
    scale = np.power(10.0, 9 - mag)
    out = np.round(np.where(usable, x, 0.0) * scale) / scale
    return np.where(usable, out, x)


def compare(values: Array, op: str | None, low: float | None, high: float | None) -> Array:
    """Three-valued ``values op limit`` (NaN is unknown); an operator this cannot read gives unknown."""
    x = sig(values)
    known = ~np.isnan(x)
    lower = low if low is not None else high
    upper = high if high is not None else low
    if op == ">=" and lower is not None:
        ok = x >= lower
    elif op == ">" and lower is not None:
        ok = x > lower
    elif op == "<=" and upper is not None:
        ok = x <= upper
    elif op == "<" and upper is not None:
        ok = x < upper
    elif op == "=" and low is not None:
        ok = x == low
    elif op == "between" and low is not None and high is not None:
        ok = (x >= min(low, high)) & (x <= max(low, high))
    else:
        return np.full(x.shape, U, dtype=np.int8)
    return np.where(known, ok.astype(np.int8), U).astype(np.int8)


def compare_one(value: float | None, op: str | None, low: float | None, high: float | None) -> int:
    """:func:`compare` for one value."""
    return int(compare(np.array([np.nan if value is None else value]), op, low, high)[0])


def describe_limit(op: str | None, low: float | None, high: float | None, unit: str | None = None) -> str:
    """"≥ 6", "between 14 and 60 years" as a rule states it."""
    u = f" {unit}" if unit else ""
    if op == "between":
        return f"between {_num(low)} and {_num(high)}{u}"
    limit = low if op in (">", ">=", "=") else (high if high is not None else low)
    if limit is None:
        limit = low if low is not None else high
    sym = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}.get(op or "", op or "?")
    return f"{sym} {_num(limit)}{u}"


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:g}"


@functools.lru_cache(maxsize=4096)
def linear(src: str | None, dst: str | None, molar_mass: float | None = None) -> tuple[float, float] | None:
    """(a, b) with ``value_in_dst = a * value_in_src + b``, or None when the units do not convert."""
    from ..units import normalize_unit
    from ..values import canonicalize
    from ..schema import Value

    if dst is None or not dst.strip():
        return (1.0, 0.0) if (src is None or not src.strip()) else None
    if src is None or not src.strip():
        return None
    if src.strip() == dst.strip() or (normalize_unit(src) is not None and normalize_unit(src) == normalize_unit(dst)):
        return (1.0, 0.0)
    v = canonicalize(Value(low=0.0, high=1.0, unit=src, text=""), dst, molar_mass=molar_mass)
    if v.unit_canonical is None or v.low_canonical is None or v.high_canonical is None:
        return None
    return (float(v.high_canonical) - float(v.low_canonical), float(v.low_canonical))


def converter(src: str | None, dst: str | None, molar_mass: float | None = None) -> Callable[[Array], Array] | None:
    """Values in ``src`` -> values in ``dst`` (NaN where undefined), or None when the units do not convert.

    Linear as :func:`linear`; into a logarithmic unit ("log10 IU/mL") from its
    linear amount (IU/mL, or a unit that converts to it) by the base-10
    logarithm (an amount of 0 is minus infinity, below every limit; a negative
    one has none).
    """
    conv = linear(src, dst, molar_mass)
    if conv is not None:
        a, b = conv
        return lambda x: a * x + b
    from ..units import LOG_DISPLAY, parse_unit

    target = parse_unit(dst) if dst else None
    source = parse_unit(src) if src else None
    if target is None or not target.log or source is None or source.log:
        return None
    inner = target.display.removeprefix(LOG_DISPLAY)
    conv = linear(src, inner, molar_mass)
    if conv is None:
        return None
    a, b = conv

    def to_log(x: Array) -> Array:
        amount = a * np.asarray(x, dtype=float) + b
        positive = amount > 0
        return np.where(positive, np.log10(np.where(positive, amount, 1.0)), np.where(amount == 0, -np.inf, np.nan))

    return to_log


# --------------------------------------------------------------------------- time


@dataclass(frozen=True)
class Span:
    """When a fact was true: ``start``/``end`` (None: not known), ``ongoing`` on ``as_of``."""

    start: dt.date | None
    end: dt.date | None
    ongoing: bool
    point: bool = False  # an event (a procedure, a measurement), not a state


def window_bounds(window: Window, anchor: dt.date) -> tuple[dt.date | None, dt.date | None] | None:
    """(first day, last day) of a ``within`` window around ``anchor``; None ends are open. None: no window."""
    days = window.duration_days
    delta = dt.timedelta(days=days) if days is not None else None
    direction = window.direction
    if direction == "future":
        return anchor, (anchor + delta) if delta is not None else None
    if direction == "around":
        if delta is None:
            return None
        return anchor - delta, anchor + delta
    if direction == "past" or (direction is None and delta is not None):
        return ((anchor - delta) if delta is not None else None), anchor
    return None


def timing(status: str, window: Window | None, span: Span, as_of: dt.date, anchor: dt.date) -> int:
    """Whether a fact with ``span`` counts for a rule of ``status`` (current/history) with ``window``."""
    if window is not None and (window.duration_days is not None or window.direction is not None):
        if window.bound == "at_least" and window.duration_days is not None:
            if span.start is None:
                return U
            delta = dt.timedelta(days=window.duration_days)
            if window.direction == "future":
                return T if span.start >= anchor + delta else F
            return T if span.start <= anchor - delta else F
        bounds = window_bounds(window, anchor)
        if bounds is not None:
            return _overlap(span, bounds, as_of)
    if span.start is not None and span.start > as_of:
        return F  # not yet
    if status == "current":
        return T if span.ongoing or span.point else F
    return T


def _overlap(span: Span, bounds: tuple[dt.date | None, dt.date | None], as_of: dt.date) -> int:
    w0, w1 = bounds
    start, end = span.start, span.end
    if span.ongoing:
        end = max(end, as_of) if end is not None else as_of
    if span.point and end is None:
        end = start
    if start is not None and (w0 is None or start >= w0) and (w1 is None or start <= w1):
        return T  # it began inside the window
    if start is not None and w1 is not None and start > w1:
        return F
    if end is not None and w0 is not None and end < w0:
        return F
    start_ok = w1 is None or (start is not None and start <= w1) or (start is None and w1 >= as_of)
    end_ok = w0 is None or (end is not None and end >= w0)
    if start_ok and end_ok:
        return T
    return U


def window_text(window: Window | None, anchored: bool, anchor_name: str | None) -> str:
    """How a window was placed, for reasons."""
    if window is None:
        return ""
    where = f" (anchored on {anchor_name})" if anchored and anchor_name else (
        f" (anchored on as_of: the record has no '{anchor_name}' date)" if anchor_name else "")
    return f" {window.text}{where}"


# --------------------------------------------------------------------------- concept coverage


def _category_of(code: str) -> str:
    return code[:3]


class ConditionCover:
    """The ICD-10-CM codes a rule's (or exception's) condition concept covers.

    The concept's code is a code ("E11.9") or a range that names a whole family
    ("E08-E13", diabetes mellitus of any type); either covers itself, and the
    entries of ``concept_ranges.json`` with that code add to it. A patient's
    code that is itself a range is covered when the whole range is.
    """

    def __init__(self, concept: Concept, evidence: str | None = None) -> None:
        code = icd_code_or_range(concept.code)
        self.code = code
        self.specs: list[str] = [code] if code else []
        self.excepts: list[str] = []
        if code is None:
            return
        entry_id = None
        if evidence:
            entry = Lexicon.load().lookup(evidence, "CONDITION")
            entry_id = entry.id if entry is not None else None
        hits = [g for g in concept_ranges().conditions if g.code == code and (g.entries is None or entry_id in g.entries)]
        for g in hits:
            self.specs.extend(g.covers)
            self.excepts.extend(g.except_)
        if not hits and len(code) == 5 and code.endswith(".9"):
            desc = _description(concept).lower()  # "SLE, unspecified", or an inclusion term such as "Hepatitis NOS"
            if "unspecified" in desc or desc.endswith(" nos"):
                self.specs.append(_category_of(code))
        self._cache: dict[str, bool] = {}

    def covers(self, code: str) -> bool:
        """True when the dotted ICD-10-CM ``code`` (or range) is covered."""
        hit = self._cache.get(code) if self.code else None
        if hit is None:
            hit = any(icd_in(code, s) for s in self.specs) and not any(icd_in(code, e) for e in self.excepts)
            if self.code:
                self._cache[code] = hit
        return hit

    def overlaps(self, other: "ConditionCover") -> bool:
        """True when either concept's own code is covered by the other."""
        return bool(self.code and other.code and (self.covers(other.code) or other.covers(self.code)))


def _description(concept: Concept) -> str:
    if concept.name:
        return concept.name
    from ..codes import _icd

    try:
        return str(_icd().get_description(concept.code))
    except Exception:  # simple_icd_10_cm raises ValueError for unknown codes
        return ""


def _history_code(code: str) -> bool:
    return any(icd_in(code, s) for s in concept_ranges().history_codes)


class DrugCover:
    """The medications a rule's drug concept covers: the same code, or the members of a class."""

    def __init__(self, concept: Concept) -> None:
        lex = Lexicon.load()
        self.system, self.code = concept.system, concept.code
        self.names: set[str] = {normalize(concept.name)} if concept.name else set()
        self.atc: list[str] = []
        self.member_names: set[str] = set()
        drugs = lex.entries("DRUG")
        same = [e for e in drugs if e.concept.system == concept.system and e.concept.code == concept.code]
        # the ATC groups the rule covers: its own ATC code, or those a lexicon class is the union of
        if concept.system == "ATC":
            self.atc.append(concept.code)
        for e in same:
            self.atc.extend(getattr(e, "atc_groups", []))

        def under(e: Any) -> bool:  # a class or drug wholly inside the covered groups lends its members
            codes = [e.concept.code] if e.concept.system == "ATC" else list(getattr(e, "atc_groups", []))
            return bool(codes) and all(any(c.startswith(g) for g in self.atc) for c in codes)

        own = {e.id for e in same}
        entries = same + [e for e in drugs if e.id not in own and self.atc and under(e)]
        self.is_class = concept.system == "ATC" or any(getattr(e, "is_class", False) for e in entries)
        for e in entries:
            for m in getattr(e, "members", []):
                self.member_names.add(normalize(m))
        if self.is_class:
            self.names = set()
        self._member_codes: set[tuple[str, str]] | None = None

    def member_codes(self) -> set[tuple[str, str]]:
        """(system, code) of the class's member drugs (from the drug package; built on first use)."""
        if self._member_codes is None:
            from ..codes import drug_index

            index = drug_index()
            codes = set()
            for name in self.member_names:
                c = index.get(name)
                if c is not None:
                    codes.add((c.system, c.code))
            self._member_codes = codes
        return self._member_codes

    def covers(self, concept: Concept | None, name: str | None) -> bool:
        """True when a medication (its concept and name as written) is this drug or a member of this class."""
        if concept is not None:
            if concept.system == self.system and concept.code == self.code:
                return True
            if concept.system == "ATC" and any(concept.code.startswith(a) for a in self.atc):
                return True
        names = {normalize(n) for n in (name, concept.name if concept is not None else None) if n}
        if names & self.names or names & self.member_names:
            return True
        if self.is_class and self.member_names and concept is not None and concept.system == "DrugBank":
            return (concept.system, concept.code) in self.member_codes()
        return False


class ProcedureCover:
    """The procedure ids a rule's procedure covers, and the ICD-10-CM status codes that say so."""

    def __init__(self, concept: Concept) -> None:
        table = {p.id: p.covers for p in concept_ranges().procedures}
        ids = {concept.code}
        frontier = [concept.code]
        while frontier:
            for child in table.get(frontier.pop(), []):
                if child not in ids:
                    ids.add(child)
                    frontier.append(child)
        self.ids = ids
        lex = Lexicon.load()
        related: set[str] = set()
        for i in ids:
            try:
                entry = lex.get(i)
            except KeyError:
                continue
            related.update(normalize_icd(r.code) or r.code for r in entry.related if r.system == "ICD-10-CM")
        self.related = sorted(related)

    def covers(self, code: str) -> bool:
        """True when a procedure id is covered."""
        return code in self.ids

    def covers_status(self, icd: str) -> bool:
        """True when an ICD-10-CM status code (Z99.2) says the patient has the procedure."""
        return any(icd_in(icd, r) for r in self.related)


# --------------------------------------------------------------------------- the patient view


class View:
    """A patient prepared for matching: as_of, age, and its facts by kind."""

    def __init__(self, patient: Patient, as_of: dt.date | None = None) -> None:
        self.p = patient if as_of is None else patient.model_copy(update={"as_of": as_of})
        self.as_of = self.p.as_of

    def anchor(self, window: Window | None) -> tuple[dt.date, bool]:
        """The anchor of a window: the record's named date when it has one, else as_of."""
        if window is None or window.anchor is None:
            return self.as_of, False
        return self.p.anchor(window.anchor)

    def condition_span(self, f: ConditionFact) -> Span:
        """When a condition was true."""
        code = f.concept.code if f.concept is not None else ""
        ongoing = (f.status in _ACTIVE and (f.abatement is None or f.abatement > self.as_of)
                   and not _history_code(code))
        return Span(f.onset, f.abatement, ongoing)

    def medication_span(self, f: MedicationFact) -> Span:
        """When a medication was taken."""
        active = f.status in (None, "active", "on-hold", "unknown")
        ongoing = (f.end is None and active) or (f.end is not None and f.end >= self.as_of and f.status not in ("completed", "stopped"))
        return Span(f.start, f.end, ongoing)

    def procedure_span(self, f: ProcedureFact) -> Span:
        """When a procedure took place."""
        return Span(f.date, f.date if f.status == "completed" else None, f.status == "in-progress", point=f.status == "completed")


def _label(f: Any) -> str:
    text: str = f.label()
    return text


# --------------------------------------------------------------------------- evaluators


_EXCEPTION_KINDS = {"condition": ("current",), "drug": ("current",), "procedure": ("completed", "in-progress")}


def _exception_predicate(kind: str, cover: Any) -> Callable[[Concept, str | None], bool]:
    """Whether a coded item of a cohort's list is an exception's fact (timing is the caller's)."""
    def condition(con: Concept, name: str | None) -> bool:
        return con.system == "ICD-10-CM" and bool(cover.covers(con.code)) and not _history_code(con.code)

    def drug(con: Concept, name: str | None) -> bool:
        return bool(cover.covers(con, name))

    def procedure(con: Concept, name: str | None) -> bool:
        return bool(cover.covers(con.code))

    return {"condition": condition, "drug": drug, "procedure": procedure}[kind]


def _exception_kind(concept: Concept | None) -> str | None:
    if concept is None:
        return None
    if concept.system == "ICD-10-CM":
        return "condition"
    if concept.system in _DRUG_SYSTEMS or concept.code.startswith("drug:"):
        return "drug"
    if concept.code.startswith("proc:"):
        return "procedure"
    return None


class Evaluator:
    """Evaluates one computable rule's statement, for one patient (:meth:`one`) or a cohort (:meth:`many`)."""

    kind = "other"
    #: whether the statement itself compares the rule's qualifiers with the patient's facts
    reads_qualifiers = False

    def __init__(self, rule: Rule, trial: "CompiledTrial") -> None:
        self.rule = rule
        self.trial = trial
        #: the rule's qualifiers a record must confirm ("uncontrolled", "chronic")
        self.qualifiers = qualifier_lexicon().needs_confirmation(rule.qualifiers)
        self.same_kind_exceptions: list[RuleException] = []
        self.other_exceptions: list[RuleException] = []
        for exc in rule.exceptions:
            if _exception_kind(exc.concept) == self.kind and exc.concept is not None:
                self.same_kind_exceptions.append(exc)
            else:
                self.other_exceptions.append(exc)

    # a subclass gives the statement; exceptions of another kind are applied here
    def statement(self, v: View) -> Outcome:
        """The statement's truth for one patient, before exceptions of another kind."""
        concept = self.rule.concept.code if self.rule.concept is not None else "no concept"
        return Outcome(U, reason=f"no evaluator for a rule of category {self.rule.category} ({concept})", needs=[])

    def statement_many(self, c: "Cohort") -> Array:
        """The statement's truth for every row of a cohort."""
        return np.full(c.n, U, dtype=np.int8)

    def one(self, v: View) -> Outcome:
        """The statement's truth for one patient, exceptions applied."""
        if self.rule.status == "suspected":
            what = self.rule.evidence or (self.rule.concept.code if self.rule.concept is not None else "it")
            return Outcome(U, None, f"a suspected {what} cannot be read from a record", [f"whether {what} is suspected"])
        out = self.statement(v)
        if out.holds == T and self.qualifiers and not self.reads_qualifiers:
            what = " or ".join(self.qualifiers)
            return Outcome(U, out.fact, f"{out.reason}, but the record does not say whether it is {what}",
                           out.needs + [f"whether {out.fact or 'it'} is {what}"])
        if out.holds == T and self.other_exceptions:
            present, label = self.exceptions_present(v)
            if present != F:
                texts = ", ".join(e.text for e in self.other_exceptions)
                why = (f"the patient has {label}" if present == T else
                       "the record cannot tell whether it applies")
                return Outcome(U, out.fact, f"{out.reason}; but the exception '{texts}' may apply ({why})",
                               out.needs + [f"whether '{texts}' explains it"])
        return out

    def many(self, c: "Cohort") -> Array:
        """The statement's truth for every row of a cohort, exceptions applied."""
        if self.rule.status == "suspected":
            return np.full(c.n, U, dtype=np.int8)
        out = self.statement_many(c)
        if self.qualifiers and not self.reads_qualifiers:
            out = np.where(out == T, U, out).astype(np.int8)  # a table states no qualifiers
        if self.other_exceptions:
            present = self.exceptions_present_many(c)
            out = np.where((out == T) & (present != F), U, out).astype(np.int8)
        return out

    # ----------------------------------------------------------------- exceptions of another kind

    def _exception_covers(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for exc in self.other_exceptions:
            kind = _exception_kind(exc.concept)
            assert_concept = exc.concept
            if kind == "condition" and assert_concept is not None:
                out.append((kind, ConditionCover(assert_concept, exc.text)))
            elif kind == "drug" and assert_concept is not None:
                out.append((kind, DrugCover(assert_concept)))
            elif kind == "procedure" and assert_concept is not None:
                out.append((kind, ProcedureCover(assert_concept)))
            else:
                out.append(("unknown", exc.text))
        return out

    def exceptions_present(self, v: View) -> tuple[int, str]:
        """Whether the patient has an exception's fact now (three-valued), and which."""
        results: list[int] = []
        for kind, cover in self._exception_covers():
            if kind == "condition":
                facts = v.p.conditions
                if facts is None:
                    results.append(U)
                    continue
                hits = [f for f in facts if f.concept is not None and cover.covers(f.concept.code) and v.condition_span(f).ongoing]
                if hits:
                    return T, _label(hits[0])
                results.append(U if any(f.concept is None for f in facts) else F)
            elif kind == "drug":
                meds = v.p.medications
                if meds is None:
                    results.append(U)
                    continue
                hits_m = [m for m in meds if m.concept is not None and m.status != "not-taken" and m.status != "intended"
                          and cover.covers(m.concept, m.name) and v.medication_span(m).ongoing]
                if hits_m:
                    return T, _label(hits_m[0])
                results.append(U if any(m.concept is None for m in meds) else F)
            elif kind == "procedure":
                procs = v.p.procedures
                if procs is None:
                    results.append(U)
                    continue
                hits_p = [p for p in procs if p.concept is not None and cover.covers(p.concept.code) and p.status != "planned"]
                if hits_p:
                    return T, _label(hits_p[0])
                results.append(U if any(p.concept is None for p in procs) else F)
            else:
                results.append(U)
        return any3(results), ""

    def exceptions_present_many(self, c: "Cohort") -> Array:
        """:meth:`exceptions_present` for every row of a cohort."""
        parts: list[Array] = []
        for kind, cover in self._exception_covers():
            if kind not in ("condition", "drug", "procedure"):
                parts.append(np.full(c.n, U, dtype=np.int8))
                continue
            lst = c.lists[{"condition": "conditions", "drug": "medications", "procedure": "procedures"}[kind]]
            hit = lst.any_rows(_exception_predicate(kind, cover), kinds=_EXCEPTION_KINDS[kind])
            parts.append(np.where(~lst.provided, U, np.where(hit, T, np.where(lst.uncoded, U, F))).astype(np.int8))
        return any3_array(np.stack(parts)) if parts else np.full(c.n, F, dtype=np.int8)


# ----------------------------------------------------------------- age and sex


class AgeEvaluator(Evaluator):
    """Age in years against the rule's limits (completed years for whole-year limits)."""

    kind = "age"

    def limits(self) -> tuple[float | None, float | None]:
        """The rule's limits in years."""
        factor = YEARS_PER_UNIT.get((self.rule.unit or "years").lower(), None)
        if factor is None:
            factor = YEARS_PER_UNIT.get((self.rule.unit or "years").lower() + "s", 1.0)
        low = self.rule.low * factor if self.rule.low is not None else None
        high = self.rule.high * factor if self.rule.high is not None else None
        return low, high

    def whole(self) -> bool:
        """True when every limit is a whole number of years (then completed years are compared)."""
        low, high = self.limits()
        return all(x is None or float(x).is_integer() for x in (low, high))

    def statement(self, v: View) -> Outcome:
        age = v.p.age_on(v.as_of)
        low, high = self.limits()
        limit = describe_limit(self.rule.operator, low, high, "years")
        if age is None:
            return Outcome(U, None, f"age {limit}: no birth date or age in the record", ["date of birth or age"])
        value = age[0] if self.whole() else age[1]
        holds = compare_one(value, self.rule.operator, low, high)
        return Outcome(holds, f"age {value:g} years on {v.as_of}", f"age {value:g} {'is' if holds == T else 'is not'} {limit}"
                       if holds != U else f"cannot compare age with {limit}")

    def statement_many(self, c: "Cohort") -> Array:
        low, high = self.limits()
        return compare(c.age_completed if self.whole() else c.age_exact, self.rule.operator, low, high)


class SexEvaluator(Evaluator):
    """Sex: "all" is anyone; female or male needs the patient's sex."""

    kind = "sex"

    def wanted(self) -> str:
        """The sex the rule asks for."""
        return self.rule.concept.code if self.rule.concept is not None else "all"

    def statement(self, v: View) -> Outcome:
        want = self.wanted()
        sex = v.p.sex
        if want == "all":
            return Outcome(T, f"sex {sex}", "the trial takes all sexes")
        if sex in ("female", "male"):
            holds = T if sex == want else F
            return Outcome(holds, f"sex {sex}", f"the trial takes {want} patients; the patient is {sex}")
        return Outcome(U, f"sex {sex}", f"the trial takes {want} patients; the record's sex is {sex}", ["sex"])

    def statement_many(self, c: "Cohort") -> Array:
        want = self.wanted()
        if want == "all":
            return np.full(c.n, T, dtype=np.int8)
        known = (c.sex == "female") | (c.sex == "male")
        return np.where(known, (c.sex == want).astype(np.int8), U).astype(np.int8)


# ----------------------------------------------------------------- pregnancy


class PregnancyEvaluator(Evaluator):
    """Pregnancy, lactation, childbearing potential and contraception."""

    kind = "pregnancy"

    def __init__(self, rule: Rule, trial: "CompiledTrial") -> None:
        super().__init__(rule, trial)
        code = rule.concept.code if rule.concept is not None else ""
        table = concept_ranges().pregnancy
        icd = normalize_icd(code)
        self.what: str | None = None
        if icd is not None and any(icd_in(icd, s) for s in table.pregnant):
            self.what = "pregnant"
        elif icd is not None and any(icd_in(icd, s) for s in table.lactating):
            self.what = "lactating"
        elif code.startswith("obs:"):
            self.what = code
        self.codes = table.pregnant if self.what == "pregnant" else table.lactating

    def statement(self, v: View) -> Outcome:
        if self.what is None:
            return Outcome(U, None, f"'{self.rule.evidence}' cannot be read from a record", [str(self.rule.evidence)])
        if self.rule.status != "current":
            return Outcome(U, None, f"a {self.rule.status} {self.what} state cannot be read from a record", [f"{self.rule.status} {self.what}"])
        if self.what.startswith("obs:"):
            return ObservationEvaluator.read(v, self.what, "current")
        flag = v.p.pregnant if self.what == "pregnant" else v.p.lactating
        if flag is not None:
            return Outcome(T if flag else F, f"{self.what}: {'yes' if flag else 'no'}", f"the record says {'' if flag else 'not '}{self.what}")
        if v.p.sex == "male":
            return Outcome(F, "sex male", f"a male patient is not {self.what}")
        for f in v.p.conditions or []:
            if f.concept is not None and f.concept.system == "ICD-10-CM" and any(icd_in(f.concept.code, s) for s in self.codes) and v.condition_span(f).ongoing:
                return Outcome(T, _label(f), f"the condition list holds {_label(f)}")
        return Outcome(U, None, f"the record does not say whether the patient is {self.what}", [f"{'pregnancy' if self.what == 'pregnant' else 'lactation'} status"])

    def statement_many(self, c: "Cohort") -> Array:
        if self.what is None or self.rule.status != "current":
            return np.full(c.n, U, dtype=np.int8)
        if self.what.startswith("obs:"):
            return ObservationEvaluator.read_many(c, self.what, "current")
        flag = c.pregnant if self.what == "pregnant" else c.lactating
        codes = self.codes
        hit = c.lists["conditions"].any_rows(
            lambda con, name: con.system == "ICD-10-CM" and any(icd_in(con.code, s) for s in codes) and not _history_code(con.code),
            kinds=("current",))
        return np.where(flag != U, flag, np.where(c.sex == "male", F, np.where(hit, T, U))).astype(np.int8)


# ----------------------------------------------------------------- coded lists


class _CodedEvaluator(Evaluator):
    """Shared logic of rules on coded lists: closed world, exceptions, windows."""

    list_name = ""
    needs_list = ""

    def covered(self, concept: Concept | None, name: str | None) -> bool:
        """True when a fact's concept is covered by the rule (exceptions not applied)."""
        raise NotImplementedError

    def excepted(self, concept: Concept | None, name: str | None) -> bool:
        """True when a fact falls under one of the rule's exceptions (or the trial's own condition)."""
        return False

    def value_check(self, fact: Any) -> int:
        """Whether a counted fact satisfies the rule's value (class/grade); true when the rule has none."""
        return T

    def _summary(self, counted: list[str], unknown: list[str], excepted: list[str], uncoded: list[str], when: str,
                 list_name: str | None = None, ungraded: Sequence[str] = (), own: Sequence[str] = ()) -> Outcome:
        list_name = list_name or self.list_name
        when_ = f" ({when})" if when else ""
        if counted:
            return Outcome(T, counted[0], f"the {list_name} holds {counted[0]}: {self.concept_name()}{when_}")
        notes = ""
        if excepted:
            notes += f"; {', '.join(excepted)} fall(s) under the exception"
        if own:
            notes += f"; {', '.join(own)} is the trial's own required condition, not counted against it"
        if ungraded:
            limit = describe_limit(self.rule.operator, self.rule.low, self.rule.high)
            return Outcome(U, ungraded[0], f"{ungraded[0]} is {self.concept_name()}{when_}, but the record gives no class, grade or stage ({limit} wanted){notes}",
                           [f"class, grade or stage of {ungraded[0]}"])
        if unknown:
            return Outcome(U, unknown[0], f"{unknown[0]} is {self.concept_name()}, but its dates cannot place it{when_}{notes}",
                           [f"dates of {unknown[0]}"])
        if uncoded:
            return Outcome(U, None, f"no {self.concept_name()}{when_} among the coded items of the {list_name}, but "
                           f"{len(uncoded)} item(s) could not be coded ({', '.join(uncoded[:3])}){notes}",
                           [f"codes for {', '.join(uncoded[:3])}"])
        return Outcome(F, None, f"no {self.concept_name()}{when_} in the {list_name}{notes}")

    def concept_name(self) -> str:
        """The rule's concept as written in reasons."""
        c = self.rule.concept
        if c is None:
            return "?"
        return f"{c.name or c.code} ({c.code})" if c.name and c.name != c.code else c.code

    def when_text(self, v: View) -> str:
        """The rule's status and window, for reasons."""
        anchor, found = v.anchor(self.rule.window)
        w = window_text(self.rule.window, found, self.rule.window.anchor if self.rule.window else None)
        return (self.rule.status + w).strip()


class ConditionEvaluator(_CodedEvaluator):
    """Conditions (ICD-10-CM), with history, windows, exceptions, family history and qualifiers."""

    kind = "condition"
    list_name = "condition list"
    reads_qualifiers = True

    def __init__(self, rule: Rule, trial: "CompiledTrial") -> None:
        super().__init__(rule, trial)
        assert rule.concept is not None
        self.cover = ConditionCover(rule.concept, rule.evidence)
        self.exception_covers = [ConditionCover(e.concept, e.text) for e in self.same_kind_exceptions if e.concept is not None]
        self.own: list[str] = []
        if rule.polarity == "exclude":
            for req in trial.required_conditions:
                if self.cover.overlaps(req) and req.code is not None:
                    self.own.append(req.code if "-" in req.code else _category_of(req.code))
        self.has_value = rule.operator is not None and (rule.low is not None or rule.high is not None)

    def covered(self, concept: Concept | None, name: str | None) -> bool:
        return concept is not None and concept.system == "ICD-10-CM" and self.cover.covers(concept.code)

    def excepted(self, concept: Concept | None, name: str | None) -> bool:
        if concept is None:
            return False
        code = concept.code
        return any(e.covers(code) for e in self.exception_covers) or any(icd_in(code, o) for o in self.own)

    def value_check(self, fact: Any) -> int:
        if not self.has_value:
            return T
        return compare_one(fact.value, self.rule.operator, self.rule.low, self.rule.high)

    def statement(self, v: View) -> Outcome:
        rule = self.rule
        if rule.status == "planned":
            return Outcome(U, None, f"a planned or suspected {self.concept_name()} cannot be read from a record",
                           [f"whether {self.concept_name()} is suspected or planned"])
        family = rule.status == "family"
        facts = v.p.family_history if family else v.p.conditions
        list_name = "family history" if family else "condition list"
        if facts is None:
            return Outcome(U, None, f"the record has no {list_name}", [f"{list_name} (ICD-10-CM)"])
        anchor, _ = v.anchor(rule.window)
        counted: list[str] = []
        unknown: list[str] = []
        ungraded: list[str] = []
        excepted: list[str] = []
        own: list[str] = []
        uncoded: list[str] = []
        unqualified: list[str] = []
        other_kind: list[str] = []
        for f in facts:
            if f.concept is None:
                uncoded.append(_label(f))
                continue
            if not self.covered(f.concept, f.name):
                continue
            if any(e.covers(f.concept.code) for e in self.exception_covers):
                excepted.append(_label(f))
                continue
            if any(icd_in(f.concept.code, o) for o in self.own):
                own.append(_label(f))
                continue
            label = _label(f) + _dates(f.onset, f.abatement)
            t = T if family else timing(rule.status, rule.window, v.condition_span(f), v.as_of, anchor)
            if t == T and self.value_check(f) != T:
                if self.value_check(f) == U:
                    ungraded.append(label)
                continue
            if t == T and self.qualifiers:
                q = qualifier_lexicon().compare(self.qualifiers, f.qualifiers)
                if q != T:
                    (unqualified if q == U else other_kind).append(label)
                    continue
            if t == T:
                counted.append(label)
            elif t == U:
                unknown.append(label)
        if not counted and unqualified:
            what = " or ".join(self.qualifiers)
            return Outcome(U, unqualified[0], f"{unqualified[0]} is {self.concept_name()}, but the record does not say "
                           f"whether it is {what}", [f"whether {unqualified[0]} is {what}"])
        out = self._summary(counted, unknown, excepted, uncoded, "" if family else self.when_text(v), list_name,
                            ungraded, own)
        if out.holds == F and other_kind:
            out = Outcome(F, None, f"{out.reason}; {', '.join(other_kind)} is not {' or '.join(self.qualifiers)}")
        return out

    def statement_many(self, c: "Cohort") -> Array:
        rule = self.rule
        if rule.status == "planned":
            return np.full(c.n, U, dtype=np.int8)
        lst = c.lists["family_history" if rule.status == "family" else "conditions"]
        as_of = dt.date(2000, 1, 1)  # undated facts: the outcome does not depend on the day

        def fact_timing(con: Concept, name: str | None, kind: str) -> int:
            if not (con.system == "ICD-10-CM" and self.cover.covers(con.code)) or self.excepted(con, name):
                return F
            if kind == "family":
                t = T
            else:
                ongoing = kind == "current" and not _history_code(con.code)
                t = timing(rule.status, rule.window, Span(None, None, ongoing), as_of, as_of)
            if t == T and (self.has_value or self.qualifiers):
                t = U  # a table holds no class, grade or qualifier
            return t

        return lst.closed_world(fact_timing)


def _dates(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return ""
    if end is None:
        return f" since {start}"
    return f" {start or '?'} to {end}"


class DrugEvaluator(_CodedEvaluator):
    """Medications: a drug or a class, taken now, ever, within a window, or planned."""

    kind = "drug"
    list_name = "medication list"

    def __init__(self, rule: Rule, trial: "CompiledTrial") -> None:
        super().__init__(rule, trial)
        assert rule.concept is not None
        self.cover = DrugCover(rule.concept)
        self.exception_covers = [DrugCover(e.concept) for e in self.same_kind_exceptions if e.concept is not None]

    def covered(self, concept: Concept | None, name: str | None) -> bool:
        return self.cover.covers(concept, name)

    def excepted(self, concept: Concept | None, name: str | None) -> bool:
        return any(e.covers(concept, name) for e in self.exception_covers)

    def statement(self, v: View) -> Outcome:
        rule = self.rule
        if rule.status == "family":
            return Outcome(U, None, "a relative's medication cannot be read from a record", ["family medication history"])
        meds = v.p.medications
        if meds is None:
            return Outcome(U, None, "the record has no medication list", ["medication list"])
        anchor, _ = v.anchor(rule.window)
        counted: list[str] = []
        unknown: list[str] = []
        excepted: list[str] = []
        uncoded: list[str] = []
        for m in meds:
            if m.status == "not-taken":
                continue
            if m.concept is None:
                uncoded.append(_label(m))
                continue
            if not self.covered(m.concept, m.name):
                continue
            if self.excepted(m.concept, m.name):
                excepted.append(_label(m))
                continue
            planned = m.status == "intended" or (m.start is not None and m.start > v.as_of)
            if rule.status == "planned":
                t = T if planned else F
            elif planned:
                t = F
            else:
                t = timing(rule.status, rule.window, v.medication_span(m), v.as_of, anchor)
            if t == T:
                counted.append(_label(m) + _dates(m.start, m.end))
            elif t == U:
                unknown.append(_label(m) + _dates(m.start, m.end))
        if rule.status == "planned" and not counted and not unknown and not v.p.plans_complete:
            return Outcome(U, None, f"no planned {self.concept_name()} in the record, whose plans are not complete",
                           ["planned medications (plans_complete)"])
        return self._summary(counted, unknown, excepted, uncoded, self.when_text(v))

    def statement_many(self, c: "Cohort") -> Array:
        rule = self.rule
        if rule.status == "family":
            return np.full(c.n, U, dtype=np.int8)
        lst = c.lists["medications"]
        as_of = dt.date(2000, 1, 1)

        def fact_timing(con: Concept, name: str | None, kind: str) -> int:
            if not self.covered(con, name) or self.excepted(con, name):
                return F
            if rule.status == "planned":
                return T if kind == "planned" else F
            if kind == "planned":
                return F
            return timing(rule.status, rule.window, Span(None, None, kind == "current"), as_of, as_of)

        out = lst.closed_world(fact_timing)
        if rule.status == "planned":
            out = np.where((out == F) & ~c.plans_complete, U, out).astype(np.int8)
        return out


class ProcedureEvaluator(_CodedEvaluator):
    """Procedures (lexicon ids), done, going on or planned; ICD-10-CM status codes count too."""

    kind = "procedure"
    list_name = "procedure list"

    def __init__(self, rule: Rule, trial: "CompiledTrial") -> None:
        super().__init__(rule, trial)
        assert rule.concept is not None
        self.cover = ProcedureCover(rule.concept)
        self.exception_covers = [ProcedureCover(e.concept) for e in self.same_kind_exceptions if e.concept is not None]

    def covered(self, concept: Concept | None, name: str | None) -> bool:
        return concept is not None and self.cover.covers(concept.code)

    def excepted(self, concept: Concept | None, name: str | None) -> bool:
        return concept is not None and any(e.covers(concept.code) for e in self.exception_covers)

    def statement(self, v: View) -> Outcome:
        rule = self.rule
        if rule.status == "family":
            return Outcome(U, None, "a relative's procedure cannot be read from a record", ["family procedure history"])
        procs = v.p.procedures
        anchor, _ = v.anchor(rule.window)
        counted: list[str] = []
        unknown: list[str] = []
        excepted: list[str] = []
        uncoded: list[str] = []
        for p in procs or []:
            if p.concept is None:
                uncoded.append(_label(p))
                continue
            if not self.covered(p.concept, p.name):
                continue
            if self.excepted(p.concept, p.name):
                excepted.append(_label(p))
                continue
            planned = p.status == "planned" or (p.date is not None and p.date > v.as_of)
            if rule.status == "planned":
                t = T if planned else F
            elif planned:
                t = F
            else:
                t = timing(rule.status, rule.window, v.procedure_span(p), v.as_of, anchor)
            label = _label(p) + (f" ({p.status} {p.date})" if p.date else f" ({p.status})")
            if t == T:
                counted.append(label)
            elif t == U:
                unknown.append(label)
        status_facts = 0
        if rule.status != "planned" and self.cover.related and v.p.conditions is not None:
            for f in v.p.conditions:
                if f.concept is None or not self.cover.covers_status(f.concept.code):
                    continue
                status_facts += 1
                t = timing(rule.status, rule.window, v.condition_span(f), v.as_of, anchor)
                if t == T:
                    counted.append(_label(f) + " (status code)")
                elif t == U:
                    unknown.append(_label(f) + " (status code)")
        if procs is None and not counted:
            needs = ["procedure list"]
            return Outcome(U, unknown[0] if unknown else None, "the record has no procedure list", needs)
        if rule.status == "planned" and not counted and not unknown and not v.p.plans_complete:
            return Outcome(U, None, f"no planned {self.concept_name()} in the record, whose plans are not complete",
                           ["planned procedures (plans_complete)"])
        return self._summary(counted, unknown, excepted, uncoded, self.when_text(v))

    def statement_many(self, c: "Cohort") -> Array:
        rule = self.rule
        if rule.status == "family":
            return np.full(c.n, U, dtype=np.int8)
        lst = c.lists["procedures"]
        as_of = dt.date(2000, 1, 1)

        def fact_timing(con: Concept, name: str | None, kind: str) -> int:
            if not self.covered(con, name) or self.excepted(con, name):
                return F
            if rule.status == "planned":
                return T if kind == "planned" else F
            if kind == "planned":
                return F
            span = Span(None, None, kind == "in-progress", point=kind == "completed")
            return timing(rule.status, rule.window, span, as_of, as_of)

        out = lst.closed_world(fact_timing)
        if rule.status != "planned" and self.cover.related:
            conds = c.lists["conditions"]

            def status_timing(con: Concept, name: str | None, kind: str) -> int:
                if not (con.system == "ICD-10-CM" and self.cover.covers_status(con.code)):
                    return F
                ongoing = kind == "current" and not _history_code(con.code)
                return timing(rule.status, rule.window, Span(None, None, ongoing), as_of, as_of)

            extra = conds.timings(status_timing)
            out = np.where(extra == T, T, np.where((extra == U) & (out != T), U, out)).astype(np.int8)
        if rule.status == "planned":
            out = np.where((out == F) & ~c.plans_complete, U, out).astype(np.int8)
        return out


# ----------------------------------------------------------------- labs and scores


@dataclass
class _LabTarget:
    key: str
    entry: LabEntry | None
    name: str


class LabEvaluator(Evaluator):
    """A lab value against a limit, a multiple of the reference limits, or a qualitative result."""

    kind = "lab"

    def __init__(self, rule: Rule, trial: "CompiledTrial") -> None:
        super().__init__(rule, trial)
        assert rule.concept is not None
        lex = Lexicon.load()
        main = lab_entry(rule.concept.code, None)
        targets: list[_LabTarget] = []
        group_entry = lex.lookup(rule.evidence, "LAB") if rule.evidence else None
        groups = {g.entry: g.members for g in concept_ranges().lab_groups}
        if group_entry is not None and group_entry.id in groups:
            for member in groups[group_entry.id]:
                e = lex.get(member)
                assert isinstance(e, LabEntry)
                targets.append(_LabTarget(lab_key(e), e, e.name))
        elif main is not None:
            targets.append(_LabTarget(lab_key(main), main, main.name))
        else:
            targets.append(_LabTarget(rule.concept.code, None, rule.concept.name or rule.concept.code))
        self.targets = targets
        #: a lower limit ("> 2 x ULN") holds for a group when any member passes it; other limits need all
        self.any_member = (rule.operator or "") in _LOWER_BOUND_OPS

    def _needs(self, t: _LabTarget) -> str:
        code = t.entry.loinc if t.entry is not None and t.entry.loinc else t.key
        return f"{t.name} (LOINC {code})" if t.entry is not None and t.entry.loinc else f"{t.name} ({code})"

    def target_unit(self, t: _LabTarget) -> str | None:
        """The unit the rule's number is in: its own, else the lab's canonical unit."""
        return self.rule.unit or (t.entry.canonical_unit if t.entry is not None else None)

    def pick(self, v: View, t: _LabTarget) -> LabFact | None:
        """The measurement the rule reads: the latest on or before the anchor, inside the window when there is one."""
        anchor, _ = v.anchor(self.rule.window)
        best: tuple[dt.date, int, LabFact] | None = None
        for i, f in enumerate(v.p.labs):
            entry = f.entry()
            key = lab_key(entry) if entry is not None else (f.concept.code if f.concept is not None else None)
            if key != t.key:
                continue
            day = f.date or v.as_of
            if day > v.as_of or not _in_window(self.rule.window, day, anchor, v.as_of):
                continue
            if best is None or (day, i) >= (best[0], best[1]):
                best = (day, i, f)
        return best[2] if best is not None else None

    def evaluate_value(self, t: _LabTarget, value: float | None, result: str | None, unit: str | None,
                       ref_low: float | None, ref_high: float | None) -> tuple[int, str, list[str]]:
        """(truth, explanation, needs) for one measurement."""
        rule = self.rule
        op = rule.operator
        entry = t.entry
        unit = unit if unit is not None and unit.strip() else (entry.canonical_unit if entry is not None else None)
        mm = entry.molar_mass if entry is not None else None
        if rule.uln_multiple is not None or rule.lln_multiple is not None:
            upper = rule.uln_multiple is not None
            multiple = rule.uln_multiple if upper else rule.lln_multiple
            ratio, how = _ratio(value, unit, ref_high if upper else ref_low, entry, mm, upper)
            if ratio is None:
                return U, how, [f"reference range of {t.name}"] if value is not None else [self._needs(t)]
            holds = compare_one(ratio, op, multiple, multiple)
            return holds, f"{how} = {ratio:.3g} x {'ULN' if upper else 'LLN'} ({describe_limit(op, multiple, multiple)} x {'ULN' if upper else 'LLN'})", []
        if op in ("positive", "negative", "normal", "abnormal"):
            return _qualitative(op, value, result, unit, ref_low, ref_high, entry, mm, t.name)
        if value is None:
            return U, f"{t.name} is {result}, not a number", [self._needs(t)]
        dst = self.target_unit(t)
        conv = converter(unit, dst, mm)
        if conv is None:
            return U, f"cannot convert {unit} to {dst}", [f"{t.name} in {dst}"]
        x = float(sig(conv(np.array([value])))[0])
        if math.isnan(x):
            return U, f"{value:g} {unit} has no logarithm", [self._needs(t)]  # only a log conversion gives NaN
        holds = compare_one(x, op, rule.low, rule.high)
        shown = f"{value:g} {unit or ''}".strip()
        if dst and unit != dst:
            shown += f" = {x:.4g} {dst}"
        return holds, f"{shown} ({describe_limit(op, rule.low, rule.high, dst)})", []

    def statement(self, v: View) -> Outcome:
        truths: list[int] = []
        facts: list[str] = []
        reasons: list[str] = []
        needs: list[str] = []
        for t in self.targets:
            f = self.pick(v, t)
            if f is None:
                truths.append(U)
                reasons.append(f"no {t.name} measurement" + (f" {self.rule.window.text}" if self.rule.window else ""))
                needs.append(self._needs(t))
                continue
            holds, how, need = self.evaluate_value(t, f.value, f.result, f.unit, f.reference_low, f.reference_high)
            truths.append(holds)
            what = f"{t.name} {f.value:g} {f.unit or ''}".rstrip() if f.value is not None else f"{t.name} {f.result}"
            facts.append(f"{what} on {f.date or v.as_of}")
            reasons.append(how)
            needs.extend(need)
        holds = any3(truths) if self.any_member else all3(truths)
        if len(self.targets) > 1:
            kind = "either" if self.any_member else "each"
            reasons.insert(0, f"{self.rule.evidence} ({kind} of {', '.join(t.name for t in self.targets)})")
        return Outcome(holds, "; ".join(facts) or None, "; ".join(reasons), needs if holds == U else [])

    def statement_many(self, c: "Cohort") -> Array:
        parts = []
        for t in self.targets:
            col = c.labs.get(t.key)
            if col is None:
                parts.append(np.full(c.n, U, dtype=np.int8))
                continue
            parts.append(self._many_one(c, t, col))
        stack = np.stack(parts)
        return any3_array(stack) if self.any_member else all3_array(stack)

    def _many_one(self, c: "Cohort", t: _LabTarget, col: Any) -> Array:
        rule = self.rule
        entry = t.entry
        mm = entry.molar_mass if entry is not None else None
        value = col.value.copy()
        present = ~np.isnan(value) | (col.result != U)
        if col.date is not None:
            dates = col.date
            known_date = ~np.isnat(dates)
            day = np.where(known_date, dates, c.as_of)
            ok = day <= c.as_of
            if rule.window is not None:
                ok &= _in_window_many(rule.window, day, c.as_of)
            present &= ok
        out = np.full(c.n, U, dtype=np.int8)
        # group rows by unit (a handful of distinct units)
        for unit in col.unit_values():
            rows = present & col.unit_mask(unit)
            if not rows.any():
                continue
            u = unit if unit else (entry.canonical_unit if entry is not None else None)
            out[rows] = self._evaluate_rows(t, value[rows], col.result[rows], u, col.ref_low[rows], col.ref_high[rows], mm)
        return out

    def _evaluate_rows(self, t: _LabTarget, value: Array, result: Array, unit: str | None,
                       ref_low: Array, ref_high: Array, mm: float | None) -> Array:
        rule = self.rule
        op = rule.operator
        entry = t.entry
        if rule.uln_multiple is not None or rule.lln_multiple is not None:
            upper = rule.uln_multiple is not None
            multiple = rule.uln_multiple if upper else rule.lln_multiple
            ratio = _ratio_many(value, unit, ref_high if upper else ref_low, entry, mm, upper)
            return compare(ratio, op, multiple, multiple)
        if op in ("positive", "negative", "normal", "abnormal"):
            return _qualitative_many(op, value, result, unit, ref_low, ref_high, entry, mm)
        dst = self.target_unit(t)
        conv = converter(unit, dst, mm)
        if conv is None:
            return np.full(value.shape, U, dtype=np.int8)
        return compare(sig(conv(value)), op, rule.low, rule.high)


def _in_window(window: Window | None, day: dt.date, anchor: dt.date, as_of: dt.date) -> bool:
    if window is None:
        return True
    if window.bound == "at_least" and window.duration_days is not None:
        return day <= anchor - dt.timedelta(days=window.duration_days)
    bounds = window_bounds(window, anchor)
    if bounds is None:
        return True
    w0, w1 = bounds
    return (w0 is None or day >= w0) and (w1 is None or day <= w1)


def _in_window_many(window: Window, day: Array, as_of: Array) -> Array:
    """:func:`_in_window` for a cohort, whose windows are anchored on each row's as_of."""
    if window.bound == "at_least" and window.duration_days is not None:
        return day <= as_of - np.timedelta64(int(window.duration_days), "D")
    d = window.duration_days
    # date - timedelta(days=182.625) drops the fraction: whole days here too
    delta = np.timedelta64(int(d), "D") if d is not None else None
    direction = window.direction
    if direction == "future":
        ok = day >= as_of
        return ok & (day <= as_of + delta) if delta is not None else ok
    if direction == "around":
        if delta is None:
            return np.ones(day.shape, dtype=bool)
        return (day >= as_of - delta) & (day <= as_of + delta)
    if direction == "past" or (direction is None and delta is not None):
        ok = day <= as_of
        return ok & (day >= as_of - delta) if delta is not None else ok
    return np.ones(day.shape, dtype=bool)


def _reference(entry: LabEntry | None, upper: bool) -> tuple[float | None, str | None]:
    if entry is None or entry.reference is None:
        return None, None
    return (entry.reference.high if upper else entry.reference.low), entry.reference.unit


def _ratio(value: float | None, unit: str | None, own: float | None, entry: LabEntry | None, mm: float | None,
           upper: bool) -> tuple[float | None, str]:
    side = "upper" if upper else "lower"
    if value is None:
        return None, "a qualitative result has no multiple of the reference limit"
    if own is not None and own > 0:
        return float(sig(np.array([value / own]))[0]), f"{value:g} / {side} reference limit {own:g} (the lab's own)"
    ref, ref_unit = _reference(entry, upper)
    if ref is None or ref <= 0:
        return None, f"no {side} reference limit for this lab"
    conv = linear(unit, ref_unit, mm)
    if conv is None:
        return None, f"cannot convert {unit} to the reference's {ref_unit}"
    x = conv[0] * value + conv[1]
    return float(sig(np.array([x / ref]))[0]), f"{value:g} {unit or ''} / {side} reference limit {ref:g} {ref_unit or ''} (typical adult range)".replace("  ", " ")


def _ratio_many(value: Array, unit: str | None, own: Array, entry: LabEntry | None, mm: float | None,
                upper: bool) -> Array:
    ref, ref_unit = _reference(entry, upper)
    out = np.full(value.shape, np.nan)
    has_own = ~np.isnan(own) & (own > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(has_own, sig(value / np.where(has_own, own, 1.0)), out)
        if ref is not None and ref > 0:
            conv = linear(unit, ref_unit, mm)
            if conv is not None:
                out = np.where(has_own, out, sig((conv[0] * value + conv[1]) / ref))
    return out


def _qualitative(op: str, value: float | None, result: str | None, unit: str | None, ref_low: float | None,
                 ref_high: float | None, entry: LabEntry | None, mm: float | None, name: str) -> tuple[int, str, list[str]]:
    arr = _qualitative_many(op, np.array([np.nan if value is None else value]),
                            np.array([{"positive": T, "negative": F}.get(result or "", U)], dtype=np.int8), unit,
                            np.array([np.nan if ref_low is None else ref_low]), np.array([np.nan if ref_high is None else ref_high]),
                            entry, mm)
    holds = int(arr[0])
    if result is not None:
        return holds, f"{name} {result} ({op} wanted)", []
    if holds == U:
        return U, f"{name} {value:g} {unit or ''}: no reference range to call it {op}".replace("  ", " "), [f"reference range of {name}"]
    return holds, f"{name} {value:g} {unit or ''} against the reference range ({op} wanted)".replace("  ", " "), []


def _qualitative_many(op: str, value: Array, result: Array, unit: str | None, ref_low: Array,
                      ref_high: Array, entry: LabEntry | None, mm: float | None) -> Array:
    """Positive/negative/normal/abnormal, from a qualitative result or the reference range."""
    lex_low, low_unit = _reference(entry, False)
    lex_high, high_unit = _reference(entry, True)

    def bound(own: Array, lex: float | None, lex_unit: str | None) -> Array:
        out = own.copy()
        if lex is not None:
            conv = linear(lex_unit, unit, mm) if lex_unit is not None else None
            if conv is not None:
                out = np.where(np.isnan(out), sig(np.array([conv[0] * lex + conv[1]]))[0], out)
        return out

    hi = bound(ref_high, lex_high, high_unit)
    lo = bound(ref_low, lex_low, low_unit)
    x = sig(value)
    with np.errstate(invalid="ignore"):
        above = np.where(np.isnan(x) | np.isnan(hi), U, (x > hi).astype(np.int8))
        below = np.where(np.isnan(x) | np.isnan(lo), U, (x < lo).astype(np.int8))
        has_range = ~np.isnan(hi) | ~np.isnan(lo)
        outside = np.where(np.isnan(x) | ~has_range, U,
                           np.where((above == T) | (below == T), T,
                                    np.where(((above == F) | np.isnan(hi)) & ((below == F) | np.isnan(lo)), F, U)))
    if op in ("positive", "negative"):
        pos = np.where(result != U, result, above).astype(np.int8)
        return pos if op == "positive" else np.where(pos == U, U, 1 - pos).astype(np.int8)
    abnormal = np.where(result != U, result, outside).astype(np.int8)
    return abnormal if op == "abnormal" else np.where(abnormal == U, U, 1 - abnormal).astype(np.int8)


class ScoreEvaluator(Evaluator):
    """A score (catalogue id) against the rule's limits; "4 of 11" compares the count."""

    kind = "score"

    def __init__(self, rule: Rule, trial: "CompiledTrial") -> None:
        super().__init__(rule, trial)
        assert rule.concept is not None
        self.entry: ScoreEntry | None = score_entry(rule.concept.code, None)
        self.code = self.entry.concept.code if self.entry is not None else rule.concept.code
        self.name = self.entry.name if self.entry is not None else (rule.concept.name or rule.concept.code)

    def statement(self, v: View) -> Outcome:
        anchor, _ = v.anchor(self.rule.window)
        best = None
        for i, s in enumerate(v.p.scores):
            if s.concept is None or s.concept.code != self.code:
                continue
            day = s.date or v.as_of
            if day > v.as_of or not _in_window(self.rule.window, day, anchor, v.as_of):
                continue
            if best is None or (day, i) >= (best[0], best[1]):
                best = (day, i, s)
        limit = describe_limit(self.rule.operator, self.rule.low, self.rule.high)
        if self.rule.of is not None:
            limit += f" of {self.rule.of:g}"
        if best is None:
            return Outcome(U, None, f"no {self.name} score recorded (the rule wants {limit})", [f"{self.name} score"])
        s = best[2]
        holds = compare_one(s.value, self.rule.operator, self.rule.low, self.rule.high)
        return Outcome(holds, f"{self.name} {s.value:g} on {s.date or v.as_of}", f"{self.name} {s.value:g} ({limit} wanted)")

    def statement_many(self, c: "Cohort") -> Array:
        col = c.scores.get(self.code)
        if col is None:
            return np.full(c.n, U, dtype=np.int8)
        value = col.value.copy()
        if col.date is not None:
            day = np.where(np.isnat(col.date), c.as_of, col.date)
            ok = day <= c.as_of
            if self.rule.window is not None:
                ok &= _in_window_many(self.rule.window, day, c.as_of)
            value = np.where(ok, value, np.nan)
        return compare(value, self.rule.operator, self.rule.low, self.rule.high)


# ----------------------------------------------------------------- observations


class ObservationEvaluator(Evaluator):
    """Smoking, alcohol and drug use, childbearing potential, menopause, contraception."""

    kind = "observation"

    @staticmethod
    def read(v: View, code: str, status: str) -> Outcome:
        """The observation ``code`` now (status current) or ever (history)."""
        found = None
        for i, o in enumerate(v.p.observations):
            if o.concept is not None and o.concept.code == code:
                key = (o.date or dt.date.min, i)
                if found is None or key >= found[0]:
                    found = (key, o)
        name = Lexicon.load().get(code).name if code.startswith("obs:") else code
        if found is not None:
            o = found[1]
            value = o.ever if status == "history" else o.present
            if value is not None:
                return Outcome(T if value else F, f"{name}: {'yes' if value else 'no'}{' (ever)' if status == 'history' else ''}",
                               f"the record says {'' if value else 'no '}{name}{' ever' if status == 'history' else ''}")
        if code in ("obs:childbearing-potential", "obs:postmenopausal") and v.p.sex == "male":
            return Outcome(F, "sex male", f"a male patient has no {name}")
        return Outcome(U, None, f"the record does not say ({name})", [name])

    @staticmethod
    def read_many(c: "Cohort", code: str, status: str) -> Array:
        """:meth:`read` for every row of a cohort."""
        col = c.observations.get(code)
        out = np.full(c.n, U, dtype=np.int8)
        if col is not None:
            out = (col[1] if status == "history" else col[0]).copy()
        if code in ("obs:childbearing-potential", "obs:postmenopausal"):
            out = np.where((out == U) & (c.sex == "male"), F, out).astype(np.int8)
        return out

    def statement(self, v: View) -> Outcome:
        assert self.rule.concept is not None
        if self.rule.status in ("planned", "family"):
            return Outcome(U, None, f"a {self.rule.status} observation cannot be read from a record", [self.rule.concept.code])
        return self.read(v, self.rule.concept.code, self.rule.status)

    def statement_many(self, c: "Cohort") -> Array:
        assert self.rule.concept is not None
        if self.rule.status in ("planned", "family"):
            return np.full(c.n, U, dtype=np.int8)
        return self.read_many(c, self.rule.concept.code, self.rule.status)


# ----------------------------------------------------------------- populations


class PopulationCheck:
    """Whether a patient belongs to the population a rule binds (``Rule.applies_to``), three-valued.

    Every part given must hold: sex, childbearing (reproductive) potential, the age band, having any
    of ``conditions``, having none of ``without``; ``other`` (a description no record answers) is unknown.
    """

    def __init__(self, population: Population) -> None:
        self.population = population
        self.covers = [ConditionCover(c) for c in population.conditions]
        self.absent = [ConditionCover(c) for c in population.without]

    def one(self, v: View) -> tuple[int, str]:
        """Membership (T, F or U) and the fact that settles it or is missing."""
        pop = self.population
        parts: list[tuple[int, str]] = []
        if pop.sex is not None:
            sex = v.p.sex
            parts.append((U if sex not in ("female", "male") else T if sex == pop.sex else F, f"sex {sex}"))
        if pop.childbearing_potential is not None:
            if pop.sex is None and v.p.sex == "male":
                # "fertile patients": a man's fertility is in no record we read
                parts.append((U, "whether the patient can father a child"))
            else:
                holds = ObservationEvaluator.read(v, "obs:childbearing-potential", "current").holds
                if holds != U and not pop.childbearing_potential:
                    holds = 1 - holds
                parts.append((holds, "childbearing potential"))
        if pop.age_operator is not None:
            age = v.p.age_on(v.as_of)
            holds = U if age is None else compare_one(age[0], pop.age_operator, pop.age_low, pop.age_high)
            parts.append((holds, f"age {age[0]:g}" if age is not None else "age"))
        for covers, wanted in ((self.covers, True), (self.absent, False)):
            if not covers:
                continue
            has = self._has(v, covers, pop.qualifiers if wanted else [])
            parts.append((has if wanted or has == U else 1 - has, "condition list"))
        if pop.other:
            parts.append((U, pop.other))
        values = [p for p, _ in parts]
        result = all3(values)
        why = next((w for p, w in parts if p == result), pop.text)
        return result, why

    @staticmethod
    def _has(v: View, covers: list[ConditionCover], qualifiers: list[str]) -> int:
        """Whether the patient has one of the conditions now, with the qualifiers asked ("treatment-refractory")."""
        facts = v.p.conditions
        if facts is None:
            return U
        held = [f for f in facts if f.concept is not None and any(c.covers(f.concept.code) for c in covers)
                and v.condition_span(f).ongoing]
        found = any3(qualifier_lexicon().compare(qualifiers, f.qualifiers) for f in held) if held else F
        if found != F:
            return found
        return U if any(f.concept is None for f in facts) else F

    def many(self, c: "Cohort") -> Array:
        """Membership for every row of a cohort."""
        pop = self.population
        parts: list[Array] = []
        if pop.sex is not None:
            known = (c.sex == "female") | (c.sex == "male")
            parts.append(np.where(known, (c.sex == pop.sex).astype(np.int8), U).astype(np.int8))
        if pop.childbearing_potential is not None:
            holds = ObservationEvaluator.read_many(c, "obs:childbearing-potential", "current")
            if not pop.childbearing_potential:
                holds = np.where(holds == U, U, 1 - holds).astype(np.int8)
            if pop.sex is None:
                holds = np.where(c.sex == "male", U, holds).astype(np.int8)
            parts.append(holds)
        if pop.age_operator is not None:
            parts.append(compare(c.age_completed, pop.age_operator, pop.age_low, pop.age_high))
        for covers, wanted in ((self.covers, True), (self.absent, False)):
            if not covers:
                continue
            lst = c.lists["conditions"]

            def named(con: Concept, name: str | None, cv: list[ConditionCover] = covers) -> bool:
                return con.system == "ICD-10-CM" and any(x.covers(con.code) for x in cv) and not _history_code(con.code)

            hit = lst.any_rows(named, kinds=("current",))
            confirmed = T if not wanted or not qualifier_lexicon().needs_confirmation(pop.qualifiers) else U
            has = np.where(~lst.provided, U, np.where(hit, confirmed, np.where(lst.uncoded, U, F))).astype(np.int8)
            parts.append(has if wanted else np.where(has == U, U, 1 - has).astype(np.int8))
        if pop.other:
            parts.append(np.full(c.n, U, dtype=np.int8))
        return all3_array(np.stack(parts)) if parts else np.full(c.n, T, dtype=np.int8)


def _apply_population(result: Array, applies: Array, grouped_require: bool) -> Array:
    """A rule's criterion result for the patients it binds: outside its population a rule is met (an
    alternative of an any-of group is not available: not met); where membership is unknown, a rule that
    would stand in the way is unknown."""
    if grouped_require:
        return np.where(applies == F, F, np.where((applies == U) & (result == T), U, result)).astype(np.int8)
    return np.where(applies == F, T, np.where((applies == U) & (result != T), U, result)).astype(np.int8)


def _evaluator_class(rule: Rule) -> type[Evaluator]:
    if rule.category == "age":
        return AgeEvaluator
    if rule.category == "sex":
        return SexEvaluator
    if rule.category == "pregnancy":
        return PregnancyEvaluator
    concept = rule.concept
    if concept is None:
        return Evaluator
    code = concept.code
    if concept.system == "ICD-10-CM" and icd_code_or_range(code) is not None:
        return ConditionEvaluator
    if concept.system in _DRUG_SYSTEMS or code.startswith("drug:"):
        return DrugEvaluator
    if code.startswith("proc:"):
        return ProcedureEvaluator
    if concept.system == "LOINC" or code.startswith("lab:"):
        return LabEvaluator
    if concept.system == "SCORE":
        return ScoreEvaluator
    if code.startswith("obs:"):
        return ObservationEvaluator
    return Evaluator


# --------------------------------------------------------------------------- a compiled trial


class CompiledTrial:
    """A trial's rules with their evaluators, built once and reused for many patients."""

    def __init__(self, analysis: TrialAnalysis) -> None:
        self.analysis = analysis
        self.trial_id = analysis.trial.id
        self.rules = list(analysis.rules)
        self.required_conditions = [
            ConditionCover(r.concept, r.evidence) for r in self.rules
            if r.computable and r.polarity == "require" and r.category == "condition" and r.concept is not None
            and r.concept.system == "ICD-10-CM" and icd_code_or_range(r.concept.code) is not None
        ]
        self.evaluators: dict[str, Evaluator] = {}
        self.populations: dict[str, PopulationCheck] = {}
        for rule in self.rules:
            if rule.computable:
                self.evaluators[rule.id] = _evaluator_class(rule)(rule, self)
                if rule.applies_to is not None:
                    self.populations[rule.id] = PopulationCheck(rule.applies_to)
        groups: dict[str, list[Rule]] = {}
        for rule in self.rules:
            if rule.group is not None:
                groups.setdefault(rule.group, []).append(rule)
        self.groups = groups

    # ----------------------------------------------------------------- one patient

    def match(self, patient: Patient, as_of: dt.date | None = None) -> MatchResult:
        """Evaluate every rule for one patient."""
        v = View(patient, as_of)
        results: list[RuleResult] = []
        review: list[ManualReview] = []
        truth: dict[str, int] = {}
        for rule in self.rules:
            base: dict[str, Any] = dict(rule=rule.id, criterion=rule.criterion, category=rule.category, text=rule.text,
                                        evidence=rule.evidence, polarity=rule.polarity, status=rule.status, group=rule.group)
            if not rule.computable:
                reason = f"not computable: {rule.reason or 'no reason given'}"
                results.append(RuleResult.model_construct(**base, computable=False, holds=None, result="unknown", fact=None,
                                                          reason=reason, needs=[]))
                review.append(ManualReview(rule=rule.id, criterion=rule.criterion, text=rule.text, reason=reason))
                continue
            out = self.evaluators[rule.id].one(v)
            holds = out.holds
            res = holds if rule.polarity == "require" else (U if holds == U else 1 - holds)
            reason = out.reason
            needs = out.needs
            check = self.populations.get(rule.id)
            if check is not None:
                applies, why = check.one(v)
                grouped = rule.group is not None and rule.polarity == "require"
                new = int(_apply_population(np.array([res], dtype=np.int8), np.array([applies], dtype=np.int8), grouped)[0])
                who = rule.applies_to.text if rule.applies_to is not None else ""
                if applies == F:
                    reason = f"applies only to {who}; the patient is not among them ({why})"
                elif applies == U and new != res:
                    reason = f"{reason}; but it applies only to {who}, which the record cannot confirm ({why})"
                    needs = needs + [f"whether the patient is among {who}"]
                res = new
            truth[rule.id] = res
            if res == F and rule.polarity == "exclude":
                reason = f"excluded: {reason}"
            elif res == F and rule.polarity == "require":
                reason = f"requirement not met: {reason}"
            results.append(RuleResult.model_construct(**base, computable=True, holds=None if holds == U else bool(holds),
                                                      result=RESULT_NAMES[res], fact=out.fact, reason=reason,
                                                      needs=needs if res == U else []))
        units, group_results = self.combine({k: np.array([v_], dtype=np.int8) for k, v_ in truth.items()}, 1)
        unit_values = {k: int(a[0]) for k, a in units.items()}
        verdict = _verdict_one(list(unit_values.values()))
        decided: list[str] = []
        want = F if verdict == "ineligible" else (U if verdict == "indeterminate" else None)
        if want is not None:
            for unit_id, value in unit_values.items():
                if value != want:
                    continue
                members = [r.id for r in self.groups[unit_id]] if unit_id in self.groups else [unit_id]
                decided.extend([m for m in members if truth.get(m) == want] or members)
        counts = {name: sum(1 for r in results if r.computable and r.result == name) for name in ("met", "not_met", "unknown")}
        return MatchResult(
            trial_id=self.trial_id, patient_id=patient.id, as_of=v.as_of, verdict=verdict, rules=results,
            groups={g: RESULT_NAMES[int(a[0])] for g, a in group_results.items()}, decided_by=decided,
            met=counts["met"], not_met=counts["not_met"], unknown=counts["unknown"], manual_review=review,
        )

    # ----------------------------------------------------------------- shared combination

    def combine(self, truth: Mapping[str, Array], n: int) -> tuple[dict[str, Array], dict[str, Array]]:
        """Decision units (ungrouped computable rules and groups) from per-rule criterion results."""
        units: dict[str, Array] = {}
        group_results: dict[str, Array] = {}
        done: set[str] = set()
        for rule in self.rules:
            if rule.group is not None:
                if rule.group in done:
                    continue
                done.add(rule.group)
                members = self.groups[rule.group]
                computable = [m for m in members if m.computable]
                if not computable:
                    continue
                stack = np.stack([truth[m.id] for m in computable])
                polarity = members[0].polarity
                if polarity == "require":
                    result = any3_array(stack)
                    if len(computable) < len(members):
                        result = np.where(result == F, U, result).astype(np.int8)
                else:
                    result = all3_array(stack)
                units[rule.group] = result
                group_results[rule.group] = result
            elif rule.computable:
                units[rule.id] = truth[rule.id]
        return units, group_results

    # ----------------------------------------------------------------- a cohort

    def evaluate_cohort(self, cohort: "Cohort") -> tuple[dict[str, Array], Array]:
        """Per-rule criterion results (int8: 1 met, 0 not met, -1 unknown) and verdict codes for a cohort."""
        truth: dict[str, Array] = {}
        for rule in self.rules:
            if not rule.computable:
                continue
            holds = self.evaluators[rule.id].many(cohort)
            result = holds if rule.polarity == "require" else np.where(holds == U, U, 1 - holds).astype(np.int8)
            check = self.populations.get(rule.id)
            if check is not None:
                result = _apply_population(result, check.many(cohort), rule.group is not None and rule.polarity == "require")
            truth[rule.id] = result
        units, _ = self.combine(truth, cohort.n)
        if units:
            stack = np.stack(list(units.values()))
            verdict = np.where((stack == F).any(axis=0), 2, np.where((stack == U).any(axis=0), 1, 0)).astype(np.int8)
        else:
            verdict = np.zeros(cohort.n, dtype=np.int8)
        return truth, verdict


def _verdict_one(values: Sequence[int]) -> Verdict:
    if any(v == F for v in values):
        return "ineligible"
    if any(v == U for v in values):
        return "indeterminate"
    return "eligible"


def as_analysis(analysis: TrialAnalysis | Mapping[str, Any]) -> TrialAnalysis:
    """A ``TrialAnalysis`` from itself or its ``to_dict()`` output."""
    if isinstance(analysis, TrialAnalysis):
        return analysis
    if isinstance(analysis, Mapping):
        return TrialAnalysis.from_dict(dict(analysis))
    raise PatientError("P008", record="<analysis>", detail=type(analysis).__name__)


_COMPILED: dict[int, tuple[TrialAnalysis, CompiledTrial]] = {}


def compile_trial(analysis: TrialAnalysis | Mapping[str, Any]) -> CompiledTrial:
    """The evaluators of a trial's rules, cached for the same analysis object (build a new one after editing its rules)."""
    a = as_analysis(analysis)
    key = id(a)
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is a:
        return hit[1]
    compiled = CompiledTrial(a)
    if len(_COMPILED) > 256:
        _COMPILED.clear()
    _COMPILED[key] = (a, compiled)
    return compiled


def match(patient: Patient | Mapping[str, Any] | str, analysis: TrialAnalysis | Mapping[str, Any],
          *, as_of: dt.date | None = None) -> MatchResult:
    """Match one patient (a :class:`Patient`, a dict, or a path to JSON/FHIR) against one trial's analysis.

    ``as_of`` overrides the record's own date. See the module docstring for the logic.
    """
    p = read_patient(patient) if not isinstance(patient, Patient) else patient
    return compile_trial(analysis).match(p, as_of)


@overload
def rank(patient: Patient | Mapping[str, Any] | str, analyses: Iterable[TrialAnalysis | Mapping[str, Any]],
         *, as_of: dt.date | None = None, as_frame: Literal[False] = False) -> list[MatchResult]: ...


@overload
def rank(patient: Patient | Mapping[str, Any] | str, analyses: Iterable[TrialAnalysis | Mapping[str, Any]],
         *, as_of: dt.date | None = None, as_frame: Literal[True]) -> "pd.DataFrame": ...


def rank(patient: Patient | Mapping[str, Any] | str, analyses: Iterable[TrialAnalysis | Mapping[str, Any]],
         *, as_of: dt.date | None = None, as_frame: bool = False) -> "list[MatchResult] | pd.DataFrame":
    """Match one patient against several trials, best first.

    Order: eligible, indeterminate, ineligible; then fewest rules not met, most
    met, fewest unknown; then trial id. ``as_frame=True`` gives a DataFrame
    instead, one row per trial in that order (:meth:`MatchResult.summary`'s
    columns, with ``rank`` from 1).
    """
    p = read_patient(patient) if not isinstance(patient, Patient) else patient
    results = [compile_trial(a).match(p, as_of) for a in analyses]
    ranked = sorted(results, key=lambda r: (VERDICTS.index(r.verdict), r.not_met, -r.met, r.unknown, r.trial_id))
    if not as_frame:
        return ranked
    import pandas as pd

    frame = pd.DataFrame([r.summary() for r in ranked], columns=list(SUMMARY_COLUMNS))
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame
