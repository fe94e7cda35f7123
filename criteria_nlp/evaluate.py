"""Evaluate entity taggers against the Chia corpus of annotated eligibility criteria.

Chia (Kury F. et al., "Chia, a large annotated corpus of clinical trial
eligibility criteria", Scientific Data 7, 281 (2020), CC BY 4.0) holds one
criterion per line in ``NCTxxxxxxxx_inc.txt`` / ``_exc.txt`` with brat standoff
annotations beside each file.

* ``load_chia`` reads the files: text, line spans and gold entities (with their
  Has_negation flag), reporting malformed annotation lines with ``E0xx`` codes.
* ``score`` is a scorer independent of spaCy: strict and overlap precision,
  recall and F1 per type and micro-averaged, and negation metrics.
* ``evaluate_chia`` runs any predictor over the criterion lines of a split and
  returns an ``EvaluationReport`` (a rich table, markdown or a dict).

Chia types map to our labels as in ``CHIA_TYPES``; a gold Measurement is matched
by a ``LAB`` or ``SCORE`` prediction (row ``LAB/SCORE``) and a gold Person by
``AGE`` or ``SEX`` (row ``AGE/SEX``). Discontinuous gold entities are matched
strictly on their full extent (first start to last end) and by overlap on the
characters of their fragments.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.table import Table
from scipy.optimize import linear_sum_assignment

from .errors import CriteriaNLPError

# --------------------------------------------------------------------------- types

#: Chia entity type -> the report row it is scored in.
CHIA_TYPES: dict[str, str] = {
    "Condition": "CONDITION",
    "Drug": "DRUG",
    "Procedure": "PROCEDURE",
    "Measurement": "LAB/SCORE",
    "Observation": "OBSERVATION",
    "Device": "DEVICE",
    "Person": "AGE/SEX",
    "Value": "VALUE",
    "Temporal": "TEMPORAL",
}

#: Report rows in display order, and the predicted labels each row accepts.
ROW_LABELS: dict[str, frozenset[str]] = {
    "CONDITION": frozenset({"CONDITION"}),
    "DRUG": frozenset({"DRUG"}),
    "PROCEDURE": frozenset({"PROCEDURE"}),
    "LAB/SCORE": frozenset({"LAB", "SCORE", "LAB/SCORE"}),
    "OBSERVATION": frozenset({"OBSERVATION"}),
    "DEVICE": frozenset({"DEVICE"}),
    "AGE/SEX": frozenset({"AGE", "SEX", "AGE/SEX"}),
    "VALUE": frozenset({"VALUE"}),
    "TEMPORAL": frozenset({"TEMPORAL"}),
}

#: predicted label -> row (labels not here are not scored)
LABEL_ROW: dict[str, str] = {label: row for row, labels in ROW_LABELS.items() for label in labels}

#: Chia types that are kept as gold entities but not scored (cues, qualifiers, ...).
UNSCORED_TYPES: frozenset[str] = frozenset(
    {"Scope", "Visit", "Negation", "Qualifier", "Multiplier", "Reference_point", "Line", "Mood"}
)

#: Chia's own error and comment annotations: skipped with a count.
KNOWN_ODD_TYPES: frozenset[str] = frozenset(
    {
        "Parsing_Error",
        "Grammar_Error",
        "Context_Error",
        "Not_a_criteria",
        "Undefined_semantics",
        "Subjective_judgement",
        "Non-query-able",
        "Post-eligibility",
        "Pregnancy_considerations",
        "Competing_trial",
        "Informed_consent",
        "Intoxication_considerations",
        "Non-representable",
    }
)

KIND_OF_SUFFIX: dict[str, str] = {"inc": "inclusion", "exc": "exclusion"}

SPLITS = ("train", "dev")

ChiaKind = Literal["inclusion", "exclusion"]


class EvaluationError(CriteriaNLPError, ValueError):
    """The Chia corpus, a split or a predictor's output cannot be used."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- corpus


class GoldEntity(_Model):
    """One brat entity of a Chia file; offsets index the whole file.

    ``start``/``end`` are the full extent (first start to last end) for
    discontinuous entities, whose pieces are in ``fragments``. ``label`` is the
    report row (``CONDITION``, ``LAB/SCORE``, ...) or None for unscored types.
    """

    id: str
    chia_type: str
    label: str | None
    start: int
    end: int
    text: str
    fragments: list[tuple[int, int]]
    negated: bool = False
    discontinuous: bool = False
    line: int = Field(description="index of the criterion line the entity lies in (into ChiaFile.lines)")


class Issue(_Model):
    """A problem found while reading an annotation file (an ``E0xx`` message)."""

    code: str
    record: str
    line: int
    detail: str
    message: str


class ChiaFile(_Model):
    """One Chia criteria file (``NCT00050349_inc``) with its gold annotations."""

    id: str
    trial_id: str
    kind: ChiaKind
    text: str
    lines: list[tuple[int, int]] = Field(description="(start, end) of each non-blank line, without its line break")
    entities: list[GoldEntity]
    or_groups: list[list[str]] = Field(default_factory=list)
    relations: list[tuple[str, str, str]] = Field(
        default_factory=list, description="(type, arg1, arg2) of each brat relation line (Has_value, Has_temporal, ...)"
    )
    skipped: dict[str, int] = Field(default_factory=dict, description="Chia's odd entity types skipped, by type")
    unannotated: list[tuple[int, int, str]] = Field(
        default_factory=list,
        description="(start, end, type) of the text Chia marked with its odd types (Informed_consent, "
        "Non-query-able, ...): criteria its annotators left out of entity annotation",
    )
    clipped: int = Field(0, description="gold spans that ran into a line terminator and were clipped to the line")
    issues: list[Issue] = Field(default_factory=list)

    @property
    def scored(self) -> list[GoldEntity]:
        """The gold entities of scored types."""
        return [e for e in self.entities if e.label is not None]

    def line_text(self, index: int) -> str:
        """The text of line ``index``."""
        start, end = self.lines[index]
        return self.text[start:end]


class SplitFile(_Model):
    """The fixed Chia split (``annotations/chia_split.json``)."""

    description: str = ""
    train: list[str]
    dev: list[str]


def split_of(trial_id: str) -> str:
    """The split a Chia trial belongs to by the documented rule: dev when sha1(id) % 5 == 0."""
    return "dev" if int(hashlib.sha1(trial_id.encode("utf-8")).hexdigest(), 16) % 5 == 0 else "train"


def read_split_file(path: str | Path) -> SplitFile:
    """Read and validate a split file such as ``annotations/chia_split.json``."""
    path = Path(path)
    try:
        return SplitFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise EvaluationError("E008", record=str(path), detail="no such file") from None
    except UnicodeDecodeError as exc:
        raise EvaluationError("E008", record=str(path), detail=f"not UTF-8 text ({exc.reason} at offset {exc.start})") from None
    except IsADirectoryError:
        raise EvaluationError("E008", record=str(path), detail="a folder, not a file") from None
    except (json.JSONDecodeError, ValidationError) as exc:
        raise EvaluationError("E008", record=str(path), detail=str(exc).splitlines()[0]) from None


def _file_ids(directory: Path) -> list[str]:
    if not directory.is_dir():
        raise EvaluationError("E006", record=str(directory), detail="not a folder")
    ids = sorted(
        p.stem for p in directory.glob("NCT*.txt") if p.stem.rsplit("_", 1)[-1] in KIND_OF_SUFFIX and "_" in p.stem
    )
    if not ids:
        raise EvaluationError("E006", record=str(directory), detail="no NCTxxxxxxxx_inc.txt or _exc.txt files")
    return ids


def load_chia(
    directory: str | Path,
    ids: Iterable[str] | None = None,
    split: str | None = None,
    *,
    split_file: str | Path | None = None,
    strict: bool = False,
) -> Iterator[ChiaFile]:
    """Read the Chia files of ``directory`` in id order.

    ``ids`` keeps files by file id (``NCT00050349_inc``) or trial id
    (``NCT00050349``: both files); ``split`` ("train"/"dev") keeps the trials of
    that split, read from ``split_file`` or, without one, by the rule of
    ``split_of``. Problems in an ``.ann`` file are collected in
    ``ChiaFile.issues``; with ``strict=True`` the first one is raised as an
    ``EvaluationError``.
    """
    folder = Path(directory)
    file_ids = _file_ids(folder)
    if split is not None:
        if split not in SPLITS:
            raise EvaluationError("E007", record=str(split_file or folder), detail=split)
        if split_file is not None:
            members = set(getattr(read_split_file(split_file), split))
            file_ids = [f for f in file_ids if f.rsplit("_", 1)[0] in members]
        else:
            file_ids = [f for f in file_ids if split_of(f.rsplit("_", 1)[0]) == split]
    if ids is not None:
        wanted = set(ids)
        file_ids = [f for f in file_ids if f in wanted or f.rsplit("_", 1)[0] in wanted]
    for file_id in file_ids:
        chia_file = read_chia_file(folder / f"{file_id}.txt")
        if strict and chia_file.issues:
            first = chia_file.issues[0]
            raise EvaluationError(first.code, record=first.record, detail=first.detail, line=first.line)
        yield chia_file


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for piece in text.split("\n"):
        end = start + len(piece)
        content_end = end - 1 if piece.endswith("\r") else end
        if text[start:content_end].strip():
            spans.append((start, content_end))
        start = end + 1
    return spans


class _AnnReader:
    """Parses one ``.ann`` file against its text."""

    def __init__(self, record: str, text: str) -> None:
        self.record = record
        self.text = text
        self.lines = _line_spans(text)
        self.line_starts = [s for s, _ in self.lines]
        self.issues: list[Issue] = []
        self.skipped: Counter[str] = Counter()
        self.unannotated: list[tuple[int, int, str]] = []
        self.clipped = 0

    def issue(self, code: str, line: int, detail: str) -> None:
        err = CriteriaNLPError(code, record=self.record, detail=detail, line=line)
        self.issues.append(Issue(code=code, record=self.record, line=line, detail=detail, message=str(err)))

    def entity(self, number: int, parts: list[str]) -> GoldEntity | None:
        """Parse a ``T`` line, or record why it cannot be used and return None."""
        if len(parts) < 2:
            self.issue("E001", number, "an entity line needs a type and offsets")
            return None
        chia_type, _, offsets = parts[1].partition(" ")
        try:
            fragments = [(int(a), int(b)) for a, b in (piece.split() for piece in offsets.split(";"))]
        except ValueError:
            self.issue("E001", number, f"bad offsets {offsets!r}")
            return None
        if any(a >= b or a < 0 or b > len(self.text) for a, b in fragments):
            self.issue("E001", number, f"offsets {offsets!r} are empty or outside the text")
            return None
        written_order = fragments
        fragments = sorted(fragments)  # Chia writes some fragments out of text order
        if chia_type in KNOWN_ODD_TYPES:
            self.skipped[chia_type] += 1
            self.unannotated.append((fragments[0][0], fragments[-1][1], chia_type))
            return None
        if chia_type not in CHIA_TYPES and chia_type not in UNSCORED_TYPES:
            self.issue("E004", number, chia_type)
            return None
        start, end = fragments[0][0], fragments[-1][1]
        index = bisect.bisect_right(self.line_starts, start) - 1
        if index < 0 or start >= self.lines[index][1]:
            self.issue("E003", number, f"{start}-{end} starts outside any criterion line")
            return None
        line_end = self.lines[index][1]
        if end > line_end:
            if self.text[line_end:end].strip():
                self.issue("E003", number, f"{start}-{end} runs past the end of its line at {line_end}")
                return None
            # the span ran into "\r" or trailing blanks: keep it within the line
            fragments = [(a, min(b, line_end)) for a, b in fragments if a < line_end]
            written_order = [(a, min(b, line_end)) for a, b in written_order if a < line_end]
            end = fragments[-1][1]
            self.clipped += 1
        written = "\t".join(parts[2:]) if len(parts) > 2 else None
        found = " ".join(self.text[a:b] for a, b in written_order)
        if written is None:
            self.issue("E002", number, "is missing")
        elif written.strip() != found.strip():
            self.issue("E002", number, f"{written!r} differs from {found!r} at its offsets")
        return GoldEntity(
            id=parts[0],
            chia_type=chia_type,
            label=CHIA_TYPES.get(chia_type),
            start=start,
            end=end,
            text=found,
            fragments=fragments,
            discontinuous=len(fragments) > 1,
            line=index,
        )


def read_chia_file(path: str | Path) -> ChiaFile:
    """Read one Chia ``.txt`` file and the ``.ann`` file beside it."""
    txt_path = Path(path)
    file_id = txt_path.stem
    trial_id, _, suffix = file_id.rpartition("_")
    if suffix not in KIND_OF_SUFFIX:
        raise EvaluationError("E006", record=str(txt_path), detail="the name does not end in _inc or _exc")
    ann_path = txt_path.with_suffix(".ann")
    if not txt_path.is_file() or not ann_path.is_file():
        raise EvaluationError("E006", record=str(txt_path), detail="the .txt or its .ann file is missing")
    with open(txt_path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    with open(ann_path, encoding="utf-8", newline="") as handle:
        ann_lines = handle.read().split("\n")

    reader = _AnnReader(ann_path.name, text)
    entities: dict[str, GoldEntity] = {}
    known_ids: set[str] = set()
    negations: list[tuple[int, str]] = []
    or_groups: list[list[str]] = []
    relations: list[tuple[str, str, str]] = []
    for number, raw in enumerate(ann_lines, start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        parts = line.split("\t")
        head = parts[0]
        if head.startswith("T"):
            known_ids.add(head)
            entity = reader.entity(number, parts)
            if entity is not None:
                entities[head] = entity
        elif head.startswith("R"):
            fields = parts[1].split() if len(parts) > 1 else []
            if len(fields) != 3 or not all(":" in f for f in fields[1:]):
                reader.issue("E001", number, "a relation line needs a type and two arguments")
                continue
            if fields[0] == "Has_negation":
                negations.append((number, fields[1].split(":", 1)[1]))
            relations.append((fields[0], fields[1].split(":", 1)[1], fields[2].split(":", 1)[1]))
        elif head == "*":
            fields = parts[1].split() if len(parts) > 1 else []
            if len(fields) < 3:
                reader.issue("E001", number, "an equivalence line needs a type and at least two entities")
                continue
            if fields[0] == "OR":
                or_groups.append(fields[1:])
        elif head[:1] in {"A", "M", "N", "#", "E"}:
            continue  # attributes, normalisations, notes and events carry nothing we score
        else:
            reader.issue("E001", number, f"unknown line type {head!r}")
    for number, target in negations:
        if target in entities:
            entities[target] = entities[target].model_copy(update={"negated": True})
        elif target not in known_ids:
            reader.issue("E005", number, target)
    for group in or_groups:
        for member in group:
            if member not in known_ids:
                reader.issue("E005", 0, member)
    ordered = sorted(entities.values(), key=lambda e: (e.start, e.end, _id_number(e.id)))
    return ChiaFile(
        id=file_id,
        trial_id=trial_id,
        kind="inclusion" if suffix == "inc" else "exclusion",
        text=text,
        lines=reader.lines,
        entities=ordered,
        or_groups=or_groups,
        relations=relations,
        skipped=dict(sorted(reader.skipped.items())),
        unannotated=sorted(reader.unannotated),
        clipped=reader.clipped,
        issues=reader.issues,
    )


def _id_number(entity_id: str) -> int:
    digits = entity_id[1:]
    return int(digits) if digits.isdigit() else 0


# --------------------------------------------------------------------------- scoring


class Span(_Model):
    """A labelled character span of a document, gold or predicted, for ``score``.

    ``doc`` names the document (spans of different documents never match);
    ``label`` is a row name for gold spans or a predicted label. ``fragments``
    holds the pieces of a discontinuous gold entity (text order, inside
    ``start``-``end``); the overlap match counts only their characters.
    """

    doc: str = ""
    start: int
    end: int
    label: str
    negated: bool = False
    fragments: tuple[tuple[int, int], ...] | None = None

    def shared(self, other: "Span") -> int:
        """Characters of this span (its fragments, if any) that ``other`` covers."""
        pieces = self.fragments or ((self.start, self.end),)
        return sum(max(0, min(b, other.end) - max(a, other.start)) for a, b in pieces)


class Row(_Model):
    """Strict and overlap counts and P/R/F1 for one report row (or the micro-average)."""

    type: str
    gold: int
    predicted: int
    strict_tp: int
    overlap_tp: int
    strict_precision: float
    strict_recall: float
    strict_f1: float
    overlap_precision: float
    overlap_recall: float
    overlap_f1: float

    @classmethod
    def of(cls, type: str, gold: int, predicted: int, strict_tp: int, overlap_tp: int) -> "Row":
        """Build a row from its counts (a ratio with a zero denominator is 0.0)."""
        sp, sr, sf = _prf(strict_tp, predicted, gold)
        op, orec, of1 = _prf(overlap_tp, predicted, gold)
        return cls(
            type=type,
            gold=gold,
            predicted=predicted,
            strict_tp=strict_tp,
            overlap_tp=overlap_tp,
            strict_precision=sp,
            strict_recall=sr,
            strict_f1=sf,
            overlap_precision=op,
            overlap_recall=orec,
            overlap_f1=of1,
        )


class NegationScores(_Model):
    """Negation over gold entities matched (overlap) by a prediction.

    ``accuracy`` compares the prediction's ``negated`` with the gold flag;
    precision/recall/F1 are those of ``negated=True``.
    """

    matched: int
    correct: int
    accuracy: float
    gold_negated: int
    predicted_negated: int
    true_positives: int
    precision: float
    recall: float
    f1: float


class Scores(_Model):
    """What ``score`` returns: one row per type, the micro-average and negation."""

    rows: list[Row]
    micro: Row
    negation: NegationScores
    unscored_predictions: int = Field(0, description="predictions whose label maps to no row")


def _prf(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _gold_row(span: Span) -> str:
    row = LABEL_ROW.get(span.label)
    if row is None:
        raise EvaluationError("E009", record=span.doc or "<gold>", detail=f"a gold span with unknown label {span.label!r}")
    return row


def score(gold: Sequence[Span], pred: Sequence[Span]) -> Scores:
    """Score predicted spans against gold spans, per row and micro-averaged.

    Strict: same document, exact offsets, a label the gold row accepts. Overlap:
    any shared character (of a discontinuous gold entity's fragments) and an
    accepted label, each gold and each prediction matched at most once, in the
    matching with the most pairs (ties: the most shared characters), so every
    strict match is also an overlap match. Predictions whose label maps to no
    row are not scored (counted in ``unscored_predictions``).
    """
    gold_rows = [_gold_row(g) for g in gold]
    scored_pred = [(i, p, LABEL_ROW[p.label]) for i, p in enumerate(pred) if p.label in LABEL_ROW]
    unscored = len(pred) - len(scored_pred)

    # strict: one-to-one on (doc, start, end, row)
    open_gold: dict[tuple[str, int, int, str], list[int]] = {}
    for gi, (g, row) in enumerate(zip(gold, gold_rows)):
        open_gold.setdefault((g.doc, g.start, g.end, row), []).append(gi)
    strict_tp: Counter[str] = Counter()
    for _, p, row in scored_pred:
        waiting = open_gold.get((p.doc, p.start, p.end, row))
        if waiting:
            waiting.pop(0)
            strict_tp[row] += 1

    # overlap: within each (doc, row), the one-to-one matching with the most pairs
    by_key_gold: dict[tuple[str, str], list[int]] = {}
    for gi, (g, row) in enumerate(zip(gold, gold_rows)):
        by_key_gold.setdefault((g.doc, row), []).append(gi)
    by_key_pred: dict[tuple[str, str], list[int]] = {}
    for pi, p, row in scored_pred:
        by_key_pred.setdefault((p.doc, row), []).append(pi)
    gold_taken: dict[int, int] = {}
    for key, pis in by_key_pred.items():
        gis = by_key_gold.get(key)
        if gis:
            gold_taken.update(_overlap_matching([gold[gi] for gi in gis], [pred[pi] for pi in pis], gis, pis))
    overlap_tp: Counter[str] = Counter(gold_rows[gi] for gi in gold_taken)

    gold_count = Counter(gold_rows)
    pred_count = Counter(row for _, _, row in scored_pred)
    rows = [
        Row.of(row, gold_count[row], pred_count[row], strict_tp[row], overlap_tp[row])
        for row in ROW_LABELS
        if gold_count[row] or pred_count[row]
    ]
    micro = Row.of(
        "micro",
        sum(gold_count.values()),
        sum(pred_count.values()),
        sum(strict_tp.values()),
        sum(overlap_tp.values()),
    )
    return Scores(rows=rows, micro=micro, negation=_negation(gold, pred, gold_taken), unscored_predictions=unscored)


def _overlap_matching(gold: list[Span], pred: list[Span], gold_ids: list[int], pred_ids: list[int]) -> dict[int, int]:
    """Gold id -> prediction id of a maximum one-to-one matching by overlap, most shared characters on ties."""
    shared = np.array([[g.shared(p) for p in pred] for g in gold], dtype=float)
    if not shared.any():
        return {}
    # each pair is worth more than all the characters of the block together, so the count comes first
    worth = np.where(shared > 0, shared + shared.sum() + 1.0, 0.0)
    rows, cols = linear_sum_assignment(worth, maximize=True)
    return {gold_ids[r]: pred_ids[c] for r, c in zip(rows, cols) if shared[r, c] > 0}


def _negation(gold: Sequence[Span], pred: Sequence[Span], matches: dict[int, int]) -> NegationScores:
    correct = tp = gold_neg = pred_neg = 0
    for gi, pi in matches.items():
        g, p = gold[gi].negated, pred[pi].negated
        correct += g == p
        tp += g and p
        gold_neg += g
        pred_neg += p
    precision, recall, f1 = _prf(tp, pred_neg, gold_neg)
    return NegationScores(
        matched=len(matches),
        correct=correct,
        accuracy=correct / len(matches) if matches else 0.0,
        gold_negated=gold_neg,
        predicted_negated=pred_neg,
        true_positives=tp,
        precision=precision,
        recall=recall,
        f1=f1,
    )


# --------------------------------------------------------------------------- evaluation


class PredictedEntity(_Model):
    """An entity a predictor found in one criterion line; offsets index that line."""

    label: str
    start: int
    end: int
    negated: bool = False


#: ``predict(texts, kinds)`` -> one list of entities per text.
Predictor = Callable[[list[str], list[str]], list[list[PredictedEntity]]]


class EvaluationReport(_Model):
    """Scores of one predictor on a Chia split, with what was read and how."""

    split: str | None
    files: int
    lines: int
    words: int = Field(description="whitespace-separated words in the scored lines")
    rows: list[Row]
    micro: Row
    negation: NegationScores
    unscored_predictions: int = 0
    ignored_predictions: int = Field(
        0, description="predictions inside text Chia left out of entity annotation (its odd types), overlapping no gold entity"
    )
    discontinuous: int = Field(
        0, description="gold entities with discontinuous spans (strict: full extent; overlap: their fragments)"
    )
    clipped: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)
    issues: list[Issue] = Field(default_factory=list)
    predict_seconds: float = 0.0

    @property
    def words_per_second(self) -> float:
        """Words of the scored lines per second spent in the predictor."""
        return self.words / self.predict_seconds if self.predict_seconds > 0 else 0.0

    def notes(self) -> list[str]:
        """Plain-language notes on how the figures were computed."""
        notes = [
            f"split {self.split or 'all'}: {self.files} files, {self.lines} criterion lines, {self.words} words.",
            "Gold Measurement is matched by LAB or SCORE (row LAB/SCORE); gold Person by AGE or SEX (row AGE/SEX).",
            f"{self.discontinuous} discontinuous gold spans are matched strictly on their full extent (first start to "
            "last end), by overlap on the characters of their fragments.",
            "Overlap: any shared character and a compatible label, one-to-one, in the matching with the most pairs "
            "(ties: most shared characters), so every strict match is also an overlap match.",
        ]
        if self.unscored_predictions:
            notes.append(f"{self.unscored_predictions} predictions with labels outside these rows were not scored.")
        if self.ignored_predictions:
            notes.append(
                f"{self.ignored_predictions} predictions lying in text Chia's annotators left unannotated (its odd types "
                "such as Informed_consent or Non-query-able) and overlapping no gold entity were not scored."
            )
        if self.skipped:
            notes.append(
                "Chia's own odd annotation types skipped: "
                + ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items()))
                + "."
            )
        if self.clipped:
            notes.append(f"{self.clipped} gold spans ending in a line terminator were clipped to their line.")
        if self.issues:
            codes = Counter(i.code for i in self.issues)
            notes.append(
                f"{len(self.issues)} annotation issue{'' if len(self.issues) == 1 else 's'} ("
                + ", ".join(f"{c} x{n}" for c, n in sorted(codes.items()))
                + "); see `issues`."
            )
        return notes

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the report, with the notes and throughput."""
        data = self.model_dump(mode="json")
        data["words_per_second"] = round(self.words_per_second, 1)
        data["notes"] = self.notes()
        return data

    def _cells(self, row: Row) -> list[str]:
        return [
            row.type,
            str(row.gold),
            str(row.predicted),
            *(f"{v * 100:.1f}" for v in (row.strict_precision, row.strict_recall, row.strict_f1)),
            *(f"{v * 100:.1f}" for v in (row.overlap_precision, row.overlap_recall, row.overlap_f1)),
        ]

    def _negation_line(self) -> str:
        n = self.negation
        return (
            f"Negation over {n.matched} overlap-matched gold entities: accuracy {n.accuracy * 100:.1f}; "
            f"negated=True P {n.precision * 100:.1f} R {n.recall * 100:.1f} F1 {n.f1 * 100:.1f} "
            f"(gold negated {n.gold_negated}, predicted negated {n.predicted_negated})."
        )

    def to_table(self) -> Table:
        """A ``rich`` table of the rows and the micro-average, with notes in the caption."""
        table = Table(title=f"Chia {self.split or 'all'}: entity scores (%)", caption=" ".join([self._negation_line(), *self.notes()]))
        for name in ("type", "gold", "pred", "strict P", "strict R", "strict F1", "overlap P", "overlap R", "overlap F1"):
            table.add_column(name, justify="left" if name == "type" else "right")
        for row in self.rows:
            table.add_row(*self._cells(row))
        table.add_row(*self._cells(self.micro), style="bold", end_section=False)
        return table

    def to_markdown(self) -> str:
        """A markdown table of the rows and the micro-average, then the notes."""
        header = "| type | gold | pred | strict P | strict R | strict F1 | overlap P | overlap R | overlap F1 |"
        rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        body = ["| " + " | ".join(self._cells(row)) + " |" for row in self.rows]
        micro = self._cells(self.micro)
        micro[0] = "**micro**"
        lines = [header, rule, *body, "| " + " | ".join(micro) + " |", "", self._negation_line(), ""]
        lines.extend(f"- {note}" for note in self.notes())
        return "\n".join(lines) + "\n"


def gold_spans(chia_file: ChiaFile) -> list[Span]:
    """The scored gold entities of a file as ``Span`` objects (full extent, file offsets)."""
    return [
        Span(
            doc=chia_file.id,
            start=e.start,
            end=e.end,
            label=e.label,
            negated=e.negated,
            fragments=tuple(e.fragments) if e.discontinuous else None,
        )
        for e in chia_file.entities
        if e.label is not None
    ]


def _drop_unannotated(files: list[ChiaFile], gold: list[Span], pred: list[Span]) -> tuple[list[Span], int]:
    """Predictions inside text Chia left unannotated, and touching no gold entity, are not scored."""
    holes: dict[str, list[tuple[int, int]]] = {f.id: [(s, e) for s, e, _ in f.unannotated] for f in files}
    golds: dict[str, list[tuple[int, int]]] = {}
    for g in gold:
        golds.setdefault(g.doc, []).append((g.start, g.end))
    kept: list[Span] = []
    for p in pred:
        in_hole = any(s < p.end and p.start < e for s, e in holes.get(p.doc, ()))
        if in_hole and not any(s < p.end and p.start < e for s, e in golds.get(p.doc, ())):
            continue
        kept.append(p)
    return kept, len(pred) - len(kept)


def evaluate_files(
    files: Iterable[ChiaFile],
    predict: Predictor,
    *,
    split: str | None = None,
    batch_size: int = 512,
    ignore_unannotated: bool = True,
) -> EvaluationReport:
    """Run ``predict`` over the criterion lines of ``files`` and score it against their gold entities.

    With ``ignore_unannotated`` (the default), predictions inside text Chia's
    annotators left out of entity annotation (its odd types: Informed_consent,
    Non-query-able, Post-eligibility, ...) that overlap no gold entity are not
    scored; their number is reported.
    """
    chia_files = list(files)
    jobs: list[tuple[ChiaFile, int]] = [(f, i) for f in chia_files for i in range(len(f.lines))]
    gold: list[Span] = [span for f in chia_files for span in gold_spans(f)]
    pred: list[Span] = []
    seconds = 0.0
    for first in range(0, len(jobs), batch_size):
        batch = jobs[first : first + batch_size]
        texts = [f.line_text(i) for f, i in batch]
        kinds: list[str] = [f.kind for f, _ in batch]
        began = time.perf_counter()
        found = predict(texts, kinds)
        seconds += time.perf_counter() - began
        if not isinstance(found, list) or len(found) != len(batch):
            count = len(found) if isinstance(found, list) else type(found).__name__
            raise EvaluationError("E009", record="predict", detail=f"{count} results for {len(batch)} lines")
        for (chia_file, index), text, entities in zip(batch, texts, found):
            offset = chia_file.lines[index][0]
            for entity in entities:
                if not isinstance(entity, PredictedEntity):
                    entity = PredictedEntity.model_validate(entity, from_attributes=True)
                if not 0 <= entity.start < entity.end <= len(text):
                    raise EvaluationError(
                        "E009",
                        record=f"{chia_file.id} line {index + 1}",
                        detail=f"an entity at {entity.start}-{entity.end} outside the line of length {len(text)}",
                    )
                pred.append(
                    Span(
                        doc=chia_file.id,
                        start=offset + entity.start,
                        end=offset + entity.end,
                        label=entity.label,
                        negated=entity.negated,
                    )
                )
    pred, ignored = _drop_unannotated(chia_files, gold, pred) if ignore_unannotated else (pred, 0)
    scores = score(gold, pred)
    return EvaluationReport(
        split=split,
        files=len(chia_files),
        lines=len(jobs),
        words=sum(len(f.line_text(i).split()) for f, i in jobs),
        rows=scores.rows,
        micro=scores.micro,
        negation=scores.negation,
        unscored_predictions=scores.unscored_predictions,
        ignored_predictions=ignored,
        discontinuous=sum(1 for f in chia_files for e in f.entities if e.label is not None and e.discontinuous),
        clipped=sum(f.clipped for f in chia_files),
        skipped=dict(sorted(sum((Counter(f.skipped) for f in chia_files), Counter()).items())),
        issues=[issue for f in chia_files for issue in f.issues],
        predict_seconds=round(seconds, 4),
    )


def evaluate_chia(
    directory: str | Path,
    predict: Predictor,
    *,
    split: str | None = "dev",
    ids: Iterable[str] | None = None,
    split_file: str | Path | None = None,
    batch_size: int = 512,
    ignore_unannotated: bool = True,
) -> EvaluationReport:
    """Evaluate ``predict`` on the criterion lines of a Chia split (``None``: every file).

    ``predict(texts, kinds)`` receives criterion lines and their kinds
    ("inclusion"/"exclusion") and returns, per line, ``PredictedEntity``
    objects with offsets into that line; they are shifted to file offsets here.
    """
    files = load_chia(directory, ids=ids, split=split, split_file=split_file)
    return evaluate_files(files, predict, split=split, batch_size=batch_size, ignore_unannotated=ignore_unannotated)


# --------------------------------------------------------------------------- predictors


def analyzer_predictor(analyzer: Any, *, batch_size: int = 64) -> Predictor:
    """A predictor running ``criteria_nlp.Analyzer.pipe`` on each line with its kind.

    It reads ``analysis.entities`` (``label``, ``start``, ``end``, ``negated``);
    offsets index the line, which is the analysed text.
    """

    def predict(texts: list[str], kinds: list[str]) -> list[list[PredictedEntity]]:
        results: list[list[PredictedEntity]] = [[] for _ in texts]
        for kind in sorted(set(kinds)):
            positions = [i for i, k in enumerate(kinds) if k == kind]
            analyses = analyzer.pipe([texts[i] for i in positions], kind=kind, batch_size=batch_size)
            for i, analysis in zip(positions, analyses):
                results[i] = [
                    # Chia marks excepted mentions ("other than X") with Has_negation: score them as negated
                    PredictedEntity(label=e.label, start=e.start, end=e.end, negated=e.negated or e.excepted)
                    for e in analysis.entities
                ]
        return results

    return predict


def spacy_predictor(nlp: Any, *, batch_size: int = 256) -> Predictor:
    """A predictor reading ``doc.ents`` of a spaCy pipeline run on each line (never negated)."""

    def predict(texts: list[str], kinds: list[str]) -> list[list[PredictedEntity]]:
        return [
            [PredictedEntity(label=ent.label_, start=ent.start_char, end=ent.end_char) for ent in doc.ents]
            for doc in nlp.pipe(texts, batch_size=batch_size)
        ]

    return predict


def chia_ner_path() -> Path:
    """Where the packaged Chia NER model lies (``criteria_nlp/resources/models/chia_ner``)."""
    return Path(str(resources.files("criteria_nlp").joinpath("resources", "models", "chia_ner")))


def load_chia_ner(**kwargs: Any) -> Any:
    """Load the packaged Chia NER model with ``spacy.load`` (keyword arguments pass through)."""
    import spacy

    from . import tokenizer  # noqa: F401  (registers criteria_nlp.tokenizer.v1)

    return spacy.load(chia_ner_path(), **kwargs)


__all__ = [
    "CHIA_TYPES",
    "ChiaFile",
    "EvaluationError",
    "EvaluationReport",
    "GoldEntity",
    "Issue",
    "NegationScores",
    "PredictedEntity",
    "Predictor",
    "Row",
    "Scores",
    "Span",
    "analyzer_predictor",
    "chia_ner_path",
    "evaluate_chia",
    "evaluate_files",
    "gold_spans",
    "load_chia",
    "load_chia_ner",
    "read_chia_file",
    "read_split_file",
    "score",
    "spacy_predictor",
    "split_of",
]
