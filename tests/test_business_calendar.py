"""The business calendar: hours per language, holidays, summer time, the 24/7 clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from deflect.business_calendar import (
    ROUND_THE_CLOCK, BusinessCalendar, WorkingClock, calendars_from_declaration, public_holidays,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
#: The shape the lead declares in mkdocs.yml (extra.business_hours).
DECLARATION = {
    "timezone": "Europe/Paris",
    "days": ["mon", "tue", "wed", "thu", "fri"],
    "hours": {"default": ["09:00", "18:00"], "es": ["10:00", "19:00"]},
    "holidays": {"en": "GB", "de": "DE", "fr": "FR", "it": "IT", "es": "ES"},
}
CALENDARS = calendars_from_declaration(DECLARATION)


def paris(*args: int) -> datetime:
    """A wall-clock time in Paris (what the articles call CET)."""
    return datetime(*args, tzinfo=PARIS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_one_calendar_per_declared_language():
    assert sorted(CALENDARS) == ["de", "en", "es", "fr", "it"]
    assert [str(CALENDARS[lang].opens) for lang in ("fr", "es")] == ["09:00:00", "10:00:00"]
    assert CALENDARS["it"].country == "IT" and CALENDARS["it"].subdivision is None


@pytest.mark.parametrize("lang, moment, expected", [
    ("fr", paris(2026, 3, 2, 9, 0), True),           # Monday, opening included
    ("fr", paris(2026, 3, 2, 8, 59), False),
    ("fr", paris(2026, 3, 2, 17, 59), True),
    ("fr", paris(2026, 3, 2, 18, 0), False),         # closing excluded
    ("es", paris(2026, 3, 2, 9, 30), False),         # Spanish support opens at 10:00
    ("es", paris(2026, 3, 2, 18, 30), True),         # ... and closes at 19:00
    ("fr", paris(2026, 3, 2, 18, 30), False),
    ("fr", paris(2026, 3, 7, 11, 0), False),         # Saturday
    ("fr", paris(2026, 3, 8, 11, 0), False),         # Sunday
    ("fr", paris(2026, 7, 14, 10, 0), False),        # 14 July, French national day
    ("de", paris(2026, 7, 14, 10, 0), True),         # ... a working day for the German team
    ("fr", paris(2026, 5, 1, 10, 0), False),         # 1 May in France
    ("de", paris(2026, 5, 1, 10, 0), False),
    ("it", paris(2026, 5, 1, 10, 0), False),
    ("es", paris(2026, 5, 1, 11, 0), False),
    ("en", paris(2026, 5, 1, 10, 0), True),          # the UK's May Day is the first Monday (4 May)
    ("en", paris(2026, 5, 4, 10, 0), False),
    ("fr", paris(2026, 12, 25, 10, 0), False),       # Christmas
    ("fr", paris(2027, 1, 1, 10, 0), False),         # New Year's Day
    ("fr", utc(2026, 3, 30, 7, 0), True),            # 09:00 summer time (UTC+2)
    ("fr", utc(2026, 3, 27, 7, 30), False),          # 08:30 winter time (UTC+1) the Friday before
    ("fr", utc(2026, 10, 26, 7, 30), False),         # 08:30 winter time again, the Monday after
    ("fr", utc(2026, 10, 23, 7, 30), True),          # 09:30 summer time, the Friday before
])
def test_is_working_time(lang, moment, expected):
    assert CALENDARS[lang].is_working_time(moment) is expected


@pytest.mark.parametrize("lang, moment, expected", [
    ("fr", paris(2026, 3, 6, 18, 30), paris(2026, 3, 9, 9, 0)),      # Friday evening → Monday
    ("fr", paris(2026, 3, 4, 11, 15), paris(2026, 3, 4, 11, 15)),    # working time: itself
    ("es", paris(2026, 3, 4, 9, 15), paris(2026, 3, 4, 10, 0)),
    ("fr", paris(2026, 7, 13, 18, 30), paris(2026, 7, 15, 9, 0)),    # over 14 July
    ("fr", paris(2026, 12, 31, 18, 30), paris(2027, 1, 4, 9, 0)),    # over New Year and a weekend
    ("fr", paris(2026, 3, 28, 12, 0), paris(2026, 3, 30, 9, 0)),     # the weekend summer time starts
])
def test_next_working_moment(lang, moment, expected):
    result = CALENDARS[lang].next_working_moment(moment)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize("lang, start, hours, expected", [
    ("fr", paris(2026, 3, 6, 16, 0), 4, paris(2026, 3, 9, 11, 0)),     # Friday 16:00 + 4 business hours
    ("fr", paris(2026, 3, 4, 14, 0), 4, paris(2026, 3, 4, 18, 0)),     # ends at closing, not next morning
    ("fr", paris(2026, 3, 6, 19, 0), 4, paris(2026, 3, 9, 13, 0)),     # Friday evening
    ("es", paris(2026, 3, 6, 16, 0), 4, paris(2026, 3, 9, 11, 0)),     # 16-19 Friday, 10-11 Monday
    ("fr", paris(2026, 3, 7, 10, 0), 0, paris(2026, 3, 9, 9, 0)),      # nothing from Saturday: the opening
    ("fr", paris(2026, 3, 27, 16, 0), 4, paris(2026, 3, 30, 11, 0)),   # summer time starts on Sunday 29
    ("fr", paris(2026, 10, 23, 16, 0), 4, paris(2026, 10, 26, 11, 0)),  # summer time ends on Sunday 25
    ("fr", paris(2026, 12, 31, 17, 0), 2, paris(2027, 1, 4, 10, 0)),   # across New Year
    ("fr", paris(2026, 3, 2, 9, 0), 24, paris(2026, 3, 4, 15, 0)),     # several days: 9 h a day
])
def test_add_working_time(lang, start, hours, expected):
    assert CALENDARS[lang].add_working_time(start, timedelta(hours=hours)) == expected


def test_summer_time_keeps_wall_clock_hours():
    """Opening stays at 09:00 in Paris, so in UTC it moves by an hour across each change."""
    fr = CALENDARS["fr"]
    assert fr.add_working_time(utc(2026, 3, 27, 15, 0), timedelta(hours=4)) == utc(2026, 3, 30, 9, 0)
    assert fr.add_working_time(utc(2026, 10, 23, 14, 0), timedelta(hours=4)) == utc(2026, 10, 26, 10, 0)


@pytest.mark.parametrize("lang, start, days, expected", [
    ("fr", paris(2026, 3, 6, 17, 0), 2, paris(2026, 3, 10, 17, 0)),    # Friday 17:00 + 2 = Tuesday 17:00
    ("fr", paris(2026, 3, 6, 19, 0), 2, paris(2026, 3, 11, 9, 0)),     # outside hours: from the next opening
    ("fr", paris(2026, 3, 7, 15, 0), 1, paris(2026, 3, 10, 9, 0)),     # from a Saturday
    ("fr", paris(2026, 7, 10, 17, 0), 2, paris(2026, 7, 15, 17, 0)),   # 14 July is skipped in France
    ("de", paris(2026, 7, 10, 17, 0), 2, paris(2026, 7, 14, 17, 0)),   # ... not in Germany
    ("fr", paris(2026, 7, 14, 11, 0), 1, paris(2026, 7, 16, 9, 0)),    # filed on the holiday itself
    ("fr", paris(2026, 4, 30, 10, 0), 1, paris(2026, 5, 4, 10, 0)),    # 1 May
    ("en", paris(2026, 4, 30, 10, 0), 1, paris(2026, 5, 1, 10, 0)),
    ("fr", paris(2026, 3, 27, 17, 0), 2, paris(2026, 3, 31, 17, 0)),   # spring change
    ("fr", paris(2026, 10, 23, 17, 0), 1, paris(2026, 10, 26, 17, 0)),  # autumn change
    ("fr", paris(2026, 12, 30, 10, 0), 2, paris(2027, 1, 4, 10, 0)),   # across New Year
    ("es", paris(2027, 1, 4, 10, 0), 2, paris(2027, 1, 7, 10, 0)),     # 6 January in Spain
    ("es", paris(2026, 3, 6, 18, 30), 2, paris(2026, 3, 10, 18, 30)),  # 18:30 is still open in Spanish
    ("fr", paris(2026, 11, 6, 12, 0), 10, paris(2026, 11, 23, 12, 0)),  # auto-close; 11 November skipped
    ("fr", paris(2026, 3, 7, 10, 0), 0, paris(2026, 3, 9, 9, 0)),
])
def test_add_working_days(lang, start, days, expected):
    result = CALENDARS[lang].add_working_days(start, days)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize("lang, a, b, hours", [
    ("fr", paris(2026, 3, 6, 17, 0), paris(2026, 3, 9, 10, 0), 2),
    ("fr", paris(2026, 3, 7, 10, 0), paris(2026, 3, 8, 20, 0), 0),     # a weekend
    ("fr", paris(2026, 3, 4, 10, 0), paris(2026, 3, 4, 10, 0), 0),
    ("fr", paris(2026, 3, 27, 9, 0), paris(2026, 3, 30, 18, 0), 18),   # two days, across the spring change
    ("fr", paris(2026, 10, 23, 9, 0), paris(2026, 10, 26, 18, 0), 18),
    ("fr", paris(2026, 7, 13, 9, 0), paris(2026, 7, 17, 18, 0), 36),   # a week with 14 July
    ("de", paris(2026, 7, 13, 9, 0), paris(2026, 7, 17, 18, 0), 45),
    ("es", paris(2026, 3, 2, 9, 0), paris(2026, 3, 2, 19, 30), 9),
    ("fr", paris(2026, 12, 31, 12, 0), paris(2027, 1, 4, 12, 0), 9),
    ("fr", paris(2026, 3, 9, 10, 0), paris(2026, 3, 6, 17, 0), -2),    # backwards: negative
])
def test_working_time_between(lang, a, b, hours):
    assert CALENDARS[lang].working_time_between(a, b) == timedelta(hours=hours)


@pytest.mark.parametrize("start", [
    paris(2026, 3, 6, 17, 30), paris(2026, 3, 27, 8, 0), paris(2026, 10, 24, 3, 0), paris(2026, 12, 24, 16, 45),
])
@pytest.mark.parametrize("minutes", [0, 1, 90, 9 * 60, 40 * 60 + 7])
def test_working_time_between_measures_what_add_working_time_adds(start, minutes):
    fr = CALENDARS["fr"]
    duration = timedelta(minutes=minutes)
    assert fr.working_time_between(start, fr.add_working_time(start, duration)) == duration


def test_subdivision_holidays():
    bavaria = BusinessCalendar.from_declaration({**DECLARATION, "holidays": {"de": "DE-BY"}}, "de")
    corpus_christi = paris(2026, 6, 4, 10, 0)
    assert not bavaria.is_working_time(corpus_christi)
    assert CALENDARS["de"].is_working_time(corpus_christi)


def test_holidays_are_computed_once_per_year():
    public_holidays.cache_clear()
    fr = CALENDARS["fr"]
    fr.add_working_days(paris(2026, 1, 5, 10, 0), 200)
    assert public_holidays.cache_info().currsize == 1
    fr.add_working_days(paris(2026, 12, 28, 10, 0), 5)
    assert public_holidays.cache_info().currsize == 2


@pytest.mark.parametrize("start, expected_open", [
    (paris(2026, 3, 7, 3, 0), True),                # Saturday night
    (paris(2026, 7, 14, 3, 0), True),               # a holiday
])
def test_round_the_clock_is_always_open(start, expected_open):
    assert ROUND_THE_CLOCK.is_working_time(start) is expected_open
    assert ROUND_THE_CLOCK.next_working_moment(start) == start


def test_round_the_clock_counts_elapsed_time():
    clock: WorkingClock = ROUND_THE_CLOCK
    friday = paris(2026, 3, 27, 17, 0)
    # A working day on the 24/7 clock is 24 elapsed hours, even across the spring change
    # (Sunday 18:00 in Paris, not the wall-clock 17:00 that aware arithmetic in Paris would give).
    assert clock.add_working_days(friday, 2) == utc(2026, 3, 29, 16, 0) == paris(2026, 3, 29, 18, 0)
    assert clock.add_working_time(friday, timedelta(hours=1)) == utc(2026, 3, 27, 17, 0)
    assert clock.working_time_between(friday, paris(2026, 3, 30, 9, 0)) == timedelta(hours=63)
    assert clock.add_working_time(utc(2026, 12, 31, 23, 30), timedelta(hours=1)) == utc(2027, 1, 1, 0, 30)
    assert clock.add_working_days(friday, 0).tzinfo is UTC


def test_both_clocks_offer_the_same_interface():
    for name in ("is_working_time", "next_working_moment", "add_working_time", "add_working_days",
                 "working_time_between"):
        assert callable(getattr(ROUND_THE_CLOCK, name)) and callable(getattr(CALENDARS["fr"], name))


def test_a_calendar_is_an_immutable_value():
    fr = CALENDARS["fr"]
    with pytest.raises(AttributeError):
        fr.opens = fr.closes  # type: ignore[misc]
    assert fr == BusinessCalendar.from_declaration(DECLARATION, "fr")
    assert hash(fr) == hash(BusinessCalendar.from_declaration(DECLARATION, "fr"))


def _with(**changes):
    return {**DECLARATION, **changes}


@pytest.mark.parametrize("declaration, lang, message", [
    (["mon"], "fr", "business_hours: expected a mapping"),
    ({k: v for k, v in DECLARATION.items() if k != "days"}, "fr", "business_hours: missing key(s) days"),
    (_with(holiday={"fr": "FR"}), "fr", "business_hours: unknown key(s) holiday"),
    (_with(timezone="CET+1"), "fr", "business_hours.timezone: unknown time zone 'CET+1'"),
    (_with(timezone="Europe"), "fr", "business_hours.timezone: unknown time zone 'Europe'"),
    (_with(timezone=1), "fr", "business_hours.timezone: expected an IANA time zone name"),
    (_with(days=["mon", "tues"]), "fr", "business_hours.days: 'tues' is not one of mon, tue"),
    (_with(days=[]), "fr", "business_hours.days: expected a list"),
    (_with(days="mon-fri"), "fr", "business_hours.days: expected a list"),
    (_with(days=["mon", "mon"]), "fr", "business_hours.days: a day is listed twice"),
    (_with(hours={"es": ["10:00", "19:00"]}), "fr", "business_hours.hours: expected a mapping with a 'default'"),
    (_with(hours={"default": [540, 1080]}), "fr", 'business_hours.hours.default: 540 is not a quoted 24-hour time'),
    (_with(hours={"default": ["9h", "18h"]}), "fr", "business_hours.hours.default: '9h' is not"),
    (_with(hours={"default": ["09:00"]}), "fr", "business_hours.hours.default: expected"),
    (_with(hours={"default": ["09:00", "18:00"], "es": ["19:00", "10:00"]}), "fr",
     "business_hours.hours.es: opening 19:00 must be before closing 10:00"),
    (_with(hours={"default": ["09:00", "24:00"]}), "fr", "business_hours.hours.default: '24:00' is not"),
    (_with(holidays={"fr": "France"}), "fr", "business_hours.holidays.fr: 'France' is not a country code"),
    (_with(holidays={"fr": "XX"}), "fr", "business_hours.holidays.fr: the holidays library has no country 'XX'"),
    (_with(holidays={"fr": "FR", "de": "DE-ZZ"}), "fr",
     "business_hours.holidays.de: the holidays library has no subdivision 'ZZ' of DE"),
    (_with(holidays={}), "fr", "business_hours.holidays: expected a mapping"),
    (DECLARATION, "nl", "business_hours.holidays: no country for language 'nl'"),
])
def test_bad_declarations_name_the_key(declaration, lang, message):
    with pytest.raises(ValueError) as caught:
        BusinessCalendar.from_declaration(declaration, lang)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("call", [
    lambda fr: fr.is_working_time(datetime(2026, 3, 2, 10, 0)),
    lambda fr: fr.add_working_days(datetime(2026, 3, 2, 10, 0), 1),
    lambda fr: fr.working_time_between(paris(2026, 3, 2, 10, 0), datetime(2026, 3, 3, 10, 0)),
    lambda fr: ROUND_THE_CLOCK.add_working_time(datetime(2026, 3, 2, 10, 0), timedelta(hours=1)),
])
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="must be a timezone-aware datetime"):
        call(CALENDARS["fr"])


@pytest.mark.parametrize("clock", [CALENDARS["fr"], ROUND_THE_CLOCK])
@pytest.mark.parametrize("call, message", [
    (lambda clock: clock.add_working_time(paris(2026, 3, 2, 10, 0), timedelta(hours=-1)), "must not be negative"),
    (lambda clock: clock.add_working_days(paris(2026, 3, 2, 10, 0), -1), "n must be a whole number"),
    (lambda clock: clock.add_working_days(paris(2026, 3, 2, 10, 0), 1.5), "n must be a whole number"),
])
def test_negative_amounts_are_refused(clock, call, message):
    with pytest.raises(ValueError, match=message):
        call(clock)


def test_the_declaration_in_mkdocs_yml_when_present():
    """Once extra.business_hours is in mkdocs.yml, every language of the help center has a calendar."""
    from deflect.site import load_help_center

    help_center = load_help_center(Path(__file__).resolve().parents[1] / "mkdocs.yml")
    if "business_hours" not in help_center.extra:
        pytest.skip("mkdocs.yml declares no extra.business_hours yet")
    calendars = calendars_from_declaration(help_center.extra["business_hours"])
    assert set(help_center.languages) <= set(calendars)
