"""Hand-made gold annotations of the five seed trials, and the pipeline scored against them.

``annotations/seeds.jsonl`` holds entities annotated by hand (guidelines in
``annotations/README.md``), independent of the pipeline's output. This file checks

* the gold file itself: each record's text is the trial's ``eligibility_text`` as
  ``read_trial`` gives it, every span's text is ``text[start:end]``, labels are in the
  label set, spans are sorted and do not overlap, VALUE spans (and only they) carry a
  value;
* both pipelines (``fast`` and ``default``) against the gold, per trial and overall: strict (same start, end,
  label) and overlap (a shared character, same label, one-to-one; SCORE and LAB count
  as the same label here only) precision/recall/F1, negation accuracy on the
  overlap-matched entities (VALUE and TEMPORAL left out: they carry no assertion), and
  the agreement of operator/low/high on strictly matched VALUE spans that carry a
  number (qualitative results such as "positive" are left out);
* that no figure drops more than half a percentage point below the one stored in
  ``tests/fixtures/golden/seed_annotation_scores.json`` (improvements pass: after one,
  raise the stored figures by hand so they hold the gain);
* a handful of facts the pipeline is known to get right.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import criteria_nlp
from criteria_nlp import Analyzer, TrialAnalysis, read_trial

REPO = Path(__file__).resolve().parent.parent
GOLD_PATH = REPO / "annotations" / "seeds.jsonl"
SCORES_PATH = REPO / "tests" / "fixtures" / "golden" / "seed_annotation_scores.json"
SEEDS = REPO / "tests" / "fixtures" / "seeds"

TRIAL_IDS = ("NCT05921058", "NCT04184258", "NCT03219801", "IR.KUMS.REC.1400.198", "NCT00659217")
LABELS = frozenset(
    {"CONDITION", "DRUG", "PROCEDURE", "LAB", "SCORE", "AGE", "SEX", "OBSERVATION", "DEVICE", "VALUE", "TEMPORAL"}
)
FLAGS = ("negated", "historical", "hypothetical", "family")
OPERATORS = frozenset({">", ">=", "<", "<=", "=", "between"})
VALUE_KEYS = frozenset({"operator", "low", "high", "unit"})
ENTITY_KEYS = frozenset({"start", "end", "text", "label", *FLAGS, "value"})
#: label pairs that count as one label in the overlap score only
COMPATIBLE = frozenset({frozenset({"SCORE", "LAB"})})
#: labels without assertion context, left out of negation accuracy
NO_ASSERTION = frozenset({"VALUE", "TEMPORAL"})
#: a figure may drop this much (0.5 percentage point) below the stored one
TOLERANCE = 0.005


# --- gold and predictions as plain spans --------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str
    text: str
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    family: bool = False
    # (operator, low, high, unit) on VALUE spans
    value: tuple[str | None, float | None, float | None, str | None] | None = None


def load_gold() -> list[dict[str, Any]]:
    with GOLD_PATH.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def gold_spans(record: dict[str, Any]) -> list[Span]:
    spans = []
    for ent in record["entities"]:
        value = ent["value"]
        spans.append(
            Span(
                ent["start"], ent["end"], ent["label"], ent["text"],
                *(bool(ent[flag]) for flag in FLAGS),
                value=None if value is None else (value["operator"], value["low"], value["high"], value["unit"]),
            )
        )
    return spans


def predicted_spans(analysis: TrialAnalysis) -> list[Span]:
    """The pipeline's entities as spans; a multiple of the ULN/LLN becomes ``low`` with unit "x ULN"/"x LLN"."""
    spans = []
    for ent in analysis.entities:
        value = None
        if ent.value is not None:
            v = ent.value
            low, high, unit = v.low, v.high, v.unit
            if low is None and high is None and v.uln_multiple is not None:
                low, unit = v.uln_multiple, "x ULN"
            elif low is None and high is None and v.lln_multiple is not None:
                low, unit = v.lln_multiple, "x LLN"
            value = (v.operator, low, high, unit)
        spans.append(
            Span(
                ent.start, ent.end, ent.label, ent.text,
                ent.negated, ent.historical, ent.hypothetical, ent.family, value,
            )
        )
    return spans


# --- matching and scores ---------------------------------------------------------------------


def strict_pairs(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[Span, Span]]:
    """Gold and predicted spans with the same start, end and label."""
    by_key: dict[tuple[int, int, str], Span] = {}
    for p in pred:
        by_key.setdefault((p.start, p.end, p.label), p)
    return [(g, by_key[(g.start, g.end, g.label)]) for g in gold if (g.start, g.end, g.label) in by_key]


def _compatible(a: str, b: str) -> bool:
    return a == b or frozenset({a, b}) in COMPATIBLE


def overlap_pairs(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[Span, Span]]:
    """One-to-one pairs sharing at least one character with compatible labels, largest overlap first."""
    candidates = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            shared = min(g.end, p.end) - max(g.start, p.start)
            if shared > 0 and _compatible(g.label, p.label):
                exact = (g.start, g.end, g.label) == (p.start, p.end, p.label)
                candidates.append((-int(exact), -shared, g.start, p.start, i, j))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for *_, i, j in candidates:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((gold[i], pred[j]))
    return pairs


def _same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def value_agrees(g: Span, p: Span) -> bool:
    """Operator, low and high agree (the unit is not compared)."""
    if g.value is None or p.value is None:
        return g.value is p.value
    return g.value[0] == p.value[0] and _same_number(g.value[1], p.value[1]) and _same_number(g.value[2], p.value[2])


@dataclass
class Counts:
    n_gold: int = 0
    n_pred: int = 0
    strict_tp: int = 0
    overlap_tp: int = 0
    negation_pairs: int = 0
    negation_right: int = 0
    value_pairs: int = 0
    value_right: int = 0

    def add(self, other: "Counts") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for kind, tp in (("strict", self.strict_tp), ("overlap", self.overlap_tp)):
            p = tp / self.n_pred if self.n_pred else float(not self.n_gold)
            r = tp / self.n_gold if self.n_gold else float(not self.n_pred)
            out[f"{kind}_precision"] = p
            out[f"{kind}_recall"] = r
            out[f"{kind}_f1"] = 2 * p * r / (p + r) if p + r else 0.0
        out["negation_accuracy"] = self.negation_right / self.negation_pairs if self.negation_pairs else None
        out["value_agreement"] = self.value_right / self.value_pairs if self.value_pairs else None
        return out


def count(gold: Sequence[Span], pred: Sequence[Span]) -> Counts:
    strict = strict_pairs(gold, pred)
    overlap = overlap_pairs(gold, pred)
    assertion = [(g, p) for g, p in overlap if g.label not in NO_ASSERTION]
    # qualitative results ("positive") have no operator/low/high of ours to compare
    values = [
        (g, p)
        for g, p in strict
        if g.label == "VALUE" and g.value is not None and (g.value[1], g.value[2]) != (None, None)
    ]
    return Counts(
        n_gold=len(gold),
        n_pred=len(pred),
        strict_tp=len(strict),
        overlap_tp=len(overlap),
        negation_pairs=len(assertion),
        negation_right=sum(g.negated == p.negated for g, p in assertion),
        value_pairs=len(values),
        value_right=sum(value_agrees(g, p) for g, p in values),
    )


def measure(gold: Iterable[dict[str, Any]], analyses: dict[str, TrialAnalysis]) -> dict[str, dict[str, float | None]]:
    """Figures per trial id and ``overall`` (micro-averaged over the trials)."""
    result: dict[str, dict[str, float | None]] = {}
    total = Counts()
    for record in gold:
        analysis = analyses[record["id"]]
        # a criterion the record states twice is read once (issue 2): the gold of its second copy is not scored
        repeated = [(d.start, d.end) for d in analysis.duplicates]
        spans = [g for g in gold_spans(record) if not any(start <= g.start < end for start, end in repeated)]
        counts = count(spans, predicted_spans(analysis))
        total.add(counts)
        result[record["id"]] = counts.figures()
    result["overall"] = total.figures()
    return result


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold() -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in load_gold()}


#: each pipeline and the key of its stored figures in SCORES_PATH
STORED_KEYS = {"fast": "scores", "default": "scores_default"}


@pytest.fixture(scope="module", params=tuple(STORED_KEYS))
def pipeline(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def analyses(pipeline: str) -> dict[str, TrialAnalysis]:
    return {a.trial.id: a for a in Analyzer(pipeline=pipeline).pipe(criteria_nlp.read_trials(SEEDS))}


@pytest.fixture(scope="module")
def scores(gold: dict[str, dict[str, Any]], analyses: dict[str, TrialAnalysis]) -> dict[str, dict[str, float | None]]:
    return measure(gold.values(), analyses)


# --- the gold file itself ------------------------------------------------------------------------


def test_annotations_cover_the_seeds_in_order() -> None:
    assert [record["id"] for record in load_gold()] == list(TRIAL_IDS)
    assert [t.id for t in criteria_nlp.read_trials(SEEDS)] == list(TRIAL_IDS)


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_annotations_text_is_the_eligibility_text(gold: dict[str, dict[str, Any]], trial_id: str) -> None:
    record = gold[trial_id]
    trial = read_trial(REPO / record["source"])
    assert trial.id == trial_id
    assert record["text"] == trial.eligibility_text


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_annotations_spans_are_valid(gold: dict[str, dict[str, Any]], trial_id: str) -> None:
    record = gold[trial_id]
    text = record["text"]
    entities = record["entities"]
    assert entities, "every seed has at least one entity"
    previous_end = 0
    for ent in entities:
        assert set(ent) == ENTITY_KEYS, ent
        start, end = ent["start"], ent["end"]
        assert isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text), ent
        assert text[start:end] == ent["text"], ent
        assert ent["text"] == ent["text"].strip(), f"span with outer whitespace: {ent}"
        assert ent["label"] in LABELS, ent
        assert all(isinstance(ent[flag], bool) for flag in FLAGS), ent
        assert start >= previous_end, f"unsorted or overlapping at {ent}"
        previous_end = end
        value = ent["value"]
        if ent["label"] != "VALUE":
            assert value is None, f"value on a {ent['label']} span: {ent}"
            continue
        assert isinstance(value, dict) and set(value) == VALUE_KEYS, ent
        assert value["operator"] is None or value["operator"] in OPERATORS, ent
        for bound in ("low", "high"):
            assert value[bound] is None or isinstance(value[bound], (int, float)), ent
        assert value["unit"] is None or isinstance(value["unit"], str), ent
        if value["operator"] == "between":
            assert value["low"] is not None and value["high"] is not None and value["low"] <= value["high"], ent
        assert not any(ent[flag] for flag in FLAGS), f"assertion flag on a VALUE span: {ent}"


# --- the scorer ------------------------------------------------------------------------------------


def test_annotations_scorer_matches_strictly_and_by_overlap() -> None:
    gold = [
        Span(0, 10, "SCORE", "x"),
        Span(12, 20, "CONDITION", "x", negated=True),
        Span(30, 33, "VALUE", "x", value=(">=", 6, None, None)),
    ]
    pred = [
        Span(0, 5, "LAB", "x"),  # overlaps the SCORE: compatible in the overlap score only
        Span(12, 20, "CONDITION", "x"),  # strict, negation wrong
        Span(15, 18, "CONDITION", "x"),  # overlaps a gold span already taken: one-to-one
        Span(30, 33, "VALUE", "x", value=(">=", 6.0, None, "mg")),  # unit not compared
    ]
    counts = count(gold, pred)
    assert (counts.strict_tp, counts.overlap_tp) == (2, 3)
    assert (counts.negation_pairs, counts.negation_right) == (2, 1)
    assert (counts.value_pairs, counts.value_right) == (1, 1)
    figures = counts.figures()
    assert figures["strict_precision"] == pytest.approx(2 / 4)
    assert figures["overlap_recall"] == pytest.approx(1.0)


# --- regressions ------------------------------------------------------------------------------------


def _stored() -> dict[str, Any]:
    return json.loads(SCORES_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("scope", (*TRIAL_IDS, "overall"))
def test_annotations_scores_do_not_regress(
    pipeline: str, scores: dict[str, dict[str, float | None]], scope: str
) -> None:
    stored = _stored()[STORED_KEYS[pipeline]][scope]
    current = scores[scope]
    assert set(current) == set(stored)
    drops = {}
    for name, before in stored.items():
        now = current[name]
        if before is None:
            continue
        if now is None or now < before - TOLERANCE:
            drops[name] = (before, now)
    assert not drops, f"{scope}: figures fell below the stored ones (stored, now): {drops}"


# --- facts the pipeline is known to get right ---------------------------------------------------------

# (trial, span text in the gold, occurrence of that gold span (0-based), label, expected attributes)
FACTS: list[tuple[str, str, int, str, dict[str, Any]]] = [
    ("NCT04184258", "SELENA-SLEDAI index", 0, "SCORE", {}),
    ("NCT04184258", "≥6", 0, "VALUE", {"operator": ">=", "low": 6}),
    ("NCT04184258", "renal transplantation", 0, "PROCEDURE", {"hypothetical": True}),
    ("NCT04184258", "dialysis", 0, "PROCEDURE", {"negated": False}),
    ("NCT03219801", "serious infection", 0, "CONDITION", {"negated": True}),
    ("NCT03219801", "acute hemorrhage", 0, "CONDITION", {"negated": True}),
    ("NCT03219801", "acute infectious diseases", 0, "CONDITION", {"negated": True}),
    ("NCT03219801", "from 14 to 60 years", 0, "VALUE", {"operator": "between", "low": 14, "high": 60}),
    ("NCT03219801", "≥ 50%", 0, "VALUE", {"operator": ">=", "low": 50}),
    ("NCT03219801", "LVEF", 0, "LAB", {}),
    ("NCT00659217", "malignancy", 0, "CONDITION", {"historical": True}),
    ("NCT00659217", "pulse cyclophosphamide", 0, "DRUG", {}),
    ("NCT00659217", "Transaminases", 0, "LAB", {"negated": False}),
    ("NCT00659217", "greater than 2 times normal", 0, "VALUE", {"operator": ">", "low": 2}),
    ("IR.KUMS.REC.1400.198", "Class 3 or 4 resistant lupus nephritis", 0, "CONDITION", {"negated": False}),
    ("NCT05921058", "Pregnancy", 0, "CONDITION", {"negated": False}),
]


def _fact_id(fact: tuple[str, str, int, str, dict[str, Any]]) -> str:
    return f"{fact[0]}:{fact[1]}:{fact[2]}"


@pytest.mark.parametrize("fact", FACTS, ids=[_fact_id(f) for f in FACTS])
def test_annotations_known_facts(
    gold: dict[str, dict[str, Any]], analyses: dict[str, TrialAnalysis], fact: tuple[str, str, int, str, dict[str, Any]]
) -> None:
    trial_id, span_text, occurrence, label, expected = fact
    matches = [s for s in gold_spans(gold[trial_id]) if s.text == span_text]
    g = matches[occurrence]
    assert g.label == label, f"the gold itself: {g}"
    # the predicted span of the same (or a compatible) label that overlaps the gold span most
    candidates = [
        (min(g.end, p.end) - max(g.start, p.start), p)
        for p in predicted_spans(analyses[trial_id])
        if min(g.end, p.end) > max(g.start, p.start) and _compatible(p.label, label)
    ]
    assert candidates, f"no predicted {label} overlaps {span_text!r}"
    _, p = max(candidates, key=lambda c: (c[0], c[1].label == label))
    assert p.label == label, p
    for name, want in expected.items():
        if name in FLAGS:
            assert getattr(g, name) is want, f"the gold itself: {g}"
            assert getattr(p, name) is want, f"{name}: predicted {p}"
        else:
            index = {"operator": 0, "low": 1, "high": 2}[name]
            assert g.value is not None and p.value is not None, (g, p)
            assert g.value[index] == want, f"the gold itself: {g}"
            got = p.value[index]
            assert got == want if isinstance(want, str) else _same_number(got, want), f"{name}: predicted {p}"
