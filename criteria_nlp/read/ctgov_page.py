"""ClinicalTrials.gov record pages saved as text (copied from a browser).

Three renderings are read:

* ``ctgov-page-classic``: the classic site (``ClinicalTrials.gov Identifier: NCT...``,
  ``Recruitment Status : ...``, ``Ages Eligible for Study: ...`` label/value lines).
* ``ctgov-page-modern``: the newer site (``NCT ID: NCT...``, sections such as
  ``Basic Information`` with a label line and its value on a later line).
* ``ctgov-page-unlabelled``: the newer site copied without its field labels: the
  values stand alone under their section headings, and each field is inferred
  from its section and the value's shape (left empty where that is ambiguous).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..schema import Age, Eligibility, Intervention, Sex, Trial
from . import normalize as norm
from .common import choose_id

REGISTRY = "ClinicalTrials.gov"

CLASSIC_ID_RE = re.compile(r"^[ \t\xa0]*ClinicalTrials\.gov Identifier\s*:\s*(NCT\d{8})\b", re.MULTILINE)
MODERN_ID_RE = re.compile(r"^[ \t\xa0]*NCT ID\s*:\s*(NCT\d{8})\s*$", re.MULTILINE)

# ---------------------------------------------------------------- the classic site

#: intervention types as the classic site writes them before a name ("Drug: Placebo")
CLASSIC_INTERVENTION_TYPES = (
    "Drug", "Device", "Biological", "Procedure", "Radiation", "Behavioral", "Genetic",
    "Dietary Supplement", "Combination Product", "Diagnostic Test", "Other",
)
_TYPE_ALT = "|".join(re.escape(t) for t in CLASSIC_INTERVENTION_TYPES)
_CLASSIC_INTERVENTION_RE = re.compile(rf"(?<![^\s\t])({_TYPE_ALT}):\s+")
_CLASSIC_INTERVENTION_LINE_RE = re.compile(rf"^({_TYPE_ALT}):\s+(\S.*)$")
_CLASSIC_PHASE_TAIL_RE = re.compile(r"((?:[\s\t]*(?:Early Phase 1|Phase [1-4](?:/Phase [1-4])?|Not Applicable))+)[\s\t]*$")
#: lines where the classic page's criteria block ends: whole lines, and line starts
CLASSIC_CRITERIA_END = frozenset(
    {
        "Information from the National Library of Medicine",
        "Contacts and Locations",
        "Locations",
        "Sponsors and Collaborators",
        "More Information",
        "Go to Top",
        "Go to",
    }
)
CLASSIC_CRITERIA_END_PREFIXES = ("To learn more about this study", "Layout table for location")
_AGE_PART = r"\d+(?:\.\d+)?\s+(?:Years?|Months?|Weeks?|Days?|Hours?|Minutes?)"


def _label_value(lines: list[str], label: str, start: int = 0) -> tuple[int, str] | None:
    """The first ``Label : value`` line (label as a regex) at or after ``start``: (index, value)."""
    pattern = re.compile(rf"^\s*(?:{label})\s*:\s*(.*)$", re.IGNORECASE)
    for i in range(start, len(lines)):
        match = pattern.match(lines[i])
        if match:
            return i, norm.clean(match.group(1)) or ""
    return None


def _value(lines: list[str], label: str) -> str | None:
    found = _label_value(lines, label)
    return found[1] or None if found else None


def classic_age_range(value: str | None) -> tuple[Age | None, Age | None]:
    """``"18 Years to 60 Years (Adult)"``, ``"18 Years and older"``, ``"up to 17 Years"`` -> (minimum, maximum)."""
    text = norm.clean(re.sub(r"\(.*?\)", " ", value or ""))
    if text is None:
        return None, None
    match = re.match(rf"^({_AGE_PART})\s+to\s+({_AGE_PART})$", text, re.IGNORECASE)
    if match:
        return norm.age(match.group(1)), norm.age(match.group(2))
    match = re.match(rf"^({_AGE_PART})\s+(?:and|or)\s+(?:older|over|above)$", text, re.IGNORECASE)
    if match:
        return norm.age(match.group(1)), None
    match = re.match(rf"^(?:up to|under|to)\s+({_AGE_PART})$", text, re.IGNORECASE)
    if match:
        return None, norm.age(match.group(1))
    return None, None


def _classic_title(lines: list[str], id_line: int) -> str | None:
    disclaimer = next((i for i, line in enumerate(lines) if line.strip().startswith("The safety and scientific validity of this study")), None)
    end = disclaimer if disclaimer is not None else id_line
    for i in range(end - 1, -1, -1):
        text = norm.clean(lines[i])
        if text:
            return text
    return _value(lines, "Brief Title") or _value(lines, "Official Title")


def _classic_summary_row(lines: list[str]) -> tuple[list[str], list[Intervention], list[str]]:
    """Conditions, interventions and phases from the "Condition or disease | Intervention/treatment | Phase" table."""
    header = next((i for i, line in enumerate(lines) if line.strip().startswith("Condition or disease")), None)
    if header is None:
        return [], [], []
    cells: list[str] = []
    for line in lines[header + 1:]:
        if not line.strip():
            if cells:
                break
            continue
        cells.extend(c for c in (norm.clean(part) for part in re.split(r"\t| {2,}", line)) if c)
    conditions: list[str] = []
    interventions: list[Intervention] = []
    phases: list[str] = []
    for cell in cells:  # a cell, or a whole row flattened to one line with single spaces
        tail = _CLASSIC_PHASE_TAIL_RE.search(cell)
        if tail and "Phase" in lines[header]:
            phases.extend(p for p in norm.phases(tail.group(1)) if p not in phases)
            cell = cell[: tail.start()]
        markers = list(_CLASSIC_INTERVENTION_RE.finditer(cell))
        head = norm.clean(cell[: markers[0].start()] if markers else cell)
        if head:
            conditions.append(head)
        for i, marker in enumerate(markers):
            end = markers[i + 1].start() if i + 1 < len(markers) else len(cell)
            name = norm.clean(cell[marker.end(): end])
            if name:
                interventions.append(Intervention(type=norm.intervention_type(marker.group(1)), name=name))
    return conditions, interventions, phases


def _classic_arm_interventions(lines: list[str]) -> list[Intervention]:
    out: list[Intervention] = []
    for line in lines:
        match = _CLASSIC_INTERVENTION_LINE_RE.match(line.strip())
        if match:
            item = Intervention(type=norm.intervention_type(match.group(1)), name=norm.clean(match.group(2)) or "")
            if item.name and item not in out:
                out.append(item)
    return out


def _classic_criteria(lines: list[str]) -> str:
    start = None
    anchor = _label_value(lines, r"Accepts Healthy Volunteers|Sexes Eligible for Study|Genders Eligible for Study|Ages Eligible for Study")
    begin = anchor[0] if anchor else 0
    for i in range(begin, len(lines)):
        if lines[i].strip() == "Criteria":
            start = i + 1
            break
    if start is None:
        start = next((i for i in range(begin, len(lines)) if re.match(r"^\s*Inclusion Criteria\b", lines[i], re.IGNORECASE)), None)
    if start is None:
        return ""
    end = len(lines)
    for i in range(start, len(lines)):
        stripped = lines[i].strip()
        if stripped in CLASSIC_CRITERIA_END or stripped.startswith(CLASSIC_CRITERIA_END_PREFIXES):
            end = i
            break
    return norm.criteria_text("\n".join(lines[start:end]))


def _classic_secondary_ids(lines: list[str], nct: str) -> list[str]:
    found = _label_value(lines, "Other Study ID Numbers")
    if found is None:
        return []
    index, first = found
    values = [first] if first else []
    for line in lines[index + 1:]:
        stripped = norm.clean(line)
        if not stripped or re.match(r"^[A-Z][^:]{0,60}:(\s|$)", stripped):
            break
        values.append(stripped)
    out: list[str] = []
    for value in values:
        value = re.sub(r"\s*\(.*\)\s*$", "", value).strip()
        if value and value != nct and value not in out:
            out.append(value)
    return out


def read_classic(text: str, source: str | None) -> Trial:
    """Read a page of the classic ClinicalTrials.gov site (``ctgov-page-classic``)."""
    lines = text.split("\n")
    match = CLASSIC_ID_RE.search(text)
    nct = match.group(1) if match else None
    id_line = text[: match.start()].count("\n") if match else len(lines)
    conditions, interventions, row_phases = _classic_summary_row(lines)
    interventions = interventions or _classic_arm_interventions(lines)
    phase_value = _value(lines, "Phase")
    minimum, maximum = classic_age_range(_value(lines, "Ages Eligible for Study"))
    enrollment = _value(lines, r"(?:Actual |Estimated |Anticipated )?Enrollment")
    criteria = _classic_criteria(lines)
    secondary = _classic_secondary_ids(lines, nct or "")
    return Trial(
        id=choose_id(nct, *secondary, text=criteria or text),
        registry=REGISTRY,
        title=_classic_title(lines, id_line),
        status=norm.status(_value(lines, r"Recruitment Status|Expanded Access Status|Overall Status")),
        phases=norm.phases(phase_value) if phase_value else row_phases,
        enrollment=norm.enrollment(re.sub(r"\s*(participants?|patients?)\b.*$", "", enrollment or "")) if enrollment else None,
        study_type=norm.study_type(_value(lines, "Study Type")),
        conditions=conditions,
        interventions=interventions,
        eligibility_text=criteria,
        eligibility=Eligibility(
            minimum_age=minimum,
            maximum_age=maximum,
            sex=norm.sex(_value(lines, r"Sexes Eligible for Study|Genders Eligible for Study|Gender|Sex")),
            healthy_volunteers=norm.healthy_volunteers(_value(lines, "Accepts Healthy Volunteers")),
        ),
        secondary_ids=secondary,
        format="ctgov-page-classic",
        source=source,
    )


# ---------------------------------------------------------------- the newer site

#: section headings of the newer site, each on a line of its own
MODERN_SECTIONS = frozenset(
    {
        "Study Results", "Basic Information", "Brief Summary", "Detailed Description", "Official Title",
        "Conditions", "Keywords", "Study Design", "Study Groups", "Interventions", "Outcome Measures",
        "Primary Outcomes", "Secondary Outcomes", "Other Outcomes", "Eligibility Criteria", "Sponsors",
        "Collaborators", "Responsible Party", "Principal Investigators", "Locations", "Countries",
        "Central Contacts", "Facility Contacts", "Other Identifiers", "More Related Trials",
        "References", "Publications", "Documents", "Study Documents", "Results", "Participant Flow",
        "Baseline Characteristics", "Adverse Events", "Limitations and Caveats", "More Information",
    }
)
#: the sentences the newer site prints under a heading (its boilerplate), by their start
MODERN_DESCRIPTIONS = (
    "Get a concise snapshot of the trial",
    "Review the sponsor-provided synopsis",
    "Dive into the extended narrative",
    "See the medical conditions and disease areas",
    "Explore important study keywords",
    "Understand how the trial is structured",
    "Review each arm or cohort in the study",
    "Learn about the drugs, procedures, or behavioral strategies",
    "Check the participation requirements",
    "Meet the organizations funding or collaborating",
    "Identify the individual or organization who holds primary responsibility",
    "Learn about the lead researchers overseeing the trial",
    "Explore where the study is taking place",
    "Review the countries where the study",
    "Reach out to these primary contacts",
    "Find local site contact details",
    "Review additional registry numbers",
    "Additional clinical trials that may be relevant",
    "The study team has not published outcome measurements",
    "Results pending",
)
#: Basic Information labels -> field
MODERN_BASIC_LABELS = {
    "recruitment status": "status",
    "overall status": "status",
    "expanded access status": "status",
    "clinical phase": "phases",
    "phase": "phases",
    "total enrollment": "enrollment",
    "actual enrollment": "enrollment",
    "estimated enrollment": "enrollment",
    "enrollment": "enrollment",
    "study classification": "study_type",
    "study type": "study_type",
    "study start date": "",
    "study completion date": "",
    "primary completion date": "",
}
#: labels of the block that closes the Eligibility Criteria section -> field
#: (written without a colon: "Gender:" inside the criteria is a heading of theirs, not a label)
MODERN_ELIGIBILITY_LABELS = {
    "minimum eligible age": "minimum_age",
    "maximum eligible age": "maximum_age",
    "eligible sex": "sex",
    "accepts healthy volunteers": "healthy_volunteers",
    "study population": "",
    "sampling method": "",
    "gender based": "",
    "gender description": "",
}
KNOWN_STATUSES = frozenset(
    {
        "COMPLETED", "RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "ENROLLING_BY_INVITATION",
        "SUSPENDED", "TERMINATED", "WITHDRAWN", "UNKNOWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
        "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD",
    }
)
_PHASE_VALUE_RE = re.compile(r"^(?:EARLY_PHASE1|PHASE[1-4])(?:\s*[/,]\s*(?:EARLY_PHASE1|PHASE[1-4]))*$|^NA$")
_ENROLLMENT_VALUE_RE = re.compile(r"^\d[\d,]*\s+participants?$", re.IGNORECASE)
_AGE_VALUE_RE = re.compile(rf"^{_AGE_PART}$", re.IGNORECASE)
_SEX_VALUE_RE = re.compile(r"^(?:ALL|FEMALE|MALE)$")
_YES_NO_RE = re.compile(r"^(?:Yes|No)$", re.IGNORECASE)


@dataclass
class _Section:
    name: str
    start: int  # first line after the heading (and its boilerplate)
    end: int  # the next heading's line


@dataclass
class _Found:
    values: dict[str, list[str]] = field(default_factory=dict)
    labelled: bool = False

    def add(self, key: str, value: str) -> None:
        self.values.setdefault(key, []).append(value)

    def one(self, key: str) -> str | None:
        """The field's value when exactly one was found, else None (ambiguous or absent)."""
        values = self.values.get(key, [])
        return values[0] if len(values) == 1 else None


def _is_description(line: str) -> bool:
    stripped = line.strip()
    return any(stripped.startswith(d) for d in MODERN_DESCRIPTIONS)


#: headings whose boilerplate sentence is known: such a heading must be followed by it to count
#: (so that a criterion line reading "Conditions" is not taken for the next section)
MODERN_HEADING_DESCRIPTIONS = {
    "Basic Information": "Get a concise snapshot",
    "Brief Summary": "Review the sponsor-provided synopsis",
    "Detailed Description": "Dive into the extended narrative",
    "Conditions": "See the medical conditions",
    "Keywords": "Explore important study keywords",
    "Study Design": "Understand how the trial is structured",
    "Study Groups": "Review each arm or cohort",
    "Interventions": "Learn about the drugs, procedures",
    "Eligibility Criteria": "Check the participation requirements",
    "Sponsors": "Meet the organizations funding",
    "Responsible Party": "Identify the individual or organization",
    "Principal Investigators": "Learn about the lead researchers",
    "Locations": "Explore where the study is taking place",
    "Countries": "Review the countries where",
    "Central Contacts": "Reach out to these primary contacts",
    "Facility Contacts": "Find local site contact details",
    "Other Identifiers": "Review additional registry numbers",
    "More Related Trials": "Additional clinical trials that may be relevant",
}


def _is_heading(lines: list[str], i: int, strict: bool) -> bool:
    name = lines[i].strip()
    if name not in MODERN_SECTIONS:
        return False
    description = MODERN_HEADING_DESCRIPTIONS.get(name)
    if not strict or description is None:
        return True
    following = next((line.strip() for line in lines[i + 1: i + 4] if line.strip()), "")
    return following.startswith(description)


def _sections(lines: list[str]) -> dict[str, _Section]:
    # a page that prints the boilerplate sentences must show each under its heading
    strict = any(_is_description(line) for line in lines)
    heads = [i for i in range(len(lines)) if _is_heading(lines, i, strict)]
    out: dict[str, _Section] = {}
    for n, i in enumerate(heads):
        end = heads[n + 1] if n + 1 < len(heads) else len(lines)
        start = i + 1
        while start < end and (not lines[start].strip() or _is_description(lines[start])):
            start += 1
        name = lines[i].strip()
        if name not in out:
            out[name] = _Section(name, start, end)
    return out


def _nonblank(lines: list[str], section: _Section | None) -> list[tuple[int, str]]:
    if section is None:
        return []
    return [(i, lines[i].strip()) for i in range(section.start, section.end) if lines[i].strip() and not _is_description(lines[i])]


def _basic_information(lines: list[str], section: _Section | None) -> _Found:
    found = _Found()
    pending: str | None = None
    for _, line in _nonblank(lines, section):
        key = MODERN_BASIC_LABELS.get(line.lower().rstrip(":"))
        if key is not None:
            found.labelled = True
            pending = key
            continue
        if pending is not None:
            if pending:
                found.add(pending, line)
            pending = None
            continue
        # unlabelled: infer the field from the value's shape
        if enum := norm.enum_style(line):
            if line == enum and enum in KNOWN_STATUSES:
                found.add("status", line)
            elif _PHASE_VALUE_RE.match(line):
                found.add("phases", line)
            elif line in norm.STUDY_TYPES:
                found.add("study_type", line)
            elif _ENROLLMENT_VALUE_RE.match(line):
                found.add("enrollment", line)
    return found


def _eligibility(lines: list[str], section: _Section | None) -> tuple[str, _Found]:
    found = _Found()
    rows = _nonblank(lines, section)
    if section is None or not rows:
        return "", found
    start = rows[0][0]
    if rows[0][1].lower() in MODERN_ELIGIBILITY_LABELS:
        header = next((i for i, line in rows if re.match(r"^(?:key\s+)?(?:inclusion|exclusion) criteria\b", line, re.IGNORECASE)), None)
        start = header if header is not None else section.end
    end = section.end
    pending: str | None = None
    for i, line in rows:
        key = MODERN_ELIGIBILITY_LABELS.get(line.lower())
        if key is not None and i >= start:
            found.labelled = True
            end = min(end, i)
            pending = key
            continue
        if pending is not None:
            if pending:
                found.add(pending, line)
            pending = None
    if not found.labelled:
        end = _peel_unlabelled(lines, rows, start, found)
    criteria = norm.criteria_text("\n".join(lines[start:end])) if start < end else ""
    return criteria, found


def _peel_unlabelled(lines: list[str], rows: list[tuple[int, str]], start: int, found: _Found) -> int:
    """Take the unlabelled age/sex/volunteer values off the end of the criteria; return where the criteria end."""
    tail = [(i, line) for i, line in rows if i >= start]
    end = tail[-1][0] + 1 if tail else start
    peeled: list[tuple[str, str]] = []
    order = [("healthy_volunteers", _YES_NO_RE), ("sex", _SEX_VALUE_RE), ("age", _AGE_VALUE_RE), ("age", _AGE_VALUE_RE)]
    for key, pattern in order:
        if tail and pattern.match(tail[-1][1]):
            index, value = tail.pop()
            peeled.append((key, value))
            end = index
    for key, value in reversed(peeled):
        found.add(key, value)
    ages = found.values.pop("age", [])
    if len(ages) == 2:  # one age alone could be either limit: ambiguous, left empty
        found.add("minimum_age", ages[0])
        found.add("maximum_age", ages[1])
    return end


def _interventions(lines: list[str], section: _Section | None) -> list[Intervention]:
    """Entries closed by an ``Intervention Type X`` line; the entry's first line is its name."""
    out: list[Intervention] = []
    chunk: list[str] = []
    for _, line in _nonblank(lines, section):
        match = re.match(r"^Intervention Type:?\s+(\S+)$", line)
        if match:
            if chunk:
                item = Intervention(type=norm.intervention_type(match.group(1)), name=chunk[0])
                if item not in out:
                    out.append(item)
            chunk = []
        elif not re.match(r"^Other Names?:?(\s|$)", line):
            chunk.append(line)
    return out


def _other_identifiers(lines: list[str], section: _Section | None, nct: str | None) -> list[str]:
    rows = _nonblank(lines, section)
    out: list[str] = []
    for n, (_, line) in enumerate(rows):
        if not re.match(r"^Identifier (?:Type|Source|Link)\s*:", line):
            continue
        k = n - 1
        while k >= 0 and re.match(r"^Identifier (?:Type|Source|Link)\s*:", rows[k][1]):
            k -= 1
        if k >= 0:
            value = rows[k][1]
            if value != nct and value not in out:
                out.append(value)
    return out


def _sex(value: str | None) -> Sex | None:
    return norm.sex(value)


def read_modern(text: str, source: str | None) -> Trial:
    """Read a page of the newer ClinicalTrials.gov site, labelled or not."""
    lines = text.split("\n")
    match = MODERN_ID_RE.search(text)
    nct = match.group(1) if match else None
    id_line = text[: match.start()].count("\n") if match else 0
    title = next((norm.clean(line) for line in lines[:id_line] if line.strip()), None)
    sections = _sections(lines)
    basic = _basic_information(lines, sections.get("Basic Information"))
    criteria, elig = _eligibility(lines, sections.get("Eligibility Criteria"))
    conditions = [line for _, line in _nonblank(lines, sections.get("Conditions"))]
    secondary = _other_identifiers(lines, sections.get("Other Identifiers"), nct)
    unlabelled = not basic.labelled and not elig.labelled
    return Trial(
        id=choose_id(nct, *secondary, text=criteria or text),
        registry=REGISTRY,
        title=title,
        status=norm.status(basic.one("status")),
        phases=norm.phases(basic.one("phases")),
        enrollment=norm.enrollment(re.sub(r"\s*participants?$", "", basic.one("enrollment") or "", flags=re.IGNORECASE) or None),
        study_type=norm.study_type(basic.one("study_type")),
        conditions=conditions,
        interventions=_interventions(lines, sections.get("Interventions")),
        eligibility_text=criteria,
        eligibility=Eligibility(
            minimum_age=norm.age(elig.one("minimum_age")),
            maximum_age=norm.age(elig.one("maximum_age")),
            sex=_sex(elig.one("sex")),
            healthy_volunteers=norm.healthy_volunteers(elig.one("healthy_volunteers")),
        ),
        secondary_ids=secondary,
        format="ctgov-page-unlabelled" if unlabelled else "ctgov-page-modern",
        source=source,
    )


def detect(text: str) -> str | None:
    """``"classic"``, ``"modern"`` or None: which ClinicalTrials.gov page rendering ``text`` is."""
    if MODERN_ID_RE.search(text):
        return "modern"
    if CLASSIC_ID_RE.search(text):
        return "classic"
    return None
