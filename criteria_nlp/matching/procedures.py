"""The evaluator of procedures (lexicon ids, and the ICD-10-CM status codes that say so)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..cohort import Array, Cohort, F, T, U
from ..schema import Concept, Rule
from .base import TrialContext, View, _label, _TreatmentEvaluator
from .core import Outcome, Span, timing
from .covers import ProcedureCover, _history_code


class ProcedureEvaluator(_TreatmentEvaluator):
    """Procedures (lexicon ids), done, going on or planned; ICD-10-CM status codes count too."""

    kind = "procedure"
    list_name = "procedure list"
    patient_list = "procedures"
    denied_kind = "procedure"

    def __init__(self, rule: Rule, trial: "TrialContext") -> None:
        super().__init__(rule, trial)
        assert rule.concept is not None
        self.cover = ProcedureCover(rule.concept)
        self.exception_covers = [ProcedureCover(e.concept) for e in self.same_kind_exceptions if e.concept is not None]

    def denies(self, concept: Concept) -> bool:
        return self.rule.concept is not None and ProcedureCover(concept).covers(self.rule.concept.code)

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
            t = self.treatment_timing(planned, v.procedure_span(p), v.as_of, anchor)
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
        return self.plans_unknown(v, counted, unknown) or self._summary(counted, unknown, excepted, uncoded, self.when_text(v))

    def statement_many(self, c: "Cohort") -> Array:
        rule = self.rule
        if rule.status == "family":
            return np.full(c.n, U, dtype=np.int8)
        lst = c.lists["procedures"]
        as_of = dt.date(2000, 1, 1)

        def fact_timing(con: Concept, name: str | None, kind: str) -> int:
            if not self.covered(con, name) or self.excepted(con, name):
                return F
            span = Span(None, None, kind == "in-progress", point=kind == "completed")
            return self.treatment_timing(kind == "planned", span, as_of, as_of)

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
        return self.plans_unknown_many(out, c)
