"""The evaluator of observations: smoking, alcohol and drug use, childbearing potential, menopause,
contraception."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..cohort import Array, Cohort, F, T, U
from ..lexicon import Lexicon
from .base import Evaluator, View
from .core import Outcome


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
