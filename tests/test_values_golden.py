"""Golden file: values and windows of the seed records' criteria (tests/fixtures/values/seed_criteria.json).

The file was written from the output of find_values/find_windows and checked by hand against the
criteria; regenerate it only after checking each difference.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from criteria_nlp.values import find_values, find_windows

from conftest import FIXTURES

GOLDEN: list[dict[str, Any]] = json.loads((FIXTURES / "values" / "seed_criteria.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", GOLDEN, ids=[c["text"][:40] for c in GOLDEN])
def test_values_golden_seed_criteria(case: dict[str, Any]) -> None:
    text = case["text"]
    values = [dict(span=[m.start, m.end], **m.value.model_dump(exclude_none=True)) for m in find_values(text)]
    windows = [dict(span=[w.start, w.end], **w.window.model_dump(exclude_none=True)) for w in find_windows(text)]
    assert values == case["values"]
    assert windows == case["windows"]
