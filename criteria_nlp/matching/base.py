"""The patient view and the evaluator base classes every fact category builds on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from ..cohort import Array, Cohort, F, T, U
from ..patient import ConditionFact, MedicationFact, Patient, ProcedureFact
from ..qualifiers import qualifier_lexicon
from ..schema import Concept, Rule, RuleException, Window
from .core import Outcome, Span, any3, any3_array, describe_limit, places_in_time, timing, window_text
from .covers import ConditionCover, DrugCover, ProcedureCover, _history_code


_ACTIVE = {None, "active", "recurrence", "relapse"}
_DRUG_SYSTEMS = {"DrugBank", "MedlinePlus", "ATC", "drug-named-entity-recognition", "RxNorm"}


class TrialContext(Protocol):
    """What an evaluator reads of the trial it belongs to (a :class:`~criteria_nlp.matching.trial.CompiledTrial`,
    which this module cannot import: the trial imports the evaluators)."""

    required_conditions: list[ConditionCover]


# --------------------------------------------------------------------------- the patient view


class View:
    """A patient prepared for matching: as_of, age, and its facts by kind."""

    def __init__(self, patient: Patient, as_of: dt.date | None = None) -> None:
        self.p = patient if as_of is None else patient.model_copy(update={"as_of": as_of})
        self.as_of = self.p.as_of

    def anchor(self, window: Window | None) -> tuple[dt.date, bool]:
        """The anchor of a window: the record's named date when it has one, else as_of."""
        if window is None or window.anchor is None:
            return self.as_of, False
        return self.p.anchor(window.anchor)

    def condition_span(self, f: ConditionFact) -> Span:
        """When a condition was true."""
        code = f.concept.code if f.concept is not None else ""
        ongoing = (f.status in _ACTIVE and (f.abatement is None or f.abatement > self.as_of)
                   and not _history_code(code))
        return Span(f.onset, f.abatement, ongoing, known=f.status != "unknown" or f.abatement is not None)

    def is_open(self, list_name: str, now_only: bool = False) -> bool:
        """True when ``list_name`` is open: the record states what it has, not all it has (``Patient.open_world``).

        ``now_only``: the rule asks only what holds now, which a list declared complete for now
        (``current_medications``: "takes no medications") answers; a rule reaching into the past does not.
        """
        if not self.p.open_world or list_name in self.p.complete_lists:
            return False
        return not (now_only and self.complete_for_now(list_name))

    def complete_for_now(self, list_name: str) -> bool:
        """True when the record declares ``list_name`` complete for what holds now only ("takes no medications")."""
        return f"current_{list_name}" in self.p.complete_lists

    def medication_span(self, f: MedicationFact) -> Span:
        """When a medication was taken."""
        active = f.status in (None, "active", "on-hold", "unknown")
        ongoing = (f.end is None and active) or (f.end is not None and f.end >= self.as_of and f.status not in ("completed", "stopped"))
        return Span(f.start, f.end, ongoing)

    def procedure_span(self, f: ProcedureFact) -> Span:
        """When a procedure took place."""
        return Span(f.date, f.date if f.status == "completed" else None, f.status == "in-progress", point=f.status == "completed")


def _label(f: Any) -> str:
    text: str = f.label()
    return text


# --------------------------------------------------------------------------- evaluators


_EXCEPTION_KINDS = {"condition": ("current",), "drug": ("current",), "procedure": ("completed", "in-progress")}


def _exception_predicate(kind: str, cover: Any) -> Callable[[Concept, str | None], bool]:
    """Whether a coded item of a cohort's list is an exception's fact (timing is the caller's)."""
    def condition(con: Concept, name: str | None) -> bool:
        return con.system == "ICD-10-CM" and bool(cover.covers(con.code)) and not _history_code(con.code)

    def drug(con: Concept, name: str | None) -> bool:
        return bool(cover.covers(con, name))

    def procedure(con: Concept, name: str | None) -> bool:
        return bool(cover.covers(con.code))

    return {"condition": condition, "drug": drug, "procedure": procedure}[kind]


def _exception_kind(concept: Concept | None) -> str | None:
    if concept is None:
        return None
    if concept.system == "ICD-10-CM":
        return "condition"
    if concept.system in _DRUG_SYSTEMS or concept.code.startswith("drug:"):
        return "drug"
    if concept.code.startswith("proc:"):
        return "procedure"
    return None


class Evaluator:
    """Evaluates one computable rule's statement, for one patient (:meth:`one`) or a cohort (:meth:`many`)."""

    kind = "other"
    #: whether the statement itself compares the rule's qualifiers with the patient's facts
    reads_qualifiers = False

    def __init__(self, rule: Rule, trial: "TrialContext") -> None:
        self.rule = rule
        self.trial = trial
        #: the rule's qualifiers a record must confirm ("uncontrolled", "chronic")
        self.qualifiers = qualifier_lexicon().needs_confirmation(rule.qualifiers)
        self.same_kind_exceptions: list[RuleException] = []
        self.other_exceptions: list[RuleException] = []
        for exc in rule.exceptions:
            if _exception_kind(exc.concept) == self.kind and exc.concept is not None:
                self.same_kind_exceptions.append(exc)
            else:
                self.other_exceptions.append(exc)

    # a subclass gives the statement; exceptions of another kind are applied here
    def statement(self, v: View) -> Outcome:
        """The statement's truth for one patient, before exceptions of another kind."""
        concept = self.rule.concept.code if self.rule.concept is not None else "no concept"
        return Outcome(U, reason=f"no evaluator for a rule of category {self.rule.category} ({concept})", needs=[])

    def statement_many(self, c: "Cohort") -> Array:
        """The statement's truth for every row of a cohort."""
        return np.full(c.n, U, dtype=np.int8)

    def one(self, v: View) -> Outcome:
        """The statement's truth for one patient, exceptions applied."""
        if self.rule.status == "suspected":
            what = self.rule.evidence or (self.rule.concept.code if self.rule.concept is not None else "it")
            return Outcome(U, None, f"a suspected {what} cannot be read from a record", [f"whether {what} is suspected"])
        out = self.statement(v)
        if out.holds == F or out.uncoded:
            out = self.open_world(v, out)
        if out.holds == T and self.qualifiers and not self.reads_qualifiers:
            what = " or ".join(self.qualifiers)
            return Outcome(U, out.fact, f"{out.reason}, but the record does not say whether it is {what}",
                           out.needs + [f"whether {out.fact or 'it'} is {what}"])
        if out.holds == T and self.rule.narrower and not out.kind_named:
            what = f"the kind the criterion names ('{self.rule.evidence or self.rule.narrower}')"
            return Outcome(U, out.fact, f"{out.reason}, but its code is broader than {what}, which the record "
                           "does not state", out.needs + [f"whether {out.fact or 'it'} is {what}"])
        if out.holds == T and self.other_exceptions:
            present, label = self.exceptions_present(v)
            if present != F:
                texts = ", ".join(e.text for e in self.other_exceptions)
                why = (f"the patient has {label}" if present == T else
                       "the record cannot tell whether it applies")
                return Outcome(U, out.fact, f"{out.reason}; but the exception '{texts}' may apply ({why})",
                               out.needs + [f"whether '{texts}' explains it"])
        return out

    def open_world(self, v: View, out: Outcome) -> Outcome:
        """A false statement on an open-world record (see :meth:`_CodedEvaluator.open_world`); others keep theirs."""
        return out

    def many(self, c: "Cohort") -> Array:
        """The statement's truth for every row of a cohort, exceptions applied."""
        if self.rule.status == "suspected":
            return np.full(c.n, U, dtype=np.int8)
        out = self.statement_many(c)
        if (self.qualifiers and not self.reads_qualifiers) or self.rule.narrower:
            out = np.where(out == T, U, out).astype(np.int8)  # a table states no qualifiers, nor the narrower kind
        if self.other_exceptions:
            present = self.exceptions_present_many(c)
            out = np.where((out == T) & (present != F), U, out).astype(np.int8)
        return out

    # ----------------------------------------------------------------- exceptions of another kind

    def _exception_covers(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for exc in self.other_exceptions:
            kind = _exception_kind(exc.concept)
            assert_concept = exc.concept
            if kind == "condition" and assert_concept is not None:
                out.append((kind, ConditionCover(assert_concept, exc.text)))
            elif kind == "drug" and assert_concept is not None:
                out.append((kind, DrugCover(assert_concept)))
            elif kind == "procedure" and assert_concept is not None:
                out.append((kind, ProcedureCover(assert_concept)))
            else:
                out.append(("unknown", exc.text))
        return out

    def exceptions_present(self, v: View) -> tuple[int, str]:
        """Whether the patient has an exception's fact now (three-valued), and which."""
        results: list[int] = []
        for kind, cover in self._exception_covers():
            if kind == "condition":
                facts = v.p.conditions
                if facts is None:
                    results.append(U)
                    continue
                hits = [f for f in facts if f.concept is not None and cover.covers(f.concept.code) and v.condition_span(f).ongoing]
                if hits:
                    return T, _label(hits[0])
                results.append(U if any(f.concept is None for f in facts) else F)
            elif kind == "drug":
                meds = v.p.medications
                if meds is None:
                    results.append(U)
                    continue
                hits_m = [m for m in meds if m.concept is not None and m.status != "not-taken" and m.status != "intended"
                          and cover.covers(m.concept, m.name) and v.medication_span(m).ongoing]
                if hits_m:
                    return T, _label(hits_m[0])
                results.append(U if any(m.concept is None for m in meds) else F)
            elif kind == "procedure":
                procs = v.p.procedures
                if procs is None:
                    results.append(U)
                    continue
                hits_p = [p for p in procs if p.concept is not None and cover.covers(p.concept.code) and p.status != "planned"]
                if hits_p:
                    return T, _label(hits_p[0])
                results.append(U if any(p.concept is None for p in procs) else F)
            else:
                results.append(U)
        return any3(results), ""

    def exceptions_present_many(self, c: "Cohort") -> Array:
        """:meth:`exceptions_present` for every row of a cohort."""
        parts: list[Array] = []
        for kind, cover in self._exception_covers():
            if kind not in ("condition", "drug", "procedure"):
                parts.append(np.full(c.n, U, dtype=np.int8))
                continue
            lst = c.lists[{"condition": "conditions", "drug": "medications", "procedure": "procedures"}[kind]]
            hit = lst.any_rows(_exception_predicate(kind, cover), kinds=_EXCEPTION_KINDS[kind])
            parts.append(np.where(~lst.provided, U, np.where(hit, T, np.where(lst.uncoded, U, F))).astype(np.int8))
        return any3_array(np.stack(parts)) if parts else np.full(c.n, F, dtype=np.int8)


# ----------------------------------------------------------------- coded lists


class _CodedEvaluator(Evaluator):
    """Shared logic of rules on coded lists: closed world, exceptions, windows."""

    list_name = ""
    needs_list = ""
    #: the Patient field the rule reads, and the kind of DeniedFact that rules it out
    patient_list = ""
    denied_kind = ""

    def list_field(self) -> str:
        """The Patient list the rule reads."""
        return self.patient_list

    def denies(self, concept: Concept) -> bool:
        """True when denying ``concept`` denies the rule's whole concept (denying diabetes denies type 2 diabetes;
        denying type 2 diabetes says nothing of diabetes)."""
        return False

    def open_world(self, v: View, out: Outcome) -> Outcome:
        """On an open list, a concept the record does not mention is unknown; only a denial makes it false,
        also where items the record could not code left it unknown ("not febrile" settles a fever rule).

        A false outcome that rests on facts the record states (a condition of another kind, a drug
        stopped) stays false: only "nothing of the kind in the list" changes.
        """
        field = self.list_field()
        if not field or not v.is_open(field, now_only=self.asks_now_only()):
            return out
        facts = getattr(v.p, field) or []
        if any(f.concept is not None and self.covered(f.concept, f.name) for f in facts):
            return out
        if field != "family_history":
            for d in v.p.denied:
                if d.kind == self.denied_kind and d.concept is not None and self.denies(d.concept):
                    return Outcome(F, d.label(), f"the record denies {d.label()}: no {self.concept_name()}")
        if out.holds == U:
            return out  # items the record could not code, and no denial that settles it
        if v.complete_for_now(field):
            return Outcome(U, None, f"the record says all the patient takes now, not what was taken before: "
                                    f"{self.concept_name()} ({self.when_text(v)}) cannot be ruled out",
                           [f"whether the patient had {self.concept_name()}"])
        return Outcome(U, None, f"the record does not mention {self.concept_name()} (it lists what it states, "
                                f"not all the patient has)", [f"whether the patient has {self.concept_name()}"])

    def asks_now_only(self) -> bool:
        """True when the rule asks only what holds now: current status, no window reaching back or ahead."""
        return self.rule.status == "current" and not places_in_time(self.rule.window)

    def covered(self, concept: Concept | None, name: str | None) -> bool:
        """True when a fact's concept is covered by the rule (exceptions not applied)."""
        raise NotImplementedError

    def excepted(self, concept: Concept | None, name: str | None) -> bool:
        """True when a fact falls under one of the rule's exceptions (or the trial's own condition)."""
        return False

    def value_check(self, fact: Any) -> int:
        """Whether a counted fact satisfies the rule's value (class/grade); true when the rule has none."""
        return T

    def _summary(self, counted: list[str], unknown: list[str], excepted: list[str], uncoded: list[str], when: str,
                 list_name: str | None = None, ungraded: Sequence[str] = (), own: Sequence[str] = ()) -> Outcome:
        list_name = list_name or self.list_name
        when_ = f" ({when})" if when else ""
        if counted:
            return Outcome(T, counted[0], f"the {list_name} holds {counted[0]}: {self.concept_name()}{when_}")
        notes = ""
        if excepted:
            notes += f"; {', '.join(excepted)} fall(s) under the exception"
        if own:
            notes += f"; {', '.join(own)} is the trial's own required condition, not counted against it"
        if ungraded:
            limit = describe_limit(self.rule.operator, self.rule.low, self.rule.high)
            return Outcome(U, ungraded[0], f"{ungraded[0]} is {self.concept_name()}{when_}, but the record gives no class, grade or stage ({limit} wanted){notes}",
                           [f"class, grade or stage of {ungraded[0]}"])
        if unknown:
            return Outcome(U, unknown[0], f"{unknown[0]} is {self.concept_name()}, but its dates cannot place it{when_}{notes}",
                           [f"dates of {unknown[0]}"])
        if uncoded:
            return Outcome(U, None, f"no {self.concept_name()}{when_} among the coded items of the {list_name}, but "
                           f"{len(uncoded)} item(s) could not be coded ({', '.join(uncoded[:3])}){notes}",
                           [f"codes for {', '.join(uncoded[:3])}"], uncoded=True)
        return Outcome(F, None, f"no {self.concept_name()}{when_} in the {list_name}{notes}")

    def concept_name(self) -> str:
        """The rule's concept as written in reasons."""
        c = self.rule.concept
        if c is None:
            return "?"
        return f"{c.name or c.code} ({c.code})" if c.name and c.name != c.code else c.code

    def when_text(self, v: View) -> str:
        """The rule's status and window, for reasons."""
        anchor, found = v.anchor(self.rule.window)
        w = window_text(self.rule.window, found, self.rule.window.anchor if self.rule.window else None)
        return (self.rule.status + w).strip()


class _TreatmentEvaluator(_CodedEvaluator):
    """Shared logic of treatments (medications, procedures): a planned rule counts plans only, any other rule
    counts no plan; a plan the record does not hold is unknown unless its plans are complete."""

    def treatment_timing(self, planned: bool, span: Span, as_of: dt.date, anchor: dt.date) -> int:
        """Whether a treatment fact, planned or not, with ``span`` counts for the rule (three-valued)."""
        rule = self.rule
        if rule.status == "planned":
            return T if planned else F
        if planned:
            return F
        return timing(rule.status, rule.window, span, as_of, anchor)

    def plans_unknown(self, v: View, counted: list[str], unknown: list[str]) -> Outcome | None:
        """Unknown where a planned rule finds no plan in a record whose plans are not complete, else None."""
        if self.rule.status == "planned" and not counted and not unknown and not v.p.plans_complete:
            return Outcome(U, None, f"no planned {self.concept_name()} in the record, whose plans are not complete",
                           [f"planned {self.patient_list} (plans_complete)"])
        return None

    def plans_unknown_many(self, out: Array, c: "Cohort") -> Array:
        """:meth:`plans_unknown` over a cohort: false becomes unknown where plans are not complete."""
        if self.rule.status == "planned":
            return np.where((out == F) & ~c.plans_complete, U, out).astype(np.int8)
        return out


def _dates(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return ""
    if end is None:
        return f" since {start}"
    return f" {start or '?'} to {end}"
