"""to_pint(): one shared registry that knows the project's units."""

from __future__ import annotations

import pytest

from criteria_nlp.units import UnitError, registry, to_pint


@pytest.mark.parametrize(
    "unit,target,factor",
    [
        ("mg/dL", "g/L", 0.01),
        ("g/dL", "g/L", 10.0),
        ("10^9/L", "1/L", 1e9),
        ("/mm³", "1/L", 1e6),
        ("/µL", "1/L", 1e6),
        ("10^3/µL", "1/L", 1e9),
        ("cells/µL", "1/L", 1e6),
        ("mL/min/1.73m²", "mL/min/m**2", 1 / 1.73),
        ("mIU/mL", "IU/L", 1.0),
        ("IU/L", "U/L", 1.0),
        ("U/L", "µkat/L", 1 / 60),
        ("copies/mL", "copies/L", 1000.0),
        ("bpm", "1/minute", 1.0),
        ("mmHg", "kPa", 0.133322),
        ("months", "days", 30.4375),
        ("years", "days", 365.25),
        ("mg/24h", "mg/hour", 1 / 24),
        ("pack-years", "pack_year", 1.0),
    ],
)
def test_units_to_pint(unit: str, target: str, factor: float) -> None:
    q = to_pint(unit)
    assert float(q.to(target).magnitude) == pytest.approx(factor, rel=1e-4)


def test_units_registry_is_shared() -> None:
    assert registry() is registry()
    assert to_pint("mg/dL")._REGISTRY is registry()
    assert to_pint("10^9/L")._REGISTRY is to_pint("µmol/L")._REGISTRY


@pytest.mark.parametrize("unit", ["foo", "", "mg/foo", "log10 IU/mL"])  # a log unit has no linear factor
def test_units_to_pint_unknown(unit: str) -> None:
    with pytest.raises(UnitError) as err:
        to_pint(unit)
    assert err.value.code == "V001"
    assert "V001" in str(err.value)


def test_units_mEq_does_not_convert_to_mmol() -> None:
    import pint

    with pytest.raises(pint.DimensionalityError):
        to_pint("mEq/L").to("mmol/L")
