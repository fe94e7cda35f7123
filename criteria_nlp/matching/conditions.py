"""The evaluator of conditions (ICD-10-CM)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from ..cohort import Array, Cohort, F, T, U
from ..coder import drops_word
from ..lexicon import Lexicon, names_kind
from ..patient import ConditionFact, icd_in
from ..qualifiers import qualifier_lexicon
from ..schema import Concept, Rule
from .base import TrialContext, View, _CodedEvaluator, _dates, _label
from .core import Outcome, Span, compare_one, timing
from .covers import ConditionCover, _category_of, _history_code


def states_kind(rule: Rule, fact: ConditionFact) -> bool:
    """Whether a fact names the kind a rule coded broader than it reads names (``Rule.narrower``): the same
    lexicon entry ("SCLC" and "small cell lung cancer"), or every word the rule's code leaves out ("squamous
    cell" in "squamous cell carcinoma of the lung"), and not another kind of the lexicon ("non-small cell lung
    cancer" names no small cell lung cancer)."""
    if not rule.narrower:
        return False
    lexicon = Lexicon.load()
    own = lexicon.lookup(rule.evidence, "CONDITION") if rule.evidence else None
    for text in (fact.name, fact.evidence.text if fact.evidence is not None else None):
        if not text:
            continue
        entry = lexicon.lookup(text, "CONDITION")
        if entry is not None and own is not None and entry.id == own.id:
            return True
        if names_kind(entry):
            continue  # another kind under the same code
        if not drops_word(rule.narrower, text):
            return True
    return False


class ConditionEvaluator(_CodedEvaluator):
    """Conditions (ICD-10-CM), with history, windows, exceptions, family history and qualifiers."""

    kind = "condition"
    list_name = "condition list"
    patient_list = "conditions"
    denied_kind = "condition"

    def denies(self, concept: Concept) -> bool:
        if concept.system != "ICD-10-CM" or not self.cover.specs:
            return False
        denied = ConditionCover(concept)
        return bool(denied.specs) and all(denied.covers(spec) for spec in self.cover.specs)

    def list_field(self) -> str:
        return "family_history" if self.rule.status == "family" else "conditions"
    reads_qualifiers = True

    def __init__(self, rule: Rule, trial: "TrialContext") -> None:
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
        broader: list[str] = []
        named: list[str] = []  # counted facts naming the kind of a rule coded broader than it reads
        for f in facts:
            if f.concept is None:
                uncoded.append(_label(f))
                continue
            if not self.covered(f.concept, f.name):
                if f.concept.system == "ICD-10-CM" and self.cover.broader(f.concept.code):
                    broader.append(_label(f))
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
                if rule.narrower and not named and states_kind(rule, f):
                    named.append(label)
            elif t == U:
                unknown.append(label)
        if not counted and unqualified:
            what = " or ".join(self.qualifiers)
            return Outcome(U, unqualified[0], f"{unqualified[0]} is {self.concept_name()}, but the record does not say "
                           f"whether it is {what}", [f"whether {unqualified[0]} is {what}"])
        if not counted and broader:
            return Outcome(U, broader[0], f"{broader[0]} names {self.concept_name()} less specifically than the "
                           "criterion does", [f"whether {broader[0]} is {self.concept_name()}"])
        out = self._summary(named or counted, unknown, excepted, uncoded, "" if family else self.when_text(v),
                            list_name, ungraded, own)
        if named and out.holds == T:
            out.kind_named = True
            out.reason += f", the kind the criterion names ('{rule.evidence or rule.narrower}')"
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
            if con.system != "ICD-10-CM" or self.excepted(con, name):
                return F
            if not self.cover.covers(con.code):
                return U if self.cover.broader(con.code) else F
            if kind == "family":
                t = T
            else:
                ongoing = kind == "current" and not _history_code(con.code)
                t = timing(rule.status, rule.window, Span(None, None, ongoing), as_of, as_of)
            if t == T and (self.has_value or self.qualifiers):
                t = U  # a table holds no class, grade or qualifier
            return t

        return lst.closed_world(fact_timing)
