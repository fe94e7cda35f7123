"""Evaluate verdicts against clinical assessors' judgments: TREC Clinical Trials 2022.

The folder (``../shared/data/trec2022``) holds ``topics.jsonl`` (patient
descriptions in free text, ``_id`` and ``text``), ``qrels.tsv`` (``topic``,
``nct_id``, ``label``: 0 not relevant, 1 excluded, 2 eligible, judged by TREC's
clinical assessors) and ``trials/NCTxxxxxxxx.xml`` (the judged trials' legacy
CT.gov records). TREC Clinical Trials Track 2022, NIST; topics and judgments as
redistributed in the ncbi-nlp/TrialGPT repository.

:func:`evaluate_trec` matches, for every pair judged eligible or excluded, a
patient that holds only the topic's **age and sex** (read from the note by
:func:`note_age_sex`) against the trial's analysis. With nothing else known, a
trial should rarely find the patient ``ineligible``; where it does, either the
assessors saw the same reason (an excluded pair: an exclusion caught) or the
rules are wrong (an eligible pair: a false exclusion). It reports
P(ineligible | eligible) and P(ineligible | excluded) and lists every false
exclusion with the rules and reasons that caused it, for error analysis.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import CriteriaNLPError

LABELS = {0: "not relevant", 1: "excluded", 2: "eligible"}

_AGE = re.compile(
    r"\b(\d{1,3}(?:\.\d+)?)[\s-]*(year|yr|month|mo|week|wk|day)s?[\s-]*old\b|"
    r"\b(\d{1,3})[\s-]*(?:yo|y/o|y\.o\.)\b|\baged?\s+(\d{1,3})\b|\b(\d{1,3})[\s-]*years?\s+of\s+age\b",
    re.IGNORECASE,
)
_UNIT_YEARS = {"year": 1.0, "yr": 1.0, "month": 1 / 12, "mo": 1 / 12, "week": 7 / 365.25, "wk": 7 / 365.25,
               "day": 1 / 365.25}
_FEMALE = re.compile(r"\b(?:woman|women|female|girl|lady|she|her|hers|herself|mother of|pregnant|g\d+p\d+)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(?:man|men|male|boy|gentleman|he|his|him|himself)\b", re.IGNORECASE)


def note_age_sex(text: str) -> tuple[float | None, str | None]:
    """The age (years) and sex a patient note states first ("A 58-year-old woman ...", "A 6-month-old boy")."""
    age: float | None = None
    m = _AGE.search(text)
    if m is not None:
        if m.group(1) is not None:
            age = round(float(m.group(1)) * _UNIT_YEARS[m.group(2).lower()], 3)
        else:
            age = float(next(g for g in m.groups()[2:] if g is not None))
    female, male = _FEMALE.search(text), _MALE.search(text)
    sex: str | None = None
    if female is not None and (male is None or female.start() < male.start()):
        sex = "female"
    elif male is not None:
        sex = "male"
    return age, sex


class TrecError(CriteriaNLPError, ValueError):
    """The TREC folder cannot be used."""


class Judgment(BaseModel):
    """One judged (topic, trial) pair."""

    model_config = ConfigDict(extra="forbid")

    topic: str
    nct_id: str
    label: int


class PairResult(BaseModel):
    """A judged pair's verdict, and the rules that found the patient ineligible."""

    model_config = ConfigDict(extra="forbid")

    topic: str
    nct_id: str
    label: int
    age: float | None
    sex: str | None
    verdict: str
    not_met: list[dict[str, Any]] = Field(default_factory=list)


class TrecReport(BaseModel):
    """Verdicts of age-and-sex-only patients on the judged pairs."""

    model_config = ConfigDict(extra="forbid")

    pairs: int
    trials: int
    topics: int
    counts: dict[str, dict[str, int]]
    false_exclusion_rate: float = Field(description="P(ineligible | judged eligible)")
    exclusion_catch_rate: float = Field(description="P(ineligible | judged excluded)")
    missing_trials: int = 0
    failed_trials: list[str] = Field(default_factory=list)
    results: list[PairResult] = Field(default_factory=list, exclude=True)

    @property
    def false_exclusions(self) -> list[PairResult]:
        """The pairs judged eligible that came out ineligible."""
        return [r for r in self.results if r.label == 2 and r.verdict == "ineligible"]

    def notes(self) -> list[str]:
        """How the figures were computed."""
        return [
            f"{self.pairs} judged pairs (eligible or excluded) over {self.topics} topics and {self.trials} trials; "
            "each patient holds only the age and sex its note states first.",
            "False exclusions: P(ineligible | eligible); exclusions caught: P(ineligible | excluded).",
        ] + ([f"{self.missing_trials} judged pairs whose trial record is missing were left out."] if self.missing_trials else []) \
          + ([f"trials that failed to analyse: {', '.join(self.failed_trials)}"] if self.failed_trials else [])

    def to_markdown(self) -> str:
        """A markdown table of verdicts by judgment, the two rates, then the notes."""
        verdicts = ("eligible", "indeterminate", "ineligible")
        lines = ["| judged | pairs | " + " | ".join(verdicts) + " |", "|---|---:|" + "---:|" * len(verdicts)]
        for label in ("eligible", "excluded"):
            row = self.counts.get(label, {})
            lines.append(f"| {label} | {sum(row.values())} | " + " | ".join(str(row.get(v, 0)) for v in verdicts) + " |")
        lines += ["", f"P(ineligible | eligible) = {self.false_exclusion_rate:.3f} (false exclusions); "
                      f"P(ineligible | excluded) = {self.exclusion_catch_rate:.3f} (exclusions caught).", ""]
        lines += [f"- {note}" for note in self.notes()]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (without the per-pair results)."""
        data = self.model_dump(mode="json")
        data["notes"] = self.notes()
        return data


def read_topics(folder: Path) -> dict[str, str]:
    """Topic id -> patient description, from ``topics.jsonl``."""
    path = folder / "topics.jsonl"
    if not path.is_file():
        raise TrecError("E010", record=str(path), detail="no topics.jsonl")
    topics: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            topics[str(item["_id"])] = str(item["text"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise TrecError("E010", record=str(path), detail=f"line {number}: {exc}") from None
    return topics


def read_qrels(folder: Path) -> list[Judgment]:
    """The judged pairs of ``qrels.tsv``."""
    path = folder / "qrels.tsv"
    if not path.is_file():
        raise TrecError("E010", record=str(path), detail="no qrels.tsv")
    out: list[Judgment] = []
    with open(path, encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle, delimiter="\t"), start=2):
            try:
                out.append(Judgment(topic=row["topic"], nct_id=row["nct_id"], label=int(row["label"])))
            except (KeyError, ValueError, TypeError) as exc:
                raise TrecError("E010", record=str(path), detail=f"line {number}: {exc}") from None
    return out


def evaluate_trec(folder: str | Path, analyzer: Any, *, labels: Iterable[int] = (1, 2)) -> TrecReport:
    """Match age-and-sex-only patients against the judged trials of a TREC folder (see the module docstring)."""
    from .matching import match
    from .read import read_trial

    root = Path(folder)
    if not root.is_dir():
        raise TrecError("E010", record=str(root), detail="not a folder")
    topics = read_topics(root)
    wanted = set(labels)
    judged = [j for j in read_qrels(root) if j.label in wanted and j.topic in topics]
    analyses: dict[str, Any] = {}
    failed: list[str] = []
    missing = 0
    results: list[PairResult] = []
    for j in judged:
        if j.nct_id not in analyses:
            path = root / "trials" / f"{j.nct_id}.xml"
            if not path.is_file():
                analyses[j.nct_id] = None
            else:
                try:
                    analyses[j.nct_id] = analyzer(read_trial(str(path)))
                except CriteriaNLPError:
                    analyses[j.nct_id] = None
                    failed.append(j.nct_id)
        analysis = analyses[j.nct_id]
        if analysis is None:
            missing += 1
            continue
        age, sex = note_age_sex(topics[j.topic])
        outcome = match({"id": j.topic, "age": age, "sex": sex or "unknown"}, analysis)
        not_met = [{"rule": r.rule, "category": r.category, "evidence": r.evidence, "reason": r.reason,
                    "criterion": r.text, "source": "structured" if r.criterion is None else "text"}
                   for r in outcome.rules if r.result == "not_met"]
        results.append(PairResult(topic=j.topic, nct_id=j.nct_id, label=j.label, age=age, sex=sex,
                                  verdict=outcome.verdict, not_met=not_met if outcome.verdict == "ineligible" else []))
    counts: dict[str, Counter[str]] = {}
    for r in results:
        counts.setdefault(LABELS[r.label], Counter())[r.verdict] += 1

    def rate(label: str) -> float:
        row = counts.get(label, Counter())
        total = sum(row.values())
        return row["ineligible"] / total if total else 0.0

    return TrecReport(
        pairs=len(results), trials=sum(1 for a in analyses.values() if a is not None),
        topics=len({r.topic for r in results}), counts={k: dict(v) for k, v in counts.items()},
        false_exclusion_rate=rate("eligible"), exclusion_catch_rate=rate("excluded"),
        missing_trials=missing, failed_trials=failed, results=results,
    )


def write_false_exclusions(report: TrecReport, path: str | Path) -> int:
    """Write every false exclusion (one JSON object per line: the pair and the rules not met); their number."""
    rows = report.false_exclusions
    with open(path, "w", encoding="utf-8") as handle:
        for r in rows:
            handle.write(json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n")
    return len(rows)


__all__ = ["Judgment", "PairResult", "TrecError", "TrecReport", "evaluate_trec", "note_age_sex", "read_qrels",
           "read_topics", "write_false_exclusions"]
