"""Match results as people look at them: a short repr, to_dict(), to_frame(), and rank() as a DataFrame."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd
import pytest

from criteria_nlp import match, rank, read_patient
from criteria_nlp.matching import RULE_COLUMNS, SUMMARY_COLUMNS, MatchResult, RuleResult
from criteria_nlp.schema import TrialAnalysis

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "patients"


@functools.lru_cache(maxsize=None)
def analyses() -> tuple[TrialAnalysis, ...]:
    return tuple(TrialAnalysis.from_dict(json.loads(p.read_text("utf-8"))) for p in sorted((FIXTURES / "analyses").glob("*.json")))


def by_id(trial_id: str) -> TrialAnalysis:
    return next(a for a in analyses() if a.trial.id == trial_id)


CANDIDATE = FIXTURES / "lupus_candidate.json"


@pytest.mark.parametrize(("trial_id", "expected"), [
    ("NCT04184258", "MatchResult(trial_id='NCT04184258', patient_id='lupus-candidate', verdict='eligible', "
                    "met=18, not_met=0, unknown=0, manual_review=4)"),
    ("NCT00659217", "MatchResult(trial_id='NCT00659217', patient_id='lupus-candidate', verdict='ineligible', "
                    "met=15, not_met=2, unknown=3, manual_review=6)"),
])
def test_match_results_repr_is_one_line(trial_id: str, expected: str) -> None:
    result = match(CANDIDATE, by_id(trial_id))
    assert repr(result) == expected
    assert str(result) == expected.removeprefix("MatchResult(").removesuffix(")").replace(", ", " ")


def test_match_results_rank_prints_a_line_per_trial() -> None:
    text = repr(rank(CANDIDATE, analyses()))
    assert text.count("MatchResult(") == 5 and "RuleResult" not in text and len(text) < 1000


@pytest.mark.parametrize(("rule", "expected"), [
    ("r9", "RuleResult(rule='r9', result='met', category='score', text='SELENA-SLEDAI index ≥6')"),
    ("r14", "RuleResult(rule='r14', result='unknown', category='condition', "
            "text='any medical condition which can be associated with the high…')"),  # long texts are cut
])
def test_match_results_rule_repr_is_short(rule: str, expected: str) -> None:
    assert repr(match(CANDIDATE, by_id("NCT04184258")).rule(rule)) == expected


def test_match_results_to_dict_round_trips() -> None:
    result = match(CANDIDATE, by_id("NCT00659217"))
    data = json.loads(json.dumps(result.to_dict()))
    assert MatchResult.model_validate(data) == result
    assert data["rules"][7] == result.rules[7].to_dict() == RuleResult.model_validate(data["rules"][7]).to_dict()


def test_match_results_to_frame_has_a_row_per_rule() -> None:
    result = match(CANDIDATE, by_id("NCT00659217"))
    frame = result.to_frame()
    assert list(frame.columns) == list(RULE_COLUMNS) and len(frame) == len(result.rules)
    assert frame["rule"].tolist() == [r.rule for r in result.rules]
    assert frame["result"].tolist() == [r.result for r in result.rules]
    assert frame.loc[frame["decisive"], "rule"].tolist() == result.decided_by == ["r8", "r9"]
    assert set(frame["trial_id"]) == {"NCT00659217"} and frame.attrs["verdict"] == "ineligible"
    unknown = frame[frame["rule"] == "r25"].iloc[0]
    assert unknown["result"] == "unknown" and unknown["needs"] == "; ".join(result.rule("r25").needs) != ""
    assert frame["result"].value_counts().to_dict().get("met") == result.met


def test_match_results_rank_as_frame() -> None:
    ranked = rank(CANDIDATE, analyses())
    frame = rank(CANDIDATE, analyses(), as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["rank", *SUMMARY_COLUMNS]
    assert frame["rank"].tolist() == [1, 2, 3, 4, 5]
    assert frame["trial_id"].tolist() == [r.trial_id for r in ranked]
    assert frame["verdict"].tolist() == ["eligible", "eligible", "ineligible", "ineligible", "ineligible"]
    assert frame.drop(columns="rank").to_dict(orient="records") == [r.summary() for r in ranked]
    assert frame.set_index("trial_id").loc["NCT00659217", "decided_by"] == "r8, r9"


def test_match_results_rank_as_frame_of_nothing() -> None:
    frame = rank(read_patient(CANDIDATE), [], as_frame=True)
    assert frame.empty and list(frame.columns) == ["rank", *SUMMARY_COLUMNS]
