"""ClinicalTrials.gov API v2 studies (JSON objects) as ``Trial`` objects.

Only the fields a ``Trial`` needs are validated (with pydantic); everything else
in the study is ignored.
"""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import MalformedRecordError, UnknownFormatError
from ..schema import Eligibility, Intervention, Trial
from . import normalize as norm
from .common import choose_id, record_name

FORMAT = "ctgov-json"
REGISTRY = "ClinicalTrials.gov"


class _V2(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _IdInfo(_V2):
    id: str | None = None


class _Identification(_V2):
    nctId: str | None = None
    briefTitle: str | None = None
    officialTitle: str | None = None
    orgStudyIdInfo: _IdInfo | None = None
    secondaryIdInfos: list[_IdInfo] = Field(default_factory=list)


class _Status(_V2):
    overallStatus: str | None = None


class _Enrollment(_V2):
    count: int | None = None


class _Design(_V2):
    studyType: str | None = None
    phases: list[str] = Field(default_factory=list)
    enrollmentInfo: _Enrollment | None = None


class _Conditions(_V2):
    conditions: list[str] = Field(default_factory=list)


class _Intervention(_V2):
    type: str | None = None
    name: str | None = None


class _Arms(_V2):
    interventions: list[_Intervention] = Field(default_factory=list)


class _Eligibility(_V2):
    eligibilityCriteria: str | None = None
    sex: str | None = None
    minimumAge: str | None = None
    maximumAge: str | None = None
    healthyVolunteers: bool | None = None


class _Protocol(_V2):
    identificationModule: _Identification = Field(default_factory=_Identification)
    statusModule: _Status = Field(default_factory=_Status)
    designModule: _Design = Field(default_factory=_Design)
    conditionsModule: _Conditions = Field(default_factory=_Conditions)
    armsInterventionsModule: _Arms = Field(default_factory=_Arms)
    eligibilityModule: _Eligibility = Field(default_factory=_Eligibility)


class _Study(_V2):
    protocolSection: _Protocol


def is_study(obj: object) -> bool:
    """True for a mapping shaped like an API v2 study (it has a ``protocolSection``)."""
    return isinstance(obj, Mapping) and "protocolSection" in obj


def nct_of(obj: Mapping[str, Any]) -> str | None:
    """The NCT id of an API v2 study (``protocolSection.identificationModule.nctId``), or None."""
    try:
        nct = obj["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return nct if isinstance(nct, str) else None


def _describe(obj: object) -> str:
    if isinstance(obj, Mapping):
        keys = ", ".join(repr(k) for k in list(obj)[:5])
        return f"a JSON object with keys {keys}" + (", ..." if len(obj) > 5 else "") if obj else "an empty JSON object"
    if isinstance(obj, list):
        return "a JSON list"
    return f"a JSON {type(obj).__name__} value"


def trial_from_mapping(obj: Mapping[str, Any], *, source: str | None = None) -> Trial:
    """Build a ``Trial`` from a ClinicalTrials.gov API v2 study object (a dict).

    Raises ``UnknownFormatError`` (R007) when ``obj`` is not a study and
    ``MalformedRecordError`` (R011) when a field has the wrong shape.
    """
    name = source or "<mapping>"
    if not is_study(obj):
        raise UnknownFormatError(
            "R007", record=name, detail=f"{_describe(obj)}; a study has a 'protocolSection'"
        ) from None
    nct = nct_of(obj)
    try:
        study = _Study.model_validate(obj)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        raise MalformedRecordError("R011", record=record_name(name, nct), detail=f"{loc}: {err.get('msg', '')}") from None
    p = study.protocolSection
    ident, design, elig = p.identificationModule, p.designModule, p.eligibilityModule
    text = norm.criteria_text(elig.eligibilityCriteria)
    secondary = [i.id.strip() for i in [ident.orgStudyIdInfo, *ident.secondaryIdInfos] if i is not None and i.id and i.id.strip()]
    interventions = [
        Intervention(type=norm.intervention_type(i.type), name=i.name.strip())
        for i in p.armsInterventionsModule.interventions
        if i.name and i.name.strip()
    ]
    return Trial(
        id=choose_id(ident.nctId, *secondary, text=text),
        registry=REGISTRY,
        title=norm.clean(ident.briefTitle) or norm.clean(ident.officialTitle),
        status=norm.status(p.statusModule.overallStatus),
        phases=norm.phases(design.phases),
        enrollment=design.enrollmentInfo.count if design.enrollmentInfo else None,
        study_type=norm.study_type(design.studyType),
        conditions=[c.strip() for c in p.conditionsModule.conditions if c.strip()],
        interventions=interventions,
        eligibility_text=text,
        eligibility=Eligibility(
            minimum_age=norm.age(elig.minimumAge),
            maximum_age=norm.age(elig.maximumAge),
            sex=norm.sex(elig.sex),
            healthy_volunteers=elig.healthyVolunteers,
        ),
        secondary_ids=secondary,
        format=FORMAT,
        source=source,
    )
