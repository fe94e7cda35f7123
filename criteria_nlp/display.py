"""Views for people: HTML for notebooks (criteria with their entities highlighted by displaCy) and for the
HTML report (entities marked with their assertion context)."""

from __future__ import annotations

import html
from collections.abc import Iterable

from .schema import Criterion, Entity, TrialAnalysis, register_html_view

COLORS = {
    "CONDITION": "#f4b6c2", "DRUG": "#b5d8f7", "PROCEDURE": "#c9e4c5", "LAB": "#ffe29a", "SCORE": "#ffd1a6",
    "OBSERVATION": "#d9d2e9", "DEVICE": "#cfd8dc", "AGE": "#e1f5fe", "SEX": "#e1f5fe", "VALUE": "#eeeeee",
    "TEMPORAL": "#f0f4c3",
}


def _by_kind(analysis: "TrialAnalysis", kinds: tuple[str, ...]) -> list[tuple[str, list["Criterion"]]]:
    """The analysis's criteria grouped by kind, in the order of ``kinds``, leaving out empty groups."""
    groups = [(kind, [c for c in analysis.criteria if c.kind == kind]) for kind in kinds]
    return [(kind, criteria) for kind, criteria in groups if criteria]


def criteria_html(analysis: "TrialAnalysis", *, kinds: tuple[str, ...] = ("inclusion", "exclusion", "unknown")) -> str:
    """Each criterion on its own line with its entities highlighted (negated ones marked with "no ")."""
    from spacy import displacy  # spaCy loads when a view is drawn, not when the package is imported

    text = analysis.trial.eligibility_text
    parts = []
    for kind, criteria in _by_kind(analysis, kinds):
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


# --------------------------------------------------------------------------- marks with assertion context
# Used by the HTML report (``criteria_nlp.report``): the same colours as displaCy's view, every entity's
# assertion context written out as a badge (not colour alone), every record-derived string escaped.

#: assertion context: Entity field -> (badge text, what it means)
CONTEXTS: dict[str, tuple[str, str]] = {
    "negated": ("negated", "stated as absent (\"no\", \"without\")"),
    "historical": ("historical", "about the past (\"history of\", \"prior\")"),
    "hypothetical": ("hypothetical", "possible or planned (\"if\", \"suspected\", \"planned\")"),
    "family": ("family", "about a relative (\"family history of\")"),
    "excepted": ("excepted", "carved out of the criterion (\"other than\", \"unless\")"),
}

#: CSS for :func:`marked_criteria_html` and :func:`legend_html` (no external resource)
MARKS_CSS = """
.criteria-list{list-style:none;margin:0.2em 0 0.8em;padding:0}
.criterion{margin:0.25em 0;line-height:2.1;display:flex;gap:0.5em;align-items:baseline}
.criterion.sub{margin-left:2em}
.criterion .cid{font:0.75em/1 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#667;min-width:2.6em;
  text-align:right;flex:none}
.criterion.role-lead_in .ctext,.criterion.role-heading .ctext{font-style:italic;color:#445}
.ctext{white-space:pre-wrap;overflow-wrap:anywhere}
mark.ent{color:inherit;padding:0.15em 0.35em;margin:0 0.1em;border-radius:0.35em;border:1px solid rgba(0,0,0,0.12);
  box-decoration-break:clone;-webkit-box-decoration-break:clone}
mark.ent .ent-label{font-size:0.62em;font-weight:700;letter-spacing:0.02em;text-transform:uppercase;margin-left:0.4em;
  vertical-align:middle;color:#333}
mark.ent .ctx{font-size:0.62em;font-weight:700;text-transform:uppercase;margin-left:0.3em;padding:0.05em 0.3em;
  border-radius:0.25em;vertical-align:middle;color:#fff;background:#555}
mark.ent.ctx-negated{border:2px solid #b3261e}
mark.ent.ctx-negated .ent-text{text-decoration:line-through;text-decoration-color:#b3261e;text-decoration-thickness:2px}
mark.ent .ctx-negated{background:#b3261e}
mark.ent.ctx-historical{border:2px dotted #5d4037}
mark.ent .ctx-historical{background:#5d4037}
mark.ent.ctx-hypothetical{border:2px dashed #1565c0}
mark.ent.ctx-hypothetical .ent-text{font-style:italic}
mark.ent .ctx-hypothetical{background:#1565c0}
mark.ent.ctx-family{border:3px double #6a1b9a}
mark.ent .ctx-family{background:#6a1b9a}
mark.ent.ctx-excepted{border:2px solid #00796b}
mark.ent .ctx-excepted{background:#00796b}
.legend{display:flex;flex-wrap:wrap;gap:0.35em 0.9em;align-items:center;font-size:0.9em;margin:0.4em 0 0.8em;
  padding:0.5em 0.7em;background:#f7f7f9;border:1px solid #e3e3e8;border-radius:0.4em;line-height:2.1}
.legend .legend-title{font-weight:600;margin-right:0.2em}
.legend .legend-item{white-space:nowrap}
.legend mark.ent .ent-label:first-child{margin-left:0}
"""


def entity_context(entity: "Entity") -> list[str]:
    """The assertion contexts of an entity, by field name (``negated``, ``historical``...), in legend order."""
    return [name for name in CONTEXTS if getattr(entity, name)]


def _mark_open(entity: "Entity") -> str:
    contexts = entity_context(entity)
    classes = " ".join(["ent", *(f"ctx-{c}" for c in contexts)])
    color = COLORS.get(entity.label, "#e0e0e0")
    tip = ", ".join([entity.label, *(CONTEXTS[c][0] for c in contexts)])
    return (f"<mark class=\"{classes}\" style=\"background:{color}\" title=\"{html.escape(tip)}\""
            f" data-label=\"{html.escape(entity.label)}\"><span class=\"ent-text\">")


def _mark_close(entity: "Entity") -> str:
    badges = "".join(f"<span class=\"ctx ctx-{c}\">{CONTEXTS[c][0]}</span>" for c in entity_context(entity))
    return f"</span><span class=\"ent-label\">{html.escape(entity.label)}</span>{badges}</mark>"


def marked_text_html(text: str, entities: Iterable["Entity"], *, offset: int = 0) -> str:
    """``text`` escaped, with each entity (offsets minus ``offset``) wrapped in a ``<mark>`` naming its label
    and assertion context; an entity inside another nests, one that crosses an earlier one or falls outside
    the text is left out."""
    spans = sorted(((e.start - offset, e.end - offset, e) for e in entities
                    if 0 <= e.start - offset < e.end - offset <= len(text)), key=lambda s: (s[0], -s[1]))
    parts: list[str] = []
    stack: list[tuple[int, "Entity"]] = []  # open marks: (end, entity)
    position = 0
    for start, end, entity in spans:
        while stack and stack[-1][0] <= start:
            close, outer = stack.pop()
            parts.append(html.escape(text[position:close]) + _mark_close(outer))
            position = close
        if stack and end > stack[-1][0]:
            continue  # crosses the open mark: nesting it would break the markup
        parts.append(html.escape(text[position:start]) + _mark_open(entity))
        position = start
        stack.append((end, entity))
    while stack:
        close, outer = stack.pop()
        parts.append(html.escape(text[position:close]) + _mark_close(outer))
        position = close
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def marked_criteria_html(analysis: "TrialAnalysis", *, anchor: str = "",
                         kinds: tuple[str, ...] = ("inclusion", "exclusion", "unknown")) -> str:
    """The criteria of each kind as lists, entities marked with their assertion context (see :data:`MARKS_CSS`).

    Each item shows the criterion's id and has the HTML id ``{anchor}-{criterion id}`` when ``anchor`` is
    given, so tables can link to it; sub-items are indented.
    """
    text = analysis.trial.eligibility_text
    by_criterion: dict[str, list["Entity"]] = {}
    for entity in analysis.entities:
        by_criterion.setdefault(entity.criterion, []).append(entity)
    parts: list[str] = []
    for kind, criteria in _by_kind(analysis, kinds):
        parts.append(f"<h4>{html.escape(kind.capitalize())} criteria</h4><ol class=\"criteria-list\">")
        for criterion in criteria:
            body = marked_text_html(text[criterion.start:criterion.end], by_criterion.get(criterion.id, ()),
                                    offset=criterion.start)
            number = f"{html.escape(criterion.number)}. " if criterion.number else ""
            ident = f" id=\"{html.escape(anchor)}-{html.escape(criterion.id)}\"" if anchor else ""
            classes = f"criterion role-{html.escape(criterion.role)}" + (" sub" if criterion.parent else "")
            parts.append(f"<li class=\"{classes}\"{ident}><span class=\"cid\">{html.escape(criterion.id)}</span>"
                         f"<span class=\"ctext\">{number}{body}</span></li>")
        parts.append("</ol>")
    return "\n".join(parts)


def legend_html(labels: Iterable[str] | None = None) -> str:
    """A legend of entity colours (``labels``, default all of :data:`COLORS`) and assertion-context marks."""
    names = list(dict.fromkeys(labels)) if labels is not None else list(COLORS)
    items = [f"<span class=\"legend-item\"><mark class=\"ent\" style=\"background:{COLORS.get(n, '#e0e0e0')}\">"
             f"<span class=\"ent-label\">{html.escape(n)}</span></mark></span>" for n in names]
    contexts = [f"<span class=\"legend-item\"><mark class=\"ent ctx-{name}\" style=\"background:#eeeeee\">"
                f"<span class=\"ent-text\">term</span><span class=\"ctx ctx-{name}\">{badge}</span></mark> "
                f"{html.escape(meaning)}</span>" for name, (badge, meaning) in CONTEXTS.items()]
    return ("<div class=\"legend\" role=\"note\"><span class=\"legend-title\">Entities:</span>" + "".join(items)
            + "</div><div class=\"legend\" role=\"note\"><span class=\"legend-title\">Context:</span>"
            + "".join(contexts) + "</div>")


register_html_view(analysis_html)
