"""criteria-nlp report, through typer's CliRunner (the session's analyzer stands in for a fresh one)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from criteria_nlp import Analyzer
from criteria_nlp.cli import app

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
runner = CliRunner()


@pytest.fixture(autouse=True)
def reuse_analyzer(monkeypatch: pytest.MonkeyPatch, analyzer: Analyzer) -> None:
    monkeypatch.setattr("criteria_nlp.analyzer.Analyzer", lambda *args, **kwargs: analyzer)


def study(path: Path, text: str) -> Path:
    """A ClinicalTrials.gov API v2 study with ``text`` as its criteria."""
    record = {"protocolSection": {
        "identificationModule": {"nctId": "NCT00000001", "briefTitle": "A <b>lupus</b> trial"},
        "eligibilityModule": {"eligibilityCriteria": text, "sex": "ALL", "minimumAge": "18 Years",
                              "maximumAge": "60 Years", "healthyVolunteers": False},
    }}
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


TEXT = "Inclusion Criteria:\n\n* Systemic lupus erythematosus\n\nExclusion Criteria:\n\n* No pregnancy <script>x</script>\n"


def test_cli_report_writes_the_page_of_the_seeds(tmp_path: Path) -> None:
    out = tmp_path / "html" / "report.html"
    result = runner.invoke(app, ["report", str(SEEDS), "-o", str(out), "--title", "Lupus trials"])
    assert result.exit_code == 0, result.output
    assert "5 trial(s) reported to" in result.output
    page = out.read_text(encoding="utf-8")
    assert "<title>Lupus trials</title>" in page and "class=\"comparison\"" in page
    for trial in ("NCT05921058", "NCT04184258", "NCT03219801", "IR.KUMS.REC.1400.198", "NCT00659217"):
        assert trial in page


def test_cli_report_bad_record_among_good_ones(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEEDS / "002_af3d16ab93fc7196.txt", folder / "a_seed.txt")
    (folder / "b_broken.json").write_text('{"protocolSection": ', encoding="utf-8")
    study(folder / "c_study.json", TEXT)
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(folder), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "R003" in result.output and "b_broken.json" in result.output
    assert "2 trial(s) reported" in result.output and "1 failed" in result.output
    page = out.read_text(encoding="utf-8")
    assert "NCT03219801" in page and "NCT00000001" in page
    assert "A &lt;b&gt;lupus&lt;/b&gt; trial" in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<script" not in page


def test_cli_report_nothing_readable(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(tmp_path / "missing.json"), "-o", str(out)])
    assert result.exit_code == 2 and "R008" in result.output
    (tmp_path / "empty.json").write_bytes(b"")
    result = runner.invoke(app, ["report", str(tmp_path / "empty.json"), "-o", str(out)])
    assert result.exit_code == 1 and "R001" in result.output
    (tmp_path / "nothing").mkdir()
    result = runner.invoke(app, ["report", str(tmp_path / "nothing"), "-o", str(out)])
    assert result.exit_code == 1 and "C001" in result.output
    assert not out.exists()


def test_cli_report_to_stdout(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(study(tmp_path / "study.json", TEXT)), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.rstrip().endswith("</html>")
    assert "NCT00000001" in result.stdout and "class=\"comparison\"" not in result.stdout


def test_cli_report_needs_an_output(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(SEEDS)])
    assert result.exit_code == 2 and "--output" in result.output


PATIENT = Path(__file__).resolve().parent / "fixtures" / "patients" / "lupus_candidate.json"


def test_cli_report_with_a_patient(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(SEEDS), "-o", str(out), "--patient", str(PATIENT)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "<h2 id=\"patient-heading\">Patient lupus-candidate</h2>" in page
    assert page.count("<span class=\"verdict verdict-ineligible\">ineligible</span>") == 4  # summary and section
    assert "lint flagged this criterion" in page
    stdout = runner.invoke(app, ["report", str(SEEDS), "-o", "-", "-p", str(PATIENT)])
    assert stdout.exit_code == 0 and "Patient lupus-candidate" in stdout.stdout


@pytest.mark.parametrize(("content", "code", "status"), [
    (None, "P004", 2),  # a missing file is a usage error
    ('{"id": "x", ', "P006", 1), ('{"id": "x", "sex": 3}', "P001", 1), (b"\xff\xfe\x00junk", "P005", 1)])
def test_cli_report_bad_patient_is_one_coded_line(tmp_path: Path, content: str | bytes | None, code: str,
                                                  status: int) -> None:
    patient = tmp_path / "patient.json"
    if isinstance(content, str):
        patient.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        patient.write_bytes(content)
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(SEEDS), "-o", str(out), "--patient", str(patient)])
    assert result.exit_code == status
    assert code in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()
