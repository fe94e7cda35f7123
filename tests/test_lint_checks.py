"""lint() on hand-built analyses: each check fires where it should and stays quiet where it should not."""

from __future__ import annotations

from typing import Any

import pytest

from criteria_nlp.quality import issue_codes, lint, summarize
from criteria_nlp.schema import (
    Age,
    Concept,
    Criterion,
    Duplicate,
    Eligibility,
    Entity,
    Issue,
    Rule,
    RuleException,
    Trial,
    TrialAnalysis,
    Window,
)

SLE = Concept(system="ICD-10-CM", code="M32.9", name="Systemic lupus erythematosus, unspecified")
INFECTION = Concept(system="ICD-10-CM", code="B99.9", name="Unspecified infectious disease")
ALT = Concept(system="LOINC", code="1742-6", name="Alanine aminotransferase")
CREATININE = Concept(system="LOINC", code="2160-0", name="Creatinine")
ANTI_DSDNA = Concept(system="LOINC", code="5130-0", name="DNA double strand Ab")
SLEDAI = Concept(system="SCORE", code="SLEDAI-2K", name="SLEDAI-2000")
CONSENT = Concept(system="CRITERIA_NLP", code="obs:informed-consent", name="informed consent")
FEMALE = Concept(system="SEX", code="female", name="female")


class Trialish:
    """Builds an analysis criterion by criterion: text, kind and the rules read from it."""

    def __init__(self, *, minimum: float | None = None, maximum: float | None = None, sex: str | None = None,
                 healthy: bool | None = None) -> None:
        self.text = ""
        self.criteria: list[Criterion] = []
        self.rules: list[Rule] = []
        self.entities: list[Entity] = []
        self.duplicates: list[Duplicate] = []
        self.eligibility = Eligibility(minimum_age=Age.of(minimum, "years") if minimum is not None else None,
                                       maximum_age=Age.of(maximum, "years") if maximum is not None else None,
                                       sex=sex, healthy_volunteers=healthy)  # type: ignore[arg-type]
        for value, op in ((minimum, ">="), (maximum, "<=")):
            if value is not None:
                self.rule(None, category="age", operator=op, low=float(value), unit="years", source="structured")
        if sex is not None:
            self.rule(None, category="sex", operator="=", concept=Concept(system="SEX", code=sex), source="structured")

    def criterion(self, kind: str, text: str, number: str | None = None, *, parent: str | None = None,
                  role: str = "criterion") -> str:
        cid = f"c{len(self.criteria) + 1}"
        start = len(self.text)
        self.text += text + "\n"
        self.criteria.append(Criterion(id=cid, kind=kind, text=text, start=start, end=start + len(text),  # type: ignore[arg-type]
                                       number=number, parent=parent, role=role))  # type: ignore[arg-type]
        return cid

    def rule(self, criterion: str | None, **fields: Any) -> Rule:
        kind = "inclusion"
        if criterion is not None:
            kind = next(c.kind for c in self.criteria if c.id == criterion)
        base: dict[str, Any] = {"id": f"r{len(self.rules) + 1}", "criterion": criterion, "kind": kind,
                                "category": "condition", "polarity": "require" if kind == "inclusion" else "exclude",
                                "text": "registry" if criterion is None else self.criteria[int(criterion[1:]) - 1].text}
        base.update(fields)
        if "evidence" not in base and "concept" in base and criterion is not None:
            base["evidence"] = self.criteria[int(criterion[1:]) - 1].text
        made = Rule(**base)
        self.rules.append(made)
        return made

    def entity(self, criterion: str, phrase: str, label: str, concept: Concept | None = None) -> str:
        c = next(x for x in self.criteria if x.id == criterion)
        start = self.text.index(phrase, c.start)
        eid = f"e{len(self.entities) + 1}"
        self.entities.append(Entity(id=eid, criterion=criterion, label=label, text=phrase, start=start,
                                    end=start + len(phrase), concept=concept))
        return eid

    def build(self) -> TrialAnalysis:
        return TrialAnalysis(trial=Trial(id="T", eligibility=self.eligibility, eligibility_text=self.text),
                             criteria=self.criteria, duplicates=self.duplicates, entities=self.entities,
                             rules=self.rules)


def found(issues: list[Issue], code: str) -> list[Issue]:
    return [i for i in issues if i.code == code]


def clean() -> Trialish:
    """Well-written criteria, all computable, agreeing with the registry."""
    t = Trialish(minimum=18, maximum=75, sex="all", healthy=False)
    c1 = t.criterion("inclusion", "Age 18 to 75 years", "1")
    t.rule(c1, category="age", operator="between", low=18.0, high=75.0, unit="years")
    c2 = t.criterion("inclusion", "Systemic lupus erythematosus by the ACR criteria", "2")
    t.rule(c2, concept=SLE)
    c3 = t.criterion("inclusion", "SLEDAI-2K score of at least 6", "3")
    t.rule(c3, category="score", concept=SLEDAI, operator=">=", low=6.0)
    c4 = t.criterion("exclusion", "Active infection requiring intravenous antibiotics", "1")
    t.rule(c4, concept=INFECTION)
    c5 = t.criterion("exclusion", "ALT above 2.5 times the upper limit of normal", "2")
    t.rule(c5, category="lab", concept=ALT, operator=">", uln_multiple=2.5)
    c6 = t.criterion("exclusion", "Pregnant or breastfeeding women", "3")
    t.rule(c6, category="pregnancy", concept=Concept(system="ICD-10-CM", code="Z33.1"))
    return t


def test_lint_checks_quiet_on_clean_criteria() -> None:
    issues = lint(clean().build())
    assert [(i.code, i.severity) for i in issues] == [("L009", "info")]
    assert "6 of 6 criteria (100%)" in issues[0].message


@pytest.mark.parametrize(
    ("minimum", "maximum", "text_low", "text_high", "expected"),
    [
        (18, 60, 14.0, 60.0, ["minimum"]),
        (18, 60, 18.0, 65.0, ["maximum"]),
        (18, 60, 14.0, 65.0, ["minimum and maximum"]),
        (18, 60, 18.0, 60.0, []),
    ],
)
def test_lint_checks_age_against_registry(minimum: int, maximum: int, text_low: float, text_high: float,
                                          expected: list[str]) -> None:
    t = Trialish(minimum=minimum, maximum=maximum, sex="all")
    c1 = t.criterion("inclusion", f"Age from {text_low:g} to {text_high:g} years", "1")
    t.rule(c1, category="age", operator="between", low=text_low, high=text_high, unit="years")
    issues = found(lint(t.build()), "L001")
    assert [i.message.split(" age in")[0].removeprefix("the ") for i in issues] == expected
    assert all(i.severity == "error" and i.criterion == c1 for i in issues)


@pytest.mark.parametrize(
    ("operator", "value", "flagged"),
    [(">", 17.0, False), (">", 18.0, False), (">=", 18.0, False), (">=", 19.0, True), ("<", 65.0, False)],
)
def test_lint_checks_age_tolerates_strict_bounds(operator: str, value: float, flagged: bool) -> None:
    t = Trialish(minimum=18, maximum=64)
    c1 = t.criterion("inclusion", "Age limit", "1")
    t.rule(c1, category="age", operator=operator, low=value, unit="years")
    assert bool(found(lint(t.build()), "L001")) is flagged


def test_lint_checks_age_group_only_when_the_registry_goes_outside_it() -> None:
    group = Concept(system="AGE_GROUP", code="adult", name="adult")
    for minimum, flagged in ((19, False), (12, True)):
        t = Trialish(minimum=minimum)
        c1 = t.criterion("inclusion", "Adults with SLE", "1")
        t.rule(c1, category="age", operator=">=", low=18.0, unit="years", concept=group)
        issues = found(lint(t.build()), "L001")
        assert bool(issues) is flagged
        assert all(i.severity == "warning" for i in issues)


def test_lint_checks_registry_silent_on_a_text_age() -> None:
    t = Trialish(sex="all")
    c1 = t.criterion("inclusion", "Age 18 years or older", "1")
    t.rule(c1, category="age", operator=">=", low=18.0, unit="years")
    issues = lint(t.build())
    assert [(i.code, i.severity) for i in found(issues, "L003")] == [("L003", "info")]
    assert not found(issues, "L001")


@pytest.mark.parametrize(("registry", "text", "flagged"), [("all", "female", True), ("female", "female", False),
                                                          ("male", "all", True), ("all", "all", False)])
def test_lint_checks_sex_against_registry(registry: str, text: str, flagged: bool) -> None:
    t = Trialish(sex=registry)
    c1 = t.criterion("inclusion", "Women only", "1")
    t.rule(c1, category="sex", operator="=", concept=Concept(system="SEX", code=text))
    issues = found(lint(t.build()), "L002")
    assert bool(issues) is flagged
    assert all(i.severity == "error" and i.criterion == c1 for i in issues)


def test_lint_checks_healthy_volunteers_with_a_required_condition() -> None:
    t = Trialish(healthy=True)
    c1 = t.criterion("inclusion", "SLE", "1")
    t.rule(c1, concept=SLE)
    assert [i.severity for i in found(lint(t.build()), "L004")] == ["warning"]
    t = Trialish(healthy=False)
    t.rule(t.criterion("inclusion", "SLE", "1"), concept=SLE)
    assert not found(lint(t.build()), "L004")


def test_lint_checks_required_and_excluded() -> None:
    t = Trialish()
    c1 = t.criterion("inclusion", "SLE", "1")
    t.rule(c1, concept=SLE, evidence="SLE")
    c2 = t.criterion("exclusion", "SLE", "1")
    t.rule(c2, concept=SLE, evidence="SLE")
    issues = found(lint(t.build()), "L005")
    assert [(i.severity, i.criterion) for i in issues] == [("error", c2)]
    assert "required by inclusion criterion 1" in issues[0].message


@pytest.mark.parametrize(
    "difference",
    [
        {"status": "history"},
        {"window": Window(duration_days=180.0, iso8601="P6M", direction="past", text="in the past 6 months")},
        {"category": "lab", "concept": ALT, "operator": ">", "uln_multiple": 3.0},
    ],
)
def test_lint_checks_required_and_excluded_reconciled(difference: dict[str, Any]) -> None:
    t = Trialish()
    concept = difference.get("concept", SLE)
    category = difference.get("category", "condition")
    c1 = t.criterion("inclusion", "SLE", "1")
    t.rule(c1, concept=concept, category=category, evidence="SLE")
    c2 = t.criterion("exclusion", "SLE", "1")
    t.rule(c2, **{"concept": concept, "evidence": "SLE", **difference})
    assert not found(lint(t.build()), "L005")


DIABETES = Concept(system="ICD-10-CM", code="E08-E13", name="Diabetes mellitus")
T2DM = Concept(system="ICD-10-CM", code="E11", name="Type 2 diabetes mellitus")
T1DM = Concept(system="ICD-10-CM", code="E10", name="Type 1 diabetes mellitus")


@pytest.mark.parametrize(("required", "excluded", "severities"), [
    ((DIABETES, "diabetes"), (DIABETES, "diabetes mellitus"), ["error"]),  # one range, the same words
    ((T2DM, "type 2 diabetes"), (DIABETES, "diabetes"), ["warning"]),       # the excluded family holds the required type
    ((DIABETES, "diabetes"), (T2DM, "type 2 diabetes"), []),                # excluding one type of the family is fine
    ((T1DM, "type 1 diabetes"), (T2DM, "type 2 diabetes"), []),
])
def test_lint_checks_required_and_excluded_family(required: tuple[Concept, str], excluded: tuple[Concept, str],
                                                  severities: list[str]) -> None:
    t = Trialish()
    c1 = t.criterion("inclusion", required[1], "1")
    t.rule(c1, concept=required[0], evidence=required[1])
    c2 = t.criterion("exclusion", excluded[1], "1")
    t.rule(c2, concept=excluded[0], evidence=excluded[1])
    issues = found(lint(t.build()), "L005")
    assert [i.severity for i in issues] == severities
    if severities == ["warning"]:
        assert "holds the required" in issues[0].message and "(E08-E13)" in issues[0].message


def test_lint_checks_required_value_inside_excluded_range_conflicts() -> None:
    t = Trialish()
    c1 = t.criterion("inclusion", "ALT > 3 x ULN", "1")
    t.rule(c1, category="lab", concept=ALT, operator=">", uln_multiple=3.0, evidence="ALT")
    c2 = t.criterion("exclusion", "ALT > 2 x ULN", "1")
    t.rule(c2, category="lab", concept=ALT, operator=">", uln_multiple=2.0, evidence="ALT")
    assert [i.severity for i in found(lint(t.build()), "L005")] == ["error"]


def test_lint_checks_required_and_excluded_in_doubt() -> None:
    # the excluded mention is the setting of the exclusion: info
    t = Trialish()
    c1 = t.criterion("inclusion", "SLE", "1")
    t.rule(c1, concept=SLE, evidence="SLE")
    c2 = t.criterion("exclusion", "SLE with severe infection", "1")
    e1 = t.entity(c2, "SLE", "CONDITION", SLE)
    e2 = t.entity(c2, "severe infection", "CONDITION", INFECTION)
    t.rule(c2, concept=SLE, evidence="SLE", entity=e1)
    t.rule(c2, concept=INFECTION, evidence="severe infection", entity=e2)
    assert [i.severity for i in found(lint(t.build()), "L005")] == ["info"]
    # the same code under other words: warning
    t = Trialish()
    c1 = t.criterion("inclusion", "refractory heart involvement", "1")
    t.rule(c1, concept=Concept(system="ICD-10-CM", code="I51.9"), evidence="refractory heart involvement")
    c2 = t.criterion("exclusion", "Cardiovascular failure", "1")
    t.rule(c2, concept=Concept(system="ICD-10-CM", code="I51.9"), evidence="Cardiovascular")
    assert [i.severity for i in found(lint(t.build()), "L005")] == ["warning"]


def test_lint_checks_exception_reconciles() -> None:
    t = Trialish()
    c1 = t.criterion("inclusion", "SLE", "1")
    t.rule(c1, concept=SLE, evidence="SLE")
    c2 = t.criterion("exclusion", "Autoimmune disease other than SLE", "1")
    t.rule(c2, concept=SLE, evidence="SLE", exceptions=[RuleException(concept=SLE, text="SLE")])
    assert not found(lint(t.build()), "L005")


@pytest.mark.parametrize(
    ("fields", "flagged"),
    [
        ({"concept": ALT, "operator": ">", "uln_multiple": 2.0}, True),
        ({"concept": ALT, "operator": ">", "uln_multiple": 1.0}, True),
        ({"concept": ALT, "operator": "<=", "uln_multiple": 2.5}, False),
        ({"concept": CREATININE, "operator": ">", "low": 2.0, "unit": "mg/dL"}, True),
        ({"concept": CREATININE, "operator": "<", "low": 2.0, "unit": "mg/dL"}, False),
        ({"concept": CREATININE, "operator": ">", "low": 1.0, "unit": "mg/dL"}, False),
        ({"concept": CREATININE, "operator": ">", "low": 200.0, "unit": "µmol/L"}, False),  # unit not comparable
        # a disease marker: requiring it abnormal is the point
        ({"concept": ANTI_DSDNA, "operator": ">", "uln_multiple": 2.0}, False),
    ],
)
def test_lint_checks_abnormal_required_value(fields: dict[str, Any], flagged: bool) -> None:
    t = Trialish()
    c1 = t.criterion("inclusion", "Lab limit", "5")
    t.rule(c1, category="lab", **fields)
    issues = found(lint(t.build()), "L006")
    assert bool(issues) is flagged
    assert all("is this meant as an exclusion?" in i.message and i.severity == "warning" for i in issues)


@pytest.mark.parametrize(
    ("fields", "flagged"),
    [
        ({"concept": ALT, "operator": "<", "uln_multiple": 2.0}, True),
        ({"concept": CREATININE, "operator": "<", "low": 1.5, "unit": "mg/dL"}, True),
        ({"concept": ALT, "operator": ">", "uln_multiple": 2.0}, False),
        ({"concept": CREATININE, "operator": ">", "low": 1.5, "unit": "mg/dL"}, False),
    ],
)
def test_lint_checks_exclusion_of_normal_values(fields: dict[str, Any], flagged: bool) -> None:
    t = Trialish()
    c1 = t.criterion("exclusion", "Lab limit", "2")
    t.rule(c1, category="lab", **fields)
    assert bool(found(lint(t.build()), "L008")) is flagged


@pytest.mark.parametrize(("low", "flagged"), [(6.0, False), (105.0, False), (120.0, True), (-1.0, True)])
def test_lint_checks_score_outside_its_range(low: float, flagged: bool) -> None:
    t = Trialish()
    c1 = t.criterion("inclusion", "SLEDAI-2K", "1")
    t.rule(c1, category="score", concept=SLEDAI, operator=">=", low=low)
    issues = found(lint(t.build()), "L007")
    assert bool(issues) is flagged
    assert all(i.severity == "error" and "0-105" in i.message for i in issues)


def test_lint_checks_computability() -> None:
    t = Trialish()
    c1 = t.criterion("inclusion", "SLE", "1")
    t.rule(c1, concept=SLE)
    c2 = t.criterion("inclusion", "Able to give informed consent", "2")
    t.rule(c2, category="observation", concept=CONSENT, computable=False,
           reason="an observation a patient record does not hold")
    c3 = t.criterion("exclusion", "Any condition that puts the patient at risk", "1")
    t.rule(c3, category="other", computable=False, reason="nothing in the criterion could be coded")
    t.criterion("exclusion", "Patients with other criteria", "2", role="lead_in")
    issues = lint(t.build())
    assert [i.message for i in found(issues, "L009")] == ["1 of 3 criteria (33%) can be computed against a patient record"]
    assert [(i.criterion, i.severity) for i in found(issues, "L011")] == [(c2, "info")]
    assert [(i.criterion, i.severity) for i in found(issues, "L010")] == [(c3, "warning")]
    assert "nothing in the criterion could be coded" in found(issues, "L010")[0].message


def test_lint_checks_duplicates() -> None:
    t = Trialish()
    c1 = t.criterion("inclusion", "Lupus nephritis class III or IV", "1")
    t.rule(c1, concept=SLE)
    t.duplicates.append(Duplicate(kind="inclusion", text="Lupus nephritis class III or IV", start=0, end=5,
                                  duplicate_of=c1))
    c2 = t.criterion("inclusion", "1. Lupus nephritis, class III or IV.", "2")
    t.rule(c2, concept=SLE)
    c3 = t.criterion("exclusion", "Lupus nephritis class III or IV", "1")
    t.rule(c3, concept=SLE)
    issues = lint(t.build())
    assert [(i.criterion, i.severity) for i in found(issues, "L012")] == [(c1, "warning")]
    assert [(i.criterion, i.severity) for i in found(issues, "L013")] == [(c2, "warning")]
    assert [(i.criterion, i.severity) for i in found(issues, "L014")] == [(c3, "error")]


@pytest.mark.parametrize(
    ("numbers", "messages"),
    [
        (["1", "2", "3"], []),
        (["2", "3", "4"], ["starts at 2"]),
        (["1", "2", "4"], ["skips from 2 to 4"]),
        (["1", "2", "1", "2"], []),  # a second list restarts
        ([None, None], []),
    ],
)
def test_lint_checks_numbering(numbers: list[str | None], messages: list[str]) -> None:
    t = Trialish()
    for n in numbers:
        t.rule(t.criterion("inclusion", f"SLE {n}", n), concept=SLE)
    issues = found(lint(t.build()), "L017")
    assert len(issues) == len(messages)
    assert all(m in i.message for m, i in zip(messages, issues))


def test_lint_checks_order_and_codes() -> None:
    t = clean()
    t.rules[0] = t.rules[0].model_copy(update={"low": 21.0})  # registry minimum 21, text 18
    c7 = t.criterion("exclusion", "Lupus paatients with sever hepatitis", "4")
    t.rule(c7, concept=SLE, polarity="exclude")
    issues = lint(t.build())
    severities = [i.severity for i in issues]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert summarize(issues)["error"] >= 1
    codes = issue_codes()
    assert all(i.code in codes for i in issues)
    assert {i.code for i in issues} >= {"L001", "L015", "L016", "L009"}


def test_lint_checks_callable_through_the_package() -> None:
    import criteria_nlp
    import criteria_nlp.quality  # noqa: F401  (the module is named apart from the function it exports)

    analysis = clean().build()
    assert criteria_nlp.lint(analysis) == lint(analysis)
