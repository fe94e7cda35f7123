"""Elided coordinations: "liver and kidney disease" names liver disease and kidney disease.

Each conjunct becomes an entity of its own on its own token (Chia annotates the
elided "liver ... disease" as a discontinuous entity), coded with the term it
makes with the shared head; the tagged term keeps its span and code.
"""

from __future__ import annotations

import pytest

from criteria_nlp import Analyzer


def _coded(analyzer: Analyzer, text: str) -> list[tuple[str, str | None]]:
    analysis = analyzer(f"Exclusion Criteria:\n- {text}\n")
    return [(e.text, e.concept.code if e.concept else None) for e in analysis.entities
            if e.label in ("CONDITION", "PROCEDURE")]


@pytest.mark.parametrize(("text", "expected"), [
    ("Severe heart attack, liver and kidney disease following serious complications",
     [("heart attack", "I21.9"), ("liver", "K76.9"), ("kidney disease", "N28.9"), ("complications", "T88.9XXA")]),
    ("heart, liver or kidney failure", [("heart", "I50.9"), ("liver", "K72.90"), ("kidney failure", "N19")]),
    ("liver, kidney or metabolic disease", [("liver", "K76.9"), ("kidney", "N28.9"), ("metabolic disease", "E88.9")]),
    # the word makes a term with the rest of the tagged one, where it can: acute renal failure, not "acute failure"
    ("acute or chronic renal failure", [("acute", "N17.9"), ("chronic renal failure", "N18.9")]),
    # a word tagged alone takes the code of the term it makes with the head: cardiac failure, not cardiac disease
    ("cardiac or renal failure", [("cardiac", "I50.9"), ("renal failure", "N19")]),
    ("kidney or liver transplant", [("kidney", "proc:kidney-transplant"), ("liver transplant", "proc:liver-transplant")]),
    # infections, ulcers, carcinomas and other heads are shared the same way (each kind keeps its own code:
    # a bacterial infection is not any infection)
    ("uncontrolled bacterial, viral, or fungal infection",
     [("bacterial", "A49.9"), ("viral", "B34.9"), ("fungal infection", "B49")]),
    ("active peptic or duodenal ulcer", [("peptic", "K27.9"), ("duodenal ulcer", "K26.9")]),
    ("Hodgkin or non-Hodgkin lymphoma", [("Hodgkin", "C81.90"), ("non-Hodgkin lymphoma", "C85.90")]),
])
def test_tag_coordination_each_conjunct_is_coded(analyzer: Analyzer, text: str, expected: list[tuple[str, str]]) -> None:
    assert _coded(analyzer, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a list, not an elision: the first step from the term holds no conjunction
    ("cardiac, congestive heart failure", [("cardiac", "I51.9"), ("congestive heart failure", "I50.9")]),
    # "bleeding" repeats the term's own word: bleeding, and bleeding disorders
    ("severe bleeding or bleeding disorders", [("bleeding", "R58"), ("bleeding disorders", "D68.9")]),
    # "moderate renal impairment" is the concept of the tagged term again: nothing to add
    ("moderate or severe renal impairment", [("severe renal impairment", "N19")]),
    # no lexicon term "diabetes disease": diabetes stays diabetes
    ("diabetes or kidney disease", [("diabetes", "E08-E13"), ("kidney disease", "N28.9")]),
])
def test_tag_coordination_leaves_lists_and_repeats_alone(analyzer: Analyzer, text: str, expected: list[tuple[str, str]]) -> None:
    assert _coded(analyzer, text) == expected
