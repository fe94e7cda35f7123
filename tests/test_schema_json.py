"""The published JSON Schema of the analysis output: up to date and satisfied by real output."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from criteria_nlp import Analyzer, TrialAnalysis, read_trial
from criteria_nlp.schema import SCHEMA_RESOURCE, json_schema

from conftest import FIXTURES  # type: ignore[import-not-found]


def _published() -> dict:
    return json.loads(resources.files("criteria_nlp.resources").joinpath(SCHEMA_RESOURCE).read_text("utf-8"))


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
