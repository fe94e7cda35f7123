"""find_values()/find_windows() on pathological input: they must finish in linear time and never raise.

The bounds are on CPU time (time.process_time), so that a busy machine does not fail them; they are
generous: catastrophic backtracking would take minutes, not seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from criteria_nlp.values import find_values, find_windows

_PROSE = (
    "Patients with a history of malignancy other than basal cell carcinoma, who have received any investigational "
    "drug and who, in the opinion of the investigator, would not be able to comply with the protocol; "
)
_VALUES = "creatinine ≤ 1.5 mg/dL within the past 6 months prior to randomization, ECOG 0-1, ALT < 2.5 x ULN. "

PATHOLOGICAL = {
    "50,000 digits": "7" * 50_000,
    "digits with commas": "1," * 25_000,
    "digits with dots": "1." * 25_000,
    "open brackets": "(" * 20_000,
    "comparators": "> " * 20_000,
    "glued comparators": ">=" * 20_000 + "18",
    "dashes": "1-" * 20_000,
    "at least": "at least " * 5_000,
    "within the past": "within the past " * 5_000,
    "prior to": "prior to " * 5_000,
    "times": "2 x " * 10_000,
    "powers": "x 10^" * 10_000,
    "or": "1 or " * 10_000,
    "of": "4 of " * 10_000,
    "ULN": "< ULN " * 10_000,
    "spaces": "1" + " " * 100_000 + "mg",
    "unicode": "≥≤×µ²³⁹−–" * 10_000,
    "line breaks": "\n" * 50_000 + "age > 18",
    "backslashes": "\\" * 50_000,
}


def _timed(fn: Callable[[str], list[Any]], text: str) -> tuple[float, int]:
    t0 = time.process_time()
    n = len(fn(text))
    return time.process_time() - t0, n


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
@pytest.mark.parametrize("fn", [find_values, find_windows], ids=["values", "windows"])
def test_values_robustness_pathological(name: str, fn: Callable[[str], list[Any]]) -> None:
    seconds, _ = _timed(fn, PATHOLOGICAL[name])
    assert seconds < 2.0, f"{fn.__name__} took {seconds:.2f} s on {name!r}"


@pytest.mark.parametrize("fn", [find_values, find_windows], ids=["values", "windows"])
def test_values_robustness_two_megabytes(fn: Callable[[str], list[Any]]) -> None:
    text = ((_PROSE * 3 + _VALUES) * (2_000_000 // (len(_PROSE) * 3 + len(_VALUES)) + 1))[:2_000_000]
    seconds, found = _timed(fn, text)
    assert found > 1000
    # a guard against super-linear paths (a quadratic one takes minutes on 2 MB), not a benchmark: the
    # linear scan takes about 1.5 s of CPU, up to 2.4 s seen on a shared machine, hence the slack
    assert seconds < 8.0, f"{fn.__name__} took {seconds:.2f} s on a 2 MB criterion"


def test_values_robustness_empty_and_bounds() -> None:
    for fn in (find_values, find_windows):
        assert fn("") == []
        assert fn("age > 18", 5, 2) == []
        assert fn("age > 18", -10, 10_000) == fn("age > 18")
        assert fn("age > 18", 8) == []
