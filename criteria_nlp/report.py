"""A self-contained HTML report of analysed trials (``criteria-nlp report``).

One page, viewable offline: inline CSS, no script, no external font or image, and a
Content-Security-Policy that forbids loading anything. With several trials it opens with
the comparison table (:func:`criteria_nlp.compare`) and a table of contents; then, per
trial, the registry's fields, the criteria with their entities and assertion context
marked, the rules and the quality issues. Every string from a record is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .about import __version__
from .display import MARKS_CSS, legend_html, marked_criteria_html

if TYPE_CHECKING:
    from .schema import Age, Issue, Rule, Trial, TrialAnalysis

__all__ = ["registry_open_ages", "report_html", "write_report"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_CSS = """
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1d1d24;
  background:#fff}
.page{max-width:1200px;margin:0 auto;padding:1.2em 1.6em 2em}
h1{font-size:1.7em;margin:0.3em 0 0.1em}
h2{font-size:1.35em;margin:0.2em 0 0.4em}
h3{font-size:1.1em;margin:1.2em 0 0.4em;padding-bottom:0.2em;border-bottom:1px solid #e3e3e8}
h4{font-size:0.95em;margin:0.8em 0 0.2em;color:#333}
.subtitle{color:#555;margin:0 0 1em}
a{color:#0b57d0}
nav.toc{background:#f7f7f9;border:1px solid #e3e3e8;border-radius:0.4em;padding:0.5em 1em;margin:1em 0}
nav.toc h2{font-size:1.05em;margin:0.2em 0}
nav.toc ol{margin:0.2em 0;padding-left:1.4em}
nav.toc .toc-meta{color:#666;font-size:0.9em}
table{border-collapse:collapse;width:100%;font-size:0.88em;margin:0.3em 0 0.8em}
caption{caption-side:top;text-align:left;font-weight:600;padding:0.3em 0;color:#333}
th,td{border:1px solid #dcdce2;padding:0.3em 0.45em;text-align:left;vertical-align:top}
thead th{background:#eef0f4;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.text{overflow-wrap:anywhere}
.scroll{overflow-x:auto}
table.comparison td.empty{color:#aaa;text-align:center}
table.comparison td.require{background:#f1f8f1}
table.comparison td.exclude{background:#fdf1f0}
table.comparison tr.section th{background:#e4ecf7;color:#123;font-size:1em}
table.comparison th.trial-col a{white-space:nowrap}
table.comparison th.trial-col .trial-title{display:block;font-weight:400;color:#555;font-size:0.85em;max-width:16em}
article.trial{border-top:3px solid #3b5b92;margin-top:2em;padding-top:0.6em}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:0.15em 1em;margin:0.4em 0;font-size:0.93em}
dl.facts dt{font-weight:600;color:#444}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.summary{margin:0.5em 0;font-size:0.95em}
.none{color:#888}
tr.not-computable td{color:#8a8a92;background:#fafafa;font-style:italic}
table.rules tr.criterion-group th{background:#f3f5f9;font-weight:400;border-top:2px solid #c5cbd6}
table.rules tr.criterion-group a{font-weight:600}
.group-kind{display:inline-block;font-size:0.8em;text-transform:uppercase;letter-spacing:0.03em;color:#555;
  margin:0 0.4em}
.group-text{overflow-wrap:anywhere}
.yes{color:#1b6e20;font-weight:600}
.status{display:block;font-size:0.85em;color:#666}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:0.92em}
.sev{display:inline-block;min-width:4.8em;text-align:center;border-radius:0.3em;padding:0 0.4em;font-weight:700;
  font-size:0.85em;color:#fff}
.sev-error{background:#b3261e}
.sev-warning{background:#b26a00}
.sev-info{background:#5f6b7a}
tr.issue-error td{background:#fdf1f0}
tr.issue-warning td{background:#fff8e6}
.counts .sev{margin-right:0.3em}
footer{margin-top:2.5em;padding-top:0.6em;border-top:1px solid #e3e3e8;color:#666;font-size:0.85em}
"""

_RULE_COLUMNS = ("mention", "category", "polarity", "concept", "operator", "low", "high", "unit", "window",
                 "computable")
_SEVERITIES = ("error", "warning", "info")


def _e(value: Any) -> str:
    """Escape anything for HTML text and attribute values (None -> "")."""
    return html.escape("" if value is None else str(value), quote=True)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _age(age: "Age | None", no_limit: bool = False) -> str:
    if age is None:
        return "no limit" if no_limit else "not stated"
    return f"{age.value:g} {age.unit}"


_NO_AGE_LIMIT = re.compile(r"\s*(?:no|without)\s+(?:age\s+)?limit(?:s|ation)?\.?\s*", re.IGNORECASE)
#: a record larger than this is not read again for its age field
_MAX_RECORD_BYTES = 8 << 20


def registry_open_ages(trial: "Trial") -> frozenset[str]:
    """The age bounds (``"minimum"``, ``"maximum"``) the registry record states as having no limit.

    The Trial model keeps None both where a record says "No age limit" and where it says nothing,
    so for an IRCT page, whose "Age" field tells them apart ("No age limit", "From 18 years old"), the
    record is read again from ``trial.source`` with the IRCT reader's own field lookup; only when that
    file still holds the ages the trial was read with. Anything else (another format, the source gone,
    stdin, a member of an archive) gives no bound: the report then says "not stated".
    """
    if trial.format != "irct-page" or not trial.source:
        return frozenset()
    from .read.common import decode
    from .read.irct_page import _value, irct_age_range

    path = Path(trial.source)
    try:
        if not path.is_file() or path.stat().st_size > _MAX_RECORD_BYTES:
            return frozenset()
        text = decode(path.read_bytes(), str(path))
    except (OSError, ValueError):  # ReadError is a ValueError
        return frozenset()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    value = _value(lines, "Age")
    if value is None:
        return frozenset()
    stated: tuple[Age | None, Age | None] = (None, None)
    if not _NO_AGE_LIMIT.fullmatch(value):
        stated = irct_age_range(value)
        if stated == (None, None):  # text the reader could not read: not a statement of no limit
            return frozenset()
    if stated != (trial.eligibility.minimum_age, trial.eligibility.maximum_age):
        return frozenset()  # the file no longer holds the record the trial was read from
    return frozenset(side for side, age in (("minimum", stated[0]), ("maximum", stated[1])) if age is None)


def _flag(value: bool | None) -> str:
    return "not stated" if value is None else ("yes" if value else "no")


def _anchor(index: int) -> str:
    return f"trial-{index}"


def _criterion_link(anchor: str, criterion: str | None, known: set[str]) -> str:
    if criterion is None:
        return "<span class=\"none\">registry</span>"
    if criterion in known:
        return f"<a href=\"#{_e(anchor)}-{_e(criterion)}\">{_e(criterion)}</a>"
    return _e(criterion)


def _issues(analysis: "TrialAnalysis") -> list["Issue"]:
    """The analysis's issues, or lint's when it has none (an analysis read back without them)."""
    if analysis.issues:
        return list(analysis.issues)
    from .quality import lint

    return lint(analysis)


def _facts(analysis: "TrialAnalysis", open_ages: frozenset[str]) -> str:
    trial = analysis.trial
    eligibility = trial.eligibility
    missing = "<span class=\"none\">not stated</span>"
    rows: list[tuple[str, str]] = [
        ("Registry", _e(trial.registry)),
        ("Phases", _e(", ".join(trial.phases)) or missing),
        ("Status", _e(trial.status) or missing),
        ("Enrollment", _e(trial.enrollment) or missing),
        ("Conditions", _e("; ".join(trial.conditions)) or missing),
    ]
    if trial.study_type:
        rows.append(("Study type", _e(trial.study_type)))
    if trial.interventions:
        rows.append(("Interventions", _e("; ".join(f"{i.name} ({i.type})" if i.type else i.name
                                                    for i in trial.interventions))))
    rows += [
        ("Minimum age", _e(_age(eligibility.minimum_age, "minimum" in open_ages))),
        ("Maximum age", _e(_age(eligibility.maximum_age, "maximum" in open_ages))),
        ("Sex", _e(eligibility.sex or "not stated")),
        ("Healthy volunteers", _e(_flag(eligibility.healthy_volunteers))),
    ]
    if trial.secondary_ids:
        rows.append(("Other ids", _e(", ".join(trial.secondary_ids))))
    if trial.source:
        rows.append(("Source", f"<span class=\"code\">{_e(trial.source)}</span> ({_e(trial.format)})"))
    return "<dl class=\"facts\">" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _limits(rule: "Rule") -> tuple[str, str]:
    """The low and high cells: numbers, "2 × ULN" for a multiple of a normal limit, "4 of 11" for a count."""
    of = f" of {rule.of:g}" if rule.of is not None else ""
    low = _number(rule.low) + (of if rule.low is not None else "")
    high = _number(rule.high) + (of if rule.high is not None and rule.low is None else "")
    for multiple, limit in ((rule.uln_multiple, "ULN"), (rule.lln_multiple, "LLN")):
        if multiple is not None and not low and not high:
            if rule.operator in ("<", "<="):
                high = f"{multiple:g} × {limit}"
            else:
                low = f"{multiple:g} × {limit}"
    return _e(low), _e(high)


def _concept(rule: "Rule") -> str:
    if rule.concept is None:
        return ""
    from .comparison import concept_label

    try:
        label = concept_label(rule.concept)
    except Exception:  # a concept from a record the lexicon does not know how to name
        label = rule.concept.name or rule.concept.code
    return (f"{_e(label)}<span class=\"status code\">{_e(rule.concept.system)} {_e(rule.concept.code)}</span>")


def _rule_row(rule: "Rule", mention: str) -> str:
    """One rule under its criterion: what it reads (the mention), its concept, comparison and window."""
    from .comparison import window_text

    status = "" if rule.status == "current" else f"<span class=\"status\">{_e(rule.status)}</span>"
    if rule.computable:
        verdict = "<span class=\"yes\">yes</span>"
    else:
        verdict = "no" + (f"<span class=\"status\">{_e(rule.reason)}</span>" if rule.reason else "")
    low, high = _limits(rule)
    cells = (f"<td class=\"text\">{mention}</td><td>{_e(rule.category)}</td><td>{_e(rule.polarity)}{status}</td>"
             f"<td>{_concept(rule)}</td><td>{_e(rule.operator)}</td><td class=\"num\">{low}</td>"
             f"<td class=\"num\">{high}</td><td>{_e(rule.unit)}</td><td>{_e(window_text(rule.window))}</td>"
             f"<td>{verdict}</td>")
    muted = " not-computable" if not rule.computable else ""
    return f"<tr class=\"rule{muted}\">{cells}</tr>"


def _rules_table(analysis: "TrialAnalysis", anchor: str) -> str:
    """The rules grouped under their criterion: the criterion's text once, its rules beneath.

    The registry's own fields (rules without a criterion) come first as a group of their own.
    """
    if not analysis.rules:
        return "<p class=\"none\">No rules.</p>"
    criteria = {c.id: c for c in analysis.criteria}
    groups: dict[str | None, list["Rule"]] = {}
    for rule in analysis.rules:
        groups.setdefault(rule.criterion, []).append(rule)
    computable = sum(r.computable for r in analysis.rules)
    head = "".join(f"<th scope=\"col\">{c}</th>" for c in _RULE_COLUMNS)
    bodies = []
    for criterion_id, rules in sorted(groups.items(), key=lambda item: item[0] is not None):
        criterion = criteria.get(criterion_id) if criterion_id is not None else None
        if criterion_id is None:
            heading = "<span class=\"group-kind\">registry</span> the registry's own fields"
        else:
            text = criterion.text if criterion is not None else rules[0].text
            kind = criterion.kind if criterion is not None else rules[0].kind
            heading = (f"{_criterion_link(anchor, criterion_id, set(criteria))} "
                       f"<span class=\"group-kind\">{_e(kind)}</span> <span class=\"group-text\">{_e(text)}</span>")
        rows = []
        for rule in rules:
            if criterion_id is None:
                mention = _e(rule.text)  # "Minimum age: 18 years"
            else:
                mention = _e(rule.evidence) if rule.evidence else "<span class=\"none\">(whole criterion)</span>"
                if criterion is not None and rule.text != criterion.text:
                    mention += f"<span class=\"status\">{_e(rule.text)}</span>"
            rows.append(_rule_row(rule, mention))
        bodies.append(f"<tbody class=\"criterion-rules\"><tr class=\"criterion-group\">"
                      f"<th colspan=\"{len(_RULE_COLUMNS)}\" scope=\"rowgroup\">{heading}</th></tr>"
                      f"{''.join(rows)}</tbody>")
    caption = (f"Rules of {_e(analysis.trial.id)}: {len(analysis.rules)} ({computable} computable; "
               "non-computable rows muted), under the criterion they were read from")
    return (f"<div class=\"scroll\"><table class=\"rules\"><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"{''.join(bodies)}</table></div>")


def _badge(severity: str) -> str:
    return f"<span class=\"sev sev-{_e(severity)}\">{_e(severity)}</span>"


def _issues_section(analysis: "TrialAnalysis", issues: list["Issue"], anchor: str) -> str:
    from .quality import summarize

    counts = summarize(issues)
    summary = "<p class=\"summary counts\">" + " ".join(
        f"{_badge(s)}{counts[s]}" for s in _SEVERITIES) + "</p>"
    if not issues:
        return summary + "<p class=\"none\">No issues.</p>"
    known = {c.id for c in analysis.criteria}
    whole = "<span class=\"none\">trial</span>"
    rows = "".join(
        f"<tr class=\"issue-{_e(i.severity)}\"><td>{_badge(i.severity)}</td><td class=\"code\">{_e(i.code)}</td>"
        f"<td>{_criterion_link(anchor, i.criterion, known) if i.criterion else whole}"
        f"</td><td class=\"text\">{_e(i.message)}</td></tr>"
        for i in issues)
    return (summary + f"<div class=\"scroll\"><table class=\"issues\"><caption>Quality issues of "
            f"{_e(analysis.trial.id)}</caption><thead><tr><th scope=\"col\">severity</th><th scope=\"col\">code</th>"
            f"<th scope=\"col\">criterion</th><th scope=\"col\">message</th></tr></thead><tbody>{rows}</tbody>"
            "</table></div>")


def _trial_section(analysis: "TrialAnalysis", index: int) -> str:
    trial = analysis.trial
    anchor = _anchor(index)
    issues = _issues(analysis)
    counts = sum(1 for c in analysis.criteria if c.role == "criterion")
    share = analysis.computable_share
    summary = (f"<p class=\"summary\">{counts} criteria, {len(analysis.entities)} entities, {len(analysis.rules)} rules"
               + (f"; <strong>{share:.0%}</strong> of criteria computable" if share is not None else "")
               + "</p>")
    labels = sorted({e.label for e in analysis.entities})
    criteria = marked_criteria_html(analysis, anchor=anchor) or "<p class=\"none\">No criteria found.</p>"
    title = f": {_e(trial.title)}" if trial.title else ""
    return (f"<article class=\"trial\" id=\"{anchor}\"><header><h2>{_e(trial.id)}{title}</h2>{_facts(analysis, registry_open_ages(trial))}"
            f"{summary}</header>"
            f"<section class=\"criteria\"><h3>Criteria</h3>{legend_html(labels or None)}{criteria}</section>"
            f"<section class=\"rules\"><h3>Rules</h3>{_rules_table(analysis, anchor)}</section>"
            f"<section class=\"issues\"><h3>Quality issues</h3>{_issues_section(analysis, issues, anchor)}</section>"
            "</article>")


def _comparison(analyses: Sequence["TrialAnalysis"]) -> str:
    from .comparison import compare

    frame = compare(analyses)
    trials = [c for c in frame.columns if c not in ("section", "category", "label")]
    titles: dict[str, str] = frame.attrs.get("titles", {})
    head = "<th scope=\"col\">rule</th><th scope=\"col\">category</th>" + "".join(
        f"<th scope=\"col\" class=\"trial-col\"><a href=\"#{_anchor(i)}\">{_e(column)}</a>"
        f"<span class=\"trial-title\">{_e(titles.get(column, ''))}</span></th>"
        for i, column in enumerate(trials, start=1))
    rows: list[str] = []
    section = None
    for _, row in frame.iterrows():
        if "section" in frame.columns and row["section"] != section:
            section = row["section"]
            rows.append(f"<tr class=\"section\"><th colspan=\"{len(trials) + 2}\" scope=\"rowgroup\">{_e(section)}"
                        "</th></tr>")
        cells = []
        for column in trials:
            value = row[column] if isinstance(row[column], str) else ""
            kind = ("empty" if not value else "exclude" if value.startswith("excluded")
                    else "require" if value.startswith("required") else "")
            cells.append(f"<td class=\"{kind}\">{_e(value) or '—'}</td>")
        rows.append(f"<tr><th scope=\"row\">{_e(row.get('label', ''))}</th><td>{_e(row.get('category', ''))}</td>"
                    + "".join(cells) + "</tr>")
    caption = (f"Eligibility compared: {len(trials)} trials, {len(frame)} rules (registry fields, then the rules "
               "read from the criteria; — where a trial says nothing)")
    return (f"<section id=\"comparison\"><h2>Comparison</h2><div class=\"scroll\"><table class=\"comparison\">"
            f"<caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            "</section>")


def _contents(analyses: Sequence["TrialAnalysis"]) -> str:
    items = "".join(
        f"<li><a href=\"#{_anchor(i)}\">{_e(a.trial.id)}</a>"
        + (f" — {_e(a.trial.title)}" if a.trial.title else "")
        + f" <span class=\"toc-meta\">({len(a.rules)} rules)</span></li>"
        for i, a in enumerate(analyses, start=1))
    return (f"<nav class=\"toc\" aria-label=\"Contents\"><h2>Contents</h2><ol>"
            f"<li><a href=\"#comparison\">Comparison</a></li>{items}</ol></nav>")


def report_html(analyses: Sequence["TrialAnalysis"], *, title: str | None = None,
                generated: datetime | None = None) -> str:
    """One self-contained HTML page reporting ``analyses`` (comparison and contents when there are several).

    ``generated`` is the time shown in the footer (default: now, UTC).
    """
    analyses = list(analyses)
    if title is None:
        title = (f"Eligibility criteria of {len(analyses)} trials" if len(analyses) != 1
                 else f"Eligibility criteria of {analyses[0].trial.id}")
    when = (generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M %Z").strip()
    top = _contents(analyses) + _comparison(analyses) if len(analyses) > 1 else ""
    body = "".join(_trial_section(a, i) for i, a in enumerate(analyses, start=1)) or "<p class=\"none\">No trials.</p>"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<meta name=\"generator\" content=\"criteria_nlp {_e(__version__)}\">"
        f"<title>{_e(title)}</title><style>{_CSS}{MARKS_CSS}</style></head>\n"
        f"<body><div class=\"page\"><header><h1>{_e(title)}</h1><p class=\"subtitle\">{len(analyses)} trial(s): "
        "criteria with their entities and assertion context, the rules read from them, and quality issues.</p>"
        f"</header>\n{top}\n<main>{body}</main>\n"
        f"<footer>Generated by criteria_nlp {_e(__version__)} on {_e(when)}.</footer></div></body></html>\n"
    )


def write_report(analyses: Sequence["TrialAnalysis"], path: str | Path, *, title: str | None = None) -> Path:
    """Write :func:`report_html` of ``analyses`` to ``path`` (UTF-8, parents created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(analyses, title=title), encoding="utf-8", newline="\n")
    return path
