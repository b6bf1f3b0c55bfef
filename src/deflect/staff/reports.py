"""The managers' reports page: what they asked for, read once, and the figures drawn as charts.

The figures are :func:`deflect.reports.build_report`'s, unchanged, so the
page, its downloads and ``deflect report`` never disagree. This module reads
the period and language from the query string (:func:`read_filter`: every
problem collected, what the manager typed kept) and turns figures into
:class:`Chart` values a template draws as inline SVG. Charts need no script
and no ``style`` attribute, so the workspace's strict Content-Security-Policy
holds: a bar's length is its ``width`` attribute (an SVG presentation
attribute, which the policy does not govern). Colour never carries meaning
alone: every bar has its label written above it and its value beside it, a
second series is hatched as well as coloured, and each chart has an
accessible name, a text description and a table of the same figures after it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping

from flask_babel import format_date, format_decimal, format_percent, gettext
from flask_babel import lazy_gettext as _l

from deflect import vocabulary
from deflect.reports import Period, Report

#: The period shown when the manager has not chosen one: the last 30 days, today included.
DEFAULT_DAYS = 30
#: The longest period one page computes (the report reads every deflection of the period into memory).
MAX_DAYS = 366
#: The days a report can name (a typo such as 20266-01-01 is not a date; 9999-12-31 has no next day).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)

#: The funnel's stages, in order, with their names on the page.
STAGES: dict[str, Any] = {
    "asked": _l("Asked"),
    "suggested": _l("Shown suggestions"),
    "opened": _l("Opened an article"),
    "deflected": _l("Solved by an article"),
    "filed_anyway": _l("Filed anyway"),
    "filed_without_suggestion": _l("Filed without a suggestion"),
    "abandoned": _l("Left without filing"),
}


@dataclass(frozen=True)
class ReportFilter:
    """The period (whole UTC days, both included) and the language a manager asked for, validated."""

    since: date
    until: date
    language: str | None = None

    @classmethod
    def default(cls, today: date) -> ReportFilter:
        return cls(today - timedelta(days=DEFAULT_DAYS - 1), today)

    @property
    def period(self) -> Period:
        """The report's period: ``until`` is the last day shown, so the period ends at the next midnight."""
        start = datetime.combine(self.since, time(), timezone.utc)
        end = datetime.combine(self.until + timedelta(days=1), time(), timezone.utc)
        return Period(start, end, self.language)

    def args(self) -> dict[str, str]:
        """The query string that asks for this filter again (the downloads' links)."""
        chosen = {"since": self.since.isoformat(), "until": self.until.isoformat()}
        return {**chosen, "language": self.language} if self.language else chosen

    def file_name(self, extension: str) -> str:
        """``deflect-report-2026-11-01-2026-11-30-fr.csv``: what a download is saved as."""
        language = f"-{self.language}" if self.language else ""
        return f"deflect-report-{self.since.isoformat()}-{self.until.isoformat()}{language}.{extension}"


@dataclass
class FilterForm:
    """What the manager typed (shown again as typed), the problems per field, and the filter if there are none."""

    since: str
    until: str
    language: str
    problems: dict[str, list[str]] = field(default_factory=dict)
    chosen: ReportFilter | None = None


def _day(text: str) -> tuple[date | None, str | None]:
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return None, "not_a_date"
    if not FIRST_DAY <= day <= LAST_DAY:
        return None, "out_of_range"
    return day, None


def read_filter(args: Mapping[str, str], *, languages, today: date) -> FilterForm:
    """Read ``since``, ``until`` and ``language`` from a query string; problems are codes (see :func:`problem_text`).

    A missing day takes the default period's; an empty language means all.

    >>> read_filter({"since": "2026-11-01", "until": "2026-11-30", "language": "fr"},
    ...             languages=("en", "fr"), today=date(2026, 12, 1)).chosen
    ReportFilter(since=datetime.date(2026, 11, 1), until=datetime.date(2026, 11, 30), language='fr')
    >>> read_filter({"since": "2026-13-01", "until": "2026-01-01", "language": "nl"},
    ...             languages=("en", "fr"), today=date(2026, 12, 1)).problems
    {'since': ['not_a_date'], 'language': ['unknown_language']}
    >>> read_filter({"since": "2026-12-01", "until": "2026-11-01"}, languages=("en",), today=date(2026, 12, 1)).problems
    {'until': ['reversed']}
    """
    default = ReportFilter.default(today)
    form = FilterForm(since=(args.get("since") or default.since.isoformat()).strip()[:40],
                      until=(args.get("until") or default.until.isoformat()).strip()[:40],
                      language=(args.get("language") or "").strip()[:40])
    since, since_problem = _day(form.since)
    until, until_problem = _day(form.until)
    for name, problem in (("since", since_problem), ("until", until_problem)):
        if problem:
            form.problems.setdefault(name, []).append(problem)
    if since and until and since > until:
        form.problems.setdefault("until", []).append("reversed")
    elif since and until and (until - since).days + 1 > MAX_DAYS:
        form.problems.setdefault("until", []).append("too_long")
    if form.language and form.language not in languages:
        form.problems.setdefault("language", []).append("unknown_language")
    if not form.problems and since and until:
        form.chosen = ReportFilter(since, until, form.language or None)
    return form


def problem_text(code: str, today: date) -> str:
    """The words of a problem of :func:`read_filter`, in the page's language."""
    return {
        "not_a_date": lambda: gettext("Please give a date as year-month-day, such as %(example)s.",
                                      example=today.isoformat()),
        "out_of_range": lambda: gettext("Please give a date between %(first)s and %(last)s.",
                                        first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()),
        "reversed": lambda: gettext("The last day must not come before the first day."),
        "too_long": lambda: gettext("Please choose a period of at most %(count)d days.", count=MAX_DAYS),
        "unknown_language": lambda: gettext("Please choose a language from the list."),
    }[code]()


# --- charts ---

#: The chart's drawing, in SVG user units: a row per bar (its label above it), and the longest bar.
ROW, BAR, BAR_AREA, WIDTH = 40, 14, 340, 520


@dataclass(frozen=True)
class Bar:
    """One bar: what it measures (written above it), its value as written beside it, its share of the longest."""

    label: str
    text: str
    share: float
    hatched: bool = False

    @property
    def length(self) -> float:
        return round(max(0.0, min(self.share, 1.0)) * BAR_AREA, 1)


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: an id for its SVG parts, its accessible name, its text description, its bars."""

    id: str
    title: str
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, bool], ...] = ()  # (series name, hatched) when two series share the chart

    @property
    def description(self) -> str:
        """Every bar's label and value, as a sentence list: what a screen reader reads for the chart."""
        return "; ".join(f"{bar.label}: {bar.text}" for bar in self.bars) + "."

    @property
    def height(self) -> int:
        return ROW * len(self.bars) + 4

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def bar_height(self) -> int:
        return BAR

    def rows(self) -> list[tuple[Bar, int, int, int]]:
        """Each bar with where its row's parts go: (bar, its label's baseline, its top, its value's baseline)."""
        return [(bar, ROW * index + 13, ROW * index + 18, ROW * index + 30) for index, bar in enumerate(self.bars)]


def number(value: float | int | None) -> str:
    """A count or a mean in the page's language ("1,234" or "1.234"); a dash where there is none yet."""
    return format_decimal(value) if value is not None else "—"


def percent(rate: float | None) -> str:
    """A rate in the page's language ("33%", "33 %"); a dash where nothing was counted (never a false 0 %)."""
    return format_percent(rate) if rate is not None else "—"


def _share(part: int, whole: int) -> str:
    """"3 (50 %)": a count and its share of the whole, in the page's language."""
    if not whole:
        return number(part)
    return gettext("%(count)s (%(share)s)", count=number(part), share=percent(part / whole))


def funnel_chart(funnel: dict[str, int]) -> Chart:
    """The funnel: each stage's count, and its share of the questions asked."""
    asked = funnel.get("asked", 0)
    bars = []
    for stage, name in STAGES.items():
        count = funnel.get(stage, 0)
        bars.append(Bar(str(name), number(count) if stage == "asked" else _share(count, asked),
                        count / asked if asked else 0.0))
    return Chart("chart-funnel", gettext("Deflection funnel"), tuple(bars))


def week_of(monday: str) -> str:
    """"Week of 16 Nov 2026", in the page's language, for the report's ISO day of a week's Monday."""
    return gettext("Week of %(day)s", day=format_date(date.fromisoformat(monday), "medium"))


def weekly_chart(weekly: list[dict[str, Any]]) -> Chart:
    """The deflection rate of each week: solved by an article ÷ (solved by an article + filed)."""
    bars = tuple(Bar(week_of(row["week"]),
                     gettext("%(rate)s (%(part)s of %(whole)s)", rate=percent(row["rate"]),
                             part=number(row["deflected"]), whole=number(row["deflected"] + row["filed"])),
                     row["rate"])
                 for row in weekly)
    return Chart("chart-weekly", gettext("Deflection rate per week"), bars)


def survey_chart(survey: dict[str, Any]) -> Chart:
    """How many customers gave each score."""
    scores = survey.get("scores", {})
    most = max(scores.values(), default=0)
    bars = tuple(Bar(gettext("Score %(score)s", score=score), number(count), count / most if most else 0.0)
                 for score, count in scores.items())
    return Chart("chart-survey", gettext("Survey scores"), bars)


def sla_chart(rows: list[dict[str, Any]], severity_names: Mapping[str, str]) -> Chart:
    """Per severity, the share of cases whose first response, and whose resolution, came within target."""
    first, resolution = gettext("First response within target"), gettext("Resolution within target")
    bars: list[Bar] = []
    for row in rows:
        name = severity_names.get(row["severity"], row["severity"])
        for series, key, hatched in ((first, "first_response", False), (resolution, "resolution", True)):
            met, missed = row[f"{key}_met"], row[f"{key}_missed"]
            text = (gettext("%(rate)s (%(part)s of %(whole)s)", rate=percent(row[f"{key}_rate"]), part=number(met),
                            whole=number(met + missed))
                    if met + missed else gettext("no case due yet"))
            bars.append(Bar(gettext("%(severity)s: %(target)s", severity=name, target=series), text,
                            row[f"{key}_rate"] or 0.0, hatched))
    return Chart("chart-sla", gettext("Service levels met"), tuple(bars), legend=((first, False), (resolution, True)))


def charts(report: Report) -> dict[str, Chart]:
    """The page's charts of ``report``, by section (each followed on the page by a table of its figures)."""
    severities = {key: vocabulary.label("severity", key) for key in vocabulary.SEVERITIES}
    return {"funnel": funnel_chart(report.funnel), "weekly": weekly_chart(report.weekly),
            "survey": survey_chart(report.survey), "sla": sla_chart(report.sla, severities)}
