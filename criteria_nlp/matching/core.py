"""The three-valued core of matching: truth values (``T``/``F``/``U`` of :mod:`criteria_nlp.cohort`) and
their logic, comparisons with a rule's limits, unit conversion, and when a fact counts (spans and windows)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from ..cohort import Array, F, T, U
from ..schema import Window


@dataclass
class Outcome:
    """What one evaluator says about one patient: the statement's truth and how it was read."""

    holds: int
    fact: str | None = None
    reason: str = ""
    needs: list[str] = field(default_factory=list)
    #: unknown only because some of the record's items could not be coded (a denial may still settle it)
    uncoded: bool = False
    #: true of a rule coded broader than it reads (``Rule.narrower``) because the record names the same kind
    kind_named: bool = False


# --------------------------------------------------------------------------- three-valued helpers


def any3(values: Iterable[int]) -> int:
    """Three-valued OR: true if any is true, else unknown if any is unknown, else false."""
    out = F
    for v in values:
        if v == T:
            return T
        if v == U:
            out = U
    return out


def all3(values: Iterable[int]) -> int:
    """Three-valued AND: false if any is false, else unknown if any is unknown, else true."""
    out = T
    for v in values:
        if v == F:
            return F
        if v == U:
            out = U
    return out


def any3_array(stack: Array) -> Array:
    """Three-valued OR over axis 0 of an int8 array (1 true, 0 false, -1 unknown)."""
    return np.where((stack == T).any(axis=0), T, np.where((stack == U).any(axis=0), U, F)).astype(np.int8)


def all3_array(stack: Array) -> Array:
    """Three-valued AND over axis 0 of an int8 array."""
    return np.where((stack == F).any(axis=0), F, np.where((stack == U).any(axis=0), U, T)).astype(np.int8)


def sig(values: Array) -> Array:
    """Round to 10 significant digits (conversions then compare as written: 1.3 mg/dL is 114.9956 µmol/L exactly)."""
    x = np.asarray(values, dtype=np.float64)
    usable = np.isfinite(x) & (x != 0)
    mag = np.floor(np.log10(np.where(usable, np.abs(x), 1.0)))
    scale = np.power(10.0, 9 - mag)
    out = np.round(np.where(usable, x, 0.0) * scale) / scale
    return np.where(usable, out, x)


def compare(values: Array, op: str | None, low: float | None, high: float | None) -> Array:
    """Three-valued ``values op limit`` (NaN is unknown); an operator this cannot read gives unknown."""
    x = sig(values)
    known = ~np.isnan(x)
    lower = low if low is not None else high
    upper = high if high is not None else low
    if op == ">=" and lower is not None:
        ok = x >= lower
    elif op == ">" and lower is not None:
        ok = x > lower
    elif op == "<=" and upper is not None:
        ok = x <= upper
    elif op == "<" and upper is not None:
        ok = x < upper
    elif op == "=" and low is not None:
        ok = x == low
    elif op == "between" and low is not None and high is not None:
        ok = (x >= min(low, high)) & (x <= max(low, high))
    else:
        return np.full(x.shape, U, dtype=np.int8)
    return np.where(known, ok.astype(np.int8), U).astype(np.int8)


def compare_one(value: float | None, op: str | None, low: float | None, high: float | None) -> int:
    """:func:`compare` for one value."""
    return int(compare(np.array([np.nan if value is None else value]), op, low, high)[0])


def describe_limit(op: str | None, low: float | None, high: float | None, unit: str | None = None) -> str:
    """"≥ 6", "between 14 and 60 years" as a rule states it."""
    u = f" {unit}" if unit else ""
    if op == "between":
        return f"between {_num(low)} and {_num(high)}{u}"
    limit = low if op in (">", ">=", "=") else (high if high is not None else low)
    if limit is None:
        limit = low if low is not None else high
    sym = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}.get(op or "", op or "?")
    return f"{sym} {_num(limit)}{u}"


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:g}"


@functools.lru_cache(maxsize=4096)
def linear(src: str | None, dst: str | None, molar_mass: float | None = None) -> tuple[float, float] | None:
    """(a, b) with ``value_in_dst = a * value_in_src + b``, or None when the units do not convert."""
    from ..units import normalize_unit
    from ..values import canonicalize
    from ..schema import Value

    if dst is None or not dst.strip():
        return (1.0, 0.0) if (src is None or not src.strip()) else None
    if src is None or not src.strip():
        return None
    if src.strip() == dst.strip() or (normalize_unit(src) is not None and normalize_unit(src) == normalize_unit(dst)):
        return (1.0, 0.0)
    v = canonicalize(Value(low=0.0, high=1.0, unit=src, text=""), dst, molar_mass=molar_mass)
    if v.unit_canonical is None or v.low_canonical is None or v.high_canonical is None:
        return None
    return (float(v.high_canonical) - float(v.low_canonical), float(v.low_canonical))


def converter(src: str | None, dst: str | None, molar_mass: float | None = None) -> Callable[[Array], Array] | None:
    """Values in ``src`` -> values in ``dst`` (NaN where undefined), or None when the units do not convert.

    Linear as :func:`linear`; into a logarithmic unit ("log10 IU/mL") from its
    linear amount (IU/mL, or a unit that converts to it) by the base-10
    logarithm (an amount of 0 is minus infinity, below every limit; a negative
    one has none).
    """
    conv = linear(src, dst, molar_mass)
    if conv is not None:
        a, b = conv
        return lambda x: a * x + b
    from ..units import LOG_DISPLAY, parse_unit

    target = parse_unit(dst) if dst else None
    source = parse_unit(src) if src else None
    if target is None or not target.log or source is None or source.log:
        return None
    inner = target.display.removeprefix(LOG_DISPLAY)
    conv = linear(src, inner, molar_mass)
    if conv is None:
        return None
    a, b = conv

    def to_log(x: Array) -> Array:
        amount = a * np.asarray(x, dtype=float) + b
        positive = amount > 0
        return np.where(positive, np.log10(np.where(positive, amount, 1.0)), np.where(amount == 0, -np.inf, np.nan))

    return to_log


# --------------------------------------------------------------------------- time


@dataclass(frozen=True)
class Span:
    """When a fact was true: ``start``/``end`` (None: not known), ``ongoing`` on ``as_of``."""

    start: dt.date | None
    end: dt.date | None
    ongoing: bool
    point: bool = False  # an event (a procedure, a measurement), not a state
    known: bool = True  # False: whether it goes on is not known (a condition of status "unknown")


def window_bounds(window: Window, anchor: dt.date) -> tuple[dt.date | None, dt.date | None] | None:
    """(first day, last day) of a ``within`` window around ``anchor``; None ends are open. None: no window."""
    days = window.duration_days
    delta = dt.timedelta(days=days) if days is not None else None
    direction = window.direction
    if direction == "future":
        return anchor, (anchor + delta) if delta is not None else None
    if direction == "around":
        if delta is None:
            return None
        return anchor - delta, anchor + delta
    if direction == "past" or (direction is None and delta is not None):
        return ((anchor - delta) if delta is not None else None), anchor
    return None


def places_in_time(window: Window | None) -> bool:
    """True when ``window`` places a fact in time (a duration or a direction), not only names an anchor."""
    return window is not None and (window.duration_days is not None or window.direction is not None)


def timing(status: str, window: Window | None, span: Span, as_of: dt.date, anchor: dt.date) -> int:
    """Whether a fact with ``span`` counts for a rule of ``status`` (current/history) with ``window``."""
    if window is not None and places_in_time(window):
        if window.bound == "at_least" and window.duration_days is not None:
            if span.start is None:
                return U
            delta = dt.timedelta(days=window.duration_days)
            if window.direction == "future":
                return T if span.start >= anchor + delta else F
            return T if span.start <= anchor - delta else F
        bounds = window_bounds(window, anchor)
        if bounds is not None:
            return _overlap(span, bounds, as_of)
    if span.start is not None and span.start > as_of:
        return F  # not yet
    if status == "current":
        return T if span.ongoing or span.point else (F if span.known else U)
    return T


def _overlap(span: Span, bounds: tuple[dt.date | None, dt.date | None], as_of: dt.date) -> int:
    w0, w1 = bounds
    start, end = span.start, span.end
    if span.ongoing:
        end = max(end, as_of) if end is not None else as_of
    if span.point and end is None:
        end = start
    if start is not None and (w0 is None or start >= w0) and (w1 is None or start <= w1):
        return T  # it began inside the window
    if start is not None and w1 is not None and start > w1:
        return F
    if end is not None and w0 is not None and end < w0:
        return F
    start_ok = w1 is None or (start is not None and start <= w1) or (start is None and w1 >= as_of)
    end_ok = w0 is None or (end is not None and end >= w0)
    if start_ok and end_ok:
        return T
    return U


def window_text(window: Window | None, anchored: bool, anchor_name: str | None) -> str:
    """How a window was placed, for reasons."""
    if window is None:
        return ""
    where = f" (anchored on {anchor_name})" if anchored and anchor_name else (
        f" (anchored on as_of: the record has no '{anchor_name}' date)" if anchor_name else "")
    return f" {window.text}{where}"


def _in_window(window: Window | None, day: dt.date, anchor: dt.date, as_of: dt.date) -> bool:
    if window is None:
        return True
    if window.bound == "at_least" and window.duration_days is not None:
        return day <= anchor - dt.timedelta(days=window.duration_days)
    bounds = window_bounds(window, anchor)
    if bounds is None:
        return True
    w0, w1 = bounds
    return (w0 is None or day >= w0) and (w1 is None or day <= w1)


def _in_window_many(window: Window, day: Array, as_of: Array) -> Array:
    """:func:`_in_window` for a cohort, whose windows are anchored on each row's as_of."""
    if window.bound == "at_least" and window.duration_days is not None:
        return day <= as_of - np.timedelta64(int(window.duration_days), "D")
    d = window.duration_days
    # date - timedelta(days=182.625) drops the fraction: whole days here too
    delta = np.timedelta64(int(d), "D") if d is not None else None
    direction = window.direction
    if direction == "future":
        ok = day >= as_of
        return ok & (day <= as_of + delta) if delta is not None else ok
    if direction == "around":
        if delta is None:
            return np.ones(day.shape, dtype=bool)
        return (day >= as_of - delta) & (day <= as_of + delta)
    if direction == "past" or (direction is None and delta is not None):
        ok = day <= as_of
        return ok & (day >= as_of - delta) if delta is not None else ok
    return np.ones(day.shape, dtype=bool)
