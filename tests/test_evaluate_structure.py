"""The rule-structure scorer against Chia's relations, on hand-made brat files (and, marked slow, on Chia dev)."""

from __future__ import annotations

from pathlib import Path

import pytest

from criteria_nlp import Analyzer
from criteria_nlp.evaluate import read_chia_file
from criteria_nlp.evaluate_structure import evaluate_structure, gold_pairs, implied_pairs, score_files

from conftest import REPO, shared_path  # type: ignore[import-not-found]

TEXT = ("Creatinine <= 1.5 mg/dL\n"
        "History of myocardial infarction or stroke within 6 months\n"
        "Uncontrolled hypertension\n")
ANN = "\n".join([
    "T1\tMeasurement 0 10\tCreatinine",
    "T2\tValue 11 23\t<= 1.5 mg/dL",
    "R1\tHas_value Arg1:T1 Arg2:T2\t",
    "T3\tTemporal 24 31\tHistory",
    "T4\tCondition 35 56\tmyocardial infarction",
    "T5\tCondition 60 66\tstroke",
    "T6\tTemporal 67 82\twithin 6 months",
    "R2\tHas_temporal Arg1:T4 Arg2:T3\t",
    "R3\tHas_temporal Arg1:T4 Arg2:T6\t",
    "*\tOR T4 T5",
    "T7\tQualifier 83 95\tUncontrolled",
    "T8\tCondition 96 108\thypertension",
    "R4\tHas_qualifier Arg1:T8 Arg2:T7\t",
    "",
])


@pytest.fixture()
def chia_dir(tmp_path: Path) -> Path:
    (tmp_path / "NCT00000001_exc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "NCT00000001_exc.ann").write_text(ANN, encoding="utf-8")
    return tmp_path


def test_evaluate_structure_gold_pairs(chia_dir: Path) -> None:
    chia = read_chia_file(chia_dir / "NCT00000001_exc.txt")
    pairs = gold_pairs(chia)
    assert sorted((p.relation, p.text) for p in pairs) == [
        ("Has_qualifier", "hypertension <- Uncontrolled"),
        ("Has_temporal", "myocardial infarction <- History"),
        ("Has_temporal", "myocardial infarction <- within 6 months"),
        ("Has_value", "Creatinine <- <= 1.5 mg/dL"),
        ("OR", "myocardial infarction | stroke"),
    ]
    # Chia draws the window once per list: the link to "stroke" is implied, neither required nor spurious
    implied = [p for p in implied_pairs(chia, pairs) if p.relation == "Has_temporal"]
    assert {chia.text[p.first[0][0]:p.first[0][1]] for p in implied} == {"stroke"}


def test_evaluate_structure_scores_a_pipeline(chia_dir: Path, analyzer: Analyzer) -> None:
    report = score_files([read_chia_file(chia_dir / "NCT00000001_exc.txt")], analyzer, keep_errors=10)
    rows = {r.relation: r for r in report.rows}
    assert (rows["Has_value"].gold, rows["Has_value"].matched, rows["Has_value"].link_accuracy) == (1, 1, 1.0)
    assert rows["Has_temporal"].gold == 2 and rows["Has_temporal"].matched == 2 and rows["Has_temporal"].precision == 1.0
    # an exclusion: separate exclude rules already mean any-of
    assert (rows["OR"].gold, rows["OR"].matched) == (1, 1)
    assert rows["Has_qualifier"].matched == 1
    markdown = report.to_markdown()
    assert markdown.startswith("| relation | gold | pred | matched |") and "link acc." in markdown
    assert all(e["type"] == "linked" for e in report.errors)


@pytest.mark.slow
@pytest.mark.shared
def test_evaluate_structure_chia_dev_figures(analyzer: Analyzer) -> None:
    """The rule-structure figures of the README (fast pipeline, Chia dev): values and alternatives linked right
    nine times out of ten or better where both arguments were found."""
    report = evaluate_structure(shared_path("data", "chia"), analyzer, split="dev",
                                split_file=REPO / "annotations" / "chia_split.json")
    rows = {r.relation: r for r in report.rows}
    assert rows["Has_value"].link_accuracy >= 0.90
    assert rows["OR"].link_accuracy >= 0.85 and rows["OR"].f1 >= 0.75
    assert rows["Has_temporal"].link_accuracy >= 0.85


def test_evaluate_structure_multiplier_is_an_implied_value(tmp_path: Path) -> None:
    """A dose Chia draws as Has_multiplier is a value of its drug: linking it is neither found nor spurious."""
    text = "Atorvastatin at doses greater than 10 mg/d\n"
    ann = "\n".join(["T1\tDrug 0 12\tAtorvastatin", "T2\tMultiplier 22 42\tgreater than 10 mg/d",
                     "R1\tHas_multiplier Arg1:T1 Arg2:T2\t", ""])
    (tmp_path / "NCT00000002_exc.txt").write_text(text, encoding="utf-8")
    (tmp_path / "NCT00000002_exc.ann").write_text(ann, encoding="utf-8")
    chia = read_chia_file(tmp_path / "NCT00000002_exc.txt")
    pairs = gold_pairs(chia)
    assert not [p for p in pairs if p.relation == "Has_value"]
    implied = [p for p in implied_pairs(chia, pairs) if p.relation == "Has_value"]
    assert [(chia.text[p.first[0][0]:p.first[0][1]], chia.text[p.second[0][0]:p.second[0][1]]) for p in implied] == [
        ("Atorvastatin", "greater than 10 mg/d")]


def _chia(tmp_path: Path, text: str, ann: list[str], name: str = "NCT00000003_inc") -> object:
    (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    (tmp_path / f"{name}.ann").write_text("\n".join([*ann, ""]), encoding="utf-8")
    return read_chia_file(tmp_path / f"{name}.txt")


def _implied(chia: object, relation: str) -> list[tuple[str, str]]:
    pairs = gold_pairs(chia)  # type: ignore[arg-type]
    text = chia.text  # type: ignore[attr-defined]
    return [(text[p.first[0][0]:p.first[-1][1]], text[p.second[0][0]:p.second[0][1]])
            for p in implied_pairs(chia, pairs) if p.relation == relation]  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "ann", "expected"), [
    # Chia joins a term and its restatement in brackets with Subsumes and links the value to the term alone
    ("Absolute neutrophil count (ANC) >= 1500/mm3",
     ["T1\tMeasurement 0 25\tAbsolute neutrophil count", "T2\tMeasurement 27 30\tANC", "T3\tValue 32 43\t>= 1500/mm3",
      "R1\tSubsumes Arg1:T1 Arg2:T2\t", "R2\tHas_value Arg1:T1 Arg2:T3\t"],
     [("ANC", ">= 1500/mm3")]),
    # a discontinuous term going on after the restatement
    ("American society of anesthesiologist (ASA) physical status I or II",
     ["T1\tMeasurement 0 36;43 58\tAmerican society of anesthesiologist physical status", "T2\tMeasurement 38 41\tASA",
      "T3\tValue 59 66\tI or II", "R1\tSubsumes Arg1:T1 Arg2:T2\t", "R2\tHas_value Arg1:T1 Arg2:T3\t"],
     [("ASA", "I or II")]),
    # Subsumes between a class and its member: what limits the class limits the member Chia lists as its example
    ("Malignancy such as lymphoma > 2 cm",
     ["T1\tCondition 0 10\tMalignancy", "T2\tCondition 19 27\tlymphoma", "T3\tValue 28 34\t> 2 cm",
      "R1\tSubsumes Arg1:T1 Arg2:T2\t", "R2\tHas_value Arg1:T1 Arg2:T3\t"],
     [("lymphoma", "> 2 cm")]),
    # ... not the other way: the member's value is not the class's
    ("Malignancy such as lymphoma > 2 cm",
     ["T1\tCondition 0 10\tMalignancy", "T2\tCondition 19 27\tlymphoma", "T3\tValue 28 34\t> 2 cm",
      "R1\tSubsumes Arg1:T1 Arg2:T2\t", "R2\tHas_value Arg1:T2 Arg2:T3\t"],
     []),
    # a grade Chia calls a Qualifier is a value the pipeline may read
    ("Grade 2 peripheral neuropathy",
     ["T1\tQualifier 0 7\tGrade 2", "T2\tCondition 8 29\tperipheral neuropathy", "R1\tHas_qualifier Arg1:T2 Arg2:T1\t"],
     [("peripheral neuropathy", "Grade 2")]),
])
def test_evaluate_structure_implied_value_links(tmp_path: Path, text: str, ann: list[str],
                                                expected: list[tuple[str, str]]) -> None:
    assert _implied(_chia(tmp_path, text, ann), "Has_value") == expected


def test_evaluate_structure_second_link_inside_one_gold_pair_is_no_error(tmp_path: Path, analyzer: Analyzer) -> None:
    """Two predicted mentions inside one gold mention ("fasting plasma glucose (FPG)"), both linked to its value:
    one pair is found, the other is neither found nor spurious."""
    chia = _chia(tmp_path, "fasting plasma glucose (FPG) >= 126 mg/dL",
                 ["T1\tMeasurement 0 28\tfasting plasma glucose (FPG)", "T2\tValue 29 41\t>= 126 mg/dL",
                  "R1\tHas_value Arg1:T1 Arg2:T2\t"])
    analysis = analyzer("Inclusion Criteria:\n- fasting plasma glucose (FPG) >= 126 mg/dL\n")
    value = next(e for e in analysis.entities if e.label == "VALUE")
    assert len(value.qualifies) == 2  # the pipeline links the value to the term and to its short form
    row = next(r for r in score_files([chia], analyzer).rows if r.relation == "Has_value")  # type: ignore[list-item]
    assert (row.gold, row.predicted, row.matched) == (1, 1, 1)


def test_evaluate_structure_examples_of_a_term_share_its_time(tmp_path: Path) -> None:
    """Chia dates 'Antitumor therapy (e.g., chemotherapy, radiotherapy)' once, on the term, and lists the examples
    under it (Subsumes) and with each other (OR): the window of each example is implied."""
    text = "Antitumor therapy (e.g., chemotherapy, radiotherapy) <=30 days before first dose"
    chia = _chia(tmp_path, text, [
        "T1\tProcedure 0 17\tAntitumor therapy", "T2\tDrug 25 37\tchemotherapy", "T3\tProcedure 39 51\tradiotherapy",
        "T4\tTemporal 53 80\t<=30 days before first dose", "R1\tSubsumes Arg1:T1 Arg2:T2\t", "*\tOR T2 T3",
        "R2\tHas_temporal Arg1:T1 Arg2:T4\t"], name="NCT00000004_exc")
    assert sorted(_implied(chia, "Has_temporal")) == [("chemotherapy", "<=30 days before first dose"),
                                                      ("radiotherapy", "<=30 days before first dose")]


def test_evaluate_structure_pairs_in_text_chia_left_unannotated_are_not_scored(tmp_path: Path,
                                                                                analyzer: Analyzer) -> None:
    """A criterion Chia marks Informed_consent (or another of its odd types) has no entities: a time the pipeline
    links there is neither found nor spurious, as the entity scores already treat its mentions."""
    text = "Written informed consent obtained prior to enrolling\nMyocardial infarction within 6 months\n"
    chia = _chia(tmp_path, text, [
        "T1\tInformed_consent 0 52\tWritten informed consent obtained prior to enrolling",
        "T2\tCondition 53 74\tMyocardial infarction", "T3\tTemporal 75 90\twithin 6 months",
        "R1\tHas_temporal Arg1:T2 Arg2:T3\t"], name="NCT00000005_exc")
    report = score_files([chia], analyzer)  # type: ignore[list-item]
    row = report.row("Has_temporal")
    assert (row.gold, row.matched, row.precision) == (1, 1, 1.0)
    assert report.ignored["Has_temporal"] >= 1
    assert any("left out of annotation" in note for note in report.notes())
