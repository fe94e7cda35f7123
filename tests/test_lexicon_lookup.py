"""Normalised lookup of surface forms in the lexicon."""

from __future__ import annotations

import pytest

from criteria_nlp.lexicon import Lexicon, normalize, tokens


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.load()


@pytest.mark.parametrize(
    "forms",
    [
        ("anti-dsDNA", "anti dsDNA", "Anti-ds-DNA", "anti ds DNA", "ANTI-DSDNA", "anti\u2010dsDNA"),
        ("breastfeeding", "breast-feeding", "breast feeding", "Breast\u2013feeding"),
        ("Parkinson's disease", "Parkinsons disease", "Parkinson\u2019s disease", "Parkinson disease"),
        ("Sjögren's syndrome", "Sjogren's syndrome"),
        ("β2-glycoprotein I", "beta-2 glycoprotein I", "beta 2 glycoprotein I"),
        ("platelets", "platelet", "Platelets"),
        ("allergies", "allergy"),
        ("TIAs", "TIA"),
        ("the informed consent", "informed consent"),
    ],
)
def test_lexicon_normalize_unifies_forms(forms: tuple[str, ...]) -> None:
    assert len({normalize(f) for f in forms}) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [("CDRS", "CDR"), ("AIDS", "aid"), ("lupus", "lupu"), ("pancreas", "pancrea"), ("diabetes mellitus", "diabetes")],
)
def test_lexicon_normalize_keeps_distinct_forms_apart(a: str, b: str) -> None:
    assert normalize(a) != normalize(b)


def test_lexicon_tokens() -> None:
    assert tokens("Anti-ds-DNA antibodies") == ["anti", "ds", "dna", "antibody"]
    assert tokens("") == []


@pytest.mark.parametrize(
    ("text", "label", "entry_id"),
    [
        ("dsDNA", "LAB", "lab:anti-dsdna"),
        ("anti-double stranded DNA", "LAB", "lab:anti-dsdna"),
        ("LVEF", "LAB", "lab:lvef"),
        ("left ventricular ejection fraction", "LAB", "lab:lvef"),
        ("SGPT", "LAB", "lab:alt"),
        ("transaminases", "LAB", "lab:transaminases"),
        ("hs-CRP", "LAB", "lab:hs-crp"),
        ("SELENA SLEDAI", "SCORE", "score:SELENA-SLEDAI"),
        ("MEX-SLEDAI", "SCORE", "score:MEX-SLEDAI"),
        ("lupus nephritis class IV", "CONDITION", "cond:lupus-nephritis"),
        ("breast-feeding", "CONDITION", "cond:lactation"),
        ("MMF", "DRUG", "drug:mycophenolate"),
        ("HCQ", "DRUG", "drug:hydroxychloroquine"),
        ("TNF-α inhibitors", "DRUG", "drug:tnf-inhibitors"),
        ("peritoneal dialysis", "PROCEDURE", "proc:peritoneal-dialysis"),
        # scores on other scales than the one they resemble are their own concepts, so thresholds are not compared across them
        ("qSOFA", "SCORE", "score:QSOFA"),
        ("SOFA score", "SCORE", "score:SOFA"),
        ("mSOFA", "SCORE", "score:MSOFA"),
        ("ISUP grade group", "SCORE", "score:ISUP-GRADE-GROUP"),
        ("Gleason score", "SCORE", "score:GLEASON"),
        ("RANO criteria", "SCORE", "score:RANO"),
        ("irRC", "SCORE", "score:IRRC"),
        ("RECIST 1.1", "SCORE", "score:RECIST"),
        ("chemotherapy", "DRUG", "drug:chemotherapy"),
        ("anticancer therapy", "DRUG", "drug:antineoplastics"),  # broader than chemotherapy
        ("targeted therapy", "DRUG", "drug:antineoplastics"),
        ("anticoagulants", "DRUG", "drug:anticoagulants"),
        ("antithrombotic therapy", "DRUG", "drug:antithrombotics"),  # anticoagulants and antiplatelets
        ("cardioversion", "PROCEDURE", "proc:cardioversion"),  # not a catheter ablation
        ("right heart catheterization", "PROCEDURE", "proc:right-heart-catheterization"),  # not a coronary angiography
        ("revascularization", "PROCEDURE", "proc:coronary-revascularization"),  # PCI or CABG
        ("CABG", "PROCEDURE", "proc:cabg"),
        ("leukapheresis", "PROCEDURE", "proc:leukapheresis"),  # not plasmapheresis
        ("biopsy-proven", "PROCEDURE", "proc:biopsy"),  # "biopsy-proven carcinoid tumors" is no kidney biopsy
        ("biopsy confirmed", "PROCEDURE", "proc:biopsy"),
        ("renal biopsy-proven", "PROCEDURE", "proc:renal-biopsy"),
        ("WOCBP", "OBSERVATION", "obs:childbearing-potential"),
        ("ICD", "DEVICE", "dev:icd"),
        # a bare "DM" is diabetes mellitus; a document defining "Dermatomyositis (DM)" overrides it (the tagger)
        ("DM", "CONDITION", "cond:diabetes"),
    ],
)
def test_lexicon_lookup(text: str, label: str, entry_id: str, lex: Lexicon) -> None:
    entry = lex.lookup(text, label)
    assert entry is not None and entry.id == entry_id


@pytest.mark.parametrize(
    ("text", "label"),
    [("CDAI", "SCORE"), ("AS", "CONDITION"), ("no such thing", "LAB"), ("", None), ("positive dsDNA", "LAB")],
)
def test_lexicon_lookup_none_when_ambiguous_or_absent(text: str, label: str | None, lex: Lexicon) -> None:
    assert lex.lookup(text, label) is None


def test_lexicon_lookup_ambiguous_lists_all(lex: Lexicon) -> None:
    ids = {e.id for e in lex.lookup_all("CDAI", "SCORE")}
    assert ids == {"score:CDAI-RA", "score:CDAI-CROHN"}


@pytest.mark.parametrize(
    ("key", "entry_id"),
    [("lab:creatinine", "lab:creatinine"), ("2160-0", "lab:creatinine"), ("serum creatinine", "lab:creatinine"),
     ("10230-1", "lab:lvef")],
)
def test_lexicon_lab(key: str, entry_id: str, lex: Lexicon) -> None:
    entry = lex.lab(key)
    assert entry is not None and entry.id == entry_id


@pytest.mark.parametrize(
    ("key", "entry_id"),
    [("SLEDAI-2K", "score:SLEDAI-2K"), ("score:ECOG", "score:ECOG"), ("Karnofsky performance status", "score:KPS"),
     ("ACR 1997 criteria", "score:ACR-1997")],
)
def test_lexicon_score(key: str, entry_id: str, lex: Lexicon) -> None:
    entry = lex.score(key)
    assert entry is not None and entry.id == entry_id
    assert lex.score("serum creatinine") is None


def test_lexicon_terms_each_form_once(lex: Lexicon) -> None:
    pairs = list(lex.terms("LAB"))
    keys = [(normalize(t), e.id) for t, e in pairs]
    assert len(keys) == len(set(keys))
    assert ("dsDNA", "lab:anti-dsdna") in {(t, e.id) for t, e in pairs}
    assert {e.label for _, e in pairs} == {"LAB"}
    assert len(list(lex.terms())) > len(pairs)


@pytest.mark.parametrize(
    ("text", "label", "entry_id"),
    [
        ("Class 3 or 4 resistant lupus nephritis", "CONDITION", "cond:lupus-nephritis"),
        ("positive dsDNA", "LAB", "lab:anti-dsdna"),
        ("history of heart attack within 6 months", "CONDITION", "cond:mi"),
        ("QTc interval > 450 ms", "LAB", "lab:qtc"),
    ],
)
def test_lexicon_find_longest_contained_term(text: str, label: str, entry_id: str, lex: Lexicon) -> None:
    hit = lex.find(text, label)
    assert hit is not None and hit[0].id == entry_id


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("QTc > 450 ms", "CONDITION"),  # "ms" in lower case is not multiple sclerosis
        ("thought disorder", "CONDITION"),  # generic "disorder" codes only a whole mention
        ("drug abuse", "DRUG"),  # generic "drug" likewise
    ],
)
def test_lexicon_find_skips_short_words_and_generic_forms(text: str, label: str, lex: Lexicon) -> None:
    assert lex.find(text, label) is None


@pytest.mark.parametrize(("form", "entry_id"), [("MG", "cond:myasthenia"), ("MM", "cond:multiple-myeloma"),
                                                ("PT", "lab:pt"), ("PE", "cond:pe"), ("MAP", "lab:map")])
def test_lexicon_case_sensitive_acronyms(form: str, entry_id: str, lex: Lexicon) -> None:
    entry = lex.get(entry_id)
    assert entry.is_case_sensitive(form)
    assert not entry.is_case_sensitive(entry.name)


def test_lexicon_short_word_like_forms_are_case_sensitive(lex: Lexicon) -> None:
    # words and units: "24 hrs urine collection" is not hepatorenal syndrome, "8-12 Hz" not herpes zoster
    words = {"as", "ad", "he", "pe", "mm", "mg", "pt", "add", "all", "map", "ms", "pd", "cd", "ra",
             "hr", "hrs", "hz", "min", "sec", "kg", "ml", "dl", "iu"}
    for term, entry in lex.terms():
        if term.lower() in words and term != term.lower():
            assert entry.is_case_sensitive(term), (entry.id, term)
