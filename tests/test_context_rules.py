"""criteria_context: eligibility-language ConText on hand-built docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from criteria_nlp.context import ContextRules
from criteria_nlp.errors import ResourceError
from criteria_nlp.pipeline import blank


@pytest.fixture(scope="module")
def ctx_nlp() -> Language:
    nlp = blank()
    nlp.add_pipe("criteria_segmenter")
    nlp.add_pipe("criteria_context")
    return nlp


def _doc(nlp: Language, text: str, ents: list[tuple[str, str]]) -> Doc:
    """Segment ``text``, set the given entities by hand, run ConText."""
    doc = nlp.get_pipe("criteria_segmenter")(nlp.make_doc(text))
    spans = []
    for ent_text, label in ents:
        start = text.index(ent_text)
        span = doc.char_span(start, start + len(ent_text), label=label)
        assert span is not None, ent_text
        spans.append(span)
    doc.ents = spans
    return nlp.get_pipe("criteria_context")(doc)


def _flags(doc: Doc) -> dict[str, tuple[bool, ...]]:
    out = {}
    for e in doc.ents:
        data = e._.entity
        flags = tuple(bool(data.get(f)) for f in ("negated", "historical", "hypothetical", "family", "excepted", "uncertain"))
        # medspaCy's span attributes say the same
        assert flags[:4] == (e._.is_negated, e._.is_historical, e._.is_hypothetical, e._.is_family)
        assert flags[5] == e._.is_uncertain
        out[e.text] = flags
    return out


N, H, Y, F, X, S = (True, False, False, False, False, False), (False, True, False, False, False, False), \
    (False, False, True, False, False, False), (False, False, False, True, False, False), \
    (False, False, False, False, True, False), (False, False, False, False, False, True)
NONE = (False, False, False, False, False, False)


@pytest.mark.parametrize(
    "text,ents,expected",
    [
        ("No serious infection or acute hemorrhage", [("serious infection", "CONDITION"), ("acute hemorrhage", "CONDITION")],
         {"serious infection": N, "acute hemorrhage": N}),
        ("Patients without diabetes", [("diabetes", "CONDITION")], {"diabetes": N}),
        ("Absence of active tuberculosis", [("active tuberculosis", "CONDITION")], {"active tuberculosis": N}),
        ("Free of metastatic disease", [("metastatic disease", "CONDITION")], {"metastatic disease": N}),
        ("Must not have received rituximab", [("rituximab", "DRUG")], {"rituximab": N}),
        ("No history of seizures", [("seizures", "CONDITION")], {"seizures": N}),
        ("HIV negative", [("HIV", "CONDITION")], {"HIV": N}),
        ("History of stroke", [("stroke", "CONDITION")], {"stroke": H}),
        ("Prior treatment with cyclophosphamide", [("cyclophosphamide", "DRUG")], {"cyclophosphamide": H}),
        ("Previous myocardial infarction", [("myocardial infarction", "CONDITION")], {"myocardial infarction": H}),
        ("Planned renal transplantation", [("renal transplantation", "PROCEDURE")], {"renal transplantation": Y}),
        # what a condition is refractory to was given before, also with a duration between
        ("Fever refractory to antimicrobials", [("antimicrobials", "DRUG")], {"antimicrobials": H}),
        ("Fever refractory for greater than 72 hours and less than 84 hours to broad spectrum antimicrobials",
         [("antimicrobials", "DRUG")], {"antimicrobials": H}),
        ("Relapsed or refractory disease to first line chemotherapy", [("chemotherapy", "DRUG")], {"chemotherapy": H}),
        # ... but not what a refractory tumour is amenable to
        ("Refractory tumor amenable to treatment with paclitaxel", [("paclitaxel", "DRUG")], {"paclitaxel": NONE}),
        # suspected is not planned: the rule status "suspected" (POSSIBLE_EXISTENCE)
        ("Suspected TB", [("TB", "CONDITION")], {"TB": S}),
        ("Possible pulmonary embolism", [("pulmonary embolism", "CONDITION")], {"pulmonary embolism": S}),
        ("Likely to require dialysis", [("dialysis", "PROCEDURE")], {"dialysis": Y}),
        ("Treatment stops if progression occurs", [("progression", "CONDITION")], {"progression": Y}),
        # a condition on sex is not a hypothetical
        ("If female, a negative pregnancy test", [("pregnancy test", "LAB")], {"pregnancy test": NONE}),
        ("Family history of sudden death", [("sudden death", "CONDITION")], {"sudden death": F}),
        ("History of malignancy other than basal cell carcinoma", [("malignancy", "CONDITION"), ("basal cell carcinoma", "CONDITION")],
         {"malignancy": H, "basal cell carcinoma": X}),
        ("No malignancy except carcinoma in situ of the cervix", [("malignancy", "CONDITION"), ("carcinoma in situ", "CONDITION")],
         {"malignancy": N, "carcinoma in situ": X}),
        ("Transaminases greater than 2 times normal unless due to active lupus", [("Transaminases", "LAB"), ("active lupus", "CONDITION")],
         {"Transaminases": NONE, "active lupus": X}),
        ("Any infection, excluding onychomycosis", [("infection", "CONDITION"), ("onychomycosis", "CONDITION")],
         {"infection": NONE, "onychomycosis": X}),
        # comparators and fixed phrases are not cues
        ("Creatinine no more than 1.5 mg/dL", [("Creatinine", "LAB")], {"Creatinine": NONE}),
        ("Within 4 weeks prior to randomization: chemotherapy", [("chemotherapy", "PROCEDURE")], {"chemotherapy": NONE}),
        ("Non-small cell lung cancer", [("lung cancer", "CONDITION")], {"lung cancer": NONE}),
        # a terminator ends the scope
        ("No pneumonia, but active hepatitis", [("pneumonia", "CONDITION"), ("active hepatitis", "CONDITION")],
         {"pneumonia": N, "active hepatitis": NONE}),
    ],
)
def test_context_rules_flags(ctx_nlp: Language, text: str, ents: list[tuple[str, str]], expected: dict[str, tuple[bool, ...]]) -> None:
    assert _flags(_doc(ctx_nlp, text, ents)) == expected


def test_context_scope_never_crosses_criteria(ctx_nlp: Language) -> None:
    text = "Exclusion Criteria:\n- No prior dialysis\n- Pregnancy\n"
    doc = _doc(ctx_nlp, text, [("dialysis", "PROCEDURE"), ("Pregnancy", "CONDITION")])
    assert _flags(doc)["Pregnancy"] == NONE


def test_context_cues_are_recorded_as_json(ctx_nlp: Language) -> None:
    doc = _doc(ctx_nlp, "No history of seizures", [("seizures", "CONDITION")])
    cues = doc.ents[0]._.entity["cues"]
    assert cues == [{"category": "NEGATED_EXISTENCE", "text": "No history of", "start": 0, "end": 13}]
    json.dumps(cues)


def test_context_rules_round_trip_to_disk(ctx_nlp: Language, tmp_path: Path) -> None:
    ctx_nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    assert loaded.get_pipe("criteria_context").rules == ctx_nlp.get_pipe("criteria_context").rules


@pytest.mark.parametrize("content", ["[]", '{"name": "x", "version": "1", "context_rules": [{"literal": "no", "category": "NOPE", "direction": "FORWARD"}]}'])
def test_context_invalid_rules_raise(tmp_path: Path, content: str) -> None:
    path = tmp_path / "rules.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ResourceError) as err:
        ContextRules.load(path)
    assert err.value.code == "X001" and str(path) in str(err.value)


def test_context_negation_reaches_along_a_list_but_not_far_into_prose(ctx_nlp: Language) -> None:
    listed = _doc(ctx_nlp, "No history of congestive heart failure, myocardial infarction, stroke or unstable angina",
                  [("congestive heart failure", "CONDITION"), ("myocardial infarction", "CONDITION"),
                   ("stroke", "CONDITION"), ("unstable angina", "CONDITION")])
    assert all(flags[0] for flags in _flags(listed).values())
    prose = _doc(ctx_nlp, "No known reason to expect that the patient would be unable to tolerate prednisone",
                 [("prednisone", "DRUG")])
    assert _flags(prose)["prednisone"] == NONE
