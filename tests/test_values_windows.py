"""find_windows(): durations, ISO 8601, direction and anchors of time windows."""

from __future__ import annotations

import pytest

from criteria_nlp.schema import Window
from criteria_nlp.values import find_windows

WINDOW_CASES = [
    # text, span, iso8601, days, direction, anchor
    ("any malignant tumor in the last 5 years.", "in the last 5 years", "P5Y", 1826.25, "past", None),
    ("acute coronary syndrome in past 6 months.", "in past 6 months", "P6M", 182.625, "past", None),
    ("myocardial infarction within the past 6 months", "within the past 6 months", "P6M", 182.625, "past", None),
    ("surgery during the previous 12 months", "during the previous 12 months", "P12M", 365.25, "past", None),
    ("chemotherapy within 4 weeks prior to enrollment", "within 4 weeks prior to enrollment", "P4W", 28.0, "past", "enrollment"),
    ("stable dose for at least 30 days before randomization", "for at least 30 days before randomization", "P30D", 30.0, "past",
     "randomization"),
    ("live vaccine within 28 days of the first dose", "within 28 days of the first dose", "P28D", 28.0, "around", "first dose"),
    ("investigational drug 3 months prior to screening", "3 months prior to screening", "P3M", 91.3125, "past", "screening"),
    ("any transfusion in the 30 days preceding study entry", "in the 30 days preceding study entry", "P30D", 30.0, "past",
     "study entry"),
    ("contraception for at least 2 weeks after", "for at least 2 weeks after", "P2W", 14.0, "future", None),
    ("pregnancy within 1 year after transplantation", "within 1 year after transplantation", "P1Y", 365.25, "future",
     "transplantation"),
    ("hospitalisation in the previous year", "in the previous year", "P1Y", 365.25, "past", None),
    ("stroke within the last six months", "within the last six months", "P6M", 182.625, "past", None),
    ("fever within 72 hours before randomisation", "within 72 hours before randomisation", "PT72H", 3.0,
     "past", "randomization"),
    ("infection within 12 h", "within 12 h", "PT12H", 0.5, "past", None),
    ("smoking cessation 6 months ago", "6 months ago", "P6M", 182.625, "past", None),
    ("antibiotics within one (1) year prior to consent", "within one (1) year prior to consent", "P1Y", 365.25, "past", "consent"),
    ("planning pregnancy within the next 2 years", "within the next 2 years", "P2Y", 730.5, "future", None),
    ("patients who plan to become pregnant within 6 months", "within 6 months", "P6M", 182.625, "future", None),
    ("surgery within 3-6 months before baseline", "within 3-6 months before baseline", "P6M", 182.625, "past", "baseline"),
    ("MI within 6 mo", "within 6 mo", "P6M", 182.625, "past", None),
    ("a blood donation of 500 mL within 8 weeks prior to Day 1", "within 8 weeks prior to Day 1", "P8W", 56.0, "past", "day 1"),
    ("seizure within 6 months prior to TAVI procedure", "within 6 months prior to TAVI procedure", "P6M", 182.625, "past",
     "tavi procedure"),
    ("cancer within 5 years of diagnosis of SLE", "within 5 years of diagnosis", "P5Y", 1826.25, "around", "diagnosis"),
    ("use of steroids for 2 weeks", "for 2 weeks", "P2W", 14.0, None, None),
    ("drug within a year", "within a year", "P1Y", 365.25, "past", None),
    ("in the 24-hour period prior to the first dose", "in the 24-hour period prior to the first dose", "PT24H", 1.0, "past",
     "first dose"),
    ("a decade", None, None, None, None, None),
]


@pytest.mark.parametrize("text,span,iso,days,direction,anchor", WINDOW_CASES)
def test_values_windows(text: str, span: str | None, iso: str | None, days: float | None, direction: str | None,
                        anchor: str | None) -> None:
    found = find_windows(text)
    if span is None:
        assert found == []
        return
    assert len(found) == 1
    w = found[0]
    assert isinstance(w.window, Window)
    assert text[w.start:w.end] == span == w.window.text
    assert (w.window.iso8601, w.window.duration_days, w.window.direction, w.window.anchor) == (iso, days, direction, anchor)


ANCHOR_ONLY = [
    ("prior to randomization", "past", "randomization"),
    ("before enrolment", "past", "enrollment"),
    ("after the first dose of study drug", "future", "first dose"),
    ("prior to signing the informed consent form", "past", "consent"),
    ("following surgery", "future", "surgery"),
    ("pregnancy test at screening", None, "screening"),
    ("negative test at baseline", None, "baseline"),
    ("contraception during the study", "future", "study entry"),
    ("since diagnosis", "past", "diagnosis"),
]


@pytest.mark.parametrize("text,direction,anchor", ANCHOR_ONLY)
def test_values_windows_anchor_only(text: str, direction: str | None, anchor: str) -> None:
    found = find_windows(text)
    assert len(found) == 1
    w = found[0].window
    assert (w.duration_days, w.iso8601, w.direction, w.anchor) == (None, None, direction, anchor)


@pytest.mark.parametrize(
    "text",
    ["6 months", "at least 12 weeks", "life expectancy > 3 months", "an 18-year-old man", "three times a week",
     "at the study site", "patients on dialysis", "12 months of therapy", "age 18 years or older"],
)
def test_values_windows_not_windows(text: str) -> None:
    assert find_windows(text) == []


def test_values_windows_units_and_iso() -> None:
    cases = {"within 2 decades": ("P20Y", 7305.0), "within 90 minutes": ("PT90M", 0.0625), "within 2 fortnights": ("P4W", 28.0),
             "within 1.5 years": ("P1.5Y", 547.875), "within 10 days": ("P10D", 10.0)}
    for text, (iso, days) in cases.items():
        (w,) = find_windows(text)
        assert (w.window.iso8601, w.window.duration_days) == (iso, days), text


def test_values_windows_offsets() -> None:
    text = "Inclusion:\nStable for 3 months.\nExclusion:\nMI within the last 6 months prior to screening."
    found = find_windows(text)
    assert [text[w.start:w.end] for w in found] == ["for 3 months", "within the last 6 months prior to screening"]
    s = text.index("MI")
    assert [(w.start, w.end) for w in find_windows(text, s)] == [(found[1].start, found[1].end)]


@pytest.mark.parametrize(
    "text,span,iso,direction",
    [
        ("other cancer in the 5 previous years, except", "in the 5 previous years", "P5Y", "past"),
        ("pregnancy test 72 hours or less prior to dosing", "72 hours or less prior to dosing", "PT72H", "past"),
        ("MI within the past 60 days (2 months) or", "within the past 60 days (2 months)", "P60D", "past"),
        ("plans to receive the treatment in 6 months.", "in 6 months", "P6M", "future"),
    ],
)
def test_values_windows_more_forms(text: str, span: str, iso: str, direction: str) -> None:
    (w,) = find_windows(text)
    assert (w.window.text, w.window.iso8601, w.window.direction) == (span, iso, direction)
