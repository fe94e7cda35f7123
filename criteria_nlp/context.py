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
  boundaries; medspaCy's ``span._.is_negated`` etc. are set too;
* a cue inside brackets does not reach past them ("epilepsy (besides
  posttraumatic epilepsy), multiple sclerosis": only the bracket is excepted),
  and a list of examples ("including", "such as") ends an exception's scope;
* ``POSSIBLE_EXISTENCE`` cues ("suspected", "possible") set ``uncertain`` (the
  rule status ``suspected``), apart from ``HYPOTHETICAL`` plans.

It also finds the **qualifiers** of ``resources/qualifiers.json`` ("uncontrolled",
"chronic", "severe") inside a mention or just before it (every mention of a
list it starts: "severe hepatic or renal impairment"), or after it where the
qualifier may follow ("hypertension, poorly controlled"), and stores them as
``qualifiers`` (name, text, offsets) in the entity's data.
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
from bisect import bisect_right
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Optional

from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.context import ConTextRule
from medspacy.context.context_graph import ConTextGraph
from medspacy.context.context_modifier import ConTextModifier
from pydantic import BaseModel, ConfigDict, Field
from spacy.attrs import LOWER
from spacy.lang.lex_attrs import lower
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.schemas import validate_token_pattern
from spacy.tokens import Doc, Span, Token
from spacy.util import ensure_path
from spacy.vocab import Vocab

from .resource_files import load_validated
from .extensions import entity_data, window_has_extent
from .qualifiers import QualifierLexicon, qualifier_lexicon

RESOURCE = "context_rules.json"
QUALIFIER_RESOURCE = "qualifiers.json"

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
    category: Literal["NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "FAMILY", "EXCEPTION", "PSEUDO",
                      "TERMINATE", "ELABORATION"]
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
        return load_validated(cls, RESOURCE, path)

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


#: the lexeme flag bits spaCy leaves to users ("FLAG19" to "FLAG63")
USER_FLAGS = range(19, 64)


class LowerIn:
    """A lexeme flag's getter: whether a word's lower-case form is one of ``words``, the test of a Matcher
    pattern's ``{"LOWER": {"IN": words}}``."""

    def __init__(self, words: frozenset[str]) -> None:
        self.words = words

    def __call__(self, text: str) -> bool:
        return text.lower() in self.words


def lower_in_flag(vocab: Vocab, words: Iterable[str]) -> Optional[str]:
    """The name ("FLAG19" ...) of a lexeme flag of ``vocab`` set on the words whose lower case is in ``words``,
    added once per vocabulary and set of words; None where the vocabulary lower-cases words its own way or
    has no flag bit left."""
    getters: dict[int, Any] = vocab.lex_attr_getters  # type: ignore[attr-defined]  # (Cython, untyped)
    if getters.get(LOWER) is not lower:
        return None
    wanted = frozenset(words)
    free = None
    for bit in USER_FLAGS:
        getter = getters.get(bit)
        if isinstance(getter, LowerIn) and getter.words == wanted:
            return f"FLAG{bit}"
        if getter is None and free is None:
            free = bit
    if free is None:
        return None
    vocab.add_flag(LowerIn(wanted), flag_id=free)
    return f"FLAG{free}"


def flag_sets(vocab: Vocab, pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A Matcher pattern with each ``{"LOWER": {"IN": words}}`` (or ``NOT_IN``) test read from a lexeme flag:
    the same matches, but spaCy's Matcher tests a flag in C where it calls a Python set test for every token it
    tries (most of ConText's matching time)."""
    out = []
    for spec in pattern:
        test = spec.get("LOWER")
        if isinstance(test, dict) and len(test) == 1 and next(iter(test)) in ("IN", "NOT_IN"):
            operator, words = next(iter(test.items()))
            flag = lower_in_flag(vocab, words)
            if flag is not None:
                spec = {**{key: value for key, value in spec.items() if key != "LOWER"}, flag: operator == "IN"}
        out.append(spec)
    return out


#: above this many cues in one criterion, ConText runs per block of CHUNK tokens
MAX_CUES = 64
CHUNK = 200
def _glue_tokens(tokens: Span) -> list[Token]:
    """The tokens between two list items that must be glue: not the line breaks of wrapped records, nor a
    bracketed aside ("irinotecan (CPT-11) or other camptothecin")."""
    out: list[Token] = []
    depth = 0
    for t in tokens:
        if t.text in ("(", "["):
            depth += 1
        elif t.text in (")", "]"):
            depth = max(0, depth - 1)  # an aside that began before the first item ends here
        elif not depth and not t.is_space:
            out.append(t)
    return out


_LIST_GLUE = frozenset({",", "or", "and", "/", "nor", "and/or", ";", "either", "any", "other"})
#: at most this many tokens between a qualifier and the mention it narrows
QUALIFIER_GAP = 3
#: what may stand between a mention and a qualifier after it ("hypertension, poorly controlled")
_AFTER_GLUE = frozenset({",", "that", "which", "is", "are", "was", "being", "(", "-", "–", "currently", "still"})
#: what a qualifier does not reach across to the mention after it
_QUALIFIER_BREAKS = frozenset({".", ";", ":", "(", ")", "[", "]"})
_QUALIFIER_STOPS = frozenset({"with", "without", "by", "for", "to", "due", "after", "before", "than", "in", "on", "of",
                              "requiring", "including", "unless", "except", "if"})


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


def _bracketed_apart(doc: Doc, cue: int, target: int) -> bool:
    """Whether a cue inside brackets ("(besides X)") would reach a target outside them, after the bracket closes."""
    if target <= cue:
        return False
    depth = 0
    for token in doc[cue:target]:
        if token.text in ("(", "["):
            depth += 1
        elif token.text in (")", "]"):
            depth -= 1
            if depth < 0:
                return True
    return False


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
        self._build(default_rules(), qualifier_lexicon())

    def _build(self, rules: ContextRules, qualifiers: QualifierLexicon) -> None:
        self.rules = rules
        self.matcher = MedspacyMatcher(self.nlp, name=self.name, phrase_matcher_attr="LOWER", prune=True)
        context_rules = rules.to_context_rules()
        for rule in context_rules:
            if isinstance(rule.pattern, list):
                errors = validate_token_pattern(rule.pattern)  # spaCy's schema knows no flag names: checked here
                if errors:
                    raise ValueError(f"ConText rule {rule.literal!r}: invalid token pattern: {'; '.join(errors)}")
                rule.pattern = flag_sets(self.nlp.vocab, rule.pattern)
        self.matcher._MedspacyMatcher__matcher.validate = False  # medspaCy's token Matcher, private to it
        self.matcher.add(context_rules)
        self.qualifiers = qualifiers
        self.qualifier_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for entry in qualifiers.qualifiers:
            docs = [self.nlp.make_doc(form) for form in entry.forms]
            # "treatment -refractory": a stray hyphen before a one-word qualifier stays on its token
            docs += [self.nlp.make_doc("-" + form) for form in entry.forms if len(form.split()) == 1]
            self.qualifier_matcher.add(entry.name, docs)

    def initialize(self, get_examples: Optional[Callable[[], Iterable[Any]]] = None, *, nlp: Optional[Language] = None,
                   rules_path: Optional[str] = None, qualifiers_path: Optional[str] = None) -> None:
        """Load the rules and qualifiers: ``rules_path`` (a JSON file like ``resources/context_rules.json``) and
        ``qualifiers_path`` (like ``resources/qualifiers.json``), or the packaged ones."""
        self._build(ContextRules.load(rules_path) if rules_path else default_rules(),
                    QualifierLexicon.load(qualifiers_path) if qualifiers_path else qualifier_lexicon())

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
        self._qualify(doc, ents, data)
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
        # a time word inside a window ("in past 6 months") is the window's: the linker gives it to its events
        windows = [(ent.start, ent.end) for ent, item in zip(ents, data)
                   if ent.label_ == "TEMPORAL" and window_has_extent(item.get("window"))]
        for sent, modifiers in by_sent_mods.items():
            if windows:
                modifiers = [m for m in modifiers if m.category != "HISTORICAL" or not any(
                    a <= m.modifier_span[0] and m.modifier_span[1] <= b for a, b in windows)]
                if not modifiers:
                    continue
            graph = ConTextGraph(prune_on_modifier_overlap=True)
            graph.targets = by_sent_targets[sent]
            graph.modifiers = modifiers
            graph.update_scopes()
            graph.apply_modifiers()
            for target, modifier in graph.edges:
                m_start, m_end = modifier.modifier_span
                if _bracketed_apart(doc, m_start, target.start):
                    continue  # "epilepsy (besides posttraumatic epilepsy), multiple sclerosis": the cue stays in its bracket
                _mark(target, data[index[(target.start, target.end)]], modifier.category, doc[m_start:m_end])
            self._spread_over_lists(doc, by_sent_targets[sent], data, index)
        return doc

    def _qualify(self, doc: Doc, ents: list[Span], data: list[dict[str, Any]]) -> None:
        """Attach the qualifiers of ``resources/qualifiers.json`` to the mentions they narrow: inside the
        mention or just before it ("uncontrolled hypertension", "severe hepatic or renal impairment": every
        mention of the list), or just after it where the qualifier may follow ("hypertension, poorly
        controlled"); stored as ``qualifiers`` (name, text, char offsets) in the entity's data."""
        matches = self.qualifier_matcher(doc)
        if not matches:
            return
        # longest first; a match inside a longer one ("controlled" in "not controlled") is dropped
        chosen: list[tuple[int, int, str]] = []
        taken: set[int] = set()
        for match_id, start, end in sorted(matches, key=lambda m: (-(m[2] - m[1]), m[1])):
            if any(i in taken for i in range(start, end)):
                continue
            taken.update(range(start, end))
            chosen.append((start, end, self.nlp.vocab.strings[match_id]))
        events = [i for i, ent in enumerate(ents) if ent.label_ not in ("VALUE", "TEMPORAL", "AGE", "SEX")]
        starts = [ents[i].start for i in events]
        for start, end, name in sorted(chosen):
            entry = self.qualifiers.by_name[name]
            targets = self._qualified(doc, ents, events, starts, start, end, entry.position)
            for i in targets:
                if ents[i].label_ not in entry.labels:
                    continue
                found = data[i].setdefault("qualifiers", [])
                item = {"name": name, "text": doc[start:end].text, "start": doc[start].idx,
                        "end": doc[end - 1].idx + len(doc[end - 1])}
                if item not in found:
                    found.append(item)

    @staticmethod
    def _qualified(doc: Doc, ents: list[Span], events: list[int], starts: list[int], start: int, end: int,
                   position: str) -> list[int]:
        """Positions (in ``ents``) of the mentions a qualifier at tokens ``start:end`` narrows."""
        sent = doc[start].sent
        k = bisect_right(starts, start) - 1  # the last mention starting at or before the qualifier
        if k >= 0 and ents[events[k]].start <= start and end <= ents[events[k]].end:
            return [events[k]]  # inside the mention
        out: list[int] = []
        if position in ("before", "both") and k + 1 < len(events):
            nxt = ents[events[k + 1]]
            between = doc[end:nxt.start]
            if nxt.start < sent.end and len(between) <= QUALIFIER_GAP and not any(
                    t.text in _QUALIFIER_BREAKS or t.lower_ in _QUALIFIER_STOPS for t in between):
                out.append(events[k + 1])
                current = nxt
                for j in range(k + 2, len(events)):  # the rest of a list it starts
                    other = ents[events[j]]
                    glue = doc[current.end:other.start]
                    if other.start >= sent.end or len(glue) > 3 or any(t.lower_ not in _LIST_GLUE for t in glue):
                        break
                    out.append(events[j])
                    current = other
                return out
        if position in ("after", "both") and k >= 0:
            prev = ents[events[k]]
            between = doc[prev.end:start]
            if prev.start >= sent.start and len(between) <= QUALIFIER_GAP and all(
                    t.lower_ in _AFTER_GLUE for t in between):
                out.append(events[k])
        return out

    @staticmethod
    def _spread_over_lists(doc: Doc, targets: list[Span], data: list[dict[str, Any]],
                           index: dict[tuple[int, int], int]) -> None:
        """A negation reaches the rest of a list it starts ("no heart failure, stroke or unstable angina"),
        however long, while in running prose it stops after a few words (the rules' ``max_scope``)."""
        for first, second in zip(targets, targets[1:]):
            one, two = data[index[(first.start, first.end)]], data[index[(second.start, second.end)]]
            if not one.get("negated") or two.get("negated") or two.get("excepted"):
                continue
            between = _glue_tokens(doc[first.end:second.start])
            if len(between) > 3 or any(t.lower_ not in _LIST_GLUE for t in between):
                continue
            cue = next((c for c in one.get("cues", ()) if c["category"] == "NEGATED_EXISTENCE"), None)
            if cue is not None:
                _mark(second, two, "NEGATED_EXISTENCE", doc.char_span(cue["start"], cue["end"], alignment_mode="expand"))

    def to_disk(self, path: "str | Path", *, exclude: Iterable[str] = ()) -> None:
        """Write the rules as ``context_rules.json`` and the qualifiers as ``qualifiers.json`` inside ``path``."""
        out = ensure_path(path)
        out.mkdir(parents=True, exist_ok=True)
        (out / RESOURCE).write_text(self.rules.model_dump_json(indent=1, exclude_none=True), encoding="utf-8")
        (out / QUALIFIER_RESOURCE).write_text(self.qualifiers.model_dump_json(indent=1), encoding="utf-8")

    def from_disk(self, path: "str | Path", *, exclude: Iterable[str] = ()) -> "CriteriaContext":
        """Read the rules and qualifiers written by ``to_disk`` (a pipeline saved without qualifiers gets the
        packaged ones)."""
        folder = ensure_path(path)
        qualifiers = folder / QUALIFIER_RESOURCE
        self._build(ContextRules.load(folder / RESOURCE),
                    QualifierLexicon.load(qualifiers) if qualifiers.is_file() else qualifier_lexicon())
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
