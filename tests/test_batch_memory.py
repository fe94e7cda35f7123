"""Memory does not grow with the number of records: peak RSS after 200 and after 2,000 records stays within a bound."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

#: every record carries this much text the pipeline does not analyse (the title), so holding
#: records in memory would show: 2,000 records are ~100 MB
PAD = 50_000
SCRIPT = r"""
import json, resource, sys, warnings
warnings.simplefilter("ignore")
import criteria_nlp
from criteria_nlp import batch
batch.worker_analyzer()
peaks = []
for name in ("small", "large"):
    fmt = sys.argv[2]
    summary = criteria_nlp.annotate(sys.argv[1] + f"/in_{name}.jsonl", sys.argv[1] + f"/{name}.{fmt}", batch_size=100)
    assert summary.failed == 0, summary
    peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
print(json.dumps(peaks))
"""


def _write(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            study = {
                "protocolSection": {
                    "identificationModule": {"nctId": f"NCT{i:08d}", "briefTitle": f"Study {i} " + "x" * PAD},
                    "eligibilityModule": {"eligibilityCriteria": f"Inclusion Criteria:\n\n* Age {18 + i % 50} years or older\n\nExclusion Criteria:\n\n* Pregnancy"},
                }
            }
            handle.write(json.dumps(study) + "\n")


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_batch_memory_flat(tmp_path: Path, fmt: str) -> None:
    _write(tmp_path / "in_small.jsonl", 200)
    _write(tmp_path / "in_large.jsonl", 2000)
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), fmt], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    small, large = json.loads(result.stdout.splitlines()[-1])
    # 2,000 records hold ~100 MB of titles; a streaming run grows by far less than that
    assert large - small < 40 * 2**20, f"peak RSS {small / 2**20:.0f} MiB after 200 records, {large / 2**20:.0f} MiB after 2,000"
