"""compare() over hand-built analyses: rows, cells, order, the long form."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from criteria_nlp import CriteriaNLPError
from criteria_nlp.comparison import compare, long_columns
from criteria_nlp.schema import Age, Concept, Criterion, Eligibility, Rule, Trial, TrialAnalysis

SLEDAI2K = Concept(system="SCORE", code="SLEDAI-2K", name="SLEDAI-2000")
SELENA = Concept(system="SCORE", code="SELENA-SLEDAI", name="SELENA-SLEDAI")
PREGNANCY = Concept(system="ICD-10-CM", code="Z33.1", name="Pregnant state, incidental")
LACTATION = Concept(system="ICD-10-CM", code="Z39.1", name="Encounter for care and examination of lactating mother")
HIV = Concept(system="ICD-10-CM", code="B20", name="Human immunodeficiency virus [HIV] disease")
HBV = Concept(system="ICD-10-CM", code="B18.1", name="Chronic viral hepatitis B without delta-agent")


def rule(rid: str, **fields: Any) -> Rule:
    base: dict[str, Any] = {"id": rid, "criterion": "c1", "kind": "inclusion", "category": "condition",
                            "polarity": "require", "text": "criterion"}
    base.update(fields)
    return Rule(**base)


def analysis(tid: str, rules: list[Rule], *, minimum: int | None = None, maximum: int | None = None,
             title: str | None = None) -> TrialAnalysis:
    eligibility = Eligibility(minimum_age=Age.of(minimum, "years") if minimum else None,
                              maximum_age=Age.of(maximum, "years") if maximum else None)
    structured = []
    if minimum:
        structured.append(rule(f"s{tid}1", category="age", operator=">=", low=float(minimum), unit="years",
                               source="structured", criterion=None, text=f"Minimum age: {minimum} years"))
    if maximum:
        structured.append(rule(f"s{tid}2", category="age", operator="<=", low=float(maximum), unit="years",
                               source="structured", criterion=None, text=f"Maximum age: {maximum} years"))
    return TrialAnalysis(trial=Trial(id=tid, title=title, eligibility=eligibility, eligibility_text="x"),
                         criteria=[Criterion(id="c1", kind="inclusion", text="x", start=0, end=1)],
                         rules=[*structured, *rules])


@pytest.fixture()
def trials() -> list[TrialAnalysis]:
    return [
        analysis("T1", [
            rule("r1", category="age", operator="between", low=14.0, high=60.0, unit="years"),
            rule("r2", category="score", concept=SLEDAI2K, operator=">=", low=6.0),
            rule("r3", category="pregnancy", concept=PREGNANCY, polarity="exclude", kind="exclusion"),
            rule("r4", concept=HIV, polarity="exclude", kind="exclusion", group="g1"),
            rule("r5", concept=HBV, polarity="exclude", kind="exclusion", group="g1"),
        ], minimum=18, maximum=60, title="Trial one"),
        analysis("T2", [
            rule("r1", category="score", concept=SELENA, operator=">=", low=4.0),
            rule("r2", category="pregnancy", concept=PREGNANCY, polarity="exclude", kind="exclusion"),
            rule("r3", category="pregnancy", concept=LACTATION, polarity="exclude", kind="exclusion"),
            rule("r4", concept=HIV, polarity="exclude", kind="exclusion"),
        ], minimum=18, maximum=75, title="Trial two"),
    ]


def test_compare_table_wide_cells(trials: list[TrialAnalysis]) -> None:
    table = compare(trials)
    assert list(table.columns) == ["section", "category", "label", "T1", "T2"]
    assert table.index.name == "key"
    assert table.loc["age (registry)", "T1"] == "18-60 y"
    assert table.loc["age (registry)", "T2"] == "18-75 y"
    assert table.loc["age (criteria)", "T1"] == "14-60 y"
    assert table.loc["age (criteria)", "T2"] == ""
    assert table.loc["score:SLEDAI-2K", "T1"] == ">= 6"
    assert table.loc["score:SELENA-SLEDAI", "T2"] == ">= 4"
    assert table.loc["pregnancy:Z33.1 (pregnancy)"].loc[["T1", "T2"]].tolist() == ["excluded", "excluded"]
    assert table.loc["condition:B20 (HIV infection)", "T1"] == "excluded"
    assert table.attrs["titles"] == {"T1": "Trial one", "T2": "Trial two"}


def test_compare_table_registry_and_text_ages_stay_apart(trials: list[TrialAnalysis]) -> None:
    table = compare(trials)
    assert {"age (registry)", "age (criteria)"} <= set(table.index)
    assert table.loc["age (registry)", "section"] == "registry"
    assert table.loc["age (criteria)", "section"] == "demographics"


def test_compare_table_related_rows_sit_together(trials: list[TrialAnalysis]) -> None:
    keys = list(compare(trials).index)
    sections = compare(trials)["section"].tolist()
    # SLEDAI variants are distinct rows in one section
    assert sections[keys.index("score:SLEDAI-2K")] == sections[keys.index("score:SELENA-SLEDAI")] == "disease activity"
    # pregnancy (two trials) before lactation (one trial), next to each other
    assert keys.index("pregnancy:Z39.1 (lactation)") == keys.index("pregnancy:Z33.1 (pregnancy)") + 1
    # infections together, the one both trials name first
    assert keys.index("condition:B20 (HIV infection)") + 1 == keys.index("condition:B18.1 (hepatitis B)")
    # sections in their configured order
    assert keys[:2] == ["age (registry)", "age (criteria)"]
    order = [s for i, s in enumerate(sections) if i == 0 or sections[i - 1] != s]
    assert len(order) == len(set(order))


def test_compare_table_without_structured(trials: list[TrialAnalysis]) -> None:
    table = compare(trials, include_structured=False)
    assert "age (registry)" not in table.index
    assert "age (criteria)" in table.index


def test_compare_table_long_form(trials: list[TrialAnalysis]) -> None:
    long = compare(trials, form="long")
    assert list(long.columns) == long_columns()
    assert len(long) == sum(len(a.rules) for a in trials)
    maximum = long[(long.trial_id == "T2") & (long.key == "age (registry)") & (long.operator == "<=")].iloc[0]
    assert pd.isna(maximum.low) and maximum.high == 75.0  # a one-sided upper limit is a high bound
    sledai = long[long.key == "score:SLEDAI-2K"].iloc[0]
    assert (sledai.trial_id, sledai.low, sledai.requirement, sledai.section) == ("T1", 6.0, ">= 6", "disease activity")
    assert long.computable.dtype == bool


def test_compare_table_repeated_ids_and_dicts(trials: list[TrialAnalysis]) -> None:
    table = compare([trials[0], trials[0].to_dict()])
    assert list(table.columns[-2:]) == ["T1", "T1 (2)"]
    assert (table["T1"] == table["T1 (2)"]).all()


def test_compare_table_rejects_an_unknown_form(trials: list[TrialAnalysis]) -> None:
    with pytest.raises(CriteriaNLPError, match="B001"):
        compare(trials, form="tall")  # type: ignore[arg-type]


def test_compare_table_empty() -> None:
    assert compare([]).empty
    assert list(compare([], form="long").columns) == long_columns()


def test_compare_table_callable_through_the_package(trials: list[TrialAnalysis]) -> None:
    import criteria_nlp
    import criteria_nlp.comparison  # noqa: F401  (the module is named apart from the function it exports)

    assert criteria_nlp.compare(trials).equals(compare(trials))


def test_compare_table_a_family_is_its_own_row(analyzer: Any) -> None:
    # "diabetes" of no type is the range E08-E13 in every trial that names it, whatever the words; type 2 is another row
    trials = [analyzer({"id": tid, "eligibility_text": text}) for tid, text in (
        ("T1", "Exclusion Criteria:\n- diabetes\n"),
        ("T2", "Exclusion Criteria:\n- Diabetes mellitus (DM)\n"),
        ("T3", "Inclusion Criteria:\n- type 2 diabetes\n"),
    )]
    table = compare(trials, include_structured=False)
    assert table.loc["condition:E08-E13 (diabetes mellitus)", ["label", "T1", "T2", "T3"]].tolist() == [
        "diabetes mellitus", "excluded", "excluded", ""]
    assert table.loc["condition:E11 (T2DM)", ["T1", "T2", "T3"]].tolist() == ["", "", "required"]
