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
