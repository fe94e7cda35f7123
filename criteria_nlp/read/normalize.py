"""Field normalisation shared by every reader.

Registries spell the same value many ways ("Active, not recruiting",
``ACTIVE_NOT_RECRUITING``; "Phase 1/Phase 2", ``PHASE1/PHASE2``, "2-3"; "18 Years
and older"; "Both"). These functions map each spelling onto the API v2 style
the ``Trial`` model uses. They never raise: a value they cannot read becomes
``None`` (or an empty list), except where noted.
"""

from __future__ import annotations

import re
from typing import cast

from ..schema import Age, AgeUnit, Sex

#: Overall statuses of the API v2, plus the other spellings that mean the same.
STATUS_ALIASES: dict[str, str] = {
    "UNKNOWN_STATUS": "UNKNOWN",
    "RECRUITMENT_COMPLETE": "ACTIVE_NOT_RECRUITING",
    "ACTIVE": "ACTIVE_NOT_RECRUITING",
    "PENDING": "NOT_YET_RECRUITING",
    "NOT_RECRUITING": "ACTIVE_NOT_RECRUITING",
    "COMPLETE": "COMPLETED",
    "TEMPORARILY_UNAVAILABLE": "TEMPORARILY_NOT_AVAILABLE",
}

#: The study types of the API v2 (legacy spellings add a bracketed qualifier).
STUDY_TYPES = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")

_AGE_RE = re.compile(
    r"^(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?(?:\(s\))?"
    r"(?:\s+(?:old|and (?:older|over|above)|or (?:older|more)))?$",
    re.IGNORECASE,
)
_PHASE_TOKEN_RE = re.compile(
    r"(early\s*[_ -]?\s*phase\s*[_ -]?\s*(?:1|i)\b)|phase\s*[_ -]?\s*(\d|iv|iii|ii|i)\b|\b(\d|iv|iii|ii|i)\b",
    re.IGNORECASE,
)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


def enum_style(value: str) -> str:
    """``"Active, not recruiting"`` -> ``"ACTIVE_NOT_RECRUITING"``: upper case, runs of other characters as ``_``."""
    return re.sub(r"[^A-Z0-9]+", "_", value.upper()).strip("_")


def clean(value: str | None) -> str | None:
    """Collapse internal white space (including non-breaking spaces); ``None`` for an empty value."""
    if value is None:
        return None
    text = " ".join(value.split())
    return text or None


def status(value: str | None) -> str | None:
    """An overall recruitment status in API v2 style (``"Unknown status"`` -> ``UNKNOWN``)."""
    text = clean(value)
    if text is None:
        return None
    key = enum_style(text)
    if not key:
        return None
    return STATUS_ALIASES.get(key, key)


def phases(value: str | list[str] | None) -> list[str]:
    """Phases as a list of ``EARLY_PHASE1``, ``PHASE1`` .. ``PHASE4``; N/A and NA give ``[]``.

    Reads "Phase 1/Phase 2", "PHASE1/PHASE2", "Phase 1 Phase 2", "Phase 1/2",
    "phase 2-3" and IRCT's bare "2-3" (phases 2 and 3).
    """
    if value is None:
        return []
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            for phase in phases(item):
                if phase not in out:
                    out.append(phase)
        return out
    text = clean(value)
    if text is None or enum_style(text) in {"N_A", "NA", "NOT_APPLICABLE", "NONE", "NO_INFORMATION"}:
        return []
    # "PHASE1" / "EARLY_PHASE1" glue the number to the word: split them first
    text = re.sub(r"(?i)(phase)_?(\d)", r"\1 \2", text)
    found: list[str] = []
    for match in _PHASE_TOKEN_RE.finditer(text):
        if match.group(1):
            phase = "EARLY_PHASE1"
        else:
            digit = match.group(2) or match.group(3)
            digit = _ROMAN.get(digit.lower(), digit)
            if digit not in {"1", "2", "3", "4"}:
                continue
            phase = f"PHASE{digit}"
        if phase not in found:
            found.append(phase)
    return found


def study_type(value: str | None) -> str | None:
    """``"Interventional (Clinical Trial)"``, ``"Observational [Patient Registry]"`` -> ``INTERVENTIONAL``, ``OBSERVATIONAL``."""
    text = clean(value)
    if text is None:
        return None
    text = re.sub(r"\s*[\[(].*$", "", text)
    key = enum_style(text)
    return key or None


def intervention_type(value: str | None) -> str | None:
    """An intervention type in API v2 style: ``"Dietary Supplement"`` -> ``DIETARY_SUPPLEMENT``."""
    text = clean(value)
    if text is None:
        return None
    return enum_style(text) or None


def age(value: str | None) -> Age | None:
    """``"18 Years"``, ``"6 Months"``, ``"18 Years and older"`` -> ``Age``; N/A, "No age limit", other text -> None."""
    text = clean(value)
    if text is None:
        return None
    match = _AGE_RE.match(text)
    if match is None:
        return None
    number = float(match.group(1))
    unit = cast(AgeUnit, match.group(2).lower() + "s")
    return Age.of(int(number) if number.is_integer() else number, unit)


def sex(value: str | None) -> Sex | None:
    """``ALL``, ``All``, ``Both``, ``"Male or Female"`` -> ``all``; female and male likewise; else None."""
    text = clean(value)
    if text is None:
        return None
    key = enum_style(text)
    if key in {"ALL", "BOTH", "MALE_OR_FEMALE", "FEMALE_OR_MALE", "MALE_AND_FEMALE", "FEMALE_AND_MALE", "ALL_SEXES"}:
        return "all"
    if key in {"FEMALE", "FEMALES", "WOMEN", "WOMAN"}:
        return "female"
    if key in {"MALE", "MALES", "MEN", "MAN"}:
        return "male"
    return None


def healthy_volunteers(value: str | bool | None) -> bool | None:
    """``"Yes"``/``"No"``, ``"Accepts Healthy Volunteers"``, JSON booleans -> bool; else None."""
    if value is None or isinstance(value, bool):
        return value
    key = enum_style(value)
    if key in {"YES", "Y", "TRUE", "ACCEPTS_HEALTHY_VOLUNTEERS"}:
        return True
    if key in {"NO", "N", "FALSE", "DOES_NOT_ACCEPT_HEALTHY_VOLUNTEERS"}:
        return False
    return None


def enrollment(value: str | int | None) -> int | None:
    """``15``, ``"15"``, ``"15 participants"``, ``"1,200"`` -> int; else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    match = re.match(r"^\s*(\d[\d,]*)\s*(?:participants?|patients?|subjects?|people|persons?)?\s*$", value, re.IGNORECASE)
    if match is None:
        return None
    return int(match.group(1).replace(",", ""))


def criteria_text(text: str | None) -> str:
    """The eligibility text as read: CRLF/CR -> LF, leading/trailing blank space of the whole block stripped."""
    if not text:
        return ""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
