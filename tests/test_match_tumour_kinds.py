"""Tumour kinds ICD-10-CM does not tell apart: a histology keeps its site's code and the rule says so.

ICD-10-CM codes a malignant neoplasm by site: glioblastoma, astrocytoma and
every other malignant brain tumour are C71.9; small cell and non-small cell
lung cancer are both C34.90. The lexicon files such kinds as entries of their
own (``names_kind``), coded with the site; their rules are marked narrower, so
a record holding only the code is unknown for them (never excluded as another
kind), and a record naming the same kind meets them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import criteria_nlp
from criteria_nlp import Analyzer
from criteria_nlp.lexicon import ConditionEntry, Lexicon

AS_OF = dt.date(2026, 3, 1)


def _patient(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"id": "p", "as_of": AS_OF, "age": 40, "sex": "female", "conditions": list(conditions)}


def _rules(analyzer: Analyzer, text: str) -> list[Any]:
    return [r for r in analyzer(text).rules if r.source == "text" and r.category == "condition"]


@pytest.mark.parametrize(("form", "entry_id", "code"), [
    ("glioblastoma", "cond:glioblastoma", "C71.9"),
    ("GBM", "cond:glioblastoma", "C71.9"),
    ("NSCLC", "cond:nsclc", "C34.90"),
    ("small-cell lung cancer", "cond:sclc", "C34.90"),
    ("Ewing's sarcoma", "cond:ewing-sarcoma", "C40-C41"),
    ("nephroblastoma", "cond:wilms-tumor", "C64.9"),
    ("medulloblastoma", "cond:medulloblastoma", "C71.6"),
    ("RCC", "cond:renal-cell-carcinoma", "C64.9"),
])
def test_lexicon_tumour_histology_is_a_kind_entry(form: str, entry_id: str, code: str) -> None:
    entry = Lexicon.load().lookup(form, "CONDITION")
    assert isinstance(entry, ConditionEntry) and entry.id == entry_id
    assert entry.names_kind and entry.concept.code == code


@pytest.mark.parametrize("form", ["brain tumor", "lung cancer", "kidney cancer", "sarcoma", "bone sarcoma"])
def test_lexicon_site_entry_is_not_a_kind(form: str) -> None:
    entry = Lexicon.load().lookup(form, "CONDITION")
    assert isinstance(entry, ConditionEntry) and not entry.names_kind


@pytest.mark.parametrize(("text", "code", "narrower"), [
    ("Glioblastoma", "C71.9", "glioblastoma"),
    ("GBM", "C71.9", "glioblastoma"),
    ("Small cell lung cancer (SCLC)", "C34.90", "small cell lung cancer"),
    ("Neuroblastoma", "C74.90", "neuroblastoma"),
    ("Brain tumor", "C71.9", None),
])
def test_rules_kind_keeps_site_code_marked_narrower(analyzer: Analyzer, text: str, code: str,
                                                      narrower: str | None) -> None:
    (rule,) = _rules(analyzer, f"Exclusion Criteria:\n- {text}\n")
    assert rule.computable and rule.concept is not None and rule.concept.code == code
    assert rule.narrower == narrower


def test_rules_two_kinds_under_one_code_are_two_rules(analyzer: Analyzer) -> None:
    rules = _rules(analyzer, "Exclusion Criteria:\n- Ependymoma or oligodendroglioma\n")
    assert [(r.concept.code, r.narrower) for r in rules] == [("C71.9", "ependymoma"), ("C71.9", "oligodendroglioma")]


@pytest.mark.parametrize(("criteria", "condition", "verdict"), [
    # another kind under the same code: unknown, never excluded as the kind the criterion names
    ("Exclusion Criteria:\n- Small cell lung cancer\n", {"code": "C34.90", "name": "non-small cell lung cancer"},
     "indeterminate"),
    ("Exclusion Criteria:\n- Glioblastoma\n", {"code": "C71.9", "name": "astrocytoma"}, "indeterminate"),
    ("Exclusion Criteria:\n- Glioblastoma\n", {"code": "C71.9"}, "indeterminate"),
    # the same kind, in the lexicon's other words or the criterion's own
    ("Exclusion Criteria:\n- Small cell lung cancer\n", {"code": "C34.90", "name": "SCLC"}, "ineligible"),
    ("Exclusion Criteria:\n- GBM\n", {"code": "C71.9", "name": "glioblastoma multiforme"}, "ineligible"),
    ("Inclusion Criteria:\n- Non-small cell lung cancer\n", {"code": "C34.90", "name": "NSCLC"}, "eligible"),
    # a kind inside the site: no brain tumour at all is no glioblastoma
    ("Exclusion Criteria:\n- Glioblastoma\n", {"code": "C34.90", "name": "lung cancer"}, "eligible"),
    ("Inclusion Criteria:\n- Glioblastoma\n", {"code": "C50.911", "name": "breast cancer"}, "ineligible"),
])
def test_match_tumour_kind_needs_the_record_to_name_it(analyzer: Analyzer, criteria: str, condition: dict[str, Any],
                                                        verdict: str) -> None:
    assert criteria_nlp.match(_patient(condition), analyzer(criteria)).verdict == verdict


def test_match_note_naming_the_kind_meets_it(analyzer: Analyzer) -> None:
    patient = criteria_nlp.read_patient_text("A 50-year-old woman with anaplastic astrocytoma diagnosed last year.",
                                             as_of=AS_OF)
    result = criteria_nlp.match(patient, analyzer("Exclusion Criteria:\n- Anaplastic astrocytoma or glioblastoma\n"))
    assert result.verdict == "ineligible"
    assert "the kind the criterion names" in " ".join(r.reason for r in result.rules if r.result == "not_met")


def test_lint_kinds_under_one_code_are_no_conflict(analyzer: Analyzer) -> None:
    analysis = analyzer("Inclusion Criteria:\n- Glioblastoma\nExclusion Criteria:\n- Oligodendroglioma\n")
    assert not [i for i in criteria_nlp.lint(analysis) if i.code == "L005"]
