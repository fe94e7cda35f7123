"""A trial compiled for matching: its rules' evaluators and populations, one patient (:func:`match`) or a
cohort at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..cohort import Array, Cohort, F, T, U
from ..errors import PatientError
from ..patient import Patient, icd_code_or_range
from ..patient_io import read_patient
from ..qualifiers import qualifier_lexicon
from ..schema import Concept, Population, Rule, TrialAnalysis
from .base import _DRUG_SYSTEMS, Evaluator, View
from .conditions import ConditionEvaluator
from .core import all3, all3_array, any3, any3_array, compare, compare_one
from .covers import ConditionCover, _history_code
from .demographics import AgeEvaluator, PregnancyEvaluator, SexEvaluator
from .drugs import DrugEvaluator
from .labs import LabEvaluator
from .observations import ObservationEvaluator
from .procedures import ProcedureEvaluator
from .results import RESULT_NAMES, ManualReview, MatchResult, RuleResult, Verdict
from .scores import ScoreEvaluator


class PopulationCheck:
    """Whether a patient belongs to the population a rule binds (``Rule.applies_to``), three-valued.

    Every part given must hold: sex, childbearing (reproductive) potential, the age band, having any
    of ``conditions``, having none of ``without``; ``other`` (a description no record answers) is unknown.
    """

    def __init__(self, population: Population) -> None:
        self.population = population
        self.covers = [ConditionCover(c) for c in population.conditions]
        self.absent = [ConditionCover(c) for c in population.without]

    def one(self, v: View) -> tuple[int, str]:
        """Membership (T, F or U) and the fact that settles it or is missing."""
        pop = self.population
        parts: list[tuple[int, str]] = []
        if pop.sex is not None:
            sex = v.p.sex
            parts.append((U if sex not in ("female", "male") else T if sex == pop.sex else F, f"sex {sex}"))
        if pop.childbearing_potential is not None:
            if pop.sex is None and v.p.sex == "male":
                # "fertile patients": a man's fertility is in no record we read
                parts.append((U, "whether the patient can father a child"))
            else:
                holds = ObservationEvaluator.read(v, "obs:childbearing-potential", "current").holds
                if holds != U and not pop.childbearing_potential:
                    holds = 1 - holds
                parts.append((holds, "childbearing potential"))
        if pop.age_operator is not None:
            age = v.p.age_on(v.as_of)
            holds = U if age is None else compare_one(age[0], pop.age_operator, pop.age_low, pop.age_high)
            parts.append((holds, f"age {age[0]:g}" if age is not None else "age"))
        for covers, wanted in ((self.covers, True), (self.absent, False)):
            if not covers:
                continue
            has = self._has(v, covers, pop.qualifiers if wanted else [])
            parts.append((has if wanted or has == U else 1 - has, "condition list"))
        if pop.other:
            parts.append((U, pop.other))
        values = [p for p, _ in parts]
        result = all3(values)
        why = next((w for p, w in parts if p == result), pop.text)
        return result, why

    @staticmethod
    def _has(v: View, covers: list[ConditionCover], qualifiers: list[str]) -> int:
        """Whether the patient has one of the conditions now, with the qualifiers asked ("treatment-refractory")."""
        facts = v.p.conditions
        if facts is None:
            return U
        held = [f for f in facts if f.concept is not None and any(c.covers(f.concept.code) for c in covers)
                and v.condition_span(f).ongoing]
        found = any3(qualifier_lexicon().compare(qualifiers, f.qualifiers) for f in held) if held else F
        if found != F:
            return found
        return U if any(f.concept is None for f in facts) else F

    def many(self, c: "Cohort") -> Array:
        """Membership for every row of a cohort."""
        pop = self.population
        parts: list[Array] = []
        if pop.sex is not None:
            known = (c.sex == "female") | (c.sex == "male")
            parts.append(np.where(known, (c.sex == pop.sex).astype(np.int8), U).astype(np.int8))
        if pop.childbearing_potential is not None:
            holds = ObservationEvaluator.read_many(c, "obs:childbearing-potential", "current")
            if not pop.childbearing_potential:
                holds = np.where(holds == U, U, 1 - holds).astype(np.int8)
            if pop.sex is None:
                holds = np.where(c.sex == "male", U, holds).astype(np.int8)
            parts.append(holds)
        if pop.age_operator is not None:
            parts.append(compare(c.age_completed, pop.age_operator, pop.age_low, pop.age_high))
        for covers, wanted in ((self.covers, True), (self.absent, False)):
            if not covers:
                continue
            lst = c.lists["conditions"]

            def named(con: Concept, name: str | None, cv: list[ConditionCover] = covers) -> bool:
                return con.system == "ICD-10-CM" and any(x.covers(con.code) for x in cv) and not _history_code(con.code)

            hit = lst.any_rows(named, kinds=("current",))
            confirmed = T if not wanted or not qualifier_lexicon().needs_confirmation(pop.qualifiers) else U
            has = np.where(~lst.provided, U, np.where(hit, confirmed, np.where(lst.uncoded, U, F))).astype(np.int8)
            parts.append(has if wanted else np.where(has == U, U, 1 - has).astype(np.int8))
        if pop.other:
            parts.append(np.full(c.n, U, dtype=np.int8))
        return all3_array(np.stack(parts)) if parts else np.full(c.n, T, dtype=np.int8)


def _apply_population(result: Array, applies: Array, grouped_require: bool) -> Array:
    """A rule's criterion result for the patients it binds: outside its population a rule is met (an
    alternative of an any-of group is not available: not met); where membership is unknown, a rule that
    would stand in the way is unknown."""
    if grouped_require:
        return np.where(applies == F, F, np.where((applies == U) & (result == T), U, result)).astype(np.int8)
    return np.where(applies == F, T, np.where((applies == U) & (result != T), U, result)).astype(np.int8)


def _evaluator_class(rule: Rule) -> type[Evaluator]:
    if rule.category == "age":
        return AgeEvaluator
    if rule.category == "sex":
        return SexEvaluator
    if rule.category == "pregnancy":
        return PregnancyEvaluator
    concept = rule.concept
    if concept is None:
        return Evaluator
    code = concept.code
    if concept.system == "ICD-10-CM" and icd_code_or_range(code) is not None:
        return ConditionEvaluator
    if concept.system in _DRUG_SYSTEMS or code.startswith("drug:"):
        return DrugEvaluator
    if code.startswith("proc:"):
        return ProcedureEvaluator
    if concept.system == "LOINC" or code.startswith("lab:"):
        return LabEvaluator
    if concept.system == "SCORE":
        return ScoreEvaluator
    if code.startswith("obs:"):
        return ObservationEvaluator
    return Evaluator


# --------------------------------------------------------------------------- a compiled trial


class CompiledTrial:
    """A trial's rules with their evaluators, built once and reused for many patients."""

    def __init__(self, analysis: TrialAnalysis) -> None:
        self.analysis = analysis
        self.trial_id = analysis.trial.id
        self.rules = list(analysis.rules)
        self.required_conditions = [
            ConditionCover(r.concept, r.evidence) for r in self.rules
            if r.computable and r.polarity == "require" and r.category == "condition" and r.concept is not None
            and r.concept.system == "ICD-10-CM" and icd_code_or_range(r.concept.code) is not None and not r.narrower
        ]
        self.evaluators: dict[str, Evaluator] = {}
        self.populations: dict[str, PopulationCheck] = {}
        for rule in self.rules:
            if rule.computable:
                self.evaluators[rule.id] = _evaluator_class(rule)(rule, self)
                if rule.applies_to is not None:
                    self.populations[rule.id] = PopulationCheck(rule.applies_to)
        groups: dict[str, list[Rule]] = {}
        for rule in self.rules:
            if rule.group is not None:
                groups.setdefault(rule.group, []).append(rule)
        self.groups = groups
        # rules whose group offers alternatives to other people too: outside its population such an alternative
        # is not available (not met); where every member binds the same people, outside them the group is met
        self.alternative_for_some: set[str] = {
            r.id for members in groups.values() if any(m.applies_to != members[0].applies_to for m in members)
            for r in members if r.polarity == "require"}

    # ----------------------------------------------------------------- one patient

    def match(self, patient: Patient, as_of: dt.date | None = None) -> MatchResult:
        """Evaluate every rule for one patient."""
        v = View(patient, as_of)
        results: list[RuleResult] = []
        review: list[ManualReview] = []
        truth: dict[str, int] = {}
        for rule in self.rules:
            base: dict[str, Any] = dict(rule=rule.id, criterion=rule.criterion, category=rule.category, text=rule.text,
                                        evidence=rule.evidence, polarity=rule.polarity, status=rule.status, group=rule.group)
            if not rule.computable:
                reason = f"not computable: {rule.reason or 'no reason given'}"
                results.append(RuleResult.model_construct(**base, computable=False, holds=None, result="unknown", fact=None,
                                                          reason=reason, needs=[]))
                review.append(ManualReview(rule=rule.id, criterion=rule.criterion, text=rule.text, reason=reason))
                continue
            out = self.evaluators[rule.id].one(v)
            holds = out.holds
            res = holds if rule.polarity == "require" else (U if holds == U else 1 - holds)
            reason = out.reason
            needs = out.needs
            check = self.populations.get(rule.id)
            if check is not None:
                applies, why = check.one(v)
                grouped = rule.id in self.alternative_for_some
                new = int(_apply_population(np.array([res], dtype=np.int8), np.array([applies], dtype=np.int8), grouped)[0])
                who = rule.applies_to.text if rule.applies_to is not None else ""
                if applies == F:
                    reason = f"applies only to {who}; the patient is not among them ({why})"
                elif applies == U and new != res:
                    reason = f"{reason}; but it applies only to {who}, which the record cannot confirm ({why})"
                    needs = needs + [f"whether the patient is among {who}"]
                res = new
            truth[rule.id] = res
            if res == F and rule.polarity == "exclude":
                reason = f"excluded: {reason}"
            elif res == F and rule.polarity == "require":
                reason = f"requirement not met: {reason}"
            results.append(RuleResult.model_construct(**base, computable=True, holds=None if holds == U else bool(holds),
                                                      result=RESULT_NAMES[res], fact=out.fact, reason=reason,
                                                      needs=needs if res == U else []))
        units, group_results = self.combine({k: np.array([v_], dtype=np.int8) for k, v_ in truth.items()}, 1)
        unit_values = {k: int(a[0]) for k, a in units.items()}
        verdict = _verdict_one(list(unit_values.values()))
        decided: list[str] = []
        want = F if verdict == "ineligible" else (U if verdict == "indeterminate" else None)
        if want is not None:
            for unit_id, value in unit_values.items():
                if value != want:
                    continue
                members = [r.id for r in self.groups[unit_id]] if unit_id in self.groups else [unit_id]
                decided.extend([m for m in members if truth.get(m) == want] or members)
        counts = {name: sum(1 for r in results if r.computable and r.result == name) for name in ("met", "not_met", "unknown")}
        return MatchResult(
            trial_id=self.trial_id, patient_id=patient.id, as_of=v.as_of, verdict=verdict, rules=results,
            groups={g: RESULT_NAMES[int(a[0])] for g, a in group_results.items()}, decided_by=decided,
            met=counts["met"], not_met=counts["not_met"], unknown=counts["unknown"], manual_review=review,
        )

    # ----------------------------------------------------------------- shared combination

    def combine(self, truth: Mapping[str, Array], n: int) -> tuple[dict[str, Array], dict[str, Array]]:
        """Decision units (ungrouped computable rules and groups) from per-rule criterion results."""
        units: dict[str, Array] = {}
        group_results: dict[str, Array] = {}
        done: set[str] = set()
        for rule in self.rules:
            if rule.group is not None:
                if rule.group in done:
                    continue
                done.add(rule.group)
                members = self.groups[rule.group]
                computable = [m for m in members if m.computable]
                if not computable:
                    continue
                stack = np.stack([truth[m.id] for m in computable])
                polarity = members[0].polarity
                if polarity == "require":
                    result = any3_array(stack)
                    if len(computable) < len(members):
                        result = np.where(result == F, U, result).astype(np.int8)
                else:
                    result = all3_array(stack)
                units[rule.group] = result
                group_results[rule.group] = result
            elif rule.computable:
                units[rule.id] = truth[rule.id]
        return units, group_results

    # ----------------------------------------------------------------- a cohort

    def evaluate_cohort(self, cohort: "Cohort") -> tuple[dict[str, Array], Array]:
        """Per-rule criterion results (int8: 1 met, 0 not met, -1 unknown) and verdict codes for a cohort."""
        truth: dict[str, Array] = {}
        for rule in self.rules:
            if not rule.computable:
                continue
            holds = self.evaluators[rule.id].many(cohort)
            result = holds if rule.polarity == "require" else np.where(holds == U, U, 1 - holds).astype(np.int8)
            check = self.populations.get(rule.id)
            if check is not None:
                result = _apply_population(result, check.many(cohort), rule.id in self.alternative_for_some)
            truth[rule.id] = result
        units, _ = self.combine(truth, cohort.n)
        if units:
            stack = np.stack(list(units.values()))
            verdict = np.where((stack == F).any(axis=0), 2, np.where((stack == U).any(axis=0), 1, 0)).astype(np.int8)
        else:
            verdict = np.zeros(cohort.n, dtype=np.int8)
        return truth, verdict


def _verdict_one(values: Sequence[int]) -> Verdict:
    if any(v == F for v in values):
        return "ineligible"
    if any(v == U for v in values):
        return "indeterminate"
    return "eligible"


def as_analysis(analysis: TrialAnalysis | Mapping[str, Any]) -> TrialAnalysis:
    """A ``TrialAnalysis`` from itself or its ``to_dict()`` output."""
    if isinstance(analysis, TrialAnalysis):
        return analysis
    if isinstance(analysis, Mapping):
        return TrialAnalysis.from_dict(dict(analysis))
    raise PatientError("P008", record="<analysis>", detail=type(analysis).__name__)


_COMPILED: dict[int, tuple[TrialAnalysis, CompiledTrial]] = {}


def compile_trial(analysis: TrialAnalysis | Mapping[str, Any]) -> CompiledTrial:
    """The evaluators of a trial's rules, cached for the same analysis object (build a new one after editing its rules)."""
    a = as_analysis(analysis)
    key = id(a)
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is a:
        return hit[1]
    compiled = CompiledTrial(a)
    if len(_COMPILED) > 256:
        _COMPILED.clear()
    _COMPILED[key] = (a, compiled)
    return compiled


def match(patient: Patient | Mapping[str, Any] | str, analysis: TrialAnalysis | Mapping[str, Any],
          *, as_of: dt.date | None = None) -> MatchResult:
    """Match one patient (a :class:`Patient`, a dict, or a path to JSON/FHIR) against one trial's analysis.

    ``as_of`` overrides the record's own date. See the module docstring for the logic.
    """
    p = read_patient(patient) if not isinstance(patient, Patient) else patient
    return compile_trial(analysis).match(p, as_of)
