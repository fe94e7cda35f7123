"""Terms that carry their own context cue ("non-smoker", "without contraception"): negated or historical entities, right rules."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    ("criterion", "kind", "text", "negated", "historical", "polarity", "status"),
    [
        ("Non-smokers", "inclusion", "Non-smokers", True, False, "exclude", "current"),
        ("Never smoked", "inclusion", "Never smoked", True, True, "exclude", "history"),  # no smoking, ever
        ("Current smoker", "exclusion", "Current smoker", False, False, "exclude", "current"),
        ("Ex-smokers", "inclusion", "Ex-smokers", False, True, "require", "history"),
        ("Non-drinkers", "inclusion", "Non-drinkers", True, False, "exclude", "current"),
        ("Women not of childbearing potential", "inclusion", "not of childbearing potential", True, False, "exclude", "current"),
        ("Women of non-childbearing potential", "inclusion", "of non-childbearing potential", True, False, "exclude", "current"),
        ("Women of childbearing potential", "exclusion", "childbearing potential", False, False, "exclude", "current"),
        ("Sexually active women without contraception", "exclusion", "without contraception", True, False, "require", "current"),
    ],
)
def test_tag_inside_cues_give_the_rule_its_polarity(analyzer: Any, criterion: str, kind: str, text: str, negated: bool,
                                                   historical: bool, polarity: str, status: str) -> None:
    header = "Inclusion Criteria:" if kind == "inclusion" else "Exclusion Criteria:"
    result = analyzer(f"{header}\n- {criterion}\n")
    entity = next(e for e in result.entities if e.text == text)
    assert (entity.negated, entity.historical) == (negated, historical)
    rule = next(r for r in result.rules if r.entity == entity.id)
    assert (rule.polarity, rule.status) == (polarity, status)


def test_tag_inside_cues_are_medspacy_attributes_too(nlp: Any) -> None:
    doc = nlp("Inclusion Criteria:\n- Non-smokers\n- Ex-smokers\n")
    flags = {ent.text: (ent._.is_negated, ent._.is_historical) for ent in doc.ents}
    assert flags == {"Non-smokers": (True, False), "Ex-smokers": (False, True)}
    cues = [data["cues"] for data in doc._.entity_data]
    assert cues[0] == [{"category": "NEGATED_EXISTENCE", "text": "Non-smokers", "start": doc.ents[0].start_char,
                        "end": doc.ents[0].end_char}]
