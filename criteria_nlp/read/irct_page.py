"""Iranian Registry of Clinical Trials (IRCT) record pages saved as text.

An IRCT page is a run of field labels, each followed by its value on the same
line (``Target sample size: 20``) or on the next lines. Its criteria come twice:
an inline summary under "Participants/Inclusion and exclusion criteria" and the
detailed list under "Inclusion/Exclusion criteria"; ``eligibility_text`` holds
both, in page order, separated by a blank line.
"""

from __future__ import annotations

import re

from ..schema import Age, Eligibility, Intervention, Trial
from . import normalize as norm
from .common import IRCT_RE, NCT_RE, choose_id

REGISTRY = "IRCT"
FORMAT = "irct-page"

#: labels and headings of an IRCT page, each on a line of its own (matched case-insensitively)
LABELS = frozenset(
    label.lower()
    for label in (
        "Protocol summary", "Summary", "Background and Objectives", "Objectives", "Design", "Settings and conduct",
        "Participants/Inclusion and exclusion criteria", "Groups that have been masked", "Sample size",
        "Intervention groups", "Main outcome variables", "General information", "Reason for update", "Acronym",
        "IRCT registration information", "IRCT registration number", "Registration date", "Registration timing",
        "Last update", "Update count", "Registrant information", "Recruitment status", "Funding source",
        "Expected recruitment start date", "Expected recruitment end date", "Actual recruitment start date",
        "Actual recruitment end date", "Trial completion date", "Scientific title", "Public title", "Purpose",
        "Inclusion/Exclusion criteria", "Age", "Gender", "Phase", "Target sample size", "Actual sample size reached",
        "Randomization (investigator's opinion)", "Randomization description", "Blinding (investigator's opinion)",
        "Blinding description", "Placebo", "Assignment", "Other design features", "Secondary Ids", "Ethics committees",
        "Ethics committee", "Name of ethics committee", "Ethics committee reference number", "Approval date",
        "Health conditions studied", "Description of health condition studied", "ICD-10 code",
        "ICD-10 code description", "Primary outcomes", "Secondary outcomes", "Recruitment centers",
        "Sponsors / Funding sources", "Person responsible for general inquiries",
        "Person responsible for scientific inquiries", "Person responsible for updating data", "Sharing plan",
        "Study type", "Type of study", "Study design",
    )
)
#: labels only IRCT pages use; three of them (or an IRCT number and one) make a page an IRCT page
SIGNATURE = (
    "participants/inclusion and exclusion criteria", "inclusion/exclusion criteria", "groups that have been masked",
    "ethics committee reference number", "health conditions studied", "description of health condition studied",
    "randomization (investigator's opinion)", "blinding (investigator's opinion)", "recruitment centers",
    "sponsors / funding sources", "irct registration number", "target sample size",
    "person responsible for general inquiries",
)
_EMPTY = {"empty", "no information", "-", "n/a", "not applicable"}
_IRCT_AGE_RE = re.compile(
    r"^(?:from\s+(?P<min>\d+(?:\.\d+)?)\s+(?P<min_unit>year|month|week|day|hour)s?(?:\s+old)?)?\s*"
    r"(?:to\s+(?P<max>\d+(?:\.\d+)?)\s+(?P<max_unit>year|month|week|day|hour)s?(?:\s+old)?)?$",
    re.IGNORECASE,
)


def _key(line: str) -> str:
    return line.strip().rstrip(":").strip().lower()


def _is_label(line: str) -> bool:
    return _key(line) in LABELS


def detect(text: str) -> bool:
    """True when ``text`` looks like an IRCT record page."""
    keys = {_key(line) for line in text.split("\n") if line.strip()} | {
        _key(line.split(":", 1)[0]) for line in text.split("\n") if ":" in line
    }
    hits = sum(1 for label in SIGNATURE if label in keys)
    return hits >= 3 or (hits >= 1 and IRCT_RE.search(text) is not None)


def _values(lines: list[str], label: str) -> list[tuple[int, str]]:
    """Every value of ``label``: the text after ``Label:`` on its line, else the next non-blank line (if not a label)."""
    out: list[tuple[int, str]] = []
    pattern = re.compile(rf"^\s*{re.escape(label)}\s*:?\s*(.*)$", re.IGNORECASE)
    for i, line in enumerate(lines):
        match = pattern.match(line)
        if not match or _key(line.split(":", 1)[0]) != label.lower():
            continue
        inline = norm.clean(match.group(1))
        if inline:
            out.append((i, inline))
            continue
        for j in range(i + 1, len(lines)):
            if lines[j].strip():
                if not _is_label(lines[j]):
                    out.append((j, norm.clean(lines[j]) or ""))
                break
    return out


def _value(lines: list[str], label: str) -> str | None:
    values = _values(lines, label)
    if not values or values[0][1].lower() in _EMPTY:
        return None
    return values[0][1]


def _block(lines: list[str], heading: str) -> str:
    """The lines after ``heading`` up to the next label, as read."""
    start = next((i + 1 for i, line in enumerate(lines) if _key(line) == heading.lower()), None)
    if start is None:
        return ""
    end = next((j for j in range(start, len(lines)) if _is_label(lines[j])), len(lines))
    return norm.criteria_text("\n".join(lines[start:end]))


def irct_age_range(value: str | None) -> tuple[Age | None, Age | None]:
    """``"No age limit"`` -> (None, None); ``"From 18 years old to 65 years old"`` -> (18 years, 65 years)."""
    text = norm.clean(value)
    if text is None:
        return None, None
    match = _IRCT_AGE_RE.match(text)
    if match is None:
        return None, None
    minimum = norm.age(f"{match.group('min')} {match.group('min_unit')}s") if match.group("min") else None
    maximum = norm.age(f"{match.group('max')} {match.group('max_unit')}s") if match.group("max") else None
    return minimum, maximum


def _listed(lines: list[str], heading: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """Numbered entries under ``heading`` ("1", "Description", value, "Category", value, "2", ...)."""
    wanted = {f.lower() for f in fields}
    entries: list[dict[str, str]] = []
    for i, line in enumerate(lines):
        if _key(line) != heading.lower():
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j >= len(lines) or not re.fullmatch(r"\d+", lines[j].strip()):
            continue  # the summary's free-text heading of the same name
        current: dict[str, str] | None = None
        key: str | None = None
        for k in range(j, len(lines)):
            stripped = lines[k].strip()
            if not stripped:
                continue
            if current is not None and key is not None and key not in current:
                current[key] = stripped  # a field's first line is its value, whatever it says
            elif re.fullmatch(r"\d+", stripped):
                current = {}
                entries.append(current)
                key = None
            elif _key(stripped) in wanted:
                key = _key(stripped)
            elif _is_label(stripped):
                break  # the next part of the page
            elif current is not None and key is not None:
                current[key] = f"{current[key]} {stripped}"
        break
    return entries


def _category(value: str | None) -> str | None:
    """An intervention group's category, upper-cased as written ("Treatment - Other" -> "TREATMENT - OTHER")."""
    text = norm.clean(value)
    return text.upper() if text and text.lower() not in _EMPTY else None


def _secondary_ids(lines: list[str]) -> list[str]:
    out: list[str] = []
    for label in ("Ethics committee reference number", "Secondary Id", "Secondary ID"):
        for _, value in _values(lines, label):
            if value.lower() not in _EMPTY and value not in out:
                out.append(value)
    return out


def read_irct(text: str, source: str | None) -> Trial:
    """Read an IRCT record page (``irct-page``)."""
    lines = text.split("\n")
    inline = _block(lines, "Participants/Inclusion and exclusion criteria")
    detailed = _block(lines, "Inclusion/Exclusion criteria")
    criteria = "\n\n".join(block for block in (inline, detailed) if block)
    secondary = _secondary_ids(lines)
    irct = next((m.group(0) for m in IRCT_RE.finditer(text)), None)
    registration = IRCT_RE.search(_value(lines, "IRCT registration number") or "")
    if registration:
        irct = registration.group(0)
    nct = next((s for s in secondary if NCT_RE.fullmatch(s)), None)
    title = _value(lines, "Scientific title") or next((norm.clean(line) for line in lines if line.strip()), None)
    minimum, maximum = irct_age_range(_value(lines, "Age"))
    sample = _value(lines, "Actual sample size reached")
    enrollment = norm.enrollment(sample) if sample else None
    if enrollment is None:
        enrollment = norm.enrollment(_value(lines, "Target sample size"))
    groups = _listed(lines, "Intervention groups", ("Description", "Category"))
    interventions = [
        Intervention(type=_category(g.get("category")), name=g["description"]) for g in groups if g.get("description")
    ]
    conditions = [
        g["description of health condition studied"]
        for g in _listed(lines, "Health conditions studied", ("Description of health condition studied", "ICD-10 code", "ICD-10 code description"))
        if g.get("description of health condition studied")
    ]
    kind = _value(lines, "Study type") or _value(lines, "Type of study")
    study_type = norm.study_type(kind) if kind else ("INTERVENTIONAL" if groups else None)
    return Trial(
        id=choose_id(irct, *secondary, nct, text=criteria or text),
        registry=REGISTRY,
        title=title,
        status=norm.status(_value(lines, "Recruitment status")),
        phases=norm.phases(_value(lines, "Phase")),
        enrollment=enrollment,
        study_type=study_type,
        conditions=conditions,
        interventions=interventions,
        eligibility_text=criteria,
        eligibility=Eligibility(
            minimum_age=minimum,
            maximum_age=maximum,
            sex=norm.sex(_value(lines, "Gender")),
            healthy_volunteers=norm.healthy_volunteers(_value(lines, "Healthy volunteers")),
        ),
        secondary_ids=secondary,
        format=FORMAT,
        source=source,
    )
