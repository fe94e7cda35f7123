"""How the tagger merges a statistical NER's spans (``doc.ents`` before it runs) with its curated ones."""

from __future__ import annotations

import pytest
from spacy.language import Language
from spacy.tokens import Doc, Span

from criteria_nlp.extensions import entity_data

TEXT = "Exclusion Criteria:\n1. Chronic infections, including hepatitis B/C\n2. No serious infection or acute hemorrhage"


def tag_with_model_spans(nlp: Language, spans: list[tuple[str, str]]) -> Doc:
    """Run the pipeline with ``spans`` (text, label) standing in for a statistical NER before the tagger."""
    doc = nlp.make_doc(TEXT)
    for name, component in nlp.pipeline:
        if name == "criteria_tagger":
            ents = []
            for text, label in spans:
                start = TEXT.index(text)
                span = doc.char_span(start, start + len(text), label=label)
                assert span is not None
                ents.append(span)
            doc.ents = ents
        doc = component(doc)
    return doc


def found(doc: Doc) -> dict[str, tuple[str, str, object]]:
    data = entity_data(doc)
    return {e.text: (e.label_, data[i].get("source"), (data[i].get("concept") or {}).get("code")) for i, e in enumerate(doc.ents)}


def test_tag_model_span_with_another_label_than_a_coded_term_gives_way(nlp: Language) -> None:
    result = found(tag_with_model_spans(nlp, [("hepatitis B/C", "LAB")]))
    assert "hepatitis B/C" not in result
    assert result["hepatitis B"][0] == "CONDITION" and result["hepatitis B"][2] == "B18.1"


@pytest.mark.parametrize(
    ("span", "code", "source"),
    [
        ("acute hemorrhage", "R58", "model"),  # longer than the curated "hemorrhage": its boundaries, the curated code
        ("serious infection", "B99.9", "lexicon"),  # as long as a curated span: the curated one wins
    ],
)
def test_tag_model_span_of_the_same_label_keeps_the_inner_code(nlp: Language, span: str, code: str, source: str) -> None:
    plain = found(tag_with_model_spans(nlp, []))
    inner = next(text for text in plain if text in span and plain[text][0] == "CONDITION")
    assert plain[inner][2] == code
    result = found(tag_with_model_spans(nlp, [(span, "CONDITION")]))
    assert result[span] == ("CONDITION", source, code)
