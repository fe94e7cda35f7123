"""The packaged Chia NER model: present, small, loadable offline, and consistent with its card."""

from __future__ import annotations

import json
from typing import Any

import pytest
import spacy

from conftest import FIXTURES, REPO, shared_path
from criteria_nlp.evaluate import (
    EvaluationReport,
    chia_ner_path,
    evaluate_chia,
    load_chia,
    load_chia_ner,
    spacy_predictor,
)
from criteria_nlp.evaluate_structure import StructureReport

LABELS = ["AGE", "CONDITION", "DEVICE", "DRUG", "LAB", "OBSERVATION", "PROCEDURE", "SEX", "TEMPORAL", "VALUE"]
MODELS = REPO / "models"


@pytest.fixture(scope="module")
def chia_nlp() -> Any:
    return load_chia_ner()


def packaged_metrics() -> dict[str, Any]:
    """models/metrics/<config>.json of the configuration the packaged model was trained from."""
    meta = json.loads((chia_ner_path() / "meta.json").read_text(encoding="utf-8"))
    config = meta["criteria_nlp_config"]
    assert (MODELS / "configs" / f"{config}.cfg").is_file(), f"the packaged model names a missing config {config}"
    data: dict[str, Any] = json.loads((MODELS / "metrics" / f"{config}.json").read_text(encoding="utf-8"))
    assert data["model"] == f"training/{config}_final/model-last"
    return data


def test_evaluate_model_is_packaged_and_small() -> None:
    path = chia_ner_path()
    assert path.is_dir(), f"the trained model is missing at {path}"
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    assert size < 15_000_000
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    assert meta["pipeline"] == ["tok2vec", "ner"]
    assert sorted(meta["labels"]["ner"]) == LABELS
    config = spacy.util.load_config(path / "config.cfg")
    assert config["nlp"]["tokenizer"] == {"@tokenizers": "criteria_nlp.tokenizer.v1"}
    assert config["nlp"]["lang"] == "en"


def test_evaluate_model_uses_the_criteria_tokenizer(chia_nlp: Any) -> None:
    assert [t.text for t in chia_nlp.make_doc("ALT<2.5X ULN")] == ["ALT", "<", "2.5", "X", "ULN"]


@pytest.mark.parametrize(
    ("text", "label", "mention"),
    [
        ("History of myocardial infarction", "CONDITION", "myocardial infarction"),
        ("Age 18 years or older", "AGE", "Age"),
    ],
)
def test_evaluate_model_tags_plain_mentions(chia_nlp: Any, text: str, label: str, mention: str) -> None:
    found = {(e.text, e.label_) for e in chia_nlp(text).ents}
    assert (mention, label) in found


def test_evaluate_model_on_fixture_lines(chia_nlp: Any) -> None:
    report = evaluate_chia(FIXTURES / "chia", spacy_predictor(chia_nlp), split=None)
    assert report.micro.gold == 26
    assert report.micro.predicted > 0
    assert report.unscored_predictions == 0
    # the fixture trials are in Chia train, so the model has seen them
    assert report.micro.overlap_f1 > 0.5


def test_evaluate_model_metrics_match_the_card() -> None:
    metrics = packaged_metrics()
    data = dict(metrics["report"])
    data.pop("words_per_second")
    data.pop("notes")
    report = EvaluationReport.model_validate(data)
    assert report.split == "dev"
    assert report.files > 0 and report.micro.gold > 0
    assert metrics["labels"] == LABELS
    assert metrics["size_bytes"] < 15_000_000
    assert metrics["markdown"] == report.to_markdown()
    card = (MODELS / "README.md").read_text(encoding="utf-8")
    table = metrics["markdown"].split("\n\n")[0]
    assert table in card, "models/README.md does not show the dev table of the packaged model's metrics"


@pytest.mark.shared
def test_evaluate_model_dev_split_is_not_in_training() -> None:
    chia = shared_path("data", "chia")
    split = json.loads((REPO / "annotations" / "chia_split.json").read_text(encoding="utf-8"))
    metrics = packaged_metrics()
    dev_files = list(load_chia(chia, split="dev", split_file=REPO / "annotations" / "chia_split.json"))
    assert {f.trial_id for f in dev_files} <= set(split["dev"])
    assert metrics["report"]["files"] == len(dev_files)


@pytest.mark.parametrize("pipeline", ["default", "fast"])
def test_evaluate_model_pipeline_metrics_match_the_card(pipeline: str) -> None:
    data = json.loads((MODELS / "metrics" / f"pipeline_{pipeline}.json").read_text(encoding="utf-8"))
    data.pop("words_per_second")
    data.pop("notes")
    # the same run's rule-structure scores ride along (criteria-nlp evaluate --output)
    assert data.pop("pipeline") == pipeline
    structure = StructureReport.model_validate({k: v for k, v in data.pop("structure").items() if k != "notes"})
    assert structure.split == "dev" and {r.relation for r in structure.rows} >= {"Has_value", "Has_temporal", "OR"}
    report = EvaluationReport.model_validate(data)
    assert report.split == "dev"
    table = report.to_markdown().split("\n\n")[0]
    card = (MODELS / "README.md").read_text(encoding="utf-8")
    assert table in card, f"models/README.md does not show the per-type table of metrics/pipeline_{pipeline}.json"
