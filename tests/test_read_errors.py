"""Bad input gives a typed, coded error naming the record, never a parser traceback."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from criteria_nlp.errors import (
    DecodeError,
    EmptyInputError,
    MalformedRecordError,
    ReadError,
    UnknownFormatError,
    UnsafeXMLError,
)
from criteria_nlp.read import iter_records, read_trial, read_trials, trial_from_mapping
from criteria_nlp.schema import Trial

NCT = "NCT01234567"
GOOD_XML = (
    "<clinical_study><id_info><nct_id>{nct}</nct_id></id_info><brief_title>A trial</brief_title>"
    "<eligibility><criteria><textblock>Inclusion Criteria:\n- adults</textblock></criteria>"
    "<gender>All</gender></eligibility></clinical_study>"
)
GOOD_STUDY = {
    "protocolSection": {
        "identificationModule": {"nctId": "NCT07654321", "briefTitle": "A study"},
        "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n\n* adults", "sex": "ALL"},
    }
}
BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n<clinical_study><brief_title>&lol9;</brief_title></clinical_study>"
)
EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE clinical_study [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    "<clinical_study><brief_title>&xxe;</brief_title></clinical_study>"
)
EXTERNAL_DTD = '<?xml version="1.0"?>\n<!DOCTYPE clinical_study SYSTEM "http://example.org/x.dtd">\n<clinical_study/>'

#: name -> (file content, error type, code, text the message must contain besides the file name)
BAD_FILES: dict[str, tuple[bytes, type[ReadError], str, str]] = {
    "malformed.xml": (GOOD_XML.format(nct=NCT).encode()[:-20], MalformedRecordError, "R004", NCT),
    "malformed.json": (b'{"protocolSection": {"identificationModule": {"nctId": "NCT07654321",', MalformedRecordError, "R003", "NCT07654321"),
    "unquoted.json": (b"{protocolSection: {}}", MalformedRecordError, "R003", "line 1, column 2"),
    "unknown_root.xml": (b"<study><id>1</id></study>", UnknownFormatError, "R005", "<study>"),
    "page.html": (b"<!DOCTYPE html>\n<html><body>NCT01234567</body></html>", UnknownFormatError, "R005", "HTML"),
    "empty.json": (b"", EmptyInputError, "R001", "empty"),
    "blank.txt": (b"  \n\t\n", EmptyInputError, "R012", "no text"),
    "latin1.txt": ("Inclusion Criteria:\n- \u00e2ge \u2265 18".encode("cp1252", "replace"), DecodeError, "R002", "0xe2"),
    "latin1.xml": (GOOD_XML.format(nct=NCT).replace("adults", "\u00e2g\u00e9s").encode("latin-1"), DecodeError, "R002", "UTF-8"),
    "bomb.xml": (BOMB.encode(), UnsafeXMLError, "R006", "DOCTYPE"),
    "external.xml": (EXTERNAL.encode(), UnsafeXMLError, "R006", "DOCTYPE"),
    "external_dtd.xml": (EXTERNAL_DTD.encode(), UnsafeXMLError, "R006", "DOCTYPE"),
    "not_a_study.json": (b'{"name": "not a study", "items": [1, 2]}', UnknownFormatError, "R007", "protocolSection"),
    "scalar.json": (b'["just", "strings"]', UnknownFormatError, "R007", "#0"),
    "bad_shape.json": (
        json.dumps({"protocolSection": {"identificationModule": {"nctId": NCT}, "conditionsModule": {"conditions": "SLE"}}}).encode(),
        MalformedRecordError,
        "R011",
        f"({NCT})",
    ),
    "bad.zip": (b"PK\x03\x04" + b"\x00" * 40, MalformedRecordError, "R010", "zip"),
    "binary.bin": (b"\x00\x01\x02\x03 not text \x00", UnknownFormatError, "R005", "binary"),
    "compressed.gz": (b"\x1f\x8b\x08\x00" + b"\x00" * 20, UnknownFormatError, "R005", "gzip"),
    "deep.json": (b"[" * 100_000, MalformedRecordError, "R003", ""),
}


def _check(exc: ReadError, kind: type[ReadError], code: str, record: str, text: str) -> None:
    assert type(exc) is kind
    assert exc.code == code
    assert record in str(exc) and text in str(exc)
    assert str(exc).startswith(f"[{code}] ")
    # raised "from None": no parser traceback chained to it
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_read_errors_bad_file(tmp_path: Path, name: str) -> None:
    content, kind, code, text = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(kind) as info:
        read_trial(path)
    _check(info.value, kind, code, str(path), text)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_read_errors_bad_bytes_are_yielded(name: str) -> None:
    """``iter_records`` yields the error (never raises) for the same content given as bytes."""
    content, kind, code, text = BAD_FILES[name]
    records = list(iter_records(content))
    assert records and all(isinstance(r, ReadError) for r in records)
    _check(records[0], kind, code, "<bytes>", text)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["bomb.xml", "external.xml"])
def test_read_errors_unsafe_xml_is_fast(name: str) -> None:
    content = BAD_FILES[name][0].decode()
    start = time.perf_counter()
    with pytest.raises(UnsafeXMLError) as info:
        read_trial(text=content)
    assert time.perf_counter() - start < 0.5
    assert info.value.code == "R006" and "<string>" in str(info.value)
    assert "root:" not in str(info.value)  # nothing was expanded or fetched


def test_read_errors_truncated_json_lines(tmp_path: Path) -> None:
    """A truncated line is one error named ``path:LINE``; the lines around it still read."""
    good = [dict(GOOD_STUDY), json.loads(json.dumps(GOOD_STUDY))]
    good[1]["protocolSection"]["identificationModule"]["nctId"] = "NCT07654322"
    path = tmp_path / "studies.jsonl"
    truncated = json.dumps(good[0])[:-15]
    path.write_text(json.dumps(good[0]) + "\n" + truncated + "\n\n" + json.dumps(good[1]) + "\n", encoding="utf-8")
    records = list(iter_records(path))
    assert [type(r) for r in records] == [Trial, MalformedRecordError, Trial]
    assert [r.source for r in records if isinstance(r, Trial)] == [f"{path}:1", f"{path}:4"]
    _check(records[1], MalformedRecordError, "R003", f"{path}:2", "NCT07654321")  # type: ignore[arg-type]
    with pytest.raises(MalformedRecordError, match=rf"{path}:2"):
        list(read_trials(path))


def test_read_errors_truncated_first_json_line(tmp_path: Path) -> None:
    path = tmp_path / "studies.jsonl"
    path.write_text(json.dumps(GOOD_STUDY)[:30] + "\n" + json.dumps(GOOD_STUDY) + "\n", encoding="utf-8")
    records = list(iter_records(path))
    assert [type(r) for r in records] == [MalformedRecordError, Trial]
    assert f"{path}:1" in str(records[0])


def test_read_errors_bad_item_in_json_list(tmp_path: Path) -> None:
    """A non-study item is one error named ``path#INDEX``; the other items still read."""
    path = tmp_path / "studies.json"
    path.write_text(json.dumps([GOOD_STUDY, {"foo": 1}, GOOD_STUDY]), encoding="utf-8")
    records = list(iter_records(path))
    assert [type(r) for r in records] == [Trial, UnknownFormatError, Trial]
    _check(records[1], UnknownFormatError, "R007", f"{path}#1", "'foo'")  # type: ignore[arg-type]


def test_read_errors_truncated_json_list(tmp_path: Path) -> None:
    """A list cut short: the complete items read, then one error for the cut item."""
    path = tmp_path / "studies.json"
    text = json.dumps([GOOD_STUDY, GOOD_STUDY, GOOD_STUDY], indent=1)
    path.write_text(text[: len(text) * 5 // 6], encoding="utf-8")
    records = list(iter_records(path))
    assert [type(r) for r in records] == [Trial, Trial, MalformedRecordError]
    _check(records[2], MalformedRecordError, "R003", f"{path}#2", "NCT07654321")  # type: ignore[arg-type]


def test_read_errors_bad_zip_member(tmp_path: Path) -> None:
    """One corrupt member and one malformed member: the other members still read."""
    archive = tmp_path / "trials.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a/NCT00000001.xml", GOOD_XML.format(nct="NCT00000001"))
        zf.writestr("a/NCT00000002.xml", GOOD_XML.format(nct="NCT00000002").replace("Inclusion", "Incluzion"))
        zf.writestr("a/NCT00000003.xml", GOOD_XML.format(nct="NCT00000003")[:-30])
        zf.writestr("b/NCT00000004.xml", GOOD_XML.format(nct="NCT00000004"))
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b"Incluzion", b"Inclusion"))  # the stored bytes no longer match the CRC
    records = list(iter_records(archive))
    assert [type(r) for r in records] == [Trial, MalformedRecordError, MalformedRecordError, Trial]
    _check(records[1], MalformedRecordError, "R010", f"{archive}!a/NCT00000002.xml", "CRC")  # type: ignore[arg-type]
    _check(records[2], MalformedRecordError, "R004", f"{archive}!a/NCT00000003.xml", "NCT00000003")  # type: ignore[arg-type]
    assert [r.id for r in records if isinstance(r, Trial)] == ["NCT00000001", "NCT00000004"]


def test_read_errors_folder_mixing_bad_and_good(tmp_path: Path) -> None:
    """Every good trial comes out, plus exactly one error per bad file, in sorted path order."""
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    good = {
        "a_good.xml": GOOD_XML.format(nct="NCT00000011"),
        "sub/c_good.json": json.dumps(GOOD_STUDY),
        "sub/e_good.txt": "Inclusion Criteria:\n- adults\nExclusion Criteria:\n- pregnancy\n",
    }
    for name, text in good.items():
        (folder / name).write_text(text, encoding="utf-8")
    bad = {name: content for name, (content, *_rest) in BAD_FILES.items() if name != "scalar.json"}
    for name, content in bad.items():
        (folder / "sub" / f"z_{name}").write_bytes(content)
    (folder / ".hidden.json").write_text("{broken", encoding="utf-8")  # hidden files are skipped
    records = list(iter_records(folder))
    trials = [r for r in records if isinstance(r, Trial)]
    errors = [r for r in records if isinstance(r, ReadError)]
    assert [t.source for t in trials] == [str(folder / name) for name in sorted(good)]
    assert len(errors) == len(bad)
    for error, name in zip(errors, sorted(bad)):
        assert str(folder / "sub" / f"z_{name}") in str(error)
        assert error.code == BAD_FILES[name][2]


def test_read_errors_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "NCT01234567.json"
    for source in (missing, str(missing), "NCT01234567.json", str(tmp_path / "shared" / "data" / "ctgov-xml"), "nope_dir"):
        with pytest.raises(ReadError) as info:
            read_trial(source)
        assert info.value.code == "R008" and str(source) in str(info.value)


def test_read_errors_missing_path_in_a_list_does_not_stop_the_others(tmp_path: Path) -> None:
    records = list(iter_records([tmp_path / "missing.xml", "missing.xml", GOOD_XML.format(nct=NCT).encode()]))
    assert [type(r) for r in records] == [ReadError, ReadError, Trial]
    records = list(iter_records([tmp_path / "missing.xml", GOOD_XML.format(nct=NCT).encode()]))
    assert [type(r) for r in records] == [ReadError, Trial]


@pytest.mark.parametrize(
    ("source", "count"),
    [([GOOD_XML.format(nct=NCT).encode(), GOOD_XML.format(nct="NCT07654321").encode()], "more than one"), ([], "0")],
)
def test_read_errors_read_trial_wants_exactly_one(source: Any, count: str) -> None:
    with pytest.raises(ReadError) as info:
        read_trial(source)
    assert info.value.code == "R009" and f"found {count}" in str(info.value)


def test_read_errors_read_trial_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as info:
        read_trial(tmp_path)
    assert info.value.code == "R009" and str(tmp_path) in str(info.value)


def test_read_errors_unsupported_type() -> None:
    (record,) = list(iter_records(42))  # type: ignore[arg-type]
    assert isinstance(record, UnknownFormatError) and record.code == "R005" and "int" in str(record)


@pytest.mark.parametrize(
    ("obj", "kind", "code"),
    [
        ({"studies": []}, UnknownFormatError, "R007"),
        ({}, UnknownFormatError, "R007"),
        ({"protocolSection": {"designModule": {"enrollmentInfo": {"count": "many"}}}}, MalformedRecordError, "R011"),
        ({"protocolSection": [1, 2]}, MalformedRecordError, "R011"),
    ],
)
def test_read_errors_trial_from_mapping(obj: dict[str, Any], kind: type[ReadError], code: str) -> None:
    with pytest.raises(kind) as info:
        trial_from_mapping(obj, source="api-response")
    _check(info.value, kind, code, "api-response", "")


def test_read_errors_stdin_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    class _Stdin:
        buffer = io.BytesIO(b"<clinical_study><broken></clinical_study>")

    monkeypatch.setattr("sys.stdin", _Stdin())
    with pytest.raises(MalformedRecordError) as info:
        read_trial("-")
    _check(info.value, MalformedRecordError, "R004", "<stdin>", "mismatched tag")


#: a study cut off inside a string on line 8: json says "Unterminated string starting at", then the position
UNTERMINATED = '{\n "protocolSection": {\n  "identificationModule": {\n   "nctId": "NCT07654321"\n  },\n  "eligibilityModule": {\n   "sex": "ALL",\n   "minimumAge": "18 Years'


@pytest.mark.parametrize(("name", "content", "where"), [
    ("document.json", UNTERMINATED, "line 8, column 18"),
    ("list.json", "[" + UNTERMINATED + "]", "line 8, column 18"),
    ("lines.jsonl", json.dumps(GOOD_STUDY) + "\n" + '{"protocolSection": {"a": "b\n', "line 1, column 27"),
])
def test_read_errors_json_message_names_the_position_once(tmp_path: Path, name: str, content: str, where: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    errors = [r for r in iter_records(path) if isinstance(r, ReadError)]
    assert len(errors) == 1 and errors[0].code == "R003"
    message = str(errors[0])
    assert f"Unterminated string starting at {where}" in message
    assert "at at" not in message


@pytest.mark.parametrize(("content", "encoding", "tried"), [
    ("Inclusion Criteria:\n- \u00e2g\u00e9 de 18 \u00e0 65 ans".encode("latin-1"), None, "tried UTF-8 (the default when there is no byte-order mark)"),
    ('{"protocolSection": {"identificationModule": {"nctId": "NCT07654321", "briefTitle": "\u00e9tude"}}}'.encode("latin-1"), None, "tried UTF-8"),
    ("Inclusion Criteria:\n- adults".encode("utf-16-le"), "utf-32", "tried utf-32 (as asked)"),
])
def test_read_errors_undecodable_text_says_what_was_tried_and_how_to_choose(tmp_path: Path, content: bytes, encoding: str | None, tried: str) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(content)
    with pytest.raises(DecodeError) as info:
        read_trial(path, encoding=encoding)
    message = str(info.value)
    assert info.value.code == "R002" and str(path) in message
    assert tried in message and "--encoding" in message and "encoding=" in message


def test_read_errors_latin1_reads_with_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Inclusion Criteria:\n- \u00e2g\u00e9 de 18 \u00e0 65 ans".encode("latin-1"))
    assert read_trial(path, encoding="latin-1").eligibility_text == "Inclusion Criteria:\n- \u00e2g\u00e9 de 18 \u00e0 65 ans"
    (record,) = iter_records([path], encoding="latin-1")
    assert isinstance(record, Trial)
