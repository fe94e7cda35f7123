"""FHIR R4 Bundles as patients: :func:`patient_from_fhir`.

The bundle is parsed and validated with ``fhir.resources`` (its ``R4B`` models,
which read R4 resources of these types unchanged), then turned into a
:class:`~criteria_nlp.patient.Patient`:

* ``Patient``: id, ``gender``, ``birthDate``;
* ``Condition``: the ICD-10-CM coding when there is one, else the display or
  text coded by name; ``clinicalStatus``, onset and abatement dates,
  ``severity`` (SNOMED CT mild / moderate / severe, or its display) as a
  qualifier; refuted and entered-in-error conditions are skipped;
* ``Observation``: smoking status (LOINC 72166-2) becomes ``obs:smoking``,
  pregnancy status (LOINC 82810-3) ``pregnant``; an observation whose code
  names a catalogued score (SLEDAI-2K, ECOG, ...) a score; any other a lab:
  LOINC code, ``valueQuantity`` (or a qualitative ``valueCodeableConcept`` /
  ``valueString`` / ``interpretation``), the first ``referenceRange``, the
  effective date; components (blood pressure) are labs of their own;
* ``MedicationStatement`` and ``MedicationRequest``: DrugBank or ATC codings
  as given, else coded from the display (``medicationReference`` is followed to
  a ``Medication`` in the bundle or contained); a request with intent ``plan``
  or ``proposal``, or status ``draft``, is planned (status ``intended``);
* ``Procedure``: the coding mapped through ``concept_ranges.json``'s
  ``procedure_codes`` (SNOMED CT, CPT, ICD-10-PCS), else the display coded by
  name; ``preparation`` is planned, ``in-progress``/``on-hold`` ongoing,
  ``completed``/``stopped`` done; ``ServiceRequest`` with a procedure code is
  a planned procedure;
* ``FamilyMemberHistory``: its conditions, with the relationship.

Completeness: a list (conditions, medications, procedures, family history) is
given when the bundle holds at least one resource of its type, and ``None``
(unknown) otherwise, unless ``complete`` names it. ``as_of`` is the bundle's
``timestamp`` when it has one, else today, unless given.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import PatientError, json_detail
from .lexicon import normalize
from .patient import (
    Patient,
    concept_ranges,
    first_error,
    normalize_system,
    qualitative,
    score_entry,
)

__all__ = ["patient_from_fhir", "SMOKING_STATUS", "PREGNANCY_STATUS"]

SMOKING_STATUS = "72166-2"
#: FHIR Condition.severity codes (SNOMED CT) -> qualifier names
SEVERITY = {"255604002": "mild", "6736007": "moderate", "24484000": "severe"}
PREGNANCY_STATUS = "82810-3"
_LISTS = ("conditions", "medications", "procedures", "family_history")
_SKIP_CONDITION = {"refuted", "entered-in-error"}
_SKIP_OBSERVATION = {"entered-in-error", "cancelled"}
_INTERPRETATION = {"POS": "positive", "DET": "positive", "A": "positive", "H": "positive", "HH": "positive",
                   "NEG": "negative", "ND": "negative", "N": "negative"}


def _get(obj: Any, name: str) -> Any:
    return getattr(obj, name, None)


def _codings(cc: Any) -> list[tuple[str | None, str | None, str | None]]:
    """(system, code, display) of every coding of a CodeableConcept, then (None, None, text)."""
    if cc is None:
        return []
    out = [(normalize_system(_get(c, "system")), _get(c, "code"), _get(c, "display")) for c in _get(cc, "coding") or []]
    text = _get(cc, "text")
    if text:
        out.append((None, None, text))
    return out


def _pick(codings: list[tuple[str | None, str | None, str | None]], systems: tuple[str, ...]) -> tuple[str | None, str | None, str | None]:
    """The first coding in one of ``systems`` (with the first display found as its name), else the first with a display."""
    name = next((d for _, _, d in codings if d), None)
    for system in systems:
        for s, c, d in codings:
            if s == system and c:
                return s, c, d or name
    for s, c, d in codings:
        if d:
            return s, c, d
    return (codings[0] if codings else (None, None, None))


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if len(text) == 4:
        return dt.date(int(text), 1, 1)
    if len(text) == 7:
        return dt.date(int(text[:4]), int(text[5:7]), 1)
    return dt.date.fromisoformat(text[:10])


def _first_date(resource: Any, *names: str) -> dt.date | None:
    for name in names:
        value = _get(resource, name)
        if value is None:
            continue
        if hasattr(value, "start") or hasattr(value, "end"):  # a Period
            found = _date(_get(value, "start")) or _date(_get(value, "end"))
        else:
            found = _date(value)
        if found is not None:
            return found
    return None


def _status_code(cc: Any) -> str | None:
    for _, code, _ in _codings(cc):
        if code:
            return str(code)
    return None


class _Reader:
    def __init__(self, bundle: Any, record: str) -> None:
        self.record = record
        self.resources = [e.resource for e in (_get(bundle, "entry") or []) if _get(e, "resource") is not None]
        self.by_ref: dict[str, Any] = {}
        for r in self.resources:
            rid = _get(r, "id")
            if rid:
                self.by_ref[f"{r.get_resource_type()}/{rid}"] = r
        self.seen: set[str] = set()
        self.out: dict[str, Any] = {"labs": [], "scores": [], "observations": []}

    def add(self, key: str, item: dict[str, Any]) -> None:
        self.out.setdefault(key, []).append(item)

    # ----------------------------------------------------------------- resources

    def patient(self, r: Any) -> None:
        if "id" in self.out:
            raise PatientError("P002", record=self.record, detail="the bundle holds more than one Patient")
        self.out["id"] = _get(r, "id") or "patient"
        gender = _get(r, "gender")
        if gender:
            self.out["sex"] = gender
        birth = _date(_get(r, "birthDate"))
        if birth is not None:
            self.out["birth_date"] = birth

    def condition(self, r: Any, family: str | None = None) -> dict[str, Any] | None:
        if _status_code(_get(r, "verificationStatus")) in _SKIP_CONDITION:
            return None
        system, code, name = _pick(_codings(_get(r, "code")), ("ICD-10-CM",))
        item: dict[str, Any] = {"code": code, "system": system, "name": name}
        if family is None:
            status = _status_code(_get(r, "clinicalStatus"))
            if status is not None:
                item["status"] = status
            item["onset"] = _first_date(r, "onsetDateTime", "onsetPeriod")
            item["abatement"] = _first_date(r, "abatementDateTime", "abatementPeriod")
            severity = [SEVERITY.get(c or "", d) for _, c, d in _codings(_get(r, "severity"))]
            words = [w for w in severity if w]
            if words:
                item["qualifiers"] = words[:1]
        return item

    def observation(self, r: Any) -> None:
        if str(_get(r, "status") or "") in _SKIP_OBSERVATION:
            return
        codings = _codings(_get(r, "code"))
        when = _first_date(r, "effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued")
        codes = {c for _, c, _ in codings if c}
        value_cc = _codings(_get(r, "valueCodeableConcept"))
        if SMOKING_STATUS in codes:
            self.smoking(value_cc, when)
            return
        if PREGNANCY_STATUS in codes:
            self.pregnancy(value_cc)
            return
        score = next((score_entry(c, d) for _, c, d in codings if score_entry(c, d) is not None), None)
        if score is not None:
            value = self.value(r)
            if value is not None:
                self.out["scores"].append({"code": score.concept.code, "name": score.name, "value": value, "date": when})
            return
        components = _get(r, "component") or []
        if _get(r, "valueQuantity") is None and components:
            for comp in components:
                self.lab(comp, _codings(_get(comp, "code")), when, None)
            return
        self.lab(r, codings, when, _get(r, "interpretation"))

    def value(self, r: Any) -> Any:
        quantity = _get(r, "valueQuantity")
        if quantity is not None and _get(quantity, "value") is not None:
            return float(quantity.value)
        for name in ("valueInteger", "valueDecimal"):
            if _get(r, name) is not None:
                return float(_get(r, name))
        if _get(r, "valueString"):
            return str(_get(r, "valueString"))
        for _, code, display in _codings(_get(r, "valueCodeableConcept")):
            if display or code:
                return display or code
        return None

    def lab(self, r: Any, codings: list[tuple[str | None, str | None, str | None]], when: dt.date | None, interpretation: Any) -> None:
        system, code, name = _pick(codings, ("LOINC",))
        item: dict[str, Any] = {"code": code if system in ("LOINC", None) else None, "name": name, "date": when}
        quantity = _get(r, "valueQuantity")
        if quantity is not None and _get(quantity, "value") is not None:
            item["value"] = float(quantity.value)
            item["unit"] = _get(quantity, "unit") or _get(quantity, "code")
        else:
            raw = _get(r, "valueString") or next((d or c for _, c, d in _codings(_get(r, "valueCodeableConcept")) if d or c), None)
            result = qualitative(str(raw)) if raw is not None else None
            if result is None:
                for cc in interpretation or []:
                    code_ = _status_code(cc)
                    if code_ in _INTERPRETATION:
                        result = _INTERPRETATION[code_]  # type: ignore[assignment]
                        break
            if result is None:
                return  # nothing comparable
            item["result"] = result
        ranges = _get(r, "referenceRange") or []
        if ranges:
            low, high = _get(ranges[0], "low"), _get(ranges[0], "high")
            if low is not None and _get(low, "value") is not None:
                item["reference_low"] = float(low.value)
            if high is not None and _get(high, "value") is not None:
                item["reference_high"] = float(high.value)
        self.out["labs"].append(item)

    def smoking(self, value: list[tuple[str | None, str | None, str | None]], when: dt.date | None) -> None:
        table = {(c.system, c.code): c for c in concept_ranges().observation_codes if c.entry == "obs:smoking"}
        for system, code, display in value:
            hit = table.get((system or "", code or ""))
            if hit is not None:
                self.out["observations"].append({"code": "obs:smoking", "present": hit.present, "ever": hit.ever, "date": when})
                return
            text = normalize(display or "")
            for word, present, ever in (("never", False, False), ("former", False, True), ("exsmoker", False, True),
                                        ("current", True, True), ("daily", True, True), ("smoker", True, True)):
                if word in text:
                    self.out["observations"].append({"code": "obs:smoking", "present": present, "ever": ever, "date": when})
                    return

    def pregnancy(self, value: list[tuple[str | None, str | None, str | None]]) -> None:
        table = {(c.system, c.code): c for c in concept_ranges().observation_codes if c.entry == "pregnancy"}
        for system, code, display in value:
            hit = table.get((system or "", code or ""))
            if hit is not None:
                self.out["pregnant"] = hit.present
                return
            text = normalize(display or "")
            if text.startswith("not") or text.startswith("no"):
                self.out["pregnant"] = False
                return
            if "pregnant" in text:
                self.out["pregnant"] = True
                return

    def medication(self, r: Any, request: bool) -> None:
        status = str(_get(r, "status") or "") or None
        if status in ("entered-in-error", "cancelled"):
            return
        cc = _get(r, "medicationCodeableConcept")
        if cc is None:
            ref = _get(_get(r, "medicationReference"), "reference")
            target = self.by_ref.get(ref) if ref else None
            if target is None and ref and ref.startswith("#"):
                target = next((c for c in _get(r, "contained") or [] if _get(c, "id") == ref[1:]), None)
            cc = _get(target, "code")
        system, code, name = _pick(_codings(cc), ("DrugBank", "ATC", "RxNorm"))
        item: dict[str, Any] = {"code": code, "system": system, "name": name}
        if request:
            intent = str(_get(r, "intent") or "")
            item["start"] = _first_date(r, "authoredOn")
            if intent in ("plan", "proposal") or status == "draft":
                item["status"] = "intended"
            elif status in ("active", "on-hold", "completed", "stopped", "unknown"):
                item["status"] = status
        else:
            period = _get(r, "effectivePeriod")
            item["start"] = _first_date(r, "effectiveDateTime") or _date(_get(period, "start"))
            item["end"] = _date(_get(period, "end"))
            if status in ("active", "completed", "stopped", "on-hold", "intended", "not-taken", "unknown"):
                item["status"] = status
        self.add("medications", item)

    def procedure(self, r: Any, planned: bool = False) -> None:
        status = str(_get(r, "status") or "")
        if planned:
            if status not in ("draft", "active", "on-hold"):
                return
            kind = "planned"
        elif status == "preparation":
            kind = "planned"
        elif status in ("in-progress", "on-hold"):
            kind = "in-progress"
        elif status in ("completed", "stopped"):
            kind = "completed"
        else:
            return  # not-done, entered-in-error, unknown
        system, code, name = _pick(_codings(_get(r, "code")), ("SNOMED", "CPT", "ICD-10-PCS"))
        when = _first_date(r, "occurrenceDateTime", "occurrencePeriod") if planned else _first_date(r, "performedDateTime", "performedPeriod")
        self.add("procedures", {"code": code, "system": system, "name": name, "status": kind, "date": when})

    def family(self, r: Any) -> None:
        relation = next((d or c for _, c, d in _codings(_get(r, "relationship")) if d or c), None)
        self.out.setdefault("family_history", [])
        for cond in _get(r, "condition") or []:
            item = self.condition(cond, family="yes")
            if item is not None:
                item["relation"] = relation
                self.add("family_history", item)

    def run(self) -> dict[str, Any]:
        for r in self.resources:
            kind = r.get_resource_type()
            if kind == "Patient":
                self.patient(r)
        if "id" not in self.out:
            raise PatientError("P002", record=self.record, detail="the bundle holds no Patient resource")
        for r in self.resources:
            kind = r.get_resource_type()
            if kind == "Condition":
                self.out.setdefault("conditions", [])
                item = self.condition(r)
                if item is not None:
                    self.add("conditions", item)
            elif kind == "Observation":
                self.observation(r)
            elif kind in ("MedicationStatement", "MedicationRequest"):
                self.out.setdefault("medications", [])
                self.medication(r, request=kind == "MedicationRequest")
            elif kind == "Procedure":
                self.out.setdefault("procedures", [])
                self.procedure(r)
            elif kind == "ServiceRequest":
                self.procedure(r, planned=True)
            elif kind == "FamilyMemberHistory":
                self.family(r)
        return self.out


def _load(source: Any) -> tuple[Any, str]:
    if isinstance(source, Mapping):
        return dict(source), "<bundle>"
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise PatientError("P004", record=str(path))
        try:
            return json.loads(path.read_text(encoding="utf-8-sig")), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise PatientError("P005", record=str(path), detail=str(exc)) from None
        except json.JSONDecodeError as exc:
            raise PatientError("P006", record=str(path), detail=json_detail(exc)) from None
    if hasattr(source, "get_resource_type"):
        return source, "<bundle>"
    raise PatientError("P002", record="<bundle>", detail=f"expected a Bundle, a dict or a path, got {type(source).__name__}")


def patient_from_fhir(
    source: Any,
    *,
    record: str | None = None,
    as_of: dt.date | None = None,
    complete: Iterable[str] = (),
) -> Patient:
    """A :class:`Patient` from a FHIR R4 Bundle (a dict, a path to its JSON, or a ``fhir.resources`` Bundle).

    ``complete`` names lists (``conditions``, ``medications``, ``procedures``,
    ``family_history``) that are complete even when the bundle holds none of
    their resources. Raises :class:`PatientError` ``P002`` for a bundle that is
    not valid FHIR or holds no (or several) Patient resources.
    """
    from fhir.resources.R4B.bundle import Bundle

    data, name = _load(source)
    record = record or name
    if isinstance(data, Mapping):
        if data.get("resourceType") != "Bundle":
            raise PatientError("P002", record=record, detail=f"expected resourceType 'Bundle', got {data.get('resourceType')!r}")
        try:
            bundle = Bundle.model_validate(data)
        except ValidationError as exc:
            raise PatientError("P002", record=record, detail=first_error(exc)) from None
    else:
        bundle = data
    out = _Reader(bundle, record).run()
    for key in complete:
        if key not in _LISTS:
            raise PatientError("P002", record=record, detail=f"unknown list {key!r}; expected one of {', '.join(_LISTS)}")
        out.setdefault(key, [])
    timestamp = _get(bundle, "timestamp")
    out["as_of"] = as_of or (_date(timestamp) if timestamp is not None else dt.date.today())
    try:
        return Patient.model_validate(out)
    except ValidationError as exc:
        raise PatientError("P002", record=record, detail=first_error(exc)) from None
