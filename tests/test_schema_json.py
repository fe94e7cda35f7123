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
