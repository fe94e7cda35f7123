"""normalize_unit(): display forms of units as criteria write them."""

from __future__ import annotations

import pytest

from criteria_nlp.units import normalize_unit


@pytest.mark.parametrize(
    "written,display",
    [
        ("mg/dl", "mg/dL"), ("MG/DL", "mg/dL"), ("mg/dL.", "mg/dL"), ("gm/dl", "g/dL"), ("g/l", "g/L"), ("g/L", "g/L"),
        ("umol/l", "µmol/L"), ("μmol/L", "µmol/L"), ("µmol/L", "µmol/L"), ("micromol/L", "µmol/L"), ("mmol/l", "mmol/L"),
        ("mM", "mmol/L"), ("µM", "µmol/L"), ("nmol/L", "nmol/L"),
        ("ml/min/1.73m2", "mL/min/1.73m²"), ("mL/min/1.73 m²", "mL/min/1.73m²"), ("mL/min per 1.73 m2", "mL/min/1.73m²"),
        ("ml/min/1.73 m^2", "mL/min/1.73m²"), ("mL/min", "mL/min"), ("ml/minute", "mL/min"),
        ("x10^9/L", "10^9/L"), ("×10⁹/L", "10^9/L"), ("10*9/L", "10^9/L"), ("G/L", "10^9/L"), ("x 10^9 cells/L", "10^9/L"),
        ("10(9)/L", "10^9/L"), ("x 109/L", "10^9/L"), ("×10^12/L", "10^12/L"), ("T/L", "10^12/L"),
        ("x10^3/µL", "10^3/µL"), ("10^3/uL", "10^3/µL"), ("K/µL", "10^3/µL"),
        ("/mm3", "/mm³"), ("/mm³", "/mm³"), ("cells/mm³", "/mm³"), ("/cu mm", "/mm³"), ("per mm3", "/mm³"),
        ("cells/µL", "/µL"), ("elements per mm3", "/mm³"), ("per microL", "/µL"), ("/microL", "/µL"),
        ("log IU/ml", "log10 IU/mL"), ("log10 IU/mL", "log10 IU/mL"), ("log 10 copies/mL", "log10 copies/mL"),
        ("lg copies/ml", "log10 copies/mL"),
        ("kg/m2", "kg/m²"), ("kg/m²", "kg/m²"), ("kg / m2", "kg/m²"),
        ("%", "%"), ("percent", "%"), ("mmHg", "mmHg"), ("mm Hg", "mmHg"), ("mmhg", "mmHg"),
        ("IU/mL", "IU/mL"), ("iu/ml", "IU/mL"), ("IU/l", "IU/L"), ("mIU/mL", "mIU/mL"), ("U/L", "U/L"), ("u/l", "U/L"),
        ("units/mL", "U/mL"), ("ng/mL", "ng/mL"), ("pg/ml", "pg/mL"), ("copies/mL", "copies/mL"), ("copies/ml", "copies/mL"),
        ("bpm", "bpm"), ("beats per minute", "bpm"), ("beats/min", "bpm"),
        ("mg/kg/day", "mg/kg/day"), ("mg/kg/d", "mg/kg/day"), ("mg/kg per day", "mg/kg/day"), ("mg/day", "mg/day"),
        ("mg/d", "mg/day"), ("mg daily", "mg/day"), ("mg/24h", "mg/24h"), ("mcg", "µg"), ("ug/dL", "µg/dL"),
        ("mEq/L", "mEq/L"), ("meq/l", "mEq/L"), ("°C", "°C"), ("degrees Celsius", "°C"), ("℃", "°C"),
        ("years", "years"), ("yrs", "years"), ("y/o", "years"), ("year", "years"), ("months", "months"), ("mo", "months"),
        ("weeks", "weeks"), ("wk", "weeks"), ("days", "days"), ("d", "days"), ("hours", "hours"), ("hrs", "hours"),
        ("h", "hours"), ("minutes", "minutes"), ("times per week", "/week"), ("x/week", "/week"), ("per week", "/week"),
        ("times a day", "/day"), ("pack-years", "pack-years"), ("pack years", "pack-years"), ("ms", "ms"), ("msec", "ms"),
        ("cm", "cm"), ("kg", "kg"), ("lbs", "lb"), ("cm2", "cm²"), ("µm", "µm"), ("microns", "µm"),
    ],
)
def test_units_normalize(written: str, display: str) -> None:
    assert normalize_unit(written) == display


@pytest.mark.parametrize("written", ["", "   ", "foo", "mg/foo", "100/mm3", "a/b/c/d/e/f", "mg//dL x", "x" * 100, "10^9"])
def test_units_normalize_unknown(written: str) -> None:
    assert normalize_unit(written) is None
