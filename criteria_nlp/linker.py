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

The entity gets ``span._.value`` / ``span._.time_window``; the value or window span
gets ``span._.qualifies`` = [start_char, end_char] of the (first) entity.
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
from typing import Any, Optional

from spacy.language import Language
from spacy.tokens import Doc, Span

from . import extensions  # noqa: F401  (registers the extensions set here)

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


class CriteriaLinker:
    """spaCy component: link ``VALUE`` and ``TEMPORAL`` spans to the entities they qualify."""

    def __init__(self, nlp: Language, name: str = "criteria_linker", *, max_gap: int = 6) -> None:
        self.name = name
        self.max_gap = max_gap

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        if not ents:
            return doc
        sentence_of = [0] * len(doc)
        for number, sent in enumerate(doc.sents):
            sentence_of[sent.start:sent.end] = [number] * (sent.end - sent.start)
        groups: dict[int, list[Span]] = {}
        for ent in ents:
            groups.setdefault(sentence_of[ent.start], []).append(ent)
        for group in groups.values():
            if any(e.label_ in QUALIFIERS for e in group):
                self._link_values(doc, group)
                self._link_windows(group)
        return doc

    # ---------------------------------------------------------------- values

    def _only_filler(self, doc: Doc, start: int, end: int) -> bool:
        return end - start <= self.max_gap and all(t.lower_ in FILLER or t.is_space or t.is_punct for t in doc[start:end])

    def _link_values(self, doc: Doc, group: list[Span]) -> None:
        for position, value in enumerate(group):
            if value.label_ != "VALUE" or value._.value is None:
                continue
            target = self._value_target(doc, group, position)
            if target is None:
                continue
            targets = [target, *self._coordinated_before(doc, group, group.index(target))]
            for entity in targets:
                if entity._.value is None:
                    entity._.value = dict(value._.value)
            value._.qualifies = [target.start_char, target.end_char]

    def _value_target(self, doc: Doc, group: list[Span], position: int) -> Optional[Span]:
        value = group[position]
        left = [e for e in group[:position] if e.label_ not in QUALIFIERS]
        right = [e for e in group[position + 1:] if e.label_ not in QUALIFIERS]
        if left and left[-1].label_ in MEASURABLE and self._only_filler(doc, left[-1].end, value.start):
            return left[-1]
        if right and right[0].label_ in MEASURABLE and right[0].start - value.end <= 3:
            return right[0]
        if left and left[-1].label_ in MEASURABLE and left[-1].end == value.start:
            return left[-1]
        if left and self._only_filler(doc, left[-1].end, value.start):
            return left[-1]
        if right and right[0].start - value.end <= 1:
            return right[0]
        if value._.source == "terms":
            return None  # a word such as "positive" or "high" qualifies only what stands next to it
        for entity in reversed(left):
            if entity.label_ in MEASURABLE:
                return entity
        return left[-1] if left else None

    def _coordinated_before(self, doc: Doc, group: list[Span], index: int) -> list[Span]:
        """Entities of the same label listed before ``group[index]`` with only commas/conjunctions between."""
        out: list[Span] = []
        current = group[index]
        for entity in reversed(group[:index]):
            if entity.label_ != current.label_:
                break
            between = doc[entity.end:current.start]
            if len(between) > 3 or not all(t.lower_ in COORDINATION or t.lower_ in FILLER for t in between):
                break
            out.append(entity)
            current = entity
        return out

    # ---------------------------------------------------------------- windows

    def _link_windows(self, group: list[Span]) -> None:
        previous = -1
        windows = [i for i, e in enumerate(group) if e.label_ == "TEMPORAL" and _has_extent(e._.time_window)]
        for i in windows:
            events = [e for e in group[previous + 1:i] if e.label_ in EVENTS]
            if not events:
                following = [j for j in windows if j > i]
                stop = following[0] if following else len(group)
                events = [e for e in group[i + 1:stop] if e.label_ in EVENTS]
            window = group[i]
            for entity in events:
                if entity._.time_window is None:
                    entity._.time_window = dict(window._.time_window)
            if events:
                window._.qualifies = [events[0].start_char, events[0].end_char]
            previous = i


def _has_extent(window: Optional[dict[str, Any]]) -> bool:
    return bool(window) and (window.get("duration_days") is not None or window.get("anchor") is not None)  # type: ignore[union-attr]


@Language.factory(
    "criteria_linker",
    assigns=["span._.value", "span._.time_window", "span._.qualifies"],
    requires=["doc.ents", "token.is_sent_start"],
    default_config={"max_gap": 6},
)
def make_criteria_linker(nlp: Language, name: str, max_gap: int) -> CriteriaLinker:
    """Factory for ``nlp.add_pipe("criteria_linker")``."""
    return CriteriaLinker(nlp, name, max_gap=max_gap)
