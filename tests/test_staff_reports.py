"""The managers' reports page on the seeded report of test_reports (known answers), on SQLite and PostgreSQL:
every figure in its table, charts without script or inline style, the filters validated, downloads equal to
``deflect report``, the page in the manager's language, and agents refused."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from deflect.store import session_factory
from tests.staff_fixtures import CHEAP_HASHER, add_member, sign_in
from tests.test_reports import seed

MARIA = "maria@lumera.example"
ANA = "ana@lumera.example"
#: The seeded figures' period: 2 November to 1 December 2026, both days included.
PERIOD = "since=2026-11-02&until=2026-12-01"


class TableReader(HTMLParser):
    """The text of every cell of every table with an id, row by row (spaces collapsed)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id"):
            self.current = dict(attrs)["id"]
            self.tables[self.current] = []
        elif tag == "tr" and self.current:
            self.tables[self.current].append([])
        elif tag in ("td", "th") and self.current:
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.current and self.cell is not None:
            self.tables[self.current][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    reader = TableReader()
    reader.feed(html)
    return reader.tables


@pytest.fixture
def reports_app(each_store_app):
    """The seeded report's data on each store, a manager (Maria) and an agent (Ana) who can sign in."""
    app = each_store_app
    app.config["STAFF_PASSWORD_HASHER"] = CHEAP_HASHER
    with app.app_context(), session_factory(app)() as db:
        seed(db)
    add_member(app, email=MARIA, name="Maria Manager", role="manager")
    add_member(app, email=ANA, name="Ana Agent")
    return app


@pytest.fixture
def manager(reports_app):
    client = reports_app.test_client()
    assert sign_in(client, MARIA).status_code == 302
    return client


def test_every_figure_of_the_seeded_report_is_on_the_page(manager):
    page = manager.get(f"/staff/reports?{PERIOD}")
    assert page.status_code == 200
    found = tables(page.text)
    assert found["funnel"] == [
        ["Stage", "All languages", "German", "English", "French"],
        ["Asked", "6", "1", "4", "1"],
        ["Shown suggestions", "3", "0", "2", "1"],
        ["Opened an article", "2", "0", "2", "0"],
        ["Solved by an article", "2", "0", "1", "1"],
        ["Filed anyway", "1", "0", "1", "0"],
        ["Filed without a suggestion", "1", "0", "1", "0"],
        ["Left without filing", "2", "1", "1", "0"],
    ]
    articles = {(row[0].split()[-1], row[1]): row[2:] for row in found["articles"][1:]}
    assert articles == {("support/escalation", "English"): ["2", "2", "1", "1"],
                        ("support/sla", "English"): ["1", "0", "0", "1"],
                        ("support/severity", "French"): ["1", "0", "1", "0"]}
    assert found["weekly"][1:] == [["Week of Nov 16, 2026", "1", "2", "33%"],
                                   ["Week of Nov 23, 2026", "1", "0", "100%"]]
    assert found["unanswered"][1:] == [["Export to Excel fails", "English", "2"], ["Wetter in Hamburg", "German", "1"]]
    assert found["filed-anyway"][1:] == [["escalate my ticket", "English", "1"]]
    [vote] = found["feedback"][1:]
    assert vote[0].endswith("support/sla") and vote[1:] == ["English", "1", "1", "Too vague"]
    [solved] = found["solved"][1:]
    assert solved[0].endswith("support/escalation") and solved[1:] == ["French", "1"]
    assert "Answers: 1. Mean score: 6 out of 7." in page.text
    assert found["survey"][1:] == [[str(score), "1" if score == 6 else "0"] for score in range(1, 8)]
    assert found["sla"][2:] == [["Critical issue", "0", "1", "0%", "0", "1", "0%"],
                                ["Moderate issue", "1", "0", "100%", "1", "0", "100%"],
                                ["General question", "0", "0", "—", "0", "0", "—"]]


def test_the_charts_are_svg_with_names_values_as_text_and_no_script_or_inline_style(manager):
    page = manager.get(f"/staff/reports?{PERIOD}")
    html = page.text
    for chart in ("chart-funnel", "chart-weekly", "chart-survey", "chart-sla"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html, chart
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html, chart
    assert "Asked: 6; Shown suggestions: 3 (50%); Opened an article: 2 (33%)" in html
    assert 'class="deflect-chart__value">33% (1 of 3)</text>' in html
    assert "Moderate issue: Resolution within target: 100% (1 of 1)" in html
    assert "General question: First response within target: no case due yet" in html
    assert 'fill="url(#chart-sla-hatch)"' in html  # the second series is hatched, not only another colour
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy


def test_a_period_without_anything_says_so(manager):
    page = manager.get("/staff/reports?since=2025-01-01&until=2025-01-31")
    assert page.status_code == 200
    found = tables(page.text)
    assert found["funnel"][1] == ["Asked", "0"] and set(found) == {"funnel", "sla"}
    for sentence in ("No article was suggested in this period.", "No vote in this period.",
                     "No answer in this period.", "No customer was helped by an article or filed a case"):
        assert sentence in page.text, sentence
    assert "General question: First response within target: no case due yet" in page.text


def test_one_language(manager):
    found = tables(manager.get(f"/staff/reports?{PERIOD}&language=fr").text)
    assert found["funnel"][:2] == [["Stage", "French"], ["Asked", "1"]]
    assert "unanswered" not in found  # nothing unanswered in French: a sentence instead of an empty table


@pytest.mark.parametrize("query, message", [
    ("since=2026-13-01&until=2026-12-01", "Please give a date as year-month-day, such as"),
    ("since=yesterday", "Please give a date as year-month-day, such as"),
    ("since=1999-12-31&until=2000-01-02", "Please give a date between 2000-01-01 and 2100-12-31."),
    ("since=2026-12-01&until=2026-11-01", "The last day must not come before the first day."),
    ("since=2025-01-01&until=2026-11-30", "Please choose a period of at most 366 days."),
    (f"{PERIOD}&language=nl", "Please choose a language from the list."),
])
def test_a_bad_filter_is_refused_with_a_clear_message(manager, query, message):
    page = manager.get(f"/staff/reports?{query}")
    assert page.status_code == 400 and message in page.text
    assert 'aria-invalid="true"' in page.text and 'id="funnel"' not in page.text
    assert manager.get(f"/staff/reports.csv?{query}").status_code == 400


def test_the_downloads_are_what_deflect_report_prints(reports_app, manager):
    runner = reports_app.test_cli_runner()
    for form, mimetype in (("csv", "text/csv"), ("json", "application/json")):
        download = manager.get(f"/staff/reports.{form}?{PERIOD}&language=en")
        assert download.status_code == 200 and download.mimetype == mimetype
        assert download.headers["Content-Disposition"] == (
            f'attachment; filename="deflect-report-2026-11-02-2026-12-01-en.{form}"')
        printed = runner.invoke(args=["report", "--since", "2026-11-02", "--until", "2026-12-02", "--lang", "en",
                                      "--format", form])
        assert printed.exit_code == 0, printed.output
        assert download.get_data() == printed.stdout_bytes  # byte for byte (CSV lines end in CRLF, as csv writes them)
    figures = json.loads(manager.get(f"/staff/reports.json?{PERIOD}").text)
    assert figures["funnel"]["asked"] == 6 and figures["period"]["until"] == "2026-12-02T00:00:00+00:00"
    page = manager.get(f"/staff/reports?{PERIOD}&language=en").text
    assert 'href="/staff/reports.csv?since=2026-11-02&amp;until=2026-12-01&amp;language=en"' in page


def test_the_page_speaks_the_managers_language(reports_app):
    add_member(reports_app, email="greta@lumera.example", name="Greta", role="manager", language="de")
    client = reports_app.test_client()
    sign_in(client, "greta@lumera.example")
    page = client.get(f"/staff/reports?{PERIOD}")
    assert page.status_code == 200 and '<html lang="de">' in page.text
    found = tables(page.text)
    assert found["funnel"][0][:2] == ["Phase", "Alle Sprachen"]
    assert found["weekly"][1][-1] == "33 %"  # German writes a (non-breaking) space before the per cent sign
    assert "Berichte" in page.text
    bad = client.get("/staff/reports?since=2026-12-01&until=2026-11-01")
    assert bad.status_code == 400 and "Der letzte Tag darf nicht vor dem ersten Tag liegen." in bad.text


def test_agents_may_not_open_the_reports(reports_app):
    client = reports_app.test_client()
    sign_in(client, ANA)
    for url in ("/staff/reports", f"/staff/reports?{PERIOD}", "/staff/reports.csv", "/staff/reports.json"):
        assert client.get(url).status_code == 403, url
    assert "/staff/reports" not in client.get("/staff/").text  # and the workspace does not offer them
