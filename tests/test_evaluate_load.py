"""Reading Chia brat files: lines, entities, discontinuous spans, negation, odd lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from criteria_nlp.evaluate import (
    EvaluationError,
    load_chia,
    read_chia_file,
    read_split_file,
    split_of,
)
from conftest import FIXTURES, REPO, shared_path

CHIA = FIXTURES / "chia"


def _write(folder: Path, file_id: str, text: str, ann: str) -> Path:
    (folder / f"{file_id}.txt").write_text(text, encoding="utf-8", newline="")
    (folder / f"{file_id}.ann").write_text(ann, encoding="utf-8", newline="")
    return folder / f"{file_id}.txt"


def test_evaluate_load_files_in_id_order_with_kinds() -> None:
    files = list(load_chia(CHIA))
    assert [(f.id, f.trial_id, f.kind) for f in files] == [
        ("NCT00050349_inc", "NCT00050349", "inclusion"),
        ("NCT02822001_exc", "NCT02822001", "exclusion"),
    ]


@pytest.mark.parametrize(
    ("file_id", "lines", "first_line"),
    [
        ("NCT00050349_inc", [(0, 311), (312, 518)], "Patients with biopsy-proven metastatic carcinoid tumors"),
        # CRLF file: the line ends before "\r"
        ("NCT02822001_exc", [(0, 41), (43, 124), (126, 183)], "Patients unable to give informed consent."),
    ],
)
def test_evaluate_load_line_spans(file_id: str, lines: list[tuple[int, int]], first_line: str) -> None:
    chia_file = read_chia_file(CHIA / f"{file_id}.txt")
    assert chia_file.lines == lines
    assert chia_file.line_text(0).startswith(first_line)
    assert all("\r" not in chia_file.line_text(i) and "\n" not in chia_file.line_text(i) for i in range(len(lines)))


@pytest.mark.parametrize(
    ("entity_id", "chia_type", "label", "start", "end", "negated", "discontinuous", "line"),
    [
        ("T1", "Condition", "CONDITION", 28, 55, False, False, 0),
        ("T12", "Procedure", "PROCEDURE", 215, 225, True, False, 0),
        ("T10", "Qualifier", None, 173, 177, True, False, 0),
        ("T16", "Temporal", "TEMPORAL", 283, 310, False, False, 0),
        ("T14", "Observation", "OBSERVATION", 271, 282, False, False, 0),
        ("T19", "Condition", "CONDITION", 331, 376, False, True, 1),
        ("T20", "Condition", "CONDITION", 331, 376, True, True, 1),
        ("T23", "Measurement", "LAB/SCORE", 429, 444, False, False, 1),
        ("T24", "Value", "VALUE", 445, 455, False, False, 1),
        ("T21", "Negation", None, 328, 330, False, False, 1),
    ],
)
def test_evaluate_load_entities(
    entity_id: str,
    chia_type: str,
    label: str | None,
    start: int,
    end: int,
    negated: bool,
    discontinuous: bool,
    line: int,
) -> None:
    chia_file = read_chia_file(CHIA / "NCT00050349_inc.txt")
    entity = next(e for e in chia_file.entities if e.id == entity_id)
    assert (entity.chia_type, entity.label, entity.start, entity.end) == (chia_type, label, start, end)
    assert (entity.negated, entity.discontinuous, entity.line) == (negated, discontinuous, line)


def test_evaluate_load_discontinuous_fragments_and_text() -> None:
    chia_file = read_chia_file(CHIA / "NCT00050349_inc.txt")
    t19 = next(e for e in chia_file.entities if e.id == "T19")
    assert t19.fragments == [(331, 356), (368, 376)]
    assert t19.text == "major impairment of renal function"
    assert chia_file.text[t19.start : t19.end] == "major impairment of renal or hepatic function"


def test_evaluate_load_counts_scored_types_and_or_groups() -> None:
    chia_file = read_chia_file(CHIA / "NCT00050349_inc.txt")
    assert len(chia_file.entities) == 27
    assert len(chia_file.scored) == 22
    assert ["T20", "T19"] in chia_file.or_groups
    assert chia_file.issues == []


def test_evaluate_load_skips_known_odd_types_with_a_count() -> None:
    chia_file = read_chia_file(CHIA / "NCT02822001_exc.txt")
    assert chia_file.skipped == {"Informed_consent": 1}
    assert [e.id for e in chia_file.scored] == ["T2", "T5", "T6", "T7"]
    assert [e.id for e in chia_file.entities if e.negated] == ["T4", "T7"]
    assert chia_file.issues == []


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (["NCT00050349"], ["NCT00050349_inc"]),
        (["NCT02822001_exc"], ["NCT02822001_exc"]),
        (["NCT02822001_inc"], []),
        ([], []),
    ],
)
def test_evaluate_load_ids_filter(wanted: list[str], expected: list[str]) -> None:
    assert [f.id for f in load_chia(CHIA, ids=wanted)] == expected


@pytest.mark.parametrize(
    ("split", "expected"),
    [("train", ["NCT00050349_inc"]), ("dev", ["NCT02822001_exc"])],
)
def test_evaluate_load_split_file(tmp_path: Path, split: str, expected: list[str]) -> None:
    split_file = tmp_path / "split.json"
    split_file.write_text(json.dumps({"train": ["NCT00050349"], "dev": ["NCT02822001"]}), encoding="utf-8")
    assert [f.id for f in load_chia(CHIA, split=split, split_file=split_file)] == expected


def test_evaluate_load_split_rule_matches_the_split_file() -> None:
    split = read_split_file(REPO / "annotations" / "chia_split.json")
    assert {split_of(t) for t in split.dev} == {"dev"}
    assert {split_of(t) for t in split.train} == {"train"}
    assert not set(split.dev) & set(split.train)


@pytest.mark.parametrize(
    ("ann", "code", "line"),
    [
        ("T1\tCondition 0 x\tHeart\n", "E001", 1),
        ("T1\tCondition 5 2\tHeart\n", "E001", 1),
        ("T1\tCondition 0 500\tHeart\n", "E001", 1),
        ("T1\tCondition 0 5\tHeart\nT2\tCondition\n", "E001", 2),
        ("T1\tCondition 0 5\tHeart\nR1\tHas_negation Arg1:T1\t\n", "E001", 2),
        ("T1\tCondition 0 5\tHeart\nX1\tfoo\n", "E001", 2),
        ("T1\tCondition 0 5\tHeart\nT2\tCondition 6 20\tfailure\n", "E003", 2),
        ("T1\tCondition 0 5\tHeart\nT2\tWeird_type 6 13\tfailure\n", "E004", 2),
        ("T1\tCondition 0 5\tHeart\n\nR1\tHas_negation Arg1:T9 Arg2:T1\t\n", "E005", 3),
        ("T1\tCondition 0 5\tLiver\n", "E002", 1),
    ],
)
def test_evaluate_load_reports_malformed_lines(tmp_path: Path, ann: str, code: str, line: int) -> None:
    path = _write(tmp_path, "NCT00000001_inc", "Heart failure\nNo stroke\n", ann)
    chia_file = read_chia_file(path)
    assert [(i.code, i.line) for i in chia_file.issues] == [(code, line)]
    issue = chia_file.issues[0]
    assert issue.record == "NCT00000001_inc.ann"
    assert issue.message.startswith(f"[{code}] NCT00000001_inc.ann: line {line}:")
    with pytest.raises(EvaluationError) as info:
        list(load_chia(tmp_path, strict=True))
    assert info.value.code == code


def test_evaluate_load_clips_a_span_ending_in_the_line_terminator(tmp_path: Path) -> None:
    path = _write(tmp_path, "NCT00000001_exc", "Heart failure\r\nNo stroke\r\n", "T1\tCondition 6 14\tfailure\n")
    chia_file = read_chia_file(path)
    assert chia_file.issues == []
    assert chia_file.clipped == 1
    assert [(e.start, e.end, e.text) for e in chia_file.entities] == [(6, 13, "failure")]


def test_evaluate_load_sorts_fragments_written_out_of_order(tmp_path: Path) -> None:
    text = "renal or hepatic failure\n"
    path = _write(tmp_path, "NCT00000001_inc", text, "T1\tCondition 17 24;0 5\tfailure renal\n")
    entity = read_chia_file(path).entities[0]
    assert (entity.start, entity.end, entity.fragments, entity.discontinuous) == (0, 24, [(0, 5), (17, 24)], True)
    assert entity.text == "failure renal"


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda tmp: list(load_chia(tmp / "absent")), "E006"),
        (lambda tmp: list(load_chia(tmp)), "E006"),
        (lambda tmp: list(load_chia(CHIA, split="test")), "E007"),
        (lambda tmp: read_split_file(tmp / "absent.json"), "E008"),
    ],
)
def test_evaluate_load_coded_errors(tmp_path: Path, call, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EvaluationError) as info:
        call(tmp_path)
    assert info.value.code == code


def test_evaluate_load_invalid_split_file(tmp_path: Path) -> None:
    bad = tmp_path / "split.json"
    bad.write_text(json.dumps({"train": ["NCT1"]}), encoding="utf-8")
    with pytest.raises(EvaluationError) as info:
        list(load_chia(CHIA, split="dev", split_file=bad))
    assert info.value.code == "E008"


@pytest.mark.shared
def test_evaluate_load_whole_shared_corpus() -> None:
    chia = shared_path("data", "chia")
    files = list(load_chia(chia))
    assert len(files) == 1574
    issues = sorted((i.code, i.record, i.line) for f in files for i in f.issues)
    # Chia's own slips: a Measurement spanning three lines, a relation name used as an entity type, a Visit whose text differs
    assert issues == [
        ("E002", "NCT03460002_inc.ann", 6),
        ("E003", "NCT02590822_inc.ann", 17),
        ("E004", "NCT02867618_exc.ann", 43),
    ]
    dev = {f.trial_id for f in load_chia(chia, split="dev", split_file=REPO / "annotations" / "chia_split.json")}
    assert dev == {f.trial_id for f in load_chia(chia, split="dev")}
    assert len(dev) == 153
