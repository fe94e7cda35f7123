"""What ``source`` may be, how records are named, and that big inputs stream."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest

import criteria_nlp
from criteria_nlp.errors import ReadError
from criteria_nlp.read import content_id, iter_records, read_trial, read_trials
from criteria_nlp.schema import Trial

from conftest import FIXTURES

XML = (
    "<clinical_study><id_info><nct_id>{nct}</nct_id></id_info><brief_title>Trial {nct}</brief_title>"
    "<eligibility><criteria><textblock>\r\n        Inclusion Criteria:\r\n\r\n          -  adults{pad}\r\n      </textblock>"
    "</criteria><gender>All</gender></eligibility></clinical_study>"
)


def _study(n: int, pad: str = "") -> dict[str, Any]:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": f"NCT{n:08d}", "briefTitle": f"Study {n}"},
            "eligibilityModule": {"eligibilityCriteria": f"Inclusion Criteria:\n\n* adults{pad}", "sex": "ALL"},
        }
    }


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


# ---------------------------------------------------------------- kinds of source


def test_read_sources_str_path_and_pathlib(tmp_path: Path) -> None:
    path = tmp_path / "one.xml"
    path.write_text(XML.format(nct="NCT00000001", pad=""), encoding="utf-8")
    assert read_trial(path).source == str(path)
    assert read_trial(str(path)).source == str(path)


@pytest.mark.parametrize(
    ("text", "expected_format"),
    [
        ("Inclusion Criteria:\n- adults", "plain-text"),
        ("Age over 18", "plain-text"),
        ("<18 years of age", "plain-text"),
        ("[1] adults (2) no pregnancy", "plain-text"),
        (XML.format(nct="NCT00000001", pad=""), "ctgov-xml"),
        (json.dumps(_study(1)), "ctgov-json"),
        (json.dumps([_study(1)]), "ctgov-json"),
        (json.dumps({"studies": [_study(1)], "nextPageToken": "abc"}), "ctgov-json"),
        ("  \n" + json.dumps(_study(1), indent=2), "ctgov-json"),
    ],
)
def test_read_sources_text_content_is_detected(text: str, expected_format: str) -> None:
    trial = read_trial(text=text)
    assert trial.format == expected_format
    assert trial.source in ("<string>", "<string>#0")
    assert [t.format for t in read_trials(text=text)] == [expected_format]


def test_read_sources_str_is_always_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``str`` source names a file or folder; one that names nothing is R008, never read as criteria text."""
    monkeypatch.chdir(tmp_path)
    Path("adults").write_text(XML.format(nct="NCT00000001", pad=""), encoding="utf-8")
    assert read_trial("adults").format == "ctgov-xml"  # an existing file
    assert read_trial(text="adults").format == "plain-text"  # the same word given as text
    for source, shown in (("children", "children"), ("nope_dir", "nope_dir"), ("adults\n", "'adults\\n'")):
        with pytest.raises(ReadError) as info:
            read_trial(source)
        assert info.value.code == "R008" and str(info.value).startswith(f"[R008] {shown}: no such file or folder")
        assert "text=" in str(info.value)
        with pytest.raises(ReadError, match="R008"):
            list(read_trials([source]))
        (record,) = iter_records(source)
        assert isinstance(record, ReadError) and record.code == "R008"


def test_read_sources_source_or_text_not_both() -> None:
    with pytest.raises(TypeError):
        read_trial(b"Inclusion Criteria:\n- adults", text="Inclusion Criteria:\n- adults")
    with pytest.raises(TypeError):
        read_trial()


def test_read_sources_open_files(tmp_path: Path) -> None:
    path = tmp_path / "one.xml"
    path.write_text(XML.format(nct="NCT00000001", pad=""), encoding="utf-8")
    with path.open("rb") as binary:
        assert read_trial(binary).source == str(path)
    with path.open(encoding="utf-8") as text:
        assert read_trial(text).model_copy(update={"source": str(path)}) == read_trial(path)
    streamed = io.BytesIO(json.dumps([_study(1), _study(2)]).encode())
    assert [t.source for t in read_trials(streamed)] == ["<file>#0", "<file>#1"]


def test_read_sources_encoding_is_used_for_bytes_without_a_bom(tmp_path: Path) -> None:
    text = "Inclusion Criteria:\n- \u00e2ge \u2265 18 ans, d\u00e9j\u00e0 trait\u00e9"
    path = tmp_path / "latin.txt"
    path.write_bytes(text.encode("cp1252", "replace"))
    with pytest.raises(ReadError, match="R002"):
        read_trial(path)
    assert read_trial(path, encoding="cp1252").eligibility_text == text.replace("\u2265", "?")
    assert read_trial(text.encode("utf-16"), encoding="cp1252").eligibility_text == text  # the BOM wins
    xml = XML.format(nct="NCT00000001", pad=" \u00e2g\u00e9s").encode("latin-1")
    assert read_trial(xml, encoding="latin-1").eligibility_text.endswith("adults \u00e2g\u00e9s")
    study = json.dumps(_study(1, pad=" \u00e2g\u00e9s"), ensure_ascii=False).encode("latin-1")
    assert read_trial(study, encoding="latin-1").eligibility_text.endswith("adults \u00e2g\u00e9s")


def test_read_sources_plain_text_normalises_line_ends() -> None:
    trial = read_trial(text="\r\n  Inclusion Criteria:\r\n    - adults\r\nExclusion Criteria:\r- pregnancy\r\n\r\n")
    assert trial.eligibility_text == "Inclusion Criteria:\n    - adults\nExclusion Criteria:\n- pregnancy"
    assert trial.id == content_id(trial.eligibility_text) and trial.id.startswith("TXT-")
    assert (trial.registry, trial.format, trial.title) == ("unknown", "plain-text", None)


def test_read_sources_bytes_and_encodings() -> None:
    page = (FIXTURES / "seeds").glob("001_*.txt").__next__().read_text(encoding="utf-8")
    expected = read_trial(text=page)
    for data in (page.encode("utf-8"), b"\xef\xbb\xbf" + page.encode("utf-8"), page.encode("utf-16"), page.replace("\n", "\r\n").encode()):
        trial = read_trial(data)
        assert trial.source == "<bytes>"
        assert trial.model_copy(update={"source": "<string>"}) == expected


def test_read_sources_xml_declared_encoding() -> None:
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?>\n' + XML.format(nct="NCT00000001", pad=" \u00e2g\u00e9s")
    trial = read_trial(xml.encode("latin-1"))
    assert trial.eligibility_text.endswith("adults \u00e2g\u00e9s")


def test_read_sources_xml_text_keeps_indentation() -> None:
    trial = read_trial(text=XML.format(nct="NCT00000001", pad=""))
    assert trial.eligibility_text == "Inclusion Criteria:\n\n          -  adults"


def test_read_sources_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = "".join(json.dumps(_study(n)) + "\n" for n in range(1, 4)).encode()
    monkeypatch.setattr("sys.stdin", _Stdin(lines))
    trials = list(read_trials("-"))
    assert [t.source for t in trials] == ["<stdin>:1", "<stdin>:2", "<stdin>:3"]


def test_read_sources_list_chains_in_order(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps([_study(1), _study(2)]), encoding="utf-8")
    sources = [path, (XML.format(nct="NCT00000003", pad="").encode(), io.BytesIO(b"Inclusion Criteria:\n- adults"))]
    trials = list(read_trials(sources))
    assert [t.source for t in trials] == [f"{path}#0", f"{path}#1", "<bytes>", "<file>"]
    assert [t.id for t in trials[:3]] == ["NCT00000001", "NCT00000002", "NCT00000003"]


def test_read_sources_zip_in_a_folder_and_zip_as_bytes(tmp_path: Path) -> None:
    archive = tmp_path / "in" / "x.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("NCT0000xxxx/NCT00000002.xml", XML.format(nct="NCT00000002", pad=""))
        zf.writestr("NCT0000xxxx/NCT00000001.xml", XML.format(nct="NCT00000001", pad=""))
        zf.writestr("__MACOSX/._NCT00000001.xml", b"\x00\x05\x16\x07")
        zf.writestr("studies.jsonl", json.dumps(_study(3)) + "\n" + json.dumps(_study(4)) + "\n")
    trials = list(read_trials(tmp_path / "in"))
    assert [t.source for t in trials] == [
        f"{archive}!NCT0000xxxx/NCT00000001.xml",
        f"{archive}!NCT0000xxxx/NCT00000002.xml",
        f"{archive}!studies.jsonl:1",
        f"{archive}!studies.jsonl:2",
    ]
    assert [t.id for t in read_trials(archive.read_bytes())] == ["NCT00000001", "NCT00000002", "NCT00000003", "NCT00000004"]


def test_read_sources_package_level_names() -> None:
    assert criteria_nlp.read_trial is read_trial
    assert list(criteria_nlp.iter_records([]))== []


def test_read_sources_iter_records_is_lazy(tmp_path: Path) -> None:
    """Records come one at a time: a later folder is listed only when reading reaches it."""
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
    (tmp_path / "a" / "1.xml").write_text(XML.format(nct="NCT00000001", pad=""), encoding="utf-8")
    records = iter_records(tmp_path)
    first = next(records)
    assert isinstance(first, Trial) and first.id == "NCT00000001"
    (tmp_path / "b" / "2.xml").write_text(XML.format(nct="NCT00000002", pad=""), encoding="utf-8")
    assert [r.id for r in records if isinstance(r, Trial)] == ["NCT00000002"]


# ---------------------------------------------------------------- streaming: memory does not grow with the input


class _CountingStdin:
    """A stdin whose ``buffer`` counts the bytes read."""

    def __init__(self, data: bytes) -> None:
        self.raw = io.BytesIO(data)
        self.buffer = self
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.read_bytes += len(data)
        return data


@pytest.mark.parametrize("shape", ["jsonl", "list"])
def test_read_sources_stdin_streams(monkeypatch: pytest.MonkeyPatch, shape: str) -> None:
    studies = [_study(n, pad=" x" * 200) for n in range(1, 3001)]
    data = ("".join(json.dumps(s) + "\n" for s in studies) if shape == "jsonl" else json.dumps(studies)).encode()
    stdin = _CountingStdin(data)
    monkeypatch.setattr("sys.stdin", stdin)
    records = iter_records("-")
    assert isinstance(next(records), Trial)
    assert stdin.read_bytes < len(data) / 10  # the first record came before most of the input was read
    assert sum(1 for _ in records) == len(studies) - 1


def _peak(make: Callable[[], Any]) -> int:
    source = make()
    tracemalloc.start()
    try:
        count = sum(1 for r in iter_records(source) if isinstance(r, Trial))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > 0
    return peak


def _jsonl(tmp_path: Path, n: int) -> Path:
    path = tmp_path / f"{n}.jsonl"
    with open(path, "w", encoding="utf-8") as fp:
        for i in range(n):
            fp.write(json.dumps(_study(i, pad=" x" * 500)) + "\n")
    return path


def _json_list(tmp_path: Path, n: int) -> Path:
    path = tmp_path / f"{n}.json"
    path.write_text(json.dumps([_study(i, pad=" x" * 500) for i in range(n)]), encoding="utf-8")
    return path


def _zip(tmp_path: Path, n: int) -> Path:
    path = tmp_path / f"{n}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(n):
            zf.writestr(f"NCT0000xxxx/NCT{i:08d}.xml", XML.format(nct=f"NCT{i:08d}", pad=" x" * 2000))
    return path


def _folder(tmp_path: Path, n: int) -> Path:
    root = tmp_path / f"tree{n}"
    for i in range(n):
        sub = root / f"NCT{i // 50:04d}xxxx"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"NCT{i:08d}.xml").write_text(XML.format(nct=f"NCT{i:08d}", pad=" x" * 2000), encoding="utf-8")
    return root


@pytest.mark.parametrize("build", [_jsonl, _json_list, _zip, _folder], ids=["jsonl", "json-list", "zip", "folder"])
def test_read_sources_memory_does_not_grow(tmp_path: Path, build: Callable[[Path, int], Path]) -> None:
    """Each record holds about 4 KB of criteria; 700 more records must cost far less than 700 records.

    (A .zip's central directory, about 0.5 KB a member, is held by ``zipfile`` itself.)
    """
    small = _peak(lambda: build(tmp_path, 100))
    large = _peak(lambda: build(tmp_path, 800))
    per_record = (large - small) / 700
    assert per_record < 1000, (small, large)
