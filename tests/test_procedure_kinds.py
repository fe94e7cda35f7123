"""Procedure kinds (``resources/procedure_kinds.json``): every procedure entry has one of the kinds, and a
mention no entry codes gets the kind its words name; a kind is never a code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Span

from criteria_nlp.coder import CriteriaCoder
from criteria_nlp.errors import ResourceError
from criteria_nlp.extensions import entity_data
from criteria_nlp.lexicon import Lexicon, ProcedureEntry
from criteria_nlp.procedure_kinds import RESOURCE, ProcedureKinds, procedure_kinds
from criteria_nlp.resource_files import load_validated


@pytest.mark.parametrize(("text", "kind"), [
    ("supraclavicular block", "anaesthesia"),
    ("shoulder arthroscopic procedures", "surgery"),
    ("laparoscopic cholecystectomy", "surgery"),
    ("PCR testing", "laboratory test"),
    ("histologically", "pathology"),
    ("examined by a physician", "examination"),
    ("immunosuppressive medications", "drug therapy"),
    ("Antitumor therapy", "cancer therapy"),
    ("adjuvant chemotherapy", "chemotherapy"),      # the named therapy before the setting
    ("percutaneous liver biopsy", "biopsy"),         # a biopsy before the route
    ("percutaneous transluminal angioplasty", "percutaneous intervention"),
    ("optical coherence tomography", "imaging"),
    ("bowel preparation", "bowel preparation"),
    ("therapy", None),                               # says nothing of its kind
    ("Nuss procedure", None),
])
def test_procedure_kinds_from_the_words(text: str, kind: str | None) -> None:
    assert procedure_kinds().kind_of(text) == kind


def test_procedure_kinds_every_entry_has_a_known_kind() -> None:
    kinds = procedure_kinds().kinds
    entries = [e for e in Lexicon.load().entries("PROCEDURE") if isinstance(e, ProcedureEntry)]
    assert entries and all(e.kind is None or e.kind in kinds for e in entries)
    assert sum(e.kind is not None for e in entries) >= 0.85 * len(entries)  # the rest name no one kind ("prior treatment")


def test_procedure_kinds_unknown_cue_kind_is_x001(tmp_path: Path) -> None:
    data = json.loads(procedure_kinds().model_dump_json())
    data["cues"].append({"kind": "astrology", "words": ["horoscope"]})
    path = tmp_path / RESOURCE
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ResourceError) as info:
        load_validated(ProcedureKinds, RESOURCE, path)
    assert info.value.code == "X001" and "astrology" in str(info.value)


def test_procedure_kinds_set_by_the_coder_never_a_concept() -> None:
    coder = CriteriaCoder(spacy.blank("en"))
    doc = coder.nlp.make_doc("Prior supraclavicular block or CABG")
    doc.ents = [Span(doc, 1, 3, label="PROCEDURE"), Span(doc, 4, 5, label="PROCEDURE")]
    data = entity_data(doc)
    coder(doc)
    assert data[0]["procedure_kind"] == "anaesthesia" and data[0]["concept"] is None
    assert data[1]["procedure_kind"] == "revascularization" and data[1]["concept"]["code"] == "proc:cabg"


@pytest.mark.parametrize(("text", "after", "kind"), [
    ("treatment", " with gefitinib, erlotinib, or other EGFR inhibitors", "drug therapy"),
    ("treated", " with glycoprotein IIb/IIIa inhibitors", "drug therapy"),
    ("treatment", " with a device", None),               # no drug: no kind
    ("surgery", " with general anaesthesia", "surgery"),  # the words' own kind first
])
def test_procedure_kinds_treatment_with_a_drug(text: str, after: str, kind: str | None) -> None:
    coder = CriteriaCoder(spacy.blank("en"), deep=True)
    assert coder.procedure_kind(text, None, after) == kind
