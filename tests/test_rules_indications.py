"""What a treatment is for is not itself the criterion (issue 22, wrong exclusions): "Prior treatment for hepatitis
C" excludes patients treated for it, not every patient with hepatitis C. In an excluding rule the condition gets
the qualifier "treated", which a record must confirm; a requirement still needs the condition."""

from __future__ import annotations

import datetime as dt

import pytest

import criteria_nlp
from criteria_nlp import Analyzer
from criteria_nlp.structure import indication_link


@pytest.mark.parametrize(("between", "treatment", "expected"), [
    (" for ", "Chemotherapy", True),
    (" for the treatment of ", "drugs", True),
    (" of ", "treatment", True),
    (" of the ", "Resection", False),  # "resection of the tumour" treats nothing named
    (" with ", "treatment", False),
    (" for active ", "treatment", False),
])
def test_rules_indication_link_words(between: str, treatment: str, expected: bool) -> None:
    assert indication_link(between, treatment) is expected


def _rule(analyzer: Analyzer, text: str, evidence: str) -> criteria_nlp.Rule:
    return next(r for r in analyzer(text).rules if r.evidence == evidence)


@pytest.mark.parametrize(("text", "evidence"), [
    ("Exclusion Criteria:\n- Prior treatment for hepatitis C\n", "hepatitis C"),
    ("Exclusion Criteria:\n- Chemotherapy for prostate cancer within 12 months\n", "prostate cancer"),
    ("Exclusion Criteria:\n- Previous therapy of psoriasis within the last 4 weeks\n", "psoriasis"),
    # the negation reaches past "prior treatment for" (a HISTORICAL cue used to swallow "no prior")
    ("Inclusion Criteria:\n- No prior treatment for hepatitis C\n", "hepatitis C"),
])
def test_rules_indication_of_an_excluded_treatment_is_qualified_treated(analyzer: Analyzer, text: str,
                                                                       evidence: str) -> None:
    rule = _rule(analyzer, text, evidence)
    assert rule.polarity == "exclude" and "treated" in rule.qualifiers


def test_rules_indication_of_a_required_treatment_is_required(analyzer: Analyzer) -> None:
    rule = _rule(analyzer, "Inclusion Criteria:\n- Patients being considered for EsophyX treatment of GERD\n", "GERD")
    assert rule.polarity == "require" and "treated" not in rule.qualifiers


def test_rules_indication_keeps_its_window_off_the_condition(analyzer: Analyzer) -> None:
    """'Previous therapy of psoriasis within the last 4 weeks': the window is the therapy's."""
    rule = _rule(analyzer, "Exclusion Criteria:\n- Previous therapy of psoriasis within the last 4 weeks\n", "psoriasis")
    assert rule.window is None


@pytest.mark.parametrize(("conditions", "verdict"), [
    ([{"code": "B18.2"}], "indeterminate"),  # hepatitis C, treatment not stated: unknown, never a fail
    ([{"code": "B18.2", "qualifiers": ["treated"]}], "ineligible"),
    ([{"code": "B18.2", "qualifiers": ["untreated"]}], "eligible"),
    ([], "eligible"),  # no hepatitis C: never treated for it
])
def test_rules_indication_decides_the_verdict(analyzer: Analyzer, conditions: list[dict[str, object]],
                                              verdict: str) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Age 18 years or older\nExclusion Criteria:\n"
                        "- Prior treatment for hepatitis C\n")
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 50, "sex": "male", "conditions": conditions}
    assert criteria_nlp.match(patient, analysis).verdict == verdict


@pytest.mark.parametrize(("medications", "verdict"), [
    ([], "eligible"),  # never treated with rituximab: the patient the trial wants, not a fail
    ([{"code": "DB00073", "end": "2020-01-01"}], "ineligible"),
])
def test_rules_no_prior_treatment_with_is_an_exclusion(analyzer: Analyzer, medications: list[dict[str, str]],
                                                       verdict: str) -> None:
    """'No prior treatment with rituximab' in an inclusion list: the HISTORICAL cue 'prior treatment with' used to
    swallow the negation 'no prior', and the rule required rituximab."""
    analysis = analyzer("Inclusion Criteria:\n- No prior treatment with rituximab\n")
    rule = next(r for r in analysis.rules if r.evidence == "rituximab")
    assert (rule.polarity, rule.status) == ("exclude", "history")
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 50, "sex": "male", "medications": medications}
    assert criteria_nlp.match(patient, analysis).verdict == verdict


@pytest.mark.parametrize(("text", "evidence"), [
    ("Exclusion Criteria:\n- No prior Herpes Zoster.\n", "Herpes Zoster"),
    ("Exclusion Criteria:\n- No other liver disease.\n", "liver disease"),
    ("Exclusion Criteria:\n- 3. No history of stroke\n", "stroke"),
])
def test_rules_exclusion_item_opening_with_no_still_excludes(analyzer: Analyzer, text: str, evidence: str) -> None:
    """'No prior Herpes Zoster' under 'Exclusion Criteria' is written as a requirement: zoster excludes. Read as a
    double negative it required zoster and failed every patient without it."""
    assert _rule(analyzer, text, evidence).polarity == "exclude"


@pytest.mark.parametrize(("conditions", "verdict"), [
    ([], "eligible"),
    ([{"code": "B02.9", "onset": "2019-05-01"}], "ineligible"),
])
def test_rules_exclusion_item_opening_with_no_decides_the_verdict(analyzer: Analyzer,
                                                                  conditions: list[dict[str, str]], verdict: str) -> None:
    analysis = analyzer("Exclusion Criteria:\n- No prior Herpes Zoster.\n")
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 50, "sex": "male", "conditions": conditions}
    assert criteria_nlp.match(patient, analysis).verdict == verdict


def test_rules_exclusion_item_with_a_later_negation_keeps_it(analyzer: Analyzer) -> None:
    """A negation inside the item, not opening it, still turns it: 'Patients who have not received X' excludes
    those who have not."""
    rule = _rule(analyzer, "Exclusion Criteria:\n- Patients who have not received prior chemotherapy\n", "chemotherapy")
    assert rule.polarity == "require"


HEADINGLESS = ("Must have employee status at the National Institutes of Health.\n\nAge greater than 18 years.\n\n"
               "No minors less than 18 years of age.\n\nNo past psychiatric history.\n")


def test_rules_headingless_criteria_read_alone_where_their_words_say(analyzer: Analyzer) -> None:
    """Criteria under no heading: an item opening with 'No' excludes and an age-only item requires, whatever the
    list; an affirmative item about anything else stays unread (its list is unknown)."""
    analysis = analyzer(HEADINGLESS)
    assert {c.kind for c in analysis.criteria if c.role == "criterion"} == {"unknown"}
    by_text = {}
    for rule in analysis.rules:
        by_text.setdefault(rule.text.strip(), []).append(rule)
    assert all(not r.computable for r in by_text["Must have employee status at the National Institutes of Health."])
    assert {(r.category, r.polarity) for r in by_text["Age greater than 18 years."]} == {("age", "require")}
    assert all(r.polarity == "exclude" for r in by_text["No minors less than 18 years of age."])
    assert {(r.category, r.polarity, r.status) for r in by_text["No past psychiatric history."] if r.computable} \
        == {("condition", "exclude", "history")}


@pytest.mark.parametrize(("age", "verdict"), [(30, "indeterminate"), (3, "ineligible")])
def test_rules_headingless_age_decides_the_verdict(analyzer: Analyzer, age: int, verdict: str) -> None:
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": age, "sex": "male"}
    assert criteria_nlp.match(patient, analyzer(HEADINGLESS)).verdict == verdict


@pytest.mark.parametrize("text", ["Inclusion Criteria:\n- No patients less than or equal to 5 years old.\n",
                                  "Inclusion Criteria:\n- No minors less than 18 years of age.\n",
                                  "Exclusion Criteria:\n- No patients less than or equal to 5 years old.\n"])
def test_rules_age_limit_after_an_opening_no_excludes(analyzer: Analyzer, text: str) -> None:
    """ConText negates no age limit: 'No patients less than or equal to 5 years old' required age <= 5 and
    failed every adult."""
    rules = [r for r in analyzer(text).rules if r.category == "age"]
    assert rules and all(r.polarity == "exclude" for r in rules)
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 30, "sex": "male"}
    assert criteria_nlp.match(patient, analyzer(text)).verdict == "eligible"


def _healthy(**facts: object) -> dict[str, object]:
    return {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 50, "sex": "male", "conditions": [], "medications": [],
            "procedures": [], **facts}


def test_rules_opening_no_governs_its_sentence_past_context_scope(analyzer: Analyzer) -> None:
    """'No history of CVA, seizure disorder, aseptic meningitis, transverse myelitis or CNS disease': ConText's
    six-word scope stopped before the last items, which were then required of every patient."""
    analysis = analyzer("Inclusion Criteria:\n- No history of cerebrovascular accidents, seizure disorder, aseptic "
                        "meningitis, transverse myelitis or central nervous system disease.\n")
    assert {r.polarity for r in analysis.rules if r.category == "condition"} == {"exclude"}
    assert criteria_nlp.match(_healthy(), analysis).verdict == "eligible"


def test_rules_opening_no_names_its_exceptions(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\n- No second malignancy within 5 years except: superficial "
                        "non-melanomatous skin cancer and carcinoma in situ of the cervix\n")
    rules = [r for r in analysis.rules if r.category == "condition"]
    assert [(r.evidence, r.polarity) for r in rules] == [("second malignancy", "exclude")]
    exceptions = [x.text for x in rules[0].exceptions]
    assert len(exceptions) == 2 and exceptions[0].endswith("skin cancer") and exceptions[1] == "carcinoma in situ of the cervix"
    assert criteria_nlp.match(_healthy(), analysis).verdict == "eligible"


@pytest.mark.parametrize(("text", "kept"), [
    # the method of measuring is not excluded
    ("No patients with LV septal wall thickness less than 15 mm estimated by echocardiography.", "echocardiography"),
    # what an etiology is for is not excluded
    ("No renovascular hypertension or other etiologies for elevated blood pressure.", "elevated blood pressure"),
])
def test_rules_opening_no_leaves_means_and_purposes(analyzer: Analyzer, text: str, kept: str) -> None:
    analysis = analyzer(f"Inclusion Criteria:\n- {text}\n")
    assert not [r for r in analysis.rules if r.evidence == kept and r.polarity == "exclude"]
