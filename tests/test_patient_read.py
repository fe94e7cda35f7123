"""Patient records: validation, coding on load, readers, errors, the concept table."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from criteria_nlp.errors import PatientError
from criteria_nlp.lexicon import Lexicon
from criteria_nlp.patient import (
    ConceptRanges,
    Patient,
    concept_ranges,
    fact_fields,
    icd_in,
    normalize_icd,
    normalize_icd_range,
    procedure_concept,
)
from criteria_nlp.patient_io import read_patient
from criteria_nlp.screening import item_concept


def test_patient_read_codes_facts_on_load() -> None:
    p = Patient.from_dict({
        "id": 7, "sex": "F", "as_of": "2026-01-01", "birth_date": "1990-05-01T00:00:00Z",
        "conditions": [{"code": "m3214"}, {"name": "lupus"}, {"code": "55464009", "system": "http://snomed.info/sct", "name": "SLE"}],
        "procedures": [{"code": "SNOMED:302497006"}, {"code": "302497006", "system": "http://snomed.info/sct"},
                       {"name": "kidney biopsy"}, {"code": "proc:renal-biopsy", "status": "planned"}],
        "labs": [{"name": "serum creatinine", "value": "1,2", "unit": "mg/dL"}, {"code": "5130-0", "value": "Detected"}],
        "scores": [{"name": "NYHA class", "value": "III"}, {"code": "SELENA-SLEDAI", "value": 4}],
        "observations": {"smoking": "former", "alcohol use": False},
    })
    assert p.id == "7" and p.sex == "female" and p.birth_date == dt.date(1990, 5, 1)
    assert [c.concept.code if c.concept else None for c in p.conditions or []] == ["M32.14", "M32.9", "M32.9"]
    assert [c.concept.code if c.concept else None for c in p.procedures or []] == [
        "proc:hemodialysis", "proc:hemodialysis", "proc:renal-biopsy", "proc:renal-biopsy"]
    assert p.labs[0].concept is not None and p.labs[0].concept.code == "2160-0" and p.labs[0].value == 1.2
    assert p.labs[1].result == "positive" and p.labs[1].value is None
    assert [s.value for s in p.scores] == [3.0, 4.0] and p.scores[0].concept is not None and p.scores[0].concept.code == "NYHA"
    smoking, alcohol = p.observations
    assert smoking.concept is not None and smoking.concept.code == "obs:smoking" and (smoking.present, smoking.ever) == (False, True)
    assert alcohol.concept is not None and alcohol.concept.code == "obs:alcohol-use" and (alcohol.present, alcohol.ever) == (False, None)


@pytest.mark.parametrize(("field", "item", "fields", "concept"), [
    ("conditions", "M32.14", {"code": "M32.14"}, "M32.14"),
    ("conditions", "m3214", {"code": "m3214"}, "M32.14"),
    ("conditions", "lupus", {"name": "lupus"}, "M32.9"),
    ("conditions", "HIV", {"name": "HIV"}, "B20"),
    ("family_history", "breast cancer", {"name": "breast cancer"}, "C50.919"),
    ("medications", "hydroxychloroquine", {"name": "hydroxychloroquine"}, "P01BA02"),
    ("medications", "DB01611", {"code": "DB01611"}, "DB01611"),
    ("medications", "H02AB07", {"code": "H02AB07"}, "H02AB07"),
    ("procedures", "hemodialysis", {"name": "hemodialysis"}, "proc:hemodialysis"),
    ("procedures", "proc:renal-biopsy", {"code": "proc:renal-biopsy"}, "proc:renal-biopsy"),
    ("procedures", "SNOMED:302497006", {"code": "SNOMED:302497006"}, "proc:hemodialysis"),
])
def test_patient_read_bare_strings_as_codes_or_names(field: str, item: str, fields: dict[str, str], concept: str) -> None:
    fact = getattr(Patient.from_dict({field: [item]}), field)[0]
    assert fact.model_dump(include={"code", "name"}, exclude_none=True) == fields == fact_fields(field, item)
    assert fact.concept is not None and fact.concept.code == concept
    # a cohort table's cell is read by the same function, so coded the same
    assert item_concept(field, item)[0] == fact.concept


def test_patient_read_bare_strings_mix_with_facts() -> None:
    p = Patient.from_dict({"conditions": ["lupus", {"code": "I10", "qualifiers": ["well controlled"]}],
                           "procedures": [" dialysis ", {"code": "proc:renal-biopsy", "status": "planned"}]})
    assert [(c.name, c.code, c.qualifiers) for c in p.conditions or []] == [("lupus", None, None), (None, "I10", ["controlled"])]
    assert [(f.name, f.status) for f in p.procedures or []] == [("dialysis", "completed"), (None, "planned")]


@pytest.mark.parametrize(("field", "written", "expected"), [
    # (code, name, value, unit, date) of each fact read
    ("scores", {"SELENA-SLEDAI": 4}, [("SELENA-SLEDAI", None, 4.0, None, None)]),
    ("scores", {"NYHA class": "III", "ACR-1997": {"value": 5, "date": "2026-02-10"}},
     [(None, "NYHA class", 3.0, None, None), ("ACR-1997", None, 5.0, None, dt.date(2026, 2, 10))]),
    ("labs", {"creatinine": {"value": 1.1, "unit": "mg/dL"}}, [(None, "creatinine", 1.1, "mg/dL", None)]),
    ("labs", {"4548-4": 6.1, "lab:creatinine": "97"}, [("4548-4", None, 6.1, None, None), ("lab:creatinine", None, 97.0, None, None)]),
    ("labs", [{"code": "4548-4", "value": 6.1}], [("4548-4", None, 6.1, None, None)]),  # the list form still reads
])
def test_patient_read_measurements_as_a_mapping(field: str, written: Any, expected: list[tuple[Any, ...]]) -> None:
    facts = getattr(Patient.from_dict({field: written}), field)
    assert [(f.code, f.name, f.value, getattr(f, "unit", None), f.date) for f in facts] == expected
    assert all(f.concept is not None for f in facts)


def test_patient_read_mapping_forms_agree_with_lists() -> None:
    written = Patient.from_dict({"labs": {"5130-0": "positive", "creatinine": {"value": 97, "unit": "µmol/L"}},
                                 "scores": {"SELENA-SLEDAI": 8}, "observations": {"smoking": {"value": "former", "date": "2020-01-01"}}})
    listed = Patient.from_dict({"labs": [{"code": "5130-0", "value": "positive"}, {"name": "creatinine", "value": 97, "unit": "µmol/L"}],
                                "scores": [{"code": "SELENA-SLEDAI", "value": 8}],
                                "observations": [{"code": "smoking", "value": "former", "date": "2020-01-01"}]})
    assert written == listed


def test_patient_read_id_is_optional(tmp_path: Path) -> None:
    assert Patient.from_dict({"sex": "female"}).id == "patient"
    path = tmp_path / "maria-34.json"
    path.write_text(json.dumps({"sex": "female", "conditions": ["lupus"]}), encoding="utf-8")
    assert read_patient(path).id == "maria-34"  # a file without an id names the patient
    path.write_text(json.dumps({"id": "p7"}), encoding="utf-8")
    assert read_patient(path).id == "p7"


def test_patient_read_round_trips_through_json(tmp_path: Path) -> None:
    p = Patient.from_dict({"id": "a", "age": 40.5, "sex": "male", "as_of": "2026-01-01", "conditions": [],
                           "medications": [{"code": "H02AB07", "start": "2025-01-01"}], "dates": {"Randomization": "2026-02-01"}})
    path = tmp_path / "p.json"
    path.write_text(json.dumps(p.to_dict()), encoding="utf-8")
    again = read_patient(path)
    assert again == p
    assert again.dates == {"randomization": dt.date(2026, 2, 1)}
    assert again.anchor("RANDOMIZATION") == (dt.date(2026, 2, 1), True)
    assert again.anchor("screening") == (dt.date(2026, 1, 1), False)


@pytest.mark.parametrize(("data", "completed", "exact"), [
    ({"birth_date": "2008-03-02", "as_of": "2026-03-01"}, 17.0, 17.996),
    ({"birth_date": "2008-03-01", "as_of": "2026-03-01"}, 18.0, 17.999),
    ({"age": 33.7, "as_of": "2026-03-01"}, 33.0, 33.7),
    ({"age": 20, "birth_date": "1990-01-01", "as_of": "2026-03-01"}, 36.0, 36.16),  # the birth date wins
])
def test_patient_read_age_on(data: dict[str, Any], completed: float, exact: float) -> None:
    age = Patient.from_dict({"id": "p", **data}).age_on()
    assert age is not None and age[0] == completed and age[1] == pytest.approx(exact, abs=0.01)


def test_patient_read_age_missing() -> None:
    assert Patient.from_dict({"id": "p"}).age_on() is None


@pytest.mark.parametrize(("data", "fragment"), [
    ({"id": None, "sex": "female"}, "id"),
    ({"id": "p", "conditions": ["lupus", " "]}, "conditions.1: an empty string names nothing"),
    ({"id": "p", "conditions": "lupus"}, "conditions: Input should be a valid list"),  # a list, even of one
    ({"id": "p", "labs": ["creatinine"]}, "labs.0"),  # a lab needs its value: a mapping, not a bare name
    ({"id": "p", "labs": {"creatinine": None}}, "a lab needs a value"),
    ({"id": "p", "scores": {"NYHA": "V"}}, "not a number or a grade"),
    ({"id": "p", "sex": "robot"}, "sex"),
    ({"id": "p", "age": -3}, "age"),
    ({"id": "p", "labs": [{"code": "2160-0", "value": "high-ish"}]}, "labs.0"),
    ({"id": "p", "labs": [{"code": "2160-0"}]}, "a lab needs a value"),
    ({"id": "p", "scores": [{"code": "NYHA", "value": "V"}]}, "not a number or a grade"),
    ({"id": "p", "observations": {"smoking": "sometimes"}}, "observation value"),
    ({"id": "p", "birth_date": "2030-01-01", "as_of": "2026-01-01"}, "after as_of"),
    ({"id": "p", "favourite_colour": "blue"}, "favourite_colour"),
])
def test_patient_read_invalid_records_raise_p001(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(PatientError) as info:
        Patient.from_dict(data)
    assert info.value.code == "P001" and fragment in str(info.value)


@pytest.mark.parametrize(("content", "code"), [(None, "P004"), (b"{not json", "P006"), (b"\xff\xfe\x00", "P005"), (b"[1, 2]", "P001")])
def test_patient_read_file_errors(tmp_path: Path, content: bytes | None, code: str) -> None:
    path = tmp_path / "patient.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PatientError) as info:
        read_patient(path)
    assert info.value.code == code and str(path) in str(info.value)


def test_patient_read_detects_fhir_bundles() -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patient", "id": "x", "gender": "male"}}]}
    p = read_patient(bundle)
    assert (p.id, p.sex) == ("x", "male")


@pytest.mark.parametrize(("code", "expected"), [("M32.14", "M32.14"), ("m3214", "M32.14"), ("B20", "B20"), ("O9A.111", "O9A.111"),
                                               ("T88.9XXA", "T88.9XXA"), ("302497006", None), ("DB00635", None), ("", None)])
def test_patient_read_normalize_icd(code: str, expected: str | None) -> None:
    assert normalize_icd(code) == expected


@pytest.mark.parametrize(("code", "expected"), [("E08-E13", "E08-E13"), ("e08 - e13", "E08-E13"), ("K752-K759", "K75.2-K75.9"),
                                               ("E13-E08", None), ("E11-E11.9", None), ("E11.9", None), ("E08-", None),
                                               ("A-B", None), (None, None)])
def test_patient_read_normalize_icd_range(code: str | None, expected: str | None) -> None:
    assert normalize_icd_range(code) == expected
    if expected is not None:
        assert normalize_icd(code) is None  # a range is never a code


@pytest.mark.parametrize(("code", "system", "name", "expected"), [
    ("90935", "CPT", None, "proc:hemodialysis"),
    ("5A1D70Z", "http://www.cms.gov/Medicare/Coding/ICD10", None, "proc:hemodialysis"),
    ("71192002", "SNOMED", None, "proc:peritoneal-dialysis"),
    ("999999", "SNOMED", "Hemodialysis", "proc:hemodialysis"),  # unknown code: the name decides
    (None, None, "renal replacement therapy", "proc:rrt"),
    (None, None, "appendectomy", "proc:gi-surgery"),
    (None, None, "a walk in the park", None),
])
def test_patient_read_procedure_codes(code: str | None, system: str | None, name: str | None, expected: str | None) -> None:
    concept = procedure_concept(code, system, name)
    assert (concept.code if concept is not None else None) == expected


# --------------------------------------------------------------------------- the concept table


def test_patient_read_concept_table_is_valid_and_consistent() -> None:
    table = concept_ranges()
    lex = Lexicon.load()
    ids = {e.id for e in lex.entries()}
    for item in table.procedures:
        assert item.id in ids and set(item.covers) <= ids, item.id
    for code in [*table.procedure_codes, *table.observation_codes]:
        assert code.entry in ids or code.entry == "pregnancy", code.code
    for group in table.lab_groups:
        assert group.entry in ids and set(group.members) <= ids
    for cond in table.conditions:
        for entry in cond.entries or []:
            assert entry in ids and lex.get(entry).concept.code == cond.code, (cond.code, entry)
        # a former code ("Z22.51", now B18.1) is counted wherever the code that holds it now is
        specs = [cond.code, *cond.covers]
        for old, new in table.former_codes.items():
            if any(icd_in(new, s) for s in specs):
                assert any(icd_in(old, s) for s in specs), (cond.code, old)


@pytest.mark.slow
def test_patient_read_concept_table_codes_exist_in_icd10cm() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd

    table = concept_ranges()
    specs = [c.code for c in table.conditions]
    for cond in table.conditions:
        specs.extend(cond.covers)
        specs.extend(cond.except_)
    specs.extend(table.history_codes + table.pregnancy.pregnant + table.pregnancy.lactating)
    bad = [part for spec in specs for part in spec.split("-") if not icd.is_valid_item(part) and part not in table.former_codes]
    assert bad == []
    # former codes are gone from ICD-10-CM, and the codes that hold them now are there
    assert [old for old in table.former_codes if icd.is_valid_item(old)] == []
    assert [new for new in table.former_codes.values() if not icd.is_valid_item(new)] == []


@pytest.mark.parametrize(("patch", "fragment"), [
    ({"conditions": [{"code": "B99.9", "name": "x", "covers": ["B99-A00"]}]}, "reversed"),
    ({"conditions": [{"code": "b999", "name": "x", "covers": ["A00"]}]}, "dotted ICD-10-CM"),
    ({"conditions": [{"code": "B99.9", "name": "x", "covers": ["infections"]}]}, "neither"),
    ({"lab_groups": [{"entry": "lab:alt", "members": ["lab:alt"]}]}, "at least 2"),
    ({"conditions": [{"code": "E13-E08", "name": "x", "covers": ["O24"]}]}, "range 'E08-E13'"),
    ({"former_codes": {"Z22.51": "hepatitis B"}}, "former code"),
])
def test_patient_read_concept_table_rejects_bad_entries(patch: dict[str, Any], fragment: str) -> None:
    data = concept_ranges().model_dump(by_alias=True)
    data.update(patch)
    with pytest.raises(ValueError, match=fragment):
        ConceptRanges.model_validate(data)


def test_patient_read_malformed_json_names_the_position_once(tmp_path: Path) -> None:
    path = tmp_path / "patient.json"
    path.write_text('{\n "id": "p1",\n "sex": "female', encoding="utf-8")  # cut off inside a string
    with pytest.raises(PatientError) as info:
        read_patient(path)
    assert info.value.code == "P006"
    assert "Unterminated string starting at line 3, column 9" in str(info.value)
    assert "at at" not in str(info.value) and "(char" not in str(info.value)
