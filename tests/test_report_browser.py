"""The HTML report in a real headless browser (Debian's chromium driven by Playwright): it renders, offline,
opening with its summary and plots (inline SVG of non-zero size), and runs none of the records' markup.

Skipped where the ``playwright`` package or ``/usr/bin/chromium`` is absent (``.ci/run`` installs
chromium; no browser is ever downloaded). Set ``CRITERIA_NLP_ARTIFACTS`` to a folder to keep the
full-page screenshot.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from criteria_nlp import Analyzer, Trial
from criteria_nlp.report import write_report

pytestmark = pytest.mark.slow

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TRIALS = ["NCT05921058", "NCT04184258", "NCT03219801", "IR.KUMS.REC.1400.198", "NCT00659217"]
HOSTILE = "<script>alert(1)</script>"
PATIENT = Path(__file__).resolve().parent / "fixtures" / "patients" / "lupus_candidate.json"


class Browser:
    """One page of a fresh chromium profile that records console errors, page errors, dialogs and
    every request that is not for a file:// URL (those are aborted)."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        context.route("**/*", self._route)
        context.on("request", self._request)
        self.page = context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def _request(self, request: Any) -> None:
        if not request.url.startswith("file://"):
            self.requests.append(request.url)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path) -> Any:
        self.errors.clear()
        self.requests.clear()
        self.dialogs.clear()
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        return self.page


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("needs the playwright package (pip install -e '.[dev]')")
    if not CHROMIUM.is_file():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=ARGS, viewport={"width": 1280, "height": 900}, offline=True,
        )
        try:
            yield Browser(context)
        finally:
            context.close()


def test_report_browser_renders_the_seeds_offline(browser: Browser, analyzer: Analyzer, tmp_path: Path) -> None:
    analyses = [a for a in analyzer.analyze_sources([SEEDS]) if not isinstance(a, Exception)]
    assert [a.trial.id for a in analyses] == TRIALS
    page = browser.open(write_report(analyses, tmp_path / "report.html"))

    assert page.title() == "Eligibility criteria of 5 trials"
    headings = page.locator("article.trial > header > h2")
    assert headings.count() == 5
    for heading, trial in zip(headings.all(), TRIALS):
        assert heading.is_visible() and heading.inner_text().startswith(trial)
    assert page.locator("table.comparison tbody tr").count() > 10
    assert page.locator("table.comparison caption").is_visible()
    assert page.locator("nav.toc a").count() == 8
    marks = page.locator("article.trial ol.criteria-list mark.ent")
    assert marks.count() == sum(len(a.entities) for a in analyses)
    for mark in marks.all()[:25]:
        box = mark.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0
    negated = page.locator("article.trial ol.criteria-list mark.ctx-negated")
    assert negated.count() == sum(e.negated for a in analyses for e in a.entities) > 0
    assert negated.first.is_visible()
    assert page.locator("table.rules tbody tr.rule").count() == sum(len(a.rules) for a in analyses)
    assert page.locator("table.rules tr.criterion-group").first.is_visible()
    assert page.locator("table.issues .sev-warning").count() > 0
    assert page.locator("footer").inner_text().startswith("Generated by criteria_nlp")
    assert page.locator("script").count() == 0
    check_summary_and_plots(page, analyses)

    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    artifacts = os.environ.get("CRITERIA_NLP_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy2(screenshot, Path(artifacts) / "report_seeds.png")
    assert browser.errors == [] and browser.requests == [] and browser.dialogs == []


def visible_box(locator: Any) -> dict[str, float]:
    """The box of a visible element of non-zero size."""
    assert locator.is_visible()
    box = locator.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0, box
    return box  # type: ignore[no-any-return]


def check_summary_and_plots(page: Any, analyses: list[Any]) -> None:
    """The page opens with the summary (one row per trial, in order, within the first screen) and draws its
    three plots as SVG of non-zero size, with the marks each needs."""
    from criteria_nlp.report import trial_summary

    summaries = [trial_summary(a, i) for i, a in enumerate(analyses, start=1)]
    trials = [s.trial for s in summaries]
    assert visible_box(page.locator("#summary-heading"))["y"] < 900  # seen without scrolling
    rows = page.locator("table.summary-table tbody tr")
    assert [r.locator("th").inner_text() for r in rows.all()] == trials
    for row in rows.all():
        visible_box(row)
    assert "SELENA-SLEDAI ≥ 6" in rows.nth(trials.index("NCT04184258")).inner_text()
    assert rows.nth(trials.index("IR.KUMS.REC.1400.198")).locator("td").first.inner_text() == "no limit"
    visible_box(page.locator("table.summary-table caption"))

    plots = page.locator("svg.plot")
    assert plots.count() == 3
    for ident, name in (("plot-ages", "Age ranges of the trials (registry)"),
                        ("plot-limits", "Lab and score limits across the trials"),
                        ("plot-themes", "Exclusion themes per trial")):
        visible_box(page.locator(f"svg#{ident}"))
        assert page.get_by_role("img", name=name).count() == 1  # <title> gives it its accessible name
        assert page.locator(f"svg#{ident} desc").count() == 1
    ages = page.locator("#plot-ages g.trial-ages")
    assert ages.count() == len(summaries)
    for group, trial in zip(ages.all(), trials):
        assert group.locator("a title").text_content() == trial
        visible_box(group.locator("text").last)
    bars = page.locator("#plot-ages rect.bar")
    assert bars.count() == len(summaries) and all(visible_box(b)["width"] > 20 for b in bars.all())
    assert page.locator("#plot-ages polygon").count() == 2  # the IRCT record's "No age limit", both sides
    limits = page.locator("#plot-limits g.trial-limit")
    assert limits.count() == sum(len(s.thresholds) for s in summaries) > 0
    for rect in page.locator("#plot-limits rect.allowed").all():
        visible_box(rect)
    circles = page.locator("#plot-themes circle")
    assert circles.count() == sum(len(s.themes) for s in summaries) > 0
    for circle in circles.all():
        visible_box(circle)
    assert page.locator("#plot-themes g.theme-row").count() == len({t for s in summaries for t in s.themes})
    assert page.locator("figure.plot figcaption").count() == 3


def test_report_browser_shows_a_patients_verdicts(browser: Browser, analyzer: Analyzer, tmp_path: Path) -> None:
    analyses = [a for a in analyzer.analyze_sources([SEEDS]) if not isinstance(a, Exception)]
    page = browser.open(write_report(analyses, tmp_path / "patient.html", patient=PATIENT))
    visible_box(page.locator("#patient-heading"))
    rows = page.locator("table.patient-table tbody tr")
    assert [r.locator("th").inner_text() for r in rows.all()] == TRIALS
    verdicts = [r.locator(".verdict").inner_text() for r in rows.all()]
    assert verdicts == ["eligible", "eligible", "ineligible", "ineligible", "indeterminate"]
    for row in rows.all():
        visible_box(row.locator(".verdict"))
    assert "L006" in rows.nth(2).inner_text()
    review = rows.nth(2).locator("details")
    review.locator("summary").click()  # opens without script
    assert review.locator("li").first.is_visible()
    assert page.locator("table.summary-table .verdict").count() == 5
    check_summary_and_plots(page, analyses)
    assert browser.errors == [] and browser.requests == [] and browser.dialogs == []


def test_report_browser_runs_no_hostile_markup(browser: Browser, analyzer: Analyzer, tmp_path: Path) -> None:
    text = (f"Inclusion Criteria:\n\n* Systemic lupus erythematosus {HOSTILE}\n\nExclusion Criteria:\n\n"
            "* No pregnancy <img src=x onerror=alert(2)>\n")
    trial = Trial(id=f"NCT0\"><img src=x onerror=alert(3)>", title=HOSTILE, conditions=[HOSTILE],
                  eligibility_text=text)
    page = browser.open(write_report([analyzer(trial)], tmp_path / "hostile.html",
                                     patient={"id": HOSTILE, "sex": "female", "age": 30, "as_of": "2025-01-02"}))
    page.wait_for_timeout(200)
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0
    assert HOSTILE in page.locator("article.trial > header > h2").inner_text()
    assert page.locator("#patient-heading").inner_text() == f"Patient {HOSTILE}"
    assert page.locator("table.summary-table tbody th").inner_text() == trial.id
    assert page.locator("#plot-ages a title").text_content() == trial.id  # in the SVG too, as text
    assert page.locator("#plot-ages desc").text_content() == f"{trial.id}: not stated"
    criterion = page.locator("ol.criteria-list .ctext").first  # its text, without the entity labels and badges
    assert HOSTILE in criterion.evaluate("e => { const c = e.cloneNode(true); "
                                         "c.querySelectorAll('.ent-label, .ctx').forEach(x => x.remove()); "
                                         "return c.textContent; }")
    assert browser.dialogs == [] and browser.errors == [] and browser.requests == []
