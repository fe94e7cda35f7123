"""What matching returns: :class:`RuleResult`, :class:`ManualReview`, :class:`MatchResult`, their table
columns and the result and verdict names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..cohort import F, T, U

if TYPE_CHECKING:
    import pandas as pd


Result = Literal["met", "not_met", "unknown"]
Verdict = Literal["eligible", "indeterminate", "ineligible"]
RESULT_NAMES: dict[int, Result] = {T: "met", F: "not_met", U: "unknown"}
VERDICTS: tuple[Verdict, ...] = ("eligible", "indeterminate", "ineligible")


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
