"""find_values/find_windows against Chia's Value and Temporal spans, on the train split (the tuning split).

The dev split is for the final measurement only (benchmarks/values_on_chia.py --split dev); these tests
guard against regressions on train.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from conftest import REPO, shared_path


def _benchmark() -> ModuleType:
    path = REPO / "benchmarks" / "values_on_chia.py"
    spec = importlib.util.spec_from_file_location("values_on_chia", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.shared
def test_values_chia_train_values() -> None:
    chia = shared_path("data", "chia")
    bench = _benchmark()
    bench.CHIA = chia
    result = bench.evaluate("train", "value")
    quantitative = result["quantitative"]
    assert quantitative["overlap_r"] >= 0.93
    assert quantitative["overlap_f1"] >= 0.84
    assert result["all"]["exact_f1"] >= 0.58
    assert result["agreement"]["number"] >= 0.97
    assert result["agreement"]["operator"] >= 0.90


@pytest.mark.slow
@pytest.mark.shared
def test_values_chia_train_windows() -> None:
    chia = shared_path("data", "chia")
    bench = _benchmark()
    bench.CHIA = chia
    result = bench.evaluate("train", "window")
    assert result["quantitative"]["overlap_r"] >= 0.83
    assert result["quantitative"]["overlap_f1"] >= 0.78
    assert result["all"]["overlap_p"] >= 0.74
