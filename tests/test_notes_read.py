"""Reading free-text patient notes into open-world patients, and matching them."""

from __future__ import annotations

import pytest

import criteria_nlp as cn
from criteria_nlp.errors import PatientError
from criteria_nlp.notes import NoteFindings, note_age, note_sex, read_note, read_patient_text
from criteria_nlp.resource_files import load_validated

NOTE = ("A 58-year-old woman with hypertension and obesity presents with chest pain. She denies smoking or diabetes. "
        "She currently takes no medications. Her creatinine is 1.1 mg/dL and BP is 150/90.")


@pytest.fixture(scope="module")
def reading() -> cn.notes.NoteReading:
    return read_note(NOTE, id="n1")


@pytest.mark.parametrize("text,age", [
    ("A 58-year-old woman", 58.0),
    ("A 6-month-old boy is brought in", 0.5),
    ("A 3 day old girl", round(3 / 365.25, 3)),
    ("The patient, 45 yo, reports", 45.0),
    ("A man aged 70 presents", 70.0),
    ("A woman in her sixties presents", None),
])
def test_notes_age_from_the_phrase_that_states_it(text: str, age: float | None) -> None:
    assert note_age(text)[0] == age


@pytest.mark.parametrize("text,sex", [
    ("A 58-year-old woman", "female"), ("A 4-year-old boy", "male"), ("The patient says she", "female"),
    ("The patient reports his pain", "male"), ("The patient reports pain", None),
])
def test_notes_sex_from_words_and_pronouns(text: str, sex: str | None) -> None:
    assert note_sex(text)[0] == sex


def test_notes_facts_keep_their_evidence_span(reading: cn.notes.NoteReading) -> None:
    for fact in reading.facts:
        assert NOTE[fact.start:fact.end] == fact.text
    patient = reading.patient
    assert patient.source_text == NOTE
    for fact in patient.conditions or []:
        assert fact.evidence is not None and NOTE[fact.evidence.start:fact.evidence.end] == fact.evidence.text
    assert patient.evidence["age"].text == "58-year-old" and patient.evidence["sex"].text == "woman"


def test_notes_patient_is_open_world_with_denials(reading: cn.notes.NoteReading) -> None:
    p = reading.patient
    assert p.open_world and p.age == 58.0 and p.sex == "female"
    assert {f.concept.code for f in p.conditions or [] if f.concept} >= {"I10", "E66.9"}
    assert [d.concept.code for d in p.denied if d.kind == "condition" and d.concept] == ["E08-E13"]
    assert p.complete_lists == ["current_medications"]
    smoking = [o for o in p.observations if o.concept and o.concept.code == "obs:smoking"]
    assert smoking and smoking[0].present is False


def test_notes_labs_with_values_from_prose(reading: cn.notes.NoteReading) -> None:
    labs = {f.concept.code: f for f in reading.patient.labs if f.concept}
    assert labs["2160-0"].value == 1.1
    assert labs["8480-6"].value == 150.0 and labs["8462-4"].value == 90.0  # "BP is 150/90", read from prose


@pytest.mark.parametrize("text,status", [
    ("He doesn't smoke.", False), ("She smokes a pack a day.", True), ("He is a former smoker.", False),
])
def test_notes_smoking_status(text: str, status: bool) -> None:
    obs = [o for o in read_patient_text(text).observations if o.concept and o.concept.code == "obs:smoking"]
    assert obs and obs[0].present is status


def test_notes_family_history_is_not_the_patients() -> None:
    p = read_patient_text("A 40-year-old man. His father has diabetes.")
    assert not [f for f in p.conditions or [] if f.concept and f.concept.code.startswith("E1")]
    assert [f for f in p.family_history or [] if f.concept and f.concept.code.startswith(("E08", "E1"))]


def test_notes_findings_the_tagger_has_no_term_for() -> None:
    reading = read_note("On examination there is a harsh systolic murmur and a tender mass in the left wrist. "
                        "There are no palpable nodules.")
    found = {(f.text, f.status) for f in reading.facts if f.type == "condition"}
    assert ("harsh systolic murmur", "present") in found
    assert ("palpable nodules", "absent") in found


@pytest.mark.parametrize("bad", ["", "   \n"])
def test_notes_empty_note_is_a_coded_error(bad: str) -> None:
    with pytest.raises(PatientError, match="P001"):
        read_patient_text(bad, id="empty-note")


def test_notes_findings_resource_is_validated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "note_findings.json"
    bad.write_text('{"name": "note_findings", "version": "1", "description": "x", "heads": ["Mass "], "parts": ["a"], '
                   '"modifiers": ["b"], "function_phrases": ["c"], "negation_cues": ["no"]}', encoding="utf-8")
    with pytest.raises(cn.CriteriaNLPError, match="X001"):
        load_validated(NoteFindings, "note_findings.json", bad)


CRITERIA = ("Inclusion Criteria:\n- Age 18 to 75 years\nExclusion Criteria:\n- Diabetes mellitus\n"
            "- Chronic kidney disease\n- Current use of anticoagulants")


@pytest.mark.parametrize("rule_text,result", [
    ("Diabetes mellitus", "met"),           # exclusion of what the note denies: not met, so the rule is met
    ("Chronic kidney disease", "unknown"),  # not mentioned: unknown, never a pass or a fail
    ("Current use of anticoagulants", "met"),  # the note declares the medication list complete
])
def test_notes_open_world_matching(reading: cn.notes.NoteReading, rule_text: str, result: str) -> None:
    outcome = cn.match(reading.patient, cn.analyze(CRITERIA))
    by_text = {r.text: r.result for r in outcome.rules}
    assert by_text[rule_text] == result
    assert outcome.verdict == "indeterminate"


@pytest.mark.parametrize("criteria,verdict", [
    ("Inclusion Criteria:\n- On corticosteroid therapy", "ineligible"),     # asks what is taken now: answered
    ("Inclusion Criteria:\n- Prior treatment with rituximab", "indeterminate"),  # past use: not answered
    ("Inclusion Criteria:\n- Chemotherapy within the past 3 months", "indeterminate"),  # a window reaching back
    ("Exclusion Criteria:\n- Prior chemotherapy", "indeterminate"),  # cannot pass an exclusion of past use either
    ("Exclusion Criteria:\n- Current use of anticoagulants", "eligible"),
])
def test_notes_no_medications_speaks_of_now_only(criteria: str, verdict: str) -> None:
    """"Takes no medications" completes the list of what is taken now, and says nothing of past use."""
    p = read_patient_text("A 63-year-old man with weight loss. He takes no medications.")
    assert p.complete_lists == ["current_medications"]
    outcome = cn.match(p, cn.analyze(criteria))
    assert outcome.verdict == verdict
    if verdict == "indeterminate":
        assert any("not what was taken before" in r.reason for r in outcome.rules if r.result == "unknown")


def test_notes_a_complete_medication_list_answers_past_use() -> None:
    """A source that declares every medication, past and present ("medications"), rules past use out."""
    p = read_patient_text("A 63-year-old man with weight loss. He takes no medications.")
    p = p.model_copy(update={"complete_lists": ["medications"]})
    outcome = cn.match(p, cn.analyze("Inclusion Criteria:\n- Prior treatment with rituximab"))
    assert outcome.verdict == "ineligible"


@pytest.mark.parametrize("criteria,verdict", [
    ("Inclusion Criteria:\n- Fever", "ineligible"),
    ("Exclusion Criteria:\n- Fever", "eligible"),
])
def test_notes_denial_settles_what_uncoded_items_left_unknown(criteria: str, verdict: str) -> None:
    """An item the coder cannot place ("epigastric discomfort") leaves a rule unknown, unless the note denies the
    rule's concept outright ("He is not febrile")."""
    p = read_patient_text("A 63-year-old man with epigastric discomfort after meals. He is not febrile.")
    assert [c.concept for c in p.conditions or []] == [None]
    assert cn.match(p, cn.analyze(criteria)).verdict == verdict
    p = read_patient_text("A 63-year-old man with epigastric discomfort after meals.")
    assert cn.match(p, cn.analyze(criteria)).verdict == "indeterminate"


@pytest.mark.parametrize("note", ["A 40-year-old man. He is afebrile.", "A 40-year-old man. He is not febrile."])
def test_notes_afebrile_denies_fever(note: str) -> None:
    """"Afebrile" says the patient has no fever, in a note as in a criterion ("Patients must be afebrile")."""
    p = read_patient_text(note)
    assert [d.concept.code for d in p.denied if d.concept] == ["R50.9"]
    assert cn.match(p, cn.analyze("Inclusion Criteria:\n- Patients must be afebrile for 48 hours")).verdict == "eligible"
    assert cn.match(p, cn.analyze("Inclusion Criteria:\n- Fever above 38.5 C")).verdict == "ineligible"


def test_notes_denial_of_a_narrower_concept_says_nothing_of_the_wider() -> None:
    p = read_patient_text("A 50-year-old man who denies type 2 diabetes.")
    outcome = cn.match(p, cn.analyze("Inclusion Criteria:\n- Diabetes mellitus"))
    assert outcome.verdict == "indeterminate"
    p = read_patient_text("A 50-year-old man who denies diabetes.")
    outcome = cn.match(p, cn.analyze("Inclusion Criteria:\n- Type 2 diabetes mellitus"))
    assert outcome.verdict == "ineligible"


def test_notes_history_condition_is_unknown_for_a_current_rule() -> None:
    p = read_patient_text("A 50-year-old woman with a history of urinary tract infection.")
    outcome = cn.match(p, cn.analyze("Exclusion Criteria:\n- Current urinary tract infection"))
    assert outcome.verdict == "indeterminate"


def test_notes_evaluate_patient_facts_scores_a_hand_built_gold(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from criteria_nlp.cli import app

    text = "A 40-year-old man with asthma. He denies smoking."
    gold = {"topic": "t1", "text": text, "facts": [
        {"type": "age", "text": "40-year-old", "start": 2, "end": 13, "status": "present"},
        {"type": "sex", "text": "man", "start": 14, "end": 17, "status": "present"},
        {"type": "condition", "text": "asthma", "start": 23, "end": 29, "status": "present"},
        {"type": "medication", "text": "albuterol", "start": 0, "end": 1, "status": "present"},  # not read: a miss
    ]}
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(gold) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", "--patient-facts", str(path), "--markdown", "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["patient_facts"]
    assert report["headline"]["gold"] == 4 and report["headline"]["found"] == 3
    assert report["headline"]["precision"] == 1.0 and report["headline"]["recall"] == 0.75
    missing = CliRunner().invoke(app, ["evaluate", "--patient-facts", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_notes_blood_pressure_gives_systolic_and_diastolic() -> None:
    labs = {(f.concept.code if f.concept else None): f.value for f in read_patient_text("Blood pressure is 135/80 mm Hg.").labs}
    assert labs == {"8480-6": 135.0, "8462-4": 80.0}


def test_notes_lab_table_rows_give_the_patients_value_and_range() -> None:
    text = ("His blood chemistry:\nTest                       Normal Range     Patient Value\n"
            "Glucose                    90-120 mg/dl     95 mg/dl\nCreatinine                 0.7-1.4 mg/dl    0.8 mg/dl")
    labs = {f.name: f for f in read_patient_text(text).labs}
    assert labs["Glucose"].value == 95.0 and labs["Glucose"].reference_low == 90.0 and labs["Glucose"].reference_high == 120.0
    assert labs["Creatinine"].value == 0.8 and labs["Creatinine"].evidence is not None
    assert labs["Creatinine"].evidence.text.startswith("Creatinine") and labs["Creatinine"].evidence.text.endswith("0.8 mg/dl")


@pytest.mark.parametrize("text,on_patient", [
    ("A dexamethasone suppression test was abnormal.", False),
    ("Serum ACTH levels are high-normal.", False),
    ("He takes metformin daily.", True),
])
def test_notes_test_agents_are_not_medications(text: str, on_patient: bool) -> None:
    meds = [f for f in read_note(text).facts if f.type == "medication"]
    assert meds and meds[0].on_patient is on_patient


def test_notes_topical_form_is_not_the_systemic_drug() -> None:
    p = read_patient_text("Current medications include a topical hydrocortisone ointment.")
    assert [m.concept.code for m in p.medications or [] if m.concept] == ["drug:local-form"]
    outcome = cn.match(p, cn.analyze("Exclusion Criteria:\n- The use of corticosteroid in last 30 days"))
    assert outcome.verdict == "indeterminate"


@pytest.mark.parametrize("text,family", [
    ("A 40-year-old man. Her mother has breast cancer.", "breast cancer"),
    ("Family history of breast cancer in her mother.", "Family history of breast cancer"),
    ("Her mother and grandmother have also had excessive bleeding.", "bleeding"),
])
def test_notes_relatives_conditions_are_family_history(text: str, family: str) -> None:
    p = read_patient_text(text)
    assert [f.name for f in p.family_history or []] == [family]
    assert not [f for f in p.conditions or [] if f.name == family]


def test_notes_a_relatives_denial_is_no_fact_and_mother_is_not_the_patients_sex() -> None:
    reading = read_note("A 39-year-old man. His older brother is healthy with no history of gouty arthritis.")
    assert reading.patient.denied == [] and reading.patient.sex == "male"
    assert read_patient_text("A 2-year-old child. The child's mother had gestational diabetes.").sex == "unknown"
