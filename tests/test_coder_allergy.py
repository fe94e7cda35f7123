"""Allergy status codes (``resources/allergy_status.json``): an allergy to a drug is coded Z88.x by the drug's
class, not the unspecified allergy T78.40."""

from __future__ import annotations

import pytest
import spacy

from criteria_nlp import Analyzer
from criteria_nlp.codes import _icd
from criteria_nlp.coder import CriteriaCoder, allergy_status


@pytest.fixture(scope="module")
def coder() -> CriteriaCoder:
    return CriteriaCoder(spacy.blank("en"), deep=True)


@pytest.mark.parametrize(("after", "code"), [
    (" to penicillin", "Z88.0"),
    (" to tetracyclines", "Z88.1"),
    (" to sulfa drugs", "Z88.2"),
    (" to bupivacaine", "Z88.4"),
    (" to any vaccine", "Z88.7"),
    (" to Bisoprolol, or any of the excipients.", "Z88.8"),
    (" to any of the components of the solution", "Z88.8"),
    (" to cis-UCA, or any constituents of the placebo cream", "Z88.8"),  # an unknown agent, then a product part
    (" to drugs", "Z88.9"),
    (" to latex", None),        # not a drug: the mention keeps its code
    (" (e.g. asthma)", None),   # names no agent
])
def test_coder_allergy_status_by_drug_class(coder: CriteriaCoder, after: str, code: str | None) -> None:
    status = coder.allergy_status(after)
    assert (status["code"] if status else None) == code


def test_coder_allergy_status_in_the_pipeline() -> None:
    analysis = Analyzer(pipeline="fast")("Exclusion Criteria:\n- Known hypersensitivity to tetracyclines\n"
                                         "- Allergic reaction to latex\n")
    codes = [e.concept.code for e in analysis.entities if e.label == "CONDITION" and e.concept is not None]
    assert codes == ["Z88.1", "T78.40XA"]


def test_coder_allergy_status_codes_exist() -> None:
    table = allergy_status()
    icd = _icd()
    for status in [*table.classes, table.other, table.unspecified]:
        assert icd.is_valid_item(status.code) and icd.get_description(status.code) == status.name
