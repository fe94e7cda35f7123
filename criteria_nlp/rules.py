"""Rules: turn a trial's criteria and entities into comparable, computable eligibility rules.

``build_rules(analysis)`` returns one :class:`~criteria_nlp.schema.Rule` per
computable statement, and one non-computable rule (with the criterion's text)
for every criterion that yields none, so nothing is lost and coverage can be
counted. Rules from the registry's own fields (minimum/maximum age, sex,
healthy volunteers) are kept beside them with ``source="structured"``.

How a rule is read from a criterion:

* **polarity**: ``require`` for an inclusion criterion, ``exclude`` for an
  exclusion one, flipped by negation ("Inclusion: no serious infection" ->
  exclude serious infection; "Exclusion: patients who have not had dialysis" ->
  require dialysis). An item opening with "No" is the exception: under
  Exclusion Criteria it is an exclusion written as a requirement ("No prior
  herpes zoster" excludes zoster), and in an inclusion its "No" governs the
  first sentence past ConText's scope, the words after "except" being its
  exceptions (:func:`criteria_nlp.structure.negation_reach`). What a sentence
  states wins over its list (:func:`criteria_nlp.structure.statement_kind`):
  "... will not be eligible" in an inclusion list is an exclusion, "Patients
  must (not) have ..." in an exclusion list a requirement, and a permission
  ("Patients with treated brain metastases are eligible") gives one
  non-computable rule. A criterion whose kind is unknown (text without
  headers) gives non-computable rules, unless it stands under no heading or
  lead-in and says by itself what it is (it opens with "No", or names only an
  age or a sex).
* **population** (``applies_to``): a criterion naming a narrower group binds
  only it ("Women of childbearing potential must ...", "... required of
  fertile patients", "for women aged 40 and over", "If age is 40 to 45 years,
  ...", "Hemoglobin >= 11 g/dL in men", a cohort heading); the mentions that
  describe the group give no rules of their own. A value under a conditional
  clause ("< 5 x ULN if liver metastases are present") is a rule of its own for
  that population, and the mention's other limit binds the rest.
* **qualifiers**: the entity's qualifiers its code does not already say
  ("uncontrolled" hypertension, "chronic" infection, but not the "acute" of
  acute myocardial infarction), and "interfering" for the mentions a clause
  about consequences judges ("Psychiatric illness making informed consent
  impossible": consent and compliance there give no rules).
* **treatments named generically**: "Prior treatment with X" gives X's rule
  with the status of "prior"; the generic word gives none.
* **category**: from the entity's label (CONDITION -> condition, DRUG -> drug,
  ...); pregnancy, lactation, childbearing potential and contraception are
  ``pregnancy``; devices are ``other``; a treatment procedure coded with a
  drug ("immunosuppressive therapy") is ``drug``.
* **status**: ``history`` / ``planned`` / ``family`` from ConText, else ``current``.
* **washout periods**: a required event with a past "at least ... since" window
  ("At least 4 weeks since prior chemotherapy") is the exclusion of the event
  within that time (:func:`washout`), and what a patient must have "recovered
  from" the exclusion of it with the qualifier ``unrecovered``: a patient never
  treated is eligible.
* **values and windows**: the entity's linked value (operator, limits, unit in
  the lab's canonical unit when known, multiples of the upper/lower limit of
  normal, "4 of 11") and time window.
* **allergies**: the agents of "allergy / hypersensitivity / intolerance to X,
  Y" give ``allergy`` rules (the patient is allergic to X), never rules about
  taking X; the allergy mention that introduces them gives none of its own.
* **exceptions**: entities the criterion excepts ("other than basal cell
  carcinoma", "unless due to active lupus") become the rule's ``exceptions``,
  not rules of their own.
* **alternatives**: requirements joined by "or" share an any-of ``group``:
  of one category or of one kind ("chemotherapy or radiotherapy"), or any two
  with an explicit "or" between ("type 2 diabetes or HbA1c >= 6.5%"), their
  values and qualifiers between them ("total bilirubin < 2 mg/dL or AST < 3 x
  ULN", "normal blood pressure or controlled hypertension"); so do
  the items after "one of the following:", inside a criterion or under a
  lead-in. Exclusions need no group (each excludes on its own).
* **ages**: an AGE entity with its value, an age group ("adults" >= 18), or a
  value in years in a criterion about age ("18 years or older"); never a count
  of people ("Twenty to thirty adults"), a calendar year or a rate.
* **sex**: a sex term in an inclusion criterion that is about sex only ("Male or
  female", "Postmenopausal women"); sex words that qualify something else
  ("pregnant women") give no sex rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .codes import icd_terms
from .linker import NOT_PREMODIFIERS, generic_treatment_words
from .qualifiers import qualifier_lexicon
from .schema import Concept, Criterion, Entity, Population, Rule, RuleException, Trial, TrialAnalysis, Value, Window
from .segment import short_items_end
from .structure import (
    PopulationMatch,
    allergens,
    alternative_lead,
    capacity_clause,
    conditional_clauses,
    find_population,
    indication_link,
    names_means,
    negation_reach,
    negative_result_reach,
    opens_with_negation,
    patterns,
    permission_spans,
    sex_clauses,
    sex_subject,
    statement_kind,
    treatment_link,
)

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
#: categories whose rules may be alternatives of one another ("chemotherapy or radiotherapy")
ALTERNATIVE_GROUP = {"condition": "state", "observation": "state", "pregnancy": "state", "allergy": "state",
                     "drug": "treatment", "procedure": "treatment", "other": "treatment", "lab": "measure",
                     "score": "measure"}
#: an explicit "or" between two mentions: alternatives whatever their categories ("history of chickenpox or a
#: positive test for antibodies", "diabetes or HbA1c >= 6.5%")
EXPLICIT_OR = re.compile(r"(?i)^[\s,]*(?:and/or|or)\b[\s,]*(?:(?:a|an|the|any)\s+)?$")
#: an "or" right after a list, before a last item that gave no rule of its own
TRAILING_OR = re.compile(r"(?i)[\s,;]*(?:and/or|or)\b")
#: the end of a sentence inside a criterion (a full stop before a capital)
SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])")
PLANNING = re.compile(r"(?i)\b(?:plann?ed|planning|scheduled|plans?\s+to|intends?\s+to|anticipated|expected)\b")
PAST_WORDS = re.compile(r"(?i)\b(?:prior|previous|previously|past|history|former|earlier)\b")
#: only commas and conjunctions between two mentions: listed together
LISTED_WITH = re.compile(r"(?i)^[\s,;]*(?:(?:and/or|or|and|nor)\b[\s,]*)?$")
OR_SEPARATOR = re.compile(r"(?i)^[\s,;]*(?:(?:and/or|or|/|either)[\s,]*)+$|^[\s,]*$")
LIST_SEPARATOR = re.compile(r"(?i)^[\s,;/()]*(?:(?:and/or|or|and|either|a|an|the|any|(?:including|such as|e\.g\.,?|"
                            r"i\.e\.,?):?)[\s,()]*)*$")
#: a bracketed aside with nothing bracketed inside it
ASIDE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
#: a plain word of a noun phrase: not a function word, verb of being or clause opener (the linker's
#: ``NOT_PREMODIFIERS``, which tell the same words before a listed mention)
_PLAIN_WORD = rf"(?!(?:{'|'.join(sorted(NOT_PREMODIFIERS))})\b)[a-z][\w'-]*"
#: a list whose untagged words are items or the premodifiers of the next item ("abdominoplasty or TRAM flap
#: breast reconstruction", "oral antidiabetic agents, non-insulin injectables or insulin therapy")
_UNTAGGED_ITEM = rf"(?:{_PLAIN_WORD}\s+){{0,2}}{_PLAIN_WORD}"
#: ... or a predicate of its own ("is receiving X or has known Y") or the head the next item complements
#: ("ischemic symptoms or evidence of myocardial ischemia")
UNTAGGED_LIST = re.compile(rf"(?i)^[\s,;]*(?:{_UNTAGGED_ITEM}\s*[,;]\s*)*(?:{_UNTAGGED_ITEM}\s*,?\s+)?(?:and/or|or)\s+"
                           rf"(?:(?:has|have|had|is|are|was|were)\s+)?(?:(?:either|a|an|the|any|other)\s+)?"
                           rf"(?:(?:{_PLAIN_WORD}\s+){{0,3}}|(?:{_PLAIN_WORD}\s+){{1,2}}of\s+(?:(?:a|an|the|any)\s+)?)$")


#: a mention right after "for" is what another noun is for ("etiologies for elevated blood pressure")
_FOR_BEFORE = re.compile(r"(?i)\bfor\s+(?:the\s+|an?\s+)?$")


def _governed(entity: Entity, governed: int, low: int, high: int) -> Entity:
    """An entity of an inclusion item opening with a negation: negated before ``governed``, an exception
    between ``low`` and ``high`` (values, times, ages and sexes as they were)."""
    if entity.label in ("VALUE", "TEMPORAL", "AGE", "SEX"):
        return entity
    if entity.end <= governed and not entity.negated and not entity.excepted:
        return entity.model_copy(update={"negated": True})
    if low <= entity.start and entity.end <= high and not entity.excepted:
        return entity.model_copy(update={"excepted": True, "negated": False})
    return entity


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
    if entity.uncertain:
        return "suspected"
    if entity.historical:
        return "history"
    return "current"


def _narrower(entity: Entity) -> str | None:
    """The words of the mention its code leaves out (the criterion names a narrower kind than the code)."""
    coding = entity.coding
    if coding is None or not coding.narrower or entity.concept is None or coding.code != entity.concept.code:
        return None
    return coding.narrower


def _qualifiers(entity: Entity, extra: Iterable[str] = ()) -> list[str]:
    """The qualifier names a rule carries: the entity's, less those its code already says ("acute" of acute
    myocardial infarction I21.9, "chronic" of chronic kidney disease N18.9, "carrier" of B18.1, whose
    inclusion terms name the carrier state), plus ``extra``."""
    out: list[str] = []
    concept = entity.concept
    name = ""
    if entity.qualifiers:  # the names of the code, read only when there is a qualifier to test against them
        name = (concept.name or "").lower() if concept is not None else ""
        if concept is not None and concept.system == "ICD-10-CM":
            name = " | ".join([name, *icd_terms(concept.code)]).lower()
    lexicon = qualifier_lexicon()
    for q in entity.qualifiers:
        entry = lexicon.by_name.get(q.name)
        words = {q.name, q.text.lower(), *(f.lower() for f in (entry.forms if entry else ()))}
        if any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", name) for w in words):
            continue
        if q.name not in out:
            out.append(q.name)
    for word in extra:
        if word not in out:
            out.append(word)
    return out


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
        kind_of_list = criterion.kind
        if kind_of_list == "unknown" and self._reads_alone(criterion, entities):
            # a criterion under no heading whose polarity its own words give: "No minors less than 18 years of
            # age" excludes under any heading; "Age 18-45", "Males" can only be requirements
            kind_of_list = "inclusion"
        if kind_of_list == "unknown":
            self.add(kind="unknown", category="other", polarity="require", text=criterion.text,
                     criterion=criterion.id, computable=False,
                     reason="the criterion's kind (inclusion or exclusion) is unknown")
            return
        stated = statement_kind(criterion.text, kind_of_list)
        if stated == "permission":
            self.add(kind=kind_of_list, category="other", polarity=_polarity(kind_of_list, False),
                     text=criterion.text, criterion=criterion.id, computable=False,
                     reason="a permission (who may take part), not a requirement")
            return
        kind = stated or kind_of_list
        population = find_population(criterion.text, criterion.start, entities)
        if population is None:
            population = self.heading_population(criterion)
        if population is None and kind == "exclusion":
            population = sex_subject(criterion.text, criterion.start, entities)
        describing = population.entities if population is not None else set()
        # "making informed consent impossible": what follows is a consequence, not a criterion
        capacity = capacity_clause(criterion.text, criterion.start)
        consequence = {e.id for e in entities if capacity is not None and capacity[0] <= e.start < capacity[1]
                       and e.label not in ("VALUE", "TEMPORAL")}
        judged = {e.id for e in entities if capacity is not None and e.end <= capacity[0]}
        # "treatment with X": the generic word gives no rule; X takes its status
        generic = self.generic_treatments(criterion, entities)
        # "chemotherapy for prostate cancer": the cancer is what the treatment is for, not the criterion
        treated = self.indications(entities)
        # "allergy to aspirin, clopidogrel": allergy rules for the agents, none for taking them, and the allergy
        # mention itself names no condition to exclude
        agents, allergy_words = allergens(criterion.text, criterion.start, entities)
        skip = describing | consequence | {g.id for g in generic.values()} | field_label(criterion, entities)
        # "No concurrent antifungal agents (e.g., azoles or polyenes)": the examples take the negation of the
        # concept they illustrate, which the ConText scope does not reach inside the brackets
        negated_examples = parenthetical_examples(criterion, [e for e in entities if e.id not in consequence])
        if negated_examples:
            entities = [e.model_copy(update={"negated": True}) if e.id in negated_examples else e for e in entities]
        if kind == "exclusion" and opens_with_negation(criterion.text):
            # "No prior herpes zoster" under "Exclusion Criteria": written as a requirement, still an exclusion
            entities = [e.model_copy(update={"negated": False}) if e.negated else e for e in entities]
        elif kind == "inclusion" and (reach := negation_reach(criterion.text)) is not None:
            # "No history of CVA, seizure disorder, aseptic meningitis, transverse myelitis or CNS disease": the
            # opening "No" governs its sentence past ConText's six words; "except: ..." names its exceptions
            governed, (low, high) = criterion.start + reach[0], (criterion.start + reach[1], criterion.start + reach[2])
            # not the means of finding something ("estimated by echocardiography") nor what another noun is
            # for ("other etiologies for elevated blood pressure")
            text = self.analysis.trial.eligibility_text
            entities = [e if e.label == "PROCEDURE" and names_means(text[criterion.start:e.start])
                        or _FOR_BEFORE.search(text[criterion.start:e.start])
                        else _governed(e, governed, low, high) for e in entities]
        elif kind == "inclusion" and (end := negative_result_reach(criterion.text)) is not None:
            # "Negative serology for HIV infection", "Negative status for hepatitis B and C": the conditions must
            # be absent; a test keeps "negative" as its value
            entities = [e.model_copy(update={"negated": True})
                        if e.label in ("CONDITION", "OBSERVATION") and e.end <= criterion.start + end and not e.excepted
                        else e for e in entities]
        lead = self.alternative_list(criterion)
        if lead is not None:  # "one of the following risk factors for fracture:" names the list, asks nothing
            skip |= {e.id for e in entities if lead[0] <= e.start and e.end <= lead[1]}
        # a window on the generic word, or in the lead of a list, is the window of what they name
        inherited = self.inherited_windows(criterion, entities, generic, lead)
        clauses = self.clauses(criterion, entities)
        in_clauses = {e for extra in clauses.values() for e in extra[1]}
        skip |= in_clauses
        if population is not None and population.entities and population.entities <= in_clauses:
            population = None  # "< 11 g/dL in men or < 10 g/dL in women": each sex is its value's, not the criterion's
        # carve-outs: "(topical treatment is allowed)", "... . Vitiligo or psoriasis are eligible."
        carve_outs = permission_spans(criterion.text, criterion.start)
        permitted = {e.id for e in entities for a, b in carve_outs
                     if a <= e.start and e.end <= b and e.label not in ("VALUE", "TEMPORAL")}
        kept = [e for e in entities if e.id not in skip]
        exceptions = [e for e in kept if (e.excepted or e.id in permitted) and e.label not in ("VALUE", "TEMPORAL")]
        kept = [e for e in kept if e.id not in permitted or e.label in ("VALUE", "TEMPORAL")]
        main = [e for e in kept if not e.excepted and e.label not in ("VALUE", "TEMPORAL", "AGE", "SEX")]
        self.ages(criterion, kept, kind)
        self.sex(criterion, kept)
        for entity in main:
            word = generic.get(entity.id)
            self.entity_rule(criterion, entity, exceptions, kind, judged=entity.id in judged,
                             treated=entity.id in treated,
                             historical=word is not None and (word.historical or bool(PAST_WORDS.search(word.text))),
                             allergy=entity.id in agents or entity.id in allergy_words,
                             window=inherited.get(entity.id))
        self.clause_rules(criterion, start, clauses, kind)
        recovering = recovered_from(criterion, entities)
        for rule in self.rules[start:]:
            if rule.operator == "=" and rule.category in ("age", "lab") and rule.computable:
                # "age = 18 years", "LVEF = 45%": nobody requires one exact age or reading; a "≥" or "≤" was lost
                # on the way (text copied through ASCII), and which one the record cannot tell
                rule.computable = False
                rule.reason = "an exact limit ('=') where a '≥' or '≤' was most likely lost from the text"
            # "At least 4 weeks since prior chemotherapy", "Recovered from prior chemotherapy" (or, excluding,
            # "Not recovered from prior surgery"): how long ago, or whether recovered, if it happened at all; never
            # treated is fine. The exclusion of the event within that time, or not recovered from (a qualifier no
            # record's codes confirm: unknown for the treated)
            recovered, washed = rule.entity in recovering, washout(rule)
            if recovered or washed:
                rule.polarity = "exclude"
                rule.status = "history" if rule.status == "current" else rule.status
            if recovered:
                rule.qualifiers = [*(q for q in rule.qualifiers if q != "unrecovered"), "unrecovered"]
            if washed and rule.window is not None:
                rule.window = rule.window.model_copy(update={"bound": "within"})
        self.deduplicate(start)
        self.inline_alternatives(lead, self.rules[start:])
        if population is not None:
            planning = population.conditional and not PLANNING.search(criterion.text)
            for rule in self.rules[start:]:
                rule.applies_to = population.population
                if planning and rule.status == "planned":
                    rule.status = "current"  # the "if" of "If age is 40 to 45 years, ..." plans nothing
        self.group_alternatives(criterion, self.rules[start:])
        if len(self.rules) == start:
            self.add(kind=kind, category="other", polarity=_polarity(kind, False),
                     text=criterion.text, criterion=criterion.id, computable=False,
                     reason="nothing in the criterion could be coded")

    def _reads_alone(self, criterion: Criterion, entities: list[Entity]) -> bool:
        """Whether a criterion under no heading at all says by itself which kind it is: it opens with a
        negation ("No minors less than 18 years of age", "No past psychiatric history"), or it names only an
        age or a sex ("Age 18-45.", "Males."). An item under a lead-in or heading that left its kind unknown
        ("Allowed:", "Discouraged:") is not read."""
        parent = criterion.parent
        while parent is not None and parent in self.parents:
            if self.parents[parent].role != "criterion":
                return False
            parent = self.parents[parent].parent
        if opens_with_negation(criterion.text):
            return True
        return bool(entities) and all(e.label in ("AGE", "SEX", "VALUE") for e in entities)

    @staticmethod
    def alternative_list(criterion: Criterion) -> tuple[int, int, int] | None:
        """Where "at least one of the following ...:" begins inside a criterion, where its list begins and where
        the sentence holding the list ends (offsets in the eligibility text), or None."""
        hit = patterns().alternative_lead.search(criterion.text)
        if hit is None or ":" not in criterion.text[hit.end():hit.end() + 100]:
            return None
        listed = criterion.text.index(":", hit.end()) + 1
        # the list runs over short sentences ("... indications: Thoracic pain. Unstable angina.") and ends with the
        # first long one ("... disorders: A, B, C. Diagnosis confirmed by a structured interview ...")
        end = short_items_end(criterion.text, listed, [m.end() for m in SENTENCE_END.finditer(criterion.text, listed)])
        return criterion.start + hit.start(), criterion.start + listed, criterion.start + end

    def inline_alternatives(self, span: tuple[int, int, int] | None, rules: list[Rule]) -> None:
        """The requirements listed after "at least one of the following ...:" inside a criterion (``span``, from
        :meth:`alternative_list`) form one any-of group ("... and have at least one of the following risk
        factors: (a) age > 65 years; (b) ...")."""
        if span is None:
            return
        _, listed, end = span
        members = [r for r in rules if r.polarity == "require" and r.entity in self.by_id
                   and listed <= self.by_id[r.entity].start < end]
        if len(members) < 2:
            return
        self.groups += 1
        for rule in members:
            rule.group = f"g{self.groups}"

    def heading_population(self, criterion: Criterion) -> PopulationMatch | None:
        """A population named by the heading a criterion stands under ("Healthy volunteers:", "Cohort B:",
        "Women of childbearing potential:"), other than the list's own header."""
        parent = self.parents.get(criterion.parent) if criterion.parent else None
        while parent is not None and parent.role != "heading":
            parent = self.parents.get(parent.parent) if parent.parent else None
        if parent is None:
            return None
        from .structure import describe, names_people

        heading = parent.text.rstrip(" :")
        # a heading names a population by its people ("Women of childbearing potential:", "Healthy
        # volunteers:", "Children 2-11 years:"), never by a topic ("Renal:", "Other:", "Concurrent medication:")
        population = describe(heading, parent.start, self.by_criterion.get(parent.id, []), conditions=False)
        if population is None:
            # one of several cohorts ("Healthy volunteers:" then "Patients:"): which one the patient is in, no
            # record says
            siblings = [c for c in self.analysis.criteria if c.role == "heading" and c.kind == parent.kind
                        and c.parent == parent.parent and c.id != parent.id]
            if not names_people(heading) or not any(
                    describe(c.text.rstrip(" :"), c.start, self.by_criterion.get(c.id, []), conditions=False) is not None
                    for c in siblings):
                return None
            population = Population(other=heading, text=heading)
        return PopulationMatch(parent.start, parent.end, population, set())

    def generic_treatments(self, criterion: Criterion, entities: list[Entity]) -> dict[str, Entity]:
        """Generic treatment words followed by what they name ("Prior treatment with any biologic DMARD"):
        the generic mention, by the id of the mention it names."""
        codes = set(patterns().cues.generic_treatment)
        text = self.analysis.trial.eligibility_text
        ordered = sorted(entities, key=lambda e: e.start)
        out: dict[str, Entity] = {}
        for i, entity in enumerate(ordered):
            # by its code ("prior treatment", "medication") or by its words ("systemic treatment", coded as
            # chemotherapy where it stands alone, names the aminosides of "systemic treatment with aminosides")
            if (entity.concept is None or entity.concept.code not in codes) and not (
                    entity.label in ("DRUG", "PROCEDURE") and generic_treatment_words(entity.text)):
                continue
            following = [e for e in ordered[i + 1:] if e.label in ("DRUG", "PROCEDURE")]
            if following and treatment_link(text[entity.end:following[0].start]) and \
                    len(text[entity.end:following[0].start].split()) <= 4:
                out[following[0].id] = entity
                # and those listed with it: "prior treatment with methotrexate or azathioprine"
                for before, after in zip(following, following[1:]):
                    if after.start < before.end or not LISTED_WITH.match(text[before.end:after.start]):
                        break
                    out[after.id] = entity
        return out

    def indications(self, entities: list[Entity]) -> set[str]:
        """Conditions a treatment mention is for ("chemotherapy for prostate cancer", "prior treatment of
        hepatitis B or C"), and those listed with them, by id: the criterion is about the treatment, so a record
        holding the bare condition cannot confirm it (the rule gets the qualifier 'treated')."""
        text = self.analysis.trial.eligibility_text
        ordered = sorted((e for e in entities if e.label not in ("VALUE", "TEMPORAL")), key=lambda e: e.start)
        out: set[str] = set()
        for k, (before, after) in enumerate(zip(ordered, ordered[1:])):
            if before.label not in ("DRUG", "PROCEDURE") or after.label != "CONDITION" or after.start < before.end \
                    or not indication_link(text[before.end:after.start], before.text):
                continue
            out.add(after.id)
            previous = after
            for other in ordered[k + 2:]:
                if other.label != "CONDITION" or not LISTED_WITH.match(text[previous.end:other.start]):
                    break
                out.add(other.id)
                previous = other
        return out

    @staticmethod
    def inherited_windows(criterion: Criterion, entities: list[Entity], generic: dict[str, Entity],
                          lead: tuple[int, int, int] | None) -> dict[str, Window]:
        """Windows that mentions without one of their own take: from the generic treatment word that names
        them ("no previous treatment with growth factors within 3 months"), or from the lead of the list they
        stand in ("any of the following medications within two weeks of randomization: MAO inhibitors, ..."),
        by mention id."""
        out: dict[str, Window] = {}
        for named, word in generic.items():
            if word.window is not None and _window_has_extent(word.window):
                out[named] = word.window
        if lead is None:
            return out
        in_lead = {e.id for e in entities if lead[0] <= e.start and e.end <= lead[1]}
        windows = [e.window for e in entities if e.label == "TEMPORAL" and criterion.start <= e.start
                   and e.end <= lead[1] and e.window is not None and _window_has_extent(e.window)
                   and all(q in in_lead for q in e.qualifies)]
        if windows:
            for entity in entities:
                if lead[1] <= entity.start < lead[2] and entity.label not in ("VALUE", "TEMPORAL", "AGE", "SEX"):
                    out.setdefault(entity.id, windows[0])
        return out

    def clauses(self, criterion: Criterion, entities: list[Entity]) -> dict[str, tuple[Entity, set[str], Population]]:
        """Conditional clauses that follow a value ("< 5 x ULN if liver metastases are present"): by the id of
        the value, the value entity, the ids of the clause's entities and the population it binds."""
        clauses = conditional_clauses(criterion.text, criterion.start, entities)
        clauses += sex_clauses(criterion.text, criterion.start, entities)
        if not clauses:
            return {}
        text = self.analysis.trial.eligibility_text
        values = [e for e in entities if e.label == "VALUE" and e.qualifies and e.value is not None]
        out: dict[str, tuple[Entity, set[str], Population]] = {}
        for clause in clauses:
            before = [v for v in values if v.end <= clause.start and not text[v.end:clause.start].strip(" ,(")]
            if not before:
                continue
            value = before[-1]
            if clause.sex is not None:
                out[value.id] = (value, set(clause.entities), Population(sex=clause.sex, text=clause.text))
                continue
            population = Population(conditions=[] if clause.absent else list(clause.conditions),
                                    without=list(clause.conditions) if clause.absent else [],
                                    other=None if clause.conditions else clause.text, text=clause.text)
            out[value.id] = (value, set(clause.entities), population)
        return out

    def clause_rules(self, criterion: Criterion, start: int, clauses: dict[str, tuple[Entity, set[str], Population]],
                     kind: str) -> None:
        """A value under a conditional clause binds only the clause's population; the entity's other limit binds
        the rest ("AST < 3 x ULN (< 5 x ULN if liver metastases)")."""
        for value, _, population in clauses.values():
            target = self.by_id.get(value.qualifies[0])
            if target is None:
                continue
            own = [r for r in self.rules[start:] if r.entity == target.id]
            if not own:
                continue
            base = own[0]
            assert value.value is not None
            if target.value is not None and target.value.text == value.value.text:
                base.applies_to = population  # the entity's own limit is the conditional one
                continue
            fields = {name: getattr(base, name) for name in Rule.model_fields if name != "id"}
            fields.update(self.value_fields(value.value), applies_to=population, exceptions=list(base.exceptions),
                          qualifiers=list(base.qualifiers), evidence=f"{target.text} {value.text}")
            self.add(**fields)
            if base.applies_to is None:
                absent = Population(without=population.conditions, conditions=population.without,
                                    other=population.other, text=f"not ({population.text})")
                base.applies_to = absent if (absent.conditions or absent.without or absent.other) else None

    def deduplicate(self, start: int) -> None:
        """Drop a rule that repeats an earlier one of the same criterion ("left ventricular ejection fraction (LVEF)")."""
        seen: set[tuple[Any, ...]] = set()
        kept: list[Rule] = []
        for rule in self.rules[start:]:
            what = None if rule.category in ("age", "sex") else (rule.concept.code if rule.concept else rule.evidence)
            # two kinds under one code ("ependymoma or oligodendroglioma", both C71.9) are two rules
            key = (rule.category, what, rule.narrower, rule.polarity, rule.status, rule.operator, rule.low, rule.high,
                   rule.uln_multiple)
            if key in seen:
                continue
            seen.add(key)
            kept.append(rule)
        del self.rules[start:]
        for rule in kept:
            number = f"r{len(self.rules) + 1}"
            # a copy only where a dropped repeat moved the number: the rule objects are this builder's alone
            self.rules.append(rule if rule.id == number else rule.model_copy(update={"id": number}))

    @staticmethod
    def value_fields(value: Value) -> dict[str, Any]:
        """A value's limits as rule fields, in the canonical unit when the coder set one."""
        canonical = value.unit_canonical is not None
        return dict(
            operator=value.operator,
            low=value.low_canonical if canonical and value.low_canonical is not None else value.low,
            high=value.high_canonical if canonical and value.high_canonical is not None else value.high,
            unit=value.unit_canonical if canonical else value.unit,
            uln_multiple=value.uln_multiple, lln_multiple=value.lln_multiple, of=value.of,
        )

    def entity_rule(self, criterion: Criterion, entity: Entity, exceptions: list[Entity], kind: str, *,
                    historical: bool = False, judged: bool = False, allergy: bool = False, treated: bool = False,
                    window: Window | None = None) -> None:
        category = "allergy" if allergy else _category(entity)
        if allergy and entity.label == "CONDITION":  # "allergy to X": the agents give the rules
            fields_concept = None
        else:
            fields_concept = entity.concept
        value = entity.value
        status = _status(entity)
        if historical and status == "current":
            status = "history"
        fields: dict[str, Any] = {
            "criterion": criterion.id, "kind": kind, "category": category, "concept": fields_concept,
            "polarity": _polarity(kind, entity.negated), "status": status,
            "window": entity.window if entity.window is not None and _window_has_extent(entity.window) else window,
            # what a treatment is for, in a rule that excludes: the record must show the treatment ("prior treatment
            # for hepatitis C" does not exclude untreated hepatitis C); a rule that requires it needs the condition
            # all the same ("being considered for EsophyX treatment of GERD")
            "qualifiers": _qualifiers(entity, [*(["interfering"] if judged else ()),
                                               *(["treated"] if treated and _polarity(kind, entity.negated) == "exclude"
                                                 else ())]),
            "exceptions": [RuleException(concept=e.concept, text=e.text, entity=e.id) for e in exceptions],
            "entity": entity.id, "text": criterion.text, "evidence": entity.text,
            "narrower": _narrower(entity) if fields_concept is not None else None,
        }
        if value is not None:
            fields.update(self.value_fields(value))
        computable, reason = self.computable(entity, category, value is not None)
        if allergy and fields_concept is None:
            computable, reason = False, "an allergy named by the agents that follow it"
        if computable:
            text = self.analysis.trial.eligibility_text
            cause = _NOT_DUE_TO.match(text[entity.end:entity.end + 40])
            if cause is not None:
                computable, reason = False, f"depends on the cause ('{cause.group(0).strip()} ...'), which a record does not state"
        self.add(computable=computable, reason=reason, **fields)

    def computable(self, entity: Entity, category: str, has_value: bool) -> tuple[bool, str | None]:
        concept = entity.concept
        if concept is None:
            review = entity.coding.review if entity.coding is not None else None
            return False, f"left for review: {review}" if review else "the mention has no code"
        if concept.code in TOO_GENERAL or concept.code in patterns().cues.generic_treatment:
            return False, "too general to evaluate against a record"
        before = self.analysis.trial.eligibility_text[max(0, entity.start - 30):entity.start]
        if _CHANGE_IN.search(before):
            return False, "a change in it (dose, regimen), which a record's lists do not state"
        kind = _specific_kind(entity, before)
        if kind is not None:
            return False, f"coded only as any infection ({concept.code}); the kind it names ('{kind}') has no code here"
        if category in ("lab", "score"):
            return (True, None) if has_value else (False, f"a {category} without a value or limit")
        if category == "observation":
            if concept.code in COMPUTABLE_OBSERVATIONS:
                return True, None
            return False, "an observation a patient record does not hold"
        if category == "other":
            return False, "a device or other mention"
        if category == "allergy":
            return False, "an allergy to the agent: a patient record's codes do not say what the patient is allergic to"
        return True, None

    def ages(self, criterion: Criterion, entities: list[Entity], kind: str) -> list[Rule]:
        out: list[Rule] = []
        context = criterion.text + " " + (self.parents[criterion.parent].text if criterion.parent in self.parents else "")
        by_id = {e.id: e for e in entities}
        # "No patients less than or equal to 5 years old": ConText negates no age limit, the opening "No" does
        denied = kind == "inclusion" and opens_with_negation(criterion.text)
        for entity in entities:
            if entity.label != "AGE":
                continue
            value = entity.value if _is_age_value(entity, by_id, self.analysis.trial.eligibility_text) else None
            if value is not None and value.operator == "=" and entity.concept is not None \
                    and entity.concept.code in AGE_GROUPS:
                value = None  # "Adults = 18 years": the '≥' was lost, the group still says who
            if value is not None and (value.low is not None or value.high is not None):
                # the other limits linked to it: "aged > 40 and < 70 years" (the mention keeps the first)
                others = [e.value for e in entities if e.label == "VALUE" and entity.id in e.qualifies
                          and e.value is not None and e.value.text != value.text and _plausible_age(e.value)
                          and (e.value.low is not None or e.value.high is not None)]
                for limit in [value, *others]:
                    out.append(self.add(
                        criterion=criterion.id, kind=kind, category="age",
                        polarity=_polarity(kind, entity.negated or denied), operator=limit.operator,
                        low=_years(limit, "low"), high=_years(limit, "high"), unit="years",
                        entity=entity.id, text=criterion.text, evidence=f"{entity.text} {limit.text}"))
            elif entity.concept is not None and entity.concept.code in AGE_GROUPS and self._age_group_is_subject(criterion, entity, entities):
                operator, low, high = AGE_GROUPS[entity.concept.code]
                out.append(self.add(
                    criterion=criterion.id, kind=kind, category="age",
                    polarity=_polarity(kind, entity.negated or denied), operator=operator, low=low, high=high,
                    unit="years", entity=entity.id, text=criterion.text, evidence=entity.text,
                    concept=Concept(system="AGE_GROUP", code=entity.concept.code, name=entity.concept.name)))
        if out:
            return out
        # "18 years or older", "6 months and over" under "Age:"
        for entity in entities:
            value = entity.value
            if entity.label != "VALUE" or value is None or entity.qualifies:
                continue
            unit = (value.unit or "").lower()
            if unit not in ("years", "year", "months", "month", "weeks", "days") or not AGE_WORDS.search(context):
                continue
            if value.low is None and value.high is None or not _plausible_age(value):
                continue
            out.append(self.add(
                criterion=criterion.id, kind=kind, category="age",
                polarity=_polarity(kind, entity.negated or denied), operator=value.operator,
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
        """Requirements whose mentions are listed with "or" become an any-of group: of one category, or of
        categories that name alternatives of one kind ("chemotherapy or radiotherapy": a drug and a procedure),
        or of any two categories with an explicit "or" between them ("type 2 diabetes or HbA1c >= 6.5%"). The
        values and windows of the mentions, and mentions that gave no rule of their own, may stand between them
        ("total bilirubin < 2 mg/dL or AST < 3 x ULN", "creatinine <= 1.5 mg/dL or creatinine clearance >= 60"),
        and so may untagged list items and the words before the last item ("oral agents, non-insulin injectables or
        insulin therapy", "abdominoplasty or TRAM flap breast reconstruction") and a bracketed aside. Examples of a
        class are alternatives of it ("opioid analgesics (e.g., methadone, morphine)"). Exclusions get no group: each excludes on its own, which is already any-of."""
        text = self.analysis.trial.eligibility_text
        # exclusions need no group: each one excludes on its own, so separate exclude rules already are any-of
        candidates = [r for r in rules if r.entity is not None and r.category not in ("age", "sex") and r.polarity == "require"]
        candidates.sort(key=lambda r: self.by_id[r.entity].start if r.entity in self.by_id else 0)
        ruled = {r.entity for r in rules}
        # values, windows and mentions that gave no rule (repeats, exceptions) may stand between two alternatives
        # ... and so may the qualifiers before the next one, taken whole ("normal blood pressure or controlled
        # hypertension"; the "or" of "proven recurrent or persistent cancer" joins two qualifiers, not mentions)
        mentions = self.by_criterion.get(criterion.id, [])
        modifiers = sorted((e.start, e.end) for e in mentions if e.id not in ruled)
        chain: list[Rule] = []
        saw_or = False

        def close() -> None:
            nonlocal chain, saw_or
            members = list(dict.fromkeys(r.id for r in chain))
            if len(members) > 1 and not saw_or and chain[-1].entity in self.by_id:
                # "A, B, C, or other D" where D repeats a concept already ruled: the "or" stands after the chain
                saw_or = bool(TRAILING_OR.match(text, self.by_id[chain[-1].entity].end))
            if len(members) > 1 and saw_or:
                # a group the criterion already has ("at least one of the following: (a) age > 65 years; (b) ...;
                # or (c) ...") takes the chain in whole, not split off part of it
                existing = {r.group for r in chain if r.group is not None}
                if existing:
                    name = min(existing, key=lambda g: int(g[1:]))
                    for rule in rules:
                        if rule.group in existing:
                            rule.group = name
                else:
                    self.groups += 1
                    name = f"g{self.groups}"
                for rule in chain:
                    rule.group = name
            chain, saw_or = [], False

        for rule in candidates:
            if chain:
                previous = self.by_id[chain[-1].entity]  # type: ignore[index]
                current = self.by_id[rule.entity]  # type: ignore[index]
                lead = min((q.start for q in current.qualifiers if previous.end <= q.start < current.start),
                           default=current.start)
                # a bracket between two items is an aside of the first ("stable angina [CCS 1, 2, 3, or 4],
                # unstable angina or NSTEMI")
                between = ASIDE.sub(" ", _without(text, previous.end, lead, modifiers))
                same = (rule.polarity == chain[-1].polarity and rule.applies_to == chain[-1].applies_to
                        and (ALTERNATIVE_GROUP.get(rule.category) == ALTERNATIVE_GROUP.get(chain[-1].category)
                             or bool(EXPLICIT_OR.match(between)) or bool(UNTAGGED_LIST.match(between))))
                if current.start >= previous.end and same and (LIST_SEPARATOR.match(between) or UNTAGGED_LIST.match(between)):
                    # examples of a class are alternatives of it: "opioid analgesics (e.g., methadone, morphine)"
                    if re.search(r"(?i)\bor\b|/|\be\.g\b|\bsuch as\b|\bfor example\b|\bi\.e\b", between):
                        saw_or = True
                    chain.append(rule)
                    continue
                if rule.entity == chain[-1].entity:
                    chain.append(rule)  # a second limit of the same mention (a conditional one) stays with it
                    continue
                close()
            chain = [rule]
        close()


def _without(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """``text[start:end]`` less the given spans (values and windows standing between two mentions)."""
    if end <= start:
        return ""
    pieces: list[str] = []
    cursor = start
    for a, b in spans:
        if b <= cursor or a >= end:
            continue
        pieces.append(text[cursor:max(cursor, a)])
        cursor = max(cursor, b)
    pieces.append(text[cursor:end])
    return " ".join(pieces)


#: a count of people, not an age: "Twenty to thirty adults", "up to 40 children"
_COUNT_OF_PEOPLE = re.compile(r"(?i)^\W*(?:adults?|children|patients|subjects|participants|volunteers|persons|people|"
                              r"individuals|women|men|infants|adolescents|boys|girls)\b")


def _is_age_value(entity: Entity, by_id: dict[str, Entity], text: str) -> bool:
    """Whether an AGE mention's value is an age: not a count of people before an age-group word ("Twenty to
    thirty adults with acquired anemia"), not a calendar year or a rate, and a plausible age."""
    value = entity.value
    if value is None:
        return False
    source = next((e for e in by_id.values() if e.label == "VALUE" and entity.id in e.qualifies), None)
    if source is not None and source.end <= entity.start and not (value.unit or "").strip() \
            and _COUNT_OF_PEOPLE.match(text[source.end:entity.end + 1]):
        return False
    return _plausible_age(value)


def _plausible_age(value: Value) -> bool:
    """An age limit a person can have: below 130 years, not a calendar year ("2000"), not a rate ("8/year")."""
    unit = (value.unit or "").lower()
    if "/" in unit or "per " in unit:
        return False
    factor = {"months": 1 / 12, "month": 1 / 12, "weeks": 7 / 365.25, "week": 7 / 365.25, "days": 1 / 365.25,
              "day": 1 / 365.25}.get(unit, 1.0)
    for bound in (value.low, value.high):
        if bound is not None and (bound < 0 or bound * factor > 130):
            return False
    return True


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
    # a requirement coded broader than it reads (``narrower``) does not say which family the population is
    required = {_family(r.concept) for r in rules if r.category == "condition" and r.polarity == "require"
                and r.kind == "inclusion" and r.computable and not r.narrower}
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


#: "iron overload not due to HH": the rule depends on a cause a record does not hold
_NOT_DUE_TO = re.compile(r"^\s*,?\s*(?:(?:that|which)\s+(?:is|are)\s+)?not\s+(?:due\s+to|caused\s+by|secondary\s+to|"
                         r"related\s+to|attributable\s+to|explained\s+by)\b", re.IGNORECASE)
#: "Chemotherapy: ...", "Endocrine\n        therapy: ..." (a label broken by the line wrap of legacy XML)
_FIELD_LABEL = re.compile(r"^\s*((?:[^:\n]|\n[ \t]+){2,60}?)\s*:\s*\S")
#: an organ system's adjective alone ("Hepatic", "Renal", "Cardiovascular"), the labels of an old CT.gov
#: "--Patient Characteristics--" section, which the tagger reads as the organ's disease
_ORGAN_LABEL = re.compile(r"[A-Za-z]+(?:ic|al|ar|ary|ory|ine)")


#: "No change in antibacterial regimen": the criterion is about a change in the treatment, not the treatment
_CHANGE_IN = re.compile(r"\bchanges?\s+(?:in|of|to)\s+(?:the\s+|their\s+|his\s+|her\s+|any\s+)?"
                        r"(?:dose\s+of\s+|dosage\s+of\s+|dosing\s+of\s+)?$", re.IGNORECASE)
#: catch-all codes a mention gets from its head word alone ("adenoviral infection" -> any infection)
_CATCH_ALL = {"B99.9": re.compile(r"^(?P<words>.*?)\s*\binfections?$", re.IGNORECASE)}
#: words before the head that do not name a kind of it
_NOT_A_KIND = frozenset({"any", "other", "active", "serious", "significant", "severe", "uncontrolled", "chronic", "acute",
                         "current", "systemic", "ongoing", "known", "recent", "clinically", "concurrent", "intercurrent",
                         "underlying", "untreated", "documented", "major", "life-threatening", "evidence", "of", "an",
                         "a", "the", "or", "and", "recurrent", "persistent", "severe", "opportunistic", "invasive",
                         "treated", "suspected", "confirmed", "requiring", "clinical", "medical", "local", "general",
                         "additional", "critical", "potential", "several", "previous", "various", "serious"})


def _specific_kind(entity: Entity, before: str = "") -> str | None:
    """The word that names a kind of a catch-all concept ("adenoviral" in "adenoviral infection" coded as any
    infection), or None: an exclusion of the catch-all would exclude every kind, not the one named."""
    if entity.concept is None or entity.concept.code not in _CATCH_ALL:
        return None
    m = _CATCH_ALL[entity.concept.code].match(entity.text.strip())
    if m is None:
        return None
    words = m.group("words")
    if not words.strip():  # the mention is the head alone: the word before it may name the kind
        prior = re.search(r"([A-Za-z][A-Za-z-]+(?:al|ic|ous|ary|ory|oid))\s*$", before)  # an adjective: "fungal"
        words = prior.group(1) if prior is not None else ""
    kinds = [w for w in re.findall(r"[a-z0-9-]+", words.lower()) if w not in _NOT_A_KIND and not w.isdigit()]
    return " ".join(kinds) or None


_SINCE = re.compile(r"\bsince\b", re.IGNORECASE)
#: "Recovered from (the toxic effects of) prior chemotherapy", "Recovery from surgery ... required"
_RECOVERED_FROM = re.compile(r"\brecover(?:ed|y|ing)?\s+from\b[^;.]*", re.IGNORECASE)


def recovered_from(criterion: Criterion, entities: list[Entity]) -> set[str]:
    """The treatments and conditions a patient must have recovered from ("Recovered from prior chemotherapy"):
    what they ask is recovery if the event happened, not that it did."""
    out: set[str] = set()
    for m in _RECOVERED_FROM.finditer(criterion.text):
        start, end = criterion.start + m.start(), criterion.start + m.end()
        out |= {e.id for e in entities if start <= e.start and e.end <= end
                and e.label in ("DRUG", "PROCEDURE", "CONDITION")}
    return out


def washout(rule: Rule) -> bool:
    """Whether a required treatment or condition is a washout period ("At least 4 weeks since prior chemotherapy",
    "at least 6 months since myocardial infarction"): the time since it, if it happened, not a requirement that it
    did. Such a rule is the exclusion of the event within that time (a patient never treated is eligible)."""
    w = rule.window
    return (rule.kind == "inclusion" and rule.polarity == "require"
            and rule.category in ("drug", "procedure", "condition") and w is not None and w.direction == "past"
            and w.bound == "at_least" and bool(_SINCE.search(w.text or "")))


def field_label(criterion: Criterion, entities: list[Entity]) -> set[str]:
    """The drug or procedure that labels a field of an old CT.gov therapy section ("Chemotherapy: No prior
    chemotherapy", "Biologic therapy: Not specified"), or the organ system labelling one of its patient
    characteristics ("Hepatic: Bilirubin normal", "Cardiovascular: Not specified"): a heading, not a
    requirement; what follows the colon says what the trial asks."""
    m = _FIELD_LABEL.match(criterion.text)
    if m is None:
        return set()
    start, end = criterion.start + m.start(1), criterion.start + m.end(1)
    return {e.id for e in entities if e.start == start and e.end == end and (
        e.label in ("DRUG", "PROCEDURE") or (e.label == "CONDITION" and _ORGAN_LABEL.fullmatch(e.text)))}


_EXAMPLES = re.compile(r"\(\s*(?:e\.\s?g\.?|eg|such as|including|for example|for instance)[^()]*\)", re.IGNORECASE)
_CONCEPT_LABELS = ("CONDITION", "DRUG", "PROCEDURE", "DEVICE", "LAB", "OBSERVATION")


def parenthetical_examples(criterion: Criterion, entities: list[Entity]) -> set[str]:
    """The examples in "(e.g., azoles or polyenes)" after a negated concept ("No concurrent antifungal agents"):
    members of the concept, so negated with it; on their own they lose the criterion's negation."""
    out: set[str] = set()
    for m in _EXAMPLES.finditer(criterion.text):
        start, end = criterion.start + m.start(), criterion.start + m.end()
        before = [e for e in entities if e.label in _CONCEPT_LABELS and e.end <= start and not e.excepted]
        head = max(before, key=lambda e: e.end) if before else None
        # a too-general head ("Conditions (e.g., hip arthritis)") stands for nothing: its examples keep their rules
        if head is not None and head.negated and head.concept is not None and head.concept.code not in TOO_GENERAL:
            out |= {e.id for e in entities if start <= e.start and e.end <= end and e.label in _CONCEPT_LABELS
                    and not e.negated}
    return out


def build_rules(analysis: TrialAnalysis) -> list[Rule]:
    """The rules of an analysis: structured ones first, then one or more per text criterion."""
    builder = _Builder(analysis)
    builder.structured(analysis.trial)
    for criterion in analysis.criteria:
        if criterion.role == "criterion":
            builder.criterion(criterion)
    _group_lead_ins(builder)
    _mark_population_mentions(builder.rules)
    return builder.rules


def _group_lead_ins(builder: _Builder) -> None:
    """The requirements of the items under a lead-in asking for any one of them ("Meets one of the
    following:") form one any-of group."""
    children: dict[str, list[str]] = {}
    for criterion in builder.analysis.criteria:
        if criterion.parent is not None:
            children.setdefault(criterion.parent, []).append(criterion.id)
    for lead in builder.analysis.criteria:
        if lead.role != "lead_in" or lead.id not in children or not alternative_lead(lead.text):
            continue
        members = set(children[lead.id])
        rules = [r for r in builder.rules if r.criterion in members and r.polarity == "require" and r.source == "text"]
        if len({r.criterion for r in rules}) < 2:
            continue
        builder.groups += 1
        for rule in rules:
            rule.group = f"g{builder.groups}"


def rules_by_kind(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    """Computable rules grouped by polarity, for display."""
    out: dict[str, list[Rule]] = {"require": [], "exclude": []}
    for rule in rules:
        if rule.computable:
            out[rule.polarity].append(rule)
    return out
