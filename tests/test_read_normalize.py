"""Every spelling of status, phase, age, sex and volunteers the formats use maps to one value."""

from __future__ import annotations

import pytest

from criteria_nlp.read import normalize as norm
from criteria_nlp.schema import Age


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Completed", "COMPLETED"),
        ("COMPLETED", "COMPLETED"),
        ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
        ("Not yet recruiting", "NOT_YET_RECRUITING"),
        ("Enrolling by invitation", "ENROLLING_BY_INVITATION"),
        ("Unknown status", "UNKNOWN"),
        ("Unknown", "UNKNOWN"),
        ("UNKNOWN", "UNKNOWN"),
        ("Withdrawn", "WITHDRAWN"),
        ("No longer available", "NO_LONGER_AVAILABLE"),
        ("Temporarily not available", "TEMPORARILY_NOT_AVAILABLE"),
        ("Approved for marketing", "APPROVED_FOR_MARKETING"),
        ("Available", "AVAILABLE"),
        ("Recruitment complete", "ACTIVE_NOT_RECRUITING"),
        ("  ", None),
        (None, None),
    ],
)
def test_normalize_status(value: str | None, expected: str | None) -> None:
    assert norm.status(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Phase 1/Phase 2", ["PHASE1", "PHASE2"]),
        ("PHASE1/PHASE2", ["PHASE1", "PHASE2"]),
        ("Phase 1 Phase 2", ["PHASE1", "PHASE2"]),
        ("Phase 1/2", ["PHASE1", "PHASE2"]),
        ("phase 2-3", ["PHASE2", "PHASE3"]),
        ("2-3", ["PHASE2", "PHASE3"]),
        ("3", ["PHASE3"]),
        ("Early Phase 1", ["EARLY_PHASE1"]),
        ("EARLY_PHASE1", ["EARLY_PHASE1"]),
        ("Phase II/III", ["PHASE2", "PHASE3"]),
        ("Phase 4", ["PHASE4"]),
        (["PHASE2", "PHASE3"], ["PHASE2", "PHASE3"]),
        (["NA"], []),
        ("N/A", []),
        ("NA", []),
        ("Not Applicable", []),
        (None, []),
    ],
)
def test_normalize_phases(value: str | list[str] | None, expected: list[str]) -> None:
    assert norm.phases(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("18 Years", (18, "years")),
        ("1 Year", (1, "years")),
        ("6 Months", (6, "months")),
        ("2 Weeks", (2, "weeks")),
        ("30 Days", (30, "days")),
        ("12 Hours", (12, "hours")),
        ("5 Minutes", (5, "minutes")),
        ("18 Years and older", (18, "years")),
        ("18 years old", (18, "years")),
        ("1.5 Years", (1.5, "years")),
        ("N/A", None),
        ("No age limit", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_age(value: str | None, expected: tuple[int | float, str] | None) -> None:
    age = norm.age(value)
    if expected is None:
        assert age is None
    else:
        assert age == Age.of(expected[0], expected[1])  # type: ignore[arg-type]


def test_normalize_age_years() -> None:
    assert norm.age("6 Months") == Age(value=6, unit="months", years=0.5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ALL", "all"), ("All", "all"), ("Both", "all"), ("Male or Female", "all"),
        ("FEMALE", "female"), ("Female", "female"), ("MALE", "male"), ("Male", "male"),
        ("Unknown", None), (None, None),
    ],
)
def test_normalize_sex(value: str | None, expected: str | None) -> None:
    assert norm.sex(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Yes", True), ("No", False), ("Accepts Healthy Volunteers", True), (True, True), (False, False),
        (None, None), ("Maybe", None),
    ],
)
def test_normalize_healthy_volunteers(value: str | bool | None, expected: bool | None) -> None:
    assert norm.healthy_volunteers(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Interventional", "INTERVENTIONAL"),
        ("Interventional  (Clinical Trial)", "INTERVENTIONAL"),
        ("Observational [Patient Registry]", "OBSERVATIONAL"),
        ("Expanded Access", "EXPANDED_ACCESS"),
        ("EXPANDED_ACCESS", "EXPANDED_ACCESS"),
        (None, None),
    ],
)
def test_normalize_study_type(value: str | None, expected: str | None) -> None:
    assert norm.study_type(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Dietary Supplement", "DIETARY_SUPPLEMENT"), ("Drug", "DRUG"), ("DIAGNOSTIC_TEST", "DIAGNOSTIC_TEST"), (None, None)],
)
def test_normalize_intervention_type(value: str | None, expected: str | None) -> None:
    assert norm.intervention_type(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(15, 15), ("15", 15), ("15 participants", 15), ("1,200 participants", 1200), ("many", None), (None, None)],
)
def test_normalize_enrollment(value: str | int | None, expected: int | None) -> None:
    assert norm.enrollment(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("\r\n   Inclusion:\r\n     - a\r\n\r\n", "Inclusion:\n     - a"),
        ("Inclusion:\r- a\r", "Inclusion:\n- a"),
        ("keeps \\> markdown escapes", "keeps \\> markdown escapes"),
        (None, ""),
    ],
)
def test_normalize_criteria_text(value: str | None, expected: str) -> None:
    assert norm.criteria_text(value) == expected
