"""The page readers work for the page families, not only for the five seeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from criteria_nlp.errors import ReadError
from criteria_nlp.read import iter_records, read_trial
from criteria_nlp.read.ctgov_page import classic_age_range
from criteria_nlp.read.irct_page import irct_age_range
from criteria_nlp.schema import Age, Intervention, Trial

from conftest import FIXTURES

PAGES = FIXTURES / "read"


def _age(value: tuple[int, str] | None) -> Age | None:
    return None if value is None else Age.of(value[0], value[1])  # type: ignore[arg-type]


EXPECTED: dict[str, dict[str, Any]] = {
    # classic page: unknown status with a "was" line, a tabbed multi-line summary table, a registry study
    "classic_registry.txt": {
        "id": "NCT01234567",
        "format": "ctgov-page-classic",
        "title": "Hydroxychloroquine Withdrawal in Quiescent Lupus: a Registry",
        "status": "UNKNOWN",
        "phases": [],
        "enrollment": 1200,
        "study_type": "OBSERVATIONAL",
        "conditions": ["Systemic Lupus Erythematosus", "Cutaneous Lupus"],
        "interventions": [Intervention(type="DRUG", name="Hydroxychloroquine"), Intervention(type="OTHER", name="Observation")],
        "ages": ((18, "years"), None),
        "sex": "female",
        "healthy_volunteers": True,
        "secondary_ids": ["EXU-2018-07", "2018-000123-45"],
        "text": "Inclusion Criteria:\n\n  * SLE (ACR 1997)\n      - on hydroxychloroquine for at least 2 years\n"
        "  * SLEDAI-2K < 4\n\nExclusion Criteria:\n\n  * pregnancy",
    },
    # modern page: NA phase, a minimum age only, an intervention without description, two identifiers
    "modern_observational.txt": {
        "id": "NCT07654321",
        "format": "ctgov-page-modern",
        "title": "Vitamin D Levels in Women With Lupus",
        "status": "RECRUITING",
        "phases": [],
        "enrollment": 1200,
        "study_type": "OBSERVATIONAL",
        "conditions": ["Systemic Lupus Erythematosus", "Vitamin D Deficiency"],
        "interventions": [Intervention(type="PROCEDURE", name="Blood draw"), Intervention(type="DIETARY_SUPPLEMENT", name="Cholecalciferol")],
        "ages": ((18, "years"), None),
        "sex": "female",
        "healthy_volunteers": True,
        "secondary_ids": ["VITD-SLE-01", "R01AR012345"],
        "text": "Inclusion Criteria:\n\n* women aged 18 or older\n    * with SLE\n\nExclusion Criteria:\n\n"
        "* vitamin D supplements in the last 3 months",
    },
    # unlabelled page: one age alone is ambiguous (minimum or maximum?), so both stay empty
    "unlabelled_one_age.txt": {
        "id": "NCT01112223",
        "format": "ctgov-page-unlabelled",
        "title": "Exercise Training in Men With Lupus",
        "status": "TERMINATED",
        "phases": ["PHASE2"],
        "enrollment": 40,
        "study_type": "INTERVENTIONAL",
        "conditions": ["Lupus Erythematosus, Systemic"],
        "interventions": [],
        "ages": (None, None),
        "sex": "male",
        "healthy_volunteers": False,
        "secondary_ids": [],
        "text": "Inclusion Criteria\n1. Men with SLE\nExclusion Criteria\n1. Unstable angina",
    },
    # IRCT page with a registration number, an age range, labels with inline values
    "irct_registered.txt": {
        "id": "IRCT20200101012345N2",
        "format": "irct-page",
        "title": "Effect of vitamin D supplementation on fatigue in women with systemic lupus erythematosus",
        "status": "ACTIVE_NOT_RECRUITING",
        "phases": ["PHASE3"],
        "enrollment": 60,
        "study_type": "INTERVENTIONAL",
        "conditions": ["Systemic lupus erythematosus", "Fatigue"],
        "interventions": [
            Intervention(type="TREATMENT - DRUGS", name="Intervention group: vitamin D3 50000 IU weekly for 8 weeks"),
            Intervention(type="PLACEBO", name="Control group: placebo weekly for 8 weeks"),
        ],
        "ages": ((18, "years"), (65, "years")),
        "sex": "female",
        "healthy_volunteers": None,
        "secondary_ids": ["IR.TUMS.REC.1399.123"],
        "text": "Inclusion criteria: Women with SLE; Fatigue score over 4. Exclusion criteria: Pregnancy\n\n"
        "Inclusion criteria:\nWomen with SLE\nFatigue score over 4\nExclusion criteria:\nPregnancy",
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_read_pages_family_variants(name: str) -> None:
    trial = read_trial(PAGES / name)
    expected = EXPECTED[name]
    for field in ("id", "format", "title", "status", "phases", "enrollment", "study_type", "conditions", "interventions", "secondary_ids"):
        assert getattr(trial, field) == expected[field], field
    assert trial.registry == ("IRCT" if name.startswith("irct") else "ClinicalTrials.gov")
    assert trial.eligibility.minimum_age == _age(expected["ages"][0])
    assert trial.eligibility.maximum_age == _age(expected["ages"][1])
    assert trial.eligibility.sex == expected["sex"]
    assert trial.eligibility.healthy_volunteers is expected["healthy_volunteers"]
    assert trial.eligibility_text == expected["text"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_read_pages_crlf_reads_the_same(name: str) -> None:
    page = (PAGES / name).read_text(encoding="utf-8")
    assert read_trial(text=page.replace("\n", "\r\n")) == read_trial(text=page)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("18 Years to 60 Years   (Adult)", ((18, "years"), (60, "years"))),
        ("\u00a0 18 Years to 60 Years \u00a0 (Adult)", ((18, "years"), (60, "years"))),
        ("6 Months to 17 Years   (Child)", ((6, "months"), (17, "years"))),
        ("18 Years and older   (Adult, Older Adult)", ((18, "years"), None)),
        ("up to 17 Years   (Child)", (None, (17, "years"))),
        ("Child, Adult, Older Adult", (None, None)),
        (None, (None, None)),
    ],
)
def test_read_pages_classic_age_range(value: str | None, expected: tuple[Any, Any]) -> None:
    assert classic_age_range(value) == (_age(expected[0]), _age(expected[1]))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("No age limit", (None, None)),
        ("From 18 years old to 65 years old", ((18, "years"), (65, "years"))),
        ("From 6 months old", ((6, "months"), None)),
        ("To 12 years old", (None, (12, "years"))),
        (None, (None, None)),
    ],
)
def test_read_pages_irct_age_range(value: str | None, expected: tuple[Any, Any]) -> None:
    assert irct_age_range(value) == (_age(expected[0]), _age(expected[1]))


def test_read_pages_unlabelled_values_are_not_criteria() -> None:
    """In an unlabelled page the bare values after the criteria (ages, sex, volunteers) are peeled off."""
    trial = read_trial(PAGES / "unlabelled_one_age.txt")
    assert not trial.eligibility_text.endswith(("18 Years", "MALE", "No"))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_read_pages_any_bytes_give_trials_or_read_errors(data: bytes) -> None:
    for record in iter_records(data):
        assert isinstance(record, (Trial, ReadError))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "NCT ID: NCT01234567", "Basic Information", "Eligibility Criteria", "Inclusion Criteria", "18 Years",
                "ALL", "Yes", "Intervention Type DRUG", "Interventions", "Other Identifiers", "Identifier Type: -",
                "ClinicalTrials.gov Identifier: NCT01234567", "Criteria", "Condition or disease Intervention/treatment Phase",
                "Inclusion/Exclusion criteria", "Intervention groups", "1", "Description", "Category", "Age", "Gender",
                "Phase", "2-3", "Target sample size:", "", "- adults", "{", "<", "[1]",
            ]
        ),
        max_size=40,
    )
)
def test_read_pages_shuffled_page_lines_never_crash(lines: list[str]) -> None:
    for record in iter_records(text="\n".join(lines) + "\n"):
        assert isinstance(record, (Trial, ReadError))


MODERN = [FIXTURES / "seeds" / n for n in ("001_02baf3a22c3ac0c0.txt", "002_af3d16ab93fc7196.txt", "004_77ce44c2c4d8f4a7.txt")]
MODERN.append(PAGES / "modern_observational.txt")


@pytest.mark.parametrize("path", MODERN, ids=lambda p: p.name)
def test_read_pages_modern_without_boilerplate_reads_the_same(path: Path) -> None:
    """A copy without the sentences under each heading reads to the same trial."""
    from criteria_nlp.read.ctgov_page import MODERN_DESCRIPTIONS

    page = path.read_text(encoding="utf-8")
    bare = "\n".join(line for line in page.split("\n") if not line.strip().startswith(MODERN_DESCRIPTIONS))
    assert bare != page
    assert read_trial(text=bare) == read_trial(text=page)


@pytest.mark.parametrize("path", MODERN, ids=lambda p: p.name)
def test_read_pages_heading_words_inside_criteria_stay_criteria(path: Path) -> None:
    """A criteria line reading "Conditions" is not the Conditions section (no boilerplate follows it)."""
    page = path.read_text(encoding="utf-8")
    edited = read_trial(text=page.replace("Exclusion Criteria", "Conditions\nExclusion Criteria", 1))
    original = read_trial(text=page)
    assert "Conditions\nExclusion Criteria" in edited.eligibility_text
    assert edited.conditions == original.conditions
