"""Response and resolution targets: when a case is due, on which clock.

The targets are declared once in mkdocs.yml (``extra.sla``, the table the
support/sla article shows) per severity: the first response, the interval
between updates and the resolution (a workaround or an answer), each as
``<n>h`` (hours) or ``<n>d`` (days), on the 24/7 clock (critical cases) or in
the business hours of the case's language (``extra.business_hours``,
:mod:`deflect.business_calendar`). While a case waits for the customer its
clock stands still: the working time it waited is added to its resolution
target.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Mapping

from deflect.business_calendar import ROUND_THE_CLOCK, BusinessCalendar, WorkingClock

DURATION = re.compile(r"\A(\d+)([hd])\Z")
ROUND_THE_CLOCK_NAME = "24/7"


@dataclass(frozen=True)
class Span:
    """An amount of time on a clock: hours of (working) time, or (working) days.

    >>> Span.parse("4h"), Span.parse("2d"), Span.parse(None)
    (Span(amount=4, unit='h'), Span(amount=2, unit='d'), None)
    """

    amount: int
    unit: str

    @classmethod
    def parse(cls, value: Any) -> Span | None:
        if value is None:
            return None
        match = DURATION.match(str(value).strip())
        if not match:
            raise ValueError(f"{value!r} is not a duration such as 4h or 2d")
        return cls(int(match.group(1)), match.group(2))

    def after(self, clock: WorkingClock, start: datetime) -> datetime:
        """Return the moment this span after ``start`` on ``clock``."""
        if self.unit == "h":
            return clock.add_working_time(start, timedelta(hours=self.amount))
        return clock.add_working_days(start, self.amount)


@dataclass(frozen=True)
class Targets:
    """The targets of one severity (a row of the support/sla table)."""

    first_response: Span
    update: Span | None
    resolution: Span
    round_the_clock: bool


@dataclass(frozen=True)
class DueTimes:
    """When each target of a case falls (None: met, or not applicable)."""

    first_response: datetime | None
    next_update: datetime | None
    resolution: datetime | None

    def next(self) -> datetime | None:
        """The earliest deadline still ahead of support."""
        pending = [moment for moment in (self.first_response, self.next_update, self.resolution) if moment]
        return min(pending) if pending else None


class ServicePolicy:
    """The SLA targets, business hours and lifecycle rules of mkdocs.yml's ``extra``, typed once."""

    def __init__(self, extra: Mapping[str, Any]):
        try:
            self.targets = {severity: Targets(Span.parse(row["first_response"]), Span.parse(row.get("update")),
                                              Span.parse(row["resolution"]),
                                              str(row.get("clock")) == ROUND_THE_CLOCK_NAME)
                            for severity, row in dict(extra["sla"]).items()}
            self.business_hours = dict(extra["business_hours"])
            policy = dict(extra["policy"])
            self.reminder_after_days = int(policy["reminder_after_working_days"])
            self.reminders_before_resolving = int(policy["reminders_before_resolving"])
            self.close_after_days = int(policy["close_after_working_days"])
            self.nudge_after_days = int(policy["nudge_after_working_days"])
            self.nudge_every = timedelta(hours=int(policy["nudge_every_hours"]))
            self.survey_scale = int(policy["survey_scale"])
            review = dict(policy["escalation_review_hours"])
            self.escalation_review = {"critical": Span(int(review["critical"]), "h"),
                                      "other": Span(int(review["other_business_hours"]), "h")}
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"mkdocs.yml extra: the service policy is incomplete or wrong: {exc}") from exc
        self._calendars: dict[str, BusinessCalendar] = {}

    def calendar(self, lang: str) -> BusinessCalendar:
        """The business hours of a support language."""
        if lang not in self._calendars:
            self._calendars[lang] = BusinessCalendar.from_declaration(self.business_hours, lang)
        return self._calendars[lang]

    def clock(self, severity: str, lang: str) -> WorkingClock:
        """The clock a case's targets run on: 24/7 for critical cases, else its language's business hours."""
        return ROUND_THE_CLOCK if self.targets[severity].round_the_clock else self.calendar(lang)

    def due_times(self, case) -> DueTimes:
        """Return the deadlines of ``case`` (a :class:`~deflect.store.Case`) as its state stands.

        None everywhere while the case waits for the customer or is solved or closed.
        """
        if case.status not in ("new", "open"):
            return DueTimes(None, None, None)
        targets = self.targets[case.severity]
        clock = self.clock(case.severity, case.lang)
        first = None if case.first_response_at else targets.first_response.after(clock, case.created_at)
        update = None
        if case.first_response_at and targets.update:
            update = targets.update.after(clock, case.last_agent_update_at or case.first_response_at)
        resolution = targets.resolution.after(clock, case.created_at)
        if case.paused_seconds:
            resolution = clock.add_working_time(resolution, timedelta(seconds=case.paused_seconds))
        return DueTimes(first, update, resolution)

    def escalation_review_due(self, severity: str, lang: str, requested_at: datetime) -> datetime:
        """When a manager must have reviewed an escalation request (support/escalation)."""
        if self.targets[severity].round_the_clock:
            return self.escalation_review["critical"].after(ROUND_THE_CLOCK, requested_at)
        return self.escalation_review["other"].after(self.calendar(lang), requested_at)


@lru_cache(maxsize=16)
def policy_of(help_center) -> ServicePolicy:
    """The service policy of a help center (read once per app)."""
    return ServicePolicy(help_center.extra)
