"""Quality checks of a trial's eligibility criteria, for the people who write them.

``lint(analysis)`` returns :class:`~criteria_nlp.schema.Issue` objects, each with a
code (``L001``...), a severity and a message naming the criterion and the rule
concerned. The codes, their severities, the thresholds and the word lists are
data, in ``resources/lint.json``:

=====  ========  ==================================================================
code   severity  what
=====  ========  ==================================================================
L001   error     the age limits in the text disagree with the registry's fields
L002   error     the sex in the text disagrees with the registry's field
L003   info      the text states an age limit the registry leaves open
L004   warning   the registry accepts healthy volunteers, the text requires a condition
L005   error     one concept both required and excluded (warning when the required
                 one is an alternative, or the excluded one shares its criterion
                 with other concepts: "SLE with severe infection")
L006   warning   an inclusion criterion requires an abnormal lab value (above the
                 upper limit of normal, beyond the reference range)
L007   error     a score limit outside the score's range
L008   warning   an exclusion criterion excludes normal lab values
L009   info      the share of criteria that can be computed
L010   warning   a criterion that cannot be computed, with the reason
L011   info      a criterion checked at screening (consent, compliance), not computed
L012   warning   a criterion that repeats an earlier one (``analysis.duplicates``)
L013   warning   two criteria of one kind equal once numbering and punctuation go
L014   error     the same criterion among both inclusion and exclusion criteria
L015   warning   a word not in the English + medical vocabulary, one or two edits
                 from a word that is, with the suggestion
L016   warning   a real word that is a typing error in its context ("sever hepatitis")
L017   warning   a numbered list that does not start at 1 or skips a number
=====  ========  ==================================================================

The misspelling check's vocabulary is pyspellchecker's English word list, every
word of the lexicon's terms, of the ICD-10-CM and drug terms the tagger matches,
and ``lint.json``'s own list; acronyms (two capitals), words with digits, words
inside drug mentions and words shorter than four letters are not checked.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .comparison import (
    Severity,
    concept_label,
    format_age_bounds,
    lexicon_entry,
    lint_resource,
    registry_age_bounds,
    text_age_bounds,
    value_text,
)
from .lexicon import LabEntry, Lexicon, ScoreEntry, normalize
from .patient import icd_in, normalize_icd_range
from .schema import Criterion, Issue, Rule, TrialAnalysis

__all__ = ["FORM_ONLY_CODES", "SEVERITY_ORDER", "Misspelling", "doubts", "generate_medical_words", "issue_codes", "lint",
           "misspellings", "summarize"]

#: severities, most serious first
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
#: codes about how a list of criteria is written (not computable, repeated, near-duplicate, numbered with a gap):
#: they cast no doubt on what a criterion asks
FORM_ONLY_CODES = frozenset({"L010", "L012", "L013", "L017"})


def doubts(issues: Iterable[Issue]) -> list[Issue]:
    """The errors and warnings among ``issues`` that question what a criterion asks (not how its list is written):
    the ones to show beside a verdict that rests on that criterion."""
    return [i for i in issues if i.severity in ("error", "warning") and i.code not in FORM_ONLY_CODES]


def issue_codes() -> dict[str, tuple[str, str]]:
    """Every lint code -> (default severity, what it means)."""
    return {code: (c.severity, c.title) for code, c in lint_resource().codes.items()}


class _Collector:
    """Builds issues with the severities of ``lint.json``."""

    def __init__(self, analysis: TrialAnalysis) -> None:
        self.analysis = analysis
        self.codes = lint_resource().codes
        self.issues: list[Issue] = []

    def add(self, code: str, message: str, *, criterion: str | None = None, rule: str | None = None,
            severity: Severity | None = None) -> None:
        self.issues.append(Issue(code=code, severity=severity or self.codes[code].severity,
                                 message=message, criterion=criterion, rule=rule))


def _quote(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 1].rstrip()}…"'


def _where(analysis: TrialAnalysis, criterion_id: str | None) -> str:
    """ "inclusion criterion 5" (as numbered in the text) or "exclusion criterion c9"."""
    if criterion_id is None:
        return "the registry"
    try:
        criterion = analysis.criterion(criterion_id)
    except KeyError:
        return f"criterion {criterion_id}"
    kind = criterion.kind if criterion.kind != "unknown" else "unlabelled"
    parent_role = None
    if criterion.parent is not None:
        try:
            parent_role = analysis.criterion(criterion.parent).role
        except KeyError:
            parent_role = None
    if criterion.number and criterion.number.isdigit() and parent_role != "criterion":
        return f"{kind} criterion {criterion.number}"
    return f"{kind} criterion {criterion.id}"


def _label(rule: Rule) -> str:
    return concept_label(rule.concept) if rule.concept is not None else (rule.evidence or "the criterion")


# --------------------------------------------------------------------------- registry


def _age_differs(text: float, strict: bool, registry: float, tolerance: float) -> bool:
    allowed = tolerance if strict else 0.0
    return abs(text - registry) > allowed + 1e-6


def _is_group(rule: Rule) -> bool:
    return rule.concept is not None and rule.concept.system == "AGE_GROUP"


def _check_registry(c: _Collector) -> None:
    analysis = c.analysis
    rules = analysis.rules
    tolerance = lint_resource().age_tolerance_years
    registry = registry_age_bounds(rules)
    eligibility = analysis.trial.eligibility
    has_registry = any(v is not None for v in (eligibility.minimum_age, eligibility.maximum_age, eligibility.sex,
                                                eligibility.healthy_volunteers))
    ages = [r for r in rules if r.category == "age" and r.source == "text"]
    # ages stated as numbers; an "=" age ("aged 16") is seldom a limit
    explicit = [r for r in ages if not _is_group(r) and r.operator != "="]
    # age groups ("adults") only where no number is given, and only those the trial requires
    groups = [] if explicit else [r for r in ages if _is_group(r) and r.polarity == "require"]
    text = text_age_bounds(explicit or groups)
    if text is not None:
        first = (explicit or groups)[0]
        registry_text = format_age_bounds(registry) if registry is not None else "no age limits"
        mismatches = []
        for side, stated, strict, limit in (("minimum", text.low, text.low_strict, registry.low if registry else None),
                                            ("maximum", text.high, text.high_strict, registry.high if registry else None)):
            if stated is None or limit is None:
                continue
            if explicit and _age_differs(stated, strict, limit, tolerance):
                mismatches.append(side)
            elif not explicit and (limit < stated - tolerance if side == "minimum" else limit > stated + tolerance):
                mismatches.append(side)  # the registry admits ages outside the group the text names
        if mismatches:
            c.add("L001", f"the {' and '.join(mismatches)} age in the criteria ({format_age_bounds(text)}, "
                          f"{_where(analysis, first.criterion)} {_quote(first.evidence or first.text, 40)}) disagrees "
                          f"with the registry ({registry_text})",
                  criterion=first.criterion, rule=first.id, severity=None if explicit else "warning")
        if has_registry and explicit:
            for side, value, limit in (("minimum", text.low, registry.low if registry else None),
                                       ("maximum", text.high, registry.high if registry else None)):
                if value is not None and limit is None:
                    c.add("L003", f"the criteria set a {side} age ({format_age_bounds(text)}, "
                                  f"{_where(analysis, first.criterion)}) but the registry gives no {side} age",
                          criterion=first.criterion, rule=first.id)
    registry_sex = eligibility.sex
    if registry_sex is not None:
        for rule in rules:
            if rule.category == "sex" and rule.source == "text" and rule.concept is not None:
                if rule.concept.code != registry_sex:
                    c.add("L002", f"{_where(analysis, rule.criterion)} {_quote(rule.text, 50)} admits "
                                  f"{_sex_words(rule.concept.code)} but the registry's sex is {_sex_words(registry_sex)}",
                          criterion=rule.criterion, rule=rule.id)
    if eligibility.healthy_volunteers:
        required = [r for r in rules if r.source == "text" and r.computable and r.polarity == "require"
                    and r.category == "condition" and r.status == "current" and r.group is None]
        if required:
            rule = required[0]
            c.add("L004", f"the registry accepts healthy volunteers, but {_where(analysis, rule.criterion)} "
                          f"requires {_label(rule)}", criterion=rule.criterion, rule=rule.id)


def _sex_words(code: str) -> str:
    return {"all": "all sexes", "female": "women only", "male": "men only"}.get(code, code)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class _Interval:
    measure: str  # "uln", "lln", "abs:<unit>", "word:<operator>"
    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def within(self, other: "_Interval") -> bool:
        """True when every value of ``self`` lies in ``other``."""
        if self.measure != other.measure:
            return False
        if self.measure.startswith("word:"):
            return True
        low_ok = other.low < self.low or (other.low == self.low and (not other.low_open or self.low_open))
        high_ok = self.high < other.high or (self.high == other.high and (not other.high_open or self.high_open))
        return low_ok and high_ok


_INF = float("inf")


def _interval(rule: Rule) -> _Interval | None:
    """The values a rule's comparison covers, or None when it states none."""
    op = rule.operator
    if op in ("positive", "negative", "normal", "abnormal"):
        return _Interval(f"word:{op}", 0.0, 0.0)
    x: float | None
    y: float | None
    if rule.uln_multiple is not None:
        measure, x, y = "uln", rule.uln_multiple, None
    elif rule.lln_multiple is not None:
        measure, x, y = "lln", rule.lln_multiple, None
    else:
        measure, x, y = f"abs:{rule.unit or ''}", rule.low, rule.high
    if x is None:
        return None
    if op == "between" and y is not None:
        return _Interval(measure, x, y)
    return {
        ">=": _Interval(measure, x, _INF),
        ">": _Interval(measure, x, _INF, low_open=True),
        "<=": _Interval(measure, -_INF, x),
        "<": _Interval(measure, -_INF, x, high_open=True),
        "=": _Interval(measure, x, x),
    }.get(op or "=")


def _rule_text(rule: Rule) -> str:
    value = value_text(rule)
    label = _label(rule)
    return f"{label} {value}" if value else label


def _safety_lab(rule: Rule) -> LabEntry | None:
    entry = lexicon_entry(rule.concept)
    if not isinstance(entry, LabEntry):
        return None
    config = lint_resource().abnormal_value
    if entry.id in config.labs or entry.category in config.lab_categories:
        return entry
    return None


def _same_unit(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    if a == b:
        return True
    from .units import normalize_unit

    return normalize_unit(a) == normalize_unit(b) is not None


def _abnormal(rule: Rule, entry: LabEntry) -> bool:
    """True when every value the rule allows lies outside the lab's normal range."""
    interval = _interval(rule)
    if interval is None:
        return False
    if interval.measure == "uln":
        return interval.low > 1 or (interval.low == 1 and interval.low_open)
    if interval.measure == "lln":
        return interval.high < 1 or (interval.high == 1 and interval.high_open)
    ref = entry.reference
    if ref is None or not interval.measure.startswith("abs:") or not _same_unit(rule.unit, ref.unit):
        return False
    if ref.high is not None and (interval.low > ref.high or (interval.low == ref.high and interval.low_open)):
        return True
    if ref.low is not None and (interval.high < ref.low or (interval.high == ref.low and interval.high_open)):
        return True
    return False


def _covers_normal(rule: Rule, entry: LabEntry) -> bool:
    """True when the values a rule excludes take in the whole normal range."""
    interval = _interval(rule)
    if interval is None:
        return False
    if interval.measure == "uln":
        return interval.low == -_INF and (interval.high > 1 or (interval.high == 1 and not interval.high_open))
    if interval.measure == "lln":
        return interval.high == _INF and (interval.low < 1 or (interval.low == 1 and not interval.low_open))
    ref = entry.reference
    if ref is None or ref.low is None or ref.high is None or not _same_unit(rule.unit, ref.unit):
        return False
    if not interval.measure.startswith("abs:"):
        return False
    return interval.low <= ref.low and interval.high >= ref.high and not (interval.low == -_INF and interval.high == _INF)


def _check_values(c: _Collector) -> None:
    analysis = c.analysis
    for rule in analysis.rules:
        if rule.source != "text" or rule.concept is None:
            continue
        if rule.category == "lab" and rule.computable:
            entry = _safety_lab(rule)
            if entry is None:
                continue
            if rule.polarity == "require" and _abnormal(rule, entry):
                c.add("L006", f"{_where(analysis, rule.criterion)} requires {_rule_text(rule)}, an abnormal value; "
                              "is this meant as an exclusion?", criterion=rule.criterion, rule=rule.id)
            elif rule.polarity == "exclude" and _covers_normal(rule, entry):
                c.add("L008", f"{_where(analysis, rule.criterion)} excludes {_rule_text(rule)}, which takes in "
                              "normal values; is this meant as an inclusion?", criterion=rule.criterion, rule=rule.id)
        elif rule.category == "score":
            score = lexicon_entry(rule.concept)
            if not isinstance(score, ScoreEntry) or score.range is None or rule.uln_multiple is not None:
                continue
            low, high = score.range
            numbers = [v for v in (rule.low, rule.high) if v is not None]
            outside = [v for v in numbers if (low is not None and v < low) or (high is not None and v > high)]
            if outside:
                shown = f"{'' if low is None else f'{low:g}'}-{'' if high is None else f'{high:g}'}"
                c.add("L007", f"{_where(analysis, rule.criterion)} sets {_rule_text(rule)}, outside the "
                              f"{score.name} range ({shown})", criterion=rule.criterion, rule=rule.id)


# --------------------------------------------------------------------------- contradictions


def _reconciled(req: Rule, exc: Rule) -> bool:
    """True when a required and an excluded rule of one concept can both hold (time, range, carve-out, or two kinds under one code)."""
    if req.status != exc.status:
        return True
    if (req.window is not None or exc.window is not None) and req.window != exc.window:
        return True
    if req.concept is not None and any(e.concept == req.concept for e in exc.exceptions):
        return True
    if (req.narrower or exc.narrower) and req.narrower != exc.narrower:
        return True  # two kinds one code does not tell apart ("glioblastoma" required, "astrocytoma" excluded)
    ri, ei = _interval(req), _interval(exc)
    if ei is None:
        return False  # everything excluded
    if ri is None:
        return True  # only part of it excluded
    return not ri.within(ei)


def _same_term(a: Rule, b: Rule) -> bool:
    """True when two rules name their concept with the same words ("SLE" in both), not only the same code."""
    if a.evidence is None or b.evidence is None:
        return False
    ka, kb = normalize(a.evidence), normalize(b.evidence)
    return bool(ka and kb) and (ka == kb or ka in kb or kb in ka)


_SETTING = re.compile(r"(?i)\b(?:for|to|in|from|by|after|than|with|because of|due to|secondary to|related to|"
                      r"relevant to|associated with|treatment of|treated for|therapy of|in addition to)\s+"
                      r"(?:(?:the|a|an|their|his|her|its|this|that|clinical|active|current|known)\s+)*$")
_OTHER_LABELS = ("VALUE", "TEMPORAL", "AGE", "SEX")


def _context_of(analysis: TrialAnalysis, exc: Rule) -> str | None:
    """What makes an excluded mention look like the setting of the exclusion, not its object, or None.

    The mention follows a preposition ("an app for depression", "in addition to
    autism"), or its criterion names another concept ("SLE with severe infection").
    """
    text = analysis.trial.eligibility_text
    entity = next((e for e in analysis.entities if e.id == exc.entity), None)
    if entity is not None and _SETTING.search(text[max(0, entity.start - 40):entity.start]):
        return f"after {_quote(text[max(0, entity.start - 20):entity.end].split(chr(10))[-1].strip(), 40)}"
    others = [e for e in analysis.entities if e.criterion == exc.criterion and e.label not in _OTHER_LABELS
              and e.id != exc.entity and not e.excepted and (e.concept is None or e.concept != exc.concept)]
    if others:
        other = others[0]
        return other.concept.name if other.concept is not None and other.concept.name else other.text
    return None


def _family_pairs(rules: list[Rule]) -> Iterator[tuple[Rule, Rule]]:
    """(required, excluded) condition rules whose excluded concept is an ICD-10-CM range holding the required code
    ("type 2 diabetes", E11, required and "diabetes", E08-E13, excluded)."""
    families = [r for r in rules if r.polarity == "exclude" and r.category == "condition" and r.concept is not None
                and r.concept.system == "ICD-10-CM" and normalize_icd_range(r.concept.code) is not None]
    for req in rules:
        if req.polarity != "require" or req.category != "condition" or req.concept is None or req.concept.system != "ICD-10-CM":
            continue
        for exc in families:
            assert exc.concept is not None
            if exc.concept.code != req.concept.code and icd_in(req.concept.code, exc.concept.code):
                yield req, exc


def _check_conflicts(c: _Collector) -> None:
    """L005: one concept required and excluded, in different criteria, with nothing that reconciles them.

    An error when both name it with the same words; a warning when only the code is
    shared ("spinal disorder" and "spondylolisthesis"), when the excluded concept is a
    family (an ICD-10-CM range) that holds the required one ("type 2 diabetes" and
    "diabetes"), or when the required one is an
    alternative; info when the excluded mention looks like the setting of the
    exclusion rather than its object ("SLE with severe infection", "an app for
    depression"): the text is then fine and only its reading is in doubt.
    """
    analysis = c.analysis
    rules = [r for r in analysis.rules if r.source == "text" and r.computable and r.concept is not None
             and r.category not in ("age", "sex")]
    by_concept: dict[tuple[str, str, str], list[Rule]] = {}
    for rule in rules:
        assert rule.concept is not None
        by_concept.setdefault((rule.category, rule.concept.system, rule.concept.code), []).append(rule)
    by_criterion: dict[str | None, list[Rule]] = {}
    for rule in rules:
        by_criterion.setdefault(rule.criterion, []).append(rule)
    pairs = [(req, exc) for group in by_concept.values() for req in group if req.polarity == "require"
             for exc in group if exc.polarity == "exclude"]
    seen: set[tuple[str | None, str | None, str, str]] = set()
    for req, exc in [*pairs, *_family_pairs(rules)]:
        assert req.concept is not None and exc.concept is not None
        pair = (req.criterion, exc.criterion, req.concept.code, exc.concept.code)
        if req.criterion == exc.criterion or pair in seen or _reconciled(req, exc):
            continue
        seen.add(pair)
        doubts = []
        if req.concept.code != exc.concept.code:
            doubts.append(f"the excluded {_quote(exc.evidence or '', 30)} ({exc.concept.code}) holds the required "
                          f"{_quote(req.evidence or '', 30)} ({req.concept.code})")
        elif not _same_term(req, exc):
            doubts.append(f"they share the code {req.concept.code if req.concept else ''} but not the words "
                          f"({_quote(req.evidence or '', 30)}, {_quote(exc.evidence or '', 30)})")
        if req.group is not None:
            doubts.append(f"it is one of the alternatives of {_where(analysis, req.criterion)}, "
                          "which can then never be met that way")
        context = _context_of(analysis, exc)
        if context:
            doubts.append(f"{_where(analysis, exc.criterion)} may only name the setting of what it "
                          f"excludes ({context})")
        message = (f"{_rule_text(req)} is required by {_where(analysis, req.criterion)} and excluded by "
                   f"{_where(analysis, exc.criterion)} {_quote(_criterion_text(analysis, exc.criterion), 60)}")
        if doubts:
            message += "; " + "; ".join(doubts)
        severity: Severity | None = "info" if context else ("warning" if doubts else None)
        c.add("L005", message, criterion=exc.criterion, rule=exc.id, severity=severity)


def _criterion_text(analysis: TrialAnalysis, criterion_id: str | None) -> str:
    if criterion_id is None:
        return ""
    try:
        return analysis.criterion(criterion_id).text
    except KeyError:
        return ""


# --------------------------------------------------------------------------- computability


def _check_computable(c: _Collector) -> None:
    analysis = c.analysis
    criteria = [x for x in analysis.criteria if x.role == "criterion"]
    if not criteria:
        return
    covered = {r.criterion for r in analysis.rules if r.computable and r.source == "text"}
    screening = set(lint_resource().screening_concepts)
    done = sum(1 for x in criteria if x.id in covered)
    c.add("L009", f"{done} of {len(criteria)} criteria ({done / len(criteria):.0%}) can be computed against a patient record")
    by_criterion: dict[str | None, list[Rule]] = {}
    for rule in analysis.rules:
        by_criterion.setdefault(rule.criterion, []).append(rule)
    for criterion in criteria:
        if criterion.id in covered:
            continue
        own = by_criterion.get(criterion.id, [])
        if own and all(r.concept is not None and r.concept.code in screening for r in own):
            c.add("L011", f"{_where(analysis, criterion.id)} {_quote(criterion.text)} is checked at screening "
                          f"({_label(own[0])}), not computed", criterion=criterion.id)
            continue
        reasons = list(dict.fromkeys(r.reason for r in own if r.reason)) or ["no rule was read from it"]
        c.add("L010", f"{_where(analysis, criterion.id)} {_quote(criterion.text)} cannot be computed: "
                      f"{'; '.join(reasons)}", criterion=criterion.id, rule=own[0].id if own else None)


# --------------------------------------------------------------------------- duplicates and numbering

_NUMBERING = re.compile(r"^\s*(?:[\(\[]?(?:\d{1,3}|[a-zA-Z]|[ivxlIVXL]{1,5})(?:\.\d{1,3})*[\.\)\]:]|[-–—•*·▪●◦○§])\s*")
_NON_WORD = re.compile(r"[\W_]+")


def _normal_text(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _NUMBERING.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def _check_duplicates(c: _Collector) -> None:
    analysis = c.analysis
    for duplicate in analysis.duplicates:
        c.add("L012", f"the {duplicate.kind} criterion {_quote(duplicate.text, 60)} repeats "
                      f"{_where(analysis, duplicate.duplicate_of)}", criterion=duplicate.duplicate_of)
    first: dict[str, Criterion] = {}
    for criterion in analysis.criteria:
        if criterion.role != "criterion":
            continue
        key = _normal_text(criterion.text)
        if not key:
            continue
        earlier = first.get(key)
        if earlier is None:
            first[key] = criterion
            continue
        if earlier.kind == criterion.kind or "unknown" in (earlier.kind, criterion.kind):
            c.add("L013", f"{_where(analysis, criterion.id)} {_quote(criterion.text, 60)} says the same as "
                          f"{_where(analysis, earlier.id)}", criterion=criterion.id)
        else:
            c.add("L014", f"{_quote(criterion.text, 60)} is both {_where(analysis, earlier.id)} and "
                          f"{_where(analysis, criterion.id)}", criterion=criterion.id)


def _check_numbering(c: _Collector) -> None:
    analysis = c.analysis
    lists: dict[tuple[str, str | None], list[Criterion]] = {}
    for criterion in analysis.criteria:
        if criterion.role == "heading":
            continue
        lists.setdefault((criterion.kind, criterion.parent), []).append(criterion)
    for (kind, _parent), items in lists.items():
        numbered = [(int(x.number), x) for x in items if x.number and x.number.isdigit()]
        if not numbered:
            continue
        previous: int | None = None
        for number, criterion in numbered:
            if previous is None and number > 1:
                c.add("L017", f"the {kind} list starts at {number}: {'criterion 1 is' if number == 2 else f'criteria 1-{number - 1} are'} "
                              "missing or numbered elsewhere", criterion=criterion.id)
            elif previous is not None and number > previous + 1:
                skipped = f"{previous + 1}" if number == previous + 2 else f"{previous + 1}-{number - 1}"
                c.add("L017", f"the {kind} list skips from {previous} to {number} (no criterion {skipped})",
                      criterion=criterion.id)
            previous = number


# --------------------------------------------------------------------------- spelling

_WORD = re.compile(r"[A-Za-z][a-z]*(?:'[a-z]+)?")
_LETTERS = frozenset(string.ascii_lowercase)
_PREFIXES = ("non", "pre", "post", "anti", "re", "un", "sub", "co", "intra", "inter", "hyper", "hypo", "peri",
             "poly", "auto", "immuno", "neuro", "cardio", "hepato", "nephro", "over", "under", "multi", "semi",
             "trans", "extra", "micro", "macro", "mono", "bi", "tri", "de", "dis", "mis", "self", "well", "ex")
_BRITISH = (("our", "or"), ("isation", "ization"), ("ise", "ize"), ("ised", "ized"), ("ises", "izes"),
            ("ising", "izing"), ("yse", "yze"), ("ysed", "yzed"), ("tre", "ter"), ("ogue", "og"),
            ("aemia", "emia"), ("haem", "hem"), ("oedema", "edema"), ("oesoph", "esoph"), ("ae", "e"), ("oe", "e"),
            ("lled", "led"), ("lling", "ling"), ("mme", "m"))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


_SUFFIXES = ("ization", "isation", "ification", "ation", "ability", "ibility", "able", "ible", "ional", "ical",
             "ally", "ness", "ment", "ous", "ity", "ive", "ian", "oid", "ism", "ist", "ize", "ise", "ary", "al",
             "ic", "ar", "er", "ed", "ing", "ly", "ia", "y")


class _Speller:
    """An English + medical vocabulary with close-word suggestions."""

    def __init__(self) -> None:
        from spellchecker import SpellChecker

        english: dict[str, int] = dict(SpellChecker(language="en").word_frequency.dictionary)
        config = lint_resource().spelling
        self.min_count = config.english_min_count
        self.english = {w: n for w, n in english.items() if w.isalpha() and w.isascii()}
        medical: set[str] = set()
        for form, _entry in Lexicon.load().terms():
            medical |= _words(form)
        root = resources.files("criteria_nlp").joinpath("resources")
        for name in ("icd10_terms.json", "drug_terms.json"):
            data: dict[str, Any] = json.loads(root.joinpath(name).read_text(encoding="utf-8"))
            for entry in data.get("entries", []):
                for term in entry.get("terms", []):
                    medical |= _words(term)
                concept = entry.get("concept") or {}
                medical |= _words(str(concept.get("name") or ""))
        for known in (*config.known_words, *config.medical_words):
            medical |= _words(known)
        self.medical = {w for w in medical if len(w) >= 3}
        self.sorted = sorted(set(self.english) | self.medical)
        self.medical_sorted = sorted(self.medical)
        self._known_cache: dict[str, bool] = {}
        self._suggest_cache: dict[tuple[str, int], str | None] = {}
        self._masks: list[int] | None = None

    def _in(self, word: str) -> bool:
        return word in self.english or word in self.medical

    def _has_prefix(self, stem: str) -> bool:
        """True when a known word starts with ``stem`` and goes on ("resect" -> "resection")."""
        i = bisect.bisect_left(self.sorted, stem)
        return i < len(self.sorted) and self.sorted[i].startswith(stem) and (
            len(self.sorted[i]) > len(stem) or (i + 1 < len(self.sorted) and self.sorted[i + 1].startswith(stem)))

    def known(self, word: str) -> bool:
        """True when ``word`` (lower case) is known, or a plain variant or derivative of a known word (memoised)."""
        found = self._known_cache.get(word)
        if found is None:
            if len(self._known_cache) > CACHE_SIZE:
                self._known_cache.clear()
            found = self._known_cache[word] = self._known(word)
        return found

    def _known(self, word: str) -> bool:
        """True when ``word`` (lower case) is known, or a plain variant or derivative of a known word.

        Variants: plural and singular, British spellings, a prefix ("non-", "post-")
        before a known word; derivatives: a known stem before a suffix
        ("evaluable" from "evaluate", "resectable" from "resection").
        """
        if any(self._in(v) for v in self._variants(word)):
            return True
        for suffix in _SUFFIXES:
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and len(stem) >= 4 and self._has_prefix(stem):
                return True
        return False

    def _variants(self, word: str) -> Iterator[str]:
        yield word
        base = word[:-2] if word.endswith("'s") else word
        forms = [base, base + "s", base + "es"]
        if base.endswith("ies"):
            forms.append(base[:-3] + "y")
        if base.endswith("es"):
            forms.append(base[:-2])
        if base.endswith("s"):
            forms.append(base[:-1])
        if base.endswith("a"):
            forms.append(base + "e")  # Latin plurals: "petechia", "ecchymoses"
        for form in list(forms):
            for british, american in _BRITISH:
                if british in form:
                    forms.append(form.replace(british, american))
        yield from forms
        for form in forms:
            for prefix in _PREFIXES:
                rest = form[len(prefix):].lstrip("-")
                if form.startswith(prefix) and len(rest) >= 4 and self._in(rest):
                    yield rest

    def _is_word(self, word: str) -> bool:
        return word in self.medical or self.english.get(word, 0) >= self.min_count

    @staticmethod
    def _edits1(word: str) -> set[str]:
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        deletes = {a + b[1:] for a, b in splits if b}
        transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        replaces = {a + ch + b[1:] for a, b in splits if b for ch in _LETTERS}
        inserts = {a + ch + b for a, b in splits for ch in _LETTERS}
        return deletes | transposes | replaces | inserts

    def suggest(self, word: str, long_word: int) -> str | None:
        """:meth:`_suggest`, memoised (words recur across the trials of a registry)."""
        key = (word, long_word)
        if key not in self._suggest_cache:
            if len(self._suggest_cache) > CACHE_SIZE:
                self._suggest_cache.clear()
            self._suggest_cache[key] = self._suggest(word, long_word)
        return self._suggest_cache[key]

    def _medical_masks(self) -> list[int]:
        """``_char_mask`` of each word of ``medical_sorted``, in its order (built on first use)."""
        if self._masks is None:
            self._masks = [_char_mask(w) for w in self.medical_sorted]
        return self._masks

    def _suggest(self, word: str, long_word: int) -> str | None:
        """The closest known word one edit away (two for words of ``long_word`` letters or more), or None.

        The suggestion starts with the same letter (typing errors seldom touch the
        first one, while "a-" and "hemi-" forms do) and is a medical word or a
        frequent English one.
        """
        found = {w for w in self._edits1(word) if w[:1] == word[:1] and self._is_word(w)}
        if not found and len(word) >= long_word:
            # two edits: medical words with the same first two letters and a length within two
            lo = bisect.bisect_left(self.medical_sorted, word[:2])
            hi = bisect.bisect_left(self.medical_sorted, word[:2] + "\uffff")
            # two edits bring in at most two characters the other word lacks, each way: a cheap test first
            own, masks = _char_mask(word), self._medical_masks()
            found = {w for w, mask in zip(self.medical_sorted[lo:hi], masks[lo:hi])
                     if abs(len(w) - len(word)) <= 2 and (mask & ~own).bit_count() <= 2
                     and (own & ~mask).bit_count() <= 2 and _within(word, w, 2)}
        if not found:
            return None
        return min(found, key=lambda w: (_distance(word, w), w not in self.medical, -self.english.get(w, 0), w))


def _char_mask(word: str) -> int:
    """The characters of ``word`` as bits (one of 64 per character; characters sharing a bit only weaken the test)."""
    mask = 0
    for ch in word:
        mask |= 1 << (ord(ch) & 63)
    return mask


def _within(a: str, b: str, limit: int) -> bool:
    """True when ``_distance(a, b) <= limit``; computes only the band of the table that can stay within it
    and stops as soon as a whole row exceeds it."""
    if abs(len(a) - len(b)) > limit:
        return False
    big = limit + 1
    previous2: list[int] | None = None
    previous = [j if j <= limit else big for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        current = [big] * (len(b) + 1)
        if i <= limit:
            current[0] = i
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            cb = b[j - 1]
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = min(value, big)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[len(b)] <= limit


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein with adjacent transpositions)."""
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def generate_medical_words() -> list[str]:
    """Words of ICD-10-CM (all descriptions and inclusion terms) and of the drug package's names that the
    speller's other sources lack: the ``spelling.medical_words`` list of ``lint.json``.

    For maintainers (it takes some seconds): rerun it when those packages change and
    paste the result into the resource.
    """
    from .codes import _drug_data, _icd

    speller = _Speller()
    icd = _icd()
    words: set[str] = set()
    for code in icd.get_all_codes(True):
        words |= _words(icd.get_description(code))
        for term in [*icd.get_inclusion_term(code), *icd.get_includes(code)]:
            words |= _words(term)
    for variant in _drug_data()["drug_variant_to_canonical"]:
        words |= _words(variant)
    configured = set(lint_resource().spelling.medical_words)
    return sorted(w for w in words if len(w) >= 4 and (w in configured or not speller._in(w)))


@functools.lru_cache(maxsize=1)
def _speller() -> _Speller:
    return _Speller()


#: entries kept in each of the speller's memo tables before they are emptied
CACHE_SIZE = 200_000
#: longer "words" are not spell-checked: no medical word is this long, and the edits of a
#: 100,000-letter string would take gigabytes
MAX_WORD = 40


@dataclass(frozen=True)
class Misspelling:
    """A word that looks misspelt: where it is (offsets into the text), as written, and the suggestion."""

    start: int
    end: int
    word: str
    suggestion: str
    real_word: bool


def misspellings(text: str, skip: Iterable[tuple[int, int]] = ()) -> list[Misspelling]:
    """The words of ``text`` that look misspelt, with a suggestion each.

    A word is checked when it has at least ``min_length`` letters, no digit or
    capital after its first letter (acronyms, codes and names such as "dsDNA"
    stay out), and lies outside the ``skip`` spans (drug mentions). Real words
    that are typing errors in their context ("sever hepatitis") come from
    ``lint.json``'s ``confusions``.
    """
    config = lint_resource().spelling
    speller = _speller()
    confusions = _confusions_by_word()
    drug_suffixes = tuple(config.drug_suffixes)
    min_length = config.min_length
    spans = sorted(skip)
    span_starts = [s for s, _ in spans]
    out: list[Misspelling] = []
    for match in _WORD.finditer(text):
        word = match.group()
        lower = word.lower()
        if not confusions.get(lower) and (len(word) < min_length or len(word) > MAX_WORD or speller.known(lower)):
            continue  # most words: every check below would let them pass, so decide on the (memoised) word alone
        start, end = match.span()
        k = bisect.bisect_right(span_starts, start) - 1
        if k >= 0 and start < spans[k][1]:
            continue
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isalnum() or after.isalnum() or (before == "-" and start >= 2 and text[start - 2].isdigit()):
            continue  # glued to digits or other letters: a code, a unit, an identifier
        if after == "-" or after == "'" and text[end:end + 2] != "'s":
            continue  # a combining form ("fronto-temporal") or a contraction ("can't")
        if lower.endswith(drug_suffixes):
            continue  # a new drug's name ("-inib", "-mab") the drug list may not know yet
        if word[0].isupper() and not _sentence_start(text, start):
            continue  # a capitalised word inside a sentence: a name (Wilms, Henoch) or a brand (Bactrim)
        confusion = _confusion(text, start, end, lower)
        if confusion is not None:
            out.append(Misspelling(start, end, word, _match_case(word, confusion), True))
            continue
        if len(word) < min_length or len(word) > MAX_WORD or speller.known(lower):
            continue  # too short to judge, or too long to be a word (its edits would fill memory)
        suggestion = speller.suggest(lower, config.long_word)
        if suggestion is not None:
            out.append(Misspelling(start, end, word, _match_case(word, suggestion), False))
    return out


_OPENERS = re.compile(r"(?:^|[.:;!?\n•*▪●◦·\-–—(\[]|^\s*\d{1,3}[.)])\s*$")


def _sentence_start(text: str, start: int) -> bool:
    """True when the word at ``start`` opens the text, a sentence, a list item or a bracket."""
    return bool(_OPENERS.search(text[max(0, start - 12):start]))


def _confusion(text: str, start: int, end: int, lower: str) -> str | None:
    confusions = _confusions_by_word().get(lower)
    if not confusions:
        return None
    # a window around the word: slicing the whole rest of a long text for every hit would be quadratic
    following = text[end:end + 200].lstrip().lower()
    preceding = text[max(0, start - 200):start].lower()
    for confusion in confusions:
        if confusion.next is not None and not re.match(confusion.next, following):
            continue
        if confusion.previous is not None and not re.search(confusion.previous, preceding):
            continue
        return str(confusion.suggestion)
    return None


@functools.lru_cache(maxsize=1)
def _confusions_by_word() -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for confusion in lint_resource().spelling.confusions:
        grouped.setdefault(confusion.word, []).append(confusion)
    return grouped


def _match_case(word: str, suggestion: str) -> str:
    return suggestion[:1].upper() + suggestion[1:] if word[:1].isupper() else suggestion


def _check_spelling(c: _Collector) -> None:
    analysis = c.analysis
    text = analysis.trial.eligibility_text
    drugs = [(e.start, e.end) for e in analysis.entities if e.label == "DRUG"]
    seen: dict[str, int] = {}
    found: list[tuple[Criterion, Misspelling]] = []
    for criterion in analysis.criteria:
        for item in misspellings(text[criterion.start:criterion.end],
                                 [(s - criterion.start, e - criterion.start) for s, e in drugs]):
            key = item.word.lower()
            seen[key] = seen.get(key, 0) + 1
            if seen[key] == 1:
                found.append((criterion, item))
    for criterion, item in found:
        count = seen[item.word.lower()]
        times = f" ({count} times)" if count > 1 else ""
        if item.real_word:
            context = text[criterion.start + item.start: criterion.start + item.end + 30].split("\n")[0]
            c.add("L016", f'"{item.word}" in {_where(analysis, criterion.id)} ("{context.strip()}…"){times}: '
                          f'did you mean "{item.suggestion}"?', criterion=criterion.id)
        else:
            c.add("L015", f'"{item.word}" in {_where(analysis, criterion.id)}{times} looks misspelt: '
                          f'did you mean "{item.suggestion}"?', criterion=criterion.id)


# --------------------------------------------------------------------------- entry points

_CHECKS = (_check_registry, _check_conflicts, _check_values, _check_duplicates, _check_numbering,
           _check_spelling, _check_computable)


def lint(analysis: TrialAnalysis) -> list[Issue]:
    """The quality issues of one analysed trial, most serious first, then in text order.

    Uses ``analysis.rules`` as they are (run the analyzer first); see the module
    docstring for the codes.
    """
    collector = _Collector(analysis)
    for check in _CHECKS:
        check(collector)
    order = {c.id: i for i, c in enumerate(analysis.criteria)}
    return sorted(collector.issues, key=lambda i: (SEVERITY_ORDER[i.severity],
                                                   -1 if i.criterion is None else order.get(i.criterion, len(order))))


def summarize(issues: Iterable[Issue]) -> dict[str, int]:
    """How many issues of each severity: ``{"error": 1, "warning": 3, "info": 1}``."""
    counts = {"error": 0, "warning": 0, "info": 0}
    for issue in issues:
        counts[issue.severity] += 1
    return counts
