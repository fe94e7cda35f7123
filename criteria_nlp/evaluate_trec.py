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

The same run ranks, per topic, **all** the judged trials whose record is there
(labels 0, 1 and 2; each trial analysed once) with the library's
:func:`~criteria_nlp.matching.rank`, and beside it with a BM25 baseline
(:func:`bm25_rank`, the note's text against each trial's eligibility text),
and reports for both:

* NDCG@10 with gains 2 (eligible), 1 (excluded), 0 (not relevant), the TREC
  convention: DCG = sum of gain / log2(position + 1) over the first ten,
  divided by the DCG of that topic's judged labels in the best order; averaged
  over the topics with at least one trial judged 1 or 2 (:func:`ndcg_at`);
* the AUC of eligible over excluded: over every (eligible, excluded) pair of
  trials of the same topic, pooled across topics (not averaged per topic), the
  share where the eligible trial ranks above the excluded one, a tie counting
  one half (:func:`auc_counts`). Ties are trials with the same verdict and the
  same numbers of rules not met, met and unknown (``rank`` breaks them by
  trial id, which NDCG keeps) or, for BM25, the same score.

Who the patient is comes from ``patients(topic id, note text)``: by default
:func:`age_sex_patient`, the age and sex :func:`note_age_sex` reads.
"""

from __future__ import annotations

import csv
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from pydantic import BaseModel, ConfigDict, Field

from .errors import CriteriaNLPError

if TYPE_CHECKING:
    from .matching import MatchResult
    from .patient import Patient

#: topic id, note text -> the patient to match (a Patient or a dict :func:`~criteria_nlp.patient_io.read_patient` takes)
PatientMaker = Callable[[str, str], Union["Patient", Mapping[str, Any]]]

LABELS = {0: "not relevant", 1: "excluded", 2: "eligible"}

def note_age_sex(text: str) -> tuple[float | None, str | None]:
    """The age (years) and sex a patient note states first ("A 58-year-old woman ...", "A 6-month-old boy"):
    the note reader's :func:`~criteria_nlp.notes.note_age` and :func:`~criteria_nlp.notes.note_sex`."""
    from .notes import note_age, note_sex

    return note_age(text)[0], note_sex(text)[0]


def age_sex_patient(topic: str, text: str) -> dict[str, Any]:
    """The default patient of a topic: only the age and sex its note states first (:func:`note_age_sex`)."""
    age, sex = note_age_sex(text)
    return {"id": topic, "age": age, "sex": sex or "unknown"}


#: the ``--patients`` values: who each topic's patient is
PATIENTS = ("age-sex", "note")


def patient_maker(name: str, analyzer: Any) -> PatientMaker | None:
    """``evaluate_trec``'s ``patients`` for a ``--patients`` value: None (the default, :func:`age_sex_patient`) for
    ``age-sex``; for ``note``, what :func:`~criteria_nlp.notes.read_patient_text` reads with ``analyzer``."""
    if name == "age-sex":
        return None
    if name != "note":
        raise ValueError(f"unknown patients {name!r}: use {' or '.join(PATIENTS)}")
    from .notes import read_patient_text

    def note(topic: str, text: str) -> Any:
        return read_patient_text(text, id=topic, analyzer=analyzer)

    return note


GAINS = {0: 0.0, 1: 1.0, 2: 2.0}


def ndcg_at(labels: Sequence[int], k: int = 10, gains: Mapping[int, float] = GAINS) -> float | None:
    """NDCG@k of judged labels in ranked order (best first); None when no label has a gain.

    DCG = sum over the first ``k`` of gain / log2(position + 1), positions from 1;
    the ideal is the same labels sorted by gain.
    """
    values = [gains.get(label, 0.0) for label in labels]

    def dcg(gain: Sequence[float]) -> float:
        return sum(g / math.log2(position + 2) for position, g in enumerate(gain[:k]))

    ideal = dcg(sorted(values, reverse=True))
    return dcg(values) / ideal if ideal > 0 else None


def auc_counts(labels: Sequence[int], ties: Sequence[Hashable] | None = None, *, positive: int = 2,
               negative: int = 1) -> tuple[float, int]:
    """Pairs (positive, negative) of one ranking (labels best first) in the right order, and how many pairs.

    A pair whose two items share a ``ties`` key (e.g. the same score) counts one
    half. Pool the counts over rankings and divide for the AUC.
    """
    keys: Sequence[Hashable] = list(range(len(labels))) if ties is None else ties
    if len(keys) != len(labels):
        raise ValueError("labels and ties differ in length")
    wins, pairs = 0.0, 0
    for i, label in enumerate(labels):
        if label != positive:
            continue
        for j, other in enumerate(labels):
            if other != negative:
                continue
            pairs += 1
            wins += 0.5 if keys[i] == keys[j] else (1.0 if i < j else 0.0)
    return wins, pairs


_WORD = re.compile(r"(?u)\b\w\w+\b")

#: BM25 parameters of the baseline (bm25s's defaults, Lucene's variant of the idf)
BM25_PARAMETERS: dict[str, Any] = {"k1": 1.5, "b": 0.75, "method": "lucene"}


def tokenize(text: str) -> list[str]:
    """Words of two or more letters or digits, lowercased, without bm25s's English stopwords (no stemming)."""
    from bm25s.stopwords import STOPWORDS_EN

    stop = set(STOPWORDS_EN)
    return [w for w in _WORD.findall(text.lower()) if w not in stop]


def bm25_rank(query: str, documents: Mapping[str, str], **parameters: Any) -> list[tuple[str, float]]:
    """Document ids and BM25 scores of ``query`` (:func:`tokenize`), best first, ties by id; ``parameters`` go to
    ``bm25s.BM25`` (default :data:`BM25_PARAMETERS`). The index is built over ``documents`` alone."""
    import bm25s
    import numpy as np

    ids = list(documents)
    if not ids:
        return []
    retriever = bm25s.BM25(**{**BM25_PARAMETERS, **parameters})
    retriever.index([tokenize(documents[i]) for i in ids], show_progress=False)
    words = [w for w in tokenize(query) if w in retriever.vocab_dict]
    scores = retriever.get_scores(words) if words else np.zeros(len(ids))
    ranked = sorted(((i, float(score)) for i, score in zip(ids, scores)), key=lambda item: (-item[1], item[0]))
    return ranked


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


class RankedTrial(BaseModel):
    """One trial in a topic's ranking: its judgment, its place in both rankings and what placed it there."""

    model_config = ConfigDict(extra="forbid")

    rank: int
    nct_id: str
    label: int
    verdict: str
    not_met: int
    met: int
    unknown: int
    bm25_rank: int
    bm25_score: float
    not_met_categories: list[str] = Field(default_factory=list)
    met_categories: list[str] = Field(default_factory=list)


class TopicRanking(BaseModel):
    """A topic's figures; ``trials`` (its ranking) goes to the rankings file only."""

    model_config = ConfigDict(extra="forbid")

    topic: str
    ranked: int
    eligible: int
    excluded: int
    ndcg_at_10: float | None
    bm25_ndcg_at_10: float | None
    auc_pairs: int
    auc_wins: float
    bm25_auc_wins: float
    trials: list[RankedTrial] = Field(default_factory=list, exclude=True)


def _mean(values: Iterable[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else 0.0


class TrecReport(BaseModel):
    """Verdicts on the pairs judged eligible or excluded, and the rankings of every topic's judged trials."""

    model_config = ConfigDict(extra="forbid")

    pairs: int
    trials: int
    topics: int
    counts: dict[str, dict[str, int]]
    false_exclusion_rate: float = Field(description="P(ineligible | judged eligible)")
    exclusion_catch_rate: float = Field(description="P(ineligible | judged excluded)")
    missing_trials: int = 0
    failed_trials: list[str] = Field(default_factory=list)
    patients: str = "age-sex"
    trials_ranked: int = Field(0, description="trials analysed (every judged trial whose record is there)")
    ranked_pairs: int = 0
    topics_ranked: int = Field(0, description="topics with at least one trial judged excluded or eligible")
    ndcg_at_10: float = 0.0
    auc_eligible_over_excluded: float = 0.0
    bm25_ndcg_at_10: float = 0.0
    bm25_auc: float = 0.0
    auc_pairs: int = 0
    bm25: dict[str, Any] = Field(default_factory=lambda: dict(BM25_PARAMETERS))
    analysis_seconds: float = 0.0
    ranking_seconds: float = 0.0
    per_topic: list[TopicRanking] = Field(default_factory=list)
    results: list[PairResult] = Field(default_factory=list, exclude=True)

    @property
    def false_exclusions(self) -> list[PairResult]:
        """The pairs judged eligible that came out ineligible."""
        return [r for r in self.results if r.label == 2 and r.verdict == "ineligible"]

    def notes(self) -> list[str]:
        """How the figures were computed."""
        who = {"age-sex": "each patient holds only the age and sex its note states first",
               "note": "each patient is what criteria_nlp.notes.read_patient_text reads from its note"}.get(
                   self.patients, f"each patient is what {self.patients} makes of its note")
        bm25 = ", ".join(f"{k}={v}" for k, v in self.bm25.items())
        return [
            f"{self.pairs} judged pairs (eligible or excluded) over {self.topics} topics and {self.trials} trials; {who}.",
            "False exclusions: P(ineligible | eligible); exclusions caught: P(ineligible | excluded).",
            f"Ranking: every topic's {self.ranked_pairs} judged pairs whose record is there (labels 0, 1, 2), ordered by "
            "criteria_nlp.matching.rank (verdict, then fewest rules not met, most met, fewest unknown, trial id). "
            f"NDCG@10 with gains 2/1/0, averaged over the {self.topics_ranked} topics with a trial judged 1 or 2; "
            f"AUC over {self.auc_pairs} (eligible, excluded) pairs of the same topic, pooled across topics, "
            "ties (same verdict and counts; same BM25 score) one half.",
            f"BM25: bm25s ({bm25}), the note against each trial's eligibility text (inclusion and exclusion "
            "criteria as read), indexed per topic over its judged trials; lowercased words of 2+ characters, "
            "bm25s's English stopwords removed, no stemming.",
            f"Analysing the {self.trials_ranked} trials took {self.analysis_seconds:.0f} s; matching and ranking "
            f"{self.ranking_seconds:.1f} s.",
        ] + ([f"{self.missing_trials} judged pairs whose trial record is missing were left out."] if self.missing_trials else []) \
          + ([f"trials that failed to analyse: {', '.join(self.failed_trials)}"] if self.failed_trials else [])

    def to_markdown(self) -> str:
        """Markdown: the ranking table (pipeline and BM25), verdicts by judgment, the two rates, then the notes."""
        lines = ["| system | NDCG@10 | AUC eligible>excluded | P(inel\\|elig) | P(inel\\|excl) |",
                 "|---|---:|---:|---:|---:|",
                 f"| criteria_nlp ({self.patients}) | {self.ndcg_at_10:.3f} | {self.auc_eligible_over_excluded:.3f} | "
                 f"{self.false_exclusion_rate:.3f} | {self.exclusion_catch_rate:.3f} |",
                 f"| BM25 | {self.bm25_ndcg_at_10:.3f} | {self.bm25_auc:.3f} | – | – |", ""]
        verdicts = ("eligible", "indeterminate", "ineligible")
        lines += ["| judged | pairs | " + " | ".join(verdicts) + " |", "|---|---:|" + "---:|" * len(verdicts)]
        for label in ("eligible", "excluded"):
            row = self.counts.get(label, {})
            lines.append(f"| {label} | {sum(row.values())} | " + " | ".join(str(row.get(v, 0)) for v in verdicts) + " |")
        lines += ["", f"P(ineligible | eligible) = {self.false_exclusion_rate:.3f} (false exclusions); "
                      f"P(ineligible | excluded) = {self.exclusion_catch_rate:.3f} (exclusions caught).", ""]
        lines += [f"- {note}" for note in self.notes()]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (with the per-topic figures, without the per-pair results and rankings)."""
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


def _rank_key(result: MatchResult) -> tuple[int, int, int, int]:
    """What :func:`~criteria_nlp.matching.rank` orders by, less the trial id: equal keys are ties."""
    return (("eligible", "indeterminate", "ineligible").index(result.verdict), result.not_met, -result.met,
            result.unknown)


def _not_met(result: MatchResult) -> list[dict[str, Any]]:
    return [{"rule": r.rule, "category": r.category, "evidence": r.evidence, "reason": r.reason,
             "criterion": r.text, "source": "structured" if r.criterion is None else "text"}
            for r in result.rules if r.result == "not_met"]


def evaluate_trec(folder: str | Path, analyzer: Any, *, labels: Iterable[int] = (1, 2),
                  patients: PatientMaker | None = None, name: str | None = None) -> TrecReport:
    """Verdicts on the pairs judged ``labels`` and the rankings of every topic's judged trials (module docstring).

    ``patients(topic id, note text)`` makes each topic's patient (default
    :func:`age_sex_patient`); ``name`` says which in the report (default: the
    function's name, ``age-sex`` for the default).
    """
    from .matching import rank
    from .patient import Patient
    from .patient_io import read_patient
    from .read import read_trial

    root = Path(folder)
    if not root.is_dir():
        raise TrecError("E010", record=str(root), detail="not a folder")
    topics = read_topics(root)
    make = age_sex_patient if patients is None else patients
    if name is None:
        name = "age-sex" if patients is None else getattr(patients, "__name__", repr(patients))
    wanted = set(labels)
    judged: dict[str, dict[str, int]] = {}
    for j in read_qrels(root):
        if j.topic in topics:
            judged.setdefault(j.topic, {})[j.nct_id] = j.label
    analyses: dict[str, Any] = {}
    texts: dict[str, str] = {}
    failed: list[str] = []
    started = time.perf_counter()
    for nct_id in sorted({n for trials in judged.values() for n in trials}):
        path = root / "trials" / f"{nct_id}.xml"
        if not path.is_file():
            analyses[nct_id] = None
            continue
        try:
            trial = read_trial(str(path))
            texts[nct_id] = trial.eligibility_text
            analyses[nct_id] = analyzer(trial)
        except CriteriaNLPError:
            analyses[nct_id] = None
            failed.append(nct_id)
    analysis_seconds = time.perf_counter() - started
    started = time.perf_counter()
    results: list[PairResult] = []
    per_topic: list[TopicRanking] = []
    missing = 0
    for topic, trials in judged.items():
        missing += sum(1 for n, label in trials.items() if label in wanted and analyses[n] is None)
        present = {n: label for n, label in trials.items() if analyses[n] is not None}
        if not present:
            continue
        raw = make(topic, topics[topic])
        patient = raw if isinstance(raw, Patient) else read_patient(raw)
        owner = {analyses[n].trial.id: n for n in present}
        if len(owner) != len(present):
            raise TrecError("E010", record=str(root / "trials"), detail=f"topic {topic}: two records share a trial id")
        ranked = rank(patient, [analyses[n] for n in present])
        by_id = {owner[r.trial_id]: r for r in ranked}
        order = [owner[r.trial_id] for r in ranked]
        bm25 = bm25_rank(topics[topic], {n: texts[n] for n in present})
        bm25_order = [n for n, _ in bm25]
        bm25_score = dict(bm25)
        wins, pairs = auc_counts([present[n] for n in order], [_rank_key(by_id[n]) for n in order])
        bm25_wins, _ = auc_counts([present[n] for n in bm25_order], [bm25_score[n] for n in bm25_order])
        entries = []
        for position, n in enumerate(order, start=1):
            r = by_id[n]
            entries.append(RankedTrial(
                rank=position, nct_id=n, label=present[n], verdict=r.verdict, not_met=r.not_met, met=r.met,
                unknown=r.unknown, bm25_rank=bm25_order.index(n) + 1, bm25_score=round(bm25_score[n], 4),
                not_met_categories=[x.category for x in r.rules if x.result == "not_met"],
                met_categories=[x.category for x in r.rules if x.result == "met"]))
            if present[n] in wanted:
                results.append(PairResult(topic=topic, nct_id=n, label=present[n], age=patient.age,
                                          sex=None if patient.sex == "unknown" else patient.sex, verdict=r.verdict,
                                          not_met=_not_met(r) if r.verdict == "ineligible" else []))
        per_topic.append(TopicRanking(
            topic=topic, ranked=len(order), eligible=sum(1 for v in present.values() if v == 2),
            excluded=sum(1 for v in present.values() if v == 1),
            ndcg_at_10=ndcg_at([present[n] for n in order]), bm25_ndcg_at_10=ndcg_at([present[n] for n in bm25_order]),
            auc_pairs=pairs, auc_wins=wins, bm25_auc_wins=bm25_wins, trials=entries))
    ranking_seconds = time.perf_counter() - started
    counts: dict[str, Counter[str]] = {}
    for pair in results:
        counts.setdefault(LABELS[pair.label], Counter())[pair.verdict] += 1

    def rate(label: str) -> float:
        row = counts.get(label, Counter())
        total = sum(row.values())
        return row["ineligible"] / total if total else 0.0

    auc_pairs = sum(t.auc_pairs for t in per_topic)
    return TrecReport(
        pairs=len(results),
        trials=len({pair.nct_id for pair in results}), trials_ranked=sum(1 for a in analyses.values() if a is not None),
        topics=len({r.topic for r in results}), counts={k: dict(v) for k, v in counts.items()},
        false_exclusion_rate=rate("eligible"), exclusion_catch_rate=rate("excluded"),
        missing_trials=missing, failed_trials=failed, patients=name,
        ranked_pairs=sum(t.ranked for t in per_topic),
        topics_ranked=sum(1 for t in per_topic if t.ndcg_at_10 is not None),
        ndcg_at_10=_mean(t.ndcg_at_10 for t in per_topic), bm25_ndcg_at_10=_mean(t.bm25_ndcg_at_10 for t in per_topic),
        auc_eligible_over_excluded=sum(t.auc_wins for t in per_topic) / auc_pairs if auc_pairs else 0.0,
        bm25_auc=sum(t.bm25_auc_wins for t in per_topic) / auc_pairs if auc_pairs else 0.0, auc_pairs=auc_pairs,
        analysis_seconds=round(analysis_seconds, 1), ranking_seconds=round(ranking_seconds, 1),
        per_topic=per_topic, results=results,
    )


def write_false_exclusions(report: TrecReport, path: str | Path) -> int:
    """Write every false exclusion (one JSON object per line: the pair and the rules not met); their number."""
    rows = report.false_exclusions
    with open(path, "w", encoding="utf-8") as handle:
        for r in rows:
            handle.write(json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n")
    return len(rows)


def write_rankings(report: TrecReport, path: str | Path) -> int:
    """Write every topic's ranking (one JSON object per topic: its figures and its trials best first); their number."""
    with open(path, "w", encoding="utf-8") as handle:
        for topic in report.per_topic:
            row = topic.model_dump(mode="json")
            row["trials"] = [t.model_dump(mode="json") for t in topic.trials]
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(report.per_topic)


__all__ = ["BM25_PARAMETERS", "GAINS", "Judgment", "PairResult", "PatientMaker", "RankedTrial", "TopicRanking",
           "TrecError", "TrecReport", "age_sex_patient", "auc_counts", "bm25_rank", "evaluate_trec", "ndcg_at",
           "note_age_sex", "patient_maker", "read_qrels", "read_topics", "tokenize", "write_false_exclusions",
           "write_rankings"]
