"""lint() on the five lupus seeds: the issues a careful reader of each record would raise.

Warnings and errors are stated per seed, exactly; info issues are checked where they
carry a finding (the SLE required and excluded in NCT03219801, the computable shares).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from criteria_nlp import Analyzer, TrialAnalysis, read_trial
from criteria_nlp.quality import lint

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"

#: file -> sorted (code, severity, criterion) of every warning and error
EXPECTED = {
    # "Lupus paatients"
    "000_c180e44e06a1421d.txt": [("L015", "warning", "c1")],
    # "patient can read, understand and follow the procedures"; "any medical condition ..."
    "001_02baf3a22c3ac0c0.txt": [("L010", "warning", "c5"), ("L010", "warning", "c8")],
    # transaminase and creatinine above 2 x ULN required (criterion 5); "participant in the other clinical
    # text"; "acute sever hepatitis"
    "002_af3d16ab93fc7196.txt": [("L006", "warning", "c5"), ("L006", "warning", "c5"), ("L010", "warning", "c14"),
                                 ("L016", "warning", "c15")],
    # the criteria pasted twice (8 repeats); "refractory heart involvement" required and "Cardiovascular failure"
    # excluded are no contradiction since the failure is coded heart failure (I50.9), not heart disease (I51.9)
    "003_70eb4ea3a255781a.txt": [("L012", "warning", f"c{i}") for i in range(2, 10)],
    # both lists start at 2; healthy volunteers accepted but lupus nephritis required; "Any illness ..."
    "004_77ce44c2c4d8f4a7.txt": [("L004", "warning", "c3"), ("L010", "warning", "c9"), ("L017", "warning", "c1"),
                                 ("L017", "warning", "c4")],
}
SHARES = {
    "000_c180e44e06a1421d.txt": "2 of 2 criteria (100%)",
    "001_02baf3a22c3ac0c0.txt": "9 of 11 criteria (82%)",
    "002_af3d16ab93fc7196.txt": "12 of 14 criteria (86%)",
    "003_70eb4ea3a255781a.txt": "14 of 15 criteria (93%)",
    "004_77ce44c2c4d8f4a7.txt": "7 of 9 criteria (78%)",
}


@pytest.fixture(scope="module")
def analyses(analyzer: Analyzer) -> dict[str, TrialAnalysis]:
    return {name: analyzer(read_trial(SEEDS / name)) for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lint_seeds_warnings_and_errors(analyses: dict[str, TrialAnalysis], name: str) -> None:
    issues = lint(analyses[name])
    got = sorted((i.code, i.severity, i.criterion) for i in issues if i.severity != "info")
    assert got == sorted(EXPECTED[name])


@pytest.mark.parametrize("name", sorted(SHARES))
def test_lint_seeds_computable_share(analyses: dict[str, TrialAnalysis], name: str) -> None:
    shares = [i.message for i in lint(analyses[name]) if i.code == "L009"]
    assert len(shares) == 1 and shares[0].startswith(SHARES[name])


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("000_c180e44e06a1421d.txt", "L015", ['"paatients"', 'did you mean "patients"']),
        ("002_af3d16ab93fc7196.txt", "L016", ['"sever"', 'did you mean "severe"']),
        ("002_af3d16ab93fc7196.txt", "L006", ["inclusion criterion 5", "2 x ULN", "is this meant as an exclusion?"]),
        ("002_af3d16ab93fc7196.txt", "L011", ["informed consent"]),
        ("004_77ce44c2c4d8f4a7.txt", "L017", ["starts at 2"]),
    ],
)
def test_lint_seeds_messages(analyses: dict[str, TrialAnalysis], name: str, code: str, words: list[str]) -> None:
    messages = [i.message for i in lint(analyses[name]) if i.code == code]
    assert any(all(w in m for w in words) for m in messages), messages


def test_lint_seeds_population_mention_is_not_a_contradiction(analyses: dict[str, TrialAnalysis]) -> None:
    # "SLE with severe infection" (exclusion 1 of NCT03219801) names the trial's population; the rules
    # mark its SLE mention non-computable, so SLE is not "both required and excluded"
    assert not [i for i in lint(analyses["002_af3d16ab93fc7196.txt"]) if i.code == "L005"]


def test_lint_seeds_age_mismatch_when_the_registry_differs(analyses: dict[str, TrialAnalysis]) -> None:
    # NCT03219801 says "Age from 14 to 60 years", as its registry does; a registry of 18-60 disagrees
    analysis = analyses["002_af3d16ab93fc7196.txt"]
    assert not [i for i in lint(analysis) if i.code == "L001"]
    trial = analysis.trial.model_copy(deep=True)
    assert trial.eligibility.minimum_age is not None
    trial.eligibility.minimum_age = trial.eligibility.minimum_age.of(18, "years")
    rules = [r.model_copy(update={"low": 18.0}) if r.source == "structured" and r.operator == ">=" else r
             for r in analysis.rules]
    changed = analysis.model_copy(update={"trial": trial, "rules": rules})
    issues = [i for i in lint(changed) if i.code == "L001"]
    assert [(i.severity, i.criterion) for i in issues] == [("error", "c2")]
    assert "14-60 y" in issues[0].message and "18-60 y" in issues[0].message


def test_lint_seeds_quiet_on_clean_text(analyzer: Analyzer) -> None:
    text = ("Inclusion Criteria:\n"
            "1. Systemic lupus erythematosus\n"
            "2. SLEDAI-2K score of at least 6\n"
            "Exclusion Criteria:\n"
            "1. Pregnancy\n"
            "2. Active tuberculosis\n")
    issues = lint(analyzer(text))
    assert [i for i in issues if i.severity != "info"] == []
