"""The hand-coded gold mentions of issue 25 (``annotations/codes.jsonl``) are well formed.

Runs ``annotations/codes_validate.py``: fields, offsets into the criterion, ICD-10-CM
codes and range ends that exist (when simple_icd_10_cm is installed), ATC and LOINC
formats (LOINC check digits), counts per label, and, when the Chia corpus is found in
``../shared/data/chia``, that the records are exactly the sample ``codes_sample.py``
draws. Nothing here runs the pipeline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODES = ROOT / "annotations" / "codes.jsonl"


def test_codes_validate() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "annotations" / "codes_validate.py"), str(CODES)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_codes_counts() -> None:
    labels = [json.loads(line)["label"] for line in CODES.read_text(encoding="utf-8").splitlines()]
    assert {k: labels.count(k) for k in set(labels)} == {
        "Condition": 160, "Drug": 100, "Procedure": 60, "Measurement": 80}
