"""code_concept: the coding every entity gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from criteria_nlp.codes import code_concept
from criteria_nlp.schema import Concept


def _check(concept: Concept | None, system: str, code: str | None = None, prefix: str | None = None) -> None:
    assert concept is not None
    assert concept.system == system
    if code is not None:
        assert concept.code == code
    if prefix is not None:
        assert concept.code.startswith(prefix), concept.code


# cases the lexicon codes on its own (fast)
@pytest.mark.parametrize(
    ("label", "text", "system", "code", "prefix"),
    [
        ("CONDITION", "systemic lupus erythematosus", "ICD-10-CM", "M32.9", "M32"),
        ("CONDITION", "SLE", "ICD-10-CM", None, "M32"),
        ("CONDITION", "active lupus nephritis", "ICD-10-CM", "M32.14", None),
        # neighbours that were synonyms of another concept have their own entries
        ("CONDITION", "cerebral arteriovenous malformation", "ICD-10-CM", "Q28.2", None),  # not an aneurysm
        ("CONDITION", "perianal fistula", "ICD-10-CM", "K60.30", None),  # not an anal fissure
        ("CONDITION", "perianal abscess", "ICD-10-CM", "K61.0", None),
        ("CONDITION", "advanced fibrosis", "ICD-10-CM", "K74.02", None),  # not cirrhosis
        ("CONDITION", "osteopenia", "ICD-10-CM", "M85.80", None),  # not osteoporosis
        ("CONDITION", "diverticular disease", "ICD-10-CM", "K57.90", None),  # not diverticulitis
        ("CONDITION", "bladder outlet obstruction", "ICD-10-CM", "N32.0", None),  # not urinary retention
        ("CONDITION", "malnutrition", "ICD-10-CM", "E46", None),  # not underweight
        ("CONDITION", "chronic venous insufficiency", "ICD-10-CM", "I87.2", None),  # not varicose veins
        ("CONDITION", "splenic dysfunction", "ICD-10-CM", "D73.9", None),  # not splenomegaly
        ("CONDITION", "cluster headache", "ICD-10-CM", "G44.00", None),  # not migraine
        ("CONDITION", "Willis-Ekbom disease", "ICD-10-CM", "G25.81", None),  # not insomnia
        ("CONDITION", "global developmental delay", "ICD-10-CM", "F88", None),  # not intellectual disability
        ("CONDITION", "vertigo", "ICD-10-CM", "R42", None),  # not hearing loss
        ("CONDITION", "nasal polyps", "ICD-10-CM", "J33.9", None),  # not allergic rhinitis
        ("CONDITION", "mucositis", "ICD-10-CM", "K12.30", None),  # not dental disease
        ("CONDITION", "age-related macular degeneration", "ICD-10-CM", "H35.30", None),  # not any eye disease
        ("CONDITION", "avascular necrosis", "ICD-10-CM", "M87.9", None),
        ("CONDITION", "herniated disc", "ICD-10-CM", "M51.9", None),
        ("CONDITION", "trisomy 21", "ICD-10-CM", "Q90.9", None),  # not any congenital anomaly
        ("CONDITION", "claustrophobic", "ICD-10-CM", "F40.240", None),  # not any anxiety disorder
        ("CONDITION", "methamphetamine dependence", "ICD-10-CM", "F15.20", None),  # not cocaine use
        ("CONDITION", "class III/IV lupus nephritis", "ICD-10-CM", "M32.14", None),
        ("CONDITION", "lupus glomerulonephritis", "ICD-10-CM", "M32.14", None),
        ("CONDITION", "hepatitis B", "ICD-10-CM", None, "B1"),
        ("CONDITION", "tuberculosis", "ICD-10-CM", None, "A1"),
        ("CONDITION", "active tuberculosis", "ICD-10-CM", "A15-A19", None),  # every site: the block, not A15.9 (respiratory)
        ("CONDITION", "latent TB", "ICD-10-CM", "Z22.7", None),
        ("CONDITION", "chronic infections", "ICD-10-CM", "B99.9", None),
        ("CONDITION", "HIV", "ICD-10-CM", "B20", None),
        ("CONDITION", "pregnancy", "ICD-10-CM", "Z33.1", None),
        ("CONDITION", "pregnant", "ICD-10-CM", "Z33.1", None),
        ("CONDITION", "lactation", "ICD-10-CM", "Z39.1", None),
        ("CONDITION", "breastfeeding", "ICD-10-CM", "Z39.1", None),
        ("CONDITION", "breast-feeding", "ICD-10-CM", "Z39.1", None),
        ("CONDITION", "malignant tumor", "ICD-10-CM", "C80.1", None),
        ("CONDITION", "congestive heart failure", "ICD-10-CM", "I50.9", None),
        ("CONDITION", "heart attack", "ICD-10-CM", "I21.9", None),
        ("CONDITION", "diabetes", "ICD-10-CM", "E08-E13", None),  # every type: the block, not E11.9 (type 2)
        ("CONDITION", "diabetes mellitus", "ICD-10-CM", "E08-E13", None),
        ("CONDITION", "type 2 diabetes", "ICD-10-CM", "E11", None),  # every type 2 diabetes, not E11.9 "without complications"
        ("CONDITION", "coronary artery disease", "ICD-10-CM", "I20-I25", None),  # not I25.10 "without angina"
        ("CONDITION", "hepatitis B carrier", "ICD-10-CM", "B18.1", None),  # B18.1 includes "Carrier of viral hepatitis B"
        ("CONDITION", "hepatitis", "ICD-10-CM", "K75.9", None),  # "Hepatitis NOS", not viral hepatitis
        ("CONDITION", "acute severe hepatitis", "ICD-10-CM", "B17.9", None),  # "Acute hepatitis NOS", not B19.9
        ("CONDITION", "cardiovascular failure", "ICD-10-CM", "I50.9", None),
        ("CONDITION", "kidney disease", "ICD-10-CM", "N28.9", None),  # "Renal disease NOS", not kidney failure (N19)
        ("CONDITION", "renal insufficiency", "ICD-10-CM", "N19", None),
        ("CONDITION", "type 1 diabetes", "ICD-10-CM", "E10", None),
        ("CONDITION", "ESRD", "ICD-10-CM", "N18.6", None),
        ("CONDITION", "allergic constitution", "ICD-10-CM", "T78.40XA", None),
        ("CONDITION", "childbearing potential", "CRITERIA_NLP", "obs:childbearing-potential", None),
        ("DRUG", "prednisone", "ATC", "H02AB07", None),
        ("DRUG", "pulse cyclophosphamide", "ATC", "L01AA01", None),
        ("DRUG", "CYC", "ATC", "L01AA01", None),
        ("DRUG", "hydroxychloroquine", "ATC", "P01BA02", None),
        ("DRUG", "MMF", "ATC", "L04AA06", None),
        ("DRUG", "biologics", "CRITERIA_NLP", "drug:biologics", None),
        ("DRUG", "glucocorticoids", "ATC", "H02AB", None),
        ("DRUG", "TNF inhibitors", "ATC", "L04AB", None),
        ("DRUG", "anti-CD20 therapy", "ATC", "L01FA", None),
        ("DRUG", "live vaccines", "CRITERIA_NLP", "drug:live-vaccines", None),
        ("LAB", "LVEF", "LOINC", "10230-1", None),
        ("LAB", "left ventricular ejection fraction", "LOINC", "10230-1", None),
        ("LAB", "serum creatinine", "LOINC", "2160-0", None),
        ("LAB", "anti-dsDNA", "LOINC", "5130-0", None),
        ("LAB", "dsDNA", "LOINC", "5130-0", None),
        ("LAB", "positive dsDNA", "LOINC", "5130-0", None),
        ("LAB", "transaminases", "LOINC", "1742-6", None),
        ("LAB", "eGFR", "LOINC", "62238-1", None),
        ("LAB", "platelets", "LOINC", "777-3", None),
        ("LAB", "HbA1c", "LOINC", "4548-4", None),
        ("LAB", "hs-CRP", "LOINC", "30522-7", None),
        ("LAB", "ESR", "LOINC", "4537-7", None),
        ("LAB", "C3", "LOINC", "4485-9", None),
        ("Measurement", "ECOG performance status", "SCORE", "ECOG", None),
        ("SCORE", "SELENA-SLEDAI index", "SCORE", "SELENA-SLEDAI", None),
        ("SCORE", "SLEDAI-2K", "SCORE", "SLEDAI-2K", None),
        ("SCORE", "MEX SLEDAI", "SCORE", "MEX-SLEDAI", None),
        ("SCORE", "ACR 1997 criteria", "SCORE", "ACR-1997", None),
        ("SCORE", "American College of Rheumatology (ACR) Classification criteria for SLE", "SCORE", "ACR-1997", None),
        ("SCORE", "ECOG", "SCORE", "ECOG", None),
        ("SCORE", "Karnofsky Performance Status", "SCORE", "KPS", None),
        ("SCORE", "NYHA class", "SCORE", "NYHA", None),
        ("SCORE", "BILAG A", "SCORE", "BILAG", None),
        ("PROCEDURE", "renal transplantation", "CRITERIA_NLP", "proc:kidney-transplant", None),
        ("PROCEDURE", "stem cell transplant", "CRITERIA_NLP", "proc:stem-cell-transplant", None),
        ("OBSERVATION", "informed consent", "CRITERIA_NLP", "obs:informed-consent", None),
        ("DEVICE", "pacemaker", "CRITERIA_NLP", "dev:pacemaker", None),
    ],
)
def test_codes_concept_lexicon(label: str, text: str, system: str, code: str | None, prefix: str | None) -> None:
    _check(code_concept(label, text), system, code, prefix)


def test_codes_concept_same_concept_for_synonyms() -> None:
    assert code_concept("LAB", "LVEF") == code_concept("LAB", "left ventricular ejection fraction")
    assert code_concept("LAB", "anti-dsDNA") == code_concept("LAB", "dsDNA")
    assert code_concept("DRUG", "HCQ") == code_concept("DRUG", "Plaquenil")


@pytest.mark.parametrize(
    ("text", "related"),
    [("dialysis", "Z99.2"), ("renal transplantation", "Z94.0"), ("stem cell transplant", "Z94.84")],
)
def test_codes_concept_procedure_status_codes(text: str, related: str) -> None:
    from criteria_nlp.lexicon import Lexicon

    concept = code_concept("PROCEDURE", text)
    _check(concept, "CRITERIA_NLP")
    assert concept is not None
    entry = Lexicon.load().get(concept.code)
    assert related in {c.code for c in entry.related if c.system == "ICD-10-CM"}


@pytest.mark.parametrize(("label", "text"), [("LAB", ""), ("CONDITION", "   "), ("NOT_A_LABEL", "lupus")])
def test_codes_concept_none_for_empty_or_unknown_label(label: str, text: str) -> None:
    assert code_concept(label, text) is None


def test_codes_concept_returns_copies() -> None:
    first = code_concept("LAB", "eGFR")
    assert first is not None
    first.code = "changed"
    again = code_concept("LAB", "eGFR")
    assert again is not None and again.code == "62238-1"


# cases that need the ICD-10-CM index or the drug package (built once, several seconds)
@pytest.mark.slow
@pytest.mark.parametrize(
    ("label", "text", "system", "code"),
    [
        ("CONDITION", "Class 3 or 4 resistant lupus nephritis", "ICD-10-CM", "M32.14"),
        ("CONDITION", "Sjogren syndrome with lung involvement", "ICD-10-CM", "M35.02"),
        ("CONDITION", "Type 2 diabetes mellitus with diabetic nephropathy", "ICD-10-CM", "E11.21"),
        ("CONDITION", "allergic bronchopulmonary aspergillosis", "ICD-10-CM", "B44.81"),
        ("CONDITION", "history of heart attack within 6 months", "ICD-10-CM", "I21.9"),
        # a broader or neighbouring term is not coded as the lexicon's narrower concept
        ("CONDITION", "myositis", "ICD-10-CM", "M60"),  # not polymyositis
        ("CONDITION", "overactive bladder", "ICD-10-CM", "N32.81"),  # not urinary incontinence
        ("CONDITION", "bacteremia", "ICD-10-CM", "R78.81"),  # not sepsis
        ("CONDITION", "acute cystitis", "ICD-10-CM", "N30.0"),  # not any urinary tract infection
        ("CONDITION", "overweight", "ICD-10-CM", "E66.3"),  # not obesity
        ("CONDITION", "hyperglycemia", "ICD-10-CM", "R73.9"),  # not diabetes
        ("CONDITION", "insulin resistance", "ICD-10-CM", "E88.819"),  # not prediabetes
        ("CONDITION", "esophagitis", "ICD-10-CM", "K20"),  # not reflux disease
        ("CONDITION", "cholecystitis", "ICD-10-CM", "K81"),  # not gallstones
        ("CONDITION", "cachexia", "ICD-10-CM", "R64"),  # not underweight
        ("CONDITION", "asplenia", "ICD-10-CM", "Q89.01"),  # not splenomegaly
        ("CONDITION", "headache", "ICD-10-CM", "R51"),  # not migraine
        ("CONDITION", "thrombocytosis", "ICD-10-CM", "D75.83"),  # not a myeloproliferative neoplasm
        ("CONDITION", "hypersomnia", "ICD-10-CM", "G47.1"),  # not narcolepsy
        ("CONDITION", "tinnitus", "ICD-10-CM", "H93.1"),  # not hearing loss
        ("CONDITION", "emphysema", "ICD-10-CM", "J43"),
        ("CONDITION", "idiopathic pulmonary fibrosis", "ICD-10-CM", "J84.112"),
        ("CONDITION", "anorexia", "ICD-10-CM", "R63.0"),  # loss of appetite, not the eating disorder
        ("DRUG", "insulin glargine", "ATC", "A10AE04"),
        ("DRUG", "oral prednisone 10 mg/day", "ATC", "H02AB07"),
        ("DRUG", "Humira", "ATC", "L04AB04"),
    ],
)
def test_codes_concept_external(label: str, text: str, system: str, code: str) -> None:
    _check(code_concept(label, text), system, code)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("label", "text"),
    [
        ("CONDITION", "QTc > 450 ms"),
        ("CONDITION", "xyzzy plugh"),
        ("DRUG", "sone"),
        ("DRUG", "today"),
        ("CONDITION", "thought disorder"),
    ],
)
def test_codes_concept_none_rather_than_a_guess(label: str, text: str) -> None:
    assert code_concept(label, text) is None


def test_codes_concept_drug_atc_substance() -> None:
    """A single substance is coded with ATC level 5 (the drug package has no ATC); a brand by its substance;
    a drug the ATC table does not list keeps its DrugBank code."""
    from criteria_nlp.codes import atc_substances, drug_atc

    assert atc_substances()["metformin"] == ("A10BA02",)
    _check(code_concept("DRUG", "Plavix"), "ATC", "B01AC04")
    _check(code_concept("DRUG", "simvastatin"), "ATC", "C10AA01")
    assert drug_atc(Concept(system="DrugBank", code="DB00563", name="Methotrexate")) == ("L01BA01", "L04AX03")
    assert drug_atc(Concept(system="ATC", code="C10AA", name="statins")) == ()
    iniparib = code_concept("DRUG", "iniparib")
    assert iniparib is not None and iniparib.system == "DrugBank"


def test_codes_concept_drug_subclass() -> None:
    """A drug subclass gets its own ATC group, not its parent's: an SGLT2 inhibitor is A10BK, not every
    antidiabetic (A10); an NNRTI is J05AG, not every antiretroviral."""
    _check(code_concept("DRUG", "SGLT2 inhibitors"), "ATC", "A10BK")
    _check(code_concept("DRUG", "NNRTIs"), "ATC", "J05AG")
    _check(code_concept("DRUG", "protease inhibitors"), "ATC", "J05AE")
    _check(code_concept("DRUG", "antidiabetic medications"), "ATC", "A10")


def test_codes_concept_atc_table_is_well_formed(tmp_path: Path) -> None:
    """Every entry of atc_substances.json is a name with ATC level-5 codes; a malformed code is X001."""
    import json
    import re
    from importlib import resources

    from criteria_nlp.codes import atc_substances

    raw = json.loads(resources.files("criteria_nlp.resources").joinpath("atc_substances.json").read_text("utf-8"))
    names = [e["name"] for e in raw["entries"]]
    assert len(names) == len(set(names)) and len(names) > 800
    assert all(re.fullmatch(r"[A-Z]\d\d[A-Z]{2}\d\d", code) for e in raw["entries"] for code in e["atc"])
    table = atc_substances()
    assert table["cyclosporine"] == table["ciclosporin"] == ("L04AD01",)
    # the table's model refuses a code that is not level 5
    from criteria_nlp.codes import _AtcSubstances
    from criteria_nlp.errors import ResourceError
    from criteria_nlp.resource_files import load_validated

    raw["entries"][0]["atc"] = ["A10B"]
    bad = tmp_path / "atc_substances.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ResourceError) as err:
        load_validated(_AtcSubstances, "atc_substances.json", bad)
    assert err.value.code == "X001" and "atc" in str(err.value)
