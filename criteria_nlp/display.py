"""Views for people: HTML for notebooks (criteria with their entities highlighted by displaCy)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from spacy import displacy

if TYPE_CHECKING:
    from .schema import TrialAnalysis

COLORS = {
    "CONDITION": "#f4b6c2", "DRUG": "#b5d8f7", "PROCEDURE": "#c9e4c5", "LAB": "#ffe29a", "SCORE": "#ffd1a6",
    "OBSERVATION": "#d9d2e9", "DEVICE": "#cfd8dc", "AGE": "#e1f5fe", "SEX": "#e1f5fe", "VALUE": "#eeeeee",
    "TEMPORAL": "#f0f4c3",
}


def criteria_html(analysis: "TrialAnalysis", *, kinds: tuple[str, ...] = ("inclusion", "exclusion", "unknown")) -> str:
    """Each criterion on its own line with its entities highlighted (negated ones marked with "no ")."""
    text = analysis.trial.eligibility_text
    parts = []
    for kind in kinds:
        criteria = [c for c in analysis.criteria if c.kind == kind]
        if not criteria:
            continue
        parts.append(f"<h4>{html.escape(kind.capitalize())} criteria</h4>")
        for criterion in criteria:
            ents = []
            for e in analysis.entities:
                if e.criterion != criterion.id:
                    continue
                flags = "".join(f for f, on in (("no ", e.negated), ("past ", e.historical), ("if ", e.hypothetical),
                                                ("family ", e.family), ("except ", e.excepted)) if on)
                ents.append({"start": e.start - criterion.start, "end": e.end - criterion.start, "label": f"{flags}{e.label}"})
            rendered = displacy.render(
                {"text": text[criterion.start:criterion.end], "ents": ents, "title": None},
                style="ent", manual=True, jupyter=False,
                options={"colors": {f"{p}{label}": color for label, color in COLORS.items()
                                    for p in ("", "no ", "past ", "if ", "family ", "except ")}},
            )
            number = f"{html.escape(criterion.number)}. " if criterion.number else ""
            parts.append(f"<div style='margin:0.2em 0'>{number}{rendered}</div>")
    return "\n".join(parts)


def analysis_html(analysis: "TrialAnalysis") -> str:
    """The notebook view of an analysis: title, registry fields, criteria with entities, computable share."""
    trial = analysis.trial
    share = analysis.computable_share
    head = (
        f"<h3>{html.escape(trial.id)}: {html.escape(trial.title or '')}</h3>"
        f"<p>{len(analysis.criteria)} criteria, {len(analysis.entities)} entities, {len(analysis.rules)} rules"
        + (f", {share:.0%} of criteria computable" if share is not None else "")
        + (f", {len(analysis.issues)} issues" if analysis.issues else "")
        + "</p>"
    )
    return head + criteria_html(analysis)
