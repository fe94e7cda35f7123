"""Patients: the record a trial's rules are matched against.

A :class:`Patient` holds demographics, coded lists (conditions, medications,
procedures, family history), measurements (labs, scores), observations
(smoking, alcohol use, childbearing potential, ...), named dates
(``dates={"randomization": ...}``) and the date the record speaks for
(``as_of``, default today).

Reading::

    from criteria_nlp import read_patient           # criteria_nlp.patient_io
    patient = read_patient("patient.json")          # our JSON, or a FHIR R4 Bundle
    patient = Patient.from_dict({"id": "p1", "age": 34, "sex": "female", ...})

Facts as people write them: a condition, medication or procedure may be a bare
string, read as a code when it looks like one and as a name otherwise
(:func:`fact_fields`: ``"M32.14"``, ``"lupus"``, ``"DB01611"``,
``"hydroxychloroquine"``, ``"proc:hemodialysis"``); labs, scores and
observations may be a mapping from code or name to a value or a fact
(``{"SELENA-SLEDAI": 4}``, ``{"creatinine": {"value": 1.1, "unit": "mg/dL"}}``,
``{"smoking": "former"}``). ``id`` is optional. The JSON Schema of it all:
:func:`patient_json_schema` (``criteria-nlp schema --patient``).

Coding happens on load: every fact gets a ``concept`` (the code matching uses).

* conditions and family history: ICD-10-CM (a code in another system, such as
  SNOMED CT, is coded from its name with :func:`criteria_nlp.codes.code_concept`);
* medications: DrugBank or ATC codes as given, else coded from the name;
* procedures: the lexicon's procedure ids (``proc:dialysis``), from an id, from
  an external code listed in ``resources/concept_ranges.json``
  (SNOMED CT, CPT, ICD-10-PCS), else from the name;
* labs: LOINC (or the lexicon's lab id when the lab has no LOINC code), from the
  code or the name; a lab without a unit is read in the lab's canonical unit;
* scores: the score catalogue's ids (``SELENA-SLEDAI``); a grade label ("III",
  "B") becomes the grade's value;
* observations: the lexicon's observation ids (``obs:smoking``).

A fact that cannot be coded keeps ``concept=None``; matching then cannot rule
anything out from its list (see :mod:`criteria_nlp.matching`).

Completeness: a list given as ``None`` is unknown; a list given (even empty) is
complete for conditions, medications, procedures and family history (what is
not in it, the patient does not have). Labs, scores and observations are never
complete: a measurement that is not there is unknown. Planned procedures and
medications are only complete when ``plans_complete`` is true.

Open world (``open_world=True``, the patients :func:`criteria_nlp.read_patient_text`
reads from notes): a list holds what the source states and nothing more. What it
does not mention is unknown; only what it denies (``denied``) is absent, and a
list is complete only when the source says so (``complete_lists``: "takes no
medications"). Facts read from text keep their ``evidence`` (a span of
``source_text``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from .errors import PatientError, ResourceError
from .icd import icd_code_or_range, normalize_icd, normalize_icd_range
from .lexicon import LabEntry, Lexicon, ScoreEntry, normalize
from .schema import Concept

__all__ = [
    "ConceptRanges",
    "ConditionFact",
    "DeniedFact",
    "Evidence",
    "FamilyFact",
    "LabFact",
    "MedicationFact",
    "ObservationFact",
    "PATIENT_SCHEMA_RESOURCE",
    "Patient",
    "ProcedureFact",
    "ScoreFact",
    "concept_ranges",
    "fact_fields",
    "icd_code_or_range",
    "icd_in",
    "normalize_icd",
    "normalize_icd_range",
    "patient_json_schema",
]

# --------------------------------------------------------------------------- the concept table


_RANGE_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?(?:-[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)?$")


class _Res(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GenericCondition(_Res):
    """A generic ICD-10-CM code and the codes it covers (``A00-B99`` ranges or code prefixes)."""

    code: str
    name: str
    covers: list[str] = Field(min_length=1)
    entries: list[str] | None = None
    note: str | None = None

    except_: list[str] = Field(default_factory=list, alias="except")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if icd_code_or_range(value) != value:
            raise ValueError(f"{value!r} is neither a dotted ICD-10-CM code nor a range 'E08-E13'")
        return value

    @field_validator("covers", "except_")
    @classmethod
    def _ranges(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _RANGE_RE.match(value):
                raise ValueError(f"{value!r} is neither an ICD-10-CM code nor a range 'A00-B99'")
            if "-" in value:
                low, high = value.split("-")
                if len(low) != len(high) or low > high:
                    raise ValueError(f"range {value!r} is reversed or mixes code lengths")
        return values


class ProcedureCover(_Res):
    """A procedure concept and the narrower ones it covers."""

    id: str
    covers: list[str] = Field(min_length=1)


class ExternalCode(_Res):
    """An external code (SNOMED CT, CPT, ICD-10-PCS) mapped to a lexicon entry."""

    system: str
    code: str
    entry: str
    display: str
    present: bool | None = None
    ever: bool | None = None


class LabGroup(_Res):
    """A lab mention that stands for several tests."""

    entry: str
    members: list[str] = Field(min_length=2)
    note: str | None = None


class PregnancyCodes(_Res):
    """ICD-10-CM codes or ranges that say a person is pregnant, or lactating."""

    pregnant: list[str]
    lactating: list[str]


class ConceptRanges(_Res):
    """``resources/concept_ranges.json``: what rule concepts cover when matched (see its description)."""

    name: Literal["concept_ranges"]
    version: str
    description: str
    sources: list[str] = Field(min_length=1)
    conditions: list[GenericCondition]
    former_codes: dict[str, str] = Field(default_factory=dict)
    history_codes: list[str]
    pregnancy: PregnancyCodes
    procedures: list[ProcedureCover]
    procedure_codes: list[ExternalCode]
    lab_groups: list[LabGroup]
    observation_codes: list[ExternalCode]

    @model_validator(mode="after")
    def _unique(self) -> "ConceptRanges":
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for item in self.conditions:
            key = (item.code, tuple(item.entries or ()))
            if key in seen:
                raise ValueError(f"condition {item.code} is listed twice for the same entries")
            seen.add(key)
        for codes in (self.history_codes, self.pregnancy.pregnant, self.pregnancy.lactating):
            for code in codes:
                if not _RANGE_RE.match(code):
                    raise ValueError(f"{code!r} is neither an ICD-10-CM code nor a range")
        for old, new in self.former_codes.items():
            if normalize_icd(old) != old or normalize_icd(new) != new:
                raise ValueError(f"former code {old!r} -> {new!r}: both are dotted ICD-10-CM codes")
        return self


@functools.lru_cache(maxsize=1)
def concept_ranges() -> ConceptRanges:
    """The packaged concept table (``resources/concept_ranges.json``), validated and cached."""
    record = "criteria_nlp/resources/concept_ranges.json"
    file = resources.files("criteria_nlp").joinpath("resources", "concept_ranges.json")
    if not file.is_file():
        raise ResourceError("X002", record=record)
    try:
        return ConceptRanges.model_validate(json.loads(file.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise ResourceError("X001", record=record, detail=f"malformed JSON: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        raise ResourceError("X001", record=record, detail=f"{where}: {err.get('msg', '')}") from None


def icd_in(code: str, spec: str) -> bool:
    """True when the dotted ICD-10-CM ``code`` lies in ``spec`` (a code prefix or a range ``A00-B99``).

    ``code`` may itself be a range ("E08-E13", a concept that names a family): it
    lies in ``spec`` when both its ends do, that is when the whole range does.
    """
    if "-" in code:
        low, high = code.split("-")
        return icd_in(low, spec) and icd_in(high, spec)
    if "-" in spec:
        low, high = spec.split("-")
        n = len(low)
        return len(code) >= n and low <= code[:n] <= high
    return code.startswith(spec) and (len(code) == len(spec) or code[len(spec)] == "." or "." in spec)


# --------------------------------------------------------------------------- systems and codes

_SYSTEMS: dict[str, str] = {
    "icd-10-cm": "ICD-10-CM", "icd10cm": "ICD-10-CM", "icd-10": "ICD-10-CM", "icd10": "ICD-10-CM",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM", "http://hl7.org/fhir/sid/icd-10": "ICD-10-CM",
    "snomed": "SNOMED", "snomed ct": "SNOMED", "snomedct": "SNOMED", "sct": "SNOMED", "http://snomed.info/sct": "SNOMED",
    "cpt": "CPT", "http://www.ama-assn.org/go/cpt": "CPT",
    "icd-10-pcs": "ICD-10-PCS", "icd10pcs": "ICD-10-PCS", "http://www.cms.gov/medicare/coding/icd10": "ICD-10-PCS",
    "loinc": "LOINC", "http://loinc.org": "LOINC",
    "rxnorm": "RxNorm", "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
    "atc": "ATC", "http://www.whocc.no/atc": "ATC",
    "drugbank": "DrugBank", "http://www.drugbank.ca": "DrugBank", "https://go.drugbank.com": "DrugBank",
    "score": "SCORE", "criteria_nlp": "CRITERIA_NLP",
}
_DRUGBANK_RE = re.compile(r"^DB[0-9]{5}$")
_ATC_RE = re.compile(r"^[A-Z](?:[0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{2})?)?)?)?$")
_LOINC_RE = re.compile(r"^[0-9]{1,7}-[0-9]$")
_DRUG_CODE_RE = re.compile(r"^(?:DB[0-9]{5}|[A-Z][0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{2})?)?)?)$")
_SYSTEM_CODE_RE = re.compile(r"^[A-Za-z0-9-]+:\S+$")
_SCORE_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")


def fact_fields(list_name: str, item: str) -> dict[str, Any]:
    """How a fact written as a bare string is read: a ``code`` when it looks like one, else a ``name``.

    ``list_name`` is the patient list it stands in: ``conditions`` and
    ``family_history`` (an ICD-10-CM code, "M32.14" or "m3214"), ``medications``
    (a DrugBank id, an ATC code, a ``drug:`` id), ``procedures`` (a ``proc:`` id or
    ``SYSTEM:code``), ``labs`` (a LOINC code or a ``lab:`` id), ``scores`` (a
    catalogue id in capitals, "SELENA-SLEDAI"). Patient JSON and cohort table
    cells are both read with it.
    """
    if list_name in ("conditions", "family_history"):
        is_code = normalize_icd(item) is not None
    elif list_name == "medications":
        is_code = bool(_DRUG_CODE_RE.match(item)) or item.startswith("drug:")
    elif list_name == "procedures":
        is_code = item.startswith("proc:") or bool(_SYSTEM_CODE_RE.match(item))
    elif list_name == "labs":
        is_code = bool(_LOINC_RE.match(item)) or item.startswith("lab:")
    elif list_name == "scores":
        is_code = bool(_SCORE_CODE_RE.match(item))
    else:
        raise ValueError(f"no patient list {list_name!r}")
    return {"code": item} if is_code else {"name": item}


def normalize_system(system: str | None) -> str | None:
    """A coding system's short name ("http://snomed.info/sct" -> "SNOMED"); unknown names as written."""
    if system is None:
        return None
    return _SYSTEMS.get(system.strip().rstrip("/").lower(), system.strip())


@functools.lru_cache(maxsize=65536)
def condition_concept(code: str | None, system: str | None = None, name: str | None = None) -> Concept | None:
    """The ICD-10-CM concept of a condition: its ICD-10-CM code when it has one, else coded from its name."""
    sys_ = normalize_system(system)
    if code and sys_ in (None, "ICD-10-CM"):
        icd = normalize_icd(code)
        if icd is not None:
            return Concept(system="ICD-10-CM", code=icd, name=name)
    if name and name.strip():
        from .codes import code_concept

        concept = code_concept("CONDITION", name)
        if concept is not None and concept.system == "ICD-10-CM":
            return concept
    return None


@functools.lru_cache(maxsize=65536)
def drug_concept(code: str | None, system: str | None = None, name: str | None = None) -> Concept | None:
    """The concept of a medication: a DrugBank or ATC code as given, a lexicon class id, else coded from its name."""
    sys_ = normalize_system(system)
    if code:
        c = code.strip()
        if sys_ in (None, "DrugBank") and _DRUGBANK_RE.match(c.upper()):
            return Concept(system="DrugBank", code=c.upper(), name=name)
        if sys_ in (None, "ATC") and _ATC_RE.match(c.upper()) and (sys_ == "ATC" or len(c) >= 3):
            return Concept(system="ATC", code=c.upper(), name=name)
        if c.startswith("drug:"):
            try:
                entry = Lexicon.load().get(c)
            except KeyError:
                entry = None
            if entry is not None:
                return entry.concept.model_copy()
    if name and name.strip():
        from .codes import code_concept

        return code_concept("DRUG", name)
    return None


@functools.lru_cache(maxsize=65536)
def procedure_concept(code: str | None, system: str | None = None, name: str | None = None) -> Concept | None:
    """The lexicon concept of a procedure: a ``proc:`` id, a mapped external code, else coded from its name."""
    lex = Lexicon.load()
    sys_ = normalize_system(system)
    if code:
        c = code.strip()
        if c.startswith("proc:"):
            try:
                return lex.get(c).concept.model_copy()
            except KeyError:
                return None
        if ":" in c and sys_ is None:  # "SNOMED:302497006"
            sys_, c = normalize_system(c.split(":", 1)[0]), c.split(":", 1)[1]
        for item in concept_ranges().procedure_codes:
            if item.code == c and (sys_ is None or item.system == sys_):
                return lex.get(item.entry).concept.model_copy()
    if name and name.strip():
        entry = lex.lookup(name, "PROCEDURE")
        if entry is None:
            found = lex.find(name, "PROCEDURE")
            entry = found[0] if found is not None else None
        if entry is not None:
            return entry.concept.model_copy()
    return None


@functools.lru_cache(maxsize=4096)
def lab_entry(code: str | None, name: str | None = None) -> LabEntry | None:
    """The lexicon lab of a measurement: by LOINC code or lab id, else by name."""
    lex = Lexicon.load()
    for key in (code, name):
        if key and key.strip():
            entry = lex.lab(key.strip())
            if entry is not None:
                return entry
    return None


def lab_key(entry: LabEntry) -> str:
    """The key labs are matched on: the LOINC code, or the lab id when the lab has none."""
    return entry.loinc or entry.id


@functools.lru_cache(maxsize=4096)
def score_entry(code: str | None, name: str | None = None) -> ScoreEntry | None:
    """The score catalogue entry of a score: by catalogue id (``SELENA-SLEDAI``) or name."""
    lex = Lexicon.load()
    for key in (code, name):
        if key and key.strip():
            entry = lex.score(key.strip())
            if entry is not None:
                return entry
    return None


@functools.lru_cache(maxsize=4096)
def observation_id(code: str | None, name: str | None = None) -> str | None:
    """The lexicon observation id (``obs:smoking``) of an observation, by id or name ("smoker")."""
    lex = Lexicon.load()
    for key in (code, name):
        if not key or not key.strip():
            continue
        k = key.strip()
        if k.startswith("obs:"):
            try:
                return lex.get(k).id
            except KeyError:
                continue
        entry = lex.lookup(k, "OBSERVATION")
        if entry is not None:
            return entry.id
        try:  # "alcohol-use" -> obs:alcohol-use
            return lex.get("obs:" + k.lower().replace(" ", "-")).id
        except KeyError:
            continue
    return None


# --------------------------------------------------------------------------- facts

DEFAULT_PATIENT_ID = "patient"


def _schema_strings_too(schema: dict[str, Any]) -> None:
    """JSON Schema of a coded list: its facts may also be written as bare strings."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "array":
            branch["items"] = {"anyOf": [{"type": "string", "pattern": "\\S"}, branch["items"]]}


def _schema_mapping_too(*values: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """JSON Schema of a list of measurements: also a mapping from code or name to a value (``values``) or a fact."""

    def extend(schema: dict[str, Any]) -> None:
        array = {"type": schema.pop("type"), "items": schema.pop("items")}
        schema["anyOf"] = [array, {"type": "object", "additionalProperties": {"anyOf": [*values, array["items"]]}}]

    return extend


def _schema_or(*alternatives: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """JSON Schema of a field that also takes ``alternatives`` (a number written as text, a grade label)."""

    def extend(schema: dict[str, Any]) -> None:
        keep = {k: schema.pop(k) for k in ("title", "description", "default") if k in schema}
        branches = schema.pop("anyOf") if set(schema) == {"anyOf"} else [dict(schema)]
        schema.clear()
        schema.update(keep, anyOf=[*branches, *alternatives])

    return extend




def _to_date(value: Any) -> Any:
    """Dates as ISO strings (with or without a time), ``date``/``datetime`` or pandas timestamps."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    to_pydatetime = getattr(value, "to_pydatetime", None)
    if callable(to_pydatetime):
        return to_pydatetime().date()
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if len(text) == 4 and text.isdigit():  # a FHIR partial date: a year
            return dt.date(int(text), 1, 1)
        if len(text) == 7 and text[4] == "-":  # a year and month
            return dt.date(int(text[:4]), int(text[5:]), 1)
        return dt.date.fromisoformat(text[:10])
    return value


class Evidence(BaseModel):
    """Where a fact was read: a character span of the patient's source text (``Patient.source_text``)."""

    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0, description="Offset of the first character in the source text.")
    end: int = Field(ge=0, description="Offset after the last character.")
    text: str = Field(description="The source text between start and end.")


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: the patient list facts of this kind make up, when a bare string may stand for one ("lupus", "M32.14")
    list_name: ClassVar[str | None] = None

    code: str | None = None
    system: str | None = None
    name: str | None = None
    concept: Concept | None = None
    evidence: Evidence | None = Field(default=None, description="Where the fact was read (patients read from text).")

    @model_validator(mode="before")
    @classmethod
    def _written(cls, data: Any) -> Any:
        # "lupus" or "M32.14" in place of {"name": "lupus"} or {"code": "M32.14"}
        if isinstance(data, str) and cls.list_name is not None:
            item = data.strip()
            if not item:
                raise ValueError("an empty string names nothing")
            return fact_fields(cls.list_name, item)
        return data

    @field_validator("code", "system", "name", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(value, float) and math.isnan(value):
                return None
            return str(value)
        return value

    def label(self) -> str:
        """How the fact is written in results: its name and code."""
        code = self.concept.code if self.concept is not None else self.code
        if self.name and code and normalize(self.name) != normalize(code):
            return f"{self.name} ({code})"
        return self.name or code or "?"


ConditionStatus = Literal["active", "recurrence", "relapse", "inactive", "remission", "resolved", "unknown"]


class ConditionFact(_Fact):
    """A diagnosis: ``onset``/``abatement`` dates, clinical ``status``, an optional class/grade/stage ``value``
    and ``qualifiers``: what the record says of it ("uncontrolled", "chronic", "severe", "carrier"; the names
    or forms of ``resources/qualifiers.json``, normalised on load; other words are kept and ignored). None
    means the record says nothing: a rule asking for a qualifier is then unknown."""

    list_name: ClassVar[str | None] = "conditions"

    onset: dt.date | None = None
    abatement: dt.date | None = None
    status: ConditionStatus | None = None
    value: float | None = None
    qualifiers: list[str] | None = None

    _dates = field_validator("onset", "abatement", mode="before")(_to_date)

    @field_validator("qualifiers", mode="before")
    @classmethod
    def _qualifiers(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        from .qualifiers import qualifier_lexicon

        lexicon = qualifier_lexicon()
        out: list[str] = []
        for word in value:
            name = lexicon.normalize(str(word)) or str(word).strip().lower()
            if name and name not in out:
                out.append(name)
        return out

    @model_validator(mode="after")
    def _code(self) -> "ConditionFact":
        if self.concept is None:
            self.concept = condition_concept(self.code, self.system, self.name)
        return self


class FamilyFact(ConditionFact):
    """A condition of a relative (``relation`` as written: mother, sibling, ...)."""

    list_name: ClassVar[str | None] = "family_history"

    relation: str | None = None


MedicationStatus = Literal["active", "completed", "stopped", "on-hold", "intended", "not-taken", "unknown"]


class MedicationFact(_Fact):
    """A medication: ``start``/``end`` dates and a status (FHIR MedicationStatement's)."""

    list_name: ClassVar[str | None] = "medications"

    start: dt.date | None = None
    end: dt.date | None = None
    status: MedicationStatus | None = None

    _dates = field_validator("start", "end", mode="before")(_to_date)

    @model_validator(mode="after")
    def _code(self) -> "MedicationFact":
        if self.concept is None:
            self.concept = drug_concept(self.code, self.system, self.name)
        return self


class ProcedureFact(_Fact):
    """A procedure: done (``completed``), going on (``in-progress``) or ``planned``, with its date."""

    list_name: ClassVar[str | None] = "procedures"

    date: dt.date | None = None
    status: Literal["completed", "in-progress", "planned"] = "completed"

    _dates = field_validator("date", mode="before")(_to_date)

    @model_validator(mode="after")
    def _code(self) -> "ProcedureFact":
        if self.concept is None:
            self.concept = procedure_concept(self.code, self.system, self.name)
        return self


class DeniedFact(_Fact):
    """A condition, medication or procedure the record explicitly denies ("denies diabetes", "takes no
    aspirin", "no history of surgery"): in an open-world record (``Patient.open_world``) it is what makes a
    rule about that concept false rather than unknown."""

    kind: Literal["condition", "medication", "procedure"]

    @model_validator(mode="after")
    def _code(self) -> "DeniedFact":
        if self.concept is None:
            code = {"condition": condition_concept, "medication": drug_concept, "procedure": procedure_concept}[self.kind]
            self.concept = code(self.code, self.system, self.name)
        return self


_POSITIVE = frozenset({"positive", "pos", "detected", "reactive", "present", "+", "abnormal", "high"})
_NEGATIVE = frozenset({"negative", "neg", "not detected", "undetected", "non-reactive", "nonreactive", "absent", "-", "normal"})


def qualitative(text: str) -> Literal["positive", "negative"] | None:
    """"positive" or "negative" for a qualitative result as written ("Detected", "non-reactive"), else None."""
    low = text.strip().lower()
    if low in _POSITIVE:
        return "positive"
    if low in _NEGATIVE:
        return "negative"
    return None


class LabFact(_Fact):
    """A measurement (``code`` LOINC): a number with its unit, or a qualitative ``result``.

    ``value`` may be written as text: a number ("1.4"), or a qualitative result
    ("positive", "detected", "negative"), which goes to ``result``.
    """

    value: float | None = Field(default=None, json_schema_extra=_schema_or({"type": "string"}))
    result: Literal["positive", "negative"] | None = None
    unit: str | None = None
    date: dt.date | None = None
    reference_low: float | None = None
    reference_high: float | None = None

    _dates = field_validator("date", mode="before")(_to_date)

    @model_validator(mode="before")
    @classmethod
    def _text_value(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("value"), str):
            data = dict(data)
            text = data["value"]
            try:
                data["value"] = float(text.replace(",", "."))
            except ValueError:
                result = qualitative(text)
                if result is None:
                    raise ValueError(f"lab value {text!r} is neither a number nor a qualitative result") from None
                data["value"] = None
                data.setdefault("result", result)
        return data

    @model_validator(mode="after")
    def _code(self) -> "LabFact":
        if self.value is not None and not math.isfinite(self.value):
            self.value = None
        if self.value is None and self.result is None:
            raise ValueError("a lab needs a value or a qualitative result")
        if self.concept is None:
            entry = lab_entry(self.code, self.name)
            if entry is not None:
                self.concept = entry.concept.model_copy()
            elif self.code and _LOINC_RE.match(self.code.strip()):
                self.concept = Concept(system="LOINC", code=self.code.strip(), name=self.name)
        return self

    def entry(self) -> LabEntry | None:
        """The lexicon lab this measurement is."""
        return lab_entry(self.concept.code if self.concept is not None else self.code, self.name)


class ScoreFact(_Fact):
    """A score value (``code`` a catalogue id such as ``SELENA-SLEDAI``); a grade label becomes its value."""

    value: float = Field(json_schema_extra=_schema_or({"type": "string"}))
    date: dt.date | None = None

    _dates = field_validator("date", mode="before")(_to_date)

    @model_validator(mode="before")
    @classmethod
    def _grade(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("value"), str):
            data = dict(data)
            text = data["value"].strip()
            try:
                data["value"] = float(text)
            except ValueError:
                entry = score_entry(data.get("code"), data.get("name"))
                grades = {g.label.casefold(): g.value for g in entry.grades} if entry is not None else {}
                if text.casefold() not in grades:
                    raise ValueError(f"score value {text!r} is not a number or a grade of the score") from None
                data["value"] = grades[text.casefold()]
        return data

    @model_validator(mode="after")
    def _code(self) -> "ScoreFact":
        if self.concept is None:
            entry = score_entry(self.code, self.name)
            if entry is not None:
                self.concept = entry.concept.model_copy()
        return self


def _schema_observation_value(schema: dict[str, Any]) -> None:
    """JSON Schema of an observation: ``value`` (a word or a bool) may stand for ``present`` and ``ever``."""
    schema["properties"]["value"] = {"anyOf": [{"type": "boolean"}, {"type": "string"}, {"type": "null"}],
                                     "description": "yes/no, current/former/never, or true/false"}


class ObservationFact(_Fact):
    """An observation about the person: ``present`` now, ``ever`` in the past (smoking: current/former/never),
    or a ``value`` word that says both."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_schema_observation_value)

    present: bool | None = None
    ever: bool | None = None
    date: dt.date | None = None

    _dates = field_validator("date", mode="before")(_to_date)

    @model_validator(mode="before")
    @classmethod
    def _value(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "value" in data:
            data = dict(data)
            present, ever = observation_value(data.pop("value"))
            data.setdefault("present", present)
            data.setdefault("ever", ever)
        return data

    @model_validator(mode="after")
    def _code(self) -> "ObservationFact":
        if self.present is True and self.ever is None:
            self.ever = True
        if self.ever is False and self.present is None:
            self.present = False
        if self.concept is None:
            oid = observation_id(self.code, self.name)
            if oid is not None:
                self.concept = Lexicon.load().get(oid).concept.model_copy()
        return self


def observation_value(value: Any) -> tuple[bool | None, bool | None]:
    """(present, ever) of an observation written as a bool or a word ("current", "former", "never", "yes", "no")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, None
    if isinstance(value, bool):
        return (True, True) if value else (False, None)
    text = str(value).strip().lower()
    if text in ("current", "yes", "true", "y", "1", "present", "daily", "occasional"):
        return True, True
    if text in ("former", "ex", "past", "previous", "quit"):
        return False, True
    if text in ("never", "none"):
        return False, False
    if text in ("no", "false", "n", "0", "absent"):
        return False, None
    raise ValueError(f"observation value {value!r} is not one of yes/no/current/former/never")


# --------------------------------------------------------------------------- the patient

Sex = Literal["female", "male", "other", "unknown"]
_SEX_WORDS = {"f": "female", "woman": "female", "w": "female", "m": "male", "man": "male", "u": "unknown", "": "unknown"}


class Patient(BaseModel):
    """One patient's record, as matching reads it (see the module docstring for coding and completeness).

    ``id`` defaults to ``"patient"`` (:func:`~criteria_nlp.read_patient` gives a
    file without one the file's name). ``age`` is the age in years on
    ``as_of``; ``birth_date`` wins when both are given. ``dates`` names anchor
    dates windows can refer to ("randomization", "screening"; keys are matched
    case-insensitively). Conditions, medications, procedures and family history
    take bare strings for facts ("lupus", "M32.14"; see :func:`fact_fields`);
    labs, scores and observations take a mapping from code or name to value
    (``{"SELENA-SLEDAI": 4}``, ``{"creatinine": {"value": 1.1, "unit": "mg/dL"}}``).
    """

    model_config = ConfigDict(extra="forbid", title="Patient")

    id: str = Field(default=DEFAULT_PATIENT_ID, description="The patient's id.")
    birth_date: dt.date | None = Field(default=None, description="Date of birth; wins over age.")
    age: float | None = Field(default=None, ge=0, le=150, description="Age in years on as_of.")
    sex: Sex = Field(default="unknown", description="female, male, other or unknown.")
    pregnant: bool | None = Field(default=None, description="null: not recorded.")
    lactating: bool | None = Field(default=None, description="null: not recorded.")
    conditions: list[ConditionFact] | None = Field(
        default=None, json_schema_extra=_schema_strings_too,
        description="Diagnoses (ICD-10-CM codes or names). A list given, even empty, is complete; absent or null: unknown.")
    medications: list[MedicationFact] | None = Field(
        default=None, json_schema_extra=_schema_strings_too,
        description="Medications (DrugBank ids, ATC codes or names). A list given, even empty, is complete; absent: unknown.")
    procedures: list[ProcedureFact] | None = Field(
        default=None, json_schema_extra=_schema_strings_too,
        description="Procedures (proc: ids, SYSTEM:code or names). A list given, even empty, is complete; absent: unknown.")
    labs: list[LabFact] = Field(
        default_factory=list, json_schema_extra=_schema_mapping_too({"type": "number"}, {"type": "string"}),
        description="Measurements (LOINC codes or names), never complete: a lab not given is unknown.")
    scores: list[ScoreFact] = Field(
        default_factory=list, json_schema_extra=_schema_mapping_too({"type": "number"}, {"type": "string"}),
        description="Scores (catalogue ids such as SELENA-SLEDAI, or names), never complete.")
    observations: list[ObservationFact] = Field(
        default_factory=list,
        json_schema_extra=_schema_mapping_too({"type": "boolean"}, {"type": "string"}, {"type": "null"}),
        description="Observations (smoking, alcohol use, ...): yes/no or current/former/never; never complete.")
    family_history: list[FamilyFact] | None = Field(
        default=None, json_schema_extra=_schema_strings_too,
        description="Relatives' conditions (ICD-10-CM codes or names). A list given is complete; absent: unknown.")
    plans_complete: bool = Field(default=False, description="True when planned procedures and medications are all listed.")
    open_world: bool = Field(
        default=False,
        description="True: a list holds what the source states, and what it does not state is unknown (patients read "
                    "from notes); only denied facts and lists named in complete_lists rule things out.")
    complete_lists: list[Literal["conditions", "medications", "current_medications", "procedures", "family_history"]] = Field(
        default_factory=list,
        description="With open_world: the lists the source declares complete. \"current_medications\": what the "
                    "patient takes now is all of it (\"takes no medications\"), which says nothing of past use or of "
                    "a window reaching back; \"medications\": every medication, past and present.")
    denied: list[DeniedFact] = Field(
        default_factory=list, description="What the source explicitly denies (\"denies diabetes\"); read with open_world.")
    evidence: dict[str, Evidence] = Field(
        default_factory=dict, description="Where age, sex, pregnancy and lactation were read (patients read from text).")
    source_text: str | None = Field(default=None, description="The text the record was read from (a patient note).")
    dates: dict[str, dt.date] = Field(default_factory=dict, description="Named anchor dates (\"randomization\").")
    as_of: dt.date = Field(default_factory=dt.date.today, description="The date the record speaks for (default today).")

    _birth = field_validator("birth_date", "as_of", mode="before")(_to_date)

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, value: Any) -> Any:
        if value is None:
            return "unknown"
        if isinstance(value, str):
            low = value.strip().lower()
            return _SEX_WORDS.get(low, low)
        return value

    @field_validator("dates", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k).strip().lower(): _to_date(v) for k, v in value.items()}
        return value

    @field_validator("observations", mode="before")
    @classmethod
    def _observations(cls, value: Any) -> Any:
        # {"smoking": "former", "alcohol use": false, "pregnancy": {"value": "no", "date": ...}} for a list
        if isinstance(value, Mapping):
            return [{"code": k, **v} if isinstance(v, Mapping) else {"code": k, "value": v} for k, v in value.items()]
        return value

    @field_validator("labs", "scores", mode="before")
    @classmethod
    def _measurements(cls, value: Any, info: ValidationInfo) -> Any:
        # {"SELENA-SLEDAI": 4} or {"creatinine": {"value": 1.1, "unit": "mg/dL"}} for a list of facts
        if isinstance(value, Mapping):
            list_name = str(info.field_name)
            return [{**fact_fields(list_name, str(k).strip()), **(v if isinstance(v, Mapping) else {"value": v})}
                    for k, v in value.items()]
        return value

    @model_validator(mode="after")
    def _check(self) -> "Patient":
        if self.birth_date is not None and self.birth_date > self.as_of:
            raise ValueError(f"birth_date {self.birth_date} is after as_of {self.as_of}")
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], record: str | None = None) -> "Patient":
        """Validate a patient dict; raises :class:`PatientError` ``P001`` naming the record and the field."""
        if isinstance(data, Mapping):
            name = record or str(data.get("id") or "<patient>")
        else:
            name = record or "<patient>"
        if not isinstance(data, Mapping):
            raise PatientError("P001", record=name, detail=f"expected a JSON object, got {type(data).__name__}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise PatientError("P001", record=name, detail=first_error(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict that :meth:`from_dict` reads back."""
        return self.model_dump(mode="json", exclude_none=True)

    # ----------------------------------------------------------------- derived

    def age_on(self, day: dt.date | None = None) -> tuple[float, float] | None:
        """(completed years, exact years) on ``day`` (default ``as_of``), or None without a birth date or age."""
        day = day or self.as_of
        if self.birth_date is not None:
            b = self.birth_date
            completed = day.year - b.year - ((day.month, day.day) < (b.month, b.day))
            return float(completed), (day - b).days / 365.25
        if self.age is not None:
            return float(math.floor(self.age)), float(self.age)
        return None

    def anchor(self, name: str | None) -> tuple[dt.date, bool]:
        """The date a window is anchored on: the named date when the record has it (True), else ``as_of`` (False)."""
        if name:
            key = name.strip().lower()
            if key in self.dates:
                return self.dates[key], True
        return self.as_of, False


#: the published JSON Schema of the patient JSON, in ``criteria_nlp/resources/``
PATIENT_SCHEMA_RESOURCE = "patient.schema.json"


def patient_json_schema() -> dict[str, Any]:
    """The JSON Schema of the patient JSON that :meth:`Patient.from_dict` reads (``criteria-nlp schema --patient``).

    It takes the written forms too (bare strings in coded lists, mappings for
    labs, scores and observations, numbers written as text); the reader also
    takes a few it does not list (sex "F"/"M", datetimes for dates).
    """
    schema = Patient.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://criteria-nlp.example/schema/patient"
    return schema


def first_error(exc: ValidationError) -> str:
    """The first validation error of ``exc`` as "field.path: message (and N more)"."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()))
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{loc}: {msg}{more}" if loc else f"{msg}{more}"
