"""Ranking several trials for one patient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from ..patient import Patient
from ..patient_io import read_patient
from ..schema import TrialAnalysis
from .results import SUMMARY_COLUMNS, VERDICTS, MatchResult
from .trial import compile_trial

if TYPE_CHECKING:
    import pandas as pd


#: categories of requirements nearly every trial shares: meeting them says nothing of relevance
_SHARED = frozenset({"age", "sex", "pregnancy"})


def relevance(result: MatchResult) -> int:
    """How many of the trial's inclusion requirements the patient's own facts meet (conditions, drugs,
    procedures, labs, scores, observations; not age, sex or pregnancy, which nearly every trial asks)."""
    return sum(1 for r in result.rules if r.polarity == "require" and r.result == "met" and r.category not in _SHARED)


def rank_key(result: MatchResult) -> tuple[Any, ...]:
    """The order of :func:`rank`: trials that rule the patient out last; before them, the trials whose inclusion
    requirements the patient meets most (:func:`relevance`); among equals, eligible before indeterminate (only
    missing data stands in the way), then fewest unknown rules, fewest not met, most met, and the trial id."""
    return (result.verdict == "ineligible", -relevance(result), VERDICTS.index(result.verdict), result.unknown,
            result.not_met, -result.met, result.trial_id)


@overload
def rank(patient: Patient | Mapping[str, Any] | str, analyses: Iterable[TrialAnalysis | Mapping[str, Any]],
         *, as_of: dt.date | None = None, as_frame: Literal[False] = False) -> list[MatchResult]: ...


@overload
def rank(patient: Patient | Mapping[str, Any] | str, analyses: Iterable[TrialAnalysis | Mapping[str, Any]],
         *, as_of: dt.date | None = None, as_frame: Literal[True]) -> "pd.DataFrame": ...


def rank(patient: Patient | Mapping[str, Any] | str, analyses: Iterable[TrialAnalysis | Mapping[str, Any]],
         *, as_of: dt.date | None = None, as_frame: bool = False) -> "list[MatchResult] | pd.DataFrame":
    """Match one patient against several trials, best first (see :func:`rank_key`).

    ``as_frame=True`` gives a DataFrame instead, one row per trial in that
    order (:meth:`MatchResult.summary`'s columns, with ``rank`` from 1).
    """
    p = read_patient(patient) if not isinstance(patient, Patient) else patient
    results = [compile_trial(a).match(p, as_of) for a in analyses]
    ranked = sorted(results, key=rank_key)
    if not as_frame:
        return ranked
    import pandas as pd

    frame = pd.DataFrame([r.summary() for r in ranked], columns=list(SUMMARY_COLUMNS))
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame
