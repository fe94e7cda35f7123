"""The output schema: pydantic models for trials, criteria, entities and analyses.

Every model serialises to plain JSON (``model_dump(mode="json")``) and back.
Character offsets (``start``/``end``) always index into
``Trial.eligibility_text``.
"""

from __future__ import annotations

import copy
import functools
import html
import re
from collections.abc import Callable
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from .errors import AnalysisError, validation_detail

SCHEMA_VERSION = "3"
#: versions ``TrialAnalysis.from_dict`` reads (older ones are upgraded on the way in)
READABLE_VERSIONS = ("1", "2", "3")

AgeUnit = Literal["years", "months", "weeks", "days", "hours", "minutes"]
Sex = Literal["all", "female", "male"]
Kind = Literal["inclusion", "exclusion", "unknown"]
Role = Literal["criterion", "lead_in", "heading"]

#: Length of one unit in years, for ``Age.years``.
YEARS_PER_UNIT: dict[str, float] = {
    "years": 1.0,
    "months": 1.0 / 12.0,
    "weeks": 7.0 / 365.25,
    "days": 1.0 / 365.25,
    "hours": 1.0 / (365.25 * 24.0),
    "minutes": 1.0 / (365.25 * 24.0 * 60.0),
}


_M = TypeVar("_M", bound="_Model")
# per model class: its constant defaults and the factories for the defaults that must be fresh per instance
_DEFAULTS: dict[type, tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]] = {}


def _defaults_of(cls: type[BaseModel]) -> tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]:
    static: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, field in cls.model_fields.items():
        if field.is_required():
            continue
        if field.default_factory is not None:
            if getattr(field, "default_factory_takes_data", False):
                raise TypeError(f"{cls.__name__}.{name}: a default factory that reads the other fields")
            factories.append((name, field.default_factory))  # type: ignore[arg-type]
        elif isinstance(field.default, (list, dict, set)):
            factories.append((name, functools.partial(copy.deepcopy, field.default)))
        else:
            static[name] = field.default
    _DEFAULTS[cls] = result = (static, tuple(factories))
    return result


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    @classmethod
    def construct_trusted(cls: type[_M], values: dict[str, Any]) -> _M:
        """``model_construct`` for values the pipeline produced: field names only, already of their types.

        The same instance as ``model_construct(**values)`` (defaults filled in, no
        validation), built several times faster because nothing is looked up per
        field; ``from_dict`` validates whole analyses.
        """
        if cls.__pydantic_post_init__ or cls.__private_attributes__:
            return cast(_M, cls.model_construct(**values))
        static, factories = _DEFAULTS.get(cls) or _defaults_of(cls)
        model = cls.__new__(cls)
        data = {**static, **values}
        for name, factory in factories:
            if name not in values:
                data[name] = factory()
        object.__setattr__(model, "__dict__", data)
        object.__setattr__(model, "__pydantic_fields_set__", set(values))
        object.__setattr__(model, "__pydantic_extra__", None)
        object.__setattr__(model, "__pydantic_private__", None)
        return model


class Age(_Model):
    """An age limit as the registry states it, with its value in years."""

    value: int | float
    unit: AgeUnit
    years: float

    @classmethod
    def of(cls, value: int | float, unit: AgeUnit) -> "Age":
        """Build an age, computing ``years`` from ``value`` and ``unit``."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return cls(value=value, unit=unit, years=round(value * YEARS_PER_UNIT[unit], 6))


class Eligibility(_Model):
    """The registry's structured eligibility fields."""

    minimum_age: Age | None = None
    maximum_age: Age | None = None
    sex: Sex | None = None
    healthy_volunteers: bool | None = None


class Intervention(_Model):
    """An intervention as the registry lists it (``type`` as written, upper case)."""

    type: str | None = None
    name: str


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Trial(_Model):
    """One trial record, whatever format it was read from.

    A lone surrogate in the eligibility text (a broken JSON ``\\ud800`` escape)
    becomes U+FFFD, one character for one, so offsets stay valid and every
    later stage can encode the text.
    """

    id: str
    registry: str = "unknown"
    title: str | None = None
    status: str | None = None
    phases: list[str] = Field(default_factory=list)
    enrollment: int | None = None
    study_type: str | None = None
    conditions: list[str] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    eligibility_text: str = ""
    eligibility: Eligibility = Field(default_factory=Eligibility)
    secondary_ids: list[str] = Field(default_factory=list)
    format: str = "plain-text"
    source: str | None = None

    @field_validator("eligibility_text", "title")
    @classmethod
    def _no_lone_surrogates(cls, value: str | None) -> str | None:
        return _LONE_SURROGATE.sub("\ufffd", value) if value else value


class Criterion(_Model):
    """One criterion of a trial's eligibility text, or a lead-in/heading over sub-items.

    ``role`` is ``criterion`` for a statement to evaluate, ``lead_in`` for a
    sentence that introduces sub-items ("Patients are excluded if any of the
    following applies:"), ``heading`` for a topic label inside a list ("Age:",
    "Cohort A:"). ``parent`` is the id of the lead-in, heading or item a
    sub-item belongs to; ``header`` the section header it falls under, as written.
    """

    id: str
    kind: Kind
    number: str | None = None
    text: str
    start: int
    end: int
    parent: str | None = None
    role: Role = "criterion"
    header: str | None = None


class Duplicate(_Model):
    """A criterion that repeats an earlier one of the same kind; kept out of ``criteria``."""

    kind: Kind
    text: str
    start: int
    end: int
    duplicate_of: str


class Concept(_Model):
    """A coded concept: ``system`` such as ``ICD-10-CM``, ``LOINC``, ``RxNorm``, ``SCORE``."""

    system: str
    code: str
    name: str | None = None

    @property
    def is_drug(self) -> bool:
        """Whether the concept names a drug or drug class (its rule is a drug rule whatever the mention's label)."""
        return names_drug(self.system, self.code)


#: coding systems whose every code is a drug or drug class
DRUG_SYSTEMS = frozenset({"ATC", "RxNorm", "DrugBank", "MedlinePlus", "drug-named-entity-recognition"})


def names_drug(system: str, code: str) -> bool:
    """Whether ``system``/``code`` name a drug: a drug vocabulary, or one of the lexicon's own ``drug:`` classes."""
    return system in DRUG_SYSTEMS or (system == "CRITERIA_NLP" and code.startswith("drug:"))


class Value(_Model):
    """A comparison a criterion makes, with its canonical-unit form."""

    operator: str | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    unit_canonical: str | None = None
    low_canonical: float | None = None
    high_canonical: float | None = None
    uln_multiple: float | None = None
    lln_multiple: float | None = None
    of: float | None = None
    text: str


class Window(_Model):
    """A time window such as "within the past 6 months".

    ``bound`` says which side the duration limits: ``within`` (the event lies
    inside the window: "within the past 6 months") or ``at_least`` (the event
    lies at least that far from the anchor: "at least 30 days before
    randomization"); None when the text does not say.
    """

    duration_days: float | None = None
    iso8601: str | None = None
    direction: Literal["past", "future", "around"] | None = None
    anchor: str | None = None
    bound: Literal["within", "at_least"] | None = None
    text: str


class Qualifier(_Model):
    """A word that narrows what an entity names ("uncontrolled", "chronic", "severe", "refractory").

    ``name`` is the normalised qualifier (``resources/qualifiers.json``); ``start``/``end``
    index ``Trial.eligibility_text`` like every offset.
    """

    name: str
    text: str
    start: int
    end: int


class Coding(_Model):
    """How a mention no lexicon names was coded by the open-vocabulary index (``criteria_coder`` with
    ``vocab_fallback``), or why it was left uncoded for review.

    ``system``/``code``/``display`` are those of the nearest vocabulary ``entry``, ``score`` its cosine
    similarity (0-1). With ``review`` set the match was not trusted (a weak score, a catch-all code, an entry
    naming a narrower or another thing): the entity has no concept and its rule is non-computable, for that
    reason. ``narrower`` holds the mention's words the entry leaves out: the code is kept, broader than the
    mention, and the rule says so (:attr:`Rule.narrower`).
    """

    source: Literal["vocab_index", "lexicon"]
    system: str | None = None
    code: str | None = None
    display: str | None = None
    entry: str | None = None
    score: float | None = None
    review: str | None = None
    narrower: str | None = None


class Entity(_Model):
    """A tagged mention inside one criterion, with its assertion context and codes.

    ``qualifies`` (VALUE and TEMPORAL entities, status words such as "history
    of" included) lists the ids of the entities the value or time expression
    is about; ``qualifiers`` the words narrowing this entity. ``coding`` says
    how an open-vocabulary match coded the mention, or why it was left for
    review; ``procedure_kind`` is the kind of a PROCEDURE (surgery, imaging,
    drug therapy, ...), which is not a code.

    ``Entity.trusted(...)`` builds one from the pipeline's own values without
    validating them again (nested dicts become models); ``from_dict`` on the
    analysis validates everything.
    """

    id: str
    criterion: str
    label: str
    text: str
    start: int
    end: int
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    uncertain: bool = False
    family: bool = False
    excepted: bool = False
    concept: Concept | None = None
    value: Value | None = None
    window: Window | None = None
    qualifies: list[str] = Field(default_factory=list)
    qualifiers: list[Qualifier] = Field(default_factory=list)
    coding: Coding | None = None
    procedure_kind: str | None = None

    @classmethod
    def trusted(cls, **fields: Any) -> "Entity":
        """An entity from values the pipeline produced (already of the right types), without validation."""
        for name, model in (("concept", Concept), ("value", Value), ("window", Window), ("coding", Coding)):
            data = fields.get(name)
            if isinstance(data, dict):
                fields[name] = model.construct_trusted(data)
        qualifiers = fields.get("qualifiers")
        if qualifiers:
            fields["qualifiers"] = [Qualifier.construct_trusted(q) if isinstance(q, dict) else q for q in qualifiers]
        return cls.construct_trusted(fields)


RuleCategory = Literal["age", "sex", "condition", "drug", "procedure", "lab", "score", "pregnancy", "observation",
                       "allergy", "other"]
RuleStatus = Literal["current", "history", "planned", "suspected", "family"]


class RuleException(_Model):
    """A carve-out of a rule: "other than basal cell carcinoma", "unless due to active lupus"."""

    concept: Concept | None = None
    text: str
    entity: str | None = None


class Population(_Model):
    """Who a rule binds, when the criterion names a narrower group than the whole trial population.

    "Women of childbearing potential must have a negative pregnancy test" binds
    only women who can become pregnant; "Mammogram required for women aged 40
    and over" women of 40 and over; "patients with liver metastases: AST < 5 x
    ULN" patients with liver metastases. A patient outside the population meets
    the rule whatever it asks; one whose membership the record cannot settle
    gets ``unknown`` where the rule would otherwise stand in the way. Every
    field given must hold (all-of); ``conditions`` holds when the patient has
    any of them, ``without`` when the patient has none of them ("AST < 3 x ULN
    (< 5 x ULN if liver metastases)": the first limit binds patients without
    liver metastases, the second those with them), with the ``qualifiers`` the
    record must confirm of them ("For treatment-refractory lupus nephritis,
    ..."); ``other`` is a part of the description no record can answer
    ("participating in the symptom questionnaire"), which makes membership
    unknown unless another part settles it.
    """

    sex: Literal["female", "male"] | None = None
    childbearing_potential: bool | None = None
    age_operator: str | None = None
    age_low: float | None = None
    age_high: float | None = None
    conditions: list[Concept] = Field(default_factory=list)
    without: list[Concept] = Field(default_factory=list)
    qualifiers: list[str] = Field(default_factory=list)
    other: str | None = None
    text: str


class Rule(_Model):
    """One computable statement of eligibility (or one non-computable criterion, kept as text).

    ``polarity`` combines the criterion's kind with negation: ``require`` (the
    patient must satisfy it) or ``exclude`` (a patient who satisfies it is
    excluded). Rules sharing a ``group`` are alternatives (any of them); the
    rules of one kind otherwise combine as all-of. ``status`` says which time
    the statement is about: ``current``, ``history`` ("history of", "prior"),
    ``planned`` ("planned", "scheduled", "if"), ``suspected`` ("suspected",
    "possible"), ``family`` ("family history of"). ``qualifiers`` are the
    normalised words narrowing the concept ("uncontrolled", "chronic"), which
    the patient's record must confirm; ``applies_to`` the population the rule
    binds, when narrower than the trial's. ``narrower`` holds the words of the
    criterion's mention that its code leaves out ("palatal" of "essential
    palatal tremor", coded as essential tremor): the criterion names a narrower
    kind than the code, so a record with the code cannot confirm it (unknown).
    ``source`` is ``text`` for rules read from the criteria and ``structured``
    for the registry's own fields.
    """

    id: str
    criterion: str | None = None
    kind: Kind
    category: RuleCategory
    concept: Concept | None = None
    polarity: Literal["require", "exclude"]
    status: RuleStatus = "current"
    operator: str | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    uln_multiple: float | None = None
    lln_multiple: float | None = None
    of: float | None = None
    window: Window | None = None
    qualifiers: list[str] = Field(default_factory=list)
    narrower: str | None = None
    applies_to: Population | None = None
    exceptions: list[RuleException] = Field(default_factory=list)
    group: str | None = None
    entity: str | None = None
    source: Literal["text", "structured"] = "text"
    text: str
    evidence: str | None = None
    computable: bool = True
    reason: str | None = None


class Issue(_Model):
    """A problem with a trial's criteria, for the people who write them (``criteria-nlp lint``)."""

    code: str
    severity: Literal["error", "warning", "info"]
    message: str
    criterion: str | None = None
    rule: str | None = None


#: the notebook view of an analysis: the data model does not depend on its views, which register themselves
#: (:mod:`criteria_nlp.display`, imported with the package)
_HTML_VIEW: list[Callable[["TrialAnalysis"], str]] = []


def register_html_view(view: Callable[["TrialAnalysis"], str]) -> None:
    """Set the function that draws a :class:`TrialAnalysis` in a notebook (``_repr_html_``)."""
    _HTML_VIEW[:] = [view]


class TrialAnalysis(BaseModel):
    """The analysis of one trial: the trial, its criteria and what later stages add.

    ``to_dict()`` is JSON-serialisable and round-trips through ``from_dict()``.
    ``doc`` holds the spaCy ``Doc`` when the analysis was just computed (it is not
    serialised).
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    trial: Trial
    criteria: list[Criterion] = Field(default_factory=list)
    duplicates: list[Duplicate] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    issues: list[Issue] = Field(default_factory=list)

    _doc: Any = PrivateAttr(default=None)
    _criteria_by_id: Any = PrivateAttr(default=None)

    @property
    def doc(self) -> Any:
        """The spaCy ``Doc`` this analysis came from, or None after deserialisation."""
        return self._doc

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TrialAnalysis):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of the whole analysis."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrialAnalysis":
        """Rebuild an analysis from ``to_dict()`` output (this schema version or an older one)."""
        record = str(data.get("trial", {}).get("id", "<analysis>")) if isinstance(data, dict) else "<analysis>"
        if isinstance(data, dict):
            version = str(data.get("schema_version", SCHEMA_VERSION))
            if version not in READABLE_VERSIONS:
                raise AnalysisError("A002", record=record, detail=f"schema_version {version!r}: this release reads "
                                    + ", ".join(READABLE_VERSIONS))
            if version == "1":
                data = _upgrade_v1(data)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise AnalysisError("A002", record=record, detail=validation_detail(exc)) from None

    def criteria_of(self, kind: Kind) -> list[Criterion]:
        """The criteria (not lead-ins) of one kind, in text order."""
        return [c for c in self.criteria if c.kind == kind and c.role == "criterion"]

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id; ``KeyError`` when there is none."""
        criteria = self.criteria
        position = (self._criteria_by_id or {}).get(criterion_id)
        if position is None or position >= len(criteria) or criteria[position].id != criterion_id:
            self._criteria_by_id = {c.id: i for i, c in enumerate(criteria)}  # the list changed: index it again
            position = self._criteria_by_id[criterion_id]
        found: Criterion = criteria[position]
        return found

    def frame(self, section: str = "criteria") -> Any:
        """One section (``criteria``, ``entities``, ``rules``, ``issues``, ``duplicates``) as a pandas DataFrame,
        nested fields flattened (``concept.code`` -> ``concept_code``)."""
        import pandas as pd

        rows = self.to_dict()[section]
        frame = pd.json_normalize(rows, sep="_") if rows else pd.DataFrame()
        frame.insert(0, "trial_id", self.trial.id)
        return frame

    def _repr_html_(self) -> str:
        """A notebook view: the trial, then its criteria with their kind and rules
        (:func:`criteria_nlp.display.analysis_html`, which registers itself on import)."""
        if _HTML_VIEW:
            return _HTML_VIEW[0](self)
        return f"<pre>{html.escape(repr(self))}</pre>"

    @property
    def computable_share(self) -> float | None:
        """Share of text criteria with at least one computable rule (None without criteria)."""
        ids = {c.id for c in self.criteria if c.role == "criterion"}
        if not ids:
            return None
        covered = {r.criterion for r in self.rules if r.computable and r.source == "text"}
        return len(ids & covered) / len(ids)


def _upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 analysis in the form of this version: an entity's ``qualifies`` was one id or null."""
    out = dict(data)
    entities = []
    for entity in data.get("entities") or []:
        if isinstance(entity, dict) and not isinstance(entity.get("qualifies", []), list):
            entity = {**entity, "qualifies": [entity["qualifies"]] if entity.get("qualifies") else []}
        entities.append(entity)
    out["entities"] = entities
    out["schema_version"] = SCHEMA_VERSION
    return out


SCHEMA_RESOURCE = "trial_analysis.schema.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``TrialAnalysis.to_dict()`` output, generated from the pydantic models."""
    schema = TrialAnalysis.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://criteria-nlp.example/schema/trial_analysis/{SCHEMA_VERSION}"
    return schema
