"""Short forms of rules, windows and ages, and the row keys of the comparison table."""

from __future__ import annotations

from typing import Any

import pytest

from criteria_nlp.comparison import (
    AgeBounds,
    age_interval,
    duration_text,
    format_age_bounds,
    requirement,
    row_key,
    text_age_bounds,
    value_text,
)
from criteria_nlp.schema import Concept, Rule, RuleException, Window

SLE = Concept(system="ICD-10-CM", code="M32.9", name="Systemic lupus erythematosus, unspecified")
ALT = Concept(system="LOINC", code="1742-6", name="Alanine aminotransferase")
HIV = Concept(system="ICD-10-CM", code="B20", name="Human immunodeficiency virus [HIV] disease")


def rule(**fields: Any) -> Rule:
    base: dict[str, Any] = {"id": "r1", "criterion": "c1", "kind": "inclusion", "category": "condition",
                            "polarity": "require", "text": "criterion text"}
    base.update(fields)
    return Rule(**base)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"category": "score", "operator": ">=", "low": 6.0}, ">= 6"),
        ({"category": "lab", "operator": ">", "uln_multiple": 2.0}, "> 2 x ULN"),
        ({"category": "lab", "operator": "<=", "uln_multiple": 2.5}, "<= 2.5 x ULN"),
        ({"category": "lab", "operator": "<", "lln_multiple": 0.5}, "< 0.5 x LLN"),
        ({"category": "lab", "operator": "positive"}, "positive"),
        ({"category": "lab", "operator": ">=", "low": 50.0, "unit": "%"}, ">= 50 %"),
        ({"category": "score", "operator": ">=", "low": 4.0, "of": 11.0}, ">= 4 of 11"),
        ({"category": "condition", "operator": "between", "low": 3.0, "high": 4.0}, "3-4"),
        ({"category": "lab", "operator": "<", "low": 1.5, "unit": "mg/dL"}, "< 1.5 mg/dL"),
        ({"category": "condition"}, None),
    ],
)
def test_compare_format_value_text(fields: dict[str, Any], expected: str | None) -> None:
    assert value_text(rule(**fields)) == expected


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (Window(iso8601="P5Y", duration_days=1826.25, direction="past", text="in the last 5 years"), "5 y"),
        (Window(iso8601="P6M", duration_days=182.625, direction="past", text="in past 6 months"), "6 mo"),
        (Window(duration_days=28.0, text="4 weeks"), "4 wk"),
        (Window(duration_days=30.0, text="30 days"), "30 d"),
        (Window(iso8601="PT24H", duration_days=1.0, text="24 hours"), "24 h"),
        (Window(anchor="randomization", text="prior to randomization"), None),
    ],
)
def test_compare_format_duration_text(window: Window, expected: str | None) -> None:
    assert duration_text(window) == expected


@pytest.mark.parametrize(
    ("fields", "alternatives", "expected"),
    [
        ({"concept": SLE}, (), "required"),
        ({"concept": HIV, "polarity": "exclude"}, (), "excluded"),
        ({"concept": HIV, "polarity": "exclude", "status": "history",
          "window": Window(iso8601="P5Y", duration_days=1826.25, direction="past", text="in the last 5 years")},
         (), "excluded (history, 5 y)"),
        ({"concept": HIV, "polarity": "exclude", "status": "planned"}, (), "excluded (planned)"),
        ({"category": "lab", "concept": ALT, "polarity": "exclude", "operator": ">", "uln_multiple": 2.0,
          "exceptions": [RuleException(concept=SLE, text="active lupus")]}, (), "excluded if > 2 x ULN (unless SLE)"),
        ({"category": "lab", "concept": ALT, "operator": ">", "uln_multiple": 2.0}, (), "> 2 x ULN"),
        ({"concept": SLE, "operator": "between", "low": 3.0, "high": 4.0}, (), "required (3-4)"),
        ({"concept": SLE}, ("lung disease",), "required (or lung disease)"),
        ({"concept": HIV, "polarity": "exclude"}, ("hepatitis B",), "excluded"),
        ({"concept": SLE, "computable": False, "reason": "too general"}, (), "required (not computable)"),
    ],
)
def test_compare_format_requirement(fields: dict[str, Any], alternatives: tuple[str, ...], expected: str) -> None:
    assert requirement(rule(**fields), alternatives) == expected


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        (AgeBounds(18.0, 75.0), "18-75 y"),
        (AgeBounds(low=18.0), ">= 18 y"),
        (AgeBounds(high=65.0, high_strict=True), "< 65 y"),
        (AgeBounds(0.5, 17.0), "6 mo-17 y"),
        (AgeBounds(low=18.0, low_strict=True, high=65.0), "> 18 y, <= 65 y"),
    ],
)
def test_compare_format_age_bounds(bounds: AgeBounds, expected: str) -> None:
    assert format_age_bounds(bounds) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"operator": "between", "low": 14.0, "high": 60.0}, AgeBounds(14.0, 60.0)),
        ({"operator": ">=", "low": 18.0}, AgeBounds(low=18.0)),
        ({"operator": "<", "low": 65.0}, AgeBounds(high=65.0, high_strict=True)),
        # an exclusion is turned into the ages it leaves
        ({"operator": "<", "low": 18.0, "polarity": "exclude", "kind": "exclusion"}, AgeBounds(low=18.0)),
        ({"operator": ">", "low": 75.0, "polarity": "exclude", "kind": "exclusion"}, AgeBounds(high=75.0)),
        ({"operator": ">=", "low": 6.0, "unit": "months"}, AgeBounds(low=0.5)),
        ({"operator": None, "low": None}, None),
    ],
)
def test_compare_format_age_interval(fields: dict[str, Any], expected: AgeBounds | None) -> None:
    assert age_interval(rule(category="age", **{"unit": "years", **fields})) == expected


def test_compare_format_text_age_bounds_take_the_widest_cohort() -> None:
    rules = [rule(category="age", operator="between", low=18.0, high=65.0, unit="years"),
             rule(id="r2", category="age", operator="between", low=12.0, high=17.0, unit="years"),
             rule(id="r3", category="age", operator=">=", low=40.0, unit="years", source="structured")]
    assert text_age_bounds(rules) == AgeBounds(12.0, 65.0)


@pytest.mark.parametrize(
    ("fields", "key", "section"),
    [
        ({"concept": SLE}, "condition:M32.9 (SLE)", "diagnosis and classification"),
        ({"concept": HIV, "polarity": "exclude"}, "condition:B20 (HIV infection)", "infections"),
        ({"category": "lab", "concept": Concept(system="LOINC", code="10230-1", name="LVEF")}, "lab:10230-1 (LVEF)",
         "laboratory"),
        ({"category": "score", "concept": Concept(system="SCORE", code="SELENA-SLEDAI", name="SELENA-SLEDAI")},
         "score:SELENA-SLEDAI", "disease activity"),
        ({"category": "score", "concept": Concept(system="SCORE", code="SLEDAI-2K", name="SLEDAI-2000")},
         "score:SLEDAI-2K", "disease activity"),
        ({"category": "procedure", "concept": Concept(system="CRITERIA_NLP", code="proc:dialysis", name="dialysis")},
         "procedure:proc:dialysis (dialysis)", "kidney"),
        ({"category": "pregnancy", "concept": Concept(system="ICD-10-CM", code="Z39.1", name="lactating mother")},
         "pregnancy:Z39.1 (lactation)", "pregnancy and lactation"),
        ({"concept": Concept(system="ICD-10-CM", code="C80.1", name="Malignant neoplasm")}, "condition:C80.1 (malignancy)",
         "malignancy"),
        # a code outside the lexicon: by its ICD-10-CM chapter
        ({"concept": Concept(system="ICD-10-CM", code="A02.0", name="Salmonella enteritis")},
         "condition:A02.0 (Salmonella enteritis)", "infections"),
        ({"category": "age", "operator": ">=", "low": 18.0}, "age (criteria)", "demographics"),
        ({"category": "age", "operator": ">=", "low": 18.0, "source": "structured", "criterion": None},
         "age (registry)", "registry"),
        ({"category": "sex", "concept": Concept(system="SEX", code="all"), "source": "structured", "criterion": None},
         "sex (registry)", "registry"),
    ],
)
def test_compare_format_row_key(fields: dict[str, Any], key: str, section: str) -> None:
    found = row_key(rule(**fields))
    assert found is not None
    assert (found.key, found.section) == (key, section)


def test_compare_format_row_key_needs_a_concept() -> None:
    assert row_key(rule(category="other", computable=False)) is None
