"""report_html: one self-contained page of the five seed trials, every record string escaped."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

import criteria_nlp
from criteria_nlp import Analyzer, Entity, Trial, TrialAnalysis
from criteria_nlp.schema import Age, Concept, Criterion, Eligibility, Rule
from criteria_nlp.display import marked_text_html
from criteria_nlp.errors import PatientError
from criteria_nlp.report import (PLOT_TRIALS, REVIEW_THEME, age_range, exclusion_theme, registry_open_ages, report_html, trial_summary,
                                 write_report)

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
TRIALS = ["NCT05921058", "NCT04184258", "NCT03219801", "IR.KUMS.REC.1400.198", "NCT00659217"]
WHEN = datetime(2025, 1, 2, 3, 4, tzinfo=timezone.utc)
HOSTILE = "<script>alert(1)</script>"


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]

    def with_class(self, name: str, css: str) -> list[dict[str, str | None]]:
        return [a for a in self.named(name) if css in (a.get("class") or "").split()]


@pytest.fixture(scope="module")
def analyses(analyzer: Analyzer) -> list[TrialAnalysis]:
    results = list(analyzer.analyze_sources([SEEDS]))
    assert all(isinstance(r, TrialAnalysis) for r in results)
    return results  # type: ignore[return-value]


@pytest.fixture(scope="module")
def page(analyses: list[TrialAnalysis]) -> str:
    return report_html(analyses, generated=WHEN)


@pytest.fixture(scope="module")
def tags(page: str) -> Tags:
    return Tags(page)


def test_report_shows_every_trial_with_contents(page: str, tags: Tags, analyses: list[TrialAnalysis]) -> None:
    assert [a["id"] for a in tags.named("article")] == [f"trial-{i}" for i in range(1, 6)]
    links = [a.get("href") for a in tags.named("a")]
    for i, trial in enumerate(TRIALS, start=1):
        assert f"#trial-{i}" in links and trial in page
    assert "<title>Eligibility criteria of 5 trials</title>" in page
    # registry fields of the header
    assert "ClinicalTrials.gov" in page and "IRCT" in page and "PHASE1, PHASE2" in page and "COMPLETED" in page
    assert "<dt>Minimum age</dt><dd>18 years</dd>" in page and "<dt>Healthy volunteers</dt><dd>yes</dd>" in page
    assert "<dt>Enrollment</dt><dd>15</dd>" in page and "Systemic Lupus Erythematosus" in page


def test_report_comparison_table(page: str, tags: Tags, analyses: list[TrialAnalysis]) -> None:
    assert len(tags.with_class("table", "comparison")) == 1
    frame = criteria_nlp.compare(analyses)
    table = page[page.index("<table class=\"comparison\">"):page.index("</table>", page.index("class=\"comparison\""))]
    assert "<caption>Eligibility compared: 5 trials," in table
    assert table.count("<tr><th scope=\"row\">") == len(frame)
    assert "age (registry)" in table and "18-60 y" in table and "&gt;= 4 of 11" in table  # escaped like any record text


def test_report_single_trial_has_no_comparison(analyses: list[TrialAnalysis]) -> None:
    page = report_html(analyses[:1], title="One trial")
    assert "class=\"comparison\"" not in page and "<nav" not in page
    assert "<title>One trial</title>" in page and "NCT05921058" in page


def test_report_marks_entities_and_their_context(page: str, tags: Tags, analyses: list[TrialAnalysis]) -> None:
    entities = [e for a in analyses for e in a.entities]
    marks = [m for m in tags.with_class("mark", "ent") if m.get("data-label")]  # the legend's have none
    assert len(marks) == len(entities)
    for context in ("negated", "historical", "hypothetical", "excepted"):
        marked = [m for m in marks if f"ctx-{context}" in (m["class"] or "").split()]
        assert len(marked) == sum(getattr(e, context) for e in entities) > 0
        assert all(context in (m["title"] or "") for m in marked)
        # the legend (one per trial) explains every context
        assert len(tags.with_class("span", f"ctx-{context}")) == len(marked) + 5
    assert page.count("<span class=\"legend-title\">Context:</span>") == 5
    assert "<span class=\"ctx ctx-negated\">negated</span>" in page
    assert "serious infection" in page  # NCT03219801: "No serious infection or acute hemorrhage"


def test_report_rules_table(page: str, tags: Tags, analyses: list[TrialAnalysis]) -> None:
    rules = [r for a in analyses for r in a.rules]
    assert len(tags.with_class("table", "rules")) == 5
    assert len(tags.with_class("tr", "rule")) == len(rules)
    muted = tags.with_class("tr", "not-computable")
    assert len(muted) == sum(not r.computable for r in rules) > 0
    header = "".join(f"<th scope=\"col\">{c}</th>" for c in ("mention", "category", "polarity", "concept", "operator",
                                                              "low", "high", "unit", "window", "computable"))
    assert page.count(header) == 5
    assert "systemic lupus erythematosus (SLE)" in page and "ICD-10-CM M32.9" in page
    assert "<td class=\"num\">2 × ULN</td>" in page and "<td class=\"num\">4 of 11</td>" in page
    # rules link to their criterion
    assert "<a href=\"#trial-3-c3\">c3</a>" in page and any(a.get("id") == "trial-3-c3" for a in tags.named("li"))


def rules_table(page: str, trial: int) -> str:
    start = page.index("<table class=\"rules\">", page.index(f"<article class=\"trial\" id=\"trial-{trial}\">"))
    return page[start:page.index("</table>", start)]


def test_report_rules_are_grouped_under_their_criterion(page: str, analyses: list[TrialAnalysis]) -> None:
    for index, analysis in enumerate(analyses, start=1):
        table = rules_table(page, index)
        groups = {r.criterion for r in analysis.rules}
        assert table.count("<tbody class=\"criterion-rules\">") == len(groups)
        assert table.count("<tr class=\"criterion-group\">") == len(groups)
        for criterion in analysis.criteria:
            if criterion.id in groups:  # the criterion's text once, however many rules it has
                assert table.count(f"<span class=\"group-text\">{html.escape(criterion.text)}</span>") == 1
    # NCT04184258 c10 ("chronic infections, including hepatitis B/C, tuberculosis, HIV") has five rules
    table = rules_table(page, 2)
    group = table[table.index("<a href=\"#trial-2-c10\">c10</a>"):]
    group = group[:group.index("</tbody>")]
    assert group.count("<tr class=\"rule") == 5 and group.count("chronic infections, including hepatitis B/C") == 1
    assert "<td class=\"text\">HIV</td>" in group  # each rule shows the mention it was read from
    # the registry's fields come first, as a group of their own
    registry = table[table.index("<tbody"):table.index("</tbody>")]
    assert "the registry's own fields" in registry and "Minimum age: 18 years" in registry


def test_report_issues_with_counts_and_share(page: str, tags: Tags, analyses: list[TrialAnalysis]) -> None:
    issues = [i for a in analyses for i in a.issues]
    assert len(tags.with_class("table", "issues")) == 5
    rows = [t for t in tags.named("tr") if (t.get("class") or "").startswith("issue-")]
    assert len(rows) == len(issues)
    for severity in ("warning", "info"):
        assert len(tags.with_class("tr", f"issue-{severity}")) == sum(i.severity == severity for i in issues) > 0
    assert "L015" in page and "did you mean" in page
    assert "<strong>100%</strong> of criteria computable" in page and "<strong>82%</strong>" in page


def test_report_lints_an_analysis_read_back_without_issues(analyses: list[TrialAnalysis]) -> None:
    bare = TrialAnalysis.from_dict({**analyses[2].to_dict(), "issues": []})
    page = report_html([bare])
    assert "L016" in page and "issue-warning" in page


def test_report_footer_names_version_and_time(page: str) -> None:
    footer = page[page.index("<footer>"):]
    assert f"criteria_nlp {criteria_nlp.__version__}" in footer and "2025-01-02 03:04 UTC" in footer


def test_report_escapes_hostile_text(analyzer: Analyzer) -> None:
    image = "<img src=x onerror=alert(2)>"
    text = (f"Inclusion Criteria:\n\n* Systemic lupus erythematosus {HOSTILE}\n\nExclusion Criteria:\n\n"
            f"* No pregnancy {image}\n")
    trial = Trial(id=f"NCT0\"><b onmouseover=alert(3)>", title=HOSTILE, conditions=[HOSTILE], status=HOSTILE,
                  phases=[image], source=f"{HOSTILE}.txt", eligibility_text=text)
    analysis = analyzer(trial)
    assert any(HOSTILE in c.text for c in analysis.criteria)
    page = report_html([analysis, analysis], title=HOSTILE)
    tags = Tags(page)
    assert not tags.named("script") and not tags.named("img") and not tags.named("b")
    assert not [k for _, attrs in tags.tags for k in attrs if k.startswith("on")]
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "NCT0&quot;&gt;&lt;b onmouseover=alert(3)&gt;" in page


def test_report_references_no_external_resource(page: str, tags: Tags) -> None:
    for _, attrs in tags.tags:
        for name in ("src", "href", "srcset", "action", "poster", "data"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (name, value)
    assert not tags.named("script") and not tags.named("link") and not tags.named("iframe")
    assert "<script src" not in page and "@import" not in page and not re.search(r"url\(\s*['\"]?https?:", page)
    assert not re.search(r"(src|href)\s*=\s*['\"]?\s*https?://", page)
    csp = [a for a in tags.named("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


def test_report_write_report_creates_the_file(analyses: list[TrialAnalysis], tmp_path: Path) -> None:
    path = write_report(analyses[:2], tmp_path / "out" / "report.html", title="Two")
    assert path == tmp_path / "out" / "report.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<title>Two</title>" in text and "NCT04184258" in text
    assert criteria_nlp.report_html is report_html and criteria_nlp.write_report is write_report


def entity(start: int, end: int, label: str = "CONDITION", **flags: bool) -> Entity:
    return Entity(id=f"e{start}", criterion="c1", label=label, text="", start=start, end=end, **flags)


def test_report_marked_text_nests_and_skips_crossing_spans() -> None:
    text = "AB <i> CD EF"
    rendered = marked_text_html(text, [entity(10, 20), entity(0, 6, family=True), entity(3, 6, "VALUE"),
                                       entity(5, 9), entity(7, 9, negated=True)], offset=0)
    tags = Tags(rendered)
    marks = tags.named("mark")
    assert [m["data-label"] for m in marks] == ["CONDITION", "VALUE", "CONDITION"]  # crossing and outside left out
    assert "ctx-family" in (marks[0]["class"] or "") and "ctx-negated" in (marks[2]["class"] or "")
    assert "&lt;i&gt;" in rendered and not tags.named("i")
    plain = re.sub(r"<span class=\"(ent-label|ctx[^\"]*)\">[^<]*</span>", "", rendered)
    assert re.sub(r"<[^>]+>", "", plain) == "AB &lt;i&gt; CD EF"


IRCT_SEED = SEEDS / "003_70eb4ea3a255781a.txt"


def irct_page(tmp_path: Path, age: str | None) -> TrialAnalysis:
    """The IRCT seed with its "Age" field replaced by ``age`` (None: left out), read (not analysed)."""
    lines = IRCT_SEED.read_text(encoding="utf-8").split("\n")
    at = lines.index("Age")
    assert lines[at + 1] == "No age limit"
    lines[at:at + 2] = [] if age is None else ["Age", age]
    path = tmp_path / "irct.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return TrialAnalysis(trial=criteria_nlp.read_trial(path))


def test_report_irct_no_age_limit_is_no_limit(page: str, analyses: list[TrialAnalysis]) -> None:
    irct = analyses[3].trial
    assert irct.registry == "IRCT" and irct.eligibility.minimum_age is None and irct.eligibility.maximum_age is None
    assert registry_open_ages(irct) == {"minimum", "maximum"}
    article = page[page.index("<article class=\"trial\" id=\"trial-4\">"):page.index("<article class=\"trial\" id=\"trial-5\">")]
    assert "<dt>Minimum age</dt><dd>no limit</dd>" in article and "<dt>Maximum age</dt><dd>no limit</dd>" in article
    assert page.count("<dd>no limit</dd>") == 2 and "<dt>Minimum age</dt><dd>not stated</dd>" not in page


def test_report_irct_ages_no_limit_only_where_the_record_says_so(tmp_path: Path) -> None:
    one_sided = irct_page(tmp_path, "From 18 years old")
    assert registry_open_ages(one_sided.trial) == {"maximum"}
    assert "<dt>Minimum age</dt><dd>18 years</dd><dt>Maximum age</dt><dd>no limit</dd>" in report_html([one_sided])
    silent = irct_page(tmp_path, None)  # no "Age" field at all: not stated
    assert registry_open_ages(silent.trial) == frozenset()
    assert "<dt>Minimum age</dt><dd>not stated</dd><dt>Maximum age</dt><dd>not stated</dd>" in report_html([silent])
    stated = irct_page(tmp_path, "No age limit")
    assert registry_open_ages(stated.trial) == {"minimum", "maximum"}
    (tmp_path / "irct.txt").write_text("Age\nFrom 20 years old to 30 years old\n", encoding="utf-8")
    assert registry_open_ages(stated.trial) == frozenset()  # the file no longer holds this record
    (tmp_path / "irct.txt").unlink()
    assert registry_open_ages(stated.trial) == frozenset()  # nor any
    assert "<dt>Minimum age</dt><dd>not stated</dd>" in report_html([stated])
    elsewhere = TrialAnalysis(trial=Trial(id="NCT00000002", registry="ClinicalTrials.gov", source=str(IRCT_SEED)))
    assert registry_open_ages(elsewhere.trial) == frozenset()  # only IRCT pages are read again


# --------------------------------------------------------------------------- the summary

#: what the summary says of each seed: ages, sex, lab and score limits (exclusions marked), computable share
SEED_SUMMARY = {
    "NCT05921058": ("18–60 years", "all", [], "100%"),
    "NCT04184258": ("18–75 years", "all", ["ACR-1997 ≥ 4 of 11", "anti-dsDNA positive", "SELENA-SLEDAI ≥ 6"], "82%"),
    "NCT03219801": ("14–60 years", "all", ["LVEF ≥ 50%", "ALT > 2 × ULN", "serum creatinine > 2 × ULN"], "86%"),
    "IR.KUMS.REC.1400.198": ("no limit", "all", [], "93%"),
    "NCT00659217": ("18–60 years", "all", ["ACR-1997 ≥ 4 of 11", "excludes ALT > 2 × ULN"], "78%"),
}


def test_report_summary_figures_of_the_seeds(analyses: list[TrialAnalysis]) -> None:
    summaries = [trial_summary(a, i) for i, a in enumerate(analyses, start=1)]
    assert [s.trial for s in summaries] == TRIALS
    for summary in summaries:
        ages, sex, limits, share = SEED_SUMMARY[summary.trial]
        assert summary.ages.text == ages and summary.sex == sex
        assert [("excludes " if t.polarity == "exclude" else "") + t.text for t in summary.thresholds] == limits
        assert f"{summary.share:.0%}" == share and summary.share == summary.computable / summary.criteria
        assert ("pregnancy and lactation" in summary.themes) is (summary.trial != "NCT00659217")
    by_id = {s.trial: s for s in summaries}
    sledai = by_id["NCT04184258"].thresholds[2]
    assert (sledai.label, sledai.operator, sledai.low, sledai.scale, sledai.polarity) == ("SELENA-SLEDAI", ">=", 6.0, "",
                                                                                         "require")
    assert (by_id["NCT03219801"].ages.low, by_id["NCT03219801"].ages.high) == (14.0, 60.0)
    irct = by_id["IR.KUMS.REC.1400.198"].ages
    assert (irct.low, irct.high, irct.low_unlimited, irct.high_unlimited) == (None, None, True, True)
    # exclusion themes: the comparison's sections, other conditions by ICD-10-CM chapter, the rest for people
    assert by_id["NCT04184258"].themes["infections"] == ["infection", "hepatitis B", "hepatitis C", "tuberculosis",
                                                         "HIV infection"]
    assert by_id["NCT00659217"].themes["cardiovascular"] == ["CVD", "heart failure", "ACS"]
    assert by_id["IR.KUMS.REC.1400.198"].themes["mental health"] == ["depression"]
    assert list(by_id["NCT03219801"].themes)[-1] == REVIEW_THEME
    assert by_id["NCT03219801"].issue_counts == {"error": 0, "warning": 4, "info": 2}


def test_report_opens_with_the_summary(page: str, tags: Tags) -> None:
    assert page.index("id=\"summary\"") < page.index("id=\"comparison\"") < page.index("<article")
    section = page[page.index("<section id=\"summary\""):page.index("</section>", page.index("id=\"summary\""))]
    assert "<h2 id=\"summary-heading\">Summary</h2>" in section and "<caption>Summary of 5 trial(s)" in section
    rows = section[section.index("<tbody>"):].split("<tr>")[1:]
    assert len(rows) == 5
    for i, (row, trial) in enumerate(zip(rows, TRIALS), start=1):
        assert row.startswith(f"<th scope=\"row\"><a href=\"#trial-{i}\"") and f">{trial}</a>" in row
        ages, _, limits, share = SEED_SUMMARY[trial]
        assert f"<td class=\"ages\">{ages}" in row and f"<strong>{share}</strong>" in row
        for limit in limits:
            assert html.escape(limit.removeprefix("excludes ")) in row
    assert "<span class=\"tag\">excludes</span> ALT &gt; 2 × ULN" in rows[4]
    assert "<span class=\"theme\">infections</span> infection, hepatitis B, hepatitis C, tuberculosis, HIV infection" \
        in rows[1]
    assert "<details><summary><span class=\"theme\">needs manual review</span> 4 criteria</summary>" in rows[2]
    assert "<a href=\"#trial-3-issues\">4 warnings</a>" in rows[2] and "L006</span> ×2 an inclusion criterion" in rows[2]
    assert any(a.get("id") == "trial-3-issues" for a in tags.named("section"))
    assert "<li><a href=\"#summary\">Summary</a></li>" in page


def rule(id: str, category: str, polarity: str, concept: tuple[str, str] | None = None, **fields: object) -> Rule:
    kind = "inclusion" if polarity == "require" else "exclusion"
    return Rule(id=id, criterion=f"c{id[1:]}", kind=kind, category=category, polarity=polarity,  # type: ignore[arg-type]
                concept=Concept(system=concept[0], code=concept[1]) if concept else None,
                text=str(fields.pop("text", f"criterion {id}")), **fields)  # type: ignore[arg-type]


def hand_built() -> TrialAnalysis:
    """A trial with no pipeline behind it: registry ages in two units, and rules written out."""
    trial = Trial(id="NCT00000009", title="Hand-built", eligibility=Eligibility(
        minimum_age=Age.of(6, "months"), maximum_age=Age.of(17, "years"), sex="female"))
    criteria = [Criterion(id=f"c{i}", kind="inclusion" if i < 4 else "exclusion", text=f"criterion r{i}", start=0, end=1)
                for i in range(1, 9)]
    rules = [
        rule("r1", "lab", "require", ("LOINC", "718-7"), operator=">=", low=9.0, unit="g/dL"),
        rule("r2", "score", "require", ("SCORE", "SELENA-SLEDAI"), operator="between", low=4.0, high=12.0),
        rule("r3", "lab", "require", ("LOINC", "777-3"), operator=">=", lln_multiple=1.0, status="history"),
        rule("r4", "lab", "exclude", ("LOINC", "1742-6"), operator=">", uln_multiple=3.0),
        rule("r5", "condition", "exclude", ("ICD-10-CM", "I21.9")),
        rule("r6", "condition", "exclude", ("ICD-10-CM", "F32.A")),
        rule("r7", "condition", "exclude", ("ICD-10-CM", "B20")),
        rule("r8", "other", "exclude", None, computable=False, text="Anything the investigator <b>dislikes</b>"),
    ]
    return TrialAnalysis(trial=trial, criteria=criteria, rules=rules)


def test_report_summary_of_a_hand_built_trial() -> None:
    analysis = hand_built()
    summary = trial_summary(analysis)
    assert summary.ages.text == "6 months–17 years" and summary.ages.low == 0.5 and summary.sex == "female"
    assert [t.text for t in summary.thresholds] == ["hemoglobin ≥ 9 g/dL", "SELENA-SLEDAI 4–12",
                                                    "platelet count ≥ 1 × LLN (history)", "ALT > 3 × ULN"]
    assert [t.scale for t in summary.thresholds] == ["g/dL", "", "× LLN", "× ULN"]
    assert summary.themes == {"laboratory": ["ALT"], "infections": ["HIV infection"], "cardiovascular": ["MI"],
                              "mental health": ["depression"], REVIEW_THEME: ["Anything the investigator <b>dislikes</b>"]}
    assert exclusion_theme(analysis.rules[4]) == "cardiovascular"
    page = report_html([analysis])
    assert "Anything the investigator &lt;b&gt;dislikes&lt;/b&gt;" in page and "<b>" not in page
    assert "<td class=\"ages\">6 months–17 years</td><td>female</td>" in page
    one_sided = TrialAnalysis(trial=Trial(id="NCT00000010", eligibility=Eligibility(minimum_age=Age.of(18, "years"))))
    assert age_range(one_sided).text == "≥ 18 years; maximum not stated"
    assert age_range(one_sided, frozenset({"maximum"})).text == "≥ 18 years; no maximum"
    assert age_range(TrialAnalysis(trial=Trial(id="x"))).text == "not stated"


# --------------------------------------------------------------------------- plots


def svg(page: str, ident: str) -> str:
    start = page.index(f"<svg class=\"plot\" id=\"{ident}\"")
    return page[start:page.index("</svg>", start) + 6]


def test_report_plots_are_inline_svg_with_title_and_desc(page: str, tags: Tags) -> None:
    assert page.index("id=\"summary\"") < page.index("id=\"plots\"") < page.index("id=\"comparison\"")
    assert [s["id"] for s in tags.named("svg")] == ["plot-ages", "plot-limits", "plot-themes"]
    for attrs in tags.named("svg"):
        ident = attrs["id"]
        assert attrs["role"] == "img" and attrs["aria-labelledby"] == f"{ident}-title {ident}-desc"
        assert float(attrs["width"] or 0) > 0 and float(attrs["height"] or 0) > 0
        plot = svg(page, str(ident))
        assert f"<title id=\"{ident}-title\">" in plot and f"<desc id=\"{ident}-desc\">" in plot
    assert [h for h in re.findall(r"<h3>([^<]+)</h3>", page)[:3]] == ["Age ranges", "Lab and score limits",
                                                                       "Exclusion themes"]
    assert len(tags.named("figcaption")) == 3 and "<li><a href=\"#plots\">At a glance</a></li>" in page


def test_report_ages_plot_of_the_seeds(page: str) -> None:
    plot = svg(page, "plot-ages")
    assert plot.count("<g class=\"trial-ages\">") == 5
    assert ("<desc id=\"plot-ages-desc\">NCT05921058: 18–60 years; NCT04184258: 18–75 years; NCT03219801: 14–60 years; "
            "IR.KUMS.REC.1400.198: no limit; NCT00659217: 18–60 years</desc>") in plot
    rows = plot.split("<g class=\"trial-ages\">")[1:]
    for row, trial in zip(rows, TRIALS):
        assert f"<title>{trial}</title>" in row and row.count("<rect class=\"bar\"") == 1
    assert rows[3].count("<polygon class=\"bar\"") == 2  # no limit on either side: both ends open
    assert all("<polygon" not in row for i, row in enumerate(rows) if i != 3)
    # 18 to 60 years on a 0-90 axis: the bars of the same ages have the same geometry
    bars = [re.findall(r"<rect class=\"bar\" x=\"([\d.]+)\" y=\"[\d.]+\" width=\"([\d.]+)\"", row)[0] for row in rows]
    assert bars[0] == bars[4] != bars[1] and bars[0][0] == bars[1][0] != bars[2][0] and ">90</text>" in plot


def test_report_limits_plot_of_the_seeds(page: str, analyses: list[TrialAnalysis]) -> None:
    plot = svg(page, "plot-limits")
    summaries = [trial_summary(a, i) for i, a in enumerate(analyses, start=1)]
    assert plot.count("<g class=\"trial-limit\">") == sum(len(s.thresholds) for s in summaries) == 8
    heads = re.findall(r"<g class=\"limit-head\">.*?class=\"concept\" text-anchor=\"start\">([^<]+)</text>", plot)
    assert heads == ["ACR-1997", "SELENA-SLEDAI", "ALT", "anti-dsDNA", "LVEF", "serum creatinine"]
    assert "NCT04184258: SELENA-SLEDAI ≥ 6" in plot and "scale 0–20 points" in plot and "scale 0–11 points" in plot
    assert "NCT00659217: ALT &gt; 2 × ULN (exclusion)" in plot and plot.count("class=\"limit exclude\"") == 1
    assert ">positive</text>" in plot  # anti-dsDNA: a word, not a number


def test_report_themes_plot_of_the_seeds(page: str, analyses: list[TrialAnalysis]) -> None:
    plot = svg(page, "plot-themes")
    summaries = [trial_summary(a, i) for i, a in enumerate(analyses, start=1)]
    assert plot.count("<circle") == sum(len(s.themes) for s in summaries)
    assert plot.count("<g class=\"theme-row\">") == len({t for s in summaries for t in s.themes})
    assert "NCT04184258, infections: 5 (infection, hepatitis B, hepatitis C, tuberculosis, HIV infection)" in plot
    assert plot.count("class=\"dot review\"") == 3
    for i, trial in enumerate(TRIALS, start=1):
        assert f"<a href=\"#trial-{i}\"><title>{trial}</title>" in plot


def test_report_plots_of_a_hand_built_trial() -> None:
    page = report_html([hand_built()])
    ages = svg(page, "plot-ages")
    assert "NCT00000009: 6 months–17 years" in ages and "<rect class=\"bar\"" in ages
    limits = svg(page, "plot-limits")
    assert limits.count("<g class=\"trial-limit\">") == 4 and "scale 0–10 × ULN" in limits
    assert "platelet count ≥ 1 × LLN (history)</text>" in limits and "SELENA-SLEDAI 4–12" in limits
    assert "scale 0–25 points" in limits and "scale 0–2 × LLN" in limits
    themes = svg(page, "plot-themes")
    assert themes.count("<circle") == 5 and "NCT00000009, needs manual review: 1 (Anything the investigator " \
        "&lt;b&gt;dislikes&lt;/b&gt;)" in themes
    bare = report_html([TrialAnalysis(trial=Trial(id="NCT00000011"))])
    assert "<p class=\"none\">No lab and score limits in this trial.</p>" in bare
    assert "<p class=\"none\">No exclusion themes in this trial.</p>" in bare
    assert "NCT00000011: not stated" in svg(bare, "plot-ages") and ">not stated</text>" in svg(bare, "plot-ages")


def test_report_plots_draw_at_most_plot_trials() -> None:
    many = [TrialAnalysis(trial=Trial(id=f"NCT{i:08d}", eligibility=Eligibility(minimum_age=Age.of(18, "years"))))
            for i in range(PLOT_TRIALS + 1)]
    page = report_html(many)
    assert svg(page, "plot-ages").count("<g class=\"trial-ages\">") == PLOT_TRIALS
    assert f"The plots show the first {PLOT_TRIALS} of {PLOT_TRIALS + 1} trials" in page
    assert page.count("<th scope=\"row\"><a href=\"#trial-") == PLOT_TRIALS + 1  # the summary lists them all
    assert "class=\"bar unstated\"" in page  # no maximum stated: a pale dashed bar


# --------------------------------------------------------------------------- the patient

PATIENT = Path(__file__).resolve().parent / "fixtures" / "patients" / "lupus_candidate.json"


@pytest.fixture(scope="module")
def patient_page(analyses: list[TrialAnalysis]) -> str:
    return report_html(analyses, generated=WHEN, patient=PATIENT)


def patient_rows(page: str) -> list[str]:
    section = page[page.index("<section id=\"patient\""):]
    section = section[:section.index("</section>")]
    return section.split("<tr id=\"patient-")[1:]


def test_report_patient_verdict_per_trial(patient_page: str, analyses: list[TrialAnalysis]) -> None:
    results = [criteria_nlp.match(str(PATIENT), a) for a in analyses]
    assert [r.verdict for r in results] == ["eligible", "eligible", "ineligible", "ineligible", "indeterminate"]
    where = [patient_page.index(f"id=\"{part}\"") for part in ("summary", "plots", "patient", "comparison")]
    assert where == sorted(where)
    assert "<h2 id=\"patient-heading\">Patient lupus-candidate</h2>" in patient_page
    assert "<caption>Patient lupus-candidate on 2026-03-01:" in patient_page
    assert "<li><a href=\"#patient\">Patient lupus-candidate</a></li>" in patient_page
    rows = patient_rows(patient_page)
    assert len(rows) == 5
    for i, (row, result) in enumerate(zip(rows, results), start=1):
        assert row.startswith(f"trial-{i}\"><th scope=\"row\"><a href=\"#trial-{i}\">{result.trial_id}</a>")
        assert f"<span class=\"verdict verdict-{result.verdict}\">{result.verdict}</span>" in row
        assert f"{result.met} met<span class=\"status\">{result.not_met} not met, {result.unknown} unknown" in row
        assert row.count("<li class=\"result-") == len(result.decided_by)
        count = len(result.manual_review)
        assert f"<details><summary>{count} rule{'s' if count != 1 else ''} need" in row
        for review in result.manual_review:  # named, not only counted
            assert html.escape(review.reason) in row
    assert "every computable rule met (5)" in rows[0]
    # the summary's last column: the verdict, linked to its reasons
    summary = patient_page[patient_page.index("<section id=\"summary\""):patient_page.index("<section id=\"plots\"")]
    assert "<th scope=\"col\">patient lupus-candidate</th>" in summary
    assert "<a href=\"#patient-trial-3\"><span class=\"verdict verdict-ineligible\">ineligible</span></a>" in summary


def test_report_patient_reasons_name_lints_doubts(patient_page: str) -> None:
    rows = patient_rows(patient_page)
    # NCT03219801: ineligible on "creatinine more than twice the upper limit" as an inclusion, which lint doubts
    creatinine = rows[2]
    assert "<a href=\"#trial-3-c5\">c5</a> <span class=\"result\">require, not met</span>: requirement not met: 97" \
        in creatinine
    assert creatinine.count("lint flagged this criterion") == 1 and "L006</span> inclusion criterion 5 requires " \
        "serum creatinine &gt; 2 x ULN, an abnormal value" in creatinine
    # the IRCT record repeats its criteria (L012): a doubt about form, not about what the rule asks
    assert "lint flagged" not in rows[3] and rows[3].count("require, not met") == 4
    # NCT00659217: its healthy-volunteer doubt (L004, on rule r9) once, beside that rule
    assert rows[4].count("L004</span>") == 1 and "needs: whether the patient is among" in rows[4]


def test_report_patient_escapes_its_text_and_refuses_a_bad_file(analyses: list[TrialAnalysis], tmp_path: Path) -> None:
    page = report_html([hand_built()], patient={"id": HOSTILE, "sex": "female", "age": 12, "as_of": "2025-01-02"})
    assert "<h2 id=\"patient-heading\">Patient &lt;script&gt;alert(1)&lt;/script&gt;</h2>" in page
    assert "<script" not in page and page.count("class=\"verdict ") == 2  # the summary's and the patient's
    assert "id=\"patient\"" not in report_html([hand_built()])
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "x", ', encoding="utf-8")
    for bad, code in ((tmp_path / "missing.json", "P004"), (broken, "P006"), ({"id": "x", "sex": "robot"}, "P001")):
        with pytest.raises(PatientError) as caught:
            report_html(analyses[:1], patient=bad)
        assert caught.value.code == code
    with pytest.raises(PatientError):
        write_report(analyses[:1], tmp_path / "out" / "report.html", patient=broken)
    assert not (tmp_path / "out").exists()  # nothing written
    assert "<span class=\"verdict verdict-eligible\">eligible</span>" in report_html(
        analyses[:1], patient={"id": "p2", "sex": "male", "age": 40, "conditions": [{"code": "M32.9"}],
                                "as_of": "2024-06-01"}, as_of=date(2024, 6, 1))
