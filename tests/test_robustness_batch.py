"""Bad and pathological records mixed into good input: each bad record is reported, every good one written."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from criteria_nlp import batch
from criteria_nlp.batch import annotate
from criteria_nlp.output import read_results
from criteria_nlp.read import read_trials

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STUDIES = FIXTURES / "batch" / "studies.jsonl"
BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n<clinical_study><brief_title>&lol9;</brief_title></clinical_study>"
)
XML = (
    "<clinical_study><id_info><nct_id>{nct}</nct_id></id_info><brief_title>A trial</brief_title>"
    "<eligibility><criteria><textblock>{text}</textblock></criteria></eligibility></clinical_study>"
)
H = "Inclusion Criteria:\n- "


def _study(nct: str, text: str) -> str:
    return json.dumps({"protocolSection": {"identificationModule": {"nctId": nct}, "eligibilityModule": {"eligibilityCriteria": text}}})


#: a 2 MB eligibility text (12 distinct criteria, repeated)
BIG = "Inclusion Criteria:\n" + "".join(
    f"- Patients with type 2 diabetes and HbA1c between 7% and 10% within {i % 12 + 1} months; no prior insulin.\n" for i in range(19_000)
)
#: good records: id -> eligibility text (long, odd or pathological, but analysable in reasonable time)
GOOD: dict[str, str] = {
    "NCT10000001": "",
    "NCT10000003": "Inclusion Criteria:\n" + "".join(f"- Hemoglobin above {i / 10:.1f} g/dL at visit {i}\n" for i in range(1, 5001)),
    "NCT10000004": H + "age \x01\x02\x03\x07\x1b >= 18 \x0b\x0c\x1f years \u200b\u200e\ufeff\x7f\x85",
    "NCT10000005": H + "\u05de\u05d8\u05d5\u05e4\u05dc\u05d9\u05dd \u05d1\u05d2\u05d9\u05dc 18 \u202e >= 18 years \u202c \u0627\u0644\u0639\u0645\u0631 \u2067x\u2069",
    "NCT10000006": H + "1" * 20_000,
    "NCT10000007": H + "1 " * 10_000,
    "NCT10000008": "Inclusion Criteria:\n" + "- " * 10_000,
    "NCT10000009": "Inclusion Criteria:\n" + "-\n" * 10_000,
    "NCT10000010": H + "age " + ">= " * 6_000 + "18",
    "NCT10000011": H + "< > = ≤ ≥ " * 2_000,
    "NCT10000012": H + "at least " * 5_000 + "18 years",
    "NCT10000013": H + "; " * 10_000,
    "NCT10000014": H + "( " * 10_000,
    "NCT10000015": H + "ALT " + "x " * 10_000 + "ULN",
    "NCT10000016": H + "within " * 5_000 + "6 months",
    "NCT10000017": "Inclusion Criteria:\nExclusion Criteria:\n" * 5_000,
    "NCT10000018": H + "diabetes or " * 5_000 + "stroke",
    # pathological strings for the regular expressions and the pipeline's loops
    "NCT10000019": H + "(" * 20_000,
    "NCT10000021": H + ";" * 20_000,
    "NCT10000022": H + "([" * 5_000 + "x" + "])" * 5_000,
    "NCT10000023": "Inclusion Criteria:\n" + "".join(f"{'  ' * (i % 40)}{i}. a\n" for i in range(20_000)),
    "NCT10000024": "Inclusion Criteria:\n" + "1. a. i. (1) (a) " * 4_000,
    "NCT10000025": H + "(1) " * 7_000,
    "NCT10000026": H + "10 mg/dL " * 5_000,
    "NCT10000027": H + "1 - 2 - " * 5_000,
    "NCT10000028": H + "no history of " * 5_000 + "stroke",
    "NCT10000029": H + "a" * 100_000,
    "NCT10000030": H + ">=" * 10_000 + " 18",
}


@pytest.fixture(autouse=True)
def _shared_pipeline(analyzer: Any) -> None:
    batch.set_worker_analyzer(analyzer)


def _inputs(folder: Path) -> dict[str, str]:
    """Write good and bad inputs; return bad file -> the code its error must carry."""
    folder.mkdir()
    lines = STUDIES.read_text(encoding="utf-8").splitlines()
    (folder / "a_studies.jsonl").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    with open(folder / "b_odd.jsonl", "w", encoding="utf-8") as handle:
        for nct, text in GOOD.items():
            handle.write(_study(nct, text) + "\n")
    (folder / "b_zbig.json").write_text(_study("NCT10000002", BIG), encoding="utf-8")
    (folder / "c_bomb.xml").write_text(BOMB, encoding="utf-8")
    (folder / "d_malformed.xml").write_text(XML.format(nct="NCT20000001", text="x")[:-25], encoding="utf-8")
    (folder / "e_malformed.json").write_text(_study("NCT20000002", "x")[:-10], encoding="utf-8")
    (folder / "f_undecodable.xml").write_bytes(XML.format(nct="NCT20000003", text="\u00e2ge").encode("latin-1"))
    (folder / "g_binary.txt").write_bytes(b"Inclusion Criteria:\x00\x00\xff\xfe- age")
    (folder / "h_surrogate.jsonl").write_text(_study("NCT20000004", "Inclusion Criteria:\n- age \ud800 > 18") + "\n", encoding="utf-8")
    (folder / "i_not_a_study.json").write_text('{"hello": "world"}', encoding="utf-8")
    (folder / "j_good.xml").write_text(XML.format(nct="NCT10000020", text="Exclusion Criteria:\n- Pregnancy"), encoding="utf-8")
    return {
        "c_bomb.xml": "R006",
        "d_malformed.xml": "R004",
        "e_malformed.json": "R003",
        "f_undecodable.xml": "R002",
        "g_binary.txt": "R002",
        "i_not_a_study.json": "R007",
    }


@pytest.mark.slow
def test_robustness_batch_mixed_input(tmp_path: Path) -> None:
    bad = _inputs(tmp_path / "in")
    errors = tmp_path / "errors.jsonl"
    started = time.monotonic()
    summary = annotate(tmp_path / "in", tmp_path / "out.parquet", errors=errors, batch_size=4)
    elapsed = time.monotonic() - started
    entries = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    codes = {Path(e["source"]).name: e["code"] for e in entries}
    assert codes == bad
    good_ids = ["NCT90000000", "NCT90000001", "NCT90000002", *GOOD, "NCT10000002", "NCT20000004", "NCT10000020"]
    trials = read_results(tmp_path / "out.parquet")["trials"]
    assert trials["trial_id"].tolist() == good_ids
    assert (summary.analysed, summary.failed) == (len(good_ids), len(bad))
    texts = dict(zip(trials["trial_id"], trials["eligibility_text"]))
    assert texts["NCT10000002"] == BIG.strip()  # 2 MB kept whole (the reader trims the ends)
    assert "\ufffd" in texts["NCT20000004"]  # a lone surrogate, replaced when the trial is read
    assert texts["NCT10000001"] == ""
    criteria = read_results(tmp_path / "out.parquet")["criteria"]
    assert (criteria["trial_id"] == "NCT10000003").sum() >= 5000
    assert elapsed < 300, f"the run took {elapsed:.0f} s"


@pytest.mark.parametrize("nct", ["NCT10000004", "NCT10000005"])
def test_robustness_batch_odd_characters_round_trip(tmp_path: Path, nct: str) -> None:
    """Control characters and right-to-left text survive every format unchanged."""
    source = tmp_path / "in.jsonl"
    source.write_text(_study(nct, GOOD[nct]) + "\n", encoding="utf-8")
    (trial,) = read_trials(source)
    assert "\u200b" in trial.eligibility_text or "\u202e" in trial.eligibility_text
    for fmt in ("jsonl", "parquet", "csv"):
        summary = annotate(source, tmp_path / f"out.{fmt}")
        assert summary.analysed == 1
        assert read_results(tmp_path / f"out.{fmt}")["trials"]["eligibility_text"].tolist() == [trial.eligibility_text], fmt


def test_robustness_batch_surrogates_keep_output_valid(tmp_path: Path) -> None:
    """A lone surrogate outside the criteria (a title) becomes U+FFFD when the trial is read, never breaking a file."""
    source = tmp_path / "in.jsonl"
    study = json.loads(_study("NCT30000001", "Inclusion Criteria:\n- Age 18 or older"))
    study["protocolSection"]["identificationModule"]["briefTitle"] = "Title \ud800 here"
    source.write_text(json.dumps(study) + "\n", encoding="utf-8")
    for fmt in ("jsonl", "parquet", "csv"):
        summary = annotate(source, tmp_path / f"out.{fmt}")
        assert (summary.analysed, summary.failed) == (1, 0)
        assert read_results(tmp_path / f"out.{fmt}")["trials"]["title"].tolist() == ["Title \ufffd here"]
    line = (tmp_path / "out.jsonl").read_bytes()
    assert json.loads(line)["trial"]["title"] == "Title \ufffd here"
