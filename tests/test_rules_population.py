"""Rules that bind only the people they name, sentences read with the polarity they state, and numbers that are
not ages: each case a criterion, a patient and the verdict it decides (issue 22, classes 1 to 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import criteria_nlp
from criteria_nlp import Analyzer, TrialAnalysis

AS_OF = dt.date(2026, 3, 1)


def _patient(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "p", "as_of": AS_OF}
    data.update(fields)
    return data


def _verdict(analysis: TrialAnalysis, **fields: Any) -> str:
    return criteria_nlp.match(_patient(**fields), analysis).verdict


def _text_rules(analysis: TrialAnalysis) -> list[Any]:
    return [r for r in analysis.rules if r.source == "text"]


# --------------------------------------------------------------------------- conditional requirements


@pytest.mark.parametrize(("text", "patient", "verdict"), [
    # a man may be fertile: whether he is, no record says, so the contraception rule cannot exclude him
    ("Fertile patients must use effective contraception", {"age": 61, "sex": "male"}, "indeterminate"),
    ("Adequate contraception required of fertile patients", {"age": 61, "sex": "male"}, "indeterminate"),
    # a woman who cannot become pregnant meets it
    ("Fertile patients must use effective contraception",
     {"age": 58, "sex": "female", "observations": {"childbearing potential": False}}, "eligible"),
    # women of childbearing potential: a man, or a woman who cannot become pregnant, meets it
    ("Women of childbearing potential must have a negative pregnancy test", {"age": 40, "sex": "male"}, "eligible"),
    ("Women of childbearing potential must have a negative pregnancy test",
     {"age": 62, "sex": "female", "observations": {"childbearing potential": False}}, "eligible"),
    # missing data is unknown, never a fail
    ("Women of childbearing potential must have a negative pregnancy test", {"age": 30, "sex": "female"}, "indeterminate"),
    ("Women of childbearing potential must have a negative pregnancy test",
     {"age": 30, "sex": "female", "observations": {"childbearing potential": True},
      "labs": [{"code": "lab:pregnancy-test", "value": "positive"}]}, "ineligible"),
])
def test_rules_population_conditional_requirements(analyzer: Analyzer, text: str, patient: dict[str, Any],
                                                   verdict: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    rules = _text_rules(analysis)
    # the words naming the population give no rule of their own (no "require childbearing potential")
    assert all(r.concept is None or r.concept.code != "obs:childbearing-potential" for r in rules)
    assert rules and all(r.applies_to is not None for r in rules)
    assert _verdict(analysis, **patient) == verdict


def test_rules_population_names_its_parts(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Mammogram required within 1 year prior to entry for women aged 40 and over\n")
    (rule,) = _text_rules(analysis)
    assert rule.category == "procedure"
    population = rule.applies_to
    assert population is not None
    assert (population.sex, population.age_operator, population.age_low) == ("female", ">=", 40.0)
    # seed-like TREC case: a woman of 33 is outside the population, a man too; a woman of 45 without a
    # mammogram on record is not confirmed
    assert _verdict(analysis, age=33, sex="female", procedures=[]) == "eligible"
    assert _verdict(analysis, age=50, sex="male", procedures=[]) == "eligible"
    assert _verdict(analysis, age=45, sex="female") == "indeterminate"


def test_rules_population_opening_conditional_clause(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\n- If age is 40 to 45 years, normal submaximal stress test\n")
    rules = _text_rules(analysis)
    assert [r.category for r in rules] == ["procedure"]  # the age band is who it binds, not an age requirement
    assert rules[0].status == "current"  # the "if" plans nothing
    assert rules[0].applies_to is not None and (rules[0].applies_to.age_low, rules[0].applies_to.age_high) == (40.0, 45.0)
    assert _verdict(analysis, age=30, sex="male", procedures=[]) == "eligible"


@pytest.mark.parametrize(("patient", "verdict"), [
    # with liver metastases the 5 x ULN limit binds, not the 3 x ULN one
    ({"conditions": [{"code": "C78.7"}], "labs": [{"code": "1920-8", "value": 120, "unit": "U/L", "reference_high": 30}]},
     "eligible"),
    ({"conditions": [{"code": "C78.7"}], "labs": [{"code": "1920-8", "value": 180, "unit": "U/L", "reference_high": 30}]},
     "ineligible"),
    # without them the 3 x ULN limit does
    ({"conditions": [], "labs": [{"code": "1920-8", "value": 120, "unit": "U/L", "reference_high": 30}]}, "ineligible"),
    ({"conditions": [], "labs": [{"code": "1920-8", "value": 60, "unit": "U/L", "reference_high": 30}]}, "eligible"),
    # the record does not say whether there are liver metastases: 4 x ULN might be allowed
    ({"labs": [{"code": "1920-8", "value": 120, "unit": "U/L", "reference_high": 30}]}, "indeterminate"),
])
def test_rules_population_conditional_limit(analyzer: Analyzer, patient: dict[str, Any], verdict: str) -> None:
    analysis = analyzer("Inclusion Criteria:\n- AST < 3 x ULN (< 5 x ULN if liver metastases are present)\n")
    rules = _text_rules(analysis)
    assert [(r.category, r.uln_multiple) for r in rules] == [("lab", 3.0), ("lab", 5.0)]
    assert [c.code for c in rules[0].applies_to.without] == ["C78.7"]  # type: ignore[union-attr]
    assert [c.code for c in rules[1].applies_to.conditions] == ["C78.7"]  # type: ignore[union-attr]
    assert _verdict(analysis, age=50, sex="male", **patient) == verdict


@pytest.mark.parametrize(("sex", "value", "verdict"), [("female", 10.0, "eligible"), ("male", 10.0, "ineligible"),
                                                        ("male", 12.0, "eligible"), ("unknown", 10.0, "indeterminate")])
def test_rules_population_lab_threshold_for_one_sex(analyzer: Analyzer, sex: str, value: float, verdict: str) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Hemoglobin >= 11 g/dL in men\n")
    rules = _text_rules(analysis)
    # a lab threshold for men, not a sex rule
    assert [r.category for r in rules] == ["lab"] and rules[0].applies_to is not None and rules[0].applies_to.sex == "male"
    assert _verdict(analysis, age=50, sex=sex, labs=[{"code": "718-7", "value": value, "unit": "g/dL"}]) == verdict


@pytest.mark.parametrize(("sex", "value", "verdict"), [
    ("female", 10.5, "eligible"),     # under the men's limit only: before, the women's rule took the men's 11 g/dL
    ("female", 9.5, "ineligible"), ("male", 10.5, "ineligible"), ("male", 11.5, "eligible"),
    ("unknown", 10.5, "indeterminate")])
@pytest.mark.parametrize("text", ["Hemoglobin < 11 g/dL in men or < 10 g/dL in women",
                                  "Hemoglobin < 11 g/dL for men and < 10 g/dL for women"])
def test_rules_population_one_lab_threshold_per_sex(analyzer: Analyzer, text: str, sex: str, value: float,
                                                    verdict: str) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    limits = sorted((r.applies_to.sex if r.applies_to else None, r.low) for r in _text_rules(analysis))
    assert limits == [("female", 10.0), ("male", 11.0)]
    assert _verdict(analysis, age=50, sex=sex, labs=[{"code": "718-7", "value": value, "unit": "g/dL"}]) == verdict


@pytest.mark.parametrize(("sex", "value", "verdict"), [("male", 9.0, "eligible"), ("female", 9.0, "ineligible"),
                                                        ("female", 12.0, "eligible"), ("unknown", 9.0, "indeterminate")])
def test_rules_population_exclusion_opening_with_a_sex(analyzer: Analyzer, sex: str, value: float, verdict: str) -> None:
    # "Women with ..." in an exclusion binds women: before, a man with hemoglobin 9 g/dL was excluded
    analysis = analyzer("Exclusion Criteria:\n- Women with hemoglobin < 10 g/dL\n")
    (rule,) = _text_rules(analysis)
    assert rule.applies_to is not None and rule.applies_to.sex == "female"
    assert _verdict(analysis, age=50, sex=sex, labs=[{"code": "718-7", "value": value, "unit": "g/dL"}]) == verdict


@pytest.mark.parametrize(("age", "verdict"), [(50, "eligible"), (75, "ineligible"), (30, "ineligible")])
@pytest.mark.parametrize("text", ["Male or female >40 and <70 years old.", "Males or females aged > 40 and < 70 years"])
def test_rules_numbers_age_beside_sex_words(analyzer: Analyzer, text: str, age: int, verdict: str) -> None:
    # the age limits are no sex's value: before, they were linked to "female" and no age rule was made
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    assert all(not e.qualifies or e.label != "VALUE" or all(
        next(x for x in analysis.entities if x.id == i).label != "SEX" for i in e.qualifies) for e in analysis.entities)
    assert _verdict(analysis, age=age, sex="female") == verdict


def test_rules_population_no_record_can_place(analyzer: Analyzer) -> None:
    # TREC 2022 (NCT00001456): the age applies to the questionnaire's participants, not to a child patient
    analysis = analyzer("Inclusion Criteria:\n- Subjects with HPS or family members who are their caregivers participating "
                        "in the HPS Symptom Questionnaire will be at least 18 years of age.\n")
    (rule,) = _text_rules(analysis)
    assert rule.category == "age" and rule.applies_to is not None and rule.applies_to.other
    assert _verdict(analysis, age=4, sex="male") == "indeterminate"


def test_rules_population_plain_requirements_stay(analyzer: Analyzer) -> None:
    # not populations: "Women with breast cancer" keeps its breast cancer requirement
    analysis = analyzer("Inclusion Criteria:\n- Women with breast cancer must have a negative pregnancy test\n"
                        "- Patients with histologically confirmed advanced (stage IV) gastric cancer or NSCLC, who choose monotherapy\n")
    required = {r.concept.code for r in _text_rules(analysis) if r.polarity == "require" and r.concept is not None}
    assert {"C50.919", "C16.9", "C34.90"} <= required


def test_rules_population_cohort_heading(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\nHealthy volunteers:\n- Age 18 to 35\nPatients:\n- Age 7 to 16\n")
    ages = [r for r in _text_rules(analysis) if r.category == "age"]
    assert len(ages) == 2 and all(r.applies_to is not None for r in ages)
    # a 19-year-old patient: the 18-35 band may be the one that applies to them
    assert _verdict(analysis, age=19, sex="male") == "indeterminate"


# --------------------------------------------------------------------------- polarity


@pytest.mark.parametrize(("text", "pregnant", "verdict"), [
    ("Patients who are pregnant or nursing will not be eligible", True, "ineligible"),
    ("Patients who are pregnant or nursing will not be eligible", False, "eligible"),
    ("Pregnant women are excluded from the study", True, "ineligible"),
    ("Pregnancy is not allowed.", True, "ineligible"),
])
def test_rules_polarity_exclusion_inside_inclusions(analyzer: Analyzer, text: str, pregnant: bool, verdict: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    assert {r.polarity for r in _text_rules(analysis)} == {"exclude"}
    assert _verdict(analysis, age=30, sex="female", pregnant=pregnant, lactating=False) == verdict


def test_rules_polarity_not_eligible_for_something_else(analyzer: Analyzer) -> None:
    # "not eligible for surgery" describes the patient: a requirement, not an exclusion
    analysis = analyzer("Inclusion Criteria:\n- Patients with lung cancer who are not eligible for surgery\n")
    assert "require" in {r.polarity for r in _text_rules(analysis) if r.category == "condition"}


@pytest.mark.parametrize(("text", "medications", "verdict"), [
    # "must not" inside an exclusion list is a requirement stated negatively: prior chemotherapy excludes
    ("Patients must not have received prior chemotherapy",
     [{"name": "cyclophosphamide", "start": "2020-01-01", "end": "2020-06-01", "status": "completed"}], "ineligible"),
    ("Patients must not have received prior chemotherapy", [], "eligible"),
])
def test_rules_polarity_requirement_inside_exclusions(analyzer: Analyzer, text: str,
                                                      medications: list[dict[str, Any]], verdict: str) -> None:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    assert _verdict(analysis, age=40, sex="female", medications=medications) == verdict


def test_rules_polarity_must_have_inside_exclusions(analyzer: Analyzer) -> None:
    analysis = analyzer("Exclusion Criteria:\n- Patients must have adequate renal function\n")
    assert {r.polarity for r in _text_rules(analysis)} == {"require"}


@pytest.mark.parametrize("kind", ["Inclusion", "Exclusion"])
def test_rules_polarity_permission_is_no_requirement(analyzer: Analyzer, kind: str) -> None:
    analysis = analyzer(f"{kind} Criteria:\n- Patients with treated brain metastases are eligible\n")
    (rule,) = _text_rules(analysis)
    assert not rule.computable and "permission" in (rule.reason or "")
    assert _verdict(analysis, age=40, sex="female", conditions=[{"code": "C79.31"}]) == "eligible"


@pytest.mark.parametrize("text", [
    "Patients may have received prior chemotherapy",
    "Participants may have other health problems such as diabetes mellitus or peripheral vascular disease",
    "Subjects may be on stable doses of levothyroxine",
])
def test_rules_polarity_may_have_is_a_permission(analyzer: Analyzer, text: str) -> None:
    """What patients may have is allowed, not required: a patient without it is not turned away."""
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    assert all(not r.computable for r in _text_rules(analysis))
    assert _verdict(analysis, age=40, sex="female", conditions=[], medications=[], procedures=[]) == "eligible"


@pytest.mark.parametrize("text", ["Any condition that may have an impact on the study results",
                                  "Patients who are eligible for surgery"])
def test_rules_polarity_relative_clause_permits_nothing(analyzer: Analyzer, text: str) -> None:
    """A permission cue inside a relative clause does not turn an exclusion into a permission."""
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    assert not any("permission" in (r.reason or "") for r in _text_rules(analysis))


def test_rules_polarity_pdq_headings(analyzer: Analyzer) -> None:
    # an older CT.gov record: requirement lists under PDQ headings, flattened into one paragraph
    text = ("PROTOCOL ENTRY CRITERIA:\n\n        --Disease Characteristics-- Primary adrenal insufficiency --Prior/Concurrent"
            " Therapy-- No concurrent\n        investigational drug --Patient Characteristics-- Other: No gallbladder disease No "
            "malignancy\n        Benign prostatic hyperplasia eligible Mammogram required within 1 year prior to entry for "
            "women aged 40\n        and over No undiagnosed vaginal bleeding\n")
    analysis = analyzer(text)
    criteria = [" ".join(c.text.split()) for c in analysis.criteria if c.role == "criterion"]
    assert "Other: No gallbladder disease" in criteria and "No malignancy" in criteria
    assert "Mammogram required within 1 year prior to entry for women aged 40 and over" in criteria
    assert {c.kind for c in analysis.criteria} == {"inclusion"}
    polarity = {r.concept.code: r.polarity for r in _text_rules(analysis) if r.concept is not None and r.computable}
    assert polarity.get("K82.9", polarity.get("K83.9")) in ("exclude", None)
    assert polarity["C80.1"] == "exclude"
    # a woman of 33: "aged 40 and over" is who the mammogram binds, not an age limit
    assert not [r for r in _text_rules(analysis) if r.category == "age"]
    assert criteria_nlp.match(_patient(age=33, sex="female"), analysis).verdict != "ineligible"


@pytest.mark.parametrize(("patient", "verdict"), [
    ({"age": 47, "sex": "male"}, "eligible"),
    ({"age": 30, "sex": "female", "observations": {"childbearing potential": False}}, "eligible"),
])
def test_rules_population_alternatives_binding_the_same_people(analyzer: Analyzer, patient: dict[str, Any],
                                                               verdict: str) -> None:
    """Alternatives that all bind women of childbearing age are met by everybody else (an alternative for other
    people is not available; one for nobody else is simply not asked)."""
    analysis = analyzer("Inclusion Criteria:\n- If woman of childbearing age, must be surgically sterile or using "
                        "an effective method of birth control\n")
    assert len({r.group for r in _text_rules(analysis) if r.group is not None}) == 1
    assert _verdict(analysis, **patient) == verdict


# --------------------------------------------------------------------------- numbers that are not ages


@pytest.mark.parametrize(("text", "age", "verdict"), [
    # "Adults = 18 years of age": the '≥' was lost on the way; the group still says who
    ("Adults = 18 years of age", 40, "eligible"),
    ("Adults = 18 years of age", 12, "ineligible"),
    # an exact age or reading nobody requires: unknown, never a fail
    ("Age = 18 years", 40, "eligible"),
    ("Left ventricular ejection fraction (LVEF) = 45%", 40, "eligible"),
])
def test_rules_numbers_lost_comparison_is_no_exact_limit(analyzer: Analyzer, text: str, age: int, verdict: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    assert not [r for r in _text_rules(analysis) if r.operator == "=" and r.computable and r.category in ("age", "lab")]
    labs = [{"code": "10230-1", "value": 60, "unit": "%"}]
    assert _verdict(analysis, age=age, sex="female", labs=labs) == verdict


def test_rules_numbers_value_of_age_links_the_age_word(analyzer: Analyzer) -> None:
    """"Adults over 18 years of age": the value is the age's (as Chia links it), and still the adults'."""
    analysis = analyzer("Inclusion Criteria:\n- Adults over 18 years of age\n")
    by_id = {e.id: e for e in analysis.entities}
    value = next(e for e in analysis.entities if e.label == "VALUE")
    assert sorted(by_id[i].text for i in value.qualifies) == ["Adults", "age"]
    assert {(r.operator, r.low) for r in _text_rules(analysis) if r.category == "age"} == {(">", 18.0)}


@pytest.mark.parametrize(("age", "verdict"), [(40, "eligible"), (12, "eligible"), (70, "eligible"), (75, "ineligible"),
                                             (11, "ineligible")])
def test_rules_numbers_age_range_with_its_second_limit(analyzer: Analyzer, age: int, verdict: str) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Age ≥ 12 years of age and ≤ 70\n")
    limits = sorted((r.operator, r.low) for r in _text_rules(analysis) if r.category == "age")
    assert limits == [("<=", 70.0), (">=", 12.0)]
    assert _verdict(analysis, age=age, sex="female") == verdict


@pytest.mark.parametrize("text", [
    "Twenty to thirty adults with acquired anemia will be accepted",   # a count of people (TREC NCT00001203)
    "Up to 40 adults with asthma will be enrolled",
])
def test_rules_numbers_counts_of_people_are_not_ages(analyzer: Analyzer, text: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    ages = [r for r in _text_rules(analysis) if r.category == "age"]
    assert all(r.low != 20.0 and r.low != 40.0 and r.high != 30.0 for r in ages)
    assert _verdict(analysis, age=51, sex="male") != "ineligible"


@pytest.mark.parametrize("text", [
    "Age: born between 1950 and 2000 years",
    "Age 18 or older; more than 8 attacks/year",
])
def test_rules_numbers_years_and_rates_are_not_ages(analyzer: Analyzer, text: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    for rule in _text_rules(analysis):
        if rule.category == "age":
            assert all(v is None or v <= 130 for v in (rule.low, rule.high)), rule
            assert rule.low != 8.0


@pytest.mark.parametrize(("qualifiers", "verdict"), [
    (None, "indeterminate"),        # lupus nephritis, refractory or not? the record does not say
    (["refractory"], "ineligible"),  # refractory, and no prior cyclophosphamide: the requirement binds and fails
    (["inactive"], "eligible"),      # an inactive lupus nephritis is not a current one: outside the population
])
def test_rules_population_with_a_qualified_diagnosis(analyzer: Analyzer, qualifiers: list[str] | None, verdict: str) -> None:
    # seed NCT00659217 ("treatment -refractory", with its stray hyphen): the requirements bind refractory lupus
    # nephritis only
    analysis = analyzer("Inclusion Criteria:\n- For treatment -refractory lupus nephritis, participants must fail pulse "
                        "cyclophosphamide\n")
    (rule,) = _text_rules(analysis)
    assert rule.applies_to is not None and rule.applies_to.qualifiers == ["refractory"]
    condition = {"code": "M32.14", "name": "lupus nephritis", "qualifiers": qualifiers}
    if qualifiers == ["inactive"]:
        condition["status"] = "inactive"
    assert _verdict(analysis, age=30, sex="female", conditions=[condition], medications=[]) == verdict


@pytest.mark.parametrize(("conditions", "verdict"), [
    ([{"code": "C78.7"}], "ineligible"),   # liver metastases and AST 6 x ULN: the limit binds and fails
    ([], "eligible"),                        # no liver metastases: the limit does not bind
    (None, "indeterminate"),
])
def test_rules_population_named_by_a_diagnosis(analyzer: Analyzer, conditions: list[dict[str, Any]] | None,
                                               verdict: str) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Patients with liver metastases: AST < 5 x ULN\n")
    (rule,) = _text_rules(analysis)
    assert rule.category == "lab" and rule.applies_to is not None
    assert [c.code for c in rule.applies_to.conditions] == ["C78.7"]
    labs = [{"code": "1920-8", "value": 180, "unit": "U/L", "reference_high": 30}]
    assert _verdict(analysis, age=60, sex="male", conditions=conditions, labs=labs) == verdict
