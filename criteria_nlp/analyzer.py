"""From a trial to its analysis: run the pipeline and collect typed results."""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
import os
from typing import Any, Iterable, Iterator, Mapping, Union

from spacy.language import Language
from spacy.tokens import Doc

from .errors import AnalysisError, CriteriaNLPError
from .extensions import char_offsets, doc_text, entity_data, keep_text
from .pipeline import DEFAULT_PIPELINE, load
from .quality import lint
from .read import trial_from_text
from .rules import build_rules
from .schema import Criterion, Duplicate, Entity, Trial, TrialAnalysis

KINDS = ("inclusion", "exclusion")


#: what ``analyze`` and ``Analyzer`` take: a trial, criteria text, a record's path, a study or ``Trial`` mapping
Analyzable = Union[Trial, str, "os.PathLike[str]", Mapping[str, Any]]


def as_trial(source: Analyzable) -> Trial:
    """Coerce what ``analyze`` accepts into a ``Trial``.

    A ``str`` is plain eligibility text (offsets will index into it); a path
    (``pathlib.Path``) is a file holding one trial record, read with
    ``read_trial``; a mapping is a ``Trial`` dict or a ClinicalTrials.gov API
    v2 study.
    """
    if isinstance(source, Trial):
        return source
    if isinstance(source, str):
        return trial_from_text(source)
    if isinstance(source, os.PathLike):
        from .read import read_trial

        return read_trial(source)
    if isinstance(source, Mapping):
        if "eligibility_text" in source and "id" in source:
            return Trial.model_validate(dict(source))
        from .read import trial_from_mapping

        return trial_from_mapping(source)
    raise AnalysisError("A001", record="<input>", detail=type(source).__name__)


def _check_kind(kind: str | None, record: str) -> None:
    if kind is not None and kind not in KINDS:
        raise CriteriaNLPError("S001", record=record, detail=kind)


class Analyzer:
    """Runs the criteria pipeline over trials and returns ``TrialAnalysis`` objects.

    ``Analyzer()`` builds the pipeline once; reuse the instance for many trials.
    ``pipeline`` names it (see ``load``): ``"fast"`` (rules and lexicons; the
    analyzer's default, whose output the rule tests pin down) or ``"default"``
    (with the statistical NER trained on Chia; the README compares the two), or
    a saved pipeline's path. ``model``
    puts a statistical NER (``"chia_ner"`` or a path) in front of the tagger.
    """

    def __init__(self, nlp: Language | None = None, *, pipeline: str = DEFAULT_PIPELINE, model: str | None = None) -> None:
        self.nlp = nlp if nlp is not None else load(pipeline, model=model)

    def make_doc(self, trial: Trial, kind: str | None = None) -> Doc:
        """Tokenise a trial's eligibility text and attach what the components need."""
        _check_kind(kind, trial.id)
        doc = self.nlp.make_doc(trial.eligibility_text)
        keep_text(doc, trial.eligibility_text)
        doc._.trial_id = trial.id
        doc._.default_kind = kind
        return doc

    def __call__(self, source: Analyzable, kind: str | None = None) -> TrialAnalysis:
        """Analyse one trial (plain criteria text, or a record's path; see ``as_trial``)."""
        trial = as_trial(source)
        doc = self.nlp(self.make_doc(trial, kind))
        return self.analysis_from_doc(trial, doc)

    def pipe(
        self,
        trials: Iterable[Analyzable],
        *,
        kind: str | None = None,
        n_process: int = 1,
        batch_size: int = 32,
    ) -> Iterator[TrialAnalysis]:
        """Analyse many trials, in input order, optionally over ``n_process`` processes."""
        pairs = ((self.make_doc(t, kind), t) for t in map(as_trial, trials))
        for doc, trial in self.nlp.pipe(pairs, as_tuples=True, n_process=n_process, batch_size=batch_size):
            yield self.analysis_from_doc(trial, doc)

    def analyze_sources(self, sources: Any, *, kind: str | None = None,
                        encoding: str | None = None) -> Iterator[TrialAnalysis | CriteriaNLPError]:
        """Read (see ``iter_records``) and analyse every record in ``sources``; a bad record yields its error and the run goes on."""
        from .read import iter_records

        for record in iter_records(sources, encoding=encoding):
            if isinstance(record, CriteriaNLPError):
                yield record
                continue
            try:
                yield self(record, kind=kind)
            except CriteriaNLPError as exc:
                yield exc

    def analysis_from_doc(self, trial: Trial, doc: Doc) -> TrialAnalysis:
        """Collect the components' results from ``doc`` into a ``TrialAnalysis``."""
        # the segmenter's own dicts: constructed, not validated again (from_dict validates)
        criteria = [Criterion.construct_trusted(c) for c in doc._.criteria or []]
        analysis = TrialAnalysis.model_construct(
            trial=trial,
            criteria=criteria,
            duplicates=[Duplicate.construct_trusted(d) for d in doc._.duplicates or []],
            entities=entities_from_doc(doc, criteria),
            rules=[],
            issues=[],
        )
        analysis.rules = build_rules(analysis)
        analysis.issues = lint(analysis)
        analysis._doc = doc
        return analysis


def entities_from_doc(doc: Doc, criteria: list[Criterion]) -> list[Entity]:
    """The tagged entities of ``doc`` that lie in a criterion, with their context, values, windows and codes."""
    starts = [c.start for c in criteria]
    ents = list(doc.ents)
    data = entity_data(doc, ents)
    offsets = char_offsets(doc, ents)  # span.start_char and .end_char read two tokens each
    text = doc_text(doc)
    ids = {key: f"e{i + 1}" for i, key in enumerate(offsets)}
    out: list[Entity] = []
    for ent, info, (start, end) in zip(ents, data, offsets):
        index = bisect_right(starts, start) - 1
        if index < 0 or end > criteria[index].end:
            continue
        qualifies = [ids[key] for key in map(tuple, info.get("qualifies") or ()) if key in ids]
        out.append(
            Entity.trusted(
                id=ids[(start, end)],
                criterion=criteria[index].id,
                label=ent.label_,
                text=text[start:end],
                start=start,
                end=end,
                negated=bool(info.get("negated")),
                historical=bool(info.get("historical")),
                hypothetical=bool(info.get("hypothetical")),
                uncertain=bool(info.get("uncertain")),
                family=bool(info.get("family")),
                excepted=bool(info.get("excepted")),
                concept=info.get("concept"),
                value=info.get("value"),
                window=info.get("window"),
                qualifies=qualifies,
                qualifiers=info.get("qualifiers") or [],
                coding=_coding(info.get("coding")),
                procedure_kind=info.get("procedure_kind"),
            )
        )
    return out


#: the fields of an open-vocabulary match that go into ``Entity.coding``
_CODING_FIELDS = ("source", "system", "code", "display", "entry", "score", "review", "narrower")


def _coding(record: Any) -> dict[str, Any] | None:
    """The coder's record of an open-vocabulary match (``entity_data[i]["coding"]``) as ``Entity.coding``."""
    if not isinstance(record, dict):
        return None
    return {key: record.get(key) for key in _CODING_FIELDS}


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    """The shared analyzer behind ``analyze()``, built on first use."""
    return Analyzer()


def analyze(trial_or_text: Analyzable, kind: str | None = None) -> TrialAnalysis:
    """Analyse a trial, a study mapping, plain criteria text (a ``str``) or a record's file (a ``pathlib.Path``) with the default pipeline.

    ``kind`` ("inclusion"/"exclusion") is the kind of criteria that come before
    any header, for text without headers.
    """
    return default_analyzer()(trial_or_text, kind=kind)
