"""parse_number(): digits, separators, words, echoes, multipliers, powers of ten."""

from __future__ import annotations

import pytest

from criteria_nlp.values import parse_number


@pytest.mark.parametrize(
    "text,number",
    [
        ("18", 18.0), ("100,000", 100000.0), ("1,500", 1500.0), ("1 500", 1500.0), ("1,234,567.5", 1234567.5),
        ("0.5", 0.5), (".5", 0.5), ("0,9", 0.9), ("7,0", 7.0), ("12,25", 12.25), ("-2.5", -2.5), ("−2.5", -2.5),
        ("three", 3.0), ("Three", 3.0), ("twenty-one", 21.0), ("twenty one", 21.0), ("ninety-nine", 99.0),
        ("a dozen", 12.0), ("three (3)", 3.0), ("six (6)", 6.0), ("zero", 0.0),
        ("twice", 2.0), ("thrice", 3.0), ("two-fold", 2.0), ("2-fold", 2.0), ("2 fold", 2.0), ("1.5 times", 1.5),
        ("two times", 2.0), ("2x", 2.0), ("2.5X", 2.5), ("2 ×", 2.0), ("× 2.5", 2.5), ("x2.5", 2.5),
        ("10^9", 1e9), ("1.5 x 10^9", 1.5e9), ("1.5 × 10^3", 1500.0), ("1e3", 1000.0),
        ("III", 3.0), ("IV", 4.0), ("XII", 12.0), ("  42  ", 42.0),
    ],
)
def test_values_parse_number(text: str, number: float) -> None:
    assert parse_number(text) == pytest.approx(number)


@pytest.mark.parametrize("text", ["", "   ", "abc", "three (4)", "1,2,3", "ten and", "x", "nan", "inf", "1.2.3", "IIII"])
def test_values_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None
