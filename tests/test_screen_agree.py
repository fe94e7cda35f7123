"""screen(): the vectorised cohort path gives the answers of match(), patient by patient and rule by rule."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from criteria_nlp.matching import match
from criteria_nlp.schema import TrialAnalysis
from criteria_nlp.screening import cohort_from_frame, patients_from_frame, screen, synthetic_patients

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "patients"
TRIALS = ("NCT05921058", "NCT04184258", "NCT03219801", "IR.KUMS.REC.1400.198", "NCT00659217", "FEATURE-TRIAL")
AS_OF = dt.date(2026, 1, 1)


@functools.lru_cache(maxsize=None)
def analysis(trial_id: str) -> TrialAnalysis:
    path = FIXTURES / ("feature_trial.json" if trial_id == "FEATURE-TRIAL" else f"analyses/{trial_id}.json")
    with path.open(encoding="utf-8") as handle:
        return TrialAnalysis.from_dict(json.load(handle))


@functools.lru_cache(maxsize=None)
def cohort_200() -> pd.DataFrame:
    return synthetic_patients(200, seed=20260101, as_of=AS_OF)


@pytest.mark.slow
@pytest.mark.parametrize("trial_id", TRIALS)
def test_screen_agree_with_match_on_200_random_patients(trial_id: str) -> None:
    df = cohort_200()
    a = analysis(trial_id)
    table = screen(df, a, as_of=AS_OF)
    patients = patients_from_frame(df, as_of=AS_OF)
    assert list(table["patient_id"]) == [p.id for p in patients]
    disagreements = []
    outcomes: set[tuple[str, str]] = set()
    for i, p in enumerate(patients):
        result = match(p, a)
        if result.verdict != table["verdict"].iloc[i]:
            disagreements.append((p.id, "verdict", result.verdict, table["verdict"].iloc[i]))
        for r in result.rules:
            outcomes.add((r.rule, r.result))
            if r.result != table[r.rule].iloc[i]:
                disagreements.append((p.id, r.rule, r.result, table[r.rule].iloc[i]))
        counts = (result.met, result.not_met, result.unknown)
        if counts != tuple(int(table[c].iloc[i]) for c in ("met", "not_met", "unknown")):
            disagreements.append((p.id, "counts", counts, None))
    assert disagreements == []
    # the cohort is not trivial: most computable rules meet more than one outcome
    computable = [r.id for r in a.rules if r.computable]
    varied = [rid for rid in computable if len({res for (r, res) in outcomes if r == rid}) > 1]
    assert len(varied) >= len(computable) // 2


def test_screen_agree_columns_and_values() -> None:
    df = synthetic_patients(30, seed=1, as_of=AS_OF)
    a = analysis("NCT04184258")
    table = screen(df, a, as_of=AS_OF)
    assert list(table.columns[:6]) == ["patient_id", "trial_id", "verdict", "met", "not_met", "unknown"]
    assert list(table.columns[6:]) == [r.id for r in a.rules]
    assert len(table) == 30 and set(table["trial_id"]) == {"NCT04184258"}
    assert set(table["verdict"]) <= {"eligible", "indeterminate", "ineligible"}
    for r in a.rules:
        assert set(table[r.id]) <= {"met", "not_met", "unknown"}
        if not r.computable:
            assert set(table[r.id]) == {"unknown"}
    computable = [r.id for r in a.rules if r.computable]
    assert (table[["met", "not_met", "unknown"]].sum(axis=1) == len(computable)).all()


def test_screen_agree_prepared_cohort_gives_the_same_table() -> None:
    df = synthetic_patients(25, seed=2, as_of=AS_OF)
    cohort = cohort_from_frame(df, AS_OF)
    for trial_id in ("NCT05921058", "IR.KUMS.REC.1400.198"):
        pd.testing.assert_frame_equal(screen(cohort, analysis(trial_id)), screen(df, analysis(trial_id), as_of=AS_OF))


def hand_table() -> pd.DataFrame:
    return pd.DataFrame([
        # eligible for NCT05921058: adult woman with lupus, not pregnant
        {"patient_id": "a", "age": 30, "sex": "female", "pregnant": False, "conditions": "M32.9"},
        # pregnant
        {"patient_id": "b", "age": 30, "sex": "F", "pregnant": True, "conditions": ["M32.14"]},
        # no condition list: unknown lupus, a man cannot be pregnant
        {"patient_id": "c", "birth_date": "1980-02-03", "sex": "male", "pregnant": None, "conditions": None},
        # an empty list: no lupus
        {"patient_id": "d", "age": 70, "sex": "female", "pregnant": "no", "conditions": ""},
        # a name is coded like a code
        {"patient_id": "e", "age": 19, "sex": "female", "pregnant": "false", "conditions": " lupus ; I10 "},
    ])


def test_screen_agree_hand_built_rows() -> None:
    table = screen(hand_table(), analysis("NCT05921058"), as_of=AS_OF).set_index("patient_id")
    assert list(table["verdict"]) == ["eligible", "ineligible", "indeterminate", "ineligible", "eligible"]
    assert table.loc["b", "r6"] == "not_met" and table.loc["c", "r6"] == "met"
    assert table.loc["c", "r5"] == "unknown" and table.loc["d", "r5"] == "not_met" and table.loc["d", "r2"] == "not_met"
    assert table.loc["e", "r5"] == "met"


def test_screen_agree_lab_columns_with_units_dates_and_ranges() -> None:
    df = pd.DataFrame({
        "patient_id": ["a", "b", "c", "d", "e"],
        "age": [30] * 5,
        "2160-0": [3.0, 300.0, 150.0, None, "2.9"],
        "2160-0_unit": ["mg/dL", "µmol/L", "umol/L", None, None],
        "2160-0_date": ["2025-12-01", "2025-12-01", None, None, "2027-01-01"],
        "2160-0_high": [None, None, 100.0, None, None],  # in the row's unit (µmol/L)
    })
    table = screen(df, analysis("NCT03219801"), as_of=AS_OF).set_index("patient_id")
    # "serum creatinine > 2 x ULN": 3.0/1.3, 3.39/1.3, 150/100 (own range), missing, measured after as_of
    assert list(table["r12"]) == ["met", "met", "not_met", "unknown", "unknown"]


@pytest.mark.parametrize(("frame", "fragment"), [
    (pd.DataFrame({"age": [3]}), "no patient_id column"),
    (pd.DataFrame({"patient_id": ["a"], "sex": ["robot"]}), "unknown sex"),
    (pd.DataFrame({"patient_id": ["a"], "pregnant": ["perhaps"]}), "not a yes/no value"),
    (pd.DataFrame({"patient_id": ["a"], "lab:unobtainium": [1.0]}), "not a lab of the lexicon"),
    (pd.DataFrame({"patient_id": ["a"], "score:NOPE": [1.0]}), "not a score of the catalogue"),
    (pd.DataFrame({"patient_id": ["a"], "obs:mood": [True]}), "not an observation of the lexicon"),
    (pd.DataFrame({"patient_id": ["a"], "2160-0": ["lots"]}), "neither a number nor a qualitative result"),
    (pd.DataFrame({"patient_id": ["a"], "2160-0": [1.0], "lab:creatinine": [1.0]}), "the same lab as column"),
    (pd.DataFrame({"patient_id": ["a"], "birth_date": ["yesterday"]}), "not a date"),
])
def test_screen_agree_bad_tables_raise_p007(frame: pd.DataFrame, fragment: str) -> None:
    from criteria_nlp.errors import PatientError

    with pytest.raises(PatientError) as info:
        screen(frame, analysis("NCT05921058"), as_of=AS_OF)
    assert info.value.code == "P007" and fragment in str(info.value)


def test_screen_agree_synthetic_patients_are_reproducible() -> None:
    pd.testing.assert_frame_equal(synthetic_patients(20, seed=3), synthetic_patients(20, seed=3))
    assert not synthetic_patients(20, seed=3).equals(synthetic_patients(20, seed=4))


def test_screen_agree_log_unit_lab() -> None:
    # "HBV DNA > 6 log IU/mL" over amounts in IU/mL, IU/L and log10 IU/mL: the vectorised path takes logarithms too
    from criteria_nlp.schema import Concept, Rule, Trial

    a = TrialAnalysis(trial=Trial(id="LOG"), rules=[Rule(
        id="r1", kind="exclusion", text="HBV DNA > 6 log IU/mL", evidence="HBV DNA", category="lab", polarity="exclude",
        concept=Concept(system="LOINC", code="29615-2"), operator=">", low=6.0, unit="log10 IU/mL")])
    values = [2000.0, 2e6, 5e9, 6.5, 0.0, -5.0, 5.0]
    units = ["IU/mL", "IU/mL", "IU/L", "log10 IU/mL", "IU/mL", "IU/mL", "mg/dL"]
    df = pd.DataFrame({
        "patient_id": [f"p{i}" for i in range(len(values))], "age": 40, "sex": "female",
        "29615-2": values, "29615-2_unit": units,
    })
    table = screen(df, a, as_of=AS_OF)
    expected = ["met", "not_met", "not_met", "not_met", "met", "unknown", "unknown"]
    assert list(table["r1"]) == expected
    assert [match(p, a).rule("r1").result for p in patients_from_frame(df, as_of=AS_OF)] == expected


STRUCTURE_CRITERIA = (
    "Inclusion Criteria:\n"
    "- Women of childbearing potential must have a negative pregnancy test\n"
    "- Hemoglobin >= 11 g/dL in men\n"
    "- If age is 40 to 45 years, no history of myocardial infarction\n"
    "- AST < 3 x ULN (< 5 x ULN if liver metastases are present)\n"
    "- Previous chemotherapy or radiotherapy\n"
    "Exclusion Criteria:\n"
    "- Uncontrolled high blood pressure\n"
    "- Suspected tuberculosis\n"
)


def test_screen_agree_on_populations_qualifiers_and_alternatives(analyzer: Any) -> None:
    """Rules binding a population, asking for a qualifier, or listed as alternatives: screen() answers as match()."""
    a = analyzer(STRUCTURE_CRITERIA)
    assert any(r.applies_to is not None for r in a.rules) and any(r.qualifiers for r in a.rules)
    df = cohort_200()
    table = screen(df, a, as_of=AS_OF)
    disagreements = []
    for i, p in enumerate(patients_from_frame(df, as_of=AS_OF)):
        result = match(p, a)
        if result.verdict != table["verdict"].iloc[i]:
            disagreements.append((p.id, "verdict", result.verdict, table["verdict"].iloc[i]))
        disagreements += [(p.id, r.rule, r.result, table[r.rule].iloc[i]) for r in result.rules
                          if r.result != table[r.rule].iloc[i]]
    assert disagreements == []
    assert {"ineligible", "indeterminate"} <= set(table["verdict"])  # the cohort is not trivial
