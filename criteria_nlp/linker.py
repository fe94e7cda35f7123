"""Linking: attach each value, time window and status word to the entities it qualifies (factory ``criteria_linker``).

Within one criterion (sentence):

* a ``VALUE`` qualifies the nearest measurable entity (LAB, SCORE, AGE) on its
  left when only filler words separate them ("creatinine level of ≤ 1.5 mg/dL",
  "SELENA-SLEDAI index ≥6"), else the nearest one on its right ("positive
  dsDNA", "≥ 18 years of age"), else the nearest entity of any kind on its left;
  not across a conditional word ("< 5 x ULN if liver metastases": the value is
  AST's, the clause names who it binds); never a sex word ("male or female
  18-65 years"). Entities listed before it with only
  commas and conjunctions between them get the value too ("AST, ALT < 2.5 x
  ULN"); a qualitative word before a list qualifies all of it ("positive for
  hepatitis B, hepatitis C or HIV"). A value the parser could not read is
  linked all the same, but lends no limit. A one-sided duration that lands on
  a condition, drug, procedure or device says how long ago it happened:
  it becomes a ``TEMPORAL`` window ("recent surgery (< 3 months)": within the
  past 3 months; "stroke (> 6 months)": at least 6 months ago), while a
  measure's or an observation's stays a value ("life expectancy < 3 months").
* a ``TEMPORAL`` with a duration or an anchor qualifies the nearest event on its
  left, not past the previous window and not into a bracket closed before it,
  and the events listed with it ("myocardial infarction, stroke or unstable
  angina within 6 months"; but "cardiovascular disease, congestive cardiac
  failure on physical exam and/or acute coronary syndrome in past 6 months":
  only the syndrome). A list may mix kinds where commas list it ("MI, unstable
  angina, CABG, or PCI during the 6 months"), and the qualifiers of its items
  stand between them ("sepsis, or severe intercurrent illness within 6
  weeks"), as do the words before a later item ("bleeding diathesis or known
  coagulopathy") or the untagged head it complements ("acute heart failure or
  acute exacerbation of chronic heart failure within 2 weeks"). A condition
  and the lone participle after it share the window ("malignancy diagnosed or
  treated within 5 years"). Of a treatment and what it is for, the treatment ("chemotherapy
  for prostate cancer within 12 months"); a generic head ("treatment with
  rifaximin in the previous 7 days") and what it names both. An excepted
  event does not take it from the event its exception belongs to. With no event on its
  left, the nearest on its right ("within 4 weeks before enrollment: any
  chemotherapy").
* a ``TEMPORAL`` status word without extent ("history of", "previous",
  "current", "recent") qualifies the event it introduces and those listed with
  it, past other time words ("current or recent (within one week of surgery)
  antibiotic use"); one that trails ("at screening", "during the study") the event before it.
  A status word about the past makes its events historical, as ConText would
  ("Prior treatment with any biologic DMARD").

In ``doc._.entity_data`` the entity gets ``value`` / ``window``; the value,
window or status word gets ``qualifies`` = [[start_char, end_char], ...] of
every entity it qualifies (``Entity.qualifies`` lists their ids).
"""

# no "from __future__ import annotations": spaCy reads the factory's annotations at run time
import re
from bisect import bisect_left
from typing import Any, NamedTuple, Optional

from spacy.language import Language
from spacy.tokens import Doc, Span

from .extensions import entity_data, window_has_extent
from .schema import Window
from .values import duration_of

MEASURABLE = ("LAB", "SCORE", "AGE")
#: events a bare duration dates ("recent surgery (< 3 months)", "stroke (> 6 months)"): not measures, and not
#: observations, whose durations are values ("life expectancy < 3 months")
DATED_BY_DURATION = ("CONDITION", "DRUG", "PROCEDURE", "DEVICE")
#: a unit written as one capital letter is not one of time ("myopia > 6D": diopters)
_ONE_CAPITAL_UNIT = re.compile(r"\d\s*[A-Z]\W*$")
#: a past participle ("diagnosed", "treated"): what happened to the mention before it
PARTICIPLE = re.compile(r"[a-z]{3,}ed")
#: a comparison's operator -> the window bound it makes of a duration
DURATION_BOUND = {"<": "within", "<=": "within", ">": "at_least", ">=": "at_least"}
EVENTS = ("CONDITION", "DRUG", "PROCEDURE", "OBSERVATION", "DEVICE", "LAB", "SCORE", "AGE")
QUALIFIERS = ("VALUE", "TEMPORAL")
# words that may stand between a measure and its value: "creatinine level of", "score:", "count is", "(LVEF)"
FILLER = frozenset(
    """of is are be was must should : = ( ) [ ] , - – level levels value values count counts score scores index
    concentration concentrations result results titer titre ratio rate total serum plasma blood measured at least
    greater less than more fewer no not up to and or equal mg/dl on in by % the a an its their as defined
    documented above below over under within range between from""".split()
)
COORDINATION = frozenset({",", "and", "or", "/", "&", "and/or", ";", "nor", "either", "other", "any", "another"})
#: labels whose mentions may be listed together ("chemotherapy or radiotherapy", "MI, stroke or angina")
LABEL_GROUP = {"CONDITION": "condition", "OBSERVATION": "condition", "DRUG": "treatment", "PROCEDURE": "treatment",
               "DEVICE": "treatment", "LAB": "measure", "SCORE": "measure"}
#: words opening examples or a carve-out of the mention before them
ELABORATION_WORDS = frozenset({"including", "such as", "e.g.", "e.g", "especially", "except", "other than", "excluding"})
#: the words that may open a bracket of examples after the "(": "(e.g., chemotherapy", "(such as MI"
EXAMPLE_LEAD = frozenset({"e.g.", "e.g", "eg", "eg.", "e.g.,", "i.e.", "i.e", "ie", "such", "as", "including",
                          "especially", "particularly", "for", "example", "like", ",", ":"})
#: words introducing what a treatment is for or with ("chemotherapy for cancer", "treatment with X")
COMPLEMENT_WORDS = frozenset({"for", "with", "of", "against", "to", "containing", "using", "including", "other"})
#: status words about the past: the events they introduce are historical ("prior chemotherapy")
PAST_STATUS = frozenset({"history", "previous", "previously", "prior", "past", "former", "formerly", "preexisting",
                         "pre-existing", "earlier", "lifetime"})
#: status words that follow the event they place ("... at screening", "... during the study")
TRAILING_STATUS = frozenset({"at", "during", "while", "on", "after", "following", "throughout"})
#: at most this many tokens between a status word and its event
#: the words of a treatment mention too general to carry a time of its own: "treatment with rifaximin in the
#: previous 7 days" dates the rifaximin (status and determiner words aside: "prior treatment", "any medication")
GENERIC_TREATMENT = frozenset({"treatment", "treatments", "therapy", "therapies", "use", "usage", "medication",
                               "medications", "medicine", "medicines", "intake", "receipt", "administration",
                               "exposure", "regimen", "regimens"})
GENERIC_SKIP = frozenset({"any", "prior", "previous", "previously", "current", "concomitant", "ongoing", "the", "a",
                          "an", "other", "recent", "past", "systemic", "chronic"})
STATUS_GAP = 6
CLAUSE_BREAKS = frozenset({";", ".", ":", "(", ")", "[", "]"})
#: a window's last words when what it dates comes after it ("at least 4 weeks since", "within 2 weeks prior to")
_OPEN_CUE = re.compile(r"\b(?:since|after|following|prior to|before)\s*$", re.IGNORECASE)
#: words between such a window and its event ("since the last dose of", "since any prior")
_BEFORE_EVENT = frozenset({"last", "dose", "doses", "any", "all", "his", "her", "their", "completion", "end"})
BRACKETS = frozenset({"(", ")", "[", "]"})
#: words that open a conditional clause: a value before one does not qualify the mention after it
CONDITIONAL_WORDS = frozenset({"if", "when", "unless", "for", "in", "except", "where"})
#: what joins the two bounds of a range ("> 40 and < 70", "≥ 2, ≤ 5")
RANGE_WORDS = frozenset({"and", ",", "to", "-", "–", "but"})
#: how many entities back a value may reach for a measure when nothing closer fits
MAX_LOOK_BACK = 12


class _Marks(NamedTuple):
    """Token indices of one sentence, gathered once (not per mention: a sentence may hold thousands): the
    qualifiers the context found for its mentions (``narrowing``), its values and its time or status words."""

    narrowing: set[int]
    values: set[int]
    times: set[int]
    #: what may stand between listed mentions: their qualifiers and values
    listed: set[int]


class CriteriaLinker:
    """spaCy component: link ``VALUE`` and ``TEMPORAL`` spans to the entities they qualify."""

    def __init__(self, nlp: Language, name: str = "criteria_linker", *, max_gap: int = 6) -> None:
        self.name = name
        self.max_gap = max_gap

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        if not ents:
            return doc
        data = entity_data(doc, ents)
        sentence_of = [0] * len(doc)
        for number, sent in enumerate(doc.sents):
            sentence_of[sent.start:sent.end] = [number] * (sent.end - sent.start)
        groups: dict[int, list[tuple[Span, dict[str, Any]]]] = {}
        for ent, info in zip(ents, data):
            groups.setdefault(sentence_of[ent.start], []).append((ent, info))
        dated: set[int] = set()
        for group in groups.values():
            if any(e.label_ in QUALIFIERS for e, _ in group):
                # the qualifiers of listed mentions stand between them: "respiratory failure, or severe illness"
                narrowing = _qualifier_tokens(doc, group)
                values = {i for e, _ in group if e.label_ == "VALUE" for i in range(e.start, e.end)}
                marks = _Marks(narrowing, values,
                               {i for e, _ in group if e.label_ == "TEMPORAL" for i in range(e.start, e.end)},
                               narrowing | values)
                dated.update(self._link_values(doc, group, marks))
                self._link_windows(doc, group, marks)
        if dated:
            # a duration that dates an event is a time window, not a value
            doc.ents = [Span(doc, e.start, e.end, label="TEMPORAL") if e.start in dated else e for e in ents]
        return doc

    # ---------------------------------------------------------------- values

    def _only_filler(self, doc: Doc, start: int, end: int) -> bool:
        return end - start <= self.max_gap and all(t.lower_ in FILLER or t.is_space or t.is_punct for t in doc[start:end])

    def _link_values(self, doc: Doc, group: list[tuple[Span, dict[str, Any]]], marks: _Marks) -> set[int]:
        """Link the values of one sentence; returns the start tokens of those that turned out to be durations
        dating events (time windows)."""
        dated: set[int] = set()
        spans = [span for span, _ in group]
        # positions (in the group) of the entities values can qualify, for bisecting: a criterion with
        # thousands of values must not scan all its entities for each one
        # a sex has no magnitude: "Male or female > 40 and < 70 years old" gives the value to no sex word
        targets = [i for i, span in enumerate(spans) if span.label_ not in QUALIFIERS and span.label_ != "SEX"]
        events = [i for i in targets if spans[i].label_ in EVENTS]
        for position, (value, info) in enumerate(group):
            if value.label_ != "VALUE":
                continue
            where = self._value_target(doc, spans, targets, position, info)
            if where is None:
                continue
            qualified = [where, *self._coordinated_before(doc, spans, where)]
            cut = bisect_left(targets, position)
            beyond = targets[cut] if cut < len(targets) else None
            if beyond is not None and beyond != where and spans[beyond].label_ == "AGE" \
                    and [t.lower_ for t in doc[value.end:spans[beyond].start]] == ["of"]:
                qualified.append(beyond)  # "adults over 18 years of age": the age the value is of, too
            if where > position and info.get("source") == "terms" and where in events:
                # "positive for hepatitis B, hepatitis C or HIV": the words before a list qualify all of it
                qualified += self._conjuncts(doc, spans, events, events.index(where), 1, marks,
                                            over_values=False)
            window = _duration_window(info.get("value"), value.text) \
                if all(spans[t].label_ in DATED_BY_DURATION for t in qualified) else None
            if window is not None:
                # "recent surgery (< 3 months)", "stroke (> 6 months)": how long ago, a window on the event
                for index in qualified:
                    if group[index][1].get("window") is None:
                        group[index][1]["window"] = dict(window)
                del info["value"]
                info["window"] = window
                dated.add(value.start)
            elif info.get("value") is not None:  # a value the parser could not read is linked, but lends no limit
                for index in qualified:
                    if group[index][1].get("value") is None:
                        group[index][1]["value"] = dict(info["value"])
            info["qualifies"] = [[spans[t].start_char, spans[t].end_char] for t in qualified]
        # "> 40 and < 70 years old": a bound that found nothing goes with the bound after it
        for position in range(len(group) - 2, -1, -1):
            value, info = group[position]
            following, after = group[position + 1]
            if value.label_ == "VALUE" and following.label_ == "VALUE" and not info.get("qualifies") \
                    and after.get("qualifies") and all(t.lower_ in RANGE_WORDS for t in doc[value.end:following.start]):
                info["qualifies"] = [list(q) for q in after["qualifies"]]
        return dated

    def _value_target(self, doc: Doc, spans: list[Span], targets: list[int], position: int,
                      info: dict[str, Any]) -> Optional[int]:
        """The group position of the entity the value at ``position`` qualifies, or None."""
        value = spans[position]
        cut = bisect_left(targets, position)
        left = targets[cut - 1] if cut else None
        right = targets[cut] if cut < len(targets) else None
        if left is not None and spans[left].label_ in MEASURABLE and self._only_filler(doc, spans[left].end, value.start):
            return left
        if right is not None and spans[right].label_ in MEASURABLE and spans[right].start - value.end <= 3:
            return right
        if left is not None and spans[left].label_ in MEASURABLE and spans[left].end == value.start:
            return left
        if left is not None and self._only_filler(doc, spans[left].end, value.start):
            return left
        if right is not None and spans[right].start - value.end <= 1 and (info.get("source") == "terms" or not any(
                t.lower_ in CONDITIONAL_WORDS for t in doc[value.end:spans[right].start])):
            return right  # "positive dsDNA", "positive for HIV", not "< 5 x ULN if liver metastases"
        if info.get("source") == "terms":
            return None  # a word such as "positive" or "high" qualifies only what stands next to it
        for k in range(cut - 1, max(-1, cut - 1 - MAX_LOOK_BACK), -1):
            if spans[targets[k]].label_ in MEASURABLE:
                return targets[k]
        return left

    def _coordinated_before(self, doc: Doc, spans: list[Span], index: int) -> list[int]:
        """Positions of entities of the same label listed before ``spans[index]`` with only commas/conjunctions between."""
        out: list[int] = []
        current = spans[index]
        for position in range(index - 1, -1, -1):
            entity = spans[position]
            if entity.label_ in QUALIFIERS:
                continue
            if entity.label_ != current.label_:
                break
            between = doc[entity.end:current.start]
            if len(between) > 3 or not all(t.lower_ in COORDINATION or t.lower_ in FILLER for t in between):
                break
            out.append(position)
            current = entity
        return out

    # ---------------------------------------------------------------- windows and status words

    def _link_windows(self, doc: Doc, group: list[tuple[Span, dict[str, Any]]], marks: _Marks) -> None:
        spans = [span for span, _ in group]
        events = [i for i, span in enumerate(spans) if span.label_ in EVENTS]
        if not events:
            return
        previous = -1  # the last time window with an extent: a window does not reach back past another
        previous_targets: list[int] = []
        for i, (span, info) in enumerate(group):
            if span.label_ != "TEMPORAL":
                continue
            window = info.get("window")
            if window_has_extent(window):
                # an excepted mention ("malignancy except for treated carcinoma in situ in the past 5 years") does
                # not take the window from the mention its exception belongs to
                kept = [e for e in events if not group[e][1].get("excepted") or not any(
                    k < e and previous < k and not group[k][1].get("excepted") for k in events)]
                if previous >= 0 and previous_targets and self._stacked(doc, spans[previous], span, spans):
                    # "for over 4 weeks within the past 3 months": a window right after another, with no event
                    # between, narrows the same events
                    targets = list(previous_targets)
                else:
                    targets = self._dated_after(doc, spans, kept, i, window, marks) or self._window_targets(
                        doc, spans, kept, i, previous, marks)
                for t in targets:
                    if group[t][1].get("window") is None:
                        group[t][1]["window"] = dict(window)  # type: ignore[arg-type]
                previous, previous_targets = i, targets
            else:
                targets = self._status_targets(doc, spans, events, i, marks)
                status = _status_of(span)
                for t in targets:
                    data = group[t][1]
                    if status == "historical" and not data.get("historical") and not data.get("hypothetical"):
                        data["historical"] = True
                        data.setdefault("cues", []).append({"category": "HISTORICAL", "text": span.text,
                                                            "start": span.start_char, "end": span.end_char})
            if targets:
                info["qualifies"] = [[spans[t].start_char, spans[t].end_char] for t in targets]

    @staticmethod
    def _stacked(doc: Doc, first: Span, second: Span, spans: list[Span]) -> bool:
        """Whether ``second`` follows the window ``first`` closely, with no mention and no clause break between."""
        between = doc[first.end:second.start]
        if len(between) > 3 or any(t.text in CLAUSE_BREAKS for t in between):
            return False
        return not any(first.end <= s.start and s.end <= second.start for s in spans)

    def _dated_after(self, doc: Doc, spans: list[Span], events: list[int], position: int,
                     window: Optional[dict[str, Any]], marks: _Marks) -> list[int]:
        """A window ending on its cue with no anchor ("At least 4 weeks since", "within 2 weeks prior to") dates
        the event right after it ("Chemotherapy: At least 4 weeks since prior chemotherapy": the second, not the
        field's label before it), when only status and filler words lie between."""
        if window is None or window.get("anchor") is not None or not _OPEN_CUE.search(spans[position].text):
            return []
        cut = bisect_left(events, position)
        if cut == len(events):
            return []
        gap = [t for t in doc[spans[position].end:spans[events[cut]].start]
               if not any(s.start <= t.i < s.end for s in spans[position + 1:events[cut]])]
        if len(gap) > 3 or not all(t.is_space or t.lower_ in FILLER or t.lower_ in _BEFORE_EVENT for t in gap) \
                or any(t.text in CLAUSE_BREAKS for t in gap):
            return []
        return [events[cut], *self._conjuncts(doc, spans, events, cut, 1, marks)]

    def _window_targets(self, doc: Doc, spans: list[Span], events: list[int], position: int, previous: int,
                        marks: _Marks) -> list[int]:
        """A time window qualifies the nearest event on its left (not past the previous window), and the events
        listed with it ("myocardial infarction, stroke or unstable angina within 6 months"); with none there, the
        nearest on its right ("within 4 weeks before enrollment: any chemotherapy")."""
        cut = bisect_left(events, position)
        # not into a bracket closed before the window: "cardiac surgery (including CABG) within 6 months"
        depth = _depths(doc, spans[position].sent.start, spans[position].start)
        here = depth[spans[position].start - spans[position].sent.start]
        k = cut - 1
        while k >= 0 and events[k] > previous and depth[spans[events[k]].start - spans[position].sent.start] > here:
            k -= 1
        if k >= 0 and events[k] > previous:
            # "chemotherapy for prostate cancer within 12 months": the time is the treatment's, the head of
            # the phrase, not that of what it is for (the mentions listed with the complement go with it); a
            # generic head ("treatment with rifaximin in the previous 7 days") leaves it to what it names
            first = k
            while first > 0 and LABEL_GROUP.get(spans[events[first - 1]].label_) == LABEL_GROUP.get(spans[events[first]].label_) \
                    and _listed(doc, spans[events[first - 1]], spans[events[first]]):
                first -= 1
            if first > 0 and events[first - 1] > previous and _complement(doc, spans[events[first - 1]], spans[events[first]]):
                head = first - 1
                # ... but not what a generic head is for: "previous therapy of psoriasis within 4 weeks"
                if not generic_treatment_words(spans[events[head]].text) \
                        or LABEL_GROUP.get(spans[events[k]].label_) != "treatment":
                    return [events[head], *self._conjuncts(doc, spans, events, head, -1, marks)]
                # a generic head dates what it names and is dated with it: "treatment with rifaximin in the
                # previous 7 days" is a treatment in those days
                return [events[k], *self._conjuncts(doc, spans, events, k, -1, marks), events[head]]
            if k > 0 and events[k - 1] > previous and _dated_with(doc, spans[events[k - 1]], spans[events[k]]):
                # "acute exacerbation of chronic heart failure within 2 weeks": the exacerbation too, and what is
                # listed with it; "malignancy diagnosed or treated within 5 years": the malignancy too
                return [events[k], events[k - 1], *self._conjuncts(doc, spans, events, k - 1, -1, marks)]
            return [events[k], *self._conjuncts(doc, spans, events, k, -1, marks)]
        if cut < len(events):
            return [events[cut], *self._conjuncts(doc, spans, events, cut, 1, marks)]
        return []

    def _status_targets(self, doc: Doc, spans: list[Span], events: list[int], position: int,
                        marks: _Marks) -> list[int]:
        """A status word ("history of", "previous", "current") qualifies the event it introduces, and those listed
        with it; a trailing one ("at screening") the event before it."""
        word = spans[position]
        cut = bisect_left(events, position)
        right = events[cut] if cut < len(events) else None
        left = events[cut - 1] if cut else None
        trailing = word[0].lower_ in TRAILING_STATUS
        # "cancer history", "allergic history": a history noun right after a mention, not introducing one, is its
        if word[-1].lower_ == "history" and left is not None and spans[left].end == word.start \
                and (word.end >= len(doc) or doc[word.end].lower_ not in ("of", "with")):
            trailing = True
        order = ((left, -1), (right, 1)) if trailing else ((right, 1), (left, -1))
        # other time words, and a bracket holding only them, stand between: "current or recent (within one week
        # of surgery) systemic antibiotic use", "any current (or within past 2 months) medical condition"
        for index, direction in order:
            if index is None:
                continue
            near = spans[index]
            raw = doc[word.end:near.start] if direction == 1 else doc[near.end:word.start]
            if len(raw) > 3 * STATUS_GAP:
                continue
            between = _without_brackets_of([t for t in raw if t.i not in marks.times])
            if len(between) > STATUS_GAP or any(t.text in CLAUSE_BREAKS for t in between):
                continue
            k = events.index(index)
            if direction == 1:
                # "history of latex allergy": of two mentions side by side, the last is the head of the phrase
                while k + 1 < len(events) and spans[events[k + 1]].start == spans[events[k]].end:
                    k += 1
                # "prior treatment with gemcitabine, carboplatin or iniparib": a generic head places the
                # treatments it names, and what is listed with them (not what it is for: "previous therapy of PWS")
                head = spans[events[k]]
                if k + 1 < len(events) and generic_treatment_words(head.text) \
                        and LABEL_GROUP.get(spans[events[k + 1]].label_) == "treatment" \
                        and _complement(doc, head, spans[events[k + 1]]):
                    named = self._conjuncts(doc, spans, events, k + 1, direction, marks)
                    return [events[k], events[k + 1], *named]
            return [events[k], *self._conjuncts(doc, spans, events, k, direction, marks)]
        return []

    @staticmethod
    def _conjuncts(doc: Doc, spans: list[Span], events: list[int], k: int, direction: int, marks: _Marks, *,
                   over_values: bool = True) -> list[int]:
        """Events listed with ``spans[events[k]]`` (before it for direction -1, after it for 1): of a compatible
        label, with only commas and conjunctions between (and the tokens of ``narrowing``, their qualifiers, and
        with ``over_values`` their values)."""
        out: list[int] = []
        current = spans[events[k]]
        group = LABEL_GROUP.get(current.label_)
        # the values of listed mentions stand between them: "systolic BP > 160 mmHg or diastolic BP > 100 mmHg"
        valued = marks.listed if over_values else marks.narrowing
        j = k + direction
        while 0 <= j < len(events):
            other = spans[events[j]]
            gap = doc[other.end:current.start] if direction == -1 else doc[current.end:other.start]
            other_group = LABEL_GROUP.get(other.label_)
            # a term and the examples bracketed after it ("antitumor therapy (e.g., chemotherapy, radiotherapy)
            # within 30 days"): what dates the examples dates the term (not the other way: a word before the
            # term is its own, and Chia draws no link from it into the examples)
            if direction == -1 and _examples_open(gap):
                out.append(events[j])
                current = other
                j += direction
                continue
            # an enumeration may mix kinds ("MI, stroke, CABG or PCI within 6 months"): across kinds, only
            # where commas list the mentions
            if other_group != group and (other_group is None or group is None or not _enumerated(gap)):
                break
            between = [t for t in gap if t.i not in valued]
            # the words right before the later mention may modify it: "blast and/or impact head trauma", or be
            # the untagged head it complements: "acute heart failure or acute exacerbation of chronic heart failure"
            if len(between) > 2 and between[-1].lower_ == "of" and _premodifier(between[-2]) \
                    and between[0].lower_ in ("or", "and", "and/or", "nor"):
                between.pop()
            # ... but another time or status word does not ("history of learning disability or current ADHD")
            while len(between) > 1 and _premodifier(between[-1]) and between[-1].i not in marks.times \
                    and between[0].lower_ in COORDINATION:
                between.pop()
            # listed ("MI, stroke or angina") or restated in brackets ("percutaneous coronary intervention (PCI)")
            if len(between) > 3 or not all(t.lower_ in COORDINATION or t.text in BRACKETS for t in between):
                break
            out.append(events[j])
            current = other
            j += direction
        return out


def _examples_open(gap: Span) -> bool:
    """Whether the words between a term and the next mention open a bracket of its examples: "(", "(e.g.,",
    "(such as", "(including"."""
    words = [t.lower_ for t in gap]
    return bool(words) and words[0] in ("(", "[") and all(w in EXAMPLE_LEAD for w in words[1:])


def _enumerated(gap: Span) -> bool:
    """Whether the words between two mentions list them with a comma ("MI, CABG", "stroke, or PCI")."""
    return any(t.text == "," for t in gap)


def _qualifier_tokens(doc: Doc, group: list[tuple[Span, dict[str, Any]]]) -> set[int]:
    """Indices of the tokens of the qualifiers the context found for the mentions of ``group``."""
    out: set[int] = set()
    for _, info in group:
        for item in info.get("qualifiers") or ():
            span = doc.char_span(item["start"], item["end"], alignment_mode="expand")
            if span is not None:
                out.update(range(span.start, span.end))
    return out


def _listed(doc: Doc, before: Span, after: Span) -> bool:
    between = doc[before.end:after.start]
    return len(between) <= 3 and all(t.lower_ in COORDINATION or t.text in BRACKETS for t in between)


def _duration_window(value: Optional[dict[str, Any]], text: str) -> Optional[dict[str, Any]]:
    """The time window a one-sided comparison of a duration makes ("< 3 months": within the past 3 months,
    "> 6 months": at least 6 months ago), or None for any other value."""
    if not value or value.get("operator") not in DURATION_BOUND or _ONE_CAPITAL_UNIT.search(text):
        return None  # "> 6D" is diopters
    amount = value.get("low") if value.get("low") is not None else value.get("high")
    found = duration_of(amount, value.get("unit")) if amount is not None else None
    if found is None:
        return None
    days, iso = found
    return Window(duration_days=days, iso8601=iso, direction="past", bound=DURATION_BOUND[value["operator"]],
                  text=text).model_dump()


def _without_brackets_of(tokens: list[Any]) -> list[Any]:
    """``tokens`` less the brackets that now hold only conjunctions ("current ( or ) condition" once the time
    words are taken out)."""
    out: list[Any] = []
    for token in tokens:
        if token.text in (")", "]"):
            opening = next((j for j in range(len(out) - 1, -1, -1) if out[j].text in ("(", "[")), None)
            if opening is not None and all(t.lower_ in COORDINATION for t in out[opening + 1:]):
                del out[opening:]
                continue
        out.append(token)
    return out


#: words that cannot modify the mention after them: they open a clause or a complement
NOT_PREMODIFIERS = frozenset("""who whom whose which that with without for in of to is are was were has have had be been
    being not no due after before within during than on at by from as if when unless except excluding including must
    should will would may can could and or nor but then also""".split())


def _premodifier(token: Any) -> bool:
    """Whether ``token`` may be a word of the noun phrase of the mention after it ("impact head trauma")."""
    return token.is_alpha and token.is_lower and token.lower_ not in NOT_PREMODIFIERS and token.lower_ not in COORDINATION


def _dated_with(doc: Doc, before: Span, event: Span) -> bool:
    """Whether a window on ``event`` dates ``before`` too: ``event`` is what the condition ``before`` is of
    ("acute exacerbation of chronic heart failure"), or a lone participle that says what happened to it
    ("malignancy diagnosed or treated")."""
    between = [t.lower_ for t in doc[before.end:event.start]]
    if between == ["of"]:
        return LABEL_GROUP.get(before.label_) == LABEL_GROUP.get(event.label_) == "condition"
    return len(event) == 1 and bool(PARTICIPLE.fullmatch(event[0].lower_)) and 0 < len(between) <= 3 \
        and all(t in COORDINATION or PARTICIPLE.fullmatch(t) for t in between) and any(PARTICIPLE.fullmatch(t) for t in between)


def _complement(doc: Doc, head: Span, other: Span) -> bool:
    """Whether ``other`` is what ``head`` is for or with ("chemotherapy for prostate cancer", "treatment with
    aminosides", "use of tobacco products other than cigarettes")."""
    between = [t.lower_ for t in doc[head.end:other.start]]
    if not 0 < len(between) <= 3 or any(t in CLAUSE_BREAKS for t in between):
        return False
    if between[0] in ELABORATION_WORDS or " ".join(between[:2]) in ELABORATION_WORDS:
        return True  # "malignancy including leukemia and lymphoma", of any label
    return head.label_ in ("DRUG", "PROCEDURE") and between[0] in COMPLEMENT_WORDS


def generic_treatment_words(text: str) -> bool:
    """Whether the words of a mention name treatment in general ("prior treatment", "systemic therapy", "any
    medication"), not one treatment."""
    words = [w for w in re.findall(r"[^\W_]+(?:-[^\W_]+)*", text.lower()) if w not in GENERIC_SKIP]
    return bool(words) and all(w in GENERIC_TREATMENT for w in words)


def _depths(doc: Doc, start: int, end: int) -> list[int]:
    """Bracket depth at each token from ``start`` to ``end`` (inclusive), counted from ``start``."""
    out: list[int] = []
    depth = 0
    for token in doc[start:end + 1]:
        if token.text in (")", "]"):
            depth = max(0, depth - 1)
        out.append(depth)
        if token.text in ("(", "["):
            depth += 1
    return out


def _status_of(span: Span) -> Optional[str]:
    """"historical" for a status word about the past ("history of", "prior"), else None."""
    first = span[0].lower_
    return "historical" if first in PAST_STATUS else None


@Language.factory(
    "criteria_linker",
    assigns=["doc._.entity_data", "doc.ents"],
    requires=["doc.ents", "token.is_sent_start"],
    default_config={"max_gap": 6},
)
def make_criteria_linker(nlp: Language, name: str, max_gap: int) -> CriteriaLinker:
    """Factory for ``nlp.add_pipe("criteria_linker")``."""
    return CriteriaLinker(nlp, name, max_gap=max_gap)
