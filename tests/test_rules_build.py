"""build_rules() on hand-built analyses, and on the seeds."""

from __future__ import annotations

from typing import Any

import pytest

from criteria_nlp import Analyzer, TrialAnalysis, read_trial
from criteria_nlp.rules import build_rules
from criteria_nlp.schema import Age, Concept, Criterion, Eligibility, Entity, Trial, Value, Window

from conftest import FIXTURES  # type: ignore[import-not-found]

SLE = Concept(system="ICD-10-CM", code="M32.9", name="SLE")
DIALYSIS = Concept(system="CRITERIA_NLP", code="proc:dialysis", name="dialysis")
INFECTION = Concept(system="ICD-10-CM", code="B99.9", name="infection")
MALIGNANCY = Concept(system="ICD-10-CM", code="C80.1", name="malignancy")
BCC = Concept(system="ICD-10-CM", code="C44.91", name="basal cell carcinoma")
CREATININE = Concept(system="LOINC", code="2160-0", name="creatinine")


def analysis(text: str, kind: str, entities: list[dict[str, Any]], *, eligibility: Eligibility | None = None) -> TrialAnalysis:
    """One criterion spanning ``text``; entities given by their text (found in it) and fields."""
    trial = Trial(id="T1", eligibility_text=text, eligibility=eligibility or Eligibility())
    criterion = Criterion(id="c1", kind=kind, text=text, start=0, end=len(text))  # type: ignore[arg-type]
    built = []
    for i, fields in enumerate(entities, 1):
        start = text.index(fields.pop("text"))
        label = fields.pop("label")
        end = start + len(fields.pop("span")) if "span" in fields else start + len(text[start:].split(" ")[0])
        built.append(Entity(id=f"e{i}", criterion="c1", label=label, text=text[start:end], start=start, end=end, **fields))
    return TrialAnalysis(trial=trial, criteria=[criterion], entities=built)


def text_rules(a: TrialAnalysis) -> list[Any]:
    return [r for r in build_rules(a) if r.source == "text"]


@pytest.mark.parametrize(
    "text,kind,negated,polarity",
    [
        ("prior dialysis", "inclusion", False, "require"),
        ("no prior dialysis", "inclusion", True, "exclude"),   # "Inclusion: no serious infection"
        # an opening "no" governs its sentence even where ConText's scope did not reach the mention
        ("no prior dialysis", "inclusion", False, "exclude"),
        ("prior dialysis", "exclusion", False, "exclude"),
        # "Exclusion: No prior dialysis" is an exclusion written as a requirement: dialysis still excludes
        ("no prior dialysis", "exclusion", True, "exclude"),
        # a negation inside the item turns it: those who have not had dialysis are excluded
        ("patients who have not had dialysis", "exclusion", True, "require"),
    ],
)
def test_rules_build_polarity_combines_kind_and_negation(text: str, kind: str, negated: bool, polarity: str) -> None:
    a = analysis(text, kind, [dict(text="dialysis", label="PROCEDURE", concept=DIALYSIS, negated=negated)])
    (rule,) = text_rules(a)
    assert (rule.polarity, rule.category, rule.computable) == (polarity, "procedure", True)


@pytest.mark.parametrize(
    "flags,status",
    [({}, "current"), ({"historical": True}, "history"), ({"hypothetical": True}, "planned"), ({"family": True}, "family")],
)
def test_rules_build_status_from_context(flags: dict[str, bool], status: str) -> None:
    a = analysis("history of SLE", "exclusion", [dict(text="SLE", label="CONDITION", concept=SLE, **flags)])
    assert text_rules(a)[0].status == status


def test_rules_build_unknown_kind_is_not_computable() -> None:
    a = analysis("Pregnancy", "unknown", [dict(text="Pregnancy", label="CONDITION", concept=SLE)])
    (rule,) = text_rules(a)
    assert not rule.computable and "kind" in (rule.reason or "")


def test_rules_build_lab_value_and_window() -> None:
    value = Value(operator="<=", low=1.5, unit="mg/dL", unit_canonical="µmol/L", low_canonical=132.6, text="≤ 1.5 mg/dL")
    window = Window(duration_days=30.0, iso8601="P30D", direction="past", bound="within", text="within 30 days")
    a = analysis("creatinine ≤ 1.5 mg/dL within 30 days", "inclusion",
                 [dict(text="creatinine", label="LAB", concept=CREATININE, value=value, window=window)])
    (rule,) = text_rules(a)
    assert (rule.category, rule.operator, rule.low, rule.unit) == ("lab", "<=", 132.6, "µmol/L")
    assert rule.window is not None and rule.window.bound == "within"


def test_rules_build_lab_without_value_is_not_computable() -> None:
    a = analysis("creatinine clearance", "inclusion", [dict(text="creatinine", label="LAB", concept=CREATININE)])
    (rule,) = text_rules(a)
    assert not rule.computable


def test_rules_build_exceptions_are_carve_outs() -> None:
    a = analysis("History of malignancy other than basal cell carcinoma", "exclusion", [
        dict(text="malignancy", label="CONDITION", concept=MALIGNANCY, historical=True),
        dict(text="basal", span="basal cell carcinoma", label="CONDITION", concept=BCC, excepted=True),
    ])
    (rule,) = text_rules(a)
    assert rule.concept == MALIGNANCY and rule.status == "history"
    assert [(e.text, e.concept) for e in rule.exceptions] == [("basal cell carcinoma", BCC)]


@pytest.mark.parametrize(
    "text,grouped",
    [
        ("lung involvement or heart involvement", True),
        ("lung involvement and heart involvement", False),
        ("lung involvement, heart involvement or CNS involvement", True),
    ],
)
def test_rules_build_alternatives_share_a_group(text: str, grouped: bool) -> None:
    words = [w for w in ("lung", "heart", "CNS") if w in text]
    a = analysis(text, "inclusion", [
        dict(text=w, span=f"{w} involvement", label="CONDITION", concept=Concept(system="ICD-10-CM", code=f"X{i}", name=w))
        for i, w in enumerate(words)
    ])
    groups = {r.group for r in text_rules(a)}
    assert (len(groups) == 1 and None not in groups) == grouped


def test_rules_build_ages_from_value_and_from_group() -> None:
    value = Value(operator="between", low=14, high=60, unit="years", text="from 14 to 60 years")
    a = analysis("Age from 14 to 60 years", "inclusion", [dict(text="Age", label="AGE", value=value)])
    (rule,) = text_rules(a)
    assert (rule.category, rule.operator, rule.low, rule.high, rule.unit) == ("age", "between", 14.0, 60.0, "years")
    adults = analysis("Adults", "inclusion", [dict(text="Adults", label="AGE", concept=Concept(system="AGE_GROUP", code="adult"))])
    (rule,) = text_rules(adults)
    assert (rule.operator, rule.low) == (">=", 18.0)


def test_rules_build_age_group_qualifying_something_else_is_no_age_rule() -> None:
    a = analysis("having an infant at home", "exclusion",
                 [dict(text="infant", label="AGE", concept=Concept(system="AGE_GROUP", code="infant"))])
    assert all(r.category != "age" for r in text_rules(a))


def test_rules_build_sex_only_from_criteria_about_sex() -> None:
    female = Concept(system="SEX", code="female", name="female")
    a = analysis("Postmenopausal women", "inclusion", [dict(text="women", label="SEX", concept=female)])
    assert [(r.category, r.concept.code if r.concept else None) for r in text_rules(a)] == [("sex", "female")]
    pregnant = analysis("Pregnant women", "exclusion", [
        dict(text="Pregnant", label="CONDITION", concept=Concept(system="ICD-10-CM", code="Z33.1", name="pregnancy")),
        dict(text="women", label="SEX", concept=female),
    ])
    assert [r.category for r in text_rules(pregnant)] == ["pregnancy"]


@pytest.mark.parametrize(
    ("text", "words", "code"),
    [
        ("Male or female", [("Male", "male"), ("female", "female")], "all"),
        ("Men and women aged 18 or older", [("Men", "male"), ("women", "female")], "all"),
        ("Female participants", [("Female", "female")], "female"),
    ],
)
def test_rules_build_sex_words_tagged_one_by_one_give_one_rule(text: str, words: list[tuple[str, str]], code: str) -> None:
    a = analysis(text, "inclusion", [dict(text=w, label="SEX", concept=Concept(system="SEX", code=c, name=c)) for w, c in words])
    (rule,) = [r for r in text_rules(a) if r.category == "sex"]
    assert rule.concept is not None and rule.concept.code == code
    assert rule.evidence == text[text.index(words[0][0]):text.index(words[-1][0]) + len(words[-1][0])]


def test_rules_build_structured_rules_beside_text_rules() -> None:
    eligibility = Eligibility(minimum_age=Age.of(18, "years"), maximum_age=Age.of(60, "years"), sex="all",
                              healthy_volunteers=False)
    value = Value(operator="between", low=14, high=60, unit="years", text="14 to 60 years")
    a = analysis("Age 14 to 60 years", "inclusion", [dict(text="Age", label="AGE", value=value)], eligibility=eligibility)
    rules = build_rules(a)
    structured = [(r.category, r.operator, r.low) for r in rules if r.source == "structured"]
    assert structured[:2] == [("age", ">=", 18.0), ("age", "<=", 60.0)]
    assert [(r.category, r.low, r.high) for r in rules if r.source == "text"] == [("age", 14.0, 60.0)]
    volunteers = [r for r in rules if r.concept and r.concept.code == "healthy-volunteers"]
    assert len(volunteers) == 1 and not volunteers[0].computable


def test_rules_build_every_criterion_keeps_a_rule() -> None:
    a = analysis("patient can read and follow the procedures", "inclusion", [])
    (rule,) = text_rules(a)
    assert not rule.computable and rule.text == "patient can read and follow the procedures"


def test_rules_build_seed_coverage(analyzer: Analyzer) -> None:
    a = analyzer(read_trial(FIXTURES / "seeds" / "003_70eb4ea3a255781a.txt"))
    criteria = {c.id for c in a.criteria if c.role == "criterion"}
    assert {r.criterion for r in a.rules if r.source == "text"} == criteria
    grouped = [r for r in a.rules if r.criterion == "c3"]  # Parenchymal lung involvement or refractory heart involvement
    assert len(grouped) == 2 and grouped[0].group is not None and grouped[0].group == grouped[1].group
    assert a.computable_share is not None and a.computable_share >= 0.8


@pytest.mark.parametrize(
    "concept,category",
    [
        (Concept(system="ATC", code="L04", name="immunosuppressants"), "drug"),
        (Concept(system="DrugBank", code="DB00072", name="trastuzumab"), "drug"),
        (Concept(system="CRITERIA_NLP", code="drug:anti-vegf", name="anti-VEGF"), "drug"),
        (Concept(system="CRITERIA_NLP", code="proc:radiotherapy", name="radiotherapy"), "procedure"),
        (None, "procedure"),
    ],
)
def test_rules_build_treatment_procedure_coded_with_a_drug_is_a_drug_rule(concept: Concept | None, category: str) -> None:
    text = "Prior immunosuppressive therapy"
    a = analysis(text, "exclusion", [{"text": "immunosuppressive", "span": "immunosuppressive therapy", "label": "PROCEDURE",
                                      "concept": concept}])
    (rule,) = text_rules(a)
    assert (rule.category, rule.computable) == (category, concept is not None)
