"""The coder component's open-vocabulary fallback (issue 25): a code with its score and the entry it matched,
and a weak or catch-all match flagged for review instead of kept."""

from __future__ import annotations

from typing import Any

import pytest
import spacy
from spacy.tokens import Doc, Span

from criteria_nlp.coder import CriteriaCoder
from criteria_nlp.extensions import entity_data


@pytest.fixture(scope="module")
def coder() -> CriteriaCoder:
    component = CriteriaCoder(spacy.blank("en"), deep=True, vocab_fallback=True)
    component.initialize()
    return component


def test_coder_fallback_codes_word_order_and_modifiers(coder: CriteriaCoder) -> None:
    concept, coding = coder.code("CONDITION", "renal insufficiency, chronic")
    assert concept is not None and concept["code"] == "N18.9"  # not N19, the "renal insufficiency" inside it
    concept, coding = coder.code("CONDITION", "chronic kidney disease stage 3b")
    assert concept is not None and concept["code"] == "N18.32"


def test_coder_fallback_records_score_and_entry(coder: CriteriaCoder) -> None:
    concept, coding = coder.code("CONDITION", "renal insufficiency, chronic")
    assert coding is not None and coding["source"] == "vocab_index"
    assert coding["entry"] == "chronic renal insufficiency" and coding["score"] >= coder.thresholds["CONDITION"]
    assert concept is not None and concept["code"] == coding["code"] and "review" not in coding
    concept, coding = coder.code("CONDITION", "decompensated liver cirrhosis")  # a lexicon term: no index record
    assert concept is not None and concept["code"] == "K74.60" and coding is None


def test_coder_fallback_flags_weak_and_catch_all_matches(coder: CriteriaCoder) -> None:
    concept, coding = coder.code("CONDITION", "medical condition")
    assert concept is None and coding is not None and "catch-all" in coding["review"]
    concept, coding = coder.code("DRUG", "ZR")  # an abbreviation no entry names: n-grams say nothing of it
    assert concept is None and coding is not None and "only approximately" in coding["review"]
    concept, coding = coder.code("CONDITION", "zzqx blorf")
    assert concept is None and (coding is None or "review" in coding)


def test_coder_fallback_off_keeps_the_lexicon_coding() -> None:
    component = CriteriaCoder(spacy.blank("en"))
    component.initialize()
    assert component.code("CONDITION", "medical condition")[1] is None


def test_coder_fallback_sets_entity_data(coder: CriteriaCoder) -> None:
    nlp = coder.nlp
    doc = nlp.make_doc("History of renal insufficiency, chronic")
    doc.ents = [Span(doc, 2, 6, label="CONDITION")]
    data: list[dict[str, Any]] = entity_data(doc)
    assert isinstance(coder(doc), Doc)
    assert data[0]["concept"] is not None and data[0]["coding"]["source"] == "vocab_index"


def test_coder_fallback_rejects_entries_that_only_share_syllables_or_say_more(coder: CriteriaCoder) -> None:
    """'therapy' is not 'chemotherapy'; 'treatment' is not 'dental treatment': such matches are flagged."""
    from criteria_nlp.coder import says_more, shares_word

    assert not shares_word("therapy", "chemotherapy") and shares_word("transfusions", "blood transfusion")
    assert not shares_word("Nuss procedure", "MRI procedure")
    assert says_more("dental treatment", "treatment") and not says_more("surgical procedure", "surgical")
    assert not says_more("chronic renal insufficiency", "renal insufficiency, chronic")
    concept, coding = coder.code("PROCEDURE", "treatment")
    assert concept is None and coding is not None and "narrower" in coding["review"]
    concept, coding = coder.code("PROCEDURE", "chemotherapy")  # the name without its '(procedure)' tag
    assert concept is not None and concept["code"] == "proc:chemotherapy"


def test_coder_fallback_loads_its_indexes_on_first_use_when_not_initialised() -> None:
    component = CriteriaCoder(spacy.blank("en"), vocab_fallback=True, fallback_labels=["PROCEDURE"])
    concept, _ = component.code("PROCEDURE", "chemotherapy")
    assert concept is not None and component._indexes is not None and set(component._indexes) == {"PROCEDURE"}
    assert component.code("CONDITION", "zzqx blorf") == (None, None)  # no condition index: nothing recorded


def test_coder_fallback_prefers_a_named_kind_to_a_catch_all_inside_the_mention(coder: CriteriaCoder) -> None:
    # the lexicon finds only "infection" (B99.9) inside; the index names syphilis
    concept, coding = coder.code("CONDITION", "syphilis infection")
    assert concept is not None and concept["code"] == "A53.9" and coding is not None
    # a whole lexicon term keeps its code, catch-all or not
    concept, coding = coder.code("CONDITION", "infection")
    assert concept is not None and concept["code"] == "B99.9" and coding is None


def test_coder_fallback_rejects_an_entry_that_swaps_a_word(coder: CriteriaCoder) -> None:
    concept, coding = coder.code("CONDITION", "idiosyncratic reaction")  # nearest: "idiosyncratic asthma" (J45)
    assert concept is None and coding is not None and "another word" in coding["review"]


@pytest.mark.parametrize(("label", "mention", "code"), [
    ("DRUG", "PI", "J05AE"),    # coded-only abbreviations: coded when the NER finds them ...
    ("DRUG", "NAs", "J05AF"),
    ("DRUG", "PEG", "A06AD15"),
    ("DRUG", "probiotic", "A07FA"),
    ("DRUG", "ICS/LABA", "R03AK"),
    ("CONDITION", "osteosarcoma", "C40-C41"),
    ("CONDITION", "hepatic insufficiency", "K72.90"),
    ("CONDITION", "paroxysmal atrial fibrillation", "I48.0"),
])
def test_coder_fallback_codes_vocabulary_corrections(coder: CriteriaCoder, label: str, mention: str, code: str) -> None:
    concept, _ = coder.code(label, mention)
    assert concept is not None and concept["code"] == code


def test_coder_coded_only_forms_are_not_tagged() -> None:
    from criteria_nlp import Analyzer

    doc = Analyzer(pipeline="fast").nlp("Patients judged unfit by the PI. No PEG tube.")
    assert [(e.text, e.label_) for e in doc.ents if e.text in ("PI", "PEG")] == []


def test_coder_fallback_review_reaches_the_entity_and_the_rule() -> None:
    from criteria_nlp import Analyzer, TrialAnalysis

    analysis = Analyzer(pipeline="default")("Exclusion Criteria:\n- Prior zorbulimab\n- Known renal insufficiency, chronic\n")
    flagged = [e for e in analysis.entities if e.coding is not None and e.coding.review]
    assert flagged and all(e.concept is None and e.coding is not None and e.coding.entry for e in flagged)
    by_entity = {r.entity: r for r in analysis.rules}
    for entity in flagged:
        rule = by_entity[entity.id]
        assert not rule.computable and rule.reason == f"left for review: {entity.coding.review}"  # type: ignore[union-attr]
    assert TrialAnalysis.from_dict(analysis.to_dict()) == analysis


@pytest.mark.parametrize(("label", "mention", "code"), [
    ("DRUG", "cephalosporins", "drug:cephalosporins"),        # not every antibiotic (J01)
    ("DRUG", "3rd generation cephalosporins", "J01DD"),
    ("DRUG", "beta-lactam antibiotics", "drug:beta-lactams"),
    ("DRUG", "glycopeptides", "J01XA"),
    ("DRUG", "Ca channel blockers", "C08"),
    ("LAB", "AP", "6768-6"),                                  # coded only: alkaline phosphatase
])
def test_coder_drug_and_lab_vocabulary(coder: CriteriaCoder, label: str, mention: str, code: str) -> None:
    concept, _ = coder.code(label, mention)
    assert concept is not None and concept["code"] == code


def test_coder_fallback_broader_entry_keeps_its_code_marked_narrower(coder: CriteriaCoder) -> None:
    concept, coding = coder.code("CONDITION", "essential palatal tremor")  # nearest: "Essential tremor" (G25.0)
    assert concept is not None and concept["code"] == "G25.0"
    assert coding is not None and coding["narrower"] == "palatal" and "review" not in coding
    concept, coding = coder.code("CONDITION", "renal insufficiency, chronic")  # the same words: nothing left out
    assert coding is not None and "narrower" not in coding


def test_coder_fallback_narrower_rule_is_unknown_for_the_broader_code() -> None:
    import datetime as dt

    import pandas as pd

    import criteria_nlp
    from criteria_nlp import Analyzer

    analysis = Analyzer(pipeline="default")("Inclusion Criteria:\n- essential palatal tremor\n"
                                            "Exclusion Criteria:\n- essential tremor\n- stroke\n")
    (required,) = [r for r in analysis.rules if r.polarity == "require" and r.category == "condition"]
    assert required.concept is not None and required.concept.code == "G25.0" and required.narrower == "palatal"
    # a requirement coded broader than it reads does not make "essential tremor" the trial's own population
    (excluded,) = [r for r in analysis.rules if r.evidence == "essential tremor"]
    assert excluded.computable
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 60, "sex": "male", "conditions": [{"code": "G25.0"}]}
    result = criteria_nlp.match(patient, analysis)
    outcome = {r.rule: r for r in result.rules}[required.id]
    assert outcome.result == "unknown" and "broader" in outcome.reason
    table = pd.DataFrame({"patient_id": ["a"], "age": [60], "sex": ["male"], "conditions": ["G25.1"]})
    assert criteria_nlp.screen(table, analysis, as_of=dt.date(2026, 3, 1))["verdict"].tolist() == ["ineligible"]


@pytest.mark.parametrize(("mention", "narrower"), [
    ("squamous cell carcinoma", "squamous cell"),   # found as any carcinoma
    ("hemorrhagic cystitis", "cystitis"),           # found as hemorrhage: the head noun is left out
    ("known HIV infection", None),                  # certainty, not kind
    ("severe hypertension", None),                  # a qualifier: the rule carries it
    ("hypertension", None),                         # the lexicon names it whole
])
def test_coder_lexicon_term_inside_marks_narrower(mention: str, narrower: str | None) -> None:
    component = CriteriaCoder(spacy.blank("en"), deep=True)
    component.initialize()
    concept, coding = component.code("CONDITION", mention)
    assert concept is not None
    assert (coding or {}).get("narrower") == narrower


def test_coder_lexicon_narrower_rule_is_unknown() -> None:
    import datetime as dt

    import criteria_nlp
    from criteria_nlp import Analyzer

    analysis = Analyzer(pipeline="fast")("Exclusion Criteria:\n- Hemorrhagic cystitis\n")
    rules = [r for r in analysis.rules if r.category == "condition" and r.computable]
    assert rules and all(r.narrower for r in rules)
    patient = {"id": "p", "as_of": dt.date(2026, 3, 1), "age": 60, "sex": "male", "conditions": [{"code": "R58"}]}
    assert criteria_nlp.match(patient, analysis).verdict == "indeterminate"  # a bleeding is not a cystitis
