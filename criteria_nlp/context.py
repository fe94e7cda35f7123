"""Assertion context: negation, history, hypotheticals, family and exceptions (factory ``criteria_context``).

Runs medspaCy's ConText algorithm (its ``ConTextRule``, ``ConTextModifier`` and
``ConTextGraph``, matched with ``MedspacyMatcher``) with rules written for
eligibility language, kept in ``resources/context_rules.json``. It differs from
medspaCy's ``medspacy_context`` component in three ways:

* the graph is built per criterion (the segmenter makes each criterion a
  sentence), so the cost grows with the size of a criterion, not of the record;
* ``EXCEPTION`` cues ("other than", "except", "unless", "excluding") mark what
  follows as excepted and end the scope of the cues
  before them, so an excepted entity does not inherit the criterion's meaning;
* results are stored as JSON-friendly values in ``doc._.entity_data`` (flags and
  the cues that set them), not ConText objects, so docs cross process
  boundaries; medspaCy's ``span._.is_negated`` etc. are set too.
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
import json
from bisect import bisect_right
from collections import defaultdict
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Optional

from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.context import ConTextRule
from medspacy.context.context_graph import ConTextGraph
from medspacy.context.context_modifier import ConTextModifier
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

from .extensions import entity_data
from .errors import ResourceError

RESOURCE = "context_rules.json"

#: ConText category -> field of doc._.entity_data it sets
FIELDS: dict[str, str] = {
    "NEGATED_EXISTENCE": "negated",
    "HISTORICAL": "historical",
    "HYPOTHETICAL": "hypothetical",
    "FAMILY": "family",
    "POSSIBLE_EXISTENCE": "uncertain",
    "EXCEPTION": "excepted",
}
#: ConText category -> medspaCy's Span attribute, also set on the modified spans
ATTRIBUTES: dict[str, str] = {
    "NEGATED_EXISTENCE": "is_negated",
    "HISTORICAL": "is_historical",
    "HYPOTHETICAL": "is_hypothetical",
    "FAMILY": "is_family",
    "POSSIBLE_EXISTENCE": "is_uncertain",
}


class ContextRuleModel(BaseModel):
    """One ConText rule as stored in the resource."""

    model_config = ConfigDict(extra="forbid")
    literal: str = Field(min_length=1)
    category: Literal["NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "FAMILY", "EXCEPTION", "PSEUDO", "TERMINATE"]
    direction: Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"]
    pattern: Optional[list[dict[str, Any]]] = None
    allowed_types: Optional[list[str]] = None
    excluded_types: Optional[list[str]] = None
    max_scope: Optional[int] = None
    max_targets: Optional[int] = None


class ContextRules(BaseModel):
    """The resource ``context_rules.json``, validated on load."""

    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    description: str = ""
    terminated_by: dict[str, list[str]] = Field(default_factory=dict)
    context_rules: list[ContextRuleModel]

    @classmethod
    def load(cls, path: "str | Path | None" = None) -> "ContextRules":
        """Load and validate the rules from ``path``, or the packaged default."""
        record = str(path) if path is not None else f"criteria_nlp/resources/{RESOURCE}"
        try:
            if path is None:
                text = resources.files("criteria_nlp.resources").joinpath(RESOURCE).read_text("utf-8")
            else:
                text = Path(path).read_text("utf-8")
            return cls.model_validate(json.loads(text))
        except FileNotFoundError:
            raise ResourceError("X002", record=record) from None
        except (ValidationError, json.JSONDecodeError) as exc:
            raise ResourceError("X001", record=record, detail=str(exc).splitlines()[0]) from None

    def to_context_rules(self) -> list[ConTextRule]:
        """medspaCy ``ConTextRule`` objects, with the resource's termination map applied."""
        out = []
        for rule in self.context_rules:
            terminated = set(self.terminated_by.get(rule.category, ()))
            out.append(
                ConTextRule(
                    literal=rule.literal,
                    category=rule.category,
                    pattern=rule.pattern,
                    direction=rule.direction,
                    allowed_types=set(rule.allowed_types) if rule.allowed_types else None,
                    excluded_types=set(rule.excluded_types) if rule.excluded_types else None,
                    max_scope=rule.max_scope,
                    max_targets=rule.max_targets,
                    terminated_by=terminated or None,
                )
            )
        return out


#: above this many cues in one criterion, ConText runs per block of CHUNK tokens
MAX_CUES = 64
CHUNK = 200
_LIST_GLUE = frozenset({",", "or", "and", "/", "nor", "and/or", ";", "either", "any", "other"})


def _mark(target: Span, data: dict[str, Any], category: str, cue: Optional[Span]) -> None:
    """Record a cue's effect in the entity's data, and on the span under medspaCy's attribute names."""
    field = FIELDS.get(category)
    if field is None or cue is None:
        return
    data[field] = True
    data.setdefault("cues", []).append({"category": category, "text": cue.text, "start": cue.start_char, "end": cue.end_char})
    attribute = ATTRIBUTES.get(category)
    if attribute is not None:
        setattr(target._, attribute, True)


@lru_cache(maxsize=1)
def default_rules() -> ContextRules:
    """The packaged ConText rules (loaded once)."""
    return ContextRules.load()


class CriteriaContext:
    """spaCy component: negation, history, hypotheticals, family and exceptions of ``doc.ents``."""

    def __init__(self, nlp: Language, name: str = "criteria_context", *, max_scope: Optional[int] = None) -> None:
        self.nlp = nlp
        self.name = name
        self.max_scope = max_scope
        self._build(default_rules())

    def _build(self, rules: ContextRules) -> None:
        self.rules = rules
        self.matcher = MedspacyMatcher(self.nlp, name=self.name, phrase_matcher_attr="LOWER", prune=True)
        self.matcher.add(rules.to_context_rules())

    def initialize(self, get_examples: Optional[Callable[[], Iterable[Any]]] = None, *, nlp: Optional[Language] = None,
                   rules_path: Optional[str] = None) -> None:
        """Load the rules: ``rules_path`` (a JSON file like ``resources/context_rules.json``) or the packaged ones."""
        self._build(ContextRules.load(rules_path) if rules_path else default_rules())

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        data = entity_data(doc, ents)
        for ent, item in zip(ents, data):  # terms that carry their own cue ("non-smoker"), marked by the tagger
            for category in ("NEGATED_EXISTENCE", "HISTORICAL"):
                if item.get(FIELDS[category]) and not item.get("cues"):
                    _mark(ent, item, category, ent)
        index = {(ent.start, ent.end): i for i, ent in enumerate(ents)}
        targets = [ent for ent in ents if ent.label_ not in ("VALUE", "TEMPORAL")]
        if not targets:
            return doc
        matches = self.matcher(doc)
        if not matches:
            return doc
        # group targets and modifiers by sentence (criterion); in a criterion crowded with cues, by block
        # of CHUNK tokens: ConText compares every pair of cues, which a pathological criterion (thousands
        # of "no history of") would make quadratic
        starts = [sent.start for sent in doc.sents]
        cues_per_sentence: dict[int, int] = defaultdict(int)
        for _, start, _ in matches:
            cues_per_sentence[bisect_right(starts, start) - 1] += 1

        def unit(token: int) -> tuple[int, int]:
            sent = bisect_right(starts, token) - 1
            block = (token - starts[sent]) // CHUNK if cues_per_sentence[sent] > MAX_CUES else 0
            return sent, block

        by_sent_targets: dict[tuple[int, int], list[Span]] = defaultdict(list)
        for ent in targets:
            by_sent_targets[unit(ent.start)].append(ent)
        by_sent_mods: dict[tuple[int, int], list[ConTextModifier]] = defaultdict(list)
        rule_map = self.matcher.rule_map
        for match_id, start, end in matches:
            key = unit(start)
            if key not in by_sent_targets:
                continue
            rule = rule_map[self.nlp.vocab.strings[match_id]]
            modifier = ConTextModifier(rule, start, end, doc, max_scope=self.max_scope)
            if key[1] or cues_per_sentence[key[0]] > MAX_CUES:  # keep the scope inside the block
                block_start = starts[key[0]] + key[1] * CHUNK
                s_start, s_end = modifier.scope_span
                modifier._scope_start, modifier._scope_end = max(s_start, block_start), min(s_end, block_start + CHUNK)
            by_sent_mods[key].append(modifier)
        for sent, modifiers in by_sent_mods.items():
            graph = ConTextGraph(prune_on_modifier_overlap=True)
            graph.targets = by_sent_targets[sent]
            graph.modifiers = modifiers
            graph.update_scopes()
            graph.apply_modifiers()
            for target, modifier in graph.edges:
                m_start, m_end = modifier.modifier_span
                _mark(target, data[index[(target.start, target.end)]], modifier.category, doc[m_start:m_end])
            self._spread_over_lists(doc, by_sent_targets[sent], data, index)
        return doc

    @staticmethod
    def _spread_over_lists(doc: Doc, targets: list[Span], data: list[dict[str, Any]],
                           index: dict[tuple[int, int], int]) -> None:
        """A negation reaches the rest of a list it starts ("no heart failure, stroke or unstable angina"),
        however long, while in running prose it stops after a few words (the rules' ``max_scope``)."""
        for first, second in zip(targets, targets[1:]):
            one, two = data[index[(first.start, first.end)]], data[index[(second.start, second.end)]]
            if not one.get("negated") or two.get("negated") or two.get("excepted"):
                continue
            between = doc[first.end:second.start]
            if len(between) > 3 or any(t.lower_ not in _LIST_GLUE for t in between):
                continue
            cue = next((c for c in one.get("cues", ()) if c["category"] == "NEGATED_EXISTENCE"), None)
            if cue is not None:
                _mark(second, two, "NEGATED_EXISTENCE", doc.char_span(cue["start"], cue["end"], alignment_mode="expand"))

    def to_disk(self, path: "str | Path", *, exclude: Iterable[str] = ()) -> None:
        """Write the rules as ``context_rules.json`` inside ``path``."""
        out = ensure_path(path)
        out.mkdir(parents=True, exist_ok=True)
        (out / RESOURCE).write_text(self.rules.model_dump_json(indent=1, exclude_none=True), encoding="utf-8")

    def from_disk(self, path: "str | Path", *, exclude: Iterable[str] = ()) -> "CriteriaContext":
        """Read the rules written by ``to_disk``."""
        self._build(ContextRules.load(ensure_path(path) / RESOURCE))
        return self


@Language.factory(
    "criteria_context",
    assigns=["doc._.entity_data", "span._.is_negated", "span._.is_historical", "span._.is_hypothetical",
             "span._.is_family"],
    requires=["doc.ents", "token.is_sent_start"],
    default_config={"max_scope": None},
)
def make_criteria_context(nlp: Language, name: str, max_scope: Optional[int]) -> CriteriaContext:
    """Factory for ``nlp.add_pipe("criteria_context")``."""
    return CriteriaContext(nlp, name, max_scope=max_scope)
