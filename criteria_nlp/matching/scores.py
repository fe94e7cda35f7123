"""The evaluator of scores (the catalogue's ids)."""

from __future__ import annotations

import numpy as np

from ..cohort import Array, Cohort, U
from ..lexicon import ScoreEntry
from ..patient import score_entry
from ..schema import Rule
from .base import Evaluator, TrialContext, View
from .core import Outcome, _in_window, _in_window_many, compare, compare_one, describe_limit


class ScoreEvaluator(Evaluator):
    """A score (catalogue id) against the rule's limits; "4 of 11" compares the count."""

    kind = "score"

    def __init__(self, rule: Rule, trial: "TrialContext") -> None:
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
