"""Working time: business hours per support language, public holidays, and the 24/7 clock.

The help center promises times in working time ("4 business hours", "reminded
after 2 working days", "closes after 10 working days") and runs critical cases
on a 24/7 clock (support/sla, support/contact). This module is the one place
that turns such a promise into an instant: the lifecycle's due times, the
sweep's timed rules and a paused SLA clock all ask it, so no caller ever
counts weekends or holidays itself.

The hours are declared once, in ``mkdocs.yml`` (``extra.business_hours``),
and handed here as a plain dict::

    timezone: Europe/Paris          # what the articles call CET (summer time included)
    days: [mon, tue, wed, thu, fri]
    hours: {default: ["09:00", "18:00"], es: ["10:00", "19:00"]}
    holidays: {en: GB, de: DE, fr: FR, it: IT, es: ES}

``holidays`` names, for each support language, the country (optionally with a
subdivision, ``DE-BY``) whose public holidays its team keeps, as the maintained
``holidays`` library knows them. Hours are wall-clock times in ``timezone``, so
09:00 stays 09:00 across the summer-time changes; every result is a UTC-aware
datetime, ready to be stored and compared.

>>> declaration = {
...     "timezone": "Europe/Paris", "days": ["mon", "tue", "wed", "thu", "fri"],
...     "hours": {"default": ["09:00", "18:00"], "es": ["10:00", "19:00"]},
...     "holidays": {"en": "GB", "de": "DE", "fr": "FR", "it": "IT", "es": "ES"},
... }
>>> fr = BusinessCalendar.from_declaration(declaration, "fr")
>>> friday = datetime(2026, 7, 10, 17, 0, tzinfo=fr.timezone)
>>> fr.add_working_days(friday, 2).isoformat()   # Monday 13, (14 July is a holiday), Wednesday 15
'2026-07-15T15:00:00+00:00'
>>> ROUND_THE_CLOCK.add_working_days(friday, 2).isoformat()
'2026-07-12T15:00:00+00:00'
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator, Mapping, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

UTC = timezone.utc
#: The names a declaration uses for the days of the week, Monday first (``date.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DECLARATION_KEYS = frozenset({"timezone", "days", "hours", "holidays"})
_CLOCK_TIME = re.compile(r"\A([01]\d|2[0-3]):([0-5]\d)\Z")
_COUNTRY = re.compile(r"\A([A-Z]{2})(?:-([A-Z0-9]{1,4}))?\Z")


class WorkingClock(Protocol):
    """What the lifecycle asks of a clock: a language's business hours or the 24/7 clock."""

    def is_working_time(self, t: datetime) -> bool: ...

    def next_working_moment(self, t: datetime) -> datetime: ...

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime: ...

    def add_working_days(self, start: datetime, n: int) -> datetime: ...

    def working_time_between(self, a: datetime, b: datetime) -> timedelta: ...


@functools.lru_cache(maxsize=256)
def public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Return the public holidays of one country (or subdivision) in one year, computed once.

    >>> date(2026, 7, 14) in public_holidays("FR", None, 2026)
    True
    """
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


@dataclass(frozen=True)
class BusinessCalendar:
    """The business hours of one support language: a typed, validated, immutable value.

    Build it with :meth:`from_declaration`; every method takes timezone-aware
    datetimes (any zone) and returns UTC-aware ones.
    """

    lang: str
    timezone: ZoneInfo
    days: frozenset[int]
    opens: time
    closes: time
    country: str
    subdivision: str | None = None

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(range(7)):
            raise ValueError(f"business calendar {self.lang!r}: days must be weekday numbers 0-6, at least one")
        if not self.opens < self.closes:
            raise ValueError(f"business calendar {self.lang!r}: opens ({self.opens}) must be before closes ({self.closes})")

    @classmethod
    def from_declaration(cls, declaration: Mapping[str, Any], lang: str) -> BusinessCalendar:
        """Return the calendar of ``lang`` from ``extra.business_hours`` of mkdocs.yml.

        The whole declaration is checked (every language's hours and country),
        so a typo stops the start whichever language is asked first. A bad
        value raises ValueError naming its key:

        >>> BusinessCalendar.from_declaration({"timezone": "Europe/Paris", "days": ["mon", "tues"],
        ...     "hours": {"default": ["09:00", "18:00"]}, "holidays": {"fr": "FR"}}, "fr")
        Traceback (most recent call last):
        ...
        ValueError: business_hours.days: 'tues' is not one of mon, tue, wed, thu, fri, sat, sun
        """
        zone, days, hours, countries = _validated(declaration)
        if lang not in countries:
            raise ValueError(f"business_hours.holidays: no country for language {lang!r} "
                             f"(declared: {', '.join(sorted(countries))})")
        opens, closes = hours.get(lang, hours["default"])
        country, subdivision = countries[lang]
        return cls(lang=lang, timezone=zone, days=days, opens=opens, closes=closes,
                   country=country, subdivision=subdivision)

    # --- days ---

    def is_working_day(self, day: date) -> bool:
        """Tell whether ``day`` (a date in the calendar's zone) has business hours."""
        return day.weekday() in self.days and day not in public_holidays(self.country, self.subdivision, day.year)

    def opening_hours(self, day: date) -> tuple[datetime, datetime] | None:
        """Return when ``day`` opens and closes (UTC), or None on a weekend or holiday."""
        if not self.is_working_day(day):
            return None
        return self._at(day, self.opens), self._at(day, self.closes)

    # --- instants ---

    def is_working_time(self, t: datetime) -> bool:
        """Tell whether ``t`` falls within business hours (opening included, closing excluded)."""
        t = _utc(t, "t")
        hours = self.opening_hours(t.astimezone(self.timezone).date())
        return hours is not None and hours[0] <= t < hours[1]

    def next_working_moment(self, t: datetime) -> datetime:
        """Return ``t`` if it is working time, else the next opening."""
        t = _utc(t, "t")
        for opens, closes in self._working_periods_from(t):
            if closes > t:
                return max(opens, t)
        raise AssertionError("unreachable: working periods never end")

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant when ``duration`` of working time has passed since ``start``.

        Time outside business hours does not count, so 4 business hours from
        Friday 16:00 is Monday 11:00; a period that ends exactly at closing
        time ends there (14:00 + 4 h = 18:00 the same day).
        """
        start = _utc(start, "start")
        if duration < timedelta(0):
            raise ValueError(f"add_working_time: duration must not be negative, got {duration}")
        remaining = duration
        for opens, closes in self._working_periods_from(start):
            if closes <= start:
                continue
            begin = max(opens, start)
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise AssertionError("unreachable: working periods never end")

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Return the same working moment ``n`` working days later.

        A request on Friday 17:00 plus 2 working days is due on Tuesday 17:00.
        A start outside business hours counts from the next opening: Friday
        19:00 plus 2 working days is Wednesday 09:00.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"add_working_days: n must be a whole number of days >= 0, got {n!r}")
        moment = self.next_working_moment(start).astimezone(self.timezone)
        day = moment.date()
        for _ in range(n):
            day += timedelta(days=1)
            while not self.is_working_day(day):
                day += timedelta(days=1)
        return self._at(day, moment.time())

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Return how much working time lies between ``a`` and ``b`` (negative if ``b`` is before ``a``).

        This measures a paused SLA clock: the working time a case spent
        pending the customer is added to its due time.
        """
        a, b = _utc(a, "a"), _utc(b, "b")
        if b < a:
            return -self.working_time_between(b, a)
        total = timedelta(0)
        for opens, closes in self._working_periods_from(a):
            if opens >= b:
                break
            total += max(timedelta(0), min(closes, b) - max(opens, a))
        return total

    # --- helpers ---

    def _at(self, day: date, clock: time) -> datetime:
        """Return the UTC instant of a wall-clock time on a local day (zoneinfo applies summer time)."""
        return datetime.combine(day, clock, tzinfo=self.timezone).astimezone(UTC)

    def _working_periods_from(self, t: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield (opens, closes) of each working day from ``t``'s local day on, without end.

        It always yields again: a declaration has at least one working weekday
        and a year has finitely many holidays.
        """
        first = t.astimezone(self.timezone).date()
        for offset in itertools.count():
            hours = self.opening_hours(first + timedelta(days=offset))
            if hours is not None:
                yield hours


@dataclass(frozen=True)
class AlwaysOpen:
    """The 24/7 clock of critical cases: every moment is working time and a working day is 24 hours.

    >>> t = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    >>> ROUND_THE_CLOCK.add_working_time(t, timedelta(hours=1)).isoformat()
    '2027-01-01T00:00:00+00:00'
    """

    def is_working_time(self, t: datetime) -> bool:
        _utc(t, "t")
        return True

    def next_working_moment(self, t: datetime) -> datetime:
        return _utc(t, "t")

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        if duration < timedelta(0):
            raise ValueError(f"add_working_time: duration must not be negative, got {duration}")
        return _utc(start, "start") + duration

    def add_working_days(self, start: datetime, n: int) -> datetime:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"add_working_days: n must be a whole number of days >= 0, got {n!r}")
        return _utc(start, "start") + timedelta(days=n)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        return _utc(b, "b") - _utc(a, "a")


#: The clock of critical cases (support/sla: "clock runs 24/7").
ROUND_THE_CLOCK = AlwaysOpen()


def calendars_from_declaration(declaration: Mapping[str, Any]) -> dict[str, BusinessCalendar]:
    """Return the calendar of every language the declaration names a holiday country for."""
    _, _, _, countries = _validated(declaration)
    return {lang: BusinessCalendar.from_declaration(declaration, lang) for lang in countries}


# --- validation of the declaration ---

def _validated(declaration: Any) -> tuple[ZoneInfo, frozenset[int],
                                          dict[str, tuple[time, time]], dict[str, tuple[str, str | None]]]:
    """Check every key of the declaration; raise ValueError naming the first bad one."""
    if not isinstance(declaration, Mapping):
        raise ValueError(f"business_hours: expected a mapping, got {type(declaration).__name__}")
    missing = DECLARATION_KEYS - declaration.keys()
    if missing:
        raise ValueError(f"business_hours: missing key(s) {', '.join(sorted(missing))}")
    unknown = declaration.keys() - DECLARATION_KEYS
    if unknown:
        raise ValueError(f"business_hours: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                         f"(expected {', '.join(sorted(DECLARATION_KEYS))})")
    return (_zone(declaration["timezone"]), _days(declaration["days"]),
            _hours(declaration["hours"]), _countries(declaration["holidays"]))


def _zone(value: Any) -> ZoneInfo:
    if not isinstance(value, str) or not value:
        raise ValueError(f"business_hours.timezone: expected an IANA time zone name such as 'Europe/Paris', got {value!r}")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"business_hours.timezone: unknown time zone {value!r}") from None


def _days(value: Any) -> frozenset[int]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"business_hours.days: expected a list such as [mon, tue, wed, thu, fri], got {value!r}")
    days = []
    for name in value:
        if not isinstance(name, str) or name.lower() not in WEEKDAYS:
            raise ValueError(f"business_hours.days: {name!r} is not one of {', '.join(WEEKDAYS)}")
        days.append(WEEKDAYS.index(name.lower()))
    if len(set(days)) != len(days):
        raise ValueError(f"business_hours.days: a day is listed twice in {value!r}")
    return frozenset(days)


def _hours(value: Any) -> dict[str, tuple[time, time]]:
    if not isinstance(value, Mapping) or "default" not in value:
        raise ValueError(f"business_hours.hours: expected a mapping with a 'default' entry, got {value!r}")
    hours = {}
    for lang, span in value.items():
        key = f"business_hours.hours.{lang}"
        if not isinstance(span, (list, tuple)) or len(span) != 2:
            raise ValueError(f'{key}: expected ["HH:MM", "HH:MM"], got {span!r}')
        opens, closes = (_clock_time(key, item) for item in span)
        if not opens < closes:
            raise ValueError(f"{key}: opening {span[0]} must be before closing {span[1]}")
        hours[str(lang)] = (opens, closes)
    return hours


def _clock_time(key: str, value: Any) -> time:
    # YAML reads an unquoted 09:00 as the number 540 (base 60): ask for quotes.
    match = _CLOCK_TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'{key}: {value!r} is not a quoted 24-hour time such as "09:00"')
    return time(int(match[1]), int(match[2]))


def _countries(value: Any) -> dict[str, tuple[str, str | None]]:
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"business_hours.holidays: expected a mapping of language to country code, got {value!r}")
    supported = holidays.list_supported_countries()
    countries = {}
    for lang, code in value.items():
        key = f"business_hours.holidays.{lang}"
        match = _COUNTRY.match(code) if isinstance(code, str) else None
        if match is None:
            raise ValueError(f"{key}: {code!r} is not a country code such as 'FR' or 'DE-BY'")
        country, subdivision = match[1], match[2]
        if country not in supported:
            raise ValueError(f"{key}: the holidays library has no country {country!r}")
        if subdivision is not None and subdivision not in supported[country]:
            raise ValueError(f"{key}: the holidays library has no subdivision {subdivision!r} of {country}")
        countries[str(lang)] = (country, subdivision)
    return countries


def _utc(t: datetime, name: str) -> datetime:
    if not isinstance(t, datetime) or t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {t!r}")
    return t.astimezone(UTC)
