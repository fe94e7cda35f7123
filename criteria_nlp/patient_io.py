"""Reading a patient as people hand one over: a JSON file of ours, a FHIR R4 Bundle or Patient resource
(detected by ``resourceType``), a dict, or a :class:`~criteria_nlp.patient.Patient` already built."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import PatientError, json_detail
from .fhir import patient_from_fhir
from .patient import Patient

__all__ = ["read_patient", "read_patient_file"]


def read_patient_file(path: "str | Path") -> str:
    """The text of a patient file (a JSON record or a note); :class:`PatientError` ``P004`` when there is no such
    file, ``P005`` when it cannot be read as UTF-8 (a byte-order mark is dropped)."""
    path = Path(path)
    if not path.is_file():
        raise PatientError("P004", record=str(path))
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PatientError("P005", record=str(path), detail=str(exc)) from None


def read_patient(source: "str | Path | Mapping[str, Any] | Patient") -> Patient:
    """A patient from a JSON file (ours or a FHIR R4 Bundle, detected by ``resourceType``) or a dict.

    A record of ours without an ``id`` read from a file takes the file's name
    (``p1.json``: ``p1``). Raises :class:`PatientError`: ``P004`` no such file, ``P005`` unreadable,
    ``P006`` malformed JSON, ``P001`` an invalid record, ``P002`` an invalid bundle.
    """
    if isinstance(source, Patient):
        return source
    record = "<patient>"
    if isinstance(source, Mapping):
        data: Any = source
    else:
        path = Path(source)
        record = str(path)
        text = read_patient_file(path)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PatientError("P006", record=record, detail=json_detail(exc)) from None
    if isinstance(data, Mapping) and "resourceType" in data:
        return patient_from_fhir(data, record=record if record != "<patient>" else None)
    if not isinstance(data, Mapping):
        raise PatientError("P001", record=record, detail=f"expected a JSON object, got {type(data).__name__}")
    if record != "<patient>" and "id" not in data:
        data = {**data, "id": Path(record).stem}
    return Patient.from_dict(data, record=None if record == "<patient>" else record)
