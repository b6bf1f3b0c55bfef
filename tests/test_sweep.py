"""deflect sweep on SQLite and PostgreSQL: a case walked through weeks in seconds, safely run twice."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from deflect import lifecycle
from deflect.lifecycle import Actor
from deflect.store import Case, CaseEvent, OutgoingMail, session_factory
from deflect.sweep import due_action, sweep
from tests.test_lifecycle import MONDAY, file, staff

PARIS = MONDAY.tzinfo


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Paris."""
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


def history(db, case) -> list[str]:
    return list(db.scalars(select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))


def kinds(db) -> list[str]:
    return list(db.scalars(select(OutgoingMail.kind).order_by(OutgoingMail.id)))


@pytest.fixture
def store(app_on_each_store):
    with session_factory(app_on_each_store)() as db:
        yield db


def test_a_silent_customer_is_reminded_twice_then_the_case_is_solved_then_closed(app_on_each_store, store):
    case = file(store, now=at(16, 10))
    lifecycle.act(store, case.id, "request_information", Actor.staff(staff(store)), body="Quelle version ?",
                  now=at(16, 11))
    walk = [
        (at(18, 10, 59), {}),                     # Wednesday: not yet 2 working days
        (at(18, 11), {"remind": 1}),              # 2 working days: the first reminder
        (at(18, 12), {}),                         # run again: nothing twice
        (at(20, 11), {"remind": 1}),              # Friday: the second reminder
        (at(24, 10, 59), {}),                     # Tuesday (weekend skipped): not yet
        (at(24, 11), {"auto_solve": 1, "send_survey": 1}),  # unanswered: solved, and the survey
        (at(24, 11, 30), {}),
        (at(30, 10), {}),                         # solved + 10 working days is 8 December
        (datetime(2026, 12, 8, 11, tzinfo=PARIS), {"auto_close": 1}),
        (datetime(2026, 12, 9, 11, tzinfo=PARIS), {}),
    ]
    for moment, expected in walk:
        assert sweep(app_on_each_store, moment).actions == expected, moment
    store.expire_all()
    case = store.get(Case, case.id)
    assert case.status == "closed" and case.closed_at == datetime(2026, 12, 8, 10, tzinfo=timezone.utc)
    assert history(store, case) == ["created", "request_information", "remind", "remind", "auto_solve",
                                    "send_survey", "auto_close"]
    assert kinds(store) == ["acknowledgement", "information_requested", "reminder", "reminder", "solved_by_rule",
                            "survey", "closed"]


def test_an_answer_stops_the_reminders(app_on_each_store, store):
    case = file(store, now=at(16, 10))
    lifecycle.act(store, case.id, "request_information", Actor.staff(staff(store)), body="Logs ?", now=at(16, 11))
    assert sweep(app_on_each_store, at(18, 12)).actions == {"remind": 1}
    lifecycle.act(store, case.id, "customer_reply", Actor.customer("camille@example.com"), body="Voici",
                  now=at(19, 9))
    assert sweep(app_on_each_store, at(30, 9)).actions == {}
    store.expire_all()
    assert store.get(Case, case.id).status == "open"


def test_a_holiday_and_a_friday_evening_push_the_reminder(app_on_each_store, store):
    summer = ZoneInfo("Europe/Paris")  # CEST in July: the business hours stay 09:00-18:00 on the wall clock
    case = file(store, now=datetime(2026, 7, 10, 16, tzinfo=summer))
    lifecycle.act(store, case.id, "request_information", Actor.staff(staff(store)), body="?",
                  now=datetime(2026, 7, 10, 17, 30, tzinfo=summer))  # Friday 17:30, and 14 July is a holiday
    store.refresh(case)
    assert due_action(case, lifecycle.policy(), datetime(2026, 7, 15, 17, 29, tzinfo=summer)) is None
    assert due_action(case, lifecycle.policy(), datetime(2026, 7, 15, 17, 30, tzinfo=summer)) == "remind"


def test_the_sweep_command_takes_a_moment_and_rejects_a_bad_one(app_on_each_store, store):
    case = file(store, now=at(16, 10))
    lifecycle.act(store, case.id, "request_information", Actor.staff(staff(store)), body="?", now=at(16, 11))
    runner = app_on_each_store.test_cli_runner()
    result = runner.invoke(args=["sweep", "--now", "2026-11-18T11:00:00+01:00", "--no-deliver"])
    assert result.exit_code == 0 and "remind 1" in result.output, result.output
    result = runner.invoke(args=["sweep", "--now", "next tuesday"])
    assert result.exit_code == 2 and "ISO 8601" in result.output
