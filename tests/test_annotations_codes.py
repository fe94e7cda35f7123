"""The hand-coded gold mentions of issue 25 (``annotations/codes.jsonl``) are well formed.

Runs ``annotations/codes_validate.py``: fields, offsets into the criterion, ICD-10-CM
codes and range ends that exist (when simple_icd_10_cm is installed), ATC and LOINC
formats (LOINC check digits), counts per label, and, when the Chia corpus is found in
``../shared/data/chia``, that the records are exactly the sample ``codes_sample.py``
draws. Nothing here runs the pipeline.

The same checks run on the held-out second sample ``annotations/codes_heldout.jsonl``
(seed 26, 200 mentions, none of codes.jsonl's), with the sampler options it was drawn
with; its comparison with the drawn sample is a separate test that is skipped when the
corpus is absent.

They also run on the development sample ``annotations/codes_train.jsonl`` (Chia train
trials, seed 27, 240 mentions), whose errors engineers may read while improving the
coder; its comparison with the drawn sample is likewise a separate, skippable test, and
it shares no mention with the two dev-trial files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CODES = ROOT / "annotations" / "codes.jsonl"
HELDOUT = ROOT / "annotations" / "codes_heldout.jsonl"
TRAIN = ROOT / "annotations" / "codes_train.jsonl"
CHIA = ROOT.parent / "shared" / "data" / "chia"
HELDOUT_OPTIONS = ["--seed", "26", "--quota", "Condition=80,Drug=50,Procedure=30,Measurement=40",
                   "--exclude", str(CODES)]
TRAIN_OPTIONS = ["--split", "train", "--seed", "27",
                 "--quota", "Condition=100,Drug=60,Procedure=40,Measurement=40"]

# file, validator options, expected counts per label
FILES = {
    "codes": (CODES, [], {"Condition": 160, "Drug": 100, "Procedure": 60, "Measurement": 80}),
    "heldout": (HELDOUT, HELDOUT_OPTIONS, {"Condition": 80, "Drug": 50, "Procedure": 30, "Measurement": 40}),
    "train": (TRAIN, TRAIN_OPTIONS, {"Condition": 100, "Drug": 60, "Procedure": 40, "Measurement": 40}),
}


def validate(path: Path, options: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "annotations" / "codes_validate.py"),
                           "--file", str(path), *options], capture_output=True, text=True)


@pytest.mark.parametrize("which", sorted(FILES))
def test_codes_validate(which: str) -> None:
    path, options, _ = FILES[which]
    run = validate(path, options)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("which", sorted(FILES))
def test_codes_counts(which: str) -> None:
    path, _, counts = FILES[which]
    labels = [json.loads(line)["label"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert {k: labels.count(k) for k in set(labels)} == counts


#: the held-out and development samples: file, sampler options, how codes_sample.py draws it
SAMPLES = {
    "heldout": (HELDOUT, HELDOUT_OPTIONS, "seed 26, codes.jsonl excluded"),
    "train": (TRAIN, TRAIN_OPTIONS, "train split, seed 27"),
}


@pytest.mark.parametrize("which", sorted(SAMPLES))
def test_codes_file_is_the_drawn_sample(which: str) -> None:
    path, options, how = SAMPLES[which]
    if not CHIA.is_dir():
        pytest.skip("Chia corpus not found at %s: cannot compare %s with the sample codes_sample.py draws (%s)"
                    % (CHIA, path.name, how))
    run = validate(path, [*options, "--chia", str(CHIA)])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "sample check on" in run.stdout, run.stdout


def test_codes_heldout_shares_no_mention() -> None:
    first = {json.loads(line)["id"] for line in CODES.read_text(encoding="utf-8").splitlines()}
    second = [json.loads(line)["id"] for line in HELDOUT.read_text(encoding="utf-8").splitlines()]
    assert len(second) == len(set(second)) == 200
    assert not first & set(second)


def test_codes_train_is_from_train_trials_only() -> None:
    split = json.loads((ROOT / "annotations" / "chia_split.json").read_text(encoding="utf-8"))
    ids = [json.loads(line)["id"] for line in TRAIN.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == len(set(ids)) == 240
    assert {i.split("_")[0] for i in ids} <= set(split["train"])
    dev_ids = set()
    for path in (CODES, HELDOUT):
        dev_ids |= {json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()}
    assert not dev_ids & set(ids)
