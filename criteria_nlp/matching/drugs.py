"""The evaluator of medications (a drug or a class). A requirement limited only by a dose ceiling is unknown,
never unmet, for a patient not taking the drug: it may only limit the dose of those who do."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..cohort import Array, Cohort, F, T, U
from ..schema import Concept, Rule
from .base import TrialContext, View, _dates, _label, _TreatmentEvaluator
from .core import Outcome, Span
from .covers import DrugCover


class DrugEvaluator(_TreatmentEvaluator):
    """Medications: a drug or a class, taken now, ever, within a window, or planned."""

    kind = "drug"
    list_name = "medication list"
    patient_list = "medications"
    denied_kind = "medication"

    def __init__(self, rule: Rule, trial: "TrialContext") -> None:
        super().__init__(rule, trial)
        assert rule.concept is not None
        self.cover = DrugCover(rule.concept)
        self.exception_covers = [DrugCover(e.concept) for e in self.same_kind_exceptions if e.concept is not None]

    @property
    def ceiling_only(self) -> bool:
        """A requirement whose only limit is a dose ceiling ("stable dose of prednisone <= 10 mg/day"): it limits
        those who take the drug, and may not ask anyone to take it."""
        return self.rule.polarity == "require" and self.rule.operator in ("<", "<=")

    def one(self, v: View) -> Outcome:
        out = super().one(v)
        if out.holds == F and self.ceiling_only:
            what = self.rule.evidence or "the drug"
            return Outcome(U, out.fact, f"{out.reason}; but the criterion limits the dose of {what} for those who "
                           "take it, and may not require it", out.needs + [f"whether the trial requires {what}"])
        return out

    def many(self, c: "Cohort") -> Array:
        out = super().many(c)
        return np.where(out == F, U, out).astype(np.int8) if self.ceiling_only else out

    def denies(self, concept: Concept) -> bool:
        return self.rule.concept is not None and DrugCover(concept).covers(self.rule.concept, None)

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
            t = self.treatment_timing(planned, v.medication_span(m), v.as_of, anchor)
            if t == T:
                counted.append(_label(m) + _dates(m.start, m.end))
            elif t == U:
                unknown.append(_label(m) + _dates(m.start, m.end))
        return self.plans_unknown(v, counted, unknown) or self._summary(counted, unknown, excepted, uncoded, self.when_text(v))

    def statement_many(self, c: "Cohort") -> Array:
        rule = self.rule
        if rule.status == "family":
            return np.full(c.n, U, dtype=np.int8)
        lst = c.lists["medications"]
        as_of = dt.date(2000, 1, 1)

        def fact_timing(con: Concept, name: str | None, kind: str) -> int:
            if not self.covered(con, name) or self.excepted(con, name):
                return F
            return self.treatment_timing(kind == "planned", Span(None, None, kind == "current"), as_of, as_of)

        return self.plans_unknown_many(lst.closed_world(fact_timing), c)
