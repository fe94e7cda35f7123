"""compare() over the five lupus seeds: the table a rheumatologist reads.

The whole wide table is kept in tests/fixtures/golden/compare_seeds.csv (checked by
eye); the rows a rheumatologist looks for first are asserted here as well. After a
deliberate change upstream (rules, lexicon), rewrite the golden file with
``CRITERIA_NLP_UPDATE_GOLDEN=1 python -m pytest tests/test_compare_seeds.py`` and
review its diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from criteria_nlp import Analyzer, read_trial
from criteria_nlp.comparison import compare

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = FIXTURES / "golden" / "compare_seeds.csv"
IDS = ["NCT05921058", "NCT04184258", "NCT03219801", "IR.KUMS.REC.1400.198", "NCT00659217"]


@pytest.fixture(scope="module")
def table(analyzer: Analyzer) -> pd.DataFrame:
    analyses = [analyzer(read_trial(path)) for path in sorted((FIXTURES / "seeds").glob("*.txt"))]
    return compare(analyses)


def test_compare_seeds_golden(table: pd.DataFrame) -> None:
    if os.environ.get("CRITERIA_NLP_UPDATE_GOLDEN"):
        table.to_csv(GOLDEN, encoding="utf-8", lineterminator="\n")
        pytest.skip(f"rewrote {GOLDEN.name}; review its diff")
    expected = pd.read_csv(GOLDEN, index_col="key", dtype=str, keep_default_na=False, encoding="utf-8")
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)


@pytest.mark.parametrize(
    ("key", "cells"),
    [
        ("age (registry)", ["18-60 y", "18-75 y", "14-60 y", "", "18-60 y"]),
        ("age (criteria)", ["", "", "14-60 y", "", ""]),
        ("score:SELENA-SLEDAI", ["", ">= 6", "", "", ""]),
        ("score:ACR-1997", ["", ">= 4 of 11", "", "", ">= 4 of 11"]),
        ("pregnancy:Z33.1 (pregnancy)", ["excluded", "excluded", "excluded", "excluded", ""]),
        ("pregnancy:Z39.1 (lactation)", ["", "excluded", "excluded", "excluded", ""]),
        ("procedure:proc:dialysis (dialysis)", ["", "excluded", "", "excluded", ""]),
        ("condition:B20 (HIV infection)", ["", "excluded", "", "", "excluded"]),
        # "Active tuberculosis" carries its qualifier; "suspected TB" is suspected, not planned
        ("condition:A15-A19 (tuberculosis)", ["", "excluded", "excluded (active)", "", "excluded; excluded (suspected)"]),
        # "uncontrolled high blood pressure": the qualifier is in the cell
        ("condition:I10 (hypertension)", ["", "", "", "excluded (uncontrolled)", ""]),
        # "in past 6 months" belongs to acute coronary syndrome only, not to the other cardiac items (seed NCT00659217)
        # ... and its "past" makes no history of the others: "existing congestive cardiac failure" is current
        ("condition:I24.9 (ACS)", ["", "", "", "", "excluded (6 mo)"]),
        ("condition:I50.9 (heart failure)", ["", "", "", "excluded", "excluded"]),
        # "Psychiatric illness ... making ... informed consent impossible" excludes the illness (as judged), never consent
        ("condition:F99 (psychiatric disorder)", ["", "", "", "", "excluded (interfering)"]),
        ("condition:C80.1 (malignancy)", ["", "excluded (5 y)", "excluded", "", "excluded (history)"]),
        ("lab:1742-6 (ALT)", ["", "", "> 2 x ULN", "", "excluded if > 2 x ULN (unless SLE)"]),
    ],
)
def test_compare_seeds_rows(table: pd.DataFrame, key: str, cells: list[str]) -> None:
    assert table.loc[key, IDS].tolist() == cells


def test_compare_seeds_sections(table: pd.DataFrame) -> None:
    sections = table["section"]
    assert sections["score:SELENA-SLEDAI"] == "disease activity"
    assert sections["procedure:proc:dialysis (dialysis)"] == "kidney"
    infections = [k for k in table.index if sections[k] == "infections"]
    assert {"condition:B20 (HIV infection)", "condition:B18.1 (hepatitis B)", "condition:B18.2 (hepatitis C)",
            "condition:A15-A19 (tuberculosis)"} <= set(infections)
    keys = list(table.index)
    positions = sorted(keys.index(k) for k in infections)
    assert positions == list(range(positions[0], positions[0] + len(positions)))  # one block
    assert keys.index("pregnancy:Z39.1 (lactation)") == keys.index("pregnancy:Z33.1 (pregnancy)") + 1
