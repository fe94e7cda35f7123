"""The published JSON Schema of the analysis output: up to date and satisfied by real output."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from criteria_nlp import Analyzer, TrialAnalysis, read_patient, read_trial
from criteria_nlp.errors import PatientError
from criteria_nlp.patient import PATIENT_SCHEMA_RESOURCE, Patient, patient_json_schema
from criteria_nlp.schema import SCHEMA_RESOURCE, json_schema

from conftest import FIXTURES  # type: ignore[import-not-found]


def _published(name: str = SCHEMA_RESOURCE) -> dict:
    return json.loads(resources.files("criteria_nlp.resources").joinpath(name).read_text("utf-8"))


def test_schema_json_file_matches_the_models() -> None:
    # regenerate with: criteria-nlp schema > criteria_nlp/resources/trial_analysis.schema.json
    assert _published() == json.loads(json.dumps(json_schema(), sort_keys=True))


def test_schema_json_cli_prints_it() -> None:
    from typer.testing import CliRunner

    from criteria_nlp.cli import app

    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0 and json.loads(result.stdout) == _published()


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "seeds").glob("*.txt")))
def test_schema_json_validates_seed_output(analyzer: Analyzer, name: str) -> None:
    data = json.loads(json.dumps(analyzer(read_trial(FIXTURES / "seeds" / name)).to_dict()))
    jsonschema.validate(data, _published())
    assert TrialAnalysis.from_dict(data).to_dict() == data


def test_schema_json_rejects_a_bad_rule() -> None:
    data = {"trial": {"id": "T1"}, "rules": [{"id": "r1", "kind": "inclusion", "category": "mood",
                                             "polarity": "require", "text": "x"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, _published())


@pytest.mark.parametrize(
    ("model", "values"),
    [
        ("Rule", {"id": "r1", "kind": "inclusion", "category": "age", "polarity": "require", "operator": ">=", "low": 18.0,
                  "unit": "years", "source": "structured", "text": "Minimum age: 18 Years", "computable": True}),
        ("Entity", {"id": "e1", "criterion": "c1", "label": "LAB", "text": "LVEF", "start": 0, "end": 4}),
        ("Criterion", {"id": "c1", "kind": "exclusion", "text": "Pregnancy", "start": 3, "end": 12}),
        ("Concept", {"system": "LOINC", "code": "10230-1", "name": "LVEF"}),
    ],
)
def test_schema_construct_trusted_equals_model_construct(model: str, values: dict[str, object]) -> None:
    import criteria_nlp.schema as schema

    cls = getattr(schema, model)
    fast, slow = cls.construct_trusted(dict(values)), cls.model_construct(**values)
    assert fast == slow
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set
    # defaults that are containers are fresh per instance, as pydantic makes them
    for name, value in fast.__dict__.items():
        if isinstance(value, (list, dict)):
            assert value is not cls.construct_trusted(dict(values)).__dict__[name]


# --------------------------------------------------------------------------- the patient JSON


def test_schema_json_patient_file_matches_the_models() -> None:
    # regenerate with: criteria-nlp schema --patient > criteria_nlp/resources/patient.schema.json
    assert _published(PATIENT_SCHEMA_RESOURCE) == json.loads(json.dumps(patient_json_schema(), sort_keys=True))


def test_schema_json_cli_prints_the_patient_schema() -> None:
    from typer.testing import CliRunner

    from criteria_nlp.cli import app

    result = CliRunner().invoke(app, ["schema", "--patient"])
    assert result.exit_code == 0 and json.loads(result.stdout) == _published(PATIENT_SCHEMA_RESOURCE)
    jsonschema.Draft202012Validator.check_schema(json.loads(result.stdout))


PATIENT_FILES = sorted(p.name for p in (FIXTURES / "patients").glob("*.json") if '"rules"' not in p.read_text("utf-8"))


def test_schema_json_example_patients_are_found() -> None:
    assert "lupus_candidate.json" in PATIENT_FILES and "feature_trial.json" not in PATIENT_FILES


@pytest.mark.parametrize("name", PATIENT_FILES)
def test_schema_json_validates_example_patients(name: str) -> None:
    path = FIXTURES / "patients" / name
    data = json.loads(path.read_text("utf-8"))
    if "resourceType" not in data:  # our JSON as shipped (the FHIR bundle is FHIR's format)
        jsonschema.validate(data, _published(PATIENT_SCHEMA_RESOURCE))
    # what to_dict() writes of any patient read, coded facts included, is patient JSON too
    jsonschema.validate(json.loads(json.dumps(read_patient(path).to_dict())), _published(PATIENT_SCHEMA_RESOURCE))


@pytest.mark.parametrize(("data", "valid"), [
    ({}, True),
    ({"conditions": ["lupus", "M32.14", {"code": "I10", "qualifiers": ["controlled"]}], "medications": ["DB01611"],
      "procedures": ["hemodialysis"], "family_history": ["breast cancer"]}, True),
    ({"labs": {"creatinine": {"value": 1.1, "unit": "mg/dL"}, "4548-4": 6.1, "5130-0": "positive"}}, True),
    ({"labs": [{"code": "2160-0", "value": "1,2", "unit": "mg/dL"}]}, True),
    ({"scores": {"SELENA-SLEDAI": 4, "NYHA class": "III", "ACR-1997": {"value": 5, "date": "2026-01-02"}}}, True),
    ({"observations": {"smoking": "former", "alcohol use": False, "pregnancy": None}}, True),
    ({"observations": [{"code": "smoking", "value": "current"}]}, True),
    ({"conditions": [], "medications": None, "as_of": "2026-03-01", "dates": {"randomization": "2026-04-01"}}, True),
    ({"conditions": "lupus"}, False),
    ({"conditions": [""]}, False),
    ({"conditions": [{"code": "M32.14", "colour": "red"}]}, False),
    ({"labs": ["creatinine"]}, False),
    ({"labs": {"creatinine": None}}, False),
    ({"scores": {"SELENA-SLEDAI": [4]}}, False),
    ({"sex": "robot"}, False),
    ({"age": -3}, False),
    ({"id": None}, False),
    ({"favourite_colour": "blue"}, False),
])
def test_schema_json_patient_agrees_with_the_reader(data: dict[str, object], valid: bool) -> None:
    errors = list(jsonschema.Draft202012Validator(_published(PATIENT_SCHEMA_RESOURCE)).iter_errors(data))
    assert (not errors) == valid, errors
    if valid:
        Patient.from_dict(data)
    else:
        with pytest.raises(PatientError):
            Patient.from_dict(data)
