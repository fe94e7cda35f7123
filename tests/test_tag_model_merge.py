"""How the tagger merges a statistical NER's spans (``doc.ents`` before it runs) with its curated ones."""

from __future__ import annotations

import re
from typing import Callable, Iterable, Iterator

import pytest
from spacy.language import Language
from spacy.tokens import Doc, Span

from criteria_nlp.extensions import entity_data

TEXT = "Exclusion Criteria:\n1. Chronic infections, including hepatitis B/C\n2. No serious infection or acute hemorrhage"


def tag_with_model_spans(nlp: Language, spans: list[tuple[str, str]], text: str = TEXT) -> Doc:
    """Run the pipeline on ``text`` with ``spans`` (text, label) standing in for a statistical NER before the tagger."""
    doc = nlp.make_doc(text)
    for name, component in nlp.pipeline:
        if name == "criteria_tagger":
            ents = []
            for span_text, label in spans:
                match = re.search(rf"(?<!\w){re.escape(span_text)}(?!\w)", text)  # the first whole-word occurrence
                assert match is not None
                start = match.start()
                span = doc.char_span(start, start + len(span_text), label=label)
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


@pytest.mark.parametrize("first", [(), ("CONDITION",)])
@pytest.mark.parametrize("span", ["hepatitis B/C", "Chronic infections, including hepatitis B"])
def test_tag_model_span_joining_coordinated_terms_gives_way(
    nlp: Language, model_first: Callable[[Iterable[str]], None], span: str, first: tuple[str, ...]
) -> None:
    """One span over "hepatitis B/C" would carry hepatitis B's code alone: each conjunct keeps its own."""
    model_first(first)
    result = found(tag_with_model_spans(nlp, [(span, "CONDITION")]))
    assert span not in result
    assert result["hepatitis B"] == ("CONDITION", "lexicon", "B18.1")
    assert result["C"] == ("CONDITION", "lexicon", "B18.2")


DRUG_TEXT = "Exclusion Criteria:\n1. Treatment with oral acyclovir or midazolam"


@pytest.mark.parametrize(
    ("span", "label", "kept"),
    [
        # a longer DRUG span from the model keeps the code of the drug vocabulary's term inside
        ("oral acyclovir", "DRUG", "oral acyclovir"),
        # a model span calling a coded drug term something else gives way to it
        ("midazolam", "CONDITION", "midazolam"),
    ],
)
def test_tag_model_span_over_a_drug_term_keeps_its_code(nlp: Language, span: str, label: str, kept: str) -> None:
    result = found(tag_with_model_spans(nlp, [(span, label)], DRUG_TEXT))
    assert result[kept][0] == "DRUG"
    assert result[kept][2] is not None  # the drug vocabulary's code, before the coder runs


MEASURE_TEXT = (
    "Inclusion Criteria:\n1. Spleen stiffness of 40 kPa or more\n2. Oxford knee score of 4 or less\n"
    "3. Pulmonic orifice area below 1 cm2\n4. Stiffness of the knee"
)


@pytest.mark.parametrize(
    ("span", "label", "expected"),
    [
        # a statistical span ending in a measurement head is a measurement, whatever the model's label
        ("Spleen stiffness", "CONDITION", "LAB"),
        ("Oxford knee score", "CONDITION", "LAB"),
        ("Pulmonic orifice area", "PROCEDURE", "LAB"),
        # a head alone says nothing of what is measured: the model's label stands
        ("Stiffness", "CONDITION", "CONDITION"),
    ],
)
def test_tag_model_span_ending_in_a_measurement_head_is_a_lab(nlp: Language, span: str, label: str, expected: str) -> None:
    result = found(tag_with_model_spans(nlp, [(span, label)], MEASURE_TEXT))
    assert result[span][:2] == (expected, "model")


@pytest.fixture
def model_first(nlp: Language) -> Iterator[Callable[[Iterable[str]], None]]:
    """Set the tagger's ``model_first`` labels for one test, then put the configured ones back."""
    tagger = nlp.get_pipe("criteria_tagger")
    configured = tagger.model_first

    def set_labels(labels: Iterable[str]) -> None:
        tagger.model_first = frozenset(labels)

    yield set_labels
    tagger.model_first = configured


@pytest.mark.parametrize(
    ("span", "code", "first", "source"),
    [
        # longer than the curated "hemorrhage": its boundaries, the curated code, whatever the order
        ("acute hemorrhage", "R58", (), "model"),
        ("acute hemorrhage", "R58", ("CONDITION",), "model"),
        # as long as a curated span: the curated one wins unless CONDITION is placed model-first
        ("serious infection", "B99.9", (), "lexicon"),
        ("serious infection", "B99.9", ("CONDITION",), "model"),
    ],
)
def test_tag_model_span_of_the_same_label_keeps_the_inner_code(
    nlp: Language, model_first: Callable[[Iterable[str]], None], span: str, code: str, first: tuple[str, ...], source: str
) -> None:
    model_first(first)
    plain = found(tag_with_model_spans(nlp, []))
    inner = next(text for text in plain if text in span and plain[text][0] == "CONDITION")
    assert plain[inner][2] == code
    result = found(tag_with_model_spans(nlp, [(span, "CONDITION")]))
    assert result[span] == ("CONDITION", source, code)


@pytest.mark.parametrize(("first", "expected"), [((), "serious infection"), (("CONDITION",), "infection")])
def test_tag_model_first_span_inside_a_curated_term_draws_the_boundary(
    nlp: Language, model_first: Callable[[Iterable[str]], None], first: tuple[str, ...], expected: str
) -> None:
    """"infection" inside the curated "serious infection": model-first keeps the model's boundary and the term's code."""
    model_first(first)
    result = found(tag_with_model_spans(nlp, [("infection", "CONDITION")]))
    assert expected in result
    assert result[expected][0] == "CONDITION" and result[expected][2] == "B99.9"


def test_tag_model_first_span_cutting_a_coded_term_keeps_the_usual_order(
    nlp: Language, model_first: Callable[[Iterable[str]], None]
) -> None:
    """A model span that cuts the curated "hepatitis B" in two ("including hepatitis") does not go first."""
    model_first(("CONDITION",))
    result = found(tag_with_model_spans(nlp, [("including hepatitis", "CONDITION")]))
    assert "including hepatitis" not in result
    assert result["hepatitis B"][2] == "B18.1"


def test_tag_model_first_rejects_unknown_labels(nlp: Language) -> None:
    from criteria_nlp.errors import ResourceError
    from criteria_nlp.tag import CriteriaTagger

    with pytest.raises(ResourceError, match=r"\[X004\].*INFECTION"):
        CriteriaTagger(nlp, "criteria_tagger", model_first=["INFECTION"])
    tagger = CriteriaTagger(nlp, "criteria_tagger")
    with pytest.raises(ResourceError, match=r"\[X004\].*criteria_tagger.model_first.*GENE"):
        tagger.set_model_first(["CONDITION", "GENE"])  # as models/scripts/evaluate_valid.py --model-first sets it
    assert tagger.model_first == frozenset({"CONDITION", "PROCEDURE"})  # unchanged by the refused setting
    tagger.set_model_first(["DRUG"])
    assert tagger.model_first == frozenset({"DRUG"})


VALUE_TEXT = (
    "Inclusion Criteria:\n1. Age = 18 years old\n2. eGFR < 60 mL /min /1,73m\n3. Platelets <75,000 per microL\n"
    "4. Children 1 day to less than 18 years\n5. Lupus nephritis class >3\n6. Stenosis > stage II of Leriche\n"
    "7. Blood pressure >180 systolic\n8. Creatinine > 2 (see note"
)


@pytest.mark.parametrize(
    ("model_span", "expected"),
    [
        # the model's boundary takes in what the value parser does not read: the value grows to it
        ("= 18 years old", "= 18 years old"),
        ("< 60 mL /min /1,73m", "< 60 mL /min /1,73m"),
        ("<75,000 per microL", "<75,000 per microL"),
        ("1 day to less than 18 years", "1 day to less than 18 years"),
        # not grown: a word without a digit to the left, a preposition or a curated term to the right,
        # unbalanced brackets
        ("class >3", ">3"),
        ("> stage II of Leriche", "> stage II"),
        (">180 systolic", ">180"),
        ("> 2 (see", "> 2"),
    ],
)
def test_tag_parsed_value_grows_to_the_model_value_span(nlp: Language, model_span: str, expected: str) -> None:
    doc = tag_with_model_spans(nlp, [(model_span, "VALUE")], VALUE_TEXT)
    data = entity_data(doc)
    values = {e.text: data[i] for i, e in enumerate(doc.ents) if e.label_ == "VALUE"}
    assert expected in values
    assert values[expected]["source"] == "values"  # the parser's value, whatever the boundary
    assert values[expected]["value"] is not None
