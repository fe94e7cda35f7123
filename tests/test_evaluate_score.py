"""The spaCy-independent scorer: strict and overlap P/R/F1, label compatibility, negation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from criteria_nlp.evaluate import EvaluationError, Span, score


def S(
    start: int,
    end: int,
    label: str,
    negated: bool = False,
    doc: str = "d",
    fragments: tuple[tuple[int, int], ...] | None = None,
) -> Span:
    return Span(doc=doc, start=start, end=end, label=label, negated=negated, fragments=fragments)


@pytest.mark.parametrize(
    ("gold", "pred", "strict", "overlap"),
    [
        # exact match
        ([S(0, 5, "CONDITION")], [S(0, 5, "CONDITION")], (1.0, 1.0), (1.0, 1.0)),
        # boundary off by one: overlap only
        ([S(0, 5, "CONDITION")], [S(0, 4, "CONDITION")], (0.0, 0.0), (1.0, 1.0)),
        # wrong label: nothing
        ([S(0, 5, "CONDITION")], [S(0, 5, "DRUG")], (0.0, 0.0), (0.0, 0.0)),
        # LAB and SCORE both match a gold Measurement; AGE and SEX a gold Person
        ([S(0, 5, "LAB/SCORE")], [S(0, 5, "SCORE")], (1.0, 1.0), (1.0, 1.0)),
        ([S(0, 5, "LAB/SCORE")], [S(0, 5, "LAB")], (1.0, 1.0), (1.0, 1.0)),
        ([S(0, 5, "AGE/SEX")], [S(0, 5, "SEX")], (1.0, 1.0), (1.0, 1.0)),
        ([S(0, 5, "AGE/SEX")], [S(1, 3, "AGE")], (0.0, 0.0), (1.0, 1.0)),
        # touching is not overlapping
        ([S(0, 5, "CONDITION")], [S(5, 9, "CONDITION")], (0.0, 0.0), (0.0, 0.0)),
        # other documents never match
        ([S(0, 5, "CONDITION", doc="a")], [S(0, 5, "CONDITION", doc="b")], (0.0, 0.0), (0.0, 0.0)),
        # one prediction covering two gold spans matches one of them
        ([S(0, 5, "CONDITION"), S(6, 9, "CONDITION")], [S(0, 9, "CONDITION")], (0.0, 0.0), (1.0, 0.5)),
        # two predictions inside one gold span: one matches
        ([S(0, 10, "CONDITION")], [S(0, 3, "CONDITION"), S(2, 10, "CONDITION")], (0.0, 0.0), (0.5, 1.0)),
        # duplicated gold spans are matched at most once each
        ([S(0, 5, "CONDITION"), S(0, 5, "CONDITION")], [S(0, 5, "CONDITION")], (1.0, 0.5), (1.0, 0.5)),
        # a discontinuous gold entity ("renal [or hepatic] disease") is matched strictly on its extent ...
        ([S(0, 24, "CONDITION", fragments=((0, 5), (17, 24)))], [S(0, 24, "CONDITION")], (1.0, 1.0), (1.0, 1.0)),
        # ... and by overlap on its fragments: a prediction on the words between them does not match it
        ([S(0, 24, "CONDITION", fragments=((0, 5), (17, 24)))], [S(9, 16, "CONDITION")], (0.0, 0.0), (0.0, 0.0)),
        ([S(0, 24, "CONDITION", fragments=((0, 5), (17, 24)))], [S(0, 5, "CONDITION")], (0.0, 0.0), (1.0, 1.0)),
        # "renal or hepatic disease": the discontinuous "renal ... disease" and "hepatic disease" both gold;
        # "renal" and "hepatic disease" predicted: two matches, the exact one kept (greedy by extent found one)
        (
            [S(0, 24, "CONDITION", fragments=((0, 5), (17, 24))), S(9, 24, "CONDITION")],
            [S(0, 5, "CONDITION"), S(9, 24, "CONDITION")],
            (0.5, 0.5),
            (1.0, 1.0),
        ),
        # the matching with the most pairs: A overlaps X by 10 and Y by 2, B only X by 3 (greedy: 1 pair)
        (
            [S(0, 10, "CONDITION"), S(10, 12, "CONDITION")],
            [S(0, 12, "CONDITION"), S(0, 3, "CONDITION")],
            (0.0, 0.0),
            (1.0, 1.0),
        ),
    ],
)
def test_evaluate_score_micro(
    gold: list[Span], pred: list[Span], strict: tuple[float, float], overlap: tuple[float, float]
) -> None:
    micro = score(gold, pred).micro
    assert (micro.strict_precision, micro.strict_recall) == pytest.approx(strict)
    assert (micro.overlap_precision, micro.overlap_recall) == pytest.approx(overlap)


def test_evaluate_score_largest_overlap_on_ties() -> None:
    # pred A overlaps gold X by 2 and gold Y by 6; pred B overlaps gold X by 4.
    gold = [S(0, 10, "CONDITION"), S(10, 20, "CONDITION")]
    pred = [S(8, 16, "CONDITION"), S(6, 10, "CONDITION")]
    result = score(gold, pred)
    assert result.micro.overlap_tp == 2
    # order-independent: the same with the lists reversed
    assert score(gold[::-1], pred[::-1]).micro.overlap_tp == 2


_spans = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 8), st.sampled_from(["CONDITION", "DRUG"])).map(
        lambda t: S(t[0], t[0] + t[1], t[2])
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(gold=_spans, pred=_spans)
def test_evaluate_score_every_strict_match_is_an_overlap_match(gold: list[Span], pred: list[Span]) -> None:
    result = score(gold, pred)
    for row in result.rows:
        assert row.strict_tp <= row.overlap_tp <= min(row.gold, row.predicted)
    assert score(gold[::-1], pred[::-1]).micro.overlap_tp == result.micro.overlap_tp


def test_evaluate_score_rows_and_f1() -> None:
    gold = [S(0, 5, "CONDITION"), S(6, 9, "CONDITION"), S(10, 12, "VALUE"), S(13, 15, "LAB/SCORE")]
    pred = [S(0, 5, "CONDITION"), S(6, 8, "CONDITION"), S(20, 22, "CONDITION"), S(13, 15, "LAB")]
    result = score(gold, pred)
    rows = {r.type: r for r in result.rows}
    assert list(rows) == ["CONDITION", "LAB/SCORE", "VALUE"]
    c = rows["CONDITION"]
    assert (c.gold, c.predicted, c.strict_tp, c.overlap_tp) == (2, 3, 1, 2)
    assert c.strict_precision == pytest.approx(1 / 3)
    assert c.strict_recall == pytest.approx(1 / 2)
    assert c.strict_f1 == pytest.approx(0.4)
    assert c.overlap_f1 == pytest.approx(0.8)
    v = rows["VALUE"]
    assert (v.gold, v.predicted, v.strict_f1, v.overlap_f1) == (1, 0, 0.0, 0.0)
    m = result.micro
    assert (m.type, m.gold, m.predicted, m.strict_tp, m.overlap_tp) == ("micro", 4, 4, 2, 3)


def test_evaluate_score_ignores_unscored_labels() -> None:
    result = score([S(0, 5, "CONDITION")], [S(0, 5, "CONDITION"), S(6, 9, "NEGATION"), S(0, 5, "QUALIFIER")])
    assert result.unscored_predictions == 2
    assert (result.micro.predicted, result.micro.strict_precision) == (1, 1.0)


def test_evaluate_score_empty() -> None:
    result = score([], [])
    assert result.rows == []
    assert (result.micro.strict_f1, result.micro.overlap_f1, result.negation.accuracy) == (0.0, 0.0, 0.0)


def test_evaluate_score_negation() -> None:
    gold = [
        S(0, 5, "CONDITION", negated=True),
        S(10, 15, "CONDITION", negated=False),
        S(20, 25, "DRUG", negated=True),
        S(30, 35, "DRUG", negated=False),
        S(40, 45, "PROCEDURE", negated=True),  # not matched: left out of negation figures
    ]
    pred = [
        S(0, 4, "CONDITION", negated=True),  # tp
        S(10, 15, "CONDITION", negated=True),  # fp
        S(21, 25, "DRUG", negated=False),  # fn
        S(30, 35, "DRUG", negated=False),  # tn
        S(50, 55, "PROCEDURE", negated=True),  # unmatched prediction: left out
    ]
    n = score(gold, pred).negation
    assert (n.matched, n.correct, n.gold_negated, n.predicted_negated, n.true_positives) == (4, 2, 2, 2, 1)
    assert (n.accuracy, n.precision, n.recall, n.f1) == pytest.approx((0.5, 0.5, 0.5, 0.5))


def test_evaluate_score_rejects_unknown_gold_label() -> None:
    with pytest.raises(EvaluationError) as info:
        score([S(0, 5, "QUALIFIER")], [])
    assert info.value.code == "E009"
