"""The evaluator of lab values: limits, multiples of the reference limits, qualitative results."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cohort import Array, Cohort, F, T, U
from ..lexicon import LabEntry, Lexicon
from ..patient import LabFact, concept_ranges, lab_entry, lab_key
from ..schema import Rule
from .base import Evaluator, TrialContext, View
from .core import Outcome, _in_window, _in_window_many, all3, all3_array, any3, any3_array, compare, compare_one, converter, describe_limit, linear, sig


_LOWER_BOUND_OPS = {">", ">=", "positive", "abnormal"}


@dataclass
class _LabTarget:
    key: str
    entry: LabEntry | None
    name: str


class LabEvaluator(Evaluator):
    """A lab value against a limit, a multiple of the reference limits, or a qualitative result."""

    kind = "lab"

    def __init__(self, rule: Rule, trial: "TrialContext") -> None:
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
