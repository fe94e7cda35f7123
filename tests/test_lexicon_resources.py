"""The packaged vocabularies: they load, validate, carry real codes and round-trip."""

from __future__ import annotations

import json
import shutil
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from criteria_nlp.errors import ResourceError
from criteria_nlp.lexicon import (
    RESOURCE_FILES,
    LabEntry,
    Lexicon,
    ScoreEntry,
    loinc_check_digit,
)

RESOURCE_DIR = Path(str(resources.files("criteria_nlp").joinpath("resources")))


def _icd() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.load()


@pytest.mark.parametrize("name", sorted(RESOURCE_FILES))
def test_lexicon_resource_loads(name: str, lex: Lexicon) -> None:
    res = lex.resources[name]
    assert res.name == name
    assert res.version.count(".") == 2 and res.sources and res.description
    assert {e.label for e in res.entries} == {RESOURCE_FILES[name]}


@pytest.mark.parametrize(("label", "minimum"), [("LAB", 120), ("SCORE", 60), ("CONDITION", 300), ("DRUG", 30)])
def test_lexicon_resource_size(label: str, minimum: int, lex: Lexicon) -> None:
    assert len(lex.entries(label)) >= minimum


def _icd_names(code: str) -> set[str]:
    """The names a concept of this ICD-10-CM code may carry: the code's description or one of its inclusion terms
    ("Hepatitis NOS" of K75.9); for a range, the description of the block it is, without the range
    ("Diabetes mellitus (E08-E13)": "Diabetes mellitus")."""
    icd = _icd()
    description = str(icd.get_description(code))
    if "-" in code:
        return {description.removesuffix(f" ({code})")}
    return {description, *icd.get_inclusion_term(code)}


@pytest.mark.parametrize("name", sorted(RESOURCE_FILES))
def test_lexicon_resource_icd10_codes_exist(name: str, lex: Lexicon) -> None:
    icd = _icd()
    checked = 0
    for entry in lex.resources[name].entries:
        for concept in [entry.concept, *entry.related]:
            if concept.system == "ICD-10-CM":
                # a range is an ICD-10-CM block ("E08-E13"), which is_valid_item knows
                assert icd.is_valid_item(concept.code), f"{entry.id}: {concept.code}"
                assert concept.name in _icd_names(concept.code), entry.id
                checked += 1
    if name in ("conditions", "procedures", "devices"):
        assert checked > 0


@pytest.mark.parametrize(("entry_id", "code", "name"), [
    ("cond:diabetes", "E08-E13", "Diabetes mellitus"),           # no type: the family, not type 2 (E11.9)
    ("cond:t2dm", "E11", "Type 2 diabetes mellitus"),         # no stated complication: the category, not E11.9
    ("cond:tuberculosis", "A15-A19", "Tuberculosis"),            # no site: the family, not respiratory (A15.9)
    ("cond:cad", "I20-I25", "Ischemic heart diseases"),
    ("cond:hepatitis-b-carrier", "B18.1", "Chronic viral hepatitis B without delta-agent"),
    ("cond:hepatitis", "K75.9", "Hepatitis NOS"),
    ("cond:acute-hepatitis", "B17.9", "Acute hepatitis NOS"),
])
def test_lexicon_resource_unspecified_mentions_name_their_family(lex: Lexicon, entry_id: str, code: str, name: str) -> None:
    concept = lex.get(entry_id).concept
    assert (concept.system, concept.code, concept.name) == ("ICD-10-CM", code, name)


def test_lexicon_resource_loinc_codes_pass_check_digit(lex: Lexicon) -> None:
    labs = [e for e in lex.entries("LAB") if isinstance(e, LabEntry)]
    coded = [e for e in labs if e.loinc is not None]
    assert len(coded) >= 120
    for entry in coded:
        assert entry.loinc is not None and loinc_check_digit(entry.loinc), entry.id
        assert entry.concept.system == "LOINC" and entry.concept.code == entry.loinc
    for entry in labs:
        if entry.loinc is None:
            assert entry.concept.system == "CRITERIA_NLP" and entry.concept.code == entry.id


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("2160-0", True),
        ("718-7", True),
        ("10230-1", True),
        ("4548-4", True),
        ("5130-0", True),
        ("2160-1", False),
        ("718-6", False),
        ("10230-2", False),
        ("2160", False),
        ("A160-0", False),
    ],
)
def test_lexicon_loinc_check_digit(code: str, valid: bool) -> None:
    assert loinc_check_digit(code) is valid


def test_lexicon_resource_ids_unique_and_prefixed(lex: Lexicon) -> None:
    ids = [e.id for e in lex.entries()]
    assert len(ids) == len(set(ids))
    prefixes = {"LAB": "lab:", "SCORE": "score:", "CONDITION": "cond:", "DRUG": "drug:", "PROCEDURE": "proc:",
                "OBSERVATION": "obs:", "DEVICE": "dev:"}
    for entry in lex.entries():
        assert entry.id.startswith(prefixes[entry.label]), entry.id


def test_lexicon_resource_scores_are_complete(lex: Lexicon) -> None:
    for entry in lex.entries("SCORE"):
        assert isinstance(entry, ScoreEntry)
        assert entry.concept.system == "SCORE" and f"score:{entry.concept.code}" == entry.id
        if entry.direction == "categorical":
            assert entry.grades, entry.id
    nyha = lex.score("NYHA")
    assert nyha is not None and [g.value for g in nyha.grades] == [1, 2, 3, 4]
    child = lex.score("Child-Pugh")
    assert child is not None and [(g.label, g.low, g.high) for g in child.grades] == [
        ("A", 5, 6), ("B", 7, 9), ("C", 10, 15)]


@pytest.mark.parametrize(
    ("lab", "mass"),
    [("lab:creatinine", 113.12), ("lab:bilirubin-total", 584.66), ("lab:glucose", 180.16), ("lab:bun", 28.014),
     ("lab:uric-acid", 168.11), ("lab:cholesterol-total", 386.65), ("lab:triglycerides", 885.7),
     ("lab:calcium", 40.08)],
)
def test_lexicon_resource_molar_masses(lab: str, mass: float, lex: Lexicon) -> None:
    entry = lex.lab(lab)
    assert entry is not None and entry.molar_mass == mass and entry.canonical_unit == "mg/dL"


def test_lexicon_roundtrip_disk(tmp_path: Path, lex: Lexicon) -> None:
    lex.to_disk(tmp_path / "lex")
    again = Lexicon.from_disk(tmp_path / "lex")
    assert again == lex
    assert again.to_dict() == lex.to_dict()
    assert len(again) == len(lex)


def test_lexicon_roundtrip_dict(lex: Lexicon) -> None:
    data = lex.to_dict()
    json.dumps(data)  # JSON-serialisable
    assert Lexicon.from_dict(json.loads(json.dumps(data))) == lex


def _corrupt_unknown_key(doc: dict[str, Any]) -> None:
    doc["entries"][0]["colour"] = "red"


def _corrupt_empty_synonym(doc: dict[str, Any]) -> None:
    doc["entries"][0]["synonyms"].append("  ")


def _corrupt_duplicate_id(doc: dict[str, Any]) -> None:
    doc["entries"][1]["id"] = doc["entries"][0]["id"]


def _corrupt_loinc(doc: dict[str, Any]) -> None:
    doc["entries"][0]["loinc"] = "2160-1"
    doc["entries"][0]["concept"]["code"] = "2160-1"


def _corrupt_shared_synonym(doc: dict[str, Any]) -> None:
    doc["entries"][1]["synonyms"].append(doc["entries"][0]["name"])


def _corrupt_label(doc: dict[str, Any]) -> None:
    doc["entries"][0]["label"] = "SCORE"


def _corrupt_json(doc: dict[str, Any]) -> None:
    raise ValueError("write broken JSON instead")


@pytest.mark.parametrize(
    ("corrupt", "expect"),
    [
        (_corrupt_unknown_key, "colour"),
        (_corrupt_empty_synonym, "synonym"),
        (_corrupt_duplicate_id, "duplicate id"),
        (_corrupt_loinc, "check digit"),
        (_corrupt_shared_synonym, "not listed as ambiguous"),
        (_corrupt_label, "entries.0"),
        (_corrupt_json, "malformed JSON"),
    ],
)
def test_lexicon_broken_resource_raises_x001(tmp_path: Path, corrupt: Any, expect: str) -> None:
    folder = tmp_path / "lex"
    shutil.copytree(RESOURCE_DIR, folder, ignore=shutil.ignore_patterns("*.jsonl"))
    path = folder / "labs.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    try:
        corrupt(doc)
        path.write_text(json.dumps(doc), encoding="utf-8")
    except ValueError:
        path.write_text('{"name": "labs", ', encoding="utf-8")
    with pytest.raises(ResourceError) as err:
        Lexicon.from_disk(folder)
    assert err.value.code == "X001"
    assert "labs.json" in str(err.value)
    assert expect in str(err.value)


def test_lexicon_broken_resource_names_the_entry(tmp_path: Path) -> None:
    folder = tmp_path / "lex"
    shutil.copytree(RESOURCE_DIR, folder, ignore=shutil.ignore_patterns("*.jsonl"))
    path = folder / "scores.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["entries"][3]["range"] = [10, 1]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ResourceError, match=doc["entries"][3]["id"]):
        Lexicon.from_disk(folder)


@pytest.mark.parametrize(("code", "expect"), [
    ("E13-E08", "nor a range 'E08-E13'"),        # a reversed range
    ("E08-E13.9", "nor a range 'E08-E13'"),      # ends of two lengths
    ("diabetes", "nor a range 'E08-E13'"),
    ("e11.9", "nor a range 'E08-E13'"),          # written as the classification writes it
])
def test_lexicon_broken_condition_code_names_the_entry(tmp_path: Path, code: str, expect: str) -> None:
    folder = tmp_path / "lex"
    shutil.copytree(RESOURCE_DIR, folder, ignore=shutil.ignore_patterns("*.jsonl"))
    path = folder / "conditions.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    next(e for e in doc["entries"] if e["id"] == "cond:diabetes")["concept"]["code"] = code
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ResourceError, match="cond:diabetes") as err:
        Lexicon.from_disk(folder)
    assert err.value.code == "X001" and expect in str(err.value)


@pytest.mark.parametrize(("entry_id", "change", "expect"), [
    ("drug:anticoagulants", {"atc_groups": ["B01-AA"]}, "is not an ATC code"),
    ("drug:vka", {"is_class": False, "members": [], "atc_groups": ["B01AA"]}, "atc_groups belong to a drug class"),
])
def test_lexicon_broken_drug_class_names_the_entry(tmp_path: Path, entry_id: str, change: dict[str, Any], expect: str) -> None:
    folder = tmp_path / "lex"
    shutil.copytree(RESOURCE_DIR, folder, ignore=shutil.ignore_patterns("*.jsonl"))
    path = folder / "drug_classes.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    next(e for e in doc["entries"] if e["id"] == entry_id).update(change)
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ResourceError, match=entry_id) as err:
        Lexicon.from_disk(folder)
    assert err.value.code == "X001" and expect in str(err.value)


def test_lexicon_negated_form_must_be_a_synonym(tmp_path: Path) -> None:
    folder = tmp_path / "lex"
    shutil.copytree(RESOURCE_DIR, folder, ignore=shutil.ignore_patterns("*.jsonl"))
    path = folder / "observations.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    next(e for e in doc["entries"] if e["id"] == "obs:smoking")["negated_forms"].append("teetotaller")
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ResourceError, match="obs:smoking") as err:
        Lexicon.from_disk(folder)
    assert err.value.code == "X001" and "negated_forms form 'teetotaller'" in str(err.value)


def test_lexicon_missing_resource_raises_x002(tmp_path: Path) -> None:
    folder = tmp_path / "lex"
    shutil.copytree(RESOURCE_DIR, folder, ignore=shutil.ignore_patterns("*.jsonl"))
    (folder / "devices.json").unlink()
    with pytest.raises(ResourceError) as err:
        Lexicon.from_disk(folder)
    assert err.value.code == "X002" and "devices.json" in str(err.value)
