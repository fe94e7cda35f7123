"""resources/lint.json: validated on load; every code documented; sections and word lists usable."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from criteria_nlp.comparison import LintResource, lint_resource
from criteria_nlp.quality import issue_codes


def packaged() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("criteria_nlp").joinpath("resources", "lint.json").read_text("utf-8"))
    return data


def test_lint_resource_loads() -> None:
    res = lint_resource()
    assert res.name == "lint"
    assert sorted(res.codes) == [f"L{i:03d}" for i in range(1, 18)]
    assert issue_codes()["L006"][0] == "warning"
    assert res.compare.sections[0] == "registry"


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("codes", "X001"), {"severity": "error", "title": "bad"}, "L000"),
        (("codes", "L001", "severity"), "fatal", "severity"),
        (("compare", "codes", "proc:dialysis"), "nowhere", "unknown section"),
        (("spelling", "confusions"), [{"word": "sever", "suggestion": "severe", "next": "(unclosed"}], "regular expression"),
        (("compare", "rule_category"), {"age": "demographics"}, "no section"),
    ],
)
def test_lint_resource_rejects(path: tuple[str, ...], value: Any, problem: str) -> None:
    data = copy.deepcopy(packaged())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError, match=problem):
        LintResource.model_validate(data)


def test_lint_resource_lexicon_categories_are_real() -> None:
    from criteria_nlp.lexicon import Lexicon

    categories = {e.category for e in Lexicon.load().entries()}
    kinds = {getattr(e, "kind", None) for e in Lexicon.load().entries("SCORE")}
    res = lint_resource()
    assert set(res.compare.lexicon_category) <= categories
    assert set(res.compare.score_kind) <= kinds
    ids = {e.id for e in Lexicon.load().entries("LAB")}
    assert set(res.abnormal_value.labs) <= ids
    assert set(res.abnormal_value.lab_categories) <= {e.category for e in Lexicon.load().entries("LAB")}


@pytest.mark.slow
def test_lint_resource_medical_words_come_from_the_sources() -> None:
    from criteria_nlp.quality import generate_medical_words

    listed = set(lint_resource().spelling.medical_words)
    generated = set(generate_medical_words())
    assert listed <= generated, sorted(listed - generated)[:20]
