"""canonicalize(): conversions to a canonical unit with pint, molar masses, and what does not convert."""

from __future__ import annotations

import pytest

from criteria_nlp.schema import Value
from criteria_nlp.values import canonicalize, find_values


def _value(text: str) -> Value:
    (m,) = find_values(text)
    return m.value


@pytest.mark.parametrize(
    "text,canonical,molar_mass,unit,low,high",
    [
        ("creatinine ≤ 1.5 mg/dL", "µmol/L", 113.12, "µmol/L", 132.6, None),
        ("creatinine ≤ 1.5 mg/dl", "umol/l", 113.12, "µmol/L", 132.6, None),
        ("creatinine ≤ 133 µmol/L", "mg/dL", 113.12, "mg/dL", 1.504, None),
        ("ANC ≥ 1,500/mm³", "10^9/L", None, "10^9/L", 1.5, None),
        ("ANC ≥ 1500 cells/µL", "10^9/L", None, "10^9/L", 1.5, None),
        ("platelets <75,000 per microL", "10^9/L", None, "10^9/L", 75.0, None),
        ("platelets ≥ 100 × 10^9/L", "/mm³", None, "/mm³", 100000.0, None),
        ("platelets ≥ 100 × 10^9/L", "10^3/µL", None, "10^3/µL", 100.0, None),
        ("hemoglobin ≥ 9 g/dL", "g/L", None, "g/L", 90.0, None),
        ("hemoglobin ≥ 90 g/L", "g/dL", None, "g/dL", 9.0, None),
        ("HbA1c < 7.5%", "%", None, "%", 7.5, None),
        ("glucose between 70 and 180 mg/dL", "mmol/L", 180.16, "mmol/L", 3.885, 9.991),
        ("weight > 100 lbs", "kg", None, "kg", 45.36, None),
        ("temperature > 38 °C", "°F", None, "°F", 100.4, None),
        ("FSH > 40 mIU/mL", "IU/L", None, "IU/L", 40.0, None),
        ("ALT > 40 IU/L", "U/L", None, "U/L", 40.0, None),
        ("eGFR ≥ 60 mL/min/1.73 m²", "mL/min/1.73m2", None, "mL/min/1.73m²", 60.0, None),
        ("life expectancy > 3 months", "days", None, "days", 91.3125, None),
    ],
)
def test_values_canonicalize_converts(text: str, canonical: str, molar_mass: float | None, unit: str, low: float,
                                      high: float | None) -> None:
    value = _value(text)
    out = canonicalize(value, canonical, molar_mass=molar_mass)
    assert out.unit_canonical == unit
    assert out.low_canonical == pytest.approx(low, rel=1e-3)
    if high is None:
        assert out.high_canonical is None
    else:
        assert out.high_canonical == pytest.approx(high, rel=1e-3)
    # the original fields are kept, and the input is not changed
    assert (out.operator, out.low, out.high, out.unit, out.text) == (value.operator, value.low, value.high, value.unit, value.text)
    assert value.unit_canonical is None


def test_values_canonicalize_creatinine_factor() -> None:
    """1 mg/dL of creatinine (113.12 g/mol) is 88.4 µmol/L."""
    out = canonicalize(Value(operator="=", low=1.0, unit="mg/dL", text="1 mg/dL"), "µmol/L", molar_mass=113.12)
    assert out.low_canonical == pytest.approx(88.4, rel=1e-3)


@pytest.mark.parametrize(
    "value,canonical,molar_mass",
    [
        (Value(operator="<=", low=1.5, unit="mg/dL", text="≤ 1.5 mg/dL"), "µmol/L", None),  # no molar mass
        (Value(operator="<", low=48, unit="mmol/mol", text="< 48 mmol/mol"), "%", None),  # HbA1c IFCC vs NGSP
        (Value(operator="<", low=5.5, unit="mEq/L", text="< 5.5 mEq/L"), "mmol/L", None),  # valence unknown
        (Value(operator=">=", low=60, unit="mL/min", text="≥ 60 mL/min"), "mL/min/1.73m²", None),
        (Value(operator="<", low=2.5, uln_multiple=2.5, text="< 2.5 x ULN"), "U/L", None),
        (Value(operator=">", low=3, unit="furlongs", text="> 3 furlongs"), "m", None),
        (Value(operator=">", low=3, unit="mg/dL", text="> 3 mg/dL"), "no such unit", None),
        (Value(operator="normal", text="within normal limits"), "U/L", None),
    ],
)
def test_values_canonicalize_unchanged(value: Value, canonical: str, molar_mass: float | None) -> None:
    out = canonicalize(value, canonical, molar_mass=molar_mass)
    assert out == value
    assert out is not value
