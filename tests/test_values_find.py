"""find_values(): comparators, ranges, units, limits of normal, counts, scores, ages, and what is not a value."""

from __future__ import annotations

from typing import Any

import pytest

from criteria_nlp.schema import Value
from criteria_nlp.values import ValueMention, find_values

# (text, [(span, operator, low, high, unit, extra fields)])
Expected = tuple[str, str | None, float | None, float | None, str | None, dict[str, Any]]


def _v(span: str, op: str | None, low: float | None = None, high: float | None = None, unit: str | None = None, **extra: Any) -> Expected:
    return (span, op, low, high, unit, extra)


def _check(text: str, found: list[ValueMention], expected: list[Expected]) -> None:
    got = [(text[m.start:m.end], m.value.operator, m.value.low, m.value.high, m.value.unit) for m in found]
    assert got == [e[:5] for e in expected]
    for m, e in zip(found, expected):
        assert m.value.text == text[m.start:m.end]
        assert isinstance(m.value, Value)
        for field, want in e[5].items():
            assert getattr(m.value, field) == want, field
        assert m.value.unit_canonical is None and m.value.low_canonical is None


SEED_CASES = [
    ("SELENA-SLEDAI index ≥6", [_v("≥6", ">=", 6)]),
    ("Left ventricular ejection fraction (LVEF)≥ 50%", [_v("≥ 50%", ">=", 50, unit="%")]),
    ("Age from 14 to 60 years", [_v("from 14 to 60 years", "between", 14, 60, "years")]),
    ("Transaminases greater than 2 times normal unless due to active lupus.",
     [_v("greater than 2 times normal", ">", uln_multiple=2)]),
    ("Both transaminase and serum creatinine level are more than twice times the upper limit of normal",
     [_v("more than twice times the upper limit of normal", ">", uln_multiple=2)]),
    ("Meet at least 4 of 11 American College of Rheumatology (ACR) Classification criteria for SLE.",
     [_v("at least 4 of 11", ">=", 4, of=11)]),
    ("SLE diagnosis (4 of 11 criteria by ACR);", [_v("4 of 11", ">=", 4, of=11)]),
    ("total bilirubin <1.5 X ULN; AST, ALT<2.5X ULN (<5 X ULN if liver metastases are present)",
     [_v("<1.5 X ULN", "<", uln_multiple=1.5), _v("<2.5X ULN", "<", uln_multiple=2.5), _v("<5 X ULN", "<", uln_multiple=5)]),
    ("Must have a life expectancy of greater than three (3) months",
     [_v("greater than three (3) months", ">", 3, unit="months")]),
    ("Karnofsky Performance Status > 60", [_v("> 60", ">", 60)]),
    ("creatinine ≤ 1.5 mg/dL or creatinine clearance ≥ 60 mL/min/1.73 m²",
     [_v("≤ 1.5 mg/dL", "<=", 1.5, unit="mg/dL"), _v("≥ 60 mL/min/1.73 m²", ">=", 60, unit="mL/min/1.73m²")]),
    ("platelets ≥ 100 × 10^9/L", [_v("≥ 100 × 10^9/L", ">=", 100, unit="10^9/L")]),
    ("ANC ≥ 1,500/mm³", [_v("≥ 1,500/mm³", ">=", 1500, unit="/mm³")]),
    ("hemoglobin ≥ 9 g/dL", [_v("≥ 9 g/dL", ">=", 9, unit="g/dL")]),
    ("BMI between 18.5 and 35 kg/m2", [_v("between 18.5 and 35 kg/m2", "between", 18.5, 35, "kg/m²")]),
    ("HbA1c < 7.5%", [_v("< 7.5%", "<", 7.5, unit="%")]),
    ("Class 3 or 4 resistant lupus nephritis", [_v("3 or 4", "between", 3, 4)]),
    ("document either class III or IV glomerulonephritis.", [_v("III or IV", "between", 3, 4)]),
]


@pytest.mark.parametrize("text,expected", SEED_CASES)
def test_values_seed_cases(text: str, expected: list[Expected]) -> None:
    _check(text, find_values(text), expected)


COMPARATOR_CASES = [
    ("age ≥ 18", ">="), ("age >= 18", ">="), ("age => 18", ">="), ("age ≧ 18", ">="), ("age ⩾ 18", ">="),
    ("age =/> 18", ">="), ("age > or = 18", ">="), ("age = or > 18", ">="), ("age >/= 18", ">="),
    ("age at least 18", ">="), ("age of at least 18", ">="), ("a minimum of 18", ">="), ("minimum 18", ">="),
    ("no less than 18", ">="), ("not less than 18", ">="), ("greater than or equal to 18", ">="),
    ("age \\>= 18", ">="), ("age \\> 18", ">"),
    ("more than 18", ">"), ("greater than 18", ">"), ("higher than 18", ">"), ("above 18", ">"), ("over 18", ">"),
    ("exceeding 18", ">"), ("in excess of 18", ">"), ("older than 18", ">"),
    ("less than 18", "<"), ("lower than 18", "<"), ("below 18", "<"), ("under 18", "<"), ("fewer than 18", "<"),
    ("younger than 18", "<"), ("age \\< 18", "<"),
    ("≤ 18", "<="), ("<= 18", "<="), ("=< 18", "<="), ("≦ 18", "<="), ("< or = 18", "<="),
    ("no more than 18", "<="), ("not more than 18", "<="), ("not exceeding 18", "<="), ("no greater than 18", "<="),
    ("up to 18", "<="), ("maximum of 18", "<="), ("maximum 18", "<="), ("at most 18", "<="),
    ("= 18", "="), ("equal to 18", "="),
]


@pytest.mark.parametrize("text,op", COMPARATOR_CASES)
def test_values_comparators(text: str, op: str) -> None:
    found = find_values(text)
    assert len(found) == 1
    assert found[0].value.operator == op
    assert found[0].value.low == 18
    assert text[found[0].end - 2:found[0].end] == "18"


TRAILING_CASES = [
    ("18 years or older", ">=", "years", "18 years or older"),
    ("18 years and older", ">=", "years", "18 years and older"),
    ("18 years of age or older", ">=", "years", "18 years of age or older"),
    ("65 years or younger", "<=", "years", "65 years or younger"),
    ("35 kg/m2 or more", ">=", "kg/m²", "35 kg/m2 or more"),
    ("Hb 8.0 g/dL or greater", ">=", "g/dL", "8.0 g/dL or greater"),
    ("400 mL or less of blood", "<=", "mL", "400 mL or less"),
    ("grade 2 or higher", ">=", None, "2 or higher"),
    ("2 or more times per week", ">=", "/week", "2 or more times per week"),
    ("aged 18+ years", ">=", "years", "18+ years"),
    ("aged 18 and above", ">=", "years", "18 and above"),
    ("Adults who are 18 years of age or older.", ">=", "years", "18 years of age or older"),
    ("18 years old or older.", ">=", "years", "18 years old or older"),
    ("toxicities resolved to ≤ Grade 1", "<=", None, "≤ Grade 1"),
    ("rash > grade 3", ">", None, "> grade 3"),
]


@pytest.mark.parametrize("text,op,unit,span", TRAILING_CASES)
def test_values_trailing_comparators(text: str, op: str, unit: str | None, span: str) -> None:
    found = find_values(text)
    assert [(text[m.start:m.end], m.value.operator, m.value.unit) for m in found] == [(span, op, unit)]


RANGE_CASES = [
    ("between 18 and 65", "between 18 and 65", 18, 65, None),
    ("aged between 18 and 65 years", "between 18 and 65 years", 18, 65, "years"),
    ("18-65", "18-65", 18, 65, None),
    ("18 – 65", "18 – 65", 18, 65, None),
    ("18 − 65 years", "18 − 65 years", 18, 65, "years"),
    ("18 to 65", "18 to 65", 18, 65, None),
    ("from 14 to 60", "from 14 to 60", 14, 60, None),
    ("18-75 years old", "18-75 years", 18, 75, "years"),
    ("Age 18-65", "18-65", 18, 65, "years"),
    ("ECOG 0-2", "0-2", 0, 2, None),
    ("ECOG 0 or 1", "0 or 1", 0, 1, None),
    ("ECOG performance status 0, 1, or 2", "0, 1, or 2", 0, 2, None),
    ("ECOG 0,1", "0,1", 0, 1, None),
    ("grade 0-1", "0-1", 0, 1, None),
    ("CKD stage 3 and 4", "3 and 4", 3, 4, None),
    ("NYHA class III or IV heart failure", "III or IV", 3, 4, None),
    ("NYHA class II-IV", "II-IV", 2, 4, None),
    ("1.5 < x < 3", "1.5 < x < 3", 1.5, 3, None),
    ("18 ≤ age ≤ 65 years", "18 ≤ age ≤ 65 years", 18, 65, "years"),
    ("BMI 18.5-30 kg/m²", "18.5-30 kg/m²", 18.5, 30, "kg/m²"),
    ("weight 50 to 100 kg inclusive", "50 to 100 kg inclusive", 50, 100, "kg"),
    ("between -1 and -2.5", "between -1 and -2.5", -2.5, -1, None),
    ("T-score between -1.0 and -2.5 SD", "between -1.0 and -2.5", -2.5, -1, None),
    ("1g to 2g a day", "1g to 2g a day", 1, 2, "g/day"),
]


@pytest.mark.parametrize("text,span,low,high,unit", RANGE_CASES)
def test_values_ranges(text: str, span: str, low: float, high: float, unit: str | None) -> None:
    found = find_values(text)
    assert [(text[m.start:m.end], m.value.operator, m.value.low, m.value.high, m.value.unit) for m in found] == [
        (span, "between", low, high, unit)
    ]


UNIT_CASES = [
    ("creatinine < 1.5 mg/dl", "mg/dL"), ("creatinine < 133 umol/l", "µmol/L"), ("creatinine < 133 μmol/L", "µmol/L"),
    ("creatinine < 133 micromol/L", "µmol/L"), ("potassium < 5.5 mmol/L", "mmol/L"), ("eGFR > 30 ml/min/1.73m2", "mL/min/1.73m²"),
    ("CrCl > 30 mL/min", "mL/min"), ("platelets > 100 x10^9/L", "10^9/L"), ("platelets > 100 ×10⁹/L", "10^9/L"),
    ("platelets > 100 10*9/L", "10^9/L"), ("WBC > 3.0 G/L", "10^9/L"), ("platelets > 100 x 10^3/µL", "10^3/µL"),
    ("platelets > 100,000/mm3", "/mm³"), ("CD4 > 200 cells/mm³", "/mm³"), ("CD4 > 200 cells/µL", "/µL"),
    ("ANC > 1500 /cu mm", "/mm³"), ("BMI > 30 kg/m2", "kg/m²"), ("weight > 50 kg", "kg"), ("height > 150 cm", "cm"),
    ("SBP > 140 mmHg", "mmHg"), ("SBP > 140 mm Hg", "mmHg"), ("heart rate < 50 bpm", "bpm"), ("anti-HBs > 10 IU/mL", "IU/mL"),
    ("ALT > 40 U/L", "U/L"), ("PSA > 4 ng/mL", "ng/mL"), ("BNP > 100 pg/mL", "pg/mL"), ("viral load < 50 copies/mL", "copies/mL"),
    ("prednisone > 10 mg/day", "mg/day"), ("dose > 2 mg/kg", "mg/kg"), ("dose > 2 mg/kg/day", "mg/kg/day"),
    ("albumin < 30 g/L", "g/L"), ("FEV1 < 50% of predicted", "%"), ("temperature > 38.5 °C", "°C"),
    ("QTc > 450 ms", "ms"), ("MMSE < 24 points", "points"), ("smoking > 10 pack-years", "pack-years"),
    ("sodium < 130 mEq/L", "mEq/L"), ("FSH > 40 mIU/mL", "mIU/mL"),
]


@pytest.mark.parametrize("text,unit", UNIT_CASES)
def test_values_units(text: str, unit: str) -> None:
    found = find_values(text)
    assert len(found) == 1
    assert found[0].value.unit == unit


LIMIT_CASES = [
    ("AST > 2 times the upper limit of normal", ">", 2.0, None),
    ("ALT ≤ 2.5 x ULN", "<=", 2.5, None),
    ("bilirubin <1.5 X ULN", "<", 1.5, None),
    ("ALT<2.5X ULN", "<", 2.5, None),
    ("AST ≥ 3 × ULN", ">=", 3.0, None),
    ("ALT < 3 times ULN", "<", 3.0, None),
    ("creatinine ≤ 1.5 x institutional upper limit of normal (ULN)", "<=", 1.5, None),
    ("bilirubin less than or equal to 2x the institutional upper limit of normal", "<=", 2.0, None),
    ("transaminases > twice the normal range", ">", 2.0, None),
    ("CK > 3-fold the ULN", ">", 3.0, None),
    ("IgG > 2 × LLN", ">", None, 2.0),
    ("neutrophils ≥ 1.5 times the lower limit of normal", ">=", None, 1.5),
    ("AST ≤ ULN", "<=", 1.0, None),
    ("bilirubin above the upper limit of normal", ">", 1.0, None),
    ("IgG below the LLN", "<", None, 1.0),
]


@pytest.mark.parametrize("text,op,uln,lln", LIMIT_CASES)
def test_values_limits_of_normal(text: str, op: str, uln: float | None, lln: float | None) -> None:
    found = find_values(text)
    assert len(found) == 1
    v = found[0].value
    assert (v.operator, v.uln_multiple, v.lln_multiple, v.unit, v.low) == (op, uln, lln, None, None)


@pytest.mark.parametrize(
    "text", ["laboratory values within normal limits", "TSH within the normal range", "liver function WNL"]
)
def test_values_normal_operator(text: str) -> None:
    found = find_values(text)
    assert [m.value.operator for m in found] == ["normal"]
    assert found[0].value.low is None


COUNT_CASES = [
    ("at least 4 of 11 ACR criteria", ">=", 4, 11),
    ("4 or more of the 11 criteria", ">=", 4, 11),
    ("4 of the 11 ACR criteria", ">=", 4, 11),
    ("at least 2 out of 3 measurements", ">=", 2, 3),
    ("MMSE < 24/30", "<", 24, 30),
]


@pytest.mark.parametrize("text,op,low,of", COUNT_CASES)
def test_values_counts(text: str, op: str, low: float, of: float) -> None:
    found = find_values(text)
    assert [(m.value.operator, m.value.low, m.value.of) for m in found] == [(op, low, of)]


AGE_CASES = [
    ("Age from 14 to 60 years", "between", 14, 60),
    ("18 years or older", ">=", 18, None),
    ("aged ≥ 18 years", ">=", 18, None),
    ("≥18 yrs", ">=", 18, None),
    ("older than 65", ">", 65, None),
    ("18-75 years old", "between", 18, 75),
    ("over the age of 18", ">", 18, None),
    ("Age > 18", ">", 18, None),
    ("age: 18 to 70", "between", 18, 70),
    ("patients 65 years old", "=", 65, None),
]


@pytest.mark.parametrize("text,op,low,high", AGE_CASES)
def test_values_ages(text: str, op: str, low: float, high: float | None) -> None:
    found = find_values(text)
    assert [(m.value.operator, m.value.low, m.value.high, m.value.unit) for m in found] == [(op, low, high, "years")]


WORD_CASES = [
    ("at least one measurable lesion", ">=", 1, None),
    ("no more than two prior regimens", "<=", 2, None),
    ("more than twenty-one days of therapy", ">", 21, "days"),
    ("at least three (3) prior lines", ">=", 3, None),
    ("two or more episodes", ">=", 2, None),
]


@pytest.mark.parametrize("text,op,low,unit", WORD_CASES)
def test_values_number_words(text: str, op: str, low: float, unit: str | None) -> None:
    found = find_values(text)
    assert [(m.value.operator, m.value.low, m.value.unit) for m in found] == [(op, low, unit)]


NOT_VALUES = [
    "1. Diagnosis of SLE", "2) Informed consent", "Study Start Date 2019-07-01", "Last verified June 2023",
    "June 25, 2024", "IL-6 inhibitors", "anti-CD20 therapy", "COVID-19 infection", "HbA1c measured at screening",
    "CD4 count available", "type 2 diabetes", "type II diabetes", "SLEDAI-2K score", "HIV-1 infection", "phase 2 trial",
    "on day 1 and day 15", "according to criteria in 1997", "3rd trimester", "the 1st dose", "within 6 months",
    "in the last 5 years", "for 2 weeks", "one of the following", "x 10^9/L", "visit 2-3", "T1b-T2a N0 M0",
    "10:30 am", "ANA titer 1:80", "two", "a 2-fold increase is expected", "Child-Pugh class A", "Child-Pugh class B or C",
    "stage IIIb disease", "version 5.0",
]


@pytest.mark.parametrize("text", NOT_VALUES)
def test_values_not_values(text: str) -> None:
    assert find_values(text) == []


def test_values_offsets_into_whole_text() -> None:
    text = "Inclusion:\n- Age ≥ 18 years\n- ANC ≥ 1,500/mm³\nExclusion: creatinine > 2 mg/dL"
    lines = [(m.start, m.end) for m in find_values(text)]
    assert [text[s:e] for s, e in lines] == ["≥ 18 years", "≥ 1,500/mm³", "> 2 mg/dL"]
    start = text.index("- ANC")
    end = text.index("\nExclusion")
    only = find_values(text, start, end)
    assert [(m.start, m.end) for m in only] == [lines[1]]
    assert find_values(text, end) == find_values(text)[2:]


def test_values_line_breaks_and_unicode_lookalikes() -> None:
    text = "creatinine\u00a0≦\u20091.5 mg/dL and age greater\nthan 18"
    found = find_values(text)
    assert [(m.value.operator, m.value.low, m.value.unit) for m in found] == [("<=", 1.5, "mg/dL"), (">", 18, "years")]
    assert found[0].value.text == "≦\u20091.5 mg/dL"


@pytest.mark.parametrize(
    "text,units",
    [
        ("potassium < 3.5 or > 5.1 mEq/L", ["mEq/L", "mEq/L"]),
        ("age > 17 and < 60 years", ["years", "years"]),
        ("Hb > 10 g/dL and platelets > 100", ["g/dL", None]),
        ("BMI under 20 or over 50 kg/m2", ["kg/m²", "kg/m²"]),
    ],
)
def test_values_shared_unit(text: str, units: list[str | None]) -> None:
    assert [m.value.unit for m in find_values(text)] == units


@pytest.mark.parametrize(
    "text,expected",
    [
        ("blood pressure > 140/90 mmHg", _v("> 140/90 mmHg", ">", 140, unit="mmHg")),
        ("decimal comma: NaCl 0,9% solution", _v("0,9%", "=", 0.9, unit="%")),
        ("T-score ≤ -2.5", _v("≤ -2.5", "<=", -2.5)),
        ("FEV1 < 40% predicted", _v("< 40% predicted", "<", 40, unit="%")),
        ("aspirin 81 mg daily", _v("81 mg daily", "=", 81, unit="mg/day")),
        ("grade 3 neuropathy", _v("3", "=", 3)),
        ("Child-Pugh score of 7", _v("7", "=", 7)),
        ("absolute neutrophil count > 1.5 109/l", _v("> 1.5 109/l", ">", 1.5, unit="10^9/L")),
        ("platelets ≥ 100 103/µL", _v("≥ 100 103/µL", ">=", 100, unit="10^3/µL")),
        ("Gleason score <or=6", _v("<or=6", "<=", 6)),
        ("Minimum = 15 points", _v("Minimum = 15 points", ">=", 15, unit="points")),
    ],
)
def test_values_other_forms(text: str, expected: Expected) -> None:
    _check(text, find_values(text), [expected])


def test_values_restated_in_brackets() -> None:
    text = "Weight: at least 60 kg (132 lbs)"
    found = find_values(text)
    assert [(m.value.text, m.value.operator, m.value.unit) for m in found] == [
        ("at least 60 kg", ">=", "kg"), ("132 lbs", ">=", "lb")
    ]


def test_values_list_number_on_next_line() -> None:
    text = "3. ISI score of 8 or above\n4. Age > 18"
    found = find_values(text)
    assert [(m.value.text, m.value.operator) for m in found] == [("8 or above", ">="), ("> 18", ">")]
