"""Score the facts read from patient notes against hand annotations (``annotations/patients/``).

The gold file holds one JSON object per note: ``topic``, ``text`` and
``facts`` (``type``, ``text``, ``start``, ``end``, ``status``, ``code``,
``value``, ...; the format is documented in ``annotations/patients/README.md``).
:func:`evaluate_note_facts` reads every note with :func:`~criteria_nlp.notes.read_note`
and matches facts by **type and character overlap**, mention by mention: a
predicted fact is right when it overlaps a gold fact of the same type; a gold
fact is found when a predicted fact of its type overlaps it. It reports
precision, recall and F1 per type and pooled over the headline types
(conditions, medications, labs, age and sex), and, over the matched pairs, how
often the status agrees and how often the code agrees (same code, or the same
ICD-10-CM category, where the gold has a code).

What is scored from the reading: the facts the patient record holds, plus
suspected and planned conditions (facts of the note the record keeps apart),
and qualitative results the record cannot hold yet ("elevated ESR", "low
GnRH"); bedside examinations, normal results and measurements without a result
are shown to users but not scored (the annotation guide does not count normal
findings as facts).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import CriteriaNLPError
from .notes import NoteFact, read_note

#: the types the headline figures pool
HEADLINE = ("condition", "medication", "lab", "age", "sex")


class NoteEvalError(CriteriaNLPError, ValueError):
    """The gold file cannot be used."""


class TypeScore(BaseModel):
    """Precision, recall and F1 of one fact type (or of the headline pool)."""

    model_config = ConfigDict(extra="forbid")

    gold: int
    predicted: int
    found: int = Field(description="Gold facts overlapped by a predicted fact of the type.")
    right: int = Field(description="Predicted facts overlapping a gold fact of the type.")
    precision: float
    recall: float
    f1: float


class NoteFactsReport(BaseModel):
    """Fact-reading scores over the annotated notes."""

    model_config = ConfigDict(extra="forbid")

    notes: int
    pipeline: str | None = None
    headline: TypeScore
    by_type: dict[str, TypeScore]
    status_agreement: float = Field(description="Over matched pairs: the status agrees.")
    code_agreement: float = Field(description="Over matched pairs whose gold has a code: same code or ICD-10-CM category.")
    misses: list[dict[str, Any]] = Field(default_factory=list, exclude=True)
    extras: list[dict[str, Any]] = Field(default_factory=list, exclude=True)

    def to_markdown(self) -> str:
        """A markdown table per type, the pooled headline row, then the agreements."""
        lines = ["| type | gold | predicted | precision | recall | F1 |", "|---|---:|---:|---:|---:|---:|"]
        for name, s in sorted(self.by_type.items()):
            lines.append(f"| {name} | {s.gold} | {s.predicted} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} |")
        h = self.headline
        lines.append(f"| **{' + '.join(HEADLINE)}** | {h.gold} | {h.predicted} | **{h.precision:.3f}** | "
                     f"**{h.recall:.3f}** | {h.f1:.3f} |")
        lines += ["", f"{self.notes} notes; pipeline {self.pipeline or 'default'}. Matched pairs: status agrees "
                      f"{self.status_agreement:.3f}, code agrees (same code or ICD-10-CM category, where the gold "
                      f"has a code) {self.code_agreement:.3f}."]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (without the error lists)."""
        return self.model_dump(mode="json")


def _score(gold: int, predicted: int, found: int, right: int) -> TypeScore:
    p = right / predicted if predicted else 0.0
    r = found / gold if gold else 0.0
    return TypeScore(gold=gold, predicted=predicted, found=found, right=right, precision=round(p, 4),
                     recall=round(r, 4), f1=round(2 * p * r / (p + r), 4) if p + r else 0.0)


def read_gold(path: str | Path) -> list[dict[str, Any]]:
    """The annotated notes of a gold JSONL file."""
    file = Path(path)
    if not file.is_file():
        raise NoteEvalError("E011", record=str(file), detail="no such file")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise NoteEvalError("E011", record=str(file), detail=f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    out: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item.get("text"), str) or not isinstance(item.get("facts"), list):
                raise ValueError("needs text and facts")
            out.append(item)
        except (json.JSONDecodeError, ValueError, AttributeError) as exc:
            raise NoteEvalError("E011", record=str(file), detail=f"line {number}: {exc}") from None
    if not out:
        raise NoteEvalError("E011", record=str(file), detail="no annotated note in it")
    return out


def scored(fact: NoteFact) -> bool:
    """Whether a fact of a reading is scored (see the module docstring)."""
    return (fact.on_patient or (fact.type == "condition" and fact.status in ("planned", "suspected"))
            or (fact.type == "lab" and fact.value not in (None, "normal")))


def _same_code(gold: dict[str, Any] | None, pred: NoteFact) -> bool:
    if pred.code is None or not gold or not gold.get("code"):
        return False
    g = str(gold["code"])
    p = pred.code.code
    if g == p:
        return True
    return gold.get("system") == "ICD-10-CM" == pred.code.system and g.split(".")[0] == p.split(".")[0]


def evaluate_note_facts(path: str | Path, analyzer: Any = None, *, pipeline: str | None = None) -> NoteFactsReport:
    """Read every annotated note and score its facts against the gold (see the module docstring)."""
    notes = read_gold(path)
    if analyzer is None:
        from .analyzer import Analyzer

        analyzer = Analyzer(pipeline=pipeline) if pipeline else Analyzer()
    gold_n: Counter[str] = Counter()
    pred_n: Counter[str] = Counter()
    found: Counter[str] = Counter()
    right: Counter[str] = Counter()
    status_ok = status_all = code_ok = code_all = 0
    misses: list[dict[str, Any]] = []
    extras: list[dict[str, Any]] = []
    for note in notes:
        reading = read_note(note["text"], id=str(note.get("topic") or "note"), analyzer=analyzer)
        preds = [f for f in reading.facts if scored(f)]
        golds = note["facts"]

        def overlap(g: dict[str, Any], p: NoteFact) -> bool:
            return bool(g["type"] == p.type and p.start < g["end"] and g["start"] < p.end)

        for g in golds:
            gold_n[g["type"]] += 1
            hits = [p for p in preds if overlap(g, p)]
            if hits:
                found[g["type"]] += 1
                status_all += 1
                status_ok += hits[0].status == g["status"]
                if g.get("code") and g["code"].get("code"):
                    code_all += 1
                    code_ok += _same_code(g["code"], hits[0])
            else:
                misses.append({"topic": note.get("topic"), **{k: g[k] for k in ("type", "text", "status")}})
        for p in preds:
            pred_n[p.type] += 1
            if any(overlap(g, p) for g in golds):
                right[p.type] += 1
            else:
                extras.append({"topic": note.get("topic"), "type": p.type, "text": p.text, "status": p.status})
    types = sorted(set(gold_n) | set(pred_n))
    by_type = {t: _score(gold_n[t], pred_n[t], found[t], right[t]) for t in types}
    headline = _score(sum(gold_n[t] for t in HEADLINE), sum(pred_n[t] for t in HEADLINE),
                      sum(found[t] for t in HEADLINE), sum(right[t] for t in HEADLINE))
    return NoteFactsReport(
        notes=len(notes), pipeline=pipeline, headline=headline, by_type=by_type,
        status_agreement=round(status_ok / status_all, 4) if status_all else 0.0,
        code_agreement=round(code_ok / code_all, 4) if code_all else 0.0, misses=misses, extras=extras)


__all__ = ["HEADLINE", "NoteEvalError", "NoteFactsReport", "TypeScore", "evaluate_note_facts", "read_gold", "scored"]
