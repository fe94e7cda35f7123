"""Values, limits and time windows in the text of one criterion.

Pure functions over a string, returning character offsets into it:

* ``find_values(text, start, end)`` -> ``ValueMention`` (a comparison such as
  "≥ 50%", "from 14 to 60 years", "< 2.5 x ULN", "at least 4 of 11").
* ``find_windows(text, start, end)`` -> ``WindowMention`` (a time window such as
  "within the past 6 months", "3 months prior to screening").
* ``canonicalize(value, canonical_unit, molar_mass=...)`` converts a value's
  numbers to a canonical unit (pint, see ``criteria_nlp.units``).
* ``parse_number(text)`` reads one number as written ("1,500", "0,9", "three (3)",
  "twenty-one", "twice", "2.5x", "× 2.5").

Everything is compiled once at import. Matching runs on a same-length copy of
the text (unicode look-alikes folded, markdown backslashes blanked, lower case),
so offsets stay those of the input; every repetition in the expressions is
bounded and every number is read once, so the time is linear in the text.

Decisions, where the text allows more than one reading:

* ``between`` is inclusive; ranges written with strict signs on both sides
  ("1.5 < x < 3") are reported as ``between`` too.
* "N of M" with no comparator ("4 of 11 ACR criteria") reads as ``>=`` N of M:
  classification criteria ask for at least N.
* "ECOG 0 or 1", "grade 0-1", "Class 3 or 4", "class III or IV": ``between`` the
  two; a lone number after class/grade/stage/score words is ``=``.
* Multiples of the limits of normal carry no unit and no ``low``: "≤ 2.5 x ULN"
  is operator "<=", ``uln_multiple`` 2.5; "> ULN" alone is ``uln_multiple`` 1.
* A bare number with a unit ("aspirin 81 mg") is ``=``; a bare duration ("6
  months") is not a value (time windows are ``find_windows``' business), nor is a
  duration with a comparator that sits in a window ("for at least 30 days before").
* Ages: a value after "age"/"aged", or with "older"/"younger", has unit "years"
  when none is written.
* Blood pressure "140/90 mmHg" is one value whose ``low`` is the systolic figure
  (the schema has no field for the second); its text keeps both. "MMSE < 24/30"
  is ``<`` 24 ``of`` 30.
* "at least 60 kg (132 lbs)": the bracketed restatement takes the comparator.
* "of age"/"old" after an age stay out of the span unless a comparator follows
  ("18 years of age or older").
* Windows: ``duration_days`` of a range ("3-6 months") is its longer end; a
  window introduced by a bare "within" is "past" unless the words before it
  speak of the future ("planned ... within 6 months"); "within N days of X" is
  "around"; "for 2 weeks" has no direction. ``anchor`` is one of the normalised
  anchors of the lexicon (the brief's eight, plus "last dose" and "end of
  study"), "day 1"/"visit 2" as written, or, when the text names another event
  ("prior to TAVI procedure"), that event in lower case (up to four words); None
  only when no anchor is stated. Windows without a duration come from a cue and a
  listed anchor ("prior to randomization", "during the study", "since
  diagnosis"); "at screening"/"on Day 1" are time points: no duration, no
  direction, an anchor.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Callable, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ResourceError
from .schema import Value, Window
from .units import (
    COUNT_WORDS,
    DURATION_DISPLAYS,
    LOG_PREFIX,
    LOOKALIKES,
    PERIODIC_WORDS,
    UNIT_ALIASES,
    UnitError,
    normalize_unit,
    parse_unit,
    to_pint,
)

__all__ = [
    "ValueMention",
    "WindowMention",
    "find_values",
    "find_windows",
    "canonicalize",
    "parse_number",
]


@dataclass(frozen=True, slots=True)
class ValueMention:
    """A comparison found in a text: its span (offsets into the text) and its value."""

    start: int
    end: int
    value: Value

    def moved(self, start: int, end: int, text: str) -> "ValueMention":
        """The same value at another span, written ``text`` there."""
        return ValueMention(start, end, self.value.model_copy(update={"text": text}))


@dataclass(frozen=True, slots=True)
class WindowMention:
    """A time window found in a text: its span (offsets into the text) and its window."""

    start: int
    end: int
    window: Window

    def moved(self, start: int, end: int, text: str) -> "WindowMention":
        """The same window at another span, written ``text`` there."""
        return WindowMention(start, end, self.window.model_copy(update={"text": text}))


_Mention = TypeVar("_Mention", ValueMention, WindowMention)


# --------------------------------------------------------------------------- lexicon


class _WindowLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")

    past_adjectives: list[str]
    future_adjectives: list[str]
    prepositions: list[str]
    strong_prepositions: list[str]
    right_cues: dict[str, list[str]]
    cues_taking_anchor: list[str]
    future_context: list[str]
    anchor_only_cues: dict[str, list[str]]
    since: list[str]
    study_period: list[str]
    anchors: dict[str, list[str]]
    day_anchor_words: list[str]
    raw_anchor_stop: list[str]
    raw_anchor_max_words: int
    anchor_tail_qualifiers: list[str]
    anchor_tail_objects: list[str]


class _ValueLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    number_words: dict[str, int]
    tens_words: dict[str, int]
    multiplier_words: dict[str, int]
    comparators: dict[str, list[str]]
    range_openers: list[str]
    age_words: list[str]
    fillers: list[list[str]]
    age_comparator_words: list[str]
    trailing_comparators: dict[str, list[str]]
    bare_value_after: list[str]
    not_value_after: list[str]
    month_names: list[str]
    uln: list[str]
    lln: list[str]
    normal_after_multiplier: list[str]
    limit_qualifiers: list[str]
    normal_operator: list[str]
    window: _WindowLexicon


def _load_lexicon() -> _ValueLexicon:
    name = "resources/value_lexicon.json"
    try:
        raw = resources.files("criteria_nlp").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResourceError("X002", record=name) from None
    try:
        lexicon = _ValueLexicon.model_validate(json.loads(raw))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ResourceError("X001", record=name, detail=str(exc).splitlines()[0]) from None
    ops = {">=", ">", "<=", "<", "="}
    if not set(lexicon.comparators) <= ops or not set(lexicon.trailing_comparators) <= ops:
        raise ResourceError("X001", record=name, detail="comparators must be keyed by >=, >, <=, < or =")
    if set(lexicon.window.right_cues) - {"past", "future", "around"}:
        raise ResourceError("X001", record=name, detail="window.right_cues must be keyed by past, future or around")
    if set(lexicon.window.anchor_only_cues) - {"past", "future", "point"}:
        raise ResourceError("X001", record=name, detail="window.anchor_only_cues must be keyed by past, future or point")
    return lexicon


LEX = _load_lexicon()
_WLEX = LEX.window

# --------------------------------------------------------------------------- helpers

_TOK_RE = re.compile(r"[a-z]+(?:'s)?|[0-9]+(?:[.,][0-9]+)*|[<>=≥≤~≈]+(?:/[<>=≥≤]+)?|[^ a-z0-9]")


def _toks(phrase: str) -> tuple[str, ...]:
    return tuple(_TOK_RE.findall(phrase.translate(LOOKALIKES).lower()))


def _table(entries: dict[str, list[str]]) -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for key, phrases in entries.items():
        for phrase in phrases:
            table.setdefault(_toks(phrase), key)
    return table


def _alt(phrases: list[str] | tuple[str, ...], *, gap: str = " {1,3}") -> str:
    """A regex alternation of phrases, longest first, any short run of spaces between words."""
    parts = sorted({p.lower() for p in phrases}, key=lambda p: (-len(p), p))
    return "(?:" + "|".join(gap.join(re.escape(w) for w in p.split()) for p in parts) + ")"


class _Spans:
    """Non-overlapping spans, sorted, with a logarithmic overlap test."""

    def __init__(self, spans: Any = ()) -> None:
        pairs = sorted(spans)
        self.starts = [a for a, _ in pairs]
        self.ends = [b for _, b in pairs]

    def overlaps(self, s: int, e: int) -> bool:
        """Whether ``[s, e)`` overlaps a span (the one starting last before ``e``, or the one before it)."""
        k = bisect.bisect_left(self.starts, e) - 1
        return (k >= 0 and self.ends[k] > s) or (k >= 1 and self.ends[k - 1] > s)

    def add(self, s: int, e: int) -> None:
        """Insert a span."""
        k = bisect.bisect_left(self.starts, s)
        self.starts.insert(k, s)
        self.ends.insert(k, e)


class _Index:
    """Phrase table (token tuples) indexed by last token, for longest-suffix lookup."""

    def __init__(self, keys: Any) -> None:
        self.keys = frozenset(keys)
        lengths: dict[str, set[int]] = {}
        for k in self.keys:
            lengths.setdefault(k[-1], set()).add(len(k))
        self.lengths = {t: tuple(sorted(ls, reverse=True)) for t, ls in lengths.items()}

    def suffix(self, words: list[str], j: int) -> int:
        """Length of the longest suffix of ``words[:j]`` that is a phrase (0 if none)."""
        if not j:
            return 0
        for k in self.lengths.get(words[j - 1], ()):
            if k <= j and tuple(words[j - k:j]) in self.keys:
                return k
        return 0


def _space_key(text: str) -> str:
    return " ".join(text.split())


_COMPARATORS = _table(LEX.comparators)
_OPENERS = {_toks(p) for p in LEX.range_openers}
_FILLERS = sorted((tuple(f) for f in LEX.fillers), key=len, reverse=True)
_AGE_WORDS = {_toks(p) for p in LEX.age_words}
_FILLER_LAST = frozenset(f[-1] for f in _FILLERS)
_AGE_COMPARATOR_WORDS = frozenset(LEX.age_comparator_words)
_BARE_AFTER = {_toks(p) for p in LEX.bare_value_after}
_NOT_VALUE_AFTER = frozenset(LEX.not_value_after)
_MONTHS = frozenset(LEX.month_names)
_LIMIT_QUALIFIERS = frozenset(LEX.limit_qualifiers)
_COMP_INDEX = _Index(_COMPARATORS)
_OPENER_INDEX = _Index(_OPENERS)
_BARE_INDEX = _Index(_BARE_AFTER)
_AGE_INDEX = _Index(_AGE_WORDS)
_TRAILING = {_space_key(p): op for op, ps in LEX.trailing_comparators.items() for p in ps}
_BARE_GLUE = frozenset({":", "of", "is", "=", "-", "("})
_WINDOW_PREP_TOKENS = frozenset(
    {"within", "for", "during", "over", "in", "past", "last", "previous", "preceding", "throughout", "since", "recent", "prior"}
)

_ONES = {k: v for k, v in LEX.number_words.items() if 1 <= v <= 9 and " " not in k}
_WORD_VALUES: dict[str, float] = {k: float(v) for k, v in LEX.number_words.items()}
_WORD_VALUES.update({k: float(v) for k, v in LEX.tens_words.items()})
for _t, _tv in LEX.tens_words.items():
    for _o, _ov in _ONES.items():
        _WORD_VALUES[f"{_t}-{_o}"] = float(_tv + _ov)
        _WORD_VALUES[f"{_t} {_o}"] = float(_tv + _ov)
_MULT_WORDS = {k: float(v) for k, v in LEX.multiplier_words.items()}

_TENS_ALT = _alt(list(LEX.tens_words))
_ONES_ALT = _alt(list(_ONES))
_PLAIN_WORDS_ALT = _alt(list(LEX.number_words))
_WORDNUM = rf"(?:{_TENS_ALT}(?:[- ]{_ONES_ALT})?|{_PLAIN_WORDS_ALT})"
_MULTNUM = _alt(list(_MULT_WORDS))

_DIGITS = (
    r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]{1,12})?"
    r"|[1-9][0-9]{0,2}(?: [0-9]{3})+(?![0-9.,])"
    r"|[0-9]{1,15}(?:[.,][0-9]{1,12})?"
    r"|\.[0-9]{1,12})"
)


def _trie(words: list[str]) -> str:
    """An alternation grouped by first letter (much faster to scan than a flat one)."""
    groups: dict[str, list[str]] = {}
    for w in sorted(set(words), key=lambda x: (-len(x), x)):
        groups.setdefault(w[0], []).append(w[1:])
    return "(?:" + "|".join(
        re.escape(k) + "(?:" + "|".join(re.escape(r) for r in rest) + ")" for k, rest in sorted(groups.items())
    ) + ")"


_NUMBER_WORD_STARTS = _trie([*LEX.number_words, *LEX.tens_words, *_MULT_WORDS])
#: where numbers may start: a digit, or a number word after a non-word character
_DIGIT_RE = re.compile(r"[0-9][0-9.,]*")
_WORD_CAND_RE = re.compile(rf"[ (\-/\[,;:](?={_NUMBER_WORD_STARTS}(?![a-z]))")
_WORD_AT0_RE = re.compile(rf"{_NUMBER_WORD_STARTS}(?![a-z])")
#: a number glued to one of these is part of something else ("HbA1c", "10^9", "v2.1")
_NOT_BEFORE_NUMBER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.^*µ")
_NUM_AT_RE = re.compile(rf"(?P<neg>-)?(?P<d>{_DIGITS})(?![0-9])|(?P<w>{_WORDNUM}|{_MULTNUM})(?![a-z])")
_THOUSANDS_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[1-9][0-9]{0,2}(?: [0-9]{3})+")

# units after a number
_ATOM = "(?:" + "|".join(re.escape(a).replace(r"\ ", " {1,2}") for a in UNIT_ALIASES) + r")(?![a-z0-9µ])"
_POWER = (
    r"(?:[x×*] {0,3}10 {0,2}(?:\^|\*\*|\*|e)? {0,2}(?:\( {0,2})?(?:[0-9]{1,2}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})(?: {0,2}\))?"
    r"|10 {0,2}(?:(?:\^|\*\*|\*|e) {0,2}(?:\( {0,2})?[0-9]{1,2}(?: {0,2}\))?|\( {0,2}[0-9]{1,2} {0,2}\)|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})"
    r"|(?<= )10(?:9|12)(?= {0,2}/ {0,2}l(?![a-z]))|(?<= )103(?= {0,2}/ {0,2}(?:µl|ul|mcl|mm3|mm³)(?![a-z])))"
)
_COUNTW = _alt(list(COUNT_WORDS))
_SEP = r" {0,3}(?:/|per(?![a-z])|an?(?= {1,3}(?:day|week|month|year|night))|each(?= )|every(?= )) {0,3}"
_PERIODIC = r"(?: {1,3}" + _alt(list(PERIODIC_WORDS)) + r"(?![a-z]))"
_UNIT_RE = re.compile(
    rf" {{0,3}}(?:-(?=[a-zµ%]))?(?P<u>(?:{LOG_PREFIX} {{1,2}}(?=[a-zµ%/0-9]))?(?:"
    rf"{_POWER} {{0,3}}(?:{_COUNTW} {{0,3}})?{_SEP}{_ATOM}(?:{_SEP}{_ATOM}){{0,3}}"
    rf"|(?:{_COUNTW} {{0,3}})?{_SEP}{_ATOM}(?:{_SEP}{_ATOM}){{0,3}}"
    rf"|{_ATOM}(?:{_SEP}{_ATOM}){{0,3}}{_PERIODIC}?"
    rf"|(?:{_COUNTW} {{0,3}})?" + _alt(list(PERIODIC_WORDS)) + r"(?![a-z])"
    r"))"
)

_LIMITQ = r"(?:" + _alt(sorted(_LIMIT_QUALIFIERS)) + r" {1,3}){0,3}"
_ULN_RE = re.compile(
    r"(?P<mult> {0,3}(?:x|×|\*|times|-times|-fold|fold|-x))?"
    rf" {{0,3}}{_LIMITQ}(?:(?P<uln>{_alt(LEX.uln)})|(?P<lln>{_alt(LEX.lln)})|(?P<nrm>{_alt(LEX.normal_after_multiplier)}))(?![a-z])"
    r"(?: {0,2}\( {0,2}(?:uln|lln|unl) {0,2}\))?"
)
_ULN_ONLY_RE = re.compile(
    rf"\b(?:(?P<uln>{_alt(LEX.uln)})|(?P<lln>{_alt(LEX.lln)}))(?![a-z])(?: {{0,2}}\( {{0,2}}(?:uln|lln|unl) {{0,2}}\))?"
)
_NORMAL_OP_RE = re.compile(rf"\b{_alt(LEX.normal_operator)}(?![a-z])")
_TRAIL_RE = re.compile(
    r"(?P<plus>\+)(?![0-9])|" rf" {{0,3}},? {{0,2}}(?P<t>{_alt([p for p in _TRAILING if p != '+'])})(?![a-z])"
)
#: "under 20 *or over 50*": the words begin the next comparison, they do not close this one
_TRAIL_THEN_NUMBER_RE = re.compile(r" {0,3}(?:than {1,3}|to {1,3}|equal {1,3}to {1,3}|the {1,3}age {1,3}of {1,3})?\.?[0-9]")
_PREDICTED_RE = re.compile(
    r" {0,2}(?:of {1,2})?(?:the {1,2})?(?:predicted|pred\.?)(?: {1,2}(?:normal(?: {1,2}values?)?|values?))?(?![a-z])"
)
_SYSDIA_RE = re.compile(r" {0,2}(?:systolic|diastolic)(?![a-z])")
_AGE_AFTER_RE = re.compile(r" {0,3}(?:of {1,3}age|old|in {1,3}age)(?![a-z])")
_OF_RE = re.compile(r" {0,3}(?:out {1,3})?of {1,3}(?:the {1,3})?(?:following {1,3})?(?=[0-9a-z])")
_INCL_RE = re.compile(r" {0,2},? {0,2}(?:\( {0,2}inclusive(?:ly)? {0,2}\)|inclusive(?:ly)?)(?![a-z])")
_RANGE_CONN_RE = re.compile(r" {0,3}(?P<c>-{1,2}|~|to|through|thru|and|or|until) {0,3}")
_ENUM_RE = re.compile(r" {0,2}(?:, {0,2}(?:(?:or|and) {1,3})?|(?:or|and) {1,3})(?=[0-9])")
_BOTH_RE = re.compile(
    r" {0,3}(?P<c1><=|=<|≤|<|>=|=>|≥|>) {0,3}[a-z][a-z0-9\-]{0,20}(?: {1,2}[a-z][a-z0-9\-]{0,20}){0,2} {0,3}(?P<c2><=|=<|≤|<|>=|=>|≥|>) {0,3}"
)
_ECHO_RE = re.compile(r" {0,2}\( {0,2}([0-9]{1,4}) {0,2}\)")
_DATE_RE = re.compile(r"[0-9]{1,4}([-/.])[0-9]{1,2}\1[0-9]{1,4}(?![0-9])")
_SLASH_RE = re.compile(r" ?/ ?([0-9]{1,3})(?![0-9.,])")
_EXPONENT_RE = re.compile(r"\^|\*\*?[0-9]|[⁰¹²³⁴⁵⁶⁷⁸⁹]|e[0-9+\-]|:[0-9]|(?:st|nd|rd|th)(?![a-z])")
_UNIT_START = frozenset("%/°º℃℉µ×*-")
_RANGE_START = frozenset("-~taou")
#: after a number, one of these ends the value expression at once
_STOP_AFTER_NUMBER = frozenset(".;:)]}\"'!?")
_BP_WORDS = frozenset(
    {"bp", "sbp", "dbp", "pressure", "bloodpressure", "hypertension", "sitting", "seated", "supine", "systolic", "diastolic"}
)
_WINDOW_AFTER_RE = re.compile(
    r" {0,3}(?:prior|before|after|ago|preceding|following|earlier|later|previously|post|since)(?![a-z])"
)

_ROMAN_VALUES = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_ROMAN = r"(?:viii|vii|vi|iv|ix|iii|ii|i|v|x)"
_ROMAN_RE = re.compile(
    r"(?:(?P<cmp0>>=|<=|≥|≤|>|<) {0,3})?\b(?:functional {1,3}class|class(?:es)?|grades?|stages?|nyha|tanner|gold)"
    r"(?: {1,3}(?:class|grade|stage))?(?: {0,3}(?:of|:|=|is))? {0,3}"
    r"(?P<cmp>>=|<=|≥|≤|>|<)? {0,3}"
    rf"(?P<r1>{_ROMAN})(?![a-z0-9])"
    rf"(?:(?P<c> {{0,3}}(?:-|to|or|through|and|/|,) {{0,3}})(?P<r2>{_ROMAN})(?![a-z0-9]))?"
)


class _Left(NamedTuple):
    op: str | None
    start: int | None
    opener: int | None
    age: bool
    window_prep: bool
    skip: bool
    bare: bool
    bp: bool


_NO_LEFT = _Left(None, None, None, False, False, False, False, False)


def _number_value(s: str) -> float | None:
    """Value of a digit string as matched by ``_DIGITS`` (thousands or decimal comma)."""
    if _THOUSANDS_RE.fullmatch(s):
        return float(s.replace(",", "").replace(" ", ""))
    try:
        return float(s.replace(",", "."))
    except ValueError:
        return None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(x, 6))


# --------------------------------------------------------------------------- text preparation


class _Segment(NamedTuple):
    base: int
    cased: str
    low: str
    #: sorted start offsets of candidate numbers (digits, number words)
    numbers: tuple[int, ...]
    #: the segment as given (line breaks kept)
    raw: str


_ASCII_FOLD_RE = re.compile(r"[\\\t\r\n\x0b\x0c]")


def _prepare_uncached(text: str, start: int, end: int | None) -> _Segment:
    n = len(text)
    s = min(max(0, start), n)
    e = n if end is None else min(max(s, end), n)
    seg = text[s:e]
    if not seg.isascii():
        cased = seg.translate(LOOKALIKES)
    elif "\r" in seg or "\n" in seg or "\t" in seg or "\\" in seg or "\x0b" in seg or "\x0c" in seg:
        cased = _ASCII_FOLD_RE.sub(" ", seg)
    else:
        cased = seg
    low = cased.lower()
    if len(low) != len(cased):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in cased)
    # a number starts at a digit, or at a point before one (".5") when no word or number precedes
    numbers = [
        i - 1 if i and low[i - 1] == "." and (i < 2 or not low[i - 2].isalnum()) else i
        for i in (m.start() for m in _DIGIT_RE.finditer(low))
    ]
    words = [m.start() + 1 for m in _WORD_CAND_RE.finditer(low)]
    if _WORD_AT0_RE.match(low):
        words.insert(0, 0)
    if words:
        numbers = sorted(numbers + words)
    return _Segment(s, cased, low, tuple(numbers), seg)


_cache: dict[tuple[int, int, int | None], tuple[str, _Segment]] = {}


def _prepare(text: str, start: int, end: int | None) -> _Segment:
    """The lower-cased, look-alike-folded segment and its number candidates (the last few cached)."""
    key = (id(text), start, end)
    hit = _cache.get(key)
    if hit is not None and hit[0] is text:
        return hit[1]
    seg = _prepare_uncached(text, start, end)
    if len(_cache) >= 8:
        _cache.clear()
    _cache[key] = (text, seg)
    return seg


def _left_tokens(low: str, lo: int, i: int) -> list[str]:
    """The tokens of ``low[lo:i]`` (of its last 48 characters at most; no word cut in two)."""
    a = max(lo, i - 48)
    words: list[str] = _TOK_RE.findall(low, a, i)
    if words and a > lo and low[a - 1].isalnum() and low[a] != " ":
        del words[0]
    return words


def _start_of(low: str, words: list[str], idx: int, i: int) -> int:
    """Offset of ``words[idx]`` in ``low`` (tokens are contiguous but for spaces, and end at ``i``)."""
    pos = i
    for w in reversed(words[idx:]):
        pos = low.rfind(w, 0, pos)
    return pos


# --------------------------------------------------------------------------- values


class _ValueParser:
    """Finds values in one prepared segment; offsets are segment-relative until the end."""

    def __init__(self, seg: _Segment) -> None:
        self.base = seg.base
        self.cased = seg.cased
        self.low = seg.low
        self.numbers = seg.numbers
        self.raw = seg.raw
        self.n = len(seg.low)
        self.out: list[tuple[int, int, dict[str, Any]]] = []
        self.last_end = 0
        self.spans: _Spans | None = None

    # -- pieces
    def left(self, i: int, lo: int) -> _Left:
        words = _left_tokens(self.low, lo, i)
        j = len(words)
        if not j:
            return _NO_LEFT
        last = words[-1]
        skip = last in _NOT_VALUE_AFTER or last in _MONTHS or last == "#"
        if last == "-" and j >= 2 and words[-2].isalpha() and self.low[i - 1] == "-":
            skip = True  # "IL-6", "COVID-19"
        b = j
        while b and words[b - 1] in _BARE_GLUE:
            b -= 1
        kb = _BARE_INDEX.suffix(words, b)
        bare = kb > 0
        age = False
        if last in _FILLER_LAST:
            for filler in _FILLERS:
                k = len(filler)
                if j >= k and last == filler[-1] and tuple(words[j - k:j]) == filler:
                    j -= k
                    age = age or "age" in filler
                    break
        op: str | None = None
        op_start: int | None = None
        opener: int | None = None
        k = _COMP_INDEX.suffix(words, j)
        if k:
            key = tuple(words[j - k:j])
            op = _COMPARATORS[key]
            op_start = _start_of(self.low, words, j - k, i)
            age = age or not _AGE_COMPARATOR_WORDS.isdisjoint(key)
            j -= k
        else:
            k = _OPENER_INDEX.suffix(words, j)
            if k:
                opener = _start_of(self.low, words, j - k, i)
                age = age or "age" in words[j - k:j] or "aged" in words[j - k:j]
                j -= k
        if op is None and opener is None and bare and j == len(words) and b - kb > 0:
            # "≤ Grade 1", "> grade 3": the comparator stands before the score's name
            k = _COMP_INDEX.suffix(words, b - kb)
            if k:
                op = _COMPARATORS[tuple(words[b - kb - k:b - kb])]
                op_start = _start_of(self.low, words, b - kb - k, i)
        if j and _AGE_INDEX.suffix(words, j):
            age = True
        window_prep = bool(j) and words[j - 1] in _WINDOW_PREP_TOKENS
        return _Left(op, op_start, opener, age, window_prep, skip, bare, False)

    def nc(self, pos: int) -> tuple[str, int]:
        """The next character after at most three spaces from ``pos``, and its offset."""
        low = self.low
        n = self.n
        if pos >= n:
            return "", pos
        c = low[pos]
        if c != " ":
            return c, pos
        k = pos + 1
        lim = pos + 4 if pos + 4 < n else n
        while k < lim and low[k] == " ":
            k += 1
        return (low[k] if k < n else ""), k

    def trail_at(self, pos: int) -> re.Match[str] | None:
        """A comparator after the number ("or more", "and older", "+"), unless it opens the next one."""
        t = _TRAIL_RE.match(self.low, pos)
        if t and t.group("t"):
            after = _TRAIL_THEN_NUMBER_RE.match(self.low, t.end())
            if after and "\n" not in self.raw[t.end():after.end()]:
                return None
        return t

    def unit_at(self, pos: int, next_char: tuple[str, int] | None = None) -> tuple[str | None, int]:
        c, k = next_char if next_char is not None else self.nc(pos)
        if not c or not (
            c.isalpha() or c in _UNIT_START or (c.isdigit() and self.low.startswith(("10", "24", "1.73", "1,73"), k))
        ):
            return None, pos
        m = _UNIT_RE.match(self.low, pos)
        if not m:
            return None, pos
        written = self.cased[m.start("u"):m.end("u")]
        display = normalize_unit(written)
        if display is None:
            return None, pos
        return display, m.end()

    def number_at(self, pos: int, *, signed: bool = False) -> tuple[float, int, int, bool] | None:
        """(value, start, end, is_multiplier_word) of a number starting at ``pos``."""
        m = _NUM_AT_RE.match(self.low, pos)
        if not m or (m.group("neg") and not signed):
            return None
        if m.group("d") is not None:
            v = _number_value(m.group("d"))
            if v is None:
                return None
            return (-v if m.group("neg") else v), m.start(), m.end(), False
        w = _space_key(m.group("w").replace("-", "- ")).replace("- ", "-")
        if w in _MULT_WORDS:
            return _MULT_WORDS[w], m.start(), m.end(), True
        v2 = _WORD_VALUES.get(w)
        if v2 is None:
            return None
        end = m.end()
        echo = _ECHO_RE.match(self.low, end)
        if echo and float(echo.group(1)) == v2:
            end = echo.end()
        return v2, m.start(), end, False

    # -- main
    def run(self) -> list[tuple[int, int, dict[str, Any]]]:
        low = self.low
        if "class" in low or "grade" in low or "stage" in low or "nyha" in low or "tanner" in low or "gold" in low:
            self.romans()
        romans = sorted((s, e) for s, e, _ in self.out)
        self.last_end = 0
        ri = 0
        roman_lo = 0
        pos = 0
        for i in self.numbers:
            if i < pos:
                continue
            m = _NUM_AT_RE.match(low, i)
            if m is None or m.group("neg"):
                continue
            if i and (low[i - 1] in _NOT_BEFORE_NUMBER or (m.group("w") is not None and low[i - 1].isalpha())):
                continue
            while ri < len(romans) and romans[ri][1] <= i:
                roman_lo = romans[ri][1]
                ri += 1
            if ri < len(romans) and romans[ri][0] <= i:
                pos = romans[ri][1]
                continue
            nxt = self.parse_at(m, max(roman_lo, self.last_end))
            pos = max(nxt, m.end())
        if "uln" in low or "unl" in low or "lln" in low or "limit" in low:
            self.uln_only()
        if "normal" in low or "wnl" in low or "reference" in low:
            self.normal_ops()
        return self.out

    def add(self, s: int, e: int, **fields: Any) -> None:
        self.out.append((s, e, fields))
        self.last_end = max(self.last_end, e)

    def parse_at(self, m: re.Match[str], lo: int) -> int:
        low = self.low
        i = m.start()
        mult_word = False
        if m.group("d") is not None:
            raw = m.group("d")
            end = m.end()
            if end < self.n and low[end] in "-/.":
                date = _DATE_RE.match(low, i)
                if date:
                    return date.end()
            if " " in raw and raw[-3:] in {"103", "106", "109"} and low[end:end + 2].lstrip().startswith("/"):
                end = i + raw.index(" ")  # "100 109/L": a lost superscript, not 100 109
                raw = raw[: raw.index(" ")]
            if "," in raw and not _THOUSANDS_RE.fullmatch(raw):
                # decimal comma only where a unit follows ("0,9%", "7,0 mM"); else a list ("0,1")
                if self.unit_at(end)[0] is None:
                    end = i + raw.index(",")
                    raw = raw[: raw.index(",")]
            v = _number_value(raw)
            if v is None:
                return end
            nxt_char = low[end] if end < self.n else ""
            if _EXPONENT_RE.match(low, end):
                return end
            if nxt_char.isalpha() and nxt_char not in "x×" and self.unit_at(end)[0] is None:
                return end  # "2k", "1c", an identifier
            if nxt_char == "/" or (nxt_char == " " and low.startswith(" /", end)):
                sl = _SLASH_RE.match(low, end)
                if sl:
                    return self.slash(i, end, v, sl, lo)
            if i > 0 and low[i - 1] == "-" and (i - 1 == lo or low[i - 2] in " (<>=≤≥:/"):
                if not (i >= 3 and low[i - 2] == " " and low[i - 3].isdigit()):
                    v = -v
                    i -= 1
            if i > 0 and low[i - 1] == "/":
                return end
        else:
            w = _space_key(m.group("w").replace("-", "- ")).replace("- ", "-")
            if w in _MULT_WORDS:
                v, mult_word = _MULT_WORDS[w], True
            else:
                v = _WORD_VALUES.get(w, math.nan)
            end = m.end()
            echo = _ECHO_RE.match(low, end)
            if echo and float(echo.group(1)) == v:
                end = echo.end()
        if math.isnan(v):
            return end
        left = self.left(i, lo)
        if left.skip:
            return end
        return self.tail(i, end, v, left, mult_word)

    def slash(self, i: int, end: int, v: float, sl: re.Match[str], lo: int) -> int:
        """"140/90 mmHg" (blood pressure) or a fraction/date, which is not a value."""
        unit, uend = self.unit_at(sl.end())
        left = self.left(i, lo)
        if left.skip:
            return sl.end()
        w = float(sl.group(1))
        plausible = 60 <= v <= 260 and 30 <= w <= 160 and v > w
        bp = plausible and (left.op is not None or not _BP_WORDS.isdisjoint(_left_tokens(self.low, lo, i)[-6:]))
        if unit == "mmHg" or (bp and unit is None):
            op = left.op
            tend = uend if unit == "mmHg" else sl.end()
            t = self.trail_at(tend)
            if op is None and t:
                op = ">=" if t.group("plus") else _TRAILING[_space_key(t.group("t"))]
                tend = t.end()
            s = left.start if left.op is not None and left.start is not None else i
            self.add(s, tend, operator=op or "=", low=v, unit="mmHg")
            return tend
        if left.op is not None and left.start is not None and unit is None and v.is_integer() and w >= v:
            # "MMSE < 24/30", "visual acuity < 20/70": N out of M
            self.add(left.start, sl.end(), operator=left.op, low=v, of=w)
        return sl.end()

    def tail(self, i: int, end: int, v: float, left: _Left, mult_word: bool) -> int:
        low = self.low
        pos = end
        op = left.op
        lo_v: float | None = v
        hi_v: float | None = None
        unit: str | None = None
        is_range = False
        start = left.start if left.op is not None and left.start is not None else i

        c, k = self.nc(pos)
        if not c or c in _STOP_AFTER_NUMBER:
            return self.finish(i, end, v, left, mult_word, start, (None, end))
        # both sides: "1.5 < x < 3", "18 <= age <= 65"
        both = _BOTH_RE.match(low, pos) if c in "<>≤≥=" else None
        if both and op is None and ((both.group("c1")[0] in "<≤") == (both.group("c2")[0] in "<≤")):
            n2 = self.number_at(both.end(), signed=True)
            if n2 is not None:
                lo_v, hi_v = min(v, n2[0]), max(v, n2[0])
                pos = n2[2]
                unit, pos = self.unit_at(pos)
                self.add(i, pos, operator="between", low=lo_v, high=hi_v, unit=unit)
                return pos

        # ranges: "18-65", "18 to 65 years", "between 18 and 65", "0 or 1", "0, 1 or 2"
        u1, upos = self.unit_at(pos, (c, k))
        rng = _RANGE_CONN_RE.match(low, upos) if (c if upos == pos else self.nc(upos)[0]) in _RANGE_START else None
        if rng and not mult_word:
            conn = rng.group("c")
            n2 = self.number_at(rng.end(), signed=conn in {"and", "to"} and left.opener is not None)
            if n2 is not None and not n2[3] and not _EXPONENT_RE.match(low, n2[2]) and not (
                low[n2[2]:n2[2] + 1] == "/" and low[n2[2] + 1:n2[2] + 2].isdigit()
            ):
                w2 = n2[0]
                ok = False
                if conn in {"-", "--", "~", "to", "through", "thru", "until"}:
                    ok = w2 > v or (conn == "to" and left.opener is not None)
                elif conn == "and":
                    ok = left.opener is not None and low[left.opener:left.opener + 7] != "from"
                elif conn == "or":
                    ok = v.is_integer() and w2.is_integer() and 0 < w2 - v <= 2 and w2 <= 10 and u1 is None
                if ok and conn == "-" and low[upos:rng.end()] == "-" and self.number_at(n2[2]) is None:
                    nxt = low[n2[2]:n2[2] + 1]
                    if nxt == "-" and _NUM_AT_RE.match(low, n2[2] + 1):
                        ok = False  # "1-2-3", a code
                if ok:
                    is_range = True
                    lo_v, hi_v = min(v, w2), max(v, w2)
                    pos = n2[2]
                    u2, pos = self.unit_at(pos)
                    unit = u2 or u1
                    if left.opener is not None:
                        op = None
                        # "from 14 to 60", "between 18 and 65"; but "from 30-80 years" -> "30-80 years"
                        if conn not in {"-", "--", "~"} or not low.startswith("from", left.opener):
                            start = left.opener
        if not is_range and v.is_integer() and v <= 10 and not mult_word and (c if pos == end else self.nc(pos)[0]) in ",oa":
            enum = self.enumeration(pos, v, left)
            if enum is not None:
                lo_v, hi_v, pos = v, enum[0], enum[1]
                is_range = True
                unit, pos = self.unit_at(pos)
                if left.opener is not None:
                    start = left.opener
                    op = None

        if is_range:
            if left.op is not None and left.opener is None:
                start = i  # "> 18-65"? keep the range, drop the sign
            incl = _INCL_RE.match(low, pos) if self.nc(pos)[0] in ",(i" else None
            if incl:
                pos = incl.end()
            if unit is None and left.age:
                unit = "years"
            if unit in DURATION_DISPLAYS and left.window_prep:
                return pos
            if unit in DURATION_DISPLAYS and _WINDOW_AFTER_RE.match(low, pos):
                return pos
            self.add(start, pos, operator="between", low=lo_v, high=hi_v, unit=unit)
            return pos

        return self.finish(i, pos, v, left, mult_word, start, (u1, upos))

    def finish(
        self, i: int, end: int, v: float, left: _Left, mult_word: bool, start: int,
        unit_found: tuple[str | None, int] | None = None,
    ) -> int:
        """A single number: a multiple of a limit of normal, or a value with unit, comparator, 'of'."""
        low = self.low
        pos = end
        op = left.op
        lo_v: float | None = v
        uln: float | None = None
        lln: float | None = None
        of: float | None = None
        c = self.nc(pos)[0]
        # multiples of the limits of normal
        lim = _ULN_RE.match(low, pos) if c.isalpha() or c in "×*-" else None
        if lim and (lim.group("nrm") is None or lim.group("mult") or mult_word):
            pos = lim.end()
            if lim.group("lln"):
                lln = v
            else:
                uln = v
            t = self.trail_at(pos)
            if op is None and t:
                op = ">=" if t.group("plus") else _TRAILING[_space_key(t.group("t"))]
                pos = t.end()
            self.add(start, pos, operator=op or "=", uln_multiple=uln, lln_multiple=lln)
            return pos

        unit, pos = unit_found if unit_found is not None else self.unit_at(pos)
        if unit == "%" or unit == "mmHg":
            suffix = (_PREDICTED_RE if unit == "%" else _SYSDIA_RE).match(low, pos)
            if suffix:
                pos = suffix.end()
        c = self.nc(pos)[0]
        age_after = _AGE_AFTER_RE.match(low, pos) if c == "o" or c == "i" else None
        age = left.age or age_after is not None
        # "of age"/"old" stay out of the span unless a comparator follows them
        if age_after:
            c = self.nc(age_after.end())[0]
        t = self.trail_at(age_after.end() if age_after else pos) if c and c in "+,oa&" else None
        trail_op: str | None = None
        if t and not (t.group("plus") and unit is not None):
            trail_op = ">=" if t.group("plus") else _TRAILING[_space_key(t.group("t"))]
            pos = t.end()
            age = age or any(w in t.group(0) for w in _AGE_COMPARATOR_WORDS)
            if unit is None:
                unit, pos = self.unit_at(pos)
                age = age or _AGE_AFTER_RE.match(low, pos) is not None
            c = self.nc(pos)[0]
        if op is None:
            op = trail_op
        if op is None and age_after is not None and unit in {None, "years"}:
            op = "="  # "65 years old"
        ofm = _OF_RE.match(low, pos) if unit is None and c == "o" and v.is_integer() else None
        if ofm:
            n2 = self.number_at(ofm.end())
            if n2 is not None and n2[0].is_integer() and n2[0] >= v and not n2[3]:
                of = n2[0]
                pos = n2[2]
                if op is None:
                    op = ">="
        if unit is None and age and of is None:
            unit = "years"
        if op is None:
            if of is not None or left.bare:
                op = "="
            elif unit is not None and unit not in DURATION_DISPLAYS and not mult_word:
                op = "="
            else:
                return pos if trail_op else end
        if unit in DURATION_DISPLAYS and (left.window_prep or _WINDOW_AFTER_RE.match(low, pos)):
            return pos
        self.add(start, pos, operator=op, low=lo_v, unit=unit, of=of)
        return pos

    def enumeration(self, pos: int, v: float, left: _Left) -> tuple[float, int] | None:
        """'0, 1 or 2' / '0,1' (consecutive integers) -> (last, end) when the context allows a list."""
        low = self.low
        prev = v
        p = pos
        count = 0
        saw_or = False
        while count < 6:
            m = _ENUM_RE.match(low, p)
            if not m:
                break
            n2 = self.number_at(m.end())
            if n2 is None or n2[3] or n2[0] != prev + 1 or _NUM_AT_RE.match(low, n2[2]) or low[n2[2]:n2[2] + 1] in {".", ","} and low[n2[2] + 1:n2[2] + 2].isdigit():
                break
            saw_or = saw_or or "or" in m.group(0) or "and" in m.group(0)
            prev = n2[0]
            p = n2[2]
            count += 1
        if count == 0:
            return None
        if not (saw_or or left.bare):
            return None
        return prev, p

    def romans(self) -> None:
        for m in _ROMAN_RE.finditer(self.low):
            r1 = _ROMAN_VALUES[m.group("r1")]
            cmp = m.group("cmp") or m.group("cmp0")
            op = None
            if cmp:
                op = {"≥": ">=", "≤": "<=", "=>": ">=", "=<": "<="}.get(cmp, cmp)
            s = m.start("cmp") if m.group("cmp") else m.start() if m.group("cmp0") else m.start("r1")
            if m.group("r2") and _ROMAN_VALUES[m.group("r2")] > r1:
                self.add(s, m.end(), operator="between", low=float(r1), high=float(_ROMAN_VALUES[m.group("r2")]))
                continue
            end = m.end("r1")
            t = self.trail_at(end)
            if op is None and t and not t.group("plus"):
                op = _TRAILING[_space_key(t.group("t"))]
                end = t.end()
            self.add(s, end, operator=op or "=", low=float(r1))

    def covered(self, s: int, e: int) -> bool:
        if self.spans is None:
            self.spans = _Spans((a, b) for a, b, _ in self.out)
        return self.spans.overlaps(s, e)

    def add_late(self, s: int, e: int, **fields: Any) -> None:
        """Add a mention found after the number scan (keeps ``spans`` in step)."""
        self.add(s, e, **fields)
        if self.spans is not None:
            self.spans.add(s, e)

    def uln_only(self) -> None:
        for m in _ULN_ONLY_RE.finditer(self.low):
            if self.covered(m.start(), m.end()):
                continue
            words = _left_tokens(self.low, 0, m.start())
            j = len(words)
            while j and words[j - 1] in _LIMIT_QUALIFIERS:
                j -= 1
            k = _COMP_INDEX.suffix(words, j)
            if not k:
                continue
            op = _COMPARATORS[tuple(words[j - k:j])]
            s = _start_of(self.low, words, j - k, m.start())
            if self.covered(s, m.end()):
                continue
            if m.group("lln"):
                self.add_late(s, m.end(), operator=op, lln_multiple=1.0)
            else:
                self.add_late(s, m.end(), operator=op, uln_multiple=1.0)

    def normal_ops(self) -> None:
        for m in _NORMAL_OP_RE.finditer(self.low):
            if not self.covered(m.start(), m.end()):
                self.add_late(m.start(), m.end(), operator="normal")


def _restated(items: list[tuple[int, int, dict[str, Any]]], low: str) -> None:
    """'at least 60 kg (132 lbs)': a bare value in brackets right after a compared one restates it."""
    for k in range(1, len(items)):
        a, b = items[k - 1], items[k]
        fa, fb = a[2], b[2]
        if (
            fb.get("operator") == "="
            and fb.get("unit")
            and fa.get("unit")
            and fa.get("operator") in {">=", ">", "<=", "<"}
            and low[a[1]:b[0]].strip() == "("
            and low[b[0] - 1] != "="
        ):
            fb["operator"] = fa["operator"]


def _share_units(items: list[tuple[int, int, dict[str, Any]]], low: str) -> None:
    """'< 3.5 or > 5.1 mEq/L': a unitless value joined to the next by and/or takes its unit."""
    for k in range(len(items) - 1, 0, -1):
        a, b = items[k - 1], items[k]
        fa, fb = a[2], b[2]
        if fa.get("unit") or not fb.get("unit") or fa.get("uln_multiple") or fa.get("lln_multiple") or fa.get("of"):
            continue
        if fa.get("operator") == "normal" or fb.get("operator") == "normal" or fa.get("low") is None:
            continue
        gap = low[a[1]:b[0]].strip()
        if gap in {"and", "or", ",", "/", "but", "and/or", ", or", ", and"} and b[0] - a[1] <= 8:
            fa["unit"] = fb["unit"]


#: a line break with the next line's indentation: legacy ClinicalTrials.gov XML wraps its text at about 70
#: characters ("18 years of age\n             or older"), farther apart than the parsers' gaps of 1-3 spaces
_WRAP_RUN = re.compile(r"[ \t]*(?:\r\n|\n|\r)[ \t]+")


def _unwrapped(text: str, start: int, end: int | None) -> tuple[str, list[int]] | None:
    """``text[start:end]`` with each line wrap one space, and for each of its offsets the segment's own; None
    when it holds no wrap."""
    seg = text[start:end]
    if "\n" not in seg and "\r" not in seg:
        return None
    parts: list[str] = []
    where: list[int] = []
    last = 0
    for m in _WRAP_RUN.finditer(seg):
        if m.end() - m.start() < 2:
            continue
        parts.append(seg[last:m.start()])
        where.extend(range(last, m.start()))
        parts.append(" ")
        where.append(m.start())
        last = m.end()
    if not parts:
        return None
    parts.append(seg[last:])
    where.extend(range(last, len(seg)))
    return "".join(parts), where


def _across_wraps(find: Callable[[str, int, int | None], list[_Mention]], text: str, start: int,
                  end: int | None) -> list[_Mention]:
    """``find`` over ``text[start:end]`` with each line wrap read as one space; offsets and texts into ``text``."""
    unwrapped = _unwrapped(text, start, end)
    if unwrapped is None:
        return find(text, start, end)
    flat, where = unwrapped
    out = []
    for m in find(flat, 0, None):
        s, e = start + where[m.start], start + where[m.end - 1] + 1
        out.append(m.moved(s, e, text[s:e]))
    return out


def find_values(text: str, start: int = 0, end: int | None = None) -> list[ValueMention]:
    """Every comparison in ``text[start:end]``, in text order, offsets into ``text`` (across line wraps)."""
    return _across_wraps(_find_values, text, start, end)


def _find_values(text: str, start: int = 0, end: int | None = None) -> list[ValueMention]:
    seg = _prepare(text, start, end)
    base, low = seg.base, seg.low
    if not low:
        return []
    items = _ValueParser(seg).run()
    if not items:
        return []
    items.sort(key=lambda x: (x[0], -x[1]))
    kept: list[tuple[int, int, dict[str, Any]]] = []
    last_end = -1
    for s, e, fields in items:
        if s >= last_end:
            kept.append((s, e, fields))
            last_end = e
    _share_units(kept, low)
    _restated(kept, low)
    out: list[ValueMention] = []
    for s, e, fields in kept:
        # trim spaces the span may hold at its edges
        while e > s and low[e - 1] == " ":
            e -= 1
        while s < e and low[s] == " ":
            s += 1
        value = Value(text=text[base + s:base + e], **{k: v for k, v in fields.items() if v is not None})
        out.append(ValueMention(start=base + s, end=base + e, value=value))
    return out


# --------------------------------------------------------------------------- windows

#: unit word -> (days per unit, ISO 8601 designator, in the time part, multiplier)
_TIME_UNITS: dict[str, tuple[float, str, bool, float]] = {
    "year": (365.25, "Y", False, 1.0),
    "month": (30.4375, "M", False, 1.0),
    "week": (7.0, "W", False, 1.0),
    "day": (1.0, "D", False, 1.0),
    "hour": (1.0 / 24.0, "H", True, 1.0),
    "minute": (1.0 / 1440.0, "M", True, 1.0),
    "decade": (365.25, "Y", False, 10.0),
    "fortnight": (7.0, "W", False, 2.0),
}
_TIME_ALIASES = {
    "year": "year", "years": "year", "yr": "year", "yrs": "year", "y": "year",
    "month": "month", "months": "month", "mo": "month", "mos": "month", "mth": "month", "mths": "month", "mon": "month",
    "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "day": "day", "days": "day", "d": "day",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "h": "hour",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "decade": "decade", "decades": "decade", "fortnight": "fortnight", "fortnights": "fortnight",
}
_TIMEU = _alt(list(_TIME_ALIASES), gap=" ")
_PAST_ADJ = frozenset(_WLEX.past_adjectives)
_FUTURE_ADJ = frozenset(_WLEX.future_adjectives)
_ADJ_ALT = _alt([*_WLEX.past_adjectives, *_WLEX.future_adjectives])
_DNUM = rf"(?:[0-9]{{1,4}}(?:[.,][0-9]{{1,3}})?|{_WORDNUM}|an?)"
_DUR_AT_RE = re.compile(
    rf"(?P<n1>{_DNUM})(?: {{0,2}}\( {{0,2}}[0-9]{{1,4}} {{0,2}}\))?"
    rf"(?:(?P<rc> {{0,3}}(?:-|to|or|and) {{0,3}})(?P<n2>{_DNUM})(?: {{0,2}}\( {{0,2}}[0-9]{{1,4}} {{0,2}}\))?)?"
    rf"(?: {{0,3}}|-)(?:calendar {{1,3}}|consecutive {{1,3}}|(?P<adj2>{_ADJ_ALT}) {{1,3}})?(?P<u>{_TIMEU})(?![a-z])(?!-? ?old)"
    # "1 month (30 days)", "72 hours or less": kept in the span
    rf"(?: {{0,2}}\( {{0,2}}[0-9]{{1,4}}(?:[.,][0-9]{{1,3}})? {{0,2}}{_TIMEU} {{0,2}}\))?"
    r"(?: {1,3}or {1,3}(?:less|more|longer|fewer|shorter|greater)(?![a-z]))?"
    rf"|(?P<adj>{_ADJ_ALT}) {{1,3}}(?:calendar {{1,3}})?(?P<bu>year|month|week|day|decade|fortnight)(?![a-z])"
)
_BARE_UNIT = r" {1,3}(?:calendar {1,3})?(?:year|month|week|day|hour|decade|fortnight)"
#: where a duration without digits may start: "a year", "the past month"
_DUR_WORD_CAND_RE = re.compile(
    rf"[^a-z0-9_](?=(?:an?|{_trie([*_WLEX.past_adjectives, *_WLEX.future_adjectives])}){_BARE_UNIT}(?![a-z]))"
)
_PREPS = {_toks(p): p for p in _WLEX.prepositions}
_STRONG_PREPS = {_toks(p) for p in _WLEX.strong_prepositions}
#: first words of prepositions that put the event inside the window
_WITHIN_PREPS = frozenset({"within", "in", "during", "over", "throughout"})
_MAX_PREP = max(len(k) for k in _PREPS)
_CUE_DIRECTION = {_space_key(p): d for d, ps in _WLEX.right_cues.items() for p in ps}
_CUES_TAKING_ANCHOR = frozenset(_space_key(p) for p in _WLEX.cues_taking_anchor)
_CUE_RE = re.compile(
    r"(?: {1,3}(?:period|interval|window|time frame|timeframe|time period))?"
    rf" {{0,3}}(?:(?:immediately|just|directly|right) {{1,3}})?(?P<cue>{_alt(list(_CUE_DIRECTION))})(?![a-z])"
)
#: the trial's reference points a window may be anchored to ("randomization", "study entry", "surgery"); any other
#: anchor is the words after a cue ("since corticosteroids")
REFERENCE_ANCHORS: frozenset[str] = frozenset(_WLEX.anchors)
_ANCHOR_NORM: dict[str, str] = {}
for _norm, _phrases in _WLEX.anchors.items():
    for _p in _phrases:
        _ANCHOR_NORM.setdefault(_space_key(_p.lower()), _norm)
_DAY_ANCHOR = rf"(?:study {{1,3}})?(?:{_alt(_WLEX.day_anchor_words)}) {{0,2}}-?[0-9]{{1,3}}(?![0-9])"
#: "the first dose *of study drug*": what a listed anchor may be followed by, kept in the span
_ANCHOR_TAIL = (
    rf"(?: {{1,3}}of {{1,3}}(?:the {{1,3}})?(?:{_alt(_WLEX.anchor_tail_qualifiers)} {{1,3}})?"
    rf"{_alt(_WLEX.anchor_tail_objects)}(?![a-z]))?"
)
_ANCHOR_RE = re.compile(
    rf" {{1,3}}(?:(?P<day>{_DAY_ANCHOR})|(?P<a>{_alt(list(_ANCHOR_NORM))})(?![a-z0-9]){_ANCHOR_TAIL})(?![a-z0-9])"
)
_RAW_WORD_RE = re.compile(r" {1,3}(?P<w>[a-z0-9][a-z0-9'\-]{0,30})")
_RAW_STOP = frozenset(_WLEX.raw_anchor_stop)
_FUTURE_CTX_RE = re.compile(rf"\b{_alt(_WLEX.future_context)}(?![a-z])")
_AONLY_DIR = {_space_key(p): d for d, ps in _WLEX.anchor_only_cues.items() for p in ps}
#: anchors too vague after "at"/"on" ("at the study site", "on entry into ...")
_NOT_POINT_ANCHORS = frozenset(
    {"the study", "the trial", "study", "participation", "study participation", "participation in the study", "entry", "screen",
     "dosing", "operation", "the operation", "inclusion", "registration", "recruitment", "consent", "consenting", "randomized",
     "randomised", "being randomized", "enrolling", "the screen", "study recruitment"}
)
_AONLY_BODY = (
    rf"(?P<body>(?:(?:immediately|just|directly|right) {{1,3}})?(?P<cue>{_trie(list(_AONLY_DIR))}))"
    rf"(?= {{1,3}}(?:(?:{_DAY_ANCHOR})|(?:{_alt(list(_ANCHOR_NORM))}))(?![a-z0-9]))"
)
#: "prior to randomization", "at screening" (a cue then a listed anchor); the body group skips the char before
_AONLY_RE = re.compile(rf"[ (\-/\[,;:]{_AONLY_BODY}")
_AONLY_AT0_RE = re.compile(_AONLY_BODY)
_SINCE_RE = re.compile(rf"\b{_alt(_WLEX.since)}(?= {{1,3}}[a-z0-9])")
_STUDY_RE = re.compile(rf"\b{_alt(_WLEX.study_period)}(?![a-z])")


def _duration_number(s: str) -> float | None:
    s = s.strip()
    if s in {"a", "an"}:
        return 1.0
    if s[:1].isdigit():
        return _number_value(s)
    return _WORD_VALUES.get(_space_key(s.replace("-", "- ")).replace("- ", "-"))


def _iso(n: float, unit: str) -> tuple[float, str]:
    days, designator, time_part, mult = _TIME_UNITS[unit]
    amount = n * mult
    iso = ("PT" if time_part else "P") + _fmt(amount) + designator
    return round(n * mult * days, 9), iso


def duration_of(amount: float, unit: str | None) -> tuple[float, str] | None:
    """Days and ISO 8601 duration of ``amount`` ``unit`` ("3 months": 91.3125, "P3M"); None when ``unit`` is not
    a unit of time."""
    key = _TIME_ALIASES.get((unit or "").strip().lower())
    return None if key is None else _iso(amount, key)


class _WindowParser:
    def __init__(self, seg: _Segment) -> None:
        self.low = seg.low
        self.numbers = seg.numbers
        self.out: list[tuple[int, int, dict[str, Any]]] = []

    def anchor_at(self, pos: int, cue: str, *, raw: bool = True) -> tuple[str | None, int]:
        m = _ANCHOR_RE.match(self.low, pos)
        if m:
            if m.group("day"):
                return " ".join(m.group("day").replace("study", "").split()), m.end()
            return _ANCHOR_NORM[_space_key(m.group("a"))], m.end()
        if not raw or cue not in _CUES_TAKING_ANCHOR:
            return None, pos
        words: list[str] = []
        p = pos
        end = pos
        while len(words) < _WLEX.raw_anchor_max_words:
            w = _RAW_WORD_RE.match(self.low, p)
            if not w or w.group("w") in _RAW_STOP:
                if not words and w and w.group("w") in {"the", "a", "an", "his", "her", "their", "any"}:
                    p = w.end()
                    continue
                break
            words.append(w.group("w").strip("-'"))
            p = end = w.end()
        if not words or words[-1].isdigit() and len(words) == 1:
            return None, pos
        return " ".join(words), end

    def run(self) -> list[tuple[int, int, dict[str, Any]]]:
        low = self.low
        lo = 0
        cands: Any = self.numbers
        if "year" in low or "month" in low or "week" in low or "day" in low or "hour" in low or "decade" in low or "fortnight" in low:
            extra = [m.start() + 1 for m in _DUR_WORD_CAND_RE.finditer(low)]
            if extra or _DUR_AT_RE.match(low, 0):
                cands = sorted({*cands, *extra, 0})
        for p in cands:
            if p < lo or (p and low[p - 1] in _NOT_BEFORE_NUMBER):
                continue
            m = _DUR_AT_RE.match(low, p)
            if m is None or (m.group("n1") is not None and m.group("n1")[0].isalpha() and p and low[p - 1].isalpha()):
                continue
            res = self.duration(m, lo)
            if res is not None:
                lo = res
        if ("stud" in low or "trial" in low or "participat" in low) and (
            "during" in low or "throughout" in low or "duration" in low or "while" in low
        ):
            self.study_period()
        self.anchor_only()
        if "since" in low:
            self.since()
        return self.out

    def study_period(self) -> None:
        taken = _Spans((s, e) for s, e, _ in self.out)
        for m in _STUDY_RE.finditer(self.low):
            if not taken.overlaps(m.start(), m.end()):
                self.out.append((m.start(), m.end(), {"direction": "future", "anchor": "study entry"}))

    def anchor_only(self) -> None:
        low = self.low
        first = _AONLY_AT0_RE.match(low)
        matches = list(_AONLY_RE.finditer(low))
        if first:
            matches.insert(0, first)
        if not matches:
            return
        taken = _Spans((s, e) for s, e, _ in self.out)
        for m in matches:
            cue = _space_key(m.group("cue"))
            anchor, aend = self.anchor_at(m.end(), cue)
            if anchor is None or taken.overlaps(m.start("body"), aend):
                continue
            direction = _AONLY_DIR[cue]
            if direction == "point" and _space_key(low[m.end():aend]) in _NOT_POINT_ANCHORS:
                continue  # "at the study site", "patients on dialysis"
            self.out.append(
                (m.start("body"), aend, {"direction": None if direction == "point" else direction, "anchor": anchor})
            )

    def since(self) -> None:
        taken = _Spans((s, e) for s, e, _ in self.out)
        for m in _SINCE_RE.finditer(self.low):
            if taken.overlaps(m.start(), m.start() + 1):
                continue
            anchor, aend = self.anchor_at(m.end(), "after")
            if anchor is not None:
                self.out.append((m.start(), aend, {"direction": "past", "anchor": anchor}))

    def duration(self, m: re.Match[str], lo: int) -> int | None:
        low = self.low
        if m.group("adj"):
            n: float | None = 1.0
            unit = _TIME_ALIASES[m.group("bu")]
            adj: str | None = m.group("adj")
        else:
            n = _duration_number(m.group("n1"))
            if m.group("n2"):
                n2 = _duration_number(m.group("n2"))
                if n2 is None or n is None or n2 <= n:
                    return None  # "dose 2 or 1 month after": the window starts at the second number
                n = n2
            unit = _TIME_ALIASES[_space_key(m.group("u"))]
            adj = m.group("adj2")  # "in the 5 previous years"
        if n is None:
            return None
        start = m.start()
        words = _left_tokens(low, lo, m.start())
        j = len(words)
        first: int | None = None
        if adj is None and j and (words[j - 1] in _PAST_ADJ or words[j - 1] in _FUTURE_ADJ):
            adj = words[j - 1]
            j -= 1
            first = j
        if j and words[j - 1] == "the":
            j -= 1
            if adj is not None:
                first = j
        k = _COMP_INDEX.suffix(words, j)
        comp = False
        bound: str | None = None
        if k:
            op = _COMPARATORS.get(tuple(words[j - k:j]))
            # "at least 30 days before": the event lies that far or farther; "less than 6 months ago": inside
            bound = "at_least" if op in (">=", ">") else "within" if op in ("<=", "<") else None
            j -= k
            first = j
            comp = True
        prep: tuple[str, ...] | None = None
        for kk in range(min(_MAX_PREP, j), 0, -1):
            key = tuple(words[j - kk:j])
            if key in _PREPS:
                prep = key
                j -= kk
                first = j
                break
        if first is not None:
            start = _start_of(low, words, first, m.start())
        end = m.end()
        cue = _CUE_RE.match(low, end)
        direction: str | None = None
        anchor: str | None = None
        if cue:
            cue_key = _space_key(cue.group("cue"))
            # "within 5 years of diagnosis", but not "3 months of therapy": "of"/"from" take an
            # unlisted event only after "within"
            loose = cue_key in {"of", "from", "around", "surrounding"}
            anchor, aend = self.anchor_at(cue.end(), cue_key, raw=not loose or (prep is not None and prep[0] == "within"))
            if cue_key in {"of", "from", "around", "surrounding"} and anchor is None:
                cue = None
            else:
                direction = _CUE_DIRECTION[cue_key]
                end = aend if anchor is not None else cue.end()
        if adj is not None and cue is None:
            direction = "past" if adj in _PAST_ADJ else "future"
        if cue is None and adj is None:
            if prep == ("in",) and _FUTURE_CTX_RE.search(low[max(0, start - 100):start]):
                direction = "future"  # "plan to receive ... in 6 months"
            elif prep is None or prep not in _STRONG_PREPS:
                return None
            if prep == ("since",):
                direction = "past"
            elif prep[0] == "within":
                ctx = low[max(0, start - 100):start]
                direction = "future" if _FUTURE_CTX_RE.search(ctx) else "past"
        elif cue is not None and direction == "past" and adj in _FUTURE_ADJ:
            direction = "past"
        if prep is None and not comp and adj is None and start == m.start() and cue is None:
            return None
        if bound is None and (adj is not None or (prep is not None and prep[0] in _WITHIN_PREPS)):
            bound = "within"  # "within the past 6 months", "in the last 5 years", "during the previous year"
        days, iso = _iso(n, unit)
        self.out.append((start, end, {"duration_days": days, "iso8601": iso, "direction": direction, "anchor": anchor,
                                      "bound": bound}))
        return end


def find_windows(text: str, start: int = 0, end: int | None = None) -> list[WindowMention]:
    """Every time window in ``text[start:end]``, in text order, offsets into ``text`` (across line wraps)."""
    return _across_wraps(_find_windows, text, start, end)


def _find_windows(text: str, start: int = 0, end: int | None = None) -> list[WindowMention]:
    seg = _prepare(text, start, end)
    base, low = seg.base, seg.low
    if not low:
        return []
    items = _WindowParser(seg).run()
    if not items:
        return []
    items.sort(key=lambda x: (x[0], -x[1]))
    out: list[WindowMention] = []
    last_end = -1
    for s, e, fields in items:
        if s < last_end:
            continue
        while e > s and low[e - 1] in " ,":
            e -= 1
        window = Window(text=text[base + s:base + e], **{k: v for k, v in fields.items() if v is not None})
        out.append(WindowMention(start=base + s, end=base + e, window=window))
        last_end = e
    return out


# --------------------------------------------------------------------------- canonical units


def _sig(x: float) -> float:
    return float(f"{x:.10g}")


def canonicalize(value: Value, canonical_unit: str, *, molar_mass: float | None = None) -> Value:
    """A copy of ``value`` with ``unit_canonical``/``low_canonical``/``high_canonical`` set.

    Converts with pint; mass and molar concentrations convert through
    ``molar_mass`` (g/mol). Returns an unchanged copy (canonical fields None) when
    the value has no unit or number, or the units do not convert. Dimensionless
    units (%, mmol/mol, ratios) convert only to themselves: % HbA1c and mmol/mol
    are not a factor apart.
    """
    if value.unit is None or (value.low is None and value.high is None):
        return value.model_copy()
    src = parse_unit(value.unit)
    dst = parse_unit(canonical_unit)
    if src is None or dst is None:
        return value.model_copy()
    try:
        qs = to_pint(value.unit)
        qd = to_pint(canonical_unit)
    except UnitError:
        return value.model_copy()
    if qs.dimensionless or qd.dimensionless:
        if src.display != dst.display:
            return value.model_copy()
    ureg = qs._REGISTRY

    def convert(x: float | None) -> float | None:
        if x is None:
            return None
        q = ureg.Quantity(x * qs.magnitude, qs.units)
        try:
            return _sig(float(q.to(qd.units).magnitude) / qd.magnitude)
        except Exception:  # pint's DimensionalityError and offset-unit errors
            pass
        if molar_mass is None or molar_mass <= 0:
            raise _NoConversion
        mm = ureg.Quantity(molar_mass, "g/mol")
        for candidate in (q / mm, q * mm):
            try:
                return _sig(float(candidate.to(qd.units).magnitude) / qd.magnitude)
            except Exception:
                continue
        raise _NoConversion

    try:
        low = convert(value.low)
        high = convert(value.high)
    except _NoConversion:
        return value.model_copy()
    return value.model_copy(update={"unit_canonical": dst.display, "low_canonical": low, "high_canonical": high})


class _NoConversion(Exception):
    pass


# --------------------------------------------------------------------------- parse_number

_PN_SCI_RE = re.compile(
    rf"(?P<m>-?{_DIGITS})? {{0,2}}(?:[x×*] {{0,2}})?10 {{0,2}}(?:\^|\*\*) {{0,2}}\(? {{0,2}}(?P<e>-?[0-9]{{1,2}}) {{0,2}}\)?"
)
_PN_MULT_RE = re.compile(
    rf"(?:[x×*] {{0,2}}(?P<a>{_DIGITS})|(?P<b>{_DIGITS}|{_WORDNUM}) {{0,2}}(?:x|×|times|-? {{0,1}}fold|-times))"
)
_PN_WORD_RE = re.compile(rf"(?P<w>{_WORDNUM}|{_MULTNUM})(?: {{0,2}}\( {{0,2}}(?P<echo>[0-9]{{1,4}}) {{0,2}}\))?")
_PN_DIGITS_RE = re.compile(rf"(?P<neg>-)?(?P<d>{_DIGITS}|[0-9]{{1,3}}(?:,[0-9]{{3}})+(?:\.[0-9]+)?)")
_PN_ROMAN_RE = re.compile(r"(?:X{0,3})(?:IX|IV|V?I{0,3})")


def _roman(s: str) -> int | None:
    if not s or not _PN_ROMAN_RE.fullmatch(s):
        return None
    vals = {"I": 1, "V": 5, "X": 10}
    total = 0
    for a, b in zip(s, s[1:] + " "):
        va = vals[a]
        total += -va if b != " " and vals.get(b, 0) > va else va
    return total


def parse_number(text: str) -> float | None:
    """One number as written, or None.

    Digits with thousands separators ("100,000", "1 500"), decimals ("0.5", ".5",
    decimal comma "0,9"), words ("three", "twenty-one", "a dozen"), a word with
    its digits ("three (3)"), multipliers ("twice", "two-fold", "1.5 times",
    "2x", "× 2.5"), powers of ten ("10^9", "1.5 x 10^9"), roman numerals in
    capitals ("III").
    """
    raw = _space_key(text.translate(LOOKALIKES))
    if not raw:
        return None
    roman = _roman(raw)
    if roman:
        return float(roman)
    s = raw.lower()
    if s in {"a dozen", "dozen"}:
        return 12.0
    m = _PN_DIGITS_RE.fullmatch(s)
    if m:
        d = m.group("d")
        v = float(d.replace(",", "")) if re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", d) else _number_value(d)
        if v is None:
            return None
        return -v if m.group("neg") else v
    m = _PN_WORD_RE.fullmatch(s)
    if m:
        w = _space_key(m.group("w").replace("-", "- ")).replace("- ", "-")
        v2 = _MULT_WORDS.get(w, _WORD_VALUES.get(w))
        if v2 is None:
            return None
        if m.group("echo") is not None and float(m.group("echo")) != v2:
            return None
        return v2
    m = _PN_SCI_RE.fullmatch(s)
    if m:
        mant = _number_value(m.group("m")) if m.group("m") else 1.0
        if mant is None:
            return None
        return mant * 10.0 ** int(m.group("e"))
    m = _PN_MULT_RE.fullmatch(s)
    if m:
        part = m.group("a") or m.group("b")
        return parse_number(part)
    try:
        f = float(s)
    except ValueError:
        return None
    return f if math.isfinite(f) else None
