"""ICD-10-CM codes and ranges in their dotted upper-case form: the one reading of a code that the lexicon,
the patient facts and the matcher share."""

from __future__ import annotations

import re

__all__ = ["icd_code_or_range", "normalize_icd", "normalize_icd_range"]

_ICD_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$")


def normalize_icd(code: str | None) -> str | None:
    """An ICD-10-CM code in its dotted upper-case form ("m3214" -> "M32.14"), or None if malformed.

    A range ("E08-E13") is not a code: see :func:`normalize_icd_range`.
    """
    if code is None:
        return None
    raw = code.strip().upper().replace(".", "").replace(" ", "")
    if len(raw) > 3:
        raw = raw[:3] + "." + raw[3:]
    return raw if _ICD_RE.match(raw) else None


def normalize_icd_range(code: str | None) -> str | None:
    """An ICD-10-CM range in its dotted upper-case form ("e08 - e13" -> "E08-E13"), or None.

    None unless both ends are well-formed codes of one length, the low one first.
    A concept coded with a range ("diabetes mellitus", E08-E13) names the whole
    family, not one member of it; :func:`icd_in` reads a range as a code does.
    """
    if code is None or code.count("-") != 1:
        return None
    low, high = (normalize_icd(end) for end in code.split("-"))
    if low is None or high is None or len(low) != len(high) or low > high:
        return None
    return f"{low}-{high}"


def icd_code_or_range(code: str | None) -> str | None:
    """The dotted form of an ICD-10-CM code (:func:`normalize_icd`) or range (:func:`normalize_icd_range`), else None."""
    return normalize_icd(code) or normalize_icd_range(code)
