"""Evaluate rule structure against Chia's relations: which value, time and qualifier belong to which entity,
and which mentions are alternatives.

Chia (Kury F. et al., "Chia, a large annotated corpus of clinical trial
eligibility criteria", Scientific Data 7, 281 (2020), CC BY 4.0) links its
entities with relations. Four of them say what a rule needs to get right:

* ``Has_value``: an entity and the Value that limits it ("creatinine" <- "< 1.5 mg/dL").
  Predicted: a ``VALUE`` entity's ``qualifies`` list.
* ``Has_temporal``: an entity and the Temporal expression that places it in time
  ("myocardial infarction" <- "within 6 months", "malignancy" <- "History").
  Predicted: a ``TEMPORAL`` entity's ``qualifies`` list.
* ``Has_qualifier``: an entity and the Qualifier narrowing it ("hypertension" <-
  "Uncontrolled"). Predicted: an entity's ``qualifiers``.
* ``OR``: the pairs of mentions Chia groups as alternatives. Predicted: the
  entities of rules sharing an any-of ``group``. Three readings mean
  alternatives without a group, and a gold pair read so counts as found too:
  both mentions give excluding rules (rules of an exclusion statement, or
  ``exclude`` rules of a negated inclusion: separate exclusions already mean
  any-of), one rule stands for both (two mentions of its concept: "Coumadin
  or other warfarin agents"; the sex words of one sex rule: "Male or
  female"), or both are exceptions of one rule ("other than A or B").

The first argument of each relation must be a Chia event type (Condition, Drug,
Procedure, Measurement, Observation, Device, Person); relations from other
types are not scored. A predicted pair matches a gold pair when both arguments
share a character with the gold ones (for ``OR``, in either order), one to one
(the matching with the most pairs). Besides precision, recall and F1, the
**link accuracy** is the share of gold pairs whose two arguments were both
found as entities (any predicted entity overlapping the first; a ``VALUE`` /
``TEMPORAL`` entity or a qualifier overlapping the second) that were linked
right: it measures the linking apart from entity recognition. As in the entity
scores, a predicted pair with an argument in text Chia's annotators left out of
annotation (its odd types: Informed_consent, Competing_trial, Non-query-able,
...) that touches no gold entity is not scored (the report counts them).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict
from rich.table import Table
from scipy.optimize import linear_sum_assignment

from .evaluate import ChiaFile, GoldEntity, load_chia

#: the relations scored, in report order
RELATIONS: tuple[str, ...] = ("Has_value", "Has_temporal", "OR", "Has_qualifier")
#: the OR pairs of inclusion criteria alone, where alternatives need an any-of group (a row of the report)
INCLUSION_OR = "OR (inclusions)"
#: Chia types that may be a relation's first argument (and OR members)
EVENT_TYPES = frozenset({"Condition", "Drug", "Procedure", "Measurement", "Observation", "Device", "Person"})
#: relation -> the Chia type of its second argument
SECOND_TYPE = {"Has_value": "Value", "Has_temporal": "Temporal", "Has_qualifier": "Qualifier"}
#: relation -> the predicted label of its second argument (None: a qualifier, not an entity)
SECOND_LABEL = {"Has_value": "VALUE", "Has_temporal": "TEMPORAL", "Has_qualifier": None}

Pieces = tuple[tuple[int, int], ...]

#: the text between a term and its restatement in brackets ("Body mass index (BMI)")
RESTATEMENT_GAP = re.compile(r"\s*[(\[]\s*")


@dataclass(frozen=True)
class Pair:
    """Two arguments of one relation in one criterion line (character pieces, file offsets)."""

    relation: str
    doc: str
    line: int
    first: Pieces
    second: Pieces
    text: str = ""


def _touch(a: Pieces, b: Pieces) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def _matches(gold: Pair, pred: Pair) -> bool:
    if _touch(gold.first, pred.first) and _touch(gold.second, pred.second):
        return True
    return gold.relation == "OR" and _touch(gold.first, pred.second) and _touch(gold.second, pred.first)


class StructureRow(BaseModel):
    """Scores of one relation."""

    model_config = ConfigDict(extra="forbid")

    relation: str
    gold: int
    predicted: int
    matched: int
    precision: float
    recall: float
    f1: float
    found: int
    found_matched: int
    link_accuracy: float

    @classmethod
    def of(cls, relation: str, gold: int, predicted: int, matched: int, found: int, found_matched: int) -> "StructureRow":
        """A row from counts."""
        p = matched / predicted if predicted else 0.0
        r = matched / gold if gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return cls(relation=relation, gold=gold, predicted=predicted, matched=matched, precision=p, recall=r, f1=f,
                   found=found, found_matched=found_matched, link_accuracy=found_matched / found if found else 0.0)


class StructureReport(BaseModel):
    """Rule-structure scores of one pipeline on a Chia split, with the missed and spurious pairs."""

    model_config = ConfigDict(extra="forbid")

    split: str | None
    files: int
    lines: int
    rows: list[StructureRow]
    skipped: dict[str, int]
    #: relation -> predicted pairs not scored because an argument lies in text Chia left unannotated
    ignored: dict[str, int] = {}
    seconds: float
    errors: list[dict[str, Any]] = []

    def row(self, relation: str) -> StructureRow:
        """The row of one relation."""
        return next(r for r in self.rows if r.relation == relation)

    def notes(self) -> list[str]:
        """How the figures were computed."""
        notes = [
            f"split {self.split or 'all'}: {self.files} files, {self.lines} criterion lines.",
            "A predicted pair matches a gold pair when both arguments overlap (OR: in either order), one to one.",
            "Link accuracy: of the gold pairs whose two arguments were both found as entities, the share linked right.",
            "OR: mentions whose rules share an any-of group; a gold pair is found too when both mentions give excluding "
            "rules (separate exclusions already mean any-of), one rule stands for both, or both are exceptions of one rule. "
            "'OR (inclusions)' is the part in inclusion criteria, where alternatives need a group.",
            "Not counted either way: a second predicted pair matching a gold pair already found (two predicted "
            "mentions inside one gold mention), a value, time or qualifier linked to a member of a list Chia joins with OR/AND, "
            "or to a term's restatement in brackets ('Absolute neutrophil count (ANC)'), where Chia linked it to the "
            "other (Chia draws the link once), and a link Chia draws under another relation (a Multiplier or "
            "Qualifier the pipeline reads as a value: 'Grade 2 neuropathy') or through a qualifier.",
        ]
        if any(self.ignored.values()):
            notes.append("Predicted pairs not scored because an argument lies in text Chia's annotators left out of "
                         "annotation (its odd types such as Informed_consent, Competing_trial or Non-query-able) and "
                         "touches no gold entity, as in the entity scores: "
                         + ", ".join(f"{k} {v}" for k, v in self.ignored.items()) + ".")
        if self.skipped:
            notes.append("Gold relations not scored (first argument not an event type): "
                         + ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())) + ".")
        return notes

    def _cells(self, row: StructureRow) -> list[str]:
        return [row.relation, str(row.gold), str(row.predicted), str(row.matched),
                *(f"{v * 100:.1f}" for v in (row.precision, row.recall, row.f1)),
                f"{row.found_matched}/{row.found}", f"{row.link_accuracy * 100:.1f}"]

    HEADER: ClassVar[tuple[str, ...]] = ("relation", "gold", "pred", "matched", "P", "R", "F1", "linked/found", "link acc.")

    def to_table(self) -> Table:
        """A ``rich`` table of the relations."""
        table = Table(title=f"Chia {self.split or 'all'}: rule structure (%)", caption=" ".join(self.notes()))
        for name in self.HEADER:
            table.add_column(name, justify="left" if name == "relation" else "right")
        for row in self.rows:
            table.add_row(*self._cells(row))
        return table

    def to_markdown(self) -> str:
        """A markdown table of the relations, then the notes."""
        lines = ["| " + " | ".join(self.HEADER) + " |", "|---|" + "---:|" * (len(self.HEADER) - 1)]
        lines.extend("| " + " | ".join(self._cells(row)) + " |" for row in self.rows)
        lines.append("")
        lines.extend(f"- {note}" for note in self.notes())
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        data = self.model_dump(mode="json")
        data["notes"] = self.notes()
        return data


def _restated(text: str, first: GoldEntity, second: GoldEntity) -> bool:
    """Whether two entities are a term and its restatement in brackets right after it ("Absolute neutrophil
    count (ANC)", "Cr (creatinine)"), which Chia joins with ``Subsumes``."""
    a, b = sorted((first, second), key=lambda e: e.fragments[0][0])
    # a discontinuous term may go on after its restatement ("American society of anesthesiologist (ASA) physical status")
    return a.line == b.line and any(RESTATEMENT_GAP.fullmatch(text[end:b.fragments[0][0]]) for _, end in a.fragments)


def implied_pairs(chia_file: ChiaFile, gold: Sequence[Pair]) -> list[Pair]:
    """Links Chia implies without drawing them as the scored relation; a predicted pair matching one is not
    counted (neither found nor spurious).

    * Chia links a value, time or qualifier shared by listed mentions to one of them and joins the list with
      ``OR``/``AND`` ("chemotherapy or radiotherapy within 4 weeks": Has_temporal to one, OR between the two):
      the link to another member of the list is right too. So for a term and its restatement in brackets,
      which Chia joins with ``Subsumes`` and links to the term alone ("Absolute neutrophil count (ANC) >= 1500"):
      the link to the restatement is right too; and for the kinds a term names (``Subsumes`` from the term:
      "Antitumor therapy (e.g., chemotherapy, radiotherapy) <= 30 days before"), with the list each stands in:
      what limits the term limits them.
    * Chia sometimes draws the same link under another relation (``AND`` between "History" and "head trauma") or
      through a qualifier ("History" -> "significant" -> "head trauma"); a dose or count it calls a
      ``Multiplier`` ("Has_multiplier": "atorvastatin at doses greater than 10 mg/d") is a value of its event, and so
      is a state or grade Chia calls a ``Qualifier`` and the pipeline a value ("Normal uterine cavity",
      "Grade 2 peripheral neuropathy").
    """
    by_id = {e.id: e for e in chia_file.entities}

    def pieces(entity_id: str) -> Pieces:
        return tuple(by_id[entity_id].fragments)

    partners: dict[Pieces, set[Pieces]] = {}
    links = [(a, b) for relation, a, b in chia_file.relations if relation in ("AND", "OR")]
    for group in chia_file.or_groups:
        links += [(x, y) for i, x in enumerate(group) for y in group[i + 1:]]
    links += [
        (a, b)
        for relation, a, b in chia_file.relations
        if relation == "Subsumes" and a in by_id and b in by_id and _restated(chia_file.text, by_id[a], by_id[b])
    ]
    for a, b in links:
        if a in by_id and b in by_id:
            partners.setdefault(pieces(a), set()).add(pieces(b))
            partners.setdefault(pieces(b), set()).add(pieces(a))
    # a general term and the kinds it names (Chia's Subsumes: "Antitumor therapy (e.g., chemotherapy, hormonal
    # therapy)"), with the list each kind stands in: what limits the general term limits its kinds
    kinds: dict[Pieces, set[Pieces]] = {}
    for relation, a, b in chia_file.relations:
        if relation == "Subsumes" and a in by_id and b in by_id and by_id[a].line == by_id[b].line:
            member = pieces(b)
            kinds.setdefault(pieces(a), set()).update({member, *partners.get(member, ())})
    out: list[Pair] = []
    for pair in gold:
        if pair.relation == "OR":
            continue
        for partner in partners.get(pair.first, set()) | kinds.get(pair.first, set()):
            if partner != pair.first:
                out.append(Pair(pair.relation, pair.doc, pair.line, partner, pair.second, pair.text))
    qualifier_of: dict[str, list[str]] = {}
    for relation, a, b in chia_file.relations:
        if relation == "Has_qualifier" and a in by_id and b in by_id:
            qualifier_of.setdefault(b, []).append(a)
    for relation, a, b in chia_file.relations:
        if a not in by_id or b not in by_id:
            continue
        for event, other in ((a, b), (b, a)):
            # a dose or count (Chia's Multiplier, "more than 450 mg/m2", "two or more") is a value of its event, and
            # so may be a word Chia calls a Qualifier ("normal uterine cavity", "Grade 2 neuropathy")
            kind = "Value" if by_id[other].chia_type in ("Multiplier", "Qualifier") else by_id[other].chia_type
            target = next((r for r, t in SECOND_TYPE.items() if t == kind and r != "Has_qualifier"), None)
            if target is None or relation == target:
                continue
            line = by_id[event].line
            if by_id[event].chia_type in EVENT_TYPES:
                out.append(Pair(target, chia_file.id, line, pieces(event), pieces(other)))
            elif by_id[event].chia_type == "Qualifier":
                out.extend(Pair(target, chia_file.id, line, pieces(e), pieces(other)) for e in qualifier_of.get(event, ()))
    return out


def gold_pairs(chia_file: ChiaFile, skipped: dict[str, int] | None = None) -> list[Pair]:
    """The scored gold pairs of a file."""
    by_id = {e.id: e for e in chia_file.entities}
    out: list[Pair] = []

    def pieces(entity_id: str) -> Pieces:
        return tuple(by_id[entity_id].fragments)

    for relation, first, second in chia_file.relations:
        if relation not in SECOND_TYPE or first not in by_id or second not in by_id:
            continue
        a, b = by_id[first], by_id[second]
        if b.chia_type != SECOND_TYPE[relation]:
            continue
        if a.chia_type not in EVENT_TYPES:
            if skipped is not None:
                skipped[relation] = skipped.get(relation, 0) + 1
            continue
        out.append(Pair(relation, chia_file.id, a.line, pieces(first), pieces(second), f"{a.text} <- {b.text}"))
    groups = [list(g) for g in chia_file.or_groups]
    groups += [[first, second] for relation, first, second in chia_file.relations if relation == "OR"]
    seen: set[frozenset[str]] = set()
    for group in groups:
        members = [m for m in group if m in by_id]
        for i, x in enumerate(members):
            for y in members[i + 1:]:
                a, b = by_id[x], by_id[y]
                key = frozenset((x, y))
                if key in seen or x == y or a.line != b.line:
                    continue
                seen.add(key)
                if a.chia_type not in EVENT_TYPES or b.chia_type not in EVENT_TYPES:
                    if skipped is not None:
                        skipped["OR"] = skipped.get("OR", 0) + 1
                    continue
                out.append(Pair("OR", chia_file.id, a.line, pieces(x), pieces(y), f"{a.text} | {b.text}"))
    return out


@dataclass
class _Predicted:
    pairs: list[Pair]
    #: label -> pieces of every predicted entity (and "QUALIFIER" -> qualifier spans), to tell found arguments
    spans: dict[str, list[Pieces]]
    #: pieces of entities with an excluding rule
    excluding: list[Pieces]
    #: sets of mentions that are alternatives by what the rules mean, though no group says so: one rule
    #: standing for two mentions of its concept, and the exceptions of one rule ("other than A and B")
    equivalent: list[list[Pieces]]


def predicted(analysis: Any, doc: str, line: int, offset: int) -> _Predicted:
    """The pairs an analysis of one criterion line predicts, with file offsets."""
    by_id = {e.id: e for e in analysis.entities}

    def at(entity: Any) -> Pieces:
        return ((offset + entity.start, offset + entity.end),)

    pairs: list[Pair] = []
    spans: dict[str, list[Pieces]] = {"EVENT": [], "VALUE": [], "TEMPORAL": [], "QUALIFIER": []}
    for entity in analysis.entities:
        kind = entity.label if entity.label in ("VALUE", "TEMPORAL") else "EVENT"
        spans[kind].append(at(entity))
        for qualifier in entity.qualifiers:
            q = ((offset + qualifier.start, offset + qualifier.end),)
            spans["QUALIFIER"].append(q)
            pairs.append(Pair("Has_qualifier", doc, line, at(entity), q, f"{entity.text} <- {qualifier.text}"))
        if entity.label in ("VALUE", "TEMPORAL"):
            relation = "Has_value" if entity.label == "VALUE" else "Has_temporal"
            for target in entity.qualifies:
                if target in by_id:
                    pairs.append(Pair(relation, doc, line, at(by_id[target]), at(entity),
                                      f"{by_id[target].text} <- {entity.text}"))
    groups: dict[str, list[Any]] = {}
    excluding: list[Pieces] = []
    ruled = {r.entity for r in analysis.rules if r.entity is not None}
    by_concept: dict[tuple[str, str], list[str]] = {}
    for e in analysis.entities:
        if e.concept is not None:
            by_concept.setdefault((e.concept.system, e.concept.code), []).append(e.id)
    equivalent: list[list[Pieces]] = []
    for rule in analysis.rules:
        if rule.entity is None or rule.entity not in by_id:
            continue
        # one rule stands for every mention of its concept in the criterion ("Coumadin or other warfarin
        # agents"), and its exceptions are alternatives of each other ("other than A or B")
        concept = rule.concept
        same = [i for i in by_concept.get((concept.system, concept.code), []) if i not in ruled] if concept else []
        if rule.category == "sex":  # one sex rule stands for "Male or female"
            same = [e.id for e in analysis.entities if e.label == "SEX" and e.id != rule.entity]
        mentions = [rule.entity, *same]
        if rule.polarity == "exclude" or rule.kind == "exclusion":
            excluding.extend(at(by_id[m]) for m in mentions)
        if rule.group is not None:
            members = groups.setdefault(rule.group, [])
            members.extend(m for m in mentions if m not in members)
        equivalent.append([at(by_id[m]) for m in mentions])
        equivalent.append([at(by_id[x.entity]) for x in rule.exceptions if x.entity in by_id])
    for members in groups.values():
        for i, x in enumerate(members):
            for y in members[i + 1:]:
                pairs.append(Pair("OR", doc, line, at(by_id[x]), at(by_id[y]), f"{by_id[x].text} | {by_id[y].text}"))
    return _Predicted(pairs, spans, excluding, [e for e in equivalent if len(e) > 1])


def _match(gold: Sequence[Pair], pred: Sequence[Pair]) -> list[int | None]:
    """For each gold pair the index of the predicted pair it is matched with (one to one, most pairs), or None."""
    out: list[int | None] = [None] * len(gold)
    if not gold or not pred:
        return out
    matrix = np.array([[1 if _matches(g, p) else 0 for p in pred] for g in gold])
    rows, cols = linear_sum_assignment(-matrix)
    for r, c in zip(rows, cols):
        if matrix[r, c]:
            out[r] = int(c)
    return out


def _alternatives(pair: Pair, found: _Predicted) -> bool:
    """Whether a gold OR pair is alternatives by what the rules mean though no group says so: both mentions
    give excluding rules (separate exclusions are any-of), or one rule or one rule's exceptions hold both."""
    if any(_touch(pair.first, s) for s in found.excluding) and any(_touch(pair.second, s) for s in found.excluding):
        return True
    return any(any(_touch(pair.first, s) for s in members) and any(_touch(pair.second, s) for s in members)
               for members in found.equivalent)


def _in_hole(pair: Pair, holes: Pieces, annotated: Sequence[Pieces]) -> bool:
    """Whether an argument of a predicted pair lies in text Chia's annotators left out of annotation (its odd
    types: Informed_consent, Pregnancy_considerations, Competing_trial, Non-query-able, ...) and touches no gold
    entity: the entity scores do not count such a mention, nor do these."""
    return any(_touch(piece, holes) and not any(_touch(piece, g) for g in annotated) for piece in (pair.first, pair.second))


def _found(pair: Pair, found: _Predicted) -> bool:
    if not any(_touch(pair.first, s) for s in found.spans["EVENT"]):
        return False
    if pair.relation == "OR":
        return any(_touch(pair.second, s) for s in found.spans["EVENT"])
    label = SECOND_LABEL[pair.relation] or "QUALIFIER"
    return any(_touch(pair.second, s) for s in found.spans[label])


def score_files(files: Iterable[ChiaFile], analyzer: Any, *, split: str | None = None,
                batch_size: int = 64, keep_errors: int = 0) -> StructureReport:
    """Analyse every criterion line of ``files`` with ``analyzer`` (its kind from the file) and score the pairs.

    ``keep_errors`` keeps that many missed and spurious pairs per relation in ``errors`` (for error analysis),
    with every pair linked right.
    """
    chia_files = list(files)
    skipped: dict[str, int] = {}
    jobs = [(f, i) for f in chia_files for i in range(len(f.lines))]
    analyses: dict[tuple[str, int], Any] = {}
    began = time.perf_counter()
    for kind in ("inclusion", "exclusion"):
        mine = [(f, i) for f, i in jobs if f.kind == kind]
        for (f, i), analysis in zip(mine, analyzer.pipe([f.line_text(i) for f, i in mine], kind=kind,
                                                        batch_size=batch_size)):
            analyses[(f.id, i)] = analysis
    seconds = time.perf_counter() - began
    counts = {r: [0, 0, 0, 0, 0] for r in (*RELATIONS, INCLUSION_OR)}  # gold, predicted, matched, found, found_matched
    errors: list[dict[str, Any]] = []
    kept = {r: [0, 0] for r in RELATIONS}
    ignored = dict.fromkeys(RELATIONS, 0)
    for f in chia_files:
        gold_by_line: dict[int, list[Pair]] = {}
        implied_by_line: dict[int, list[Pair]] = {}
        file_gold = gold_pairs(f, skipped)
        for pair in file_gold:
            gold_by_line.setdefault(pair.line, []).append(pair)
        for pair in implied_pairs(f, file_gold):
            implied_by_line.setdefault(pair.line, []).append(pair)
        holes: Pieces = tuple((start, end) for start, end, _ in f.unannotated)
        annotated = [tuple(e.fragments) for e in f.entities]
        for i, (start, _) in enumerate(f.lines):
            found = predicted(analyses[(f.id, i)], f.id, i, start)
            gold_line = gold_by_line.get(i, [])
            # exclusions: two gold alternatives that both give exclude rules are predicted alternatives
            extra = [Pair("OR", f.id, i, g.first, g.second, g.text) for g in gold_line if g.relation == "OR"
                     and _alternatives(g, found)
                     and not any(_matches(g, p) for p in found.pairs if p.relation == "OR")]
            for relation in RELATIONS:
                gold = [g for g in gold_line if g.relation == relation]
                pred = [p for p in found.pairs + extra if p.relation == relation]
                assigned = _match(gold, pred)
                used = {a for a in assigned if a is not None}
                # neither found nor spurious: a link Chia implies, or a second link to a gold pair already found
                # (two predicted mentions inside one gold one: "fasting plasma glucose (FPG)")
                neutral = gold + [q for q in implied_by_line.get(i, ()) if q.relation == relation]
                implied: list[Pair] = []
                for j, p in enumerate(pred):
                    if j in used:
                        continue
                    if any(_matches(q, p) for q in neutral):
                        implied.append(p)
                    elif _in_hole(p, holes, annotated):
                        implied.append(p)
                        ignored[relation] += 1
                tallies = [counts[relation]]
                if relation == "OR" and f.kind == "inclusion":
                    tallies.append(counts[INCLUSION_OR])
                for c in tallies:
                    c[0] += len(gold)
                    c[1] += len(pred) - len(implied)
                    c[2] += sum(1 for a in assigned if a is not None)
                    for g, a in zip(gold, assigned):
                        if _found(g, found):
                            c[3] += 1
                            c[4] += a is not None
                if keep_errors:
                    line_text = f.line_text(i)
                    for g, a in zip(gold, assigned):
                        if a is None and kept[relation][0] < keep_errors:
                            kept[relation][0] += 1
                            errors.append({"relation": relation, "type": "missed", "found": _found(g, found),
                                           "file": f.id, "line": line_text, "pair": g.text})
                    for j, p in enumerate(pred):
                        if j in used:
                            errors.append({"relation": relation, "type": "linked", "file": f.id, "line": line_text,
                                           "pair": p.text})
                        elif p not in implied and kept[relation][1] < keep_errors:
                            kept[relation][1] += 1
                            errors.append({"relation": relation, "type": "spurious", "file": f.id,
                                           "line": line_text, "pair": p.text})
    rows = [StructureRow.of(r, *counts[r]) for r in (*RELATIONS, INCLUSION_OR)]
    return StructureReport(split=split, files=len(chia_files), lines=len(jobs), rows=rows,
                           skipped=dict(sorted(skipped.items())), ignored=ignored, seconds=round(seconds, 3),
                           errors=errors)


def evaluate_structure(directory: str | Path, analyzer: Any, *, split: str | None = "dev",
                       split_file: str | Path | None = None, ids: Iterable[str] | None = None,
                       keep_errors: int = 0) -> StructureReport:
    """Score ``analyzer``'s rule structure on the criterion lines of a Chia split (``None``: every file)."""
    files = load_chia(directory, ids=ids, split=split, split_file=split_file)
    return score_files(files, analyzer, split=split, keep_errors=keep_errors)


__all__ = ["RELATIONS", "Pair", "StructureReport", "StructureRow", "evaluate_structure", "gold_pairs", "predicted",
           "score_files"]
