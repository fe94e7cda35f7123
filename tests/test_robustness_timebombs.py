"""Crashes and time/memory bombs found in other modules while testing batch robustness.

Each test states what must hold; they were found failing (quadratic tokenizer
suffix search, scispaCy's bracket matcher, the linker's scans, ConText's pairwise
cue comparison, lint's per-criterion scans and spelling edits, lone surrogates,
spaCy's max_length, medspaCy's msgpack hooks on a "section" key) and fixed.
Timing tests compare the time for an input of size n and
4n: linear work grows about 4x, quadratic work 16x; the bound is 8x.
"""

from __future__ import annotations

import gc
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
    # the work's own growth, not the collector's: a full-generation pass over a test session's heap
    # can take seconds and lands in whichever run triggers it
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        run(text)
        return time.perf_counter() - started
    finally:
        gc.enable()


def _assert_linear(run: Callable[[str], Any], make: Callable[[int], str], n: int) -> None:
    run(make(10))  # warm caches
    small = min(_seconds(run, make(n)) for _ in range(2))
    large = min(_seconds(run, make(4 * n)) for _ in range(2))
    assert large < 8 * small + 0.5, f"n={n}: {small:.2f} s, 4n: {large:.2f} s ({large / small:.1f}x)"


@pytest.mark.parametrize("char", ["(", ";"])
def test_robustness_timebombs_tokenizer_punctuation_runs(char: str) -> None:
    nlp = blank()
    _assert_linear(nlp.make_doc, lambda n: "- " + char * n, 1000)


def test_robustness_timebombs_bracketed_groups(analyzer: Any) -> None:
    _assert_linear(analyzer, lambda n: H + "(1) " * n, 300)


@pytest.mark.parametrize("piece", ["10 mg/dL ", "1 - 2 - "])
def test_robustness_timebombs_many_values(analyzer: Any, piece: str) -> None:
    _assert_linear(analyzer, lambda n: H + piece * n, 800)


def test_robustness_timebombs_many_context_cues(analyzer: Any) -> None:
    _assert_linear(analyzer, lambda n: H + "no history of " * n + "stroke", 400)


def test_robustness_timebombs_many_nested_items(analyzer: Any) -> None:
    _assert_linear(analyzer, lambda n: "Inclusion Criteria:\n" + "".join(f"{'  ' * (i % 40)}{i}. a\n" for i in range(n)), 1000)


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


def test_robustness_timebombs_lone_surrogate() -> None:
    analysis = criteria_nlp.analyze("Inclusion Criteria:\n- Age \ud800 18 years or older")
    assert analysis.criteria


def test_robustness_timebombs_two_megabytes() -> None:
    text = "Inclusion Criteria:\n" + "".join(f"- Hemoglobin above {i % 15} g/dL within {i % 12 + 1} months\n" for i in range(50_000))
    assert len(text) > 2_000_000
    analysis = criteria_nlp.analyze(text)
    # 60 distinct criteria, each repeated: kept once, the repeats reported as duplicates
    assert len(analysis.criteria) == 60 and len(analysis.criteria) + len(analysis.duplicates) == 50_000


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


def test_robustness_timebombs_analyzer_pipe_two_processes() -> None:
    try:
        result = subprocess.run([sys.executable, "-c", PIPE_SCRIPT], capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("Analyzer.pipe(n_process=2) did not finish in 90 s")
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
