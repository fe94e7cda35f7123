"""drug_terms and icd10_terms: package vocabularies safe to match in free text; Chia coverage."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from criteria_nlp.codes import code_concept, drug_terms, icd10_terms
from criteria_nlp.lexicon import normalize
from conftest import REPO, shared_path


@pytest.fixture(scope="module")
def icd_terms() -> dict[str, str]:
    return {text: concept.code for text, concept in icd10_terms()}


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("systemic lupus erythematosus", "M32"),
        ("rheumatoid arthritis", "M06"),
        ("chronic kidney disease", "N18"),
        ("heart failure", "I50"),
        ("essential hypertension", "I10"),
    ],
)
def test_codes_icd10_terms_keep_plain_names(text: str, prefix: str, icd_terms: dict[str, str]) -> None:
    assert icd_terms[text].startswith(prefix)


def test_codes_icd10_terms_drop_noise(icd_terms: dict[str, str]) -> None:
    assert 3000 < len(icd_terms) < 30000
    for text in icd_terms:
        words = text.split()
        assert 1 <= len(words) <= 6
        assert not {"and", "or", "with", "without", "unspecified", "other"} & set(words), text
        assert "due to" not in text and text == text.lower()


def test_codes_icd10_terms_word_limits() -> None:
    two = [t for t, _ in icd10_terms(min_words=2, max_words=2)]
    assert two and all(len(t.split()) == 2 for t in two)


@pytest.mark.slow
def test_codes_drug_terms_safe_for_free_text() -> None:
    terms = dict(drug_terms())
    assert len(terms) > 20000
    for term in ("prednisone", "hydroxychloroquine", "rituximab", "belimumab", "warfarin"):
        assert term in terms, term
    assert terms["plaquenil"] == terms["hydroxychloroquine"]
    for word in ("sone", "today", "air", "iron", "sgpt", "transaminases", "ferritin", "water", "sam-e"):
        assert word not in terms, word  # "sam-e" (S-adenosylmethionine) is "same" once the tagger drops hyphens
    assert all(len(t) >= 3 and any(c.isalpha() for c in t) for t in terms)
    concept = terms["prednisone"]
    assert concept.system == "DrugBank" and concept.code == "DB00635"


def _chia_mentions(part: str) -> list[tuple[str, str]]:
    chia = shared_path("data", "chia")
    split = json.loads((REPO / "annotations" / "chia_split.json").read_text(encoding="utf-8"))
    ids = set(split[part])
    labels = {"Condition": "CONDITION", "Drug": "DRUG", "Measurement": "LAB"}
    out: list[tuple[str, str]] = []
    for ann in sorted(Path(chia).glob("*.ann")):
        if ann.name.split("_")[0] not in ids:
            continue
        for line in ann.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if line.startswith("T") and len(parts) >= 3 and parts[1].split(" ")[0] in labels:
                out.append((labels[parts[1].split(" ")[0]], parts[2]))
    return out


@pytest.mark.slow
@pytest.mark.shared
def test_codes_chia_train_coverage() -> None:
    mentions = _chia_mentions("train")
    assert len(mentions) > 10000
    total: Counter[str] = Counter()
    coded: Counter[str] = Counter()
    for label, text in mentions:
        total[label] += 1
        coded[label] += code_concept(label, text) is not None
    # floors a little under the measured figures: a drop means a regression
    assert coded["CONDITION"] / total["CONDITION"] > 0.78
    assert coded["DRUG"] / total["DRUG"] > 0.84
    assert coded["LAB"] / total["LAB"] > 0.72


@pytest.mark.slow
def test_codes_lexicon_drug_ids_agree_with_package() -> None:
    from criteria_nlp.codes import drug_index
    from criteria_nlp.lexicon import Lexicon

    index = drug_index()
    checked = 0
    for entry in Lexicon.load().entries("DRUG"):
        if entry.concept.system == "DrugBank":
            assert index.get(normalize(entry.concept.name or "")) == entry.concept, entry.id
            checked += 1
    assert checked >= 15
