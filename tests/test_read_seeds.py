"""The five seed pages read field by field as the brief states them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from criteria_nlp.read import read_trial
from criteria_nlp.schema import Age, Intervention, Trial

from conftest import FIXTURES

SEEDS = FIXTURES / "seeds"

IRCT_TITLE = (
    "The therapeutic efficiency and immunogenic assessments of the placenta mesenchymal stem cell\u2013derived "
    "exosomes on alleviation of symptoms in patients with lupus (a clinical trials)"
)
IRCT_GROUP_1 = (
    "The intervention group will receive the conventional treatment(Such as hydroxychloroquine) with exosomes "
    "derived from a single source of placenta mesenchymal stem cells (first one-tenth of the mesenchymal exosomes "
    "are injected. If no side effects are observed within two days, the unit values are gradually increased within "
    "two weeks, up to 4 units will be given intravenously)."
)
IRCT_GROUP_2 = "The control group will receive only the usual treatment (Such as hydroxychloroquine)."

EXPECTED: dict[str, dict[str, Any]] = {
    "000": {
        "id": "NCT05921058",
        "registry": "ClinicalTrials.gov",
        "format": "ctgov-page-classic",
        "title": "The Effects of Mesenchymal Stem Cell Secretome in Lupus Patients",
        "status": "COMPLETED",
        "phases": ["PHASE1", "PHASE2"],
        "enrollment": 15,
        "study_type": "INTERVENTIONAL",
        "conditions": ["Lupus Erythematosus"],
        "interventions": [("DRUG", "Secretome"), ("DRUG", "Placebo")],
        "ages": ((18, "years"), (60, "years")),
        "sex": "all",
        "healthy_volunteers": False,
        "secondary_ids": ["NAP05"],
        "text_starts": "Inclusion Criteria:",
        "text_ends": "Pregnancy",
    },
    "001": {
        "id": "NCT04184258",
        "registry": "ClinicalTrials.gov",
        "format": "ctgov-page-modern",
        "title": "Treatment of Systemic Lupus Erythematosus With Pooled Allogenic Mesenchymal Stem Cells",
        "status": "COMPLETED",
        "phases": ["PHASE1", "PHASE2"],
        "enrollment": 7,
        "study_type": "INTERVENTIONAL",
        "conditions": ["Systemic Lupus Erythematosus"],
        "interventions": [
            ("BIOLOGICAL", "Pooled mesenchymal stem cell"),
            ("OTHER", "Standard treatment according to the Clinical protocols"),
        ],
        "ages": ((18, "years"), (75, "years")),
        "sex": "all",
        "healthy_volunteers": False,
        "secondary_ids": ["IBCE_MSC1(SLE)"],
        "text_starts": "Inclusion Criteria",
        "text_ends": "any malignant tumor in the last 5 years.",
    },
    "002": {
        "id": "NCT03219801",
        "registry": "ClinicalTrials.gov",
        "format": "ctgov-page-modern",
        "title": "Umbilical Cord Derived Mesenchymal Stem Cells Therapy in Systemic Lupus Erythematosus",
        "status": "UNKNOWN",
        "phases": ["EARLY_PHASE1"],
        "enrollment": 10,
        "study_type": "INTERVENTIONAL",
        "conditions": ["Systemic Lupus Erythematosus"],
        "interventions": [("BIOLOGICAL", "mesenchymal stem cells")],
        "ages": ((14, "years"), (60, "years")),
        "sex": "all",
        "healthy_volunteers": False,
        "secondary_ids": ["17277787D-SLE"],
        "text_starts": "Inclusion Criteria",
        "text_ends": "infectious period of diseases.",
        "text_contains": ["Patients with SLE have to be disqualified from this study if any of the following is applicable:"],
    },
    "003": {
        "id": "IR.KUMS.REC.1400.198",
        "registry": "IRCT",
        "format": "irct-page",
        "title": IRCT_TITLE,
        "status": None,
        "phases": ["PHASE2", "PHASE3"],
        "enrollment": 20,
        "study_type": "INTERVENTIONAL",
        "conditions": ["Systemic lupus erythematosus"],
        "interventions": [("TREATMENT - OTHER", IRCT_GROUP_1), ("TREATMENT - OTHER", IRCT_GROUP_2)],
        "ages": (None, None),
        "sex": "all",
        "healthy_volunteers": None,
        "secondary_ids": ["IR.KUMS.REC.1400.198"],
        "text_starts": "Inclusion criteria: Informed consent; Class 3 or 4 resistant lupus nephritis;",
        "text_ends": "Pregnancy and breast-feeding",
        "text_contains": [
            "diabetes and other endocrine disorders\n\nInclusion criteria:\nClass 3 or 4 resistant lupus nephritis\n",
        ],
    },
    "004": {
        "id": "NCT00659217",
        "registry": "ClinicalTrials.gov",
        "format": "ctgov-page-unlabelled",
        "title": "Effect of Mesenchymal Stem Cell Transplantation for Lupus Nephritis",
        "status": "UNKNOWN",
        "phases": ["PHASE1", "PHASE2"],
        "enrollment": 20,
        "study_type": "INTERVENTIONAL",
        "conditions": [],
        "interventions": [],
        "ages": ((18, "years"), (60, "years")),
        "sex": "all",
        "healthy_volunteers": True,
        "secondary_ids": ["fuzhough0713"],
        "text_starts": "Inclusion Criteria",
        "text_ends": "tolerate this treatment.",
    },
}

#: page boilerplate that must never leak into the criteria
BOILERPLATE = [
    "Check the participation requirements",
    "Information from the National Library of Medicine",
    "Minimum Eligible Age",
    "Maximum Eligible Age",
    "Eligible Sex",
    "Accepts Healthy Volunteers",
    "Sponsors",
    "Age\nNo age limit",
    "\n18 Years",
    "\nALL",
    "\nYes",
]


def _seed(number: str) -> Path:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path


def _age(value: tuple[int, str] | None) -> Age | None:
    return None if value is None else Age.of(value[0], value[1])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def seeds() -> dict[str, Trial]:
    return {number: read_trial(_seed(number)) for number in EXPECTED}


@pytest.mark.parametrize("number", sorted(EXPECTED))
@pytest.mark.parametrize(
    "field", ["id", "registry", "format", "title", "status", "phases", "enrollment", "study_type", "conditions", "secondary_ids"]
)
def test_read_seeds_fields(seeds: dict[str, Trial], number: str, field: str) -> None:
    assert getattr(seeds[number], field) == EXPECTED[number][field]


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_read_seeds_interventions(seeds: dict[str, Trial], number: str) -> None:
    expected = [Intervention(type=t, name=n) for t, n in EXPECTED[number]["interventions"]]
    assert seeds[number].interventions == expected


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_read_seeds_eligibility(seeds: dict[str, Trial], number: str) -> None:
    eligibility = seeds[number].eligibility
    minimum, maximum = EXPECTED[number]["ages"]
    assert eligibility.minimum_age == _age(minimum)
    assert eligibility.maximum_age == _age(maximum)
    assert eligibility.sex == EXPECTED[number]["sex"]
    assert eligibility.healthy_volunteers is EXPECTED[number]["healthy_volunteers"]


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_read_seeds_eligibility_text(seeds: dict[str, Trial], number: str) -> None:
    text = seeds[number].eligibility_text
    assert text.startswith(EXPECTED[number]["text_starts"])
    assert text.endswith(EXPECTED[number]["text_ends"])
    for piece in EXPECTED[number].get("text_contains", []):
        assert piece in text
    for piece in BOILERPLATE:
        assert piece not in text
    assert "\r" not in text and text == text.strip()


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_read_seeds_text_is_a_slice_of_the_page(seeds: dict[str, Trial], number: str) -> None:
    """Each block of the criteria is the page's own text (nothing rewritten)."""
    page = _seed(number).read_text(encoding="utf-8").replace("\r\n", "\n")
    for block in seeds[number].eligibility_text.split("\n\n"):
        assert block in page


def test_read_seeds_irct_keeps_both_blocks(seeds: dict[str, Trial]) -> None:
    """The inline summary holds "Informed consent", which the detailed list lacks: both blocks are kept."""
    text = seeds["003"].eligibility_text
    inline, detailed = text.split("\n\nInclusion criteria:\n")
    assert "Informed consent" in inline and "Informed consent" not in detailed
    assert inline.endswith("diabetes and other endocrine disorders")


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_read_seeds_source_names_the_file(seeds: dict[str, Trial], number: str) -> None:
    assert seeds[number].source == str(_seed(number))
