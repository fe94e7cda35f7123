"""A self-contained HTML report of analysed trials (``criteria-nlp report``).

One page, viewable offline: inline CSS, no script, no external font or image, and a
Content-Security-Policy that forbids loading anything. It opens with a summary a trial
designer reads in a minute (:func:`trial_summary`: per trial its ages, sex, lab and score
limits, exclusion themes, computable share and lint's issues) and three plots drawn here as
inline SVG (age ranges, lab and score limits, exclusion themes per trial); given a patient,
the patient's verdict per trial with the reasons (:func:`criteria_nlp.match`). With several
trials a table of contents and the comparison table (:func:`criteria_nlp.compare`) follow;
then, per trial, the registry's fields, the criteria with their entities and assertion
context marked, the rules grouped under the criterion they were read from, and the quality
issues. Every string from a record is escaped, in the SVG as in the HTML.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .about import __version__
from .display import MARKS_CSS, legend_html, marked_criteria_html

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .matching import MatchResult
    from .patient import Patient
    from .schema import Age, Issue, Rule, Trial, TrialAnalysis

    #: what ``patient=`` takes: a Patient, a dict, or the path of a patient JSON or FHIR Bundle
    PatientSource = Union[Patient, Mapping[str, Any], str, Path]

__all__ = ["PLOT_TRIALS", "REVIEW_THEME", "AgeRange", "Threshold", "TrialSummary", "age_range", "exclusion_theme", "exclusion_themes",
           "registry_open_ages", "report_html", "trial_summary", "write_report"]

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
table.summary-table{font-size:0.9em}
table.summary-table th[scope=row] a{white-space:nowrap;font-weight:700}
table.summary-table details summary{cursor:pointer}
table.summary-table td.limits li{white-space:nowrap}
table.summary-table td.themes{min-width:18em}
table.summary-table td.ages{white-space:nowrap}
table.summary-table td.issues{min-width:13em}
table.summary-table ul{margin:0;padding-left:1.1em}
table.summary-table li.exclude{color:#7a1d16}
.tag{font-size:0.78em;text-transform:uppercase;letter-spacing:0.03em;background:#fdf1f0;border:1px solid #e7b9b4;
  border-radius:0.25em;padding:0 0.25em}
.theme{font-weight:600}
ul.issue-codes{list-style:none;padding-left:0;font-size:0.9em}
ul.issue-codes .sev{min-width:0;font-size:0.75em}
figure.plot{margin:0.8em 0 1.4em}
figure.plot h3{margin-top:0.4em}
figure.plot figcaption{color:#555;font-size:0.88em;max-width:60em}
svg.plot{display:block;max-width:none;height:auto}
svg.plot text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;fill:#1d1d24}
svg.plot text.tick{fill:#666;font-size:11px}
svg.plot text.none,svg.plot text.word{fill:#888;font-style:italic}
svg.plot text.concept,svg.plot text.theme{font-weight:600}
svg.plot text.exclude{fill:#7a1d16}
svg.plot a text.trial{fill:#0b57d0}
svg.plot .grid{stroke:#e3e3e8}
svg.plot .baseline{stroke:#c5cbd6}
svg.plot .row-bg{fill:#f7f7f9}
svg.plot .bar{fill:#3b5b92}
svg.plot .bar.unstated{fill:#c9d3e6;stroke:#3b5b92;stroke-dasharray:4 3}
svg.plot .bar-criteria{fill:#c77c02}
svg.plot .allowed{fill:#7fb77e}
svg.plot .limit{stroke:#1d1d24;stroke-width:2}
svg.plot .limit.exclude{stroke:#b3261e}
svg.plot .dot{fill:#3b5b92;fill-opacity:0.85}
svg.plot .dot.review{fill:#8a8a92}
.verdict{display:inline-block;border-radius:0.3em;padding:0 0.45em;font-weight:700;color:#fff;white-space:nowrap}
.verdict-eligible{background:#1b6e20}
.verdict-indeterminate{background:#b26a00}
.verdict-ineligible{background:#b3261e}
table.patient-table ul.reasons{margin:0;padding-left:1.1em}
table.patient-table li.result-not_met .result{color:#b3261e;font-weight:600}
table.patient-table li.result-unknown .result{color:#b26a00;font-weight:600}
.flag{display:block;font-size:0.88em;color:#6b4a00;background:#fff8e6;border-radius:0.25em;padding:0.1em 0.3em;
  margin-top:0.15em}
.flag .sev{min-width:0;font-size:0.75em}
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


def _trial_section(analysis: "TrialAnalysis", index: int, issues: list["Issue"]) -> str:
    trial = analysis.trial
    anchor = _anchor(index)
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
            f"<section class=\"rules\" id=\"{anchor}-rules\"><h3>Rules</h3>{_rules_table(analysis, anchor)}</section>"
            f"<section class=\"issues\" id=\"{anchor}-issues\"><h3>Quality issues</h3>{_issues_section(analysis, issues, anchor)}</section>"
            "</article>")


# --------------------------------------------------------------------------- the summary

#: themes of the exclusion rules the comparison files under "other conditions", by ICD-10-CM prefix (longest wins)
_ICD_THEMES = {
    "D5": "blood", "D6": "blood", "D7": "blood", "D8": "immune system", "E": "endocrine and metabolic",
    "F": "mental health", "G": "nervous system", "H": "eye and ear", "I": "cardiovascular", "J": "respiratory",
    "K": "digestive", "K7": "liver", "L": "skin", "M": "musculoskeletal", "N": "kidney",
    "R": "symptoms and signs", "T78.4": "allergies", "T": "injury and complications",
}
#: the theme of exclusion rules that cannot be computed (a person reads them)
REVIEW_THEME = "needs manual review"
_THRESHOLD_CATEGORIES = ("score", "lab")


@dataclass(frozen=True)
class AgeRange:
    """The ages a trial's registry record allows, in years (None: no bound), with whether the record
    states each missing bound as "no limit", and the ages its criteria text allows when they differ."""

    low: float | None
    high: float | None
    low_unlimited: bool
    high_unlimited: bool
    text: str
    criteria: str | None = None
    criteria_low: float | None = None
    criteria_high: float | None = None


@dataclass(frozen=True)
class Threshold:
    """A lab or score limit of one rule: "SELENA-SLEDAI ≥ 6", "ALT > 2 × ULN" (an exclusion)."""

    rule: str
    criterion: str | None
    key: str
    label: str
    category: str
    polarity: str
    operator: str | None
    low: float | None
    high: float | None
    scale: str
    of: float | None
    text: str
    computable: bool
    top: float | None = None


@dataclass(frozen=True)
class TrialSummary:
    """What the report's summary says of one trial (see :func:`trial_summary`)."""

    trial: str
    title: str | None
    anchor: str
    ages: AgeRange
    sex: str
    thresholds: list[Threshold]
    themes: dict[str, list[str]]
    criteria: int
    computable: int
    share: float | None
    issues: list["Issue"] = field(default_factory=list)

    @property
    def issue_counts(self) -> dict[str, int]:
        """Issues per severity."""
        from .quality import summarize

        return summarize(self.issues)


def _shorten(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _pretty(text: str) -> str:
    """A short form with the signs people write: "≥ 6", "> 2 × ULN", "≥ 50%"."""
    text = re.sub(r"(?<![<>])>=", "≥", re.sub(r"(?<![<>])<=", "≤", text))
    text = re.sub(r"(?<=\d)-(?=\d)", "–", text)  # a range: "4–12"
    return text.replace(" x ULN", " × ULN").replace(" x LLN", " × LLN").replace(" %", "%")


def _years(age: "Age | None") -> float | None:
    return None if age is None else age.years


def _age_span(low: "Age | None", high: "Age | None") -> str:
    if low is not None and high is not None:
        if low.unit == high.unit:
            return f"{low.value:g}–{high.value:g} {high.unit}"
        return f"{low.value:g} {low.unit}–{high.value:g} {high.unit}"
    if low is not None:
        return f"≥ {low.value:g} {low.unit}"
    if high is not None:
        return f"≤ {high.value:g} {high.unit}"
    return ""


def age_range(analysis: "TrialAnalysis", open_ages: frozenset[str] | None = None) -> AgeRange:
    """The registry's ages of a trial in short form ("18–60 years", "no limit", "≥ 18 years; no maximum").

    ``open_ages`` are the bounds the record states as unlimited (default: :func:`registry_open_ages`).
    """
    from .comparison import AgeBounds, format_age_bounds, text_age_bounds

    trial = analysis.trial
    if open_ages is None:
        open_ages = registry_open_ages(trial)
    low, high = trial.eligibility.minimum_age, trial.eligibility.maximum_age
    low_open, high_open = low is None and "minimum" in open_ages, high is None and "maximum" in open_ages
    if low is None and high is None:
        text = ("no limit" if low_open and high_open else "not stated" if not (low_open or high_open)
                else "no minimum; maximum not stated" if low_open else "no maximum; minimum not stated")
    else:
        text = _age_span(low, high)
        if low is None:
            text += "; no minimum" if low_open else "; minimum not stated"
        elif high is None:
            text += "; no maximum" if high_open else "; maximum not stated"
    bounds = text_age_bounds(analysis.rules)
    if bounds is None or bounds == AgeBounds(_years(low), _years(high)):
        return AgeRange(_years(low), _years(high), low_open, high_open, text)
    return AgeRange(_years(low), _years(high), low_open, high_open, text, format_age_bounds(bounds), bounds.low,
                    bounds.high)


def _threshold(rule: "Rule") -> Threshold | None:
    """The limit a lab or score rule sets, or None (another category, no comparison)."""
    from .comparison import lexicon_entry, short_label, value_text, window_text
    from .lexicon import ScoreEntry

    if rule.category not in _THRESHOLD_CATEGORIES or rule.concept is None or rule.source != "text":
        return None
    value = value_text(rule)
    if value is None or rule.operator is None:
        return None
    if rule.uln_multiple is not None or rule.lln_multiple is not None:
        scale = "× ULN" if rule.uln_multiple is not None else "× LLN"
        low: float | None = rule.uln_multiple if rule.uln_multiple is not None else rule.lln_multiple
        high: float | None = None
    else:
        scale = "" if rule.unit in (None, "points", "criteria met") else str(rule.unit)
        low, high = rule.low, rule.high
    label = short_label(rule.concept)
    if len(label) > 24 and rule.concept.system == "SCORE":
        label = rule.concept.code  # "ACR-1997", not "ACR 1997 classification criteria for SLE"
    extra: list[str] = [] if rule.status == "current" else [rule.status]
    window = window_text(rule.window)
    if window:
        extra.append(window)
    if not rule.computable:
        extra.append("not computable")
    text = f"{label} {_pretty(value)}" + (f" ({', '.join(extra)})" if extra else "")
    key = f"{rule.category}:{rule.concept.system}:{rule.concept.code}:{scale}"
    entry = lexicon_entry(rule.concept)
    top = entry.range[1] if isinstance(entry, ScoreEntry) and entry.range is not None and not scale else None
    return Threshold(rule.id, rule.criterion, key, label, rule.category, rule.polarity, rule.operator, low, high,
                     scale, rule.of, text, rule.computable, top)


def exclusion_theme(rule: "Rule") -> str:
    """The theme of an exclusion rule: the comparison table's section ("infections", "malignancy", "kidney"),
    with its "other conditions" split by ICD-10-CM chapter ("cardiovascular", "liver", "mental health")."""
    from .comparison import lint_resource, row_key

    config = lint_resource().compare
    key = row_key(rule, config)
    section = key.section if key is not None else config.rule_category.get(rule.category, "other")
    concept = rule.concept
    if section == config.rule_category["condition"] and concept is not None and concept.system == "ICD-10-CM":
        code = concept.code.upper()
        for length in range(len(code), 0, -1):
            theme = _ICD_THEMES.get(code[:length])
            if theme is not None:
                return theme
    return section


def _theme_order(theme: str) -> tuple[int, str]:
    from .comparison import lint_resource

    sections = lint_resource().compare.sections
    if theme == REVIEW_THEME:
        return (len(sections) + 1, theme)
    if theme in sections:
        return (sections.index(theme), "")
    return (sections.index(lint_resource().compare.rule_category["condition"]), theme)


def exclusion_themes(analysis: "TrialAnalysis") -> dict[str, list[str]]:
    """The exclusion rules of a trial's criteria by theme (:func:`exclusion_theme`), each theme with the
    short names of what it excludes; rules that cannot be computed under :data:`REVIEW_THEME`."""
    from .comparison import short_label

    themes: dict[str, list[str]] = {}
    for rule in analysis.rules:
        if rule.polarity != "exclude" or rule.source != "text":
            continue
        if rule.computable:
            theme, name = exclusion_theme(rule), short_label(rule.concept) if rule.concept else rule.category
        else:  # what a person has to read: the criterion, shortened
            theme, name = REVIEW_THEME, _shorten(rule.text)
        names = themes.setdefault(theme, [])
        if name not in names:
            names.append(name)
    return {theme: themes[theme] for theme in sorted(themes, key=_theme_order)}


def trial_summary(analysis: "TrialAnalysis", index: int = 1, issues: list["Issue"] | None = None) -> TrialSummary:
    """The summary of one trial: ages, sex, lab and score limits, exclusion themes, computable share, issues.

    ``index`` numbers the trial's section of the page; ``issues`` default to the analysis's (or lint's).
    """
    trial = analysis.trial
    ids = {c.id for c in analysis.criteria if c.role == "criterion"}
    covered = ids & {r.criterion for r in analysis.rules if r.computable and r.source == "text"}
    thresholds = [t for t in (_threshold(r) for r in analysis.rules) if t is not None]
    return TrialSummary(
        trial=trial.id, title=trial.title, anchor=_anchor(index), ages=age_range(analysis),
        sex=trial.eligibility.sex or "not stated", thresholds=thresholds, themes=exclusion_themes(analysis),
        criteria=len(ids), computable=len(covered), share=analysis.computable_share,
        issues=_issues(analysis) if issues is None else issues,
    )


def _summary_row(summary: TrialSummary, result: "MatchResult | None" = None) -> str:
    from .quality import issue_codes

    anchor = summary.anchor
    ages = _e(summary.ages.text) + (f"<span class=\"status\">criteria: {_e(summary.ages.criteria)}</span>"
                                    if summary.ages.criteria else "")
    if summary.thresholds:
        thresholds = "<ul class=\"thresholds\">" + "".join(
            f"<li class=\"{_e(t.polarity)}\">" + ("<span class=\"tag\">excludes</span> " if t.polarity == "exclude"
                                                   else "") + f"{_e(t.text)}</li>"
            for t in summary.thresholds) + "</ul>"
    else:
        thresholds = "<span class=\"none\">none</span>"
    if summary.themes:
        items = []
        for theme, names in summary.themes.items():
            if theme == REVIEW_THEME:  # whole criteria: folded, so the themes stay a one-minute read
                listed = "".join(f"<li>{_e(n)}</li>" for n in names)
                count = f"{len(names)} {'criterion' if len(names) == 1 else 'criteria'}"
                items.append(f"<li class=\"review\"><details><summary><span class=\"theme\">{_e(theme)}</span> "
                             f"{count}</summary><ul>{listed}</ul></details></li>")
            else:
                items.append(f"<li><span class=\"theme\">{_e(theme)}</span> {_e(', '.join(names))}</li>")
        themes = "<ul class=\"themes\">" + "".join(items) + "</ul>"
    else:
        themes = "<span class=\"none\">none</span>"
    share = ("<span class=\"none\">no criteria</span>" if summary.share is None else
             f"<strong>{summary.share:.0%}</strong><span class=\"status\">{summary.computable} of {summary.criteria}"
             " criteria</span>")
    counts = summary.issue_counts
    codes: dict[str, list["Issue"]] = {}
    for issue in summary.issues:
        if issue.severity != "info":
            codes.setdefault(issue.code, []).append(issue)
    titles = issue_codes()
    listed = "".join(
        f"<li>{_badge(found[0].severity)} <span class=\"code\">{_e(code)}</span>"
        + (f" ×{len(found)}" if len(found) > 1 else "") + f" {_e(titles.get(code, ('', ''))[1])}</li>"
        for code, found in codes.items())
    said = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning") if counts[s])
    issues = (f"<a href=\"#{anchor}-issues\">{said or 'no errors or warnings'}</a>"
              + (f"<ul class=\"issue-codes\">{listed}</ul>" if listed else ""))
    title = f" title=\"{_e(summary.title)}\"" if summary.title else ""
    verdict = "" if result is None else f"<td><a href=\"#patient-{anchor}\">{_verdict(result.verdict)}</a></td>"
    return (f"<tr><th scope=\"row\"><a href=\"#{anchor}\"{title}>{_e(summary.trial)}</a></th>"
            f"<td class=\"ages\">{ages}</td><td>{_e(summary.sex)}</td><td class=\"limits\">{thresholds}</td>"
            f"<td class=\"themes\">{themes}</td><td class=\"num\">{share}</td><td class=\"issues\">{issues}</td>"
            f"{verdict}</tr>")


def _summary_section(summaries: Sequence[TrialSummary], results: Sequence["MatchResult"] | None = None) -> str:
    columns = ["trial", "ages (registry)", "sex", "lab and score limits", "exclusion themes", "computable", "issues"]
    if results is not None:
        columns.append(f"patient {results[0].patient_id}" if results else "patient")
    head = "".join(f"<th scope=\"col\">{_e(c)}</th>" for c in columns)
    rows = "".join(_summary_row(s, None if results is None else r)
                   for s, r in zip(summaries, results if results is not None else [None] * len(summaries)))
    caption = (f"Summary of {len(summaries)} trial(s): the ages and sex the registry states, the lab and score "
               "limits the criteria set, what the exclusion criteria exclude by theme, the share of criteria a "
               "patient record can be checked against, and the issues lint found (errors and warnings)"
               + ("; then the patient's verdict" if results is not None else ""))
    return (f"<section id=\"summary\" aria-labelledby=\"summary-heading\"><h2 id=\"summary-heading\">Summary</h2>"
            f"<div class=\"scroll\"><table class=\"summary-table\"><caption>{caption}</caption><thead><tr>{head}"
            f"</tr></thead><tbody>{rows}</tbody></table></div></section>")


# --------------------------------------------------------------------------- the patient

_VERDICT_WORDS = {"eligible": "eligible", "indeterminate": "indeterminate", "ineligible": "ineligible"}
_RESULT_WORDS = {"met": "met", "not_met": "not met", "unknown": "unknown"}


def _verdict(verdict: str) -> str:
    return f"<span class=\"verdict verdict-{_e(verdict)}\">{_e(_VERDICT_WORDS.get(verdict, verdict))}</span>"


def _patient_row(summary: TrialSummary, result: "MatchResult", known: set[str]) -> str:
    """One trial's verdict for the patient: the rules that decided it with their reasons (and lint's doubts
    about their criteria), then the rules a person must check."""
    anchor = summary.anchor
    from .quality import doubts as questioning

    doubts_left = questioning(summary.issues)
    decided = [r for r in result.rules if r.rule in set(result.decided_by)]
    reasons = []
    for r in decided:
        needs = (f"<span class=\"status\">needs: {_e('; '.join(r.needs))}</span>" if r.needs else "")
        # lint's doubts about this rule, or about its criterion as a whole; each said once
        doubts_here = [i for i in doubts_left if i.rule == r.rule or (i.rule is None and i.criterion == r.criterion
                                                                         and r.criterion is not None)]
        doubts_left = [i for i in doubts_left if i not in doubts_here]
        doubts = "".join(
            f"<span class=\"flag\">{_badge(i.severity)} lint flagged this criterion: <span class=\"code\">"
            f"{_e(i.code)}</span> {_e(i.message)}</span>" for i in doubts_here)
        reasons.append(
            f"<li class=\"result-{_e(r.result)}\">{_criterion_link(anchor, r.criterion, known)} "
            f"<span class=\"result\">{_e(r.polarity)}, {_e(_RESULT_WORDS.get(r.result, r.result))}</span>: "
            f"{_e(r.reason)}{needs}{doubts}</li>")
    if reasons:
        why = f"<ul class=\"reasons\">{''.join(reasons)}</ul>"
    else:
        why = f"<span class=\"none\">every computable rule met ({result.met})</span>"
    if result.manual_review:
        count = len(result.manual_review)
        items = "".join(f"<li>{_criterion_link(anchor, m.criterion, known)} {_e(_shorten(m.text, 90))}"
                        f"<span class=\"status\">{_e(m.reason)}</span></li>" for m in result.manual_review)
        review = (f"<details><summary>{count} rule{'s' if count != 1 else ''} need{'' if count != 1 else 's'} "
                  f"manual review</summary><ul class=\"reasons\">{items}</ul></details>")
    else:
        review = "<span class=\"none\">none</span>"
    return (f"<tr id=\"patient-{anchor}\"><th scope=\"row\"><a href=\"#{anchor}\">{_e(summary.trial)}</a></th>"
            f"<td>{_verdict(result.verdict)}</td><td class=\"num\">{result.met} met<span class=\"status\">"
            f"{result.not_met} not met, {result.unknown} unknown</span></td><td>{why}</td><td>{review}</td></tr>")


def _patient_section(summaries: Sequence[TrialSummary], results: Sequence["MatchResult"],
                     analyses: Sequence["TrialAnalysis"]) -> str:
    patient = results[0].patient_id if results else ""
    as_of = results[0].as_of.isoformat() if results else ""
    rows = "".join(_patient_row(s, r, {c.id for c in a.criteria}) for s, r, a in zip(summaries, results, analyses))
    head = "".join(f"<th scope=\"col\">{c}</th>" for c in ("trial", "verdict", "rules", "why", "manual review"))
    caption = (f"Patient {_e(patient)} on {_e(as_of)}: the verdict per trial (eligible, indeterminate, ineligible), "
               "the rules that decided it with the reason, and the rules a person must check")
    return (f"<section id=\"patient\" aria-labelledby=\"patient-heading\"><h2 id=\"patient-heading\">Patient "
            f"{_e(patient)}</h2><div class=\"scroll\"><table class=\"patient-table\"><caption>{caption}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></section>")


# --------------------------------------------------------------------------- plots (inline SVG, no script)

#: at most this many trials are drawn in the plots (the summary table lists them all)
PLOT_TRIALS = 60
_CHAR = 7.0  # width of a character of the plots' 12px text, roughly
_WIDTH = 860


def _f(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "start") -> str:
    klass = f" class=\"{css}\"" if css else ""
    return f"<text x=\"{_f(x)}\" y=\"{_f(y)}\"{klass} text-anchor=\"{anchor}\">{_e(text)}</text>"


def _rect(x0: float, x1: float, y: float, height: float, css: str) -> str:
    return (f"<rect class=\"{css}\" x=\"{_f(min(x0, x1))}\" y=\"{_f(y)}\" width=\"{_f(max(abs(x1 - x0), 1.5))}\" "
            f"height=\"{_f(height)}\"></rect>")


def _line(x0: float, y0: float, x1: float, y1: float, css: str) -> str:
    return f"<line class=\"{css}\" x1=\"{_f(x0)}\" y1=\"{_f(y0)}\" x2=\"{_f(x1)}\" y2=\"{_f(y1)}\"></line>"


def _arrow(x: float, y: float, right: bool, css: str) -> str:
    """A small triangle at ``x`` pointing outward: the range goes on past the axis."""
    tip = x + 7 if right else x - 7
    return f"<polygon class=\"{css}\" points=\"{_f(x)},{_f(y - 6)} {_f(tip)},{_f(y)} {_f(x)},{_f(y + 6)}\"></polygon>"


def _fit(text: str, width: float) -> str:
    """``text`` cut to what ``width`` pixels hold (the whole of it stays in the element's title)."""
    most = max(4, int(width / _CHAR))
    return text if len(text) <= most else text[:most - 1] + "…"


def _svg(ident: str, width: float, height: float, title: str, desc: str, body: str) -> str:
    return (f"<svg class=\"plot\" id=\"{ident}\" role=\"img\" width=\"{_f(width)}\" height=\"{_f(height)}\" "
            f"viewBox=\"0 0 {_f(width)} {_f(height)}\" aria-labelledby=\"{ident}-title {ident}-desc\">"
            f"<title id=\"{ident}-title\">{_e(title)}</title><desc id=\"{ident}-desc\">{_e(desc)}</desc>{body}</svg>")


def _nice(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten at or above ``value`` (an axis end)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value - 1e-9)


def _label_width(names: Sequence[str], least: float = 90, most: float = 220) -> float:
    return min(most, max(least, max((len(n) for n in names), default=0) * _CHAR + 22))


def _trial_link(summary: TrialSummary, x: float, y: float, width: float) -> str:
    return (f"<a href=\"#{summary.anchor}\"><title>{_e(summary.trial)}</title>"
            f"{_text(x, y, _fit(summary.trial, width), 'trial', 'end')}</a>")


def _ages_plot(summaries: Sequence[TrialSummary]) -> str:
    """The registry's age range of each trial as a bar on one axis of years; open ends as arrows, the ages
    the criteria text allows (where they differ) as a thin bar beneath."""
    label = _label_width([s.trial for s in summaries])
    x0, x1 = label, _WIDTH - 240
    known = [v for s in summaries for v in (s.ages.low, s.ages.high, s.ages.criteria_low, s.ages.criteria_high)
             if v is not None]
    top = max(80.0, math.ceil(max(known, default=0) * 1.1 / 10) * 10)
    step = 10 if top <= 100 else 20
    row, head = 32, 6
    height = head + row * len(summaries) + 36

    def x(years: float) -> float:
        return x0 + (x1 - x0) * min(max(years, 0.0), top) / top

    parts = [_line(x(t), head, x(t), height - 32, "grid") + _text(x(t), height - 18, f"{t:g}", "tick", "middle")
             for t in range(0, int(top) + 1, step)]
    parts.append(_text(x1, height - 3, "age (years)", "tick", "end"))
    for i, summary in enumerate(summaries):
        ages = summary.ages
        mid = head + row * i + row / 2 - 2
        said = f"{summary.trial}: {ages.text}" + (f" (criteria: {ages.criteria})" if ages.criteria else "")
        group = [f"<title>{_e(said)}</title>", _trial_link(summary, x0 - 14, mid + 4, label - 16)]
        stated = ages.low is not None or ages.high is not None or ages.low_unlimited or ages.high_unlimited
        if stated:
            low = ages.low if ages.low is not None else 0.0
            high = ages.high if ages.high is not None else top
            unstated = (ages.low is None and not ages.low_unlimited) or (ages.high is None and not ages.high_unlimited)
            group.append(_rect(x(low), x(high), mid - 7, 14, "bar unstated" if unstated else "bar"))
            if ages.low is None and ages.low_unlimited:
                group.append(_arrow(x(0), mid, False, "bar"))
            if ages.high is None and ages.high_unlimited:
                group.append(_arrow(x(top), mid, True, "bar"))
        else:
            group.append(_text(x0 + 6, mid + 4, "not stated", "none"))
        if ages.criteria:
            low = ages.criteria_low if ages.criteria_low is not None else 0.0
            high = ages.criteria_high if ages.criteria_high is not None else top
            group.append(_rect(x(low), x(high), mid + 9, 4, "bar-criteria"))
        group.append(_text(x1 + 14, mid + 4, _fit(ages.text + (f"; criteria {ages.criteria}" if ages.criteria else ""),
                                                    _WIDTH - x1 - 16)))
        parts.append(f"<g class=\"trial-ages\">{''.join(group)}</g>")
    desc = "; ".join(f"{s.trial}: {s.ages.text}" + (f" (criteria: {s.ages.criteria})" if s.ages.criteria else "")
                     for s in summaries)
    return _svg("plot-ages", _WIDTH, height, "Age ranges of the trials (registry)", desc, "".join(parts))


_OPERATORS = {"≥": ">=", "≤": "<=", "=>": ">=", "=<": "<="}


def _allowed(threshold: Threshold, bottom: float, top: float) -> list[tuple[float, float]]:
    """The values a patient may have, as far as this limit says: one span, or two around an excluded one."""
    op = _OPERATORS.get(threshold.operator or "", threshold.operator)
    low, high = threshold.low, threshold.high
    if low is None:
        return []
    if op == "between" and high is not None:
        inside = [(low, high)]
        outside = [(bottom, low), (high, top)]
    elif op in (">=", ">"):
        inside, outside = [(low, top)], [(bottom, low)]
    elif op in ("<=", "<"):
        inside, outside = [(bottom, low)], [(low, top)]
    elif op == "=":
        inside, outside = [(low, low)], [(bottom, top)]
    else:
        return []
    return inside if threshold.polarity == "require" else outside


def _thresholds_plot(summaries: Sequence[TrialSummary]) -> str | None:
    """Each lab and score limit on its own scale, one lane per trial that sets it: the values a patient may
    have in green, the limit as a tick (red when it excludes); a word limit ("positive") as text."""
    groups: dict[str, list[tuple[TrialSummary, Threshold]]] = {}
    for summary in summaries:
        for threshold in summary.thresholds:
            groups.setdefault(threshold.key, []).append((summary, threshold))
    if not groups:
        return None
    order = sorted(groups, key=lambda k: (not k.startswith("score:"), groups[k][0][1].label.lower()))
    label = _label_width([s.trial for s in summaries])
    x0, x1 = label, _WIDTH - 290
    head, lane = 24, 22
    height = 8 + sum(head + lane * len(groups[k]) for k in order)
    parts: list[str] = []
    said: list[str] = []
    y = 8.0
    for key in order:
        lanes = groups[key]
        first = lanes[0][1]
        numbers = [v for _, t in lanes for v in (t.low, t.high) if v is not None]
        bottom = min(0.0, *numbers) if numbers else 0.0
        ofs = [t.of for _, t in lanes if t.of is not None]
        tops = [t.top for _, t in lanes if t.top is not None]
        top = max(ofs) if ofs else _nice(max(numbers, default=1.0) * 2)
        if first.scale == "%" and max(numbers, default=0.0) < 100:
            tops.append(100.0)  # a share
        if not ofs and tops and max(numbers, default=0.0) < min(tops) <= top:
            top = min(tops)  # the score's own maximum, or 100%
        closed = bool(ofs) or top in tops  # nothing lies past the scale's end: no arrow
        unit = first.scale or ("points" if first.category == "score" else "")

        def x(value: float, bottom: float = bottom, top: float = top) -> float:
            return x0 + (x1 - x0) * (min(max(value, bottom), top) - bottom) / ((top - bottom) or 1.0)

        scale = f"{bottom:g}–{top:g} {unit}".strip() if numbers else "positive / negative"
        parts.append(f"<g class=\"limit-head\"><rect class=\"row-bg\" x=\"0\" y=\"{_f(y)}\" width=\"{_WIDTH}\" "
                     f"height=\"{head}\"></rect>{_text(8, y + 16, _fit(first.label, x0 - 16), 'concept')}"
                     f"{_text(x0, y + 16, f'{bottom:g}', 'tick', 'start') if numbers else ''}"
                     f"{_text(x1, y + 16, f'{top:g} {first.scale}'.strip(), 'tick', 'end') if numbers else ''}"
                     f"{_text(x1 + 14, y + 16, f'scale {scale}', 'tick')}</g>")
        y += head
        for summary, threshold in lanes:
            mid = y + lane / 2
            words = f"{threshold.text}" + (" (exclusion)" if threshold.polarity == "exclude" else "")
            said.append(f"{summary.trial}: {words}")
            group = [f"<title>{_e(summary.trial)}: {_e(words)}</title>", _trial_link(summary, x0 - 8, mid + 4, label - 12)]
            spans = _allowed(threshold, bottom, top)
            if spans and numbers:
                group.append(_line(x0, mid, x1, mid, "baseline"))
                for low, high in spans:
                    group.append(_rect(x(low), x(high), mid - 5, 10, "allowed"))
                    if high >= top and not closed:
                        group.append(_arrow(x(top), mid, True, "allowed"))
                for limit in (threshold.low, threshold.high):
                    if limit is not None:
                        css = "limit exclude" if threshold.polarity == "exclude" else "limit"
                        group.append(_line(x(limit), mid - 8, x(limit), mid + 8, css))
            else:
                group.append(_text(x0 + 4, mid + 4, threshold.operator or "", "word"))
            group.append(_text(x1 + 14, mid + 4, _fit(words, _WIDTH - x1 - 16),
                               "exclude" if threshold.polarity == "exclude" else ""))
            parts.append(f"<g class=\"trial-limit\">{''.join(group)}</g>")
            y += lane
    return _svg("plot-limits", _WIDTH, height, "Lab and score limits across the trials", "; ".join(said),
                "".join(parts))


def _themes_plot(summaries: Sequence[TrialSummary]) -> str | None:
    """A dot per trial and exclusion theme, its area growing with how many things of the theme it excludes."""
    themes = sorted({t for s in summaries for t in s.themes}, key=_theme_order)
    if not themes:
        return None
    label = _label_width(themes, 120, 240)
    column = min(170.0, max(96.0, max(len(s.trial) for s in summaries) * _CHAR + 14))
    head, row = 30, 28
    width = label + column * len(summaries) + 8
    height = head + row * len(themes) + 6
    parts = []
    for i, summary in enumerate(summaries):
        cx = label + column * i + column / 2
        parts.append(f"<a href=\"#{summary.anchor}\"><title>{_e(summary.trial)}</title>"
                     f"{_text(cx, 18, _fit(summary.trial, column - 8), 'trial', 'middle')}</a>")
    said = []
    for j, theme in enumerate(themes):
        y = head + row * j
        mid = y + row / 2
        css = "dot review" if theme == REVIEW_THEME else "dot"
        cells = [f"<rect class=\"row-bg\" x=\"0\" y=\"{_f(y)}\" width=\"{_f(width)}\" height=\"{row}\"></rect>"
                 if j % 2 == 0 else "", _text(label - 10, mid + 4, _fit(theme, label - 12), "theme", "end")]
        for i, summary in enumerate(summaries):
            names = summary.themes.get(theme, [])
            if not names:
                continue
            cx = label + column * i + column / 2
            radius = min(row / 2 - 2, 3.5 + 2.6 * math.sqrt(len(names)))
            words = f"{summary.trial}, {theme}: {len(names)} ({', '.join(names)})"
            said.append(words)
            cells.append(f"<g class=\"cell\"><title>{_e(words)}</title><circle class=\"{css}\" cx=\"{_f(cx - 6)}\" "
                         f"cy=\"{_f(mid)}\" r=\"{_f(radius)}\"></circle>"
                         f"{_text(cx - 6 + radius + 4, mid + 4, str(len(names)), 'count')}</g>")
        parts.append(f"<g class=\"theme-row\">{''.join(cells)}</g>")
    return _svg("plot-themes", width, height, "Exclusion themes per trial", "; ".join(said), "".join(parts))


def _plots_section(summaries: Sequence[TrialSummary]) -> str:
    shown = list(summaries[:PLOT_TRIALS])
    note = (f"<p class=\"none\">The plots show the first {PLOT_TRIALS} of {len(summaries)} trials; the summary table "
            "lists them all.</p>" if len(summaries) > PLOT_TRIALS else "")
    figures: list[tuple[str, str, str | None, str]] = [(
        "ages", "Age ranges", _ages_plot(shown),
        "The ages each registry record allows, on one axis of years. An arrow: the record states no limit on that "
        "side; a pale dashed bar: a limit the record does not state; a thin orange bar beneath: the ages the "
        "criteria text allows, where they differ from the registry's.")]
    limits = _thresholds_plot(shown)
    figures.append((
        "limits", "Lab and score limits", limits,
        "Each lab and score limit on its own scale, one lane per trial that sets it: in green the values a "
        "patient may have, the tick the limit (red where the criterion excludes); a word (positive, negative) "
        "where the limit is not a number."))
    themes = _themes_plot(shown)
    figures.append((
        "themes", "Exclusion themes", themes,
        "What the exclusion criteria exclude, by theme: the dot grows with the number of distinct things of the "
        "theme a trial excludes (the number beside it); the last row counts the exclusion criteria a person has "
        "to check."))
    out = []
    for ident, heading, svg, caption in figures:
        if svg is None:
            body = f"<p class=\"none\">No {heading.lower()} in {'this trial' if len(shown) == 1 else 'these trials'}.</p>"
        else:
            body = f"<div class=\"scroll\">{svg}</div><figcaption>{caption}</figcaption>"
        out.append(f"<figure class=\"plot\" id=\"figure-{ident}\"><h3>{heading}</h3>{body}</figure>")
    return (f"<section id=\"plots\" aria-labelledby=\"plots-heading\"><h2 id=\"plots-heading\">At a glance</h2>"
            f"{note}{''.join(out)}</section>")


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


def _contents(analyses: Sequence["TrialAnalysis"], patient: str | None = None) -> str:
    items = "".join(
        f"<li><a href=\"#{_anchor(i)}\">{_e(a.trial.id)}</a>"
        + (f" — {_e(a.trial.title)}" if a.trial.title else "")
        + f" <span class=\"toc-meta\">({len(a.rules)} rules)</span></li>"
        for i, a in enumerate(analyses, start=1))
    return (f"<nav class=\"toc\" aria-label=\"Contents\"><h2>Contents</h2><ol>"
            "<li><a href=\"#summary\">Summary</a></li><li><a href=\"#plots\">At a glance</a></li>"
            + (f"<li><a href=\"#patient\">Patient {_e(patient)}</a></li>" if patient is not None else "") +
            f"<li><a href=\"#comparison\">Comparison</a></li>{items}</ol></nav>")


def report_html(analyses: Sequence["TrialAnalysis"], *, title: str | None = None,
                generated: datetime | None = None, patient: "PatientSource | None" = None,
                as_of: date | None = None) -> str:
    """One self-contained HTML page reporting ``analyses``: a summary, plots, then per trial its criteria,
    rules and issues (with the comparison table and contents when there are several).

    ``generated`` is the time shown in the footer (default: now, UTC). ``patient`` (a :class:`Patient`, a
    dict, or the path of a patient JSON or FHIR Bundle) adds the patient's verdict per trial, with the
    reasons, from :func:`criteria_nlp.match` (``as_of`` overrides the record's date); a patient that
    cannot be read raises :class:`~criteria_nlp.errors.PatientError`.
    """
    analyses = list(analyses)
    results = None
    if patient is not None:
        from .matching import match
        from .patient_io import read_patient

        person = read_patient(patient)
        results = [match(person, a, as_of=as_of) for a in analyses]
    if title is None:
        title = (f"Eligibility criteria of {len(analyses)} trials" if len(analyses) != 1
                 else f"Eligibility criteria of {analyses[0].trial.id}")
    when = (generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M %Z").strip()
    issues = [_issues(a) for a in analyses]
    summaries = [trial_summary(a, i, found) for i, (a, found) in enumerate(zip(analyses, issues), start=1)]
    top = _contents(analyses, results[0].patient_id if results else None) if len(analyses) > 1 else ""
    if analyses:
        top += _summary_section(summaries, results) + _plots_section(summaries)
    if results:
        top += _patient_section(summaries, results, analyses)
    if len(analyses) > 1:
        top += _comparison(analyses)
    body = "".join(_trial_section(a, i, found) for i, (a, found) in enumerate(zip(analyses, issues), start=1))
    body = body or "<p class=\"none\">No trials.</p>"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<meta name=\"generator\" content=\"criteria_nlp {_e(__version__)}\">"
        f"<title>{_e(title)}</title><style>{_CSS}{MARKS_CSS}</style></head>\n"
        f"<body><div class=\"page\"><header><h1>{_e(title)}</h1><p class=\"subtitle\">{len(analyses)} trial(s): "
        "a summary and plots" + (", the patient's verdicts" if results else "") + ", then per trial the criteria "
        "with their entities and assertion context, the rules read from them, and quality issues.</p>"
        f"</header>\n{top}\n<main>{body}</main>\n"
        f"<footer>Generated by criteria_nlp {_e(__version__)} on {_e(when)}.</footer></div></body></html>\n"
    )


def write_report(analyses: Sequence["TrialAnalysis"], path: str | Path, *, title: str | None = None,
                 patient: "PatientSource | None" = None, as_of: date | None = None) -> Path:
    """Write :func:`report_html` of ``analyses`` (with ``patient``'s verdicts when given) to ``path``
    (UTF-8, parents created); return the path."""
    page = report_html(analyses, title=title, patient=patient, as_of=as_of)  # a bad patient writes nothing
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8", newline="\n")
    return path
