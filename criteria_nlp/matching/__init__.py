"""Matching: a patient against a trial's rules, in three-valued logic.

``match(patient, analysis)`` evaluates every rule of a
:class:`~criteria_nlp.schema.TrialAnalysis` on a
:class:`~criteria_nlp.patient.Patient` and returns a :class:`MatchResult`;
``rank(patient, analyses)`` orders several trials for one patient. The same
rule evaluators run over a whole cohort in :func:`criteria_nlp.screening.screen`.

Results
-------
Each rule's **statement** ("the patient has SELENA-SLEDAI >= 6", "the patient
needs dialysis") ``holds`` (True, False or None for unknown). Its **result** is
read from the patient's side of the criterion:

* ``met``: the rule does not stand in the way (a requirement that holds, an
  exclusion that does not);
* ``not_met``: it does (a requirement that does not hold, an exclusion that
  does: the patient is excluded by it);
* ``unknown``: the record cannot settle it; ``needs`` says what would.

Rules sharing a ``group`` are alternatives: a requirement group is met when any
member holds, not met when every member is known not to, unknown otherwise; an
exclusion group excludes when any member holds. A requirement group whose
computable members all fail but which has a non-computable member is
``unknown`` (that alternative may be the one the patient meets).

Non-computable rules (``computable: false``) are not evaluated: they are
reported ``unknown`` with the reason "not computable: ..." and listed in
``manual_review``, and they never make the verdict indeterminate by
themselves. The **verdict** is ``ineligible`` when any rule or group is
``not_met``, else ``indeterminate`` when any computable one is ``unknown``, else
``eligible``. Counts (``met``, ``not_met``, ``unknown``) are over computable
rules.

Populations, qualifiers, suspicion
----------------------------------
* A rule with ``applies_to`` binds only that population (:class:`PopulationCheck`:
  sex, childbearing potential, age band, conditions had or not had, with their
  qualifiers, and an ``other`` part no record answers). Outside it a rule is
  ``met`` (an alternative of an any-of requirement group is unavailable: not
  met); where membership is unknown, a rule that would stand in the way is
  ``unknown``.
* A rule's ``qualifiers`` that need confirmation (``resources/qualifiers.json``)
  are compared with ``ConditionFact.qualifiers`` by scale: stated and wanted,
  the fact counts; another member of the scale, it does not; none, unknown.
  Other evaluators, and cohort tables (which state no qualifiers), leave a
  holding statement ``unknown`` when a qualifier is to be confirmed.
* A ``suspected`` statement cannot be read from a record: ``unknown``.

Missing data is never a pass or a fail
--------------------------------------
* Age needs a birth date or an age; sex "all" is met by anyone, a female- or
  male-only rule is unknown for sex ``other``/``unknown``.
* Coded lists follow a completeness convention: a list that is ``None`` is
  unknown; a list that is given is complete (closed world): a code absent from
  it is absent. A fact that could not be coded keeps a negative answer
  ``unknown`` (it might be the one). Planned procedures and medications are
  complete only with ``plans_complete``; a planned or suspected *condition*
  cannot be read from a record (unknown). Family history is answered from
  ``family_history`` only.
* Labs, scores and observations are never complete: one that is not recorded
  is ``unknown``.

Concepts
--------
* Conditions (ICD-10-CM): a rule code covers its descendants (M32 covers
  M32.14; M32.14 does not cover M32.9); a code ``X00.9`` whose description says
  "unspecified" covers its category (SLE M32.9 covers M32.14); generic codes
  cover the ranges of ``resources/concept_ranges.json`` (B99.9 infection covers
  A00-B99 and the infections classified by site, C80.1 malignancy C00-C96 and
  Z85, ...). Personal-history codes (Z85-Z87, Z92) are never current.
* An exclusion whose concept overlaps a condition the trial itself requires
  ("SLE with severe infection", "other autoimmune diseases" in a lupus trial)
  does not count the required condition's category against the patient: it is
  read as "other than" the trial's own condition.
* Drugs: same code (DrugBank, MedlinePlus, ...), or, for a class (ATC code or
  lexicon class), an ATC code under the class's code or a member drug of the
  lexicon class (by name or DrugBank code).
* Procedures: the lexicon's ids with the narrower ones listed in
  ``concept_ranges.json`` (dialysis covers haemodialysis, peritoneal dialysis,
  renal replacement therapy); the entry's ``related`` ICD-10-CM status codes
  in the condition list count too (Z99.2 dependence on dialysis).
* Labs: by LOINC code (or lab id); "transaminases" stands for ALT and AST (a
  lower limit holds when either passes it, an upper limit when both stay under
  it). The latest measurement on or before the anchor (inside the rule's window
  when it has one) is used; a measurement without a date is read as taken on
  ``as_of``; one without a unit is in the lab's canonical unit. Values are
  converted to the rule's unit with pint (molar masses from the lexicon).
  ``uln_multiple``/``lln_multiple`` divide by the patient lab's own reference
  limit, else the lexicon's, else the rule is unknown. ``positive``/``negative``
  read a qualitative result, or compare a number with the upper reference
  limit; ``normal``/``abnormal`` compare with the reference range.
* Scores: the catalogue id; "4 of 11" compares the count of criteria met.
* Pregnancy reads ``pregnant``/``lactating``; when None, a male patient is not
  pregnant or lactating, and a current pregnancy code in the condition list
  counts; otherwise unknown. A male patient has no childbearing potential and is
  not postmenopausal.

Time
----
``status`` ``current``: a condition active on ``as_of`` (no abatement before
it), a medication taken on ``as_of``, a procedure going on or done (a rule
about a procedure's timing states a window); ``history``: ever, on or before
``as_of``; ``planned``: a planned procedure or medication. With a ``window``
the fact must overlap it (``bound`` ``within``) or lie at least that far before
the anchor (``at_least``). The window is anchored on the named date of the
record (``dates``, "randomization") when it has one, else on ``as_of``. A fact
whose dates cannot place it is unknown. Exceptions ("other than basal cell
carcinoma") take matching facts out of the rule; an exception of another
kind ("transaminases > 2 x ULN unless due to active lupus") makes an exclusion
that would apply ``unknown`` when the patient has it.
"""

from __future__ import annotations

from .base import Evaluator as Evaluator
from .base import View as View
from .conditions import ConditionEvaluator as ConditionEvaluator
from .core import Outcome as Outcome
from .core import Span as Span
from .core import all3 as all3
from .core import all3_array as all3_array
from .core import any3 as any3
from .core import any3_array as any3_array
from .core import compare as compare
from .core import compare_one as compare_one
from .core import converter as converter
from .core import describe_limit as describe_limit
from .core import linear as linear
from .core import sig as sig
from .core import timing as timing
from .core import window_bounds as window_bounds
from .core import window_text as window_text
from .covers import ConditionCover as ConditionCover
from .covers import DrugCover as DrugCover
from .covers import ProcedureCover as ProcedureCover
from .demographics import AgeEvaluator as AgeEvaluator
from .demographics import PregnancyEvaluator as PregnancyEvaluator
from .demographics import SexEvaluator as SexEvaluator
from .drugs import DrugEvaluator as DrugEvaluator
from .labs import LabEvaluator as LabEvaluator
from .observations import ObservationEvaluator as ObservationEvaluator
from .procedures import ProcedureEvaluator as ProcedureEvaluator
from .rank import rank
from .results import RESULT_NAMES as RESULT_NAMES
from .results import RULE_COLUMNS, SUMMARY_COLUMNS, MatchResult, RuleResult
from .results import VERDICTS as VERDICTS
from .results import ManualReview as ManualReview
from .results import Result as Result
from .results import Verdict as Verdict
from .scores import ScoreEvaluator as ScoreEvaluator
from .trial import CompiledTrial, compile_trial, match
from .trial import PopulationCheck as PopulationCheck
from .trial import as_analysis as as_analysis

__all__ = ["MatchResult", "RULE_COLUMNS", "RuleResult", "SUMMARY_COLUMNS", "CompiledTrial", "compile_trial", "match", "rank"]
