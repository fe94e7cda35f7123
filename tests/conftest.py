"""Shared fixtures: where the shared corpora are, and a built pipeline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# CI and developers keep the shared corpora in a sibling folder of the checkout;
# CRITERIA_NLP_SHARED points elsewhere.
SHARED = Path(os.environ.get("CRITERIA_NLP_SHARED", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """Path under the shared corpora, or skip the test with the reason it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the shared corpora at {path} (absent on this machine; CI has them)")
    return path


@pytest.fixture(scope="session")
def nlp():
    import criteria_nlp

    return criteria_nlp.load("fast")


@pytest.fixture(scope="session")
def analyzer(nlp):
    import criteria_nlp

    return criteria_nlp.Analyzer(nlp)
