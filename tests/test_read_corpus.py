"""Every record of the shared ClinicalTrials.gov corpora reads, and its fields equal the source's.

The expected values are computed here from the source with the standard library
only (``xml.etree``, ``json``), independently of the readers' code.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest

from criteria_nlp.read import iter_records, read_trial, read_trials, trial_from_mapping
from criteria_nlp.schema import Trial

from conftest import shared_path

pytestmark = pytest.mark.shared

XML_DIR = ("data", "ctgov-xml")
V2_DIR = ("data", "ctgov-v2")


# ---------------------------------------------------------------- independent expectations


def _age(text: str | None) -> tuple[float, str] | None:
    if text is None or text.strip() in ("", "N/A"):
        return None
    number, unit = text.split()
    unit = unit.lower()
    return float(number), unit if unit.endswith("s") else unit + "s"


def _phases(words: list[str]) -> list[str]:
    out = []
    for word in words:
        word = word.strip().upper().replace(" ", "")
        if word in ("NA", "N/A"):
            continue
        for part in word.split("/"):
            out.append("EARLY_PHASE1" if part == "EARLYPHASE1" else part)
    return out


def _text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _expected_from_xml(path: Path) -> dict[str, Any]:
    root = ET.parse(path).getroot()

    def one(tag: str) -> str | None:
        element = root.find(tag)
        return None if element is None or element.text is None else " ".join(element.text.split())

    status = one("overall_status") or ""
    status = "UNKNOWN" if status == "Unknown status" else status.upper().replace(", ", "_").replace(" ", "_")
    enrollment = one("enrollment")
    healthy = one("eligibility/healthy_volunteers")
    return {
        "id": one("id_info/nct_id"),
        "title": one("brief_title"),
        "status": status or None,
        "phases": _phases([one("phase") or "N/A"]),
        "enrollment": int(enrollment) if enrollment else None,
        "study_type": (one("study_type") or "").split(" [")[0].upper().replace(" ", "_") or None,
        "conditions": [" ".join((e.text or "").split()) for e in root.findall("condition")],
        "interventions": [
            ((i.findtext("intervention_type") or "").upper().replace(" ", "_") or None, " ".join((i.findtext("intervention_name") or "").split()))
            for i in root.findall("intervention")
        ],
        "eligibility_text": _text(root.findtext("eligibility/criteria/textblock")),
        "minimum_age": _age(one("eligibility/minimum_age")),
        "maximum_age": _age(one("eligibility/maximum_age")),
        "sex": {"All": "all", "Female": "female", "Male": "male", None: None}[one("eligibility/gender")],
        "healthy_volunteers": {"No": False, "Accepts Healthy Volunteers": True, None: None}[healthy],
        "secondary_ids": [" ".join((e.text or "").split()) for e in root.findall("id_info/org_study_id") + root.findall("id_info/secondary_id")],
    }


def _expected_from_v2(study: dict[str, Any]) -> dict[str, Any]:
    p = study["protocolSection"]
    ident = p["identificationModule"]
    design = p.get("designModule", {})
    elig = p.get("eligibilityModule", {})
    sex = elig.get("sex")
    return {
        "id": ident["nctId"],
        "title": ident.get("briefTitle"),
        "status": p.get("statusModule", {}).get("overallStatus"),
        "phases": [x for x in design.get("phases", []) if x != "NA"],
        "enrollment": design.get("enrollmentInfo", {}).get("count"),
        "study_type": design.get("studyType"),
        "conditions": p.get("conditionsModule", {}).get("conditions", []),
        "interventions": [(i.get("type"), i["name"]) for i in p.get("armsInterventionsModule", {}).get("interventions", [])],
        "eligibility_text": elig.get("eligibilityCriteria", ""),
        "minimum_age": _age(elig.get("minimumAge")),
        "maximum_age": _age(elig.get("maximumAge")),
        "sex": sex.lower() if sex else None,
        "healthy_volunteers": elig.get("healthyVolunteers"),
        "secondary_ids": [ident["orgStudyIdInfo"]["id"]] + [s["id"] for s in ident.get("secondaryIdInfos", [])],
    }


def _actual(trial: Trial) -> dict[str, Any]:
    e = trial.eligibility
    return {
        "id": trial.id,
        "title": trial.title,
        "status": trial.status,
        "phases": trial.phases,
        "enrollment": trial.enrollment,
        "study_type": trial.study_type,
        "conditions": trial.conditions,
        "interventions": [(i.type, i.name) for i in trial.interventions],
        "eligibility_text": trial.eligibility_text,
        "minimum_age": None if e.minimum_age is None else (float(e.minimum_age.value), e.minimum_age.unit),
        "maximum_age": None if e.maximum_age is None else (float(e.maximum_age.value), e.maximum_age.unit),
        "sex": e.sex,
        "healthy_volunteers": e.healthy_volunteers,
        "secondary_ids": trial.secondary_ids,
    }


def _v2_studies() -> Iterator[tuple[Path, int, dict[str, Any]]]:
    for path in sorted(shared_path(*V2_DIR).glob("*.json")):
        for index, study in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            yield path, index, study


def _trials(source: Any) -> list[Trial]:
    records = list(iter_records(source))
    errors = [r for r in records if not isinstance(r, Trial)]
    assert errors == []
    return [r for r in records if isinstance(r, Trial)]


# ---------------------------------------------------------------- XML


@pytest.fixture(scope="module")
def xml_trials() -> list[Trial]:
    return _trials(shared_path(*XML_DIR))


def test_read_corpus_xml_folder_fields(xml_trials: list[Trial]) -> None:
    """Every XML record read from the folder tree equals its source, field by field, in sorted path order."""
    paths = sorted(shared_path(*XML_DIR).rglob("*.xml"))
    assert len(xml_trials) == len(paths) == 1038
    for path, trial in zip(paths, xml_trials):
        assert trial.source == str(path)
        assert trial.format == "ctgov-xml" and trial.registry == "ClinicalTrials.gov"
        assert _actual(trial) == _expected_from_xml(path), path


def test_read_corpus_xml_ids_unique(xml_trials: list[Trial]) -> None:
    ids = Counter(t.id for t in xml_trials)
    assert all(i.startswith("NCT") for i in ids) and max(ids.values()) == 1


def test_read_corpus_xml_single_files(xml_trials: list[Trial]) -> None:
    paths = sorted(shared_path(*XML_DIR).rglob("*.xml"))
    for path, trial in zip(paths[::25], xml_trials[::25]):
        assert read_trial(path) == trial
        assert read_trial(str(path)) == trial
        content = read_trial(text=path.read_text(encoding="utf-8"))
        assert content.source == "<string>" and content.model_copy(update={"source": trial.source}) == trial
        assert read_trial(path.read_bytes()).model_copy(update={"source": trial.source}) == trial


def test_read_corpus_xml_zip(xml_trials: list[Trial], tmp_path: Path) -> None:
    """The AllPublicXML layout as a .zip: the same trials, named ``archive.zip!member``."""
    folder = shared_path(*XML_DIR)
    archive = tmp_path / "AllPublicXML.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*.xml"), reverse=True):  # sorted on reading, whatever the archive order
            zf.write(path, path.relative_to(folder).as_posix())
    zipped = _trials(archive)
    assert len(zipped) == len(xml_trials)
    for a, b in zip(zipped, xml_trials):
        member = Path(b.source or "").relative_to(folder).as_posix()
        assert a.source == f"{archive}!{member}"
        assert a.model_copy(update={"source": b.source}) == b


def test_read_corpus_xml_copied_folder(xml_trials: list[Trial], tmp_path: Path) -> None:
    """A copy of part of the tree (two levels) reads the same, in the same order."""
    folder = shared_path(*XML_DIR)
    for sub in ("NCT0046xxxx", "NCT0049xxxx"):
        shutil.copytree(folder / sub, tmp_path / "tree" / sub)
    copied = _trials(tmp_path / "tree")
    expected = [t for t in xml_trials if "/NCT0046xxxx/" in (t.source or "") or "/NCT0049xxxx/" in (t.source or "")]
    assert [t.id for t in copied] == [t.id for t in expected]


# ---------------------------------------------------------------- API v2 JSON


@pytest.fixture(scope="module")
def v2_trials() -> list[Trial]:
    return _trials(sorted(shared_path(*V2_DIR).glob("*.json")))


def test_read_corpus_v2_list_fields(v2_trials: list[Trial]) -> None:
    """Every study of the three "download JSON" lists equals its source, field by field."""
    studies = list(_v2_studies())
    assert len(v2_trials) == len(studies) == 328
    for (path, index, study), trial in zip(studies, v2_trials):
        assert trial.source == f"{path}#{index}"
        assert trial.format == "ctgov-json" and trial.registry == "ClinicalTrials.gov"
        assert _actual(trial) == _expected_from_v2(study), trial.source


def test_read_corpus_v2_ids_unique(v2_trials: list[Trial], xml_trials: list[Trial]) -> None:
    ids = Counter(t.id for t in v2_trials + xml_trials)
    assert max(ids.values()) == 1


def test_read_corpus_v2_page(v2_trials: list[Trial], tmp_path: Path) -> None:
    studies = [s for _, _, s in _v2_studies()]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": studies, "nextPageToken": "NF0g5JGBlPMuwQY"}), encoding="utf-8")
    paged = _trials(page)
    assert [t.source for t in paged] == [f"{page}#{i}" for i in range(len(studies))]
    assert [t.model_copy(update={"source": None}) for t in paged] == [t.model_copy(update={"source": None}) for t in v2_trials]


def test_read_corpus_v2_json_lines(v2_trials: list[Trial], tmp_path: Path) -> None:
    studies = [s for _, _, s in _v2_studies()]
    lines = tmp_path / "studies.jsonl"
    lines.write_text("".join(json.dumps(s) + "\n" for s in studies), encoding="utf-8")
    streamed = _trials(lines)
    assert [t.source for t in streamed] == [f"{lines}:{i + 1}" for i in range(len(studies))]
    assert [t.model_copy(update={"source": None}) for t in streamed] == [t.model_copy(update={"source": None}) for t in v2_trials]


def test_read_corpus_v2_single_objects(v2_trials: list[Trial], tmp_path: Path) -> None:
    studies = [s for _, _, s in _v2_studies()]
    for index, (study, trial) in enumerate(zip(studies, v2_trials)):
        bare = trial.model_copy(update={"source": None})
        assert trial_from_mapping(study) == bare
        if index % 20 == 0:
            path = tmp_path / f"{trial.id}.json"
            path.write_text(json.dumps(study, indent=2), encoding="utf-8")
            assert read_trial(path).model_copy(update={"source": None}) == bare
            assert next(read_trials(text=json.dumps(study))).source == "<string>"
