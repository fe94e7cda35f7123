"""Ranking several trials for one patient."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from ..codes import code_concept
from ..patient import Patient
from ..patient_io import read_patient
from ..schema import TrialAnalysis
from .covers import ConditionCover
from .results import SUMMARY_COLUMNS, VERDICTS, MatchResult
from .trial import as_analysis, compile_trial

if TYPE_CHECKING:
    import pandas as pd


#: categories of requirements nearly every trial shares: meeting them says nothing of relevance
_SHARED = frozenset({"age", "sex", "pregnancy"})


@functools.lru_cache(maxsize=4096)
def _studied_cover(condition: str) -> ConditionCover | None:
    concept = code_concept("CONDITION", condition)
    if concept is None or concept.system != "ICD-10-CM":
        return None
    return ConditionCover(concept)


def studied_met(patient: Patient, analysis: TrialAnalysis) -> list[str]:
    """The conditions the trial lists as studied (its record's condition list) that the patient has: one of the
    patient's conditions (present or history; not denied, not a relative's) falls under the listed condition's code."""
    codes = [f.concept.code for f in patient.conditions or [] if f.concept is not None and f.concept.system == "ICD-10-CM"]
    out: list[str] = []
    for condition in analysis.trial.conditions:
        cover = _studied_cover(condition)
        if cover is not None and any(cover.covers(code) for code in codes):
            out.append(condition)
    return out


def relevance(result: MatchResult, studied: int = 0) -> int:
    """How relevant the trial is to the patient: the trial's inclusion requirements the patient's own facts meet
    (conditions, drugs, procedures, labs, scores, observations; not age, sex or pregnancy, which nearly every
    trial asks), plus ``studied``, the conditions the trial studies that the patient has (:func:`studied_met`).
    A requirement met only because it binds other people ("females: negative pregnancy test" for a man) says
    nothing of relevance: it counts where the patient's facts hold it."""
    return studied + sum(1 for r in result.rules
                         if r.polarity == "require" and r.result == "met" and r.holds is True
                         and r.category not in _SHARED)


def rank_key(result: MatchResult, studied: int = 0) -> tuple[Any, ...]:
    """The order of :func:`rank`: trials that rule the patient out last; before them, the most relevant
    (:func:`relevance`: inclusion requirements met and studied conditions the patient has); among equals,
    eligible before indeterminate (only missing data stands in the way), then fewest unknown rules, fewest not
    met, most met, and the trial id."""
    return (result.verdict == "ineligible", -relevance(result, studied), VERDICTS.index(result.verdict),
            result.unknown, result.not_met, -result.met, result.trial_id)


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
    scored = []
    for a in analyses:
        analysis = as_analysis(a)
        scored.append((compile_trial(analysis).match(p, as_of), len(studied_met(p, analysis))))
    ranked = [r for r, _ in sorted(scored, key=lambda pair: rank_key(*pair))]
    if not as_frame:
        return ranked
    import pandas as pd

    frame = pd.DataFrame([r.summary() for r in ranked], columns=list(SUMMARY_COLUMNS))
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame
