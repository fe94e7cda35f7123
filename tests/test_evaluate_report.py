"""evaluate_chia with constructed predictors whose scores are known exactly; report rendering."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from rich.console import Console
from rich.table import Table

from conftest import FIXTURES
from criteria_nlp.evaluate import (
    EvaluationError,
    EvaluationReport,
    PredictedEntity,
    analyzer_predictor,
    evaluate_chia,
    load_chia,
)

CHIA = FIXTURES / "chia"
PRED_LABEL = {"LAB/SCORE": "LAB", "AGE/SEX": "AGE"}

#: gold counts per row in the two fixture files
GOLD = {"CONDITION": 10, "PROCEDURE": 6, "LAB/SCORE": 3, "OBSERVATION": 1, "DEVICE": 1, "VALUE": 4, "TEMPORAL": 1}


def _gold_by_line() -> dict[tuple[str, str], list[tuple[int, int, str, bool]]]:
    """line text and kind -> gold (start, end, row, negated) relative to the line."""
    table: dict[tuple[str, str], list[tuple[int, int, str, bool]]] = {}
    for chia_file in load_chia(CHIA):
        for index, (start, _) in enumerate(chia_file.lines):
            key = (chia_file.line_text(index), chia_file.kind)
            table[key] = [
                (e.start - start, e.end - start, e.label, e.negated)
                for e in chia_file.scored
                if e.line == index and e.label is not None
            ]
    return table


Transform = Callable[[int, int, str, bool], PredictedEntity | None]


def _predictor(transform: Transform) -> Callable[[list[str], list[str]], list[list[PredictedEntity]]]:
    gold = _gold_by_line()

    def predict(texts: list[str], kinds: list[str]) -> list[list[PredictedEntity]]:
        out = []
        for text, kind in zip(texts, kinds):
            found = [transform(*g) for g in gold[(text, kind)]]
            out.append([p for p in found if p is not None])
        return out

    return predict


def perfect(s: int, e: int, row: str, neg: bool) -> PredictedEntity:
    return PredictedEntity(label=PRED_LABEL.get(row, row), start=s, end=e, negated=neg)


def off_by_one(s: int, e: int, row: str, neg: bool) -> PredictedEntity:
    return PredictedEntity(label=PRED_LABEL.get(row, row), start=s, end=e - 1, negated=neg)


def wrong_label(s: int, e: int, row: str, neg: bool) -> PredictedEntity:
    return PredictedEntity(label="CONDITION" if row != "CONDITION" else "DRUG", start=s, end=e, negated=neg)


def never_negated(s: int, e: int, row: str, neg: bool) -> PredictedEntity:
    return PredictedEntity(label=PRED_LABEL.get(row, row), start=s, end=e, negated=False)


def nothing(texts: list[str], kinds: list[str]) -> list[list[PredictedEntity]]:
    return [[] for _ in texts]


def test_evaluate_report_counts_files_lines_and_gold() -> None:
    report = evaluate_chia(CHIA, nothing, split=None)
    assert (report.split, report.files, report.lines) == (None, 2, 5)
    assert report.words == sum(len(f.line_text(i).split()) for f in load_chia(CHIA) for i in range(len(f.lines)))
    assert {r.type: r.gold for r in report.rows} == GOLD
    assert report.micro.gold == 26
    assert report.discontinuous == 2
    assert report.skipped == {"Informed_consent": 1}


@pytest.mark.parametrize(
    ("predict", "predicted", "strict", "overlap", "negation"),
    [
        # (predicted, (strict P, R, F1), (overlap P, R, F1), (matched, accuracy, neg P, neg R))
        (_predictor(perfect), 26, (1.0, 1.0, 1.0), (1.0, 1.0, 1.0), (26, 1.0, 1.0, 1.0)),
        (nothing, 0, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0, 0.0, 0.0, 0.0)),
        (_predictor(off_by_one), 26, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (26, 1.0, 1.0, 1.0)),
        (_predictor(wrong_label), 26, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0, 0.0, 0.0, 0.0)),
        (_predictor(never_negated), 26, (1.0, 1.0, 1.0), (1.0, 1.0, 1.0), (26, 23 / 26, 0.0, 0.0)),
    ],
    ids=["perfect", "empty", "off_by_one", "wrong_label", "never_negated"],
)
def test_evaluate_report_constructed_predictors(
    predict: Callable[[list[str], list[str]], list[list[PredictedEntity]]],
    predicted: int,
    strict: tuple[float, float, float],
    overlap: tuple[float, float, float],
    negation: tuple[int, float, float, float],
) -> None:
    report = evaluate_chia(CHIA, predict, split=None)
    m = report.micro
    assert m.predicted == predicted
    assert (m.strict_precision, m.strict_recall, m.strict_f1) == pytest.approx(strict)
    assert (m.overlap_precision, m.overlap_recall, m.overlap_f1) == pytest.approx(overlap)
    n = report.negation
    assert (n.matched, n.accuracy, n.precision, n.recall) == pytest.approx(negation)


def test_evaluate_report_wrong_label_rows() -> None:
    report = evaluate_chia(CHIA, _predictor(wrong_label), split=None)
    rows = {r.type: (r.gold, r.predicted, r.overlap_tp) for r in report.rows}
    assert rows["CONDITION"] == (10, 16, 0)
    assert rows["DRUG"] == (0, 10, 0)
    assert rows["VALUE"] == (4, 0, 0)


def test_evaluate_report_half_predictor() -> None:
    kept = iter(range(1000))

    def every_other(s: int, e: int, row: str, neg: bool) -> PredictedEntity | None:
        return perfect(s, e, row, neg) if next(kept) % 2 == 0 else None

    report = evaluate_chia(CHIA, _predictor(every_other), split=None, batch_size=2)
    m = report.micro
    assert (m.gold, m.predicted, m.strict_tp) == (26, 13, 13)
    assert (m.strict_precision, m.strict_recall) == pytest.approx((1.0, 0.5))
    assert m.strict_f1 == pytest.approx(2 / 3)


def test_evaluate_report_shifts_line_offsets_to_the_file() -> None:
    seen: list[tuple[str, str]] = []

    def first_word(texts: list[str], kinds: list[str]) -> list[list[PredictedEntity]]:
        seen.extend(zip(texts, kinds))
        return [[PredictedEntity(label="CONDITION", start=0, end=len(t.split()[0]))] for t in texts]

    report = evaluate_chia(CHIA, first_word, split=None, ignore_unannotated=False)
    assert seen[0] == (load_chia(CHIA).__next__().line_text(0), "inclusion")
    assert seen[-1][1] == "exclusion"
    assert report.micro.predicted == 5
    # one of the five first words lies in a criterion Chia marked Informed_consent and left unannotated
    kept = evaluate_chia(CHIA, first_word, split=None)
    assert (kept.micro.predicted, kept.ignored_predictions) == (4, 1)
    # "Patients" of line 1 and "The" of line 2 overlap no gold Condition; "Any" neither
    assert report.micro.overlap_tp == 0


@pytest.mark.parametrize(
    ("predict", "detail"),
    [
        (lambda texts, kinds: [], "0 results for"),
        (lambda texts, kinds: [[PredictedEntity(label="DRUG", start=0, end=9999)] for _ in texts], "outside the line"),
        (lambda texts, kinds: [[PredictedEntity(label="DRUG", start=3, end=3)] for _ in texts], "outside the line"),
    ],
)
def test_evaluate_report_rejects_bad_predictions(predict, detail: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EvaluationError) as info:
        evaluate_chia(CHIA, predict, split=None)
    assert info.value.code == "E009"
    assert detail in str(info.value)


def test_evaluate_report_split_selects_files() -> None:
    # both fixture trials are in train by the split rule
    assert evaluate_chia(CHIA, nothing, split="train").files == 2
    assert evaluate_chia(CHIA, nothing, split="dev").files == 0


def test_evaluate_report_markdown() -> None:
    text = evaluate_chia(CHIA, _predictor(off_by_one), split=None).to_markdown()
    lines = text.splitlines()
    assert lines[0] == "| type | gold | pred | strict P | strict R | strict F1 | overlap P | overlap R | overlap F1 |"
    assert "| CONDITION | 10 | 10 | 0.0 | 0.0 | 0.0 | 100.0 | 100.0 | 100.0 |" in lines
    assert "| LAB/SCORE | 3 | 3 | 0.0 | 0.0 | 0.0 | 100.0 | 100.0 | 100.0 |" in lines
    assert "| **micro** | 26 | 26 | 0.0 | 0.0 | 0.0 | 100.0 | 100.0 | 100.0 |" in lines
    assert any(line.startswith("Negation over 26 overlap-matched gold entities: accuracy 100.0") for line in lines)
    assert (
        "- 2 discontinuous gold spans are matched strictly on their full extent (first start to last end), "
        "by overlap on the characters of their fragments."
    ) in lines


def test_evaluate_report_table() -> None:
    report = evaluate_chia(CHIA, _predictor(perfect), split=None)
    table = report.to_table()
    assert isinstance(table, Table)
    assert [c.header for c in table.columns][:3] == ["type", "gold", "pred"]
    assert table.row_count == len(report.rows) + 1
    console = Console(record=True, width=160)
    console.print(table)
    rendered = console.export_text()
    assert "CONDITION" in rendered and "micro" in rendered and "100.0" in rendered


def test_evaluate_report_dict_round_trip() -> None:
    report = evaluate_chia(CHIA, _predictor(perfect), split=None)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["micro"]["strict_f1"] == 1.0
    assert data["words_per_second"] >= 0.0
    assert data["notes"] == report.notes()
    data.pop("words_per_second")
    data.pop("notes")
    assert EvaluationReport.model_validate(data) == report


@dataclass
class _FakeEntity:
    label: str
    start: int
    end: int
    negated: bool = False


@dataclass
class _FakeAnalysis:
    entities: list[_FakeEntity] = field(default_factory=list)


class _FakeAnalyzer:
    """Tags the first word of exclusion lines as a negated CONDITION; records each pipe call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, int]] = []

    def pipe(self, texts: list[str], *, kind: str | None = None, batch_size: int = 32) -> list[_FakeAnalysis]:
        self.calls.append((kind, len(texts)))
        if kind != "exclusion":
            return [_FakeAnalysis() for _ in texts]
        return [_FakeAnalysis([_FakeEntity("CONDITION", 0, len(t.split()[0]), True)]) for t in texts]


def test_evaluate_report_analyzer_predictor_routes_kinds() -> None:
    analyzer = _FakeAnalyzer()
    predict = analyzer_predictor(analyzer)
    texts = ["Heart failure", "Stroke", "Diabetes"]
    result = predict(texts, ["inclusion", "exclusion", "inclusion"])
    assert sorted(analyzer.calls, key=str) == [("exclusion", 1), ("inclusion", 2)]
    assert result == [[], [PredictedEntity(label="CONDITION", start=0, end=6, negated=True)], []]


def test_evaluate_report_with_the_analyzer(analyzer) -> None:  # type: ignore[no-untyped-def]
    report = evaluate_chia(CHIA, analyzer_predictor(analyzer), split=None)
    assert (report.files, report.lines, report.micro.gold) == (2, 5, 26)
    assert report.micro.predicted == sum(r.predicted for r in report.rows)
