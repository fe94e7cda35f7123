"""Units as criteria write them: a display form, and a pint quantity to convert with.

``normalize_unit("umol/l")`` gives ``"µmol/L"``; ``to_pint("µmol/L")`` gives the
pint ``Quantity`` one such unit is worth, from one shared ``UnitRegistry`` that
knows the project's units (IU, copies, cells as counts, ``10^9/L``, per
1.73 m², mEq, pack-years, ...). The spellings live in
``resources/units.json``.

A compound unit is atoms joined by ``/`` or ``per`` ("mL/min/1.73 m²",
"mg/kg/day"), optionally after a power of ten ("x10^9/L", "×10⁹/L",
"10*9/L"). Count words in a numerator are dropped ("cells/mm³" -> "/mm³",
"times per week" -> "/week"), except "copies".

Two choices worth knowing:

* ``IU`` is defined as pint's enzyme unit ``U`` (1 µmol/min), so IU/L and U/L
  convert 1:1 as laboratories treat them; nothing converts IU to mass.
* ``mEq`` has its own dimension: converting it to mmol needs the valence,
  which a unit string does not carry, so mEq/L and mmol/L do not convert.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import CriteriaNLPError, ResourceError

__all__ = ["UnitError", "ParsedUnit", "normalize_unit", "parse_unit", "to_pint", "registry", "LOOKALIKES"]


class UnitError(CriteriaNLPError, ValueError):
    """A unit string cannot be interpreted."""


#: One-to-one character substitutions (offsets stay valid): unicode look-alikes of
#: comparators, dashes, micro signs and spaces; a markdown backslash becomes a space.
LOOKALIKES: dict[int, str] = {
    **{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
    **{ord(c): "≥" for c in "≧⩾\u2267"},
    **{ord(c): "≤" for c in "≦⩽\u2266"},
    ord("＞"): ">",
    ord("＜"): "<",
    ord("＝"): "=",
    ord("μ"): "µ",
    ord("Μ"): "µ",
    ord("，"): ",",
    ord("\\"): " ",
    **{ord(c): " " for c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\r\n\x0b\x0c"},
}

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


class _Atom(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display: str
    per: str | None = None
    pint: str
    factor: float = 1.0
    aliases: list[str] = Field(min_length=1)


class _UnitsResource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    atoms: list[_Atom]
    count_words: list[str]
    periodic_words: dict[str, str]
    cs_whole: dict[str, str]


class ParsedUnit(BaseModel):
    """A unit split into a power of ten, a numerator and denominators (display forms)."""

    model_config = ConfigDict(frozen=True)

    display: str
    power: int = 0
    numerator: str | None = None
    denominators: tuple[str, ...] = ()
    pint_expression: str
    factor: float = 1.0
    #: a logarithmic unit ("log10 IU/mL": the number is the base-10 logarithm of an amount in IU/mL)
    log: bool = False


def _load_resource() -> _UnitsResource:
    name = "resources/units.json"
    try:
        raw = resources.files("criteria_nlp").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResourceError("X002", record=name) from None
    try:
        return _UnitsResource.model_validate(json.loads(raw))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ResourceError("X001", record=name, detail=str(exc).splitlines()[0]) from None


_RES = _load_resource()
#: alias (lower case) -> atom
ATOMS: dict[str, _Atom] = {}
for _atom in _RES.atoms:
    for _alias in _atom.aliases:
        ATOMS.setdefault(_alias.lower(), _atom)
_BY_DISPLAY: dict[str, _Atom] = {a.display: a for a in _RES.atoms}
_COUNT_WORDS = frozenset(w.lower() for w in _RES.count_words)
_PERIODIC = {k.lower(): v for k, v in _RES.periodic_words.items()}
_CS_WHOLE = dict(_RES.cs_whole)
#: every alias, longest first, for building regular expressions elsewhere
UNIT_ALIASES: tuple[str, ...] = tuple(sorted(ATOMS, key=lambda a: (-len(a), a)))
COUNT_WORDS: tuple[str, ...] = tuple(sorted(_COUNT_WORDS, key=lambda a: (-len(a), a)))
PERIODIC_WORDS: tuple[str, ...] = tuple(sorted(_PERIODIC, key=lambda a: (-len(a), a)))
#: display forms of durations (a value in one of these is a length of time)
DURATION_DISPLAYS = frozenset({"seconds", "minutes", "hours", "days", "weeks", "months", "years"})

_POWER_RE = re.compile(
    r"(?:[x×*]\s{0,3}10\s{0,2}(?:\^|\*\*|\*|e)?|10\s{0,2}(?:\^|\*\*|\*|e|(?=\()))"
    r"\s{0,2}(?:\(\s{0,2})?([0-9]{1,2})(?:\s{0,2}\))?\s{0,3}"
    # a lost superscript: "109/L" is 10^9/L, "103/µL" 10^3/µL (never read as 109 per litre)
    r"|10(9|12)(?=\s{0,2}/\s{0,2}l\b)|10(3)(?=\s{0,2}/\s{0,2}(?:µl|ul|mcl|mm3|mm³)(?![a-z]))"
)
_SUPERSCRIPT_RUN_RE = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SEP_RE = re.compile(r"\s{0,3}(?:/|\bper\b)\s{0,3}")
_ARTICLE_SEP_RE = re.compile(r"\s+(?:a|an|each|every)\s+(?=(?:day|week|month|year|night)s?\b)")
_SPACE_RE = re.compile(r"\s+")
#: "6 log IU/mL", "5 log10 copies/mL": the number is a base-10 logarithm of an amount in the rest
#: (lower case, single spaces: for building regular expressions elsewhere too)
LOG_PREFIX = r"(?:log {0,2}10|log|lg)"
#: how a logarithmic unit is displayed: this, then the display of its linear amount ("log10 IU/mL")
LOG_DISPLAY = "log10 "
_LOG_RE = re.compile(LOG_PREFIX + r" {1,2}(?=\S)")


def _clean(text: str) -> str:
    s = _SUPERSCRIPT_RUN_RE.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPTS), text.translate(LOOKALIKES))
    s = _SPACE_RE.sub(" ", s).strip()
    if s.endswith(".") and s.lower() not in ATOMS:
        s = s[:-1].rstrip()
    return s


def _denominator(atom: _Atom) -> str:
    return atom.per or atom.display


@functools.lru_cache(maxsize=4096)
def parse_unit(text: str) -> ParsedUnit | None:
    """Parse a unit as written into its display form and pint expression, or None."""
    s = _clean(text)
    if not s or len(s) > 60:
        return None
    log = _LOG_RE.match(s.lower())
    if log:
        inner = parse_unit(s[log.end():])
        if inner is None or inner.log:
            return None
        return inner.model_copy(update={"display": LOG_DISPLAY + inner.display, "log": True})
    if s in _CS_WHOLE:
        s = _CS_WHOLE[s]
    low = s.lower()
    power = 0
    m = _POWER_RE.match(low)
    if m and m.end() < len(low):
        power = int(m.group(1) or m.group(2) or m.group(3))
        low = low[m.end():]
    low = _ARTICLE_SEP_RE.sub("/", low)
    periodic: str | None = None
    head, _, last = low.rpartition(" ")
    if last in _PERIODIC and head:
        periodic, low = _PERIODIC[last], head
    elif low in _PERIODIC:
        periodic, low = _PERIODIC[low], ""
    whole = ATOMS.get(low)
    parts = [low] if whole is not None else _SEP_RE.split(low)
    if len(parts) > 4:
        return None
    numerator: _Atom | None = None
    first = parts[0].strip()
    if first in ATOMS:
        numerator = ATOMS[first]
    elif first and first not in _COUNT_WORDS:
        return None
    elif not first and len(parts) == 1 and periodic is None:
        return None
    denominators: list[_Atom] = []
    for part in parts[1:]:
        atom = ATOMS.get(part.strip())
        if atom is None:
            return None
        denominators.append(atom)
    if periodic is not None:
        denominators.append(ATOMS[periodic])
    if numerator is None and not denominators and not power:
        return None
    num_display = numerator.display if numerator is not None else ""
    if numerator is not None and denominators and numerator.per and numerator.display in DURATION_DISPLAYS:
        num_display = numerator.per
    prefix = f"10^{power}" if power else ""
    display = prefix + num_display + "".join("/" + _denominator(d) for d in denominators)
    if prefix and numerator is not None:
        display = prefix + " " + num_display + "".join("/" + _denominator(d) for d in denominators)
    factor = float(10**power) if power else 1.0
    expr = numerator.pint if numerator is not None else "1"
    if numerator is not None:
        factor *= numerator.factor
    for d in denominators:
        expr += f" / ({d.pint})"
        factor /= d.factor
    return ParsedUnit(
        display=display,
        power=power,
        numerator=numerator.display if numerator is not None else None,
        denominators=tuple(_denominator(d) for d in denominators),
        pint_expression=expr,
        factor=factor,
    )


def normalize_unit(text: str) -> str | None:
    """A display form of a unit as written ("umol/l" -> "µmol/L"), or None if unknown."""
    parsed = parse_unit(text)
    return parsed.display if parsed is not None else None


_DEFINITIONS = (
    "international_unit = enzyme_unit = IU",
    "copy = count = copies",
    "beat = count = beats",
    "breath = count = breaths",
    "bpm = beat / minute",
    "equivalent = [equivalent] = Eq",
    "osmole = [osmole] = Osm",
    "pack_year = [pack_year]",
    "high_power_field = [high_power_field] = hpf",
)


@functools.lru_cache(maxsize=1)
def registry() -> Any:
    """The project's one pint ``UnitRegistry`` (built on first use, about a second)."""
    import pint

    ureg: Any = pint.UnitRegistry()
    for line in _DEFINITIONS:
        ureg.define(line)
    return ureg


@functools.lru_cache(maxsize=1024)
def to_pint(unit: str) -> Any:
    """The pint ``Quantity`` one ``unit`` is worth ("10^9/L" -> 1e9 / liter).

    Raises ``UnitError`` (V001) when the unit is not understood or is logarithmic
    ("log10 IU/mL", which no factor converts).
    """
    parsed = parse_unit(unit)
    if parsed is None:
        raise UnitError("V001", record=repr(unit), detail="unknown unit")
    if parsed.log:
        raise UnitError("V001", record=repr(unit), detail="a logarithmic unit has no linear conversion")
    ureg = registry()
    try:
        return ureg.Quantity(parsed.factor, parsed.pint_expression)
    except Exception as exc:  # pint raises several unrelated types for bad expressions
        raise UnitError("V001", record=repr(unit), detail=f"{type(exc).__name__}: {exc}") from None
