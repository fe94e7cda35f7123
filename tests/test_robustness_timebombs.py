"""Crashes and time/memory bombs found in other modules while testing batch robustness.

Each test states what should hold and is marked ``xfail(strict=True)`` with the
module at fault, so it turns into a failure (XPASS) the day the module is fixed
and the marker can go. Timing tests compare the time for an input of size n and
4n: linear work grows about 4x, quadratic work 16x; the bound is 8x.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from typing import Any, Callable

import pytest

import criteria_nlp
from criteria_nlp.pipeline import blank

H = "Inclusion Criteria:\n- "

pytestmark = pytest.mark.slow


def _seconds(run: Callable[[str], Any], text: str) -> float:
    started = time.perf_counter()
    run(text)
    return time.perf_counter() - started


def _assert_linear(run: Callable[[str], Any], make: Callable[[int], str], n: int) -> None:
    run(make(10))  # warm caches
    small = min(_seconds(run, make(n)) for _ in range(2))
    large = _seconds(run, make(4 * n))
    assert large < 8 * small + 0.5, f"n={n}: {small:.2f} s, 4n: {large:.2f} s ({large / small:.1f}x)"


@pytest.mark.xfail(
    strict=True,
    reason="tokenizer.py (spaCy Tokenizer with our affix rules): every suffix search scans the whole remaining "
    "whitespace-free string, so a run of punctuation is quadratic; 20,000 '(' or ';' take about 2 minutes",
)
@pytest.mark.parametrize("char", ["(", ";"])
def test_robustness_timebombs_tokenizer_punctuation_runs(char: str) -> None:
    nlp = blank()
    _assert_linear(nlp.make_doc, lambda n: "- " + char * n, 1000)


@pytest.mark.xfail(
    strict=True,
    reason="abbreviations.py (scispaCy AbbreviationDetector): quadratic in the number of bracketed groups; "
    "7,000 '(1) ' (28,000 characters) take about 80 s",
)
def test_robustness_timebombs_bracketed_groups(analyzer: Any) -> None:
    _assert_linear(analyzer, lambda n: H + "(1) " * n, 300)


@pytest.mark.xfail(
    strict=True,
    reason="linker.py (_value_target looks at every entity for every value): quadratic in values x entities; "
    "'10 mg/dL ' x 5,000 takes about 15 s, '1 - 2 - ' x 5,000 about 45 s",
)
@pytest.mark.parametrize("piece", ["10 mg/dL ", "1 - 2 - "])
def test_robustness_timebombs_many_values(analyzer: Any, piece: str) -> None:
    _assert_linear(analyzer, lambda n: H + piece * n, 800)


@pytest.mark.xfail(
    strict=True,
    reason="context.py (medspaCy ConText: ContextGraph.update_scopes/limit_scope compares every pair of "
    "modifiers): quadratic in the number of cues in one criterion; 'no history of ' x 5,000 takes about 11 s",
)
def test_robustness_timebombs_many_context_cues(analyzer: Any) -> None:
    _assert_linear(analyzer, lambda n: H + "no history of " * n + "stroke", 400)


@pytest.mark.xfail(
    strict=True,
    reason="quality.py (_check_computable scans every rule for every criterion) and TrialAnalysis.criterion "
    "(a linear search, called per rule): quadratic in the number of criteria; 20,000 numbered nested list "
    "items take minutes",
)
def test_robustness_timebombs_many_nested_items(analyzer: Any) -> None:
    _assert_linear(analyzer, lambda n: "Inclusion Criteria:\n" + "".join(f"{'  ' * (i % 40)}{i}. a\n" for i in range(n)), 1000)


@pytest.mark.xfail(
    strict=True,
    reason="quality.py (spelling: suggest/_edits1 build every edit of a word, each a copy of it): memory is "
    "quadratic in the length of one word; a 100,000-character word took 24 GB and was killed by the kernel",
)
def test_robustness_timebombs_long_word_memory(analyzer: Any) -> None:
    analyzer(H + "a" * 50)  # builds the speller once, outside the measurement
    peaks = []
    for n in (500, 2000):
        tracemalloc.start()
        try:
            analyzer(H + "a" * n)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < 8 * peaks[0] + 5 * 2**20, f"peak {peaks[0] >> 20} MiB for 500 characters, {peaks[1] >> 20} MiB for 2,000"


@pytest.mark.xfail(
    strict=True,
    raises=UnicodeEncodeError,
    reason="analyzer.py / read (plain text and JSON readers keep lone surrogates, e.g. from a JSON '\\ud800' "
    "escape): spaCy's tokenizer raises UnicodeEncodeError instead of the text being cleaned or a coded error",
)
def test_robustness_timebombs_lone_surrogate() -> None:
    analysis = criteria_nlp.analyze("Inclusion Criteria:\n- Age \ud800 18 years or older")
    assert analysis.criteria


@pytest.mark.xfail(
    strict=True,
    raises=ValueError,
    reason="pipeline.py / analyzer.py: spaCy's nlp.max_length (1,000,000 characters) refuses a 2 MB eligibility "
    "text with E088; none of our components needs that limit",
)
def test_robustness_timebombs_two_megabytes() -> None:
    text = "Inclusion Criteria:\n" + "".join(f"- Hemoglobin above {i % 15} g/dL within {i % 12 + 1} months\n" for i in range(50_000))
    assert len(text) > 2_000_000
    analysis = criteria_nlp.analyze(text)
    assert len(analysis.criteria) > 1000


@pytest.mark.xfail(
    strict=True,
    raises=TypeError,
    reason="extensions.py + medspaCy: medspaCy registers global srsly msgpack decoders that turn every dict with "
    "a 'section' key (our Criterion dicts in doc._.criteria) into a medspaCy Section, so Doc.from_bytes fails; "
    "this breaks Analyzer.pipe(n_process>1) (spaCy ships docs between processes as bytes)",
)
def test_robustness_timebombs_doc_bytes_round_trip(analyzer: Any) -> None:
    from spacy.tokens import Doc

    doc = analyzer(H + "Age 18 years or older").doc
    restored = Doc(analyzer.nlp.vocab).from_bytes(doc.to_bytes())
    assert restored._.criteria == doc._.criteria


PIPE_SCRIPT = """
import warnings
warnings.simplefilter("ignore")
import criteria_nlp
analyzer = criteria_nlp.Analyzer()
texts = ["Inclusion Criteria:\\n- Age 18 years or older\\nExclusion Criteria:\\n- Pregnancy"] * 8
one = [a.to_dict() for a in analyzer.pipe(texts)]
two = [a.to_dict() for a in analyzer.pipe(texts, n_process=2, batch_size=2)]
assert one == two
print("ok")
"""


@pytest.mark.xfail(
    strict=True,
    reason="analyzer.py Analyzer.pipe(n_process=2) (spaCy multiprocessing): the parent cannot rebuild the docs "
    "(see test_robustness_timebombs_doc_bytes_round_trip) and spaCy then hangs joining its workers; "
    "criteria_nlp.batch uses its own worker pool instead",
)
def test_robustness_timebombs_analyzer_pipe_two_processes() -> None:
    try:
        result = subprocess.run([sys.executable, "-c", PIPE_SCRIPT], capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("Analyzer.pipe(n_process=2) did not finish in 90 s")
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
