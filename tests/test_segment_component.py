"""The criteria_segmenter spaCy component: registration, Doc results, serialisation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
import srsly

from criteria_nlp.errors import ResourceError
from criteria_nlp.segment import SegmenterRules

TEXT = "Inclusion Criteria:\n* Age 18-65 years\n* SLEDAI-2K ≥ 6\n\nExclusion Criteria:\n* Pregnancy\n"


def test_segment_factory_found_through_entry_point() -> None:
    # a fresh interpreter that never imports criteria_nlp: spaCy must find the factory itself
    code = (
        "import spacy; nlp = spacy.blank('en'); nlp.add_pipe('criteria_segmenter'); "
        "doc = nlp('Exclusion Criteria:\\n- Pregnancy\\n'); print(doc._.criteria[0]['kind'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "exclusion"


def test_segment_component_sets_doc_results(nlp: spacy.language.Language) -> None:
    doc = nlp(TEXT)
    assert [c["text"] for c in doc._.criteria] == ["Age 18-65 years", "SLEDAI-2K ≥ 6", "Pregnancy"]
    spans = doc.spans["criteria"]
    assert [(s.text, s.label_, s.id_) for s in spans] == [
        ("Age 18-65 years", "inclusion", "c1"),
        ("SLEDAI-2K ≥ 6", "inclusion", "c2"),
        ("Pregnancy", "exclusion", "c3"),
    ]
    # each criterion is one sentence, so sentence-scoped components never cross criteria
    sents = {s.text for s in doc.sents}
    assert {"Age 18-65 years", "SLEDAI-2K ≥ 6", "Pregnancy"} <= sents
    json.dumps(doc._.criteria)  # extension values are plain JSON


def test_segment_component_uses_default_kind(nlp: spacy.language.Language) -> None:
    doc = nlp.make_doc("No prior dialysis\nAge over 18\n")
    doc._.default_kind = "exclusion"
    doc = nlp(doc)
    assert {c["kind"] for c in doc._.criteria} == {"exclusion"}


def test_segment_component_round_trips_to_disk(nlp: spacy.language.Language, tmp_path: Path) -> None:
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "criteria_segmenter" / "segmenter.json").exists()
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded(TEXT)._.criteria == nlp(TEXT)._.criteria


def test_segment_component_initialize_with_custom_rules(tmp_path: Path) -> None:
    rules = SegmenterRules.load().model_dump()
    rules["inclusion_keywords"].append("admission")
    path = tmp_path / "rules.json"
    srsly.write_json(path, rules)
    nlp = spacy.blank("en")
    seg = nlp.add_pipe("criteria_segmenter")
    seg.initialize(rules_path=str(path))
    doc = nlp("Admission criteria:\n- Adults\n")
    assert doc._.criteria[0]["kind"] == "inclusion"


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("{not json", "segmenter"),
        ('{"name": "segmenter"}', "segmenter"),
    ],
)
def test_segment_invalid_rules_raise_resource_error(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "segmenter.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ResourceError) as err:
        SegmenterRules.load(path)
    assert err.value.code == "X001" and str(path) in str(err.value)


def test_segment_invalid_pattern_raises_resource_error(tmp_path: Path) -> None:
    rules = SegmenterRules.load().model_dump()
    rules["boilerplate"].append("(unclosed")
    path = tmp_path / "segmenter.json"
    srsly.write_json(path, rules)
    with pytest.raises(ResourceError):
        SegmenterRules.load(path)
