"""Segmentation: find the inclusion and exclusion sections and the individual criteria.

``segment_text()`` is a pure function over a string; ``CriteriaSegmenter`` is the
spaCy component (factory ``criteria_segmenter``) that runs it on ``doc.text``
and stores the result on the ``Doc``.

The segmenter works line by line. Each line is blank, page boilerplate, a
section header ("Inclusion Criteria:", "EXCLUSION CRITERIA", "Key inclusion
criteria", PDQ's "PATIENT CHARACTERISTICS:"), a list item (bullet, number,
letter or roman numeral), or plain text. List items take the lines that
continue them (hanging indentation, hard-wrapped text, a lower-case start).
Plain text becomes criteria too: one per line, one per sentence of a wrapped
paragraph, one per part of a semicolon-separated inline list. Lines ending in a
colon are lead-ins ("Patients are excluded if any of the following applies:")
or headings ("Age:", "Cohort A:"); the items under them get them as
``parent``, by indentation and numbering style. A lead-in's own polarity
("Excluded:", "must have", "Allowed:") sets the kind of what it introduces.
Exact repeats (same kind, same parent, same words) are reported in
``duplicates`` and kept out of the criteria.
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

import numpy
from pydantic import BaseModel, ConfigDict, ValidationError
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import ensure_path

from .extensions import doc_text  # (importing it registers the Doc extensions used here)
from .errors import CriteriaNLPError, ResourceError
from .schema import Criterion, Duplicate

RESOURCE = "segmenter.json"
KINDS = ("inclusion", "exclusion")
NodeType = Literal["item", "para", "lead_in", "heading"]


class PolarityRules(BaseModel):
    """Patterns that give a lead-in its polarity, checked in this order."""

    model_config = ConfigDict(extra="forbid")
    exclusion: list[str]
    allowed: list[str]
    inclusion: list[str]


class SegmenterRules(BaseModel):
    """The segmenter's resource (``resources/segmenter.json``), validated on load."""

    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    description: str = ""
    inclusion_keywords: list[str]
    exclusion_keywords: list[str]
    header_modifiers: list[str]
    header_nouns: list[str]
    inclusion_sections: list[str]
    pdq_subheadings: list[str]
    generic_headers: list[str]
    boilerplate: list[str]
    polarity: PolarityRules
    lead_in_markers: list[str]
    sentence_abbreviations: list[str]
    pdq_item_starts: list[str] = []
    pdq_item_ends: list[str] = []

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SegmenterRules":
        """Load and validate the rules from ``path``, or the packaged default."""
        if path is None:
            record = f"criteria_nlp/resources/{RESOURCE}"
            try:
                text = resources.files("criteria_nlp.resources").joinpath(RESOURCE).read_text("utf-8")
            except FileNotFoundError:
                raise ResourceError("X002", record=record) from None
        else:
            record = str(path)
            text = Path(path).read_text("utf-8")
        try:
            rules = cls.model_validate(json.loads(text))
            _CompiledRules(rules)  # every pattern must compile
        except (ValidationError, json.JSONDecodeError, re.error) as exc:
            raise ResourceError("X001", record=record, detail=str(exc).splitlines()[0]) from None
        return rules


def _alternation(words: Iterable[str]) -> str:
    # longest first, so "disease-specific" wins over "disease"
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


class _CompiledRules:
    """Regular expressions built once from ``SegmenterRules``."""

    def __init__(self, rules: SegmenterRules) -> None:
        self.rules = rules
        mods = _alternation(rules.header_modifiers)
        nouns = _alternation(rules.header_nouns)
        inc = _alternation(rules.inclusion_keywords)
        exc = _alternation(rules.exclusion_keywords)
        # "Key Inclusion Criteria:", "EXCLUSION CRITERIA", "Exclusion criteria include:",
        # "Inclusion Criteria - Donor:", "Inclusion criteria (all must apply):",
        # "Inclusion criteria: Informed consent; ..."
        self.header = re.compile(
            rf"^(?:(?:{mods})\s+){{0,3}}(?:(?P<inc>{inc})|(?P<exc>{exc}))"
            rf"(?:\s+(?:{nouns}))?"
            r"(?P<qual>\s*\([^()]{0,80}\)|\s*[-–—]\s*[^:;]{1,60}|\s+for\s+[^:;]{1,80}"
            r"|\s+(?:include|includes|included|are|is|as follows|are as follows|will be|consist of)\b[^:;]{0,30})?"
            r"\s*(?::\s*(?P<rest>.*)|\.?\s*$)",
            re.IGNORECASE | re.DOTALL,
        )
        # "Inclusion criteria. Age ≥22. English speaking." (a header ending a sentence)
        self.header_sentence = re.compile(
            rf"^(?:(?:{mods})\s+){{0,3}}(?:(?P<inc>{inc})|(?P<exc>{exc}))\s+(?:{nouns})\.\s+(?P<rest>\S.*)$",
            re.IGNORECASE | re.DOTALL,
        )
        self.pdq = re.compile(rf"^(?:{_alternation(rules.inclusion_sections)})\s*(?::\s*(?P<rest>.*)|$)", re.IGNORECASE | re.DOTALL)
        # PDQ records flattened into one paragraph: "Age: Over 16 Performance status: Karnofsky 60%-100% ..."
        self.pdq_subheading = re.compile(rf"(?<=\s)(?:{_alternation(rules.pdq_subheadings)}):\s")
        # items of a flattened PDQ paragraph: "... No gallbladder disease No malignancy ...", "... eligible Mammogram ..."
        starts = _alternation(rules.pdq_item_starts) or r"(?!)"
        ends = _alternation(rules.pdq_item_ends) or r"(?!)"
        self.pdq_item = re.compile(
            rf"(?<=[a-z0-9%)\]])(\s+)(?=(?:{starts})\s|[A-Z][a-z]+(?:\s+[a-z]+){{0,2}}\s+(?:{ends})\b)"
            rf"|\b(?i:{ends})(\s+)(?=[A-Z][a-z])|(?<=--)(\s+)(?=\S)|(?<=\S)(\s+)(?=--[A-Z])")
        self.generic = re.compile(rf"^(?:{_alternation(rules.generic_headers)})\s*:?\s*$", re.IGNORECASE)
        self.boilerplate = re.compile("|".join(f"(?:{p})" for p in rules.boilerplate), re.IGNORECASE)
        self.polarity = [
            (kind, re.compile("|".join(f"(?:{p})" for p in getattr(rules.polarity, kind)), re.IGNORECASE))
            for kind in ("exclusion", "allowed", "inclusion")
        ]
        self.lead_in = re.compile("|".join(f"(?:{p})" for p in rules.lead_in_markers), re.IGNORECASE)
        abbr = _alternation(a.rstrip(".") for a in rules.sentence_abbreviations)
        # a sentence ends at . ! or ? followed by space and a capital or an opening bracket,
        # unless the word before the period is a known abbreviation, an initial or a number
        self.sentence_end = re.compile(
            rf"(?<![A-Za-z])(?!(?:{abbr})\.)(?:[A-Za-z][^\s.!?]+|\d+%?|\))[.!?](?=\s+[A-Z(\"'])",
            re.IGNORECASE,
        )


@lru_cache(maxsize=1)
def default_rules() -> SegmenterRules:
    """The packaged segmenter rules (loaded once)."""
    return SegmenterRules.load()


@lru_cache(maxsize=1)
def _default_compiled() -> _CompiledRules:
    return _CompiledRules(default_rules())


# --------------------------------------------------------------------------- lines

_BULLETS = "-*•·▪◦●○■□➢►‣⁃–—+>✓✔❖◆◇"
#: a list marker; ">" before a number is a limit wrapped onto its own line ("clearance\n    > 50 ml/min")
_MARKER = re.compile(
    r"""(?P<marker>
        \\?(?P<bullet>[-*+–—](?=[ \t])|>(?=[ \t]+[^\d\s.,])|[•·▪◦●○■□➢►‣⁃✓✔❖◆◇])
      | (?P<circled>[①-⑳])
      | \\?\((?P<pnum>\d{1,3}|[A-Za-z]|[ivxlcdmIVXLCDM]{1,6})\\?\)(?=[ \t]|[A-Z])
      | (?P<num>\d{1,3}(?:\.\d{1,3}){0,3}|[A-Za-z]|[ivxlcdmIVXLCDM]{1,6})\\?(?P<punct>[.)]|:(?=\s))(?=[ \t])
      | (?P<dnum>\d{1,2}\.\d{1,2})(?=[ \t][A-Z])
    )[ \t]*""",
    re.VERBOSE,
)
_SEQUENCE_STARTS = ("a", "A", "i", "I", "1")
_ROMAN = re.compile(r"^(?:[ivxlcdm]+)$", re.IGNORECASE)
_MARKDOWN_EMPHASIS = re.compile(r"^[*_]{1,3}(.*?)[*_]{1,3}(:?)$")
_SEPARATOR_LINE = re.compile(r"^[\W_]+$")
_TRAILING_JUNK = " \t\r\n;,"
# "...English; 3. Participants must ..." inside one item or paragraph
_INLINE_ALTERNATIVES = re.compile(
    r"\b(?:one|any|either)\s+(?:or\s+more\s+)?of\s+the\s+following\b[^:;.]{0,80}:", re.IGNORECASE)
#: at most this many words make a sentence an item of an inline list ("Stable chronic coronary disease.")
SHORT_ITEM_WORDS = 12


def short_items_end(text: str, listed: int, ends: list[int]) -> int:
    """Where the items of an inline list end (an offset into ``text``): the list starts at ``listed`` (after "any of
    the following ...:") with its first sentence, whatever its length ("A, B, C."), and goes on over short
    sentences ("Thoracic pain. Unstable angina."); the first sentence longer than ``SHORT_ITEM_WORDS`` words,
    ending at one of ``ends``, is no item."""
    previous = None
    for end in [e for e in ends if e > listed] + [len(text)]:
        if previous is not None and len(text[previous:end].split()) > SHORT_ITEM_WORDS:
            return previous
        previous = end
    return len(text)


_INLINE_NUMBER = re.compile(r"(?:\(?(\d{1,3})\\?[.)]\s+|([①-⑳])\s*)")
_CONJUNCTION = re.compile(r"\s*(?:and|or|but|and/or|which|that|however|whereas|while|unless|except|including|especially|or if|i\.e\.|e\.g\.)\b", re.IGNORECASE)


_BRACKET = re.compile(r"[()\[\]{}]")
_SEMICOLON = re.compile(";")


def _nested(text: str) -> bytearray:
    """For each character, 1 when it lies inside brackets (unbalanced closers are ignored)."""
    flags = bytearray(len(text))
    depth = 0
    after = 0  # characters from here to the next bracket keep the current depth
    for m in _BRACKET.finditer(text):  # only the brackets are visited
        i = m.start()
        if depth:
            flags[after:i] = b"\x01" * (i - after)
        if text[i] in "([{":
            depth += 1
        elif depth:
            depth -= 1
        flags[i] = 1 if depth else 0
        after = i + 1
    if depth:
        flags[after:] = b"\x01" * (len(text) - after)
    return flags


@dataclass
class _Line:
    start: int  # first non-space character
    end: int  # after the last non-space character
    indent: int
    text: str
    marker: str | None = None
    number: str | None = None
    style: str | None = None
    body_start: int = 0


def _indent_width(prefix: str) -> int:
    return len(prefix.expandtabs(4))


def _style(m: re.Match[str]) -> tuple[str, str | None]:
    if m.group("bullet"):
        return f"bullet{m.group('bullet')}", None
    if m.group("circled"):
        return "circled", str(ord(m.group("circled")) - ord("①") + 1)
    num = m.group("pnum") or m.group("num") or m.group("dnum")
    wrap = "()" if m.group("pnum") else (m.group("punct") or ".")
    if num.isdigit():
        return f"arabic{wrap}", num
    if m.group("dnum") or "." in num:
        return f"decimal{num.count('.')}", num
    if _ROMAN.match(num) and len(num) > 1:
        return f"roman{'U' if num.isupper() else 'l'}{wrap}", num
    return f"alpha{'U' if num.isupper() else 'l'}{wrap}", num


def _split_lines(text: str) -> list[_Line | None]:
    """Lines with their offsets; ``None`` for blank lines."""
    out: list[_Line | None] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip()
        if not stripped:
            out.append(None)
        else:
            lead = len(body) - len(body.lstrip())
            start = pos + lead
            end = pos + len(body.rstrip())
            line = _Line(start=start, end=end, indent=_indent_width(body[:lead]), text=stripped, body_start=start)
            m = _MARKER.match(stripped)
            if m and m.end() < len(stripped):
                line.marker = m.group("marker").strip()
                line.style, line.number = _style(m)
                line.body_start = start + m.end()
            out.append(line)
        pos += len(raw)
    return out


# --------------------------------------------------------------------------- nodes


@dataclass
class _Node:
    type: NodeType
    start: int
    end: int
    indent: int
    number: str | None = None
    style: str | None = None
    parent: int | None = None
    section_kind: str = "unknown"
    section: str | None = None
    polarity: str | None = None  # kind a lead-in imposes on its descendants
    child_style: str | None = None
    children: int = 0
    blank_before: bool = False
    lines: list[_Line] = field(default_factory=list)


@dataclass
class _Header:
    kind: str | None
    title: str
    rest_start: int | None


class _Segmenter:
    def __init__(self, text: str, rules: _CompiledRules, default_kind: str | None) -> None:
        self.text = text
        self.rules = rules
        self.lines = _split_lines(text)
        widths = [ln.end - ln.start + ln.indent for ln in self.lines if ln is not None]
        self.wrap_width = max(widths, default=0)
        self.section_kind = default_kind or "unknown"
        self.section: str | None = None
        self.nodes: list[_Node] = []
        self.stack: list[int] = []
        self.current: int | None = None  # node that may take continuation lines

    # ---- classification helpers

    def _header(self, line: _Line) -> _Header | None:
        text = line.text
        m = _MARKER.match(text)
        offset = line.start
        if m and m.group("bullet"):
            text, offset = text[m.end():], offset + m.end()
        em = _MARKDOWN_EMPHASIS.match(text)
        core = (em.group(1) + em.group(2)) if em else text
        core = core.strip().strip("#=-–—*_ ").strip()
        if self.rules.generic.match(core):
            return _Header(kind=None, title=core.rstrip(":").strip(), rest_start=None)
        h = self.rules.header.match(core) or self.rules.header_sentence.match(core)
        if h:
            rest = (h.group("rest") or "").strip()
            kind = "inclusion" if h.group("inc") else "exclusion"
            title = core[: h.start("rest")].strip().rstrip(":.").strip() if rest else core.rstrip(":.").strip()
            rest_start = offset + text.find(rest) if rest and not em else None
            return _Header(kind=kind, title=title, rest_start=rest_start)
        p = self.rules.pdq.match(core)
        if p:
            rest = (p.group("rest") or "").strip()
            return _Header(kind="inclusion", title=core.rstrip(":").strip(), rest_start=offset + text.find(rest) if rest else None)
        return None

    def _is_boilerplate(self, line: _Line) -> bool:
        return bool(self.rules.boilerplate.search(line.text) or _SEPARATOR_LINE.match(line.text))

    def _polarity(self, text: str) -> str | None:
        for kind, pattern in self.rules.polarity:
            if pattern.search(text):
                return "unknown" if kind == "allowed" else kind
        return None

    def _colon_type(self, text: str) -> NodeType:
        body = text.rstrip().rstrip(":").strip()
        if self.rules.lead_in.search(body) or self._polarity(body) or len(body.split()) > 6:
            return "lead_in"
        return "heading"

    def _in_pdq(self, node: _Node) -> bool:
        return node.section is not None and bool(self.rules.pdq.match(node.section))

    def _wrapped(self, prev: _Line, nxt: _Line) -> bool:
        """Was ``nxt`` pushed to a new line by hard wrapping of ``prev``?"""
        if prev.text[-1] in ".:;!?":
            return False
        first = nxt.text.split(None, 1)[0]
        if self.wrap_width >= 60 and prev.indent + len(prev.text) + 1 + len(first) > self.wrap_width:
            return True
        return nxt.text[0].islower() or nxt.text[0] in "([{,&" or prev.text[-1] in ",-/&(" or prev.text.endswith((" and", " or", " of", " the", " with"))

    def _continues(self, node: _Node, line: _Line, blank: bool) -> bool:
        if blank or node.type in ("lead_in", "heading"):
            return False
        prev = node.lines[-1]
        if node.type == "para" and self._in_pdq(node):
            return True  # a flattened PDQ paragraph; its sub-headings split it later
        if prev.text.endswith(":"):
            return False
        if node.type == "item":
            first = node.lines[0]
            if line.indent > first.indent and not line.text.endswith(":"):
                return True
            return line.indent >= first.indent and self._wrapped(prev, line)
        # plain text: a semicolon list or a hard-wrapped paragraph goes on
        if line.indent < node.indent:
            return False
        return prev.text[-1] in ";," or self._wrapped(prev, line)

    # ---- tree

    def _parent_for(self, node: _Node) -> int | None:
        """Pop the open nodes ``node`` does not belong to; return the one it does."""
        while self.stack:
            index = self.stack[-1]
            top = self.nodes[index]
            if top.type in ("item", "para"):
                if top.indent < node.indent:
                    return index
                if node.type == "item" and top.type == "item" and top.indent == node.indent and top.style != node.style:
                    # "1. Adequate organ function:" followed by "a. ..." at the same indentation
                    if top.child_style == node.style or (
                        top.child_style is None and (top.lines[-1].text.endswith(":") or node.number in _SEQUENCE_STARTS)
                    ):
                        top.child_style = node.style
                        return index
            elif node.type == "item":
                if top.indent <= node.indent:  # items under a lead-in may share its indentation
                    return index
            elif top.indent < node.indent:
                return index
            elif top.indent == node.indent:
                if node.type == "lead_in" and top.type == "heading":
                    return index
                if node.type == "para":
                    last = self.nodes[-1]
                    if last is top or (not node.blank_before and last.parent == index):
                        return index
            self.stack.pop()
        return None

    def _add(self, node: _Node) -> int:
        node.section_kind = self.section_kind
        node.section = self.section
        node.parent = self._parent_for(node)
        if node.parent is not None:
            self.nodes[node.parent].children += 1
        self.nodes.append(node)
        index = len(self.nodes) - 1
        self.stack.append(index)
        return index

    def _close_current(self) -> None:
        """Finish the node taking continuation lines: split plain text, type colon lines."""
        if self.current is None:
            return
        index, self.current = self.current, None
        node = self.nodes[index]
        text = self.text[node.start: node.end]
        if text.rstrip().endswith(":") and node.type == "para":
            node.type = self._colon_type(text)
        if node.type in ("lead_in", "heading") or node.type == "item" and text.rstrip().endswith(":"):
            node.polarity = self._polarity(text)
        parts = self._split(node)
        if len(parts) <= 1:
            return
        # replace the node by one node per part, siblings under the same parent
        self.nodes.pop()
        if self.stack and self.stack[-1] == index:
            self.stack.pop()
        if node.parent is not None:
            self.nodes[node.parent].children -= 1
        for k, (s, e, number) in enumerate(parts):
            part = _Node(type=node.type, start=s, end=e, indent=node.indent, number=number if k else node.number,
                         style=node.style, blank_before=node.blank_before and k == 0, lines=node.lines)
            if node.type == "para" and self.text[s:e].rstrip().endswith(":"):
                part.type = self._colon_type(self.text[s:e])
                part.polarity = self._polarity(self.text[s:e])
            if k == 0:
                self._add(part)
            else:  # later parts are siblings of the first: same parent, no search
                part.section_kind, part.section, part.parent = node.section_kind, node.section, node.parent
                if part.parent is not None:
                    self.nodes[part.parent].children += 1
                if self.stack and self.nodes[self.stack[-1]].start < s and self.stack[-1] == len(self.nodes) - 1:
                    self.stack.pop()
                self.nodes.append(part)
                self.stack.append(len(self.nodes) - 1)

    def _split(self, node: _Node) -> list[tuple[int, int, str | None]]:
        """Split a node into criteria.

        Every node splits at top-level semicolons unless a conjunction follows
        ("...; and the patient must sign ..."), taking an inline number with it
        ("...English; 3. Participants must ..."). Plain text also splits into
        sentences, and PDQ paragraphs at their sub-headings ("Hepatic: ...").
        """
        text = self.text[node.start: node.end]
        pdq = self._in_pdq(node)
        if ";" not in text and node.type != "para" and not pdq:
            return [(node.start, node.end, node.number)]
        nested = _nested(text)
        # the items of an inline list of alternatives stay together: "at least one of the following risk
        # factors: (a) age > 65 years; (b) history of fracture; or (c) ..."
        lead = _INLINE_ALTERNATIVES.search(text)
        listed = lead.end() if lead is not None else len(text)
        cuts: list[int] = [
            i for i in (m.start() for m in _SEMICOLON.finditer(text))
            if not nested[i] and not _CONJUNCTION.match(text, i + 1) and i < listed
        ]
        if node.type == "para":
            ends = [m.end() for m in self.rules.sentence_end.finditer(text)]
            # "any of the following indications: Thoracic pain. Unstable angina. ...": short sentences after
            # the lead are its items, one criterion with it; the first long one ends the list
            short = short_items_end(text, listed, ends) if lead is not None else listed
            cuts += [e for e in ends if not listed <= e < short]
        if pdq:
            cuts += [m.start() for m in self.rules.pdq_subheading.finditer(text) if not nested[m.start()]]
            for item in self.rules.pdq_item.finditer(text):
                at = next(item.start(g) for g in (1, 2, 3, 4) if item.group(g) is not None)
                if not nested[at]:
                    cuts.append(at)
        if not cuts:
            return [(node.start, node.end, node.number)]
        spans: list[tuple[int, int, str | None]] = []
        prev = 0
        for c in sorted(set(cuts)) + [len(text)]:
            s, e = _trim(text, prev, c)
            number = None
            m = _INLINE_NUMBER.match(text, s, e)
            if m and spans:
                number = m.group(1) or str(ord(m.group(2)) - ord("①") + 1)
                s = m.end()
            if e > s:
                spans.append((node.start + s, node.start + e, number))
            prev = c + 1 if c < len(text) and text[c] == ";" else c
        return spans

    def _inline_sequence(self, line: _Line) -> bool:
        """Whether a marked line goes on an enumeration that started inside the current criterion's text:
        "... risk factors: (a) age > 65 years;" then a wrapped line "(b) history of fracture" is not a new item."""
        if self.current is None or line.number is None or len(line.number) != 1 or not line.number.isalnum():
            return False
        node = self.nodes[self.current]
        previous = chr(ord(line.number) - 1)
        body = self.text[node.start:node.end]
        return bool(re.search(rf"(?<=\S)\s+\(?{re.escape(previous)}\)\s", body))

    # ---- main loop

    def run(self) -> list[_Node]:
        blank = False
        last_line: _Line | None = None
        for line in self.lines:
            if line is None:
                blank = True
                continue
            if self._is_boilerplate(line):
                self._close_current()
                blank = True
                continue
            header = self._header(line)
            if header is not None:
                self._close_current()
                self.stack.clear()
                if header.kind is not None:
                    self.section_kind = header.kind
                    self.section = header.title
                if header.rest_start is not None:
                    node = _Node(type="para", start=header.rest_start, end=line.end, indent=line.indent, lines=[line])
                    self.current = self._add(node)
                blank = False
                last_line = line
                continue
            if line.marker is not None and not (not blank and self._inline_sequence(line)):
                self._close_current()
                node = _Node(type="item", start=line.body_start, end=line.end, indent=line.indent, number=line.number,
                             style=line.style, blank_before=blank, lines=[line])
                self.current = self._add(node)
            elif line.marker is not None and self.current is not None:
                node = self.nodes[self.current]  # "(b)" going on an inline "(a)": a continuation line
                node.end = line.end
                node.lines.append(line)
            elif self.current is not None and self._continues(self.nodes[self.current], line, blank):
                node = self.nodes[self.current]
                node.end = line.end
                node.lines.append(line)
            else:
                self._close_current()
                node = _Node(type="para", start=line.start, end=line.end, indent=line.indent, blank_before=blank, lines=[line])
                if line.text.endswith(":"):
                    node.type = self._colon_type(line.text)
                self.current = self._add(node)
            blank = False
            last_line = line
        self._close_current()
        del last_line
        return self.nodes


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\r\n":
        start += 1
    while end > start and text[end - 1] in _TRAILING_JUNK:
        end -= 1
    return start, end


def _kind_of(nodes: list[_Node], index: int) -> str:
    node = nodes[index]
    if node.type in ("lead_in", "heading", "item") and node.polarity and node.children:
        return node.polarity
    parent = node.parent
    while parent is not None:
        if nodes[parent].polarity and nodes[parent].type in ("lead_in", "heading", "item"):
            return nodes[parent].polarity or node.section_kind
        parent = nodes[parent].parent
    return node.section_kind


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def segment_text(
    text: str,
    *,
    default_kind: str | None = None,
    rules: "SegmenterRules | _CompiledRules | None" = None,
    record: str = "<text>",
) -> tuple[list[Criterion], list[Duplicate]]:
    """Segment eligibility text into criteria (offsets into ``text``) and repeated criteria.

    ``default_kind`` ("inclusion"/"exclusion") is the kind of criteria before any
    section header; without it they are "unknown".
    """
    if default_kind is not None and default_kind not in KINDS:
        raise CriteriaNLPError("S001", record=record, detail=default_kind)
    if rules is None or rules is default_rules():
        compiled = _default_compiled()
    elif isinstance(rules, _CompiledRules):
        compiled = rules
    else:
        compiled = _CompiledRules(rules)
    nodes = _Segmenter(text, compiled, default_kind).run()
    criteria: list[Criterion] = []
    duplicates: list[Duplicate] = []
    ids: dict[int, str] = {}
    seen: dict[tuple[str, str, str, str], str] = {}
    for index, node in enumerate(nodes):
        start, end = _trim(text, node.start, node.end)
        if end <= start:
            continue
        kind = _kind_of(nodes, index)
        body = text[start:end]
        role = "criterion"
        if node.children and (node.type in ("lead_in", "heading") or body.endswith(":")):
            role = "heading" if node.type == "heading" else "lead_in"
        elif node.type in ("lead_in", "heading") and node.children == 0 and body.endswith(":"):
            role = "heading" if node.type == "heading" else "lead_in"
        parent_id = ids.get(node.parent) if node.parent is not None else None
        key = (kind, node.section or "", parent_id or "", _normal(body))
        if key[3] and key in seen:
            ids[index] = seen[key]
            duplicates.append(Duplicate(kind=kind, text=body, start=start, end=end, duplicate_of=seen[key]))
            continue
        cid = f"c{len(criteria) + 1}"
        ids[index] = cid
        seen[key] = cid
        criteria.append(
            Criterion(
                id=cid, kind=kind, number=node.number, text=body, start=start, end=end,
                parent=parent_id, role=role, header=node.section,
            )
        )
    return criteria, duplicates


# --------------------------------------------------------------------------- component


class CriteriaSegmenter:
    """spaCy component: segment ``doc.text`` into criteria.

    Sets ``doc._.criteria`` and ``doc._.duplicates`` (lists of dicts),
    ``doc.spans["criteria"]`` (one span per criterion, labelled with its kind)
    and sentence starts at criterion boundaries, so later components see one
    criterion per sentence.
    """

    def __init__(self, nlp: Language, name: str = "criteria_segmenter", *, spans_key: str = "criteria") -> None:
        self.name = name
        self.spans_key = spans_key
        self.rules: SegmenterRules = default_rules()
        self._compiled = _default_compiled()

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Language | None = None,
                   rules_path: str | None = None) -> None:
        """Load the rules: ``rules_path`` (a JSON file like ``resources/segmenter.json``) or the packaged ones."""
        self.rules = SegmenterRules.load(rules_path) if rules_path else default_rules()
        self._compiled = _CompiledRules(self.rules)

    def __call__(self, doc: Doc) -> Doc:
        record = doc._.trial_id or "<doc>"
        criteria, duplicates = segment_text(doc_text(doc), default_kind=doc._.default_kind, rules=self._compiled, record=record)
        doc._.criteria = [c.model_dump() for c in criteria]
        doc._.duplicates = [d.model_dump() for d in duplicates]
        spans = []
        starts: set[int] = set()
        for c in criteria:
            span = doc.char_span(c.start, c.end, label=c.kind, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            span.id_ = c.id
            spans.append(span)
            starts.add(span.start)
            if span.end < len(doc):
                starts.add(span.end)
        doc.spans[self.spans_key] = spans
        if len(doc):
            # one array write: setting token.is_sent_start token by token re-checks the whole doc each time
            flags = numpy.full(len(doc), -1, dtype="int64")
            flags[0] = 1
            for i in starts:
                flags[i] = 1
            doc.from_array([SENT_START], flags.astype("uint64"))  # type: ignore[arg-type]  # -1 wraps around, as spaCy expects
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the rules as ``segmenter.json`` inside ``path``."""
        out = ensure_path(path)
        out.mkdir(parents=True, exist_ok=True)
        (out / RESOURCE).write_text(self.rules.model_dump_json(indent=2), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "CriteriaSegmenter":
        """Read the rules written by ``to_disk``."""
        self.rules = SegmenterRules.load(ensure_path(path) / RESOURCE)
        self._compiled = _CompiledRules(self.rules)
        return self


@Language.factory(
    "criteria_segmenter",
    assigns=["doc._.criteria", "doc._.duplicates", "doc.spans", "token.is_sent_start"],
    default_config={"spans_key": "criteria"},
)
def make_criteria_segmenter(nlp: Language, name: str, spans_key: str) -> CriteriaSegmenter:
    """Factory for ``nlp.add_pipe("criteria_segmenter")``."""
    return CriteriaSegmenter(nlp, name, spans_key=spans_key)
