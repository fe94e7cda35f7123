"""Linking: attach each value and time window to the entity it qualifies (factory ``criteria_linker``).

Within one criterion (sentence):

* a ``VALUE`` qualifies the nearest measurable entity (LAB, SCORE, AGE) on its
  left when only filler words separate them ("creatinine level of ≤ 1.5 mg/dL",
  "SELENA-SLEDAI index ≥6"), else the nearest one on its right ("positive
  dsDNA", "≥ 18 years of age"), else the nearest entity of any kind on its left.
  Entities listed before it with only commas and conjunctions between them get
  the value too ("AST, ALT < 2.5 x ULN", "transaminase and serum creatinine
  ... more than twice the upper limit of normal").
* a ``TEMPORAL`` with a duration or an anchor qualifies the events (conditions,
  drugs, procedures, observations, devices, labs, scores) on its left back to
  the previous window ("myocardial infarction, stroke or unstable angina within
  6 months"), else those on its right ("within 4 weeks before enrollment: any
  chemotherapy").

In ``doc._.entity_data`` the entity gets ``value`` / ``window``; the value or
window gets ``qualifies`` = [start_char, end_char] of the (first) entity.
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
from bisect import bisect_left
from typing import Any, Optional

from spacy.language import Language
from spacy.tokens import Doc, Span

from .extensions import entity_data

MEASURABLE = ("LAB", "SCORE", "AGE")
EVENTS = ("CONDITION", "DRUG", "PROCEDURE", "OBSERVATION", "DEVICE", "LAB", "SCORE")
QUALIFIERS = ("VALUE", "TEMPORAL")
# words that may stand between a measure and its value: "creatinine level of", "score:", "count is", "(LVEF)"
FILLER = frozenset(
    """of is are be was must should : = ( ) [ ] , - – level levels value values count counts score scores index
    concentration concentrations result results titer titre ratio rate total serum plasma blood measured at least
    greater less than more fewer no not up to and or equal mg/dl on in by % the a an its their as defined
    documented above below over under within range between from""".split()
)
COORDINATION = frozenset({",", "and", "or", "/", "&", "and/or", ";"})
#: how many entities back a value may reach for a measure when nothing closer fits
MAX_LOOK_BACK = 12


class CriteriaLinker:
    """spaCy component: link ``VALUE`` and ``TEMPORAL`` spans to the entities they qualify."""

    def __init__(self, nlp: Language, name: str = "criteria_linker", *, max_gap: int = 6) -> None:
        self.name = name
        self.max_gap = max_gap

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        if not ents:
            return doc
        data = entity_data(doc, ents)
        sentence_of = [0] * len(doc)
        for number, sent in enumerate(doc.sents):
            sentence_of[sent.start:sent.end] = [number] * (sent.end - sent.start)
        groups: dict[int, list[tuple[Span, dict[str, Any]]]] = {}
        for ent, info in zip(ents, data):
            groups.setdefault(sentence_of[ent.start], []).append((ent, info))
        for group in groups.values():
            if any(e.label_ in QUALIFIERS for e, _ in group):
                self._link_values(doc, group)
                self._link_windows(group)
        return doc

    # ---------------------------------------------------------------- values

    def _only_filler(self, doc: Doc, start: int, end: int) -> bool:
        return end - start <= self.max_gap and all(t.lower_ in FILLER or t.is_space or t.is_punct for t in doc[start:end])

    def _link_values(self, doc: Doc, group: list[tuple[Span, dict[str, Any]]]) -> None:
        spans = [span for span, _ in group]
        # positions (in the group) of the entities values can qualify, for bisecting: a criterion with
        # thousands of values must not scan all its entities for each one
        targets = [i for i, span in enumerate(spans) if span.label_ not in QUALIFIERS]
        for position, (value, info) in enumerate(group):
            if value.label_ != "VALUE" or info.get("value") is None:
                continue
            where = self._value_target(doc, spans, targets, position, info)
            if where is None:
                continue
            for index in [where, *self._coordinated_before(doc, spans, where)]:
                if group[index][1].get("value") is None:
                    group[index][1]["value"] = dict(info["value"])
            info["qualifies"] = [spans[where].start_char, spans[where].end_char]

    def _value_target(self, doc: Doc, spans: list[Span], targets: list[int], position: int,
                      info: dict[str, Any]) -> Optional[int]:
        """The group position of the entity the value at ``position`` qualifies, or None."""
        value = spans[position]
        cut = bisect_left(targets, position)
        left = targets[cut - 1] if cut else None
        right = targets[cut] if cut < len(targets) else None
        if left is not None and spans[left].label_ in MEASURABLE and self._only_filler(doc, spans[left].end, value.start):
            return left
        if right is not None and spans[right].label_ in MEASURABLE and spans[right].start - value.end <= 3:
            return right
        if left is not None and spans[left].label_ in MEASURABLE and spans[left].end == value.start:
            return left
        if left is not None and self._only_filler(doc, spans[left].end, value.start):
            return left
        if right is not None and spans[right].start - value.end <= 1:
            return right
        if info.get("source") == "terms":
            return None  # a word such as "positive" or "high" qualifies only what stands next to it
        for k in range(cut - 1, max(-1, cut - 1 - MAX_LOOK_BACK), -1):
            if spans[targets[k]].label_ in MEASURABLE:
                return targets[k]
        return left

    def _coordinated_before(self, doc: Doc, spans: list[Span], index: int) -> list[int]:
        """Positions of entities of the same label listed before ``spans[index]`` with only commas/conjunctions between."""
        out: list[int] = []
        current = spans[index]
        for position in range(index - 1, -1, -1):
            entity = spans[position]
            if entity.label_ in QUALIFIERS:
                continue
            if entity.label_ != current.label_:
                break
            between = doc[entity.end:current.start]
            if len(between) > 3 or not all(t.lower_ in COORDINATION or t.lower_ in FILLER for t in between):
                break
            out.append(position)
            current = entity
        return out

    # ---------------------------------------------------------------- windows

    def _link_windows(self, group: list[tuple[Span, dict[str, Any]]]) -> None:
        previous = -1
        windows = [i for i, (e, info) in enumerate(group) if e.label_ == "TEMPORAL" and _has_extent(info.get("window"))]
        for n, i in enumerate(windows):
            events = [(e, info) for e, info in group[previous + 1:i] if e.label_ in EVENTS]
            if not events:
                stop = windows[n + 1] if n + 1 < len(windows) else len(group)
                events = [(e, info) for e, info in group[i + 1:stop] if e.label_ in EVENTS]
            window = group[i][1]["window"]
            for _, info in events:
                if info.get("window") is None:
                    info["window"] = dict(window)
            if events:
                group[i][1]["qualifies"] = [events[0][0].start_char, events[0][0].end_char]
            previous = i


def _has_extent(window: Optional[dict[str, Any]]) -> bool:
    return bool(window) and (window.get("duration_days") is not None or window.get("anchor") is not None)  # type: ignore[union-attr]


@Language.factory(
    "criteria_linker",
    assigns=["doc._.entity_data"],
    requires=["doc.ents", "token.is_sent_start"],
    default_config={"max_gap": 6},
)
def make_criteria_linker(nlp: Language, name: str, max_gap: int) -> CriteriaLinker:
    """Factory for ``nlp.add_pipe("criteria_linker")``."""
    return CriteriaLinker(nlp, name, max_gap=max_gap)
