"""The Match calendar: every Match year's dates, as published or estimated from the yearly pattern.

`content/data/calendar.yaml` holds the dates the NRMP and the AAMC have published, each with its
source and whether it was checked against an official page, and the yearly pattern (Match Day on
the third Friday of March, and so on). A date the file does not hold is computed from the pattern
and marked as an estimate, so a guide built for any future date has a whole calendar.

Also here: the date a guide is built for (`--as-of`, `SOURCE_DATE_EPOCH` or today) and the phase
of the Match year that date falls in, which decides what is date-dependent in a guide.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

EVENTS = (
    "eras_opens",
    "submit_from",
    "nrmp_registration_opens",
    "programs_review_from",
    "interviews_from",
    "interviews_to",
    "rank_list_opens",
    "rank_list_deadline",
    "match_week_start",
    "soap_start",
    "soap_end",
    "match_day",
)
"""Every dated event of one Match year, in the order they happen."""

EVENT_NAMES = {
    "eras_opens": "ERAS opens for the season",
    "submit_from": "first day to submit applications to programs",
    "nrmp_registration_opens": "NRMP registration opens",
    "programs_review_from": "first day programs can review applications",
    "interviews_from": "interview season begins",
    "interviews_to": "interview season ends",
    "rank_list_opens": "rank list entry opens",
    "rank_list_deadline": "rank list certification deadline",
    "match_week_start": "Match Week begins",
    "soap_start": "SOAP begins",
    "soap_end": "SOAP ends",
    "match_day": "Match Day",
}
"""How each event is named in a guide."""

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Source(_Data):
    cite: str
    """Short citation shown beside a date, e.g. "AAMC 2025"."""
    title: str
    """Full reference for the Sources page."""
    url: str | None = None


class Published(_Data):
    """A date as a source gives it."""

    date: dt.date
    source: str
    verified: bool


class PublishedCount(_Data):
    value: int
    source: str
    verified: bool


class Rule(_Data):
    """How the pattern places one event: a weekday or a day of a month, or a number of days from another event."""

    month: Annotated[int, Field(ge=1, le=12)] | None = None
    day: Annotated[int, Field(ge=1, le=31)] | None = None
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None
    nth: Annotated[int, Field(ge=1, le=5)] | None = None
    year_offset: Annotated[int, Field(ge=-1, le=0)] = 0
    """0: in the Match year itself; -1: in the year before (the application season)."""
    after: str | None = None
    before: str | None = None
    days: Annotated[int, Field(ge=0, le=366)] | None = None
    weekend: Literal["keep", "next_monday"] = "keep"
    """next_monday: a date that falls on a Saturday or Sunday moves to the Monday after (NRMP practice)."""

    @model_validator(mode="after")
    def _one_form(self) -> "Rule":
        relative = self.after is not None or self.before is not None
        if relative:
            if self.days is None or (self.after and self.before) or self.month or self.day or self.weekday:
                raise ValueError("a relative rule gives `after` or `before` an event, and `days`")
            anchor = self.after or self.before
            if anchor not in EVENTS:
                raise ValueError(f"unknown event {anchor!r} (expected one of: {', '.join(EVENTS)})")
        elif self.month is None or (self.day is None) == (self.weekday is None) or (self.weekday and not self.nth):
            raise ValueError("a rule gives `month` and either `day`, or `weekday` with `nth`")
        return self


class Pattern(_Data):
    """The NRMP's and AAMC's yearly pattern: a rule per event, for a year whose dates are not in the data."""

    source: str
    soap_rounds: int
    eras_opens: Rule
    submit_from: Rule
    nrmp_registration_opens: Rule
    programs_review_from: Rule
    interviews_from: Rule
    interviews_to: Rule
    rank_list_opens: Rule
    rank_list_deadline: Rule
    match_day: Rule
    match_week_start: Rule = Rule(before="match_day", days=4)
    """Monday of Match Week, four days before Match Day (a Friday)."""
    soap_start: Rule = Rule(before="match_day", days=4)
    """SOAP runs from the Monday of Match Week ..."""
    soap_end: Rule = Rule(before="match_day", days=1)
    """... to its Thursday."""

    @property
    def rules(self) -> dict[str, Rule]:
        return {event: getattr(self, event) for event in EVENTS}


class YearEntry(_Data):
    eras_opens: Published | None = None
    submit_from: Published | None = None
    nrmp_registration_opens: Published | None = None
    programs_review_from: Published | None = None
    interviews_from: Published | None = None
    interviews_to: Published | None = None
    rank_list_opens: Published | None = None
    rank_list_deadline: Published | None = None
    match_week_start: Published | None = None
    soap_start: Published | None = None
    soap_end: Published | None = None
    match_day: Published | None = None
    soap_rounds: PublishedCount | None = None


class CalendarFile(_Data):
    sources: dict[str, Source]
    pattern: Pattern
    years: dict[Annotated[str, Field(pattern=r"^(19|20|21)\d\d$")], YearEntry]
    """Keyed by the Match year, written in quotes: "2026"."""


@dataclass(frozen=True)
class Dated:
    """One event of a Match year."""

    event: str
    date: dt.date
    cite: str
    """The short citation of its source, or of the pattern for an estimate."""
    verified: bool
    """Checked against an official page."""
    estimate: bool
    """Computed from the yearly pattern: the year's calendar is not published (or not in our data)."""

    @property
    def name(self) -> str:
        return EVENT_NAMES[self.event]

    @property
    def label(self) -> str:
        """The name at the start of a sentence or a table row."""
        return self.name[0].upper() + self.name[1:]


@dataclass(frozen=True)
class MatchYear:
    """The dates of one Match: its application season (the year before) and Match Week."""

    year: int
    dates: dict[str, Dated]
    soap_rounds: int

    def __getattr__(self, event: str) -> Dated:
        try:
            return self.__dict__["dates"][event]
        except KeyError:
            raise AttributeError(event) from None

    @property
    def estimated(self) -> bool:
        """Whether any of the year's dates is an estimate."""
        return any(d.estimate for d in self.dates.values())

    def in_soap(self, day: dt.date) -> bool:
        return self.soap_start.date <= day <= self.soap_end.date


class Calendar:
    """Every Match year: the published dates where the data holds them, else the pattern's."""

    def __init__(self, data: CalendarFile, deadlines: tuple = ()):
        self.sources = data.sources
        self.pattern = data.pattern
        self.published = {int(year): entry for year, entry in data.years.items()}
        self._years: dict[int, MatchYear] = {}
        self.deadlines = deadlines
        """An office's own deadlines (`generator.loading.data.Deadline`), by date; none without one."""

    def upcoming(self, day: dt.date) -> tuple:
        """The office's deadlines on or after DAY, by date: what a guide built on DAY may list."""
        return tuple(d for d in self.deadlines if d.date >= day)

    def __getitem__(self, year: int) -> MatchYear:
        if year not in self._years:
            self._years[year] = self._compute(year)
        return self._years[year]

    def estimate(self, year: int, event: str) -> dt.date:
        """EVENT of YEAR as the pattern places it (whatever the data publishes)."""
        return self._by_pattern(year, event, {})

    def _compute(self, year: int) -> MatchYear:
        entry = self.published.get(year) or YearEntry()
        known: dict[str, Dated] = {}
        for event in EVENTS:
            given: Published | None = getattr(entry, event)
            if given is not None:
                known[event] = Dated(event, given.date, self.sources[given.source].cite, given.verified, False)
        dates = dict(known)
        for event in EVENTS:
            if event not in dates:
                day = self._by_pattern(year, event, dates)
                dates[event] = Dated(event, day, self.sources[self.pattern.source].cite, False, True)
        rounds = entry.soap_rounds.value if entry.soap_rounds else self.pattern.soap_rounds
        return MatchYear(year, {e: dates[e] for e in EVENTS}, rounds)

    def _by_pattern(self, year: int, event: str, known: dict[str, Dated], depth: int = 0) -> dt.date:
        if event in known:
            return known[event].date
        if depth > len(EVENTS):
            raise ValueError(f"the calendar pattern's rules for {event!r} refer to each other in a loop")
        rule = self.pattern.rules[event]
        if rule.after or rule.before:
            anchor = self._by_pattern(year, rule.after or rule.before or "", known, depth + 1)
            step = dt.timedelta(days=rule.days or 0)
            return anchor + step if rule.after else anchor - step
        assert rule.month is not None
        in_year = year + rule.year_offset
        if rule.day is not None:
            day = dt.date(in_year, rule.month, rule.day)
            if rule.weekend == "next_monday" and day.weekday() >= 5:
                day += dt.timedelta(days=7 - day.weekday())
            return day
        assert rule.weekday is not None and rule.nth is not None
        return nth_weekday(in_year, rule.month, WEEKDAYS[rule.weekday], rule.nth)

    def cycle_on_time(self, day: dt.date, after: int) -> int:
        """The first Match later than AFTER whose applications are still on time on DAY.

        An application is on time for a Match until programs begin to review applications; after
        that, the season goes on, but the first wave of interview offers has been made.
        """
        year = after + 1
        while self[year].programs_review_from.date < day:
            year += 1
        return year

    def last_match(self, day: dt.date) -> int:
        """The latest Match whose Match Week has begun on DAY."""
        year = day.year
        while self[year].match_week_start.date > day:
            year -= 1
        return year


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    """The NTH WEEKDAY (0 = Monday) of MONTH in YEAR, e.g. the third Friday of March."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def default_as_of() -> dt.date:
    """The date a guide is built for when none is given: SOURCE_DATE_EPOCH's UTC date when set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return moment.date()


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from START's month to END's month (April to September is 5)."""
    return (end.year - start.year) * 12 + end.month - start.month


def month_name(day: dt.date) -> str:
    return day.strftime("%B %Y")


def long_date(day: dt.date) -> str:
    """`2 September 2026`: day, month, year, with no leading zero."""
    return f"{day.day} {day.strftime('%B %Y')}"


def weekday_date(day: dt.date) -> str:
    """`Monday 16 March 2026`."""
    return f"{day.strftime('%A')} {long_date(day)}"
