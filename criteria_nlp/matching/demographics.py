"""Evaluators of age, sex and pregnancy (with lactation and childbearing potential)."""

from __future__ import annotations

import numpy as np

from ..cohort import Array, Cohort, F, T, U
from ..patient import concept_ranges, icd_in, normalize_icd
from ..schema import YEARS_PER_UNIT, Rule
from .base import Evaluator, TrialContext, View, _label
from .core import Outcome, compare, compare_one, describe_limit
from .covers import _history_code
from .observations import ObservationEvaluator


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

    def __init__(self, rule: Rule, trial: "TrialContext") -> None:
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
