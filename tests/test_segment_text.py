"""segment_text(): sections, items, nesting, inline lists, boilerplate, duplicates."""

from __future__ import annotations

import pytest

from criteria_nlp.errors import CriteriaNLPError
from criteria_nlp.segment import segment_text


def _items(text: str, **kw: object) -> list[tuple[str, str, str | None]]:
    criteria, _ = segment_text(text, **kw)  # type: ignore[arg-type]
    for c in criteria:
        assert text[c.start:c.end] == c.text
    return [(c.kind, c.text, c.number) for c in criteria if c.role == "criterion"]


@pytest.mark.parametrize(
    "header,kind",
    [
        ("Inclusion Criteria:", "inclusion"),
        ("INCLUSION CRITERIA", "inclusion"),
        ("Key inclusion criteria:", "inclusion"),
        ("Key Inclusion Criteria", "inclusion"),
        ("Inclusion:", "inclusion"),
        ("**Inclusion Criteria:**", "inclusion"),
        ("-  Inclusion Criteria:", "inclusion"),
        ("Inclusion Criteria - Phases 1 and 2", "inclusion"),
        ("INCLUSION CRITERIA - SOURCE PARTNER:", "inclusion"),
        ("Inclusion criteria (all must apply):", "inclusion"),
        ("Exclusion Criteria:", "exclusion"),
        ("EXCLUSION CRITERIA", "exclusion"),
        ("Exclusion criteria include:", "exclusion"),
        ("Key exclusion criteria:", "exclusion"),
        ("Exclusions include:", "exclusion"),
        ("Exclusion criteria for medical history and comorbidities:", "exclusion"),
        ("DISEASE CHARACTERISTICS:", "inclusion"),
        ("PATIENT CHARACTERISTICS:", "inclusion"),
    ],
)
def test_segment_header_sets_kind(header: str, kind: str) -> None:
    items = _items(f"{header}\n\n  -  Adult patients\n  -  Signed consent\n")
    assert items == [(kind, "Adult patients", None), (kind, "Signed consent", None)]


@pytest.mark.parametrize(
    "line",
    [
        "Inclusion of women of childbearing potential requires a negative test",
        "Exclusion of other causes of anemia",
    ],
)
def test_segment_header_lookalike_is_a_criterion(line: str) -> None:
    assert _items(f"Inclusion Criteria:\n{line}\n") == [("inclusion", line, None)]


@pytest.mark.parametrize(
    "markers,numbers",
    [
        (["-", "-"], [None, None]),
        (["*", "*"], [None, None]),
        (["•", "•"], [None, None]),
        (["1.", "2."], ["1", "2"]),
        (["1)", "2)"], ["1", "2"]),
        (["(a)", "(b)"], ["a", "b"]),
        (["a.", "b."], ["a", "b"]),
        (["i.", "ii."], ["i", "ii"]),
        (["(iv)", "(v)"], ["iv", "v"]),
        (["1\\.", "2\\."], ["1", "2"]),
        (["①", "②"], ["1", "2"]),
    ],
)
def test_segment_markers_give_numbers_as_written(markers: list[str], numbers: list[str | None]) -> None:
    text = f"Exclusion Criteria:\n{markers[0]} Pregnancy\n{markers[1]} Active infection\n"
    assert _items(text) == [
        ("exclusion", "Pregnancy", numbers[0]),
        ("exclusion", "Active infection", numbers[1]),
    ]


def test_segment_hard_wrapped_items_are_one_criterion() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "          -  Dementia or evidence of mental incompetence which would preclude compliance with the\n"
        "             protocol.\n\n"
        "          -  Severe diarrhea defined as 5 or more watery stools per day for at least 7 days.\n"
    )
    items = _items(text)
    assert [t for _, t, _ in items] == [
        "Dementia or evidence of mental incompetence which would preclude compliance with the\n"
        "             protocol.",
        "Severe diarrhea defined as 5 or more watery stools per day for at least 7 days.",
    ]


def test_segment_wrapped_comparison_is_no_bullet() -> None:
    # legacy XML wraps a limit before its operator; "> 50" opening a line is still the limit, "> Pregnancy" a bullet
    text = (
        "Inclusion Criteria:\n\n"
        "          -  24-hour urine collection with documented creatinine clearance\n"
        "             > 50 ml/min\n\n"
        "Exclusion Criteria:\n"
        "> Pregnancy\n"
        "> Active infection\n"
    )
    assert [t for _, t, _ in _items(text)] == [
        "24-hour urine collection with documented creatinine clearance\n             > 50 ml/min",
        "Pregnancy", "Active infection",
    ]


def test_segment_lines_without_markers_are_separate_criteria() -> None:
    text = "Inclusion criteria:\nClass 3 or 4 resistant lupus nephritis\nResistant vasculitis\nResistant CNS involvement\n"
    assert [t for _, t, _ in _items(text)] == [
        "Class 3 or 4 resistant lupus nephritis",
        "Resistant vasculitis",
        "Resistant CNS involvement",
    ]


def test_segment_inline_semicolon_list_over_two_lines() -> None:
    text = (
        "Inclusion criteria: Informed consent; Class 3 or 4 resistant lupus nephritis;\n"
        "Parenchymal lung involvement or refractory heart involvement; Resistant vasculitis\n"
        "Exclusion criteria: Other autoimmune diseases; Uncontrolled high blood pressure\n"
    )
    assert _items(text) == [
        ("inclusion", "Informed consent", None),
        ("inclusion", "Class 3 or 4 resistant lupus nephritis", None),
        ("inclusion", "Parenchymal lung involvement or refractory heart involvement", None),
        ("inclusion", "Resistant vasculitis", None),
        ("exclusion", "Other autoimmune diseases", None),
        ("exclusion", "Uncontrolled high blood pressure", None),
    ]


def test_segment_semicolon_before_conjunction_does_not_split() -> None:
    text = "Inclusion Criteria:\nRisk of infection or bleeding; and the patient must sign an amended consent form.\n"
    assert len(_items(text)) == 1


def test_segment_inline_enumeration_inside_an_item() -> None:
    text = "Inclusion Criteria:\n\n* Able to read English; 3. Written informed consent; 4. Aged 18 to 50 years\n"
    assert _items(text) == [
        ("inclusion", "Able to read English", None),
        ("inclusion", "Written informed consent", "3"),
        ("inclusion", "Aged 18 to 50 years", "4"),
    ]


def test_segment_lead_in_is_parent_and_sets_polarity() -> None:
    text = (
        "Exclusion Criteria\n\n"
        "Patients with SLE have to be disqualified from this study if any of the following is applicable:\n\n"
        "1. SLE with severe infection.\n"
        "2. Pregnancy and breastfeeding women.\n"
    )
    criteria, _ = segment_text(text)
    lead, first, second = criteria
    assert lead.role == "lead_in" and lead.kind == "exclusion"
    assert (first.parent, second.parent) == (lead.id, lead.id)
    assert [c.number for c in criteria] == [None, "1", "2"]


@pytest.mark.parametrize(
    "lead_in,kind",
    [
        ("Patients with the following conditions are excluded:", "exclusion"),
        ("Excluded:", "exclusion"),
        ("Patients will not be eligible for this study if they:", "exclusion"),
        ("Patients must have:", "inclusion"),
        ("Required:", "inclusion"),
        ("Allowed:", "unknown"),
    ],
)
def test_segment_lead_in_polarity_overrides_section(lead_in: str, kind: str) -> None:
    text = f"Exclusion Criteria\n\n{lead_in}\n\n  -  Zidovudine (AZT).\n  -  Corticosteroids.\n"
    criteria, _ = segment_text(text)
    assert [c.kind for c in criteria if c.role == "criterion"] == [kind, kind]
    assert criteria[0].role == "lead_in"


def test_segment_indentation_nesting() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "* Adequate organ function:\n"
        "  * ANC ≥ 1500/mm³\n"
        "  * Platelets ≥ 100,000/mm³\n"
        "* No prior therapy\n"
    )
    criteria, _ = segment_text(text)
    by_text = {c.text: c for c in criteria}
    parent = by_text["Adequate organ function:"]
    assert parent.role == "lead_in"
    assert by_text["ANC ≥ 1500/mm³"].parent == parent.id
    assert by_text["Platelets ≥ 100,000/mm³"].parent == parent.id
    assert by_text["No prior therapy"].parent is None


def test_segment_letters_under_numbers_at_same_indent() -> None:
    text = "Inclusion Criteria:\n1. Adequate organ function defined as:\na. ANC ≥ 1500\nb. Hemoglobin ≥ 9 g/dL\n2. Signed consent\n"
    criteria, _ = segment_text(text)
    by_number = {c.number: c for c in criteria}
    assert by_number["a"].parent == by_number["1"].id
    assert by_number["b"].parent == by_number["1"].id
    assert by_number["2"].parent is None


def test_segment_sub_headings_inside_a_list() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "Cohort A:\n"
        "  - Age 18 to 65 years\n"
        "Cohort B:\n"
        "  - Age 66 years or older\n"
        "For patients with lupus nephritis:\n"
        "  - Renal biopsy within 6 months\n"
    )
    criteria, _ = segment_text(text)
    headings = [c for c in criteria if c.role == "heading"]
    assert [h.text for h in headings] == ["Cohort A:", "Cohort B:", "For patients with lupus nephritis:"]
    items = [c for c in criteria if c.role == "criterion"]
    assert [c.parent for c in items] == [h.id for h in headings]
    assert all(c.kind == "inclusion" for c in criteria)


def test_segment_pdq_sub_headings() -> None:
    text = "PATIENT CHARACTERISTICS:\n\nAge:\n\n  -  6 months and over\n\nHepatic:\n\n  -  Bilirubin no greater than 2.5 mg/dL\n"
    criteria, _ = segment_text(text)
    assert [(c.role, c.text) for c in criteria] == [
        ("heading", "Age:"),
        ("criterion", "6 months and over"),
        ("heading", "Hepatic:"),
        ("criterion", "Bilirubin no greater than 2.5 mg/dL"),
    ]
    assert criteria[1].parent == criteria[0].id and criteria[3].parent == criteria[2].id


def test_segment_flattened_pdq_paragraph_splits_at_sub_headings() -> None:
    text = "PATIENT CHARACTERISTICS: Age: Over 16 Performance status: Karnofsky 60%-100% Hepatic: Bilirubin less than 2.5 mg/dL\n"
    assert [t for _, t, _ in _items(text)] == [
        "Age: Over 16",
        "Performance status: Karnofsky 60%-100%",
        "Hepatic: Bilirubin less than 2.5 mg/dL",
    ]


@pytest.mark.parametrize(
    "kind,expected",
    [(None, "unknown"), ("inclusion", "inclusion"), ("exclusion", "exclusion")],
)
def test_segment_text_without_headers_takes_default_kind(kind: str | None, expected: str) -> None:
    items = _items("Age 18 to 65 years\nNo prior dialysis\n", default_kind=kind)
    assert items == [(expected, "Age 18 to 65 years", None), (expected, "No prior dialysis", None)]


def test_segment_default_kind_is_validated() -> None:
    with pytest.raises(CriteriaNLPError) as err:
        segment_text("Age 18", default_kind="maybe", record="NCT1")
    assert err.value.code == "S001" and "NCT1" in str(err.value)


def test_segment_paragraph_splits_into_sentences() -> None:
    text = "Inclusion Criteria:\n\n        Patients with bipolar disorder. Index episode requiring\n        hospitalization, e.g. on an acute unit. At least two hospitalizations.\n"
    assert [t for _, t, _ in _items(text)] == [
        "Patients with bipolar disorder.",
        "Index episode requiring\n        hospitalization, e.g. on an acute unit.",
        "At least two hospitalizations.",
    ]


@pytest.mark.parametrize(
    "boilerplate",
    [
        "Check the participation requirements, including inclusion and exclusion rules, age limits, and whether healthy volunteers are accepted.",
        "Layout table for eligibility information",
        "No eligibility criteria",
        "Eligibility Criteria",
        "Criteria",
        "AND",
        "----------",
    ],
)
def test_segment_boilerplate_is_never_a_criterion(boilerplate: str) -> None:
    text = f"{boilerplate}\n\nInclusion Criteria\n\n* Lupus patients\n"
    assert [t for _, t, _ in _items(text)] == ["Lupus patients"]


def test_segment_duplicates_are_reported_once() -> None:
    text = (
        "Exclusion Criteria:\n- Pregnancy\n- Active infection.\n- pregnancy;\n"
        "Inclusion Criteria:\n- Pregnancy\n"
    )
    criteria, duplicates = segment_text(text)
    assert [(c.kind, c.text) for c in criteria] == [
        ("exclusion", "Pregnancy"),
        ("exclusion", "Active infection."),
        ("inclusion", "Pregnancy"),
    ]
    assert [(d.text, d.duplicate_of) for d in duplicates] == [("pregnancy", "c1")]


def test_segment_same_text_in_other_cohort_is_not_a_duplicate() -> None:
    text = "INCLUSION CRITERIA - SOURCE PARTNER\n\n18 years of age or older.\n\nINCLUSION CRITERIA - SUSCEPTIBLE PARTNER\n\n18 years of age or older.\n"
    criteria, duplicates = segment_text(text)
    assert len(criteria) == 2 and duplicates == []


@pytest.mark.parametrize("text", ["", "   \n\n  ", "\x00\x01", "-", "1.", ":"])
def test_segment_degenerate_text(text: str) -> None:
    criteria, duplicates = segment_text(text)
    for c in criteria:
        assert text[c.start:c.end] == c.text and c.text.strip()
