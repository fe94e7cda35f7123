"""Rules: turn a trial's criteria and entities into comparable, computable eligibility rules.

``build_rules(analysis)`` returns one :class:`~criteria_nlp.schema.Rule` per
computable statement, and one non-computable rule (with the criterion's text)
for every criterion that yields none, so nothing is lost and coverage can be
counted. Rules from the registry's own fields (minimum/maximum age, sex,
healthy volunteers) are kept beside them with ``source="structured"``.

How a rule is read from a criterion:

* **polarity**: ``require`` for an inclusion criterion, ``exclude`` for an
  exclusion one, flipped by negation ("Inclusion: no serious infection" ->
  exclude serious infection; "Exclusion: no prior dialysis" -> require prior
  dialysis). A criterion whose kind is unknown (text without headers) gives
  non-computable rules: its polarity cannot be known.
* **category**: from the entity's label (CONDITION -> condition, DRUG -> drug,
  ...); pregnancy, lactation, childbearing potential and contraception are
  ``pregnancy``; devices are ``other``; a treatment procedure coded with a
  drug ("immunosuppressive therapy") is ``drug``.
* **status**: ``history`` / ``planned`` / ``family`` from ConText, else ``current``.
* **values and windows**: the entity's linked value (operator, limits, unit in
  the lab's canonical unit when known, multiples of the upper/lower limit of
  normal, "4 of 11") and time window.
* **exceptions**: entities the criterion excepts ("other than basal cell
  carcinoma", "unless due to active lupus") become the rule's ``exceptions``,
  not rules of their own.
* **alternatives**: entities of one category joined by "or" ("parenchymal lung
  involvement or refractory heart involvement") share an any-of ``group``.
* **ages**: an AGE entity with its value, an age group ("adults" >= 18), or a
  value in years in a criterion about age ("18 years or older").
* **sex**: a sex term in an inclusion criterion that is about sex only ("Male or
  female", "Postmenopausal women"); sex words that qualify something else
  ("pregnant women") give no sex rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .schema import Concept, Criterion, Entity, Rule, RuleException, Trial, TrialAnalysis, Value, Window

LABEL_CATEGORY = {
    "CONDITION": "condition",
    "DRUG": "drug",
    "PROCEDURE": "procedure",
    "LAB": "lab",
    "SCORE": "score",
    "OBSERVATION": "observation",
    "DEVICE": "other",
}
PREGNANCY_CODES = {"Z33.1", "Z33.2", "Z33.3", "Z39.1", "Z32.01", "Z32.00", "Z34.90"}
PREGNANCY_ENTRIES = {"obs:childbearing-potential", "proc:contraception"}
PREGNANCY_TEXT = re.compile(r"(?i)\b(pregnan\w*|lactat\w*|breast[- ]?feed\w*|nursing|childbearing|contracept\w*)")
#: observations a structured patient record can answer
COMPUTABLE_OBSERVATIONS = {"obs:smoking", "obs:alcohol-use", "obs:drug-use", "obs:childbearing-potential",
                           "obs:postmenopausal"}
AGE_GROUPS: dict[str, tuple[str, float | None, float | None]] = {
    # code -> operator, low, high (years)
    "adult": (">=", 18.0, None),
    "child": ("<", 18.0, None),
    "adolescent": ("between", 12.0, 17.0),
    "infant": ("<", 2.0, None),
    "older_adult": (">=", 65.0, None),
}
#: concepts too general to evaluate against a record ("any medical condition", "complications")
TOO_GENERAL = {"R69", "R68.89", "T88.9XXA", "Z99.89", "proc:diagnosis", "obs:study-staff"}
AGE_WORDS = re.compile(r"(?i)\b(age[ds]?|years?\s+old|of\s+age|older|younger|adults?|yrs?\s+old)\b")
SEX_ONLY_LABELS = {"SEX", "AGE", "VALUE", "TEMPORAL"}
OR_SEPARATOR = re.compile(r"(?i)^[\s,;]*(?:(?:and/or|or|/|either)[\s,]*)+$|^[\s,]*$")
LIST_SEPARATOR = re.compile(r"(?i)^[\s,;/]*(?:(?:and/or|or|and|either|including|such as|e\.g\.,?)[\s,]*)*$")


def _years(value: Any, field: str) -> float | None:
    """A value's bound in years: the canonical figure when the coder set one, else as written."""
    canonical = getattr(value, f"{field}_canonical")
    if canonical is not None and value.unit_canonical == "years":
        return float(canonical)
    raw = getattr(value, field)
    return float(raw) if raw is not None else None


def _polarity(kind: str, negated: bool) -> str:
    base = "require" if kind == "inclusion" else "exclude"
    if negated:
        return "exclude" if base == "require" else "require"
    return base


def _status(entity: Entity) -> str:
    if entity.family:
        return "family"
    if entity.hypothetical:
        return "planned"
    if entity.historical:
        return "history"
    return "current"


def _category(entity: Entity) -> str:
    concept = entity.concept
    if concept is not None and (concept.code in PREGNANCY_CODES or concept.code in PREGNANCY_ENTRIES):
        return "pregnancy"
    if entity.label in ("CONDITION", "OBSERVATION") and concept is None and PREGNANCY_TEXT.search(entity.text):
        return "pregnancy"
    if entity.label == "PROCEDURE" and concept is not None and concept.is_drug:
        return "drug"  # "immunosuppressive therapy": a treatment procedure, matched on the drug it gives
    return LABEL_CATEGORY.get(entity.label, "other")


class _Builder:
    def __init__(self, analysis: TrialAnalysis) -> None:
        self.analysis = analysis
        self.rules: list[Rule] = []
        self.groups = 0
        self.parents = {c.id: c for c in analysis.criteria}
        self.by_criterion: dict[str, list[Entity]] = {}
        for entity in analysis.entities:
            self.by_criterion.setdefault(entity.criterion, []).append(entity)
        self.by_id = {e.id: e for e in analysis.entities}

    def add(self, **fields: Any) -> Rule:
        # every field is already of its type (models from the entities, literals from this module):
        # constructed without validating again; from_dict validates the whole analysis
        fields["id"] = f"r{len(self.rules) + 1}"
        rule = Rule.construct_trusted(fields)
        self.rules.append(rule)
        return rule

    # ------------------------------------------------------------ structured

    def structured(self, trial: Trial) -> None:
        eligibility = trial.eligibility
        for age, operator in ((eligibility.minimum_age, ">="), (eligibility.maximum_age, "<=")):
            if age is not None:
                self.add(kind="inclusion", category="age", polarity="require", operator=operator, low=age.years,
                         unit="years", source="structured",
                         text=f"{'Minimum' if operator == '>=' else 'Maximum'} age: {age.value:g} {age.unit}")
        if eligibility.sex is not None:
            self.add(kind="inclusion", category="sex", polarity="require", operator="=",
                     concept=Concept(system="SEX", code=eligibility.sex, name=eligibility.sex), source="structured",
                     text=f"Sex: {eligibility.sex}")
        if eligibility.healthy_volunteers is not None:
            accepted = "accepted" if eligibility.healthy_volunteers else "not accepted"
            self.add(kind="inclusion", category="other", polarity="require", operator="=",
                     concept=Concept(system="CRITERIA_NLP", code="healthy-volunteers", name="healthy volunteers"),
                     source="structured", text=f"Healthy volunteers: {accepted}", computable=False,
                     reason="informative: whether the registry accepts healthy volunteers")

    # ------------------------------------------------------------ text

    def criterion(self, criterion: Criterion) -> None:
        entities = self.by_criterion.get(criterion.id, [])
        start = len(self.rules)
        if criterion.kind == "unknown":
            self.add(kind="unknown", category="other", polarity="require", text=criterion.text,
                     criterion=criterion.id, computable=False,
                     reason="the criterion's kind (inclusion or exclusion) is unknown")
            return
        exceptions = [e for e in entities if e.excepted and e.label not in ("VALUE", "TEMPORAL")]
        main = [e for e in entities if not e.excepted and e.label not in ("VALUE", "TEMPORAL", "AGE", "SEX")]
        age_rules = self.ages(criterion, entities)
        sex_rule = self.sex(criterion, entities)
        for entity in main:
            self.entity_rule(criterion, entity, exceptions)
        del age_rules, sex_rule  # added to self.rules already
        self.deduplicate(start)
        self.group_alternatives(criterion, self.rules[start:])
        if len(self.rules) == start:
            self.add(kind=criterion.kind, category="other", polarity=_polarity(criterion.kind, False),
                     text=criterion.text, criterion=criterion.id, computable=False,
                     reason="nothing in the criterion could be coded")

    def deduplicate(self, start: int) -> None:
        """Drop a rule that repeats an earlier one of the same criterion ("left ventricular ejection fraction (LVEF)")."""
        seen: set[tuple[Any, ...]] = set()
        kept: list[Rule] = []
        for rule in self.rules[start:]:
            what = None if rule.category in ("age", "sex") else (rule.concept.code if rule.concept else rule.evidence)
            key = (rule.category, what, rule.polarity, rule.status, rule.operator, rule.low, rule.high, rule.uln_multiple)
            if key in seen:
                continue
            seen.add(key)
            kept.append(rule)
        del self.rules[start:]
        for rule in kept:
            self.rules.append(rule.model_copy(update={"id": f"r{len(self.rules) + 1}"}))

    def entity_rule(self, criterion: Criterion, entity: Entity, exceptions: list[Entity]) -> None:
        category = _category(entity)
        value = entity.value
        fields: dict[str, Any] = {
            "criterion": criterion.id, "kind": criterion.kind, "category": category, "concept": entity.concept,
            "polarity": _polarity(criterion.kind, entity.negated), "status": _status(entity),
            "window": entity.window if entity.window is not None and _window_has_extent(entity.window) else None,
            "exceptions": [RuleException(concept=e.concept, text=e.text, entity=e.id) for e in exceptions],
            "entity": entity.id, "text": criterion.text, "evidence": entity.text,
        }
        if value is not None:
            canonical = value.unit_canonical is not None
            fields.update(
                operator=value.operator,
                low=value.low_canonical if canonical and value.low_canonical is not None else value.low,
                high=value.high_canonical if canonical and value.high_canonical is not None else value.high,
                unit=value.unit_canonical if canonical else value.unit,
                uln_multiple=value.uln_multiple, lln_multiple=value.lln_multiple, of=value.of,
            )
        computable, reason = self.computable(entity, category, value is not None)
        self.add(computable=computable, reason=reason, **fields)

    def computable(self, entity: Entity, category: str, has_value: bool) -> tuple[bool, str | None]:
        concept = entity.concept
        if concept is None:
            return False, "the mention has no code"
        if concept.code in TOO_GENERAL:
            return False, "too general to evaluate against a record"
        if category in ("lab", "score"):
            return (True, None) if has_value else (False, f"a {category} without a value or limit")
        if category == "observation":
            if concept.code in COMPUTABLE_OBSERVATIONS:
                return True, None
            return False, "an observation a patient record does not hold"
        if category == "other":
            return False, "a device or other mention"
        return True, None

    def ages(self, criterion: Criterion, entities: list[Entity]) -> list[Rule]:
        out: list[Rule] = []
        used: set[str] = set()
        context = criterion.text + " " + (self.parents[criterion.parent].text if criterion.parent in self.parents else "")
        for entity in entities:
            if entity.label != "AGE":
                continue
            if entity.value is not None and entity.value.low is not None or (entity.value and entity.value.high is not None):
                value: Value | None = entity.value
                assert value is not None
                out.append(self.add(
                    criterion=criterion.id, kind=criterion.kind, category="age",
                    polarity=_polarity(criterion.kind, entity.negated), operator=value.operator,
                    low=_years(value, "low"), high=_years(value, "high"), unit="years",
                    entity=entity.id, text=criterion.text, evidence=f"{entity.text} {value.text}"))
                used.add(entity.id)
            elif entity.concept is not None and entity.concept.code in AGE_GROUPS and self._age_group_is_subject(criterion, entity, entities):
                operator, low, high = AGE_GROUPS[entity.concept.code]
                out.append(self.add(
                    criterion=criterion.id, kind=criterion.kind, category="age",
                    polarity=_polarity(criterion.kind, entity.negated), operator=operator, low=low, high=high,
                    unit="years", entity=entity.id, text=criterion.text, evidence=entity.text,
                    concept=Concept(system="AGE_GROUP", code=entity.concept.code, name=entity.concept.name)))
        if out:
            return out
        # "18 years or older", "6 months and over" under "Age:"
        for entity in entities:
            value = entity.value
            if entity.label != "VALUE" or value is None or entity.qualifies is not None:
                continue
            unit = (value.unit or "").lower()
            if unit not in ("years", "year", "months", "month", "weeks", "days") or not AGE_WORDS.search(context):
                continue
            if value.low is None and value.high is None:
                continue
            out.append(self.add(
                criterion=criterion.id, kind=criterion.kind, category="age",
                polarity=_polarity(criterion.kind, entity.negated), operator=value.operator,
                low=_years(value, "low"), high=_years(value, "high"), unit="years" if value.unit_canonical == "years" else value.unit,
                entity=entity.id, text=criterion.text, evidence=value.text))
        return out

    def _age_group_is_subject(self, criterion: Criterion, entity: Entity, entities: list[Entity]) -> bool:
        """"Adults" in "Adults aged 18-65" or "Children" alone, not "having an infant at home" or
        "adults unable to consent" (where the group qualifies something else)."""
        words_before = len(criterion.text[: entity.start - criterion.start].split())
        if words_before > 1:
            return False
        others = [e for e in entities if e.label not in SEX_ONLY_LABELS and not e.excepted]
        return not others or (criterion.kind == "inclusion" and len(others) <= 1)

    def sex(self, criterion: Criterion, entities: list[Entity]) -> Rule | None:
        if criterion.kind != "inclusion" or len(criterion.text.split()) > 8:
            return None  # "Female subjects must either be of non-reproductive potential or ..." is about something else
        sexes = [e for e in entities if e.label == "SEX" and e.concept is not None and not e.negated]
        if not sexes or any(e.label not in SEX_ONLY_LABELS for e in entities):
            return None
        codes = {e.concept.code for e in sexes if e.concept is not None}
        code = "all" if "all" in codes or codes == {"female", "male"} else codes.pop()
        # the evidence runs from the first sex word to the last: "Male or female", not "Male"
        first, last = min(e.start for e in sexes), max(e.end for e in sexes)
        evidence = criterion.text[first - criterion.start:last - criterion.start]
        return self.add(criterion=criterion.id, kind=criterion.kind, category="sex", polarity="require",
                        operator="=", concept=Concept(system="SEX", code=code, name=code), entity=sexes[0].id,
                        text=criterion.text, evidence=evidence)

    def group_alternatives(self, criterion: Criterion, rules: list[Rule]) -> None:
        """Rules of one category whose mentions are joined by "or" become an any-of group."""
        text = self.analysis.trial.eligibility_text
        candidates = [r for r in rules if r.entity is not None and r.category not in ("age", "sex")]
        candidates.sort(key=lambda r: self.by_id[r.entity].start if r.entity in self.by_id else 0)
        chain: list[Rule] = []
        saw_or = False

        def close() -> None:
            nonlocal chain, saw_or
            if len(chain) > 1 and saw_or:
                self.groups += 1
                for rule in chain:
                    rule.group = f"g{self.groups}"
            chain, saw_or = [], False

        for rule in candidates:
            if chain:
                previous = self.by_id[chain[-1].entity]  # type: ignore[index]
                current = self.by_id[rule.entity]  # type: ignore[index]
                between = text[previous.end:current.start]
                same = rule.category == chain[-1].category and rule.polarity == chain[-1].polarity
                if same and LIST_SEPARATOR.match(between):
                    if re.search(r"(?i)\bor\b|/", between):
                        saw_or = True
                    chain.append(rule)
                    continue
                close()
            chain = [rule]
        close()


def _window_has_extent(window: Window) -> bool:
    return window.duration_days is not None or window.anchor is not None


def _family(concept: Concept | None) -> str | None:
    """A condition's ICD-10-CM category ("M32" for M32.14), the unit population mentions are compared in."""
    if concept is None or concept.system != "ICD-10-CM":
        return None
    return concept.code.split(".")[0]


def _mark_population_mentions(rules: list[Rule]) -> None:
    """In "SLE with severe infection" (an exclusion of a lupus trial), SLE names who the exclusion is about,
    not a condition that excludes: such a rule stays, marked non-computable."""
    required = {_family(r.concept) for r in rules if r.category == "condition" and r.polarity == "require"
                and r.kind == "inclusion" and r.computable}
    required.discard(None)
    by_criterion: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.criterion is not None and rule.kind == "exclusion" and rule.category == "condition":
            by_criterion.setdefault(rule.criterion, []).append(rule)
    for group in by_criterion.values():
        if len(group) < 2:
            continue
        population = [r for r in group if r.polarity == "exclude" and _family(r.concept) in required]
        if population and len(population) < len(group):
            for rule in population:
                rule.computable = False
                rule.reason = "names the trial's own population (the condition it requires), not a reason to exclude"


def build_rules(analysis: TrialAnalysis) -> list[Rule]:
    """The rules of an analysis: structured ones first, then one or more per text criterion."""
    builder = _Builder(analysis)
    builder.structured(analysis.trial)
    for criterion in analysis.criteria:
        if criterion.role == "criterion":
            builder.criterion(criterion)
    _mark_population_mentions(builder.rules)
    return builder.rules


def rules_by_kind(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    """Computable rules grouped by polarity, for display."""
    out: dict[str, list[Rule]] = {"require": [], "exclude": []}
    for rule in rules:
        if rule.computable:
            out[rule.polarity].append(rule)
    return out
