"""criteria_nlp: clinical-trial eligibility criteria as structured, comparable rules.

Quick start::

    import criteria_nlp
    trial = criteria_nlp.read_trial("NCT04184258.json")
    analysis = criteria_nlp.analyze(trial)
    analysis.to_dict()

Importing the package is cheap; spaCy and the pipeline load on first use of a
name that needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .about import __version__
from .errors import (
    CriteriaNLPError,
    DecodeError,
    EmptyInputError,
    Errors,
    MalformedRecordError,
    ReadError,
    UnknownFormatError,
    UnsafeXMLError,
)
from .schema import Age, Criterion, Eligibility, Entity, Intervention, Trial, TrialAnalysis
from . import display as _display  # noqa: F401  (registers the notebook view of TrialAnalysis)

if TYPE_CHECKING:
    from .analyzer import Analyzer, analyze
    from .batch import RunSummary, annotate
    from .comparison import compare
    from .fhir import patient_from_fhir
    from .matching import MatchResult, match, rank
    from .notes import read_note, read_patient_text
    from .output import read_results
    from .patient import Patient
    from .patient_io import read_patient
    from .quality import lint
    from .report import report_html, write_report
    from .screening import screen
    from .pipeline import load
    from .read import iter_records, read_trial, read_trials, trial_from_text

#: public name -> module that defines it, imported on first access
_LAZY = {
    "Analyzer": "analyzer",
    "RunSummary": "batch",
    "analyze": "analyzer",
    "annotate": "batch",
    "compare": "comparison",
    "lint": "quality",
    "load": "pipeline",
    "iter_records": "read",
    "read_trial": "read",
    "read_results": "output",
    "read_trials": "read",
    "trial_from_text": "read",
    "Patient": "patient",
    "read_patient": "patient_io",
    "read_patient_text": "notes",
    "read_note": "notes",
    "patient_from_fhir": "fhir",
    "MatchResult": "matching",
    "match": "matching",
    "rank": "matching",
    "screen": "screening",
    "report_html": "report",
    "write_report": "report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'criteria_nlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Age",
    "Analyzer",
    "Criterion",
    "CriteriaNLPError",
    "DecodeError",
    "Eligibility",
    "EmptyInputError",
    "Entity",
    "Errors",
    "Intervention",
    "MalformedRecordError",
    "MatchResult",
    "Patient",
    "ReadError",
    "RunSummary",
    "Trial",
    "TrialAnalysis",
    "UnknownFormatError",
    "UnsafeXMLError",
    "__version__",
    "analyze",
    "annotate",
    "compare",
    "iter_records",
    "lint",
    "load",
    "match",
    "patient_from_fhir",
    "rank",
    "read_note",
    "read_patient",
    "read_patient_text",
    "read_results",
    "read_trial",
    "read_trials",
    "report_html",
    "screen",
    "trial_from_text",
    "write_report",
]
