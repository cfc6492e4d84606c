"""The reader's plan on the real calendar: phases and months from the as-of date to the target Match.

The phases and their words come from `content/data/plan.yaml`; where each one falls comes from the
calendar (`content/data/calendar.yaml`): preparation ends when applications can first be sent,
interviews follow, then the rank list and Match Week. Aiming at the next Match squeezes the
playbook's debrief and repair into the months before September; aiming at the one after gives the
playbook's 12 to 18 months, with a phase of visible work between them. Without a target Match (the
facts are still to be gathered, or the reader builds from a position they hold) the plan covers the
next twelve months, with no application dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.loading.data import PlanFile
from generator.dates import Calendar, Dated, MatchYear, long_date, months_between
from generator.models import Diagnosis

OPEN_MONTHS = 12
"""How far a plan with no target Match looks ahead."""


@dataclass(frozen=True)
class Milestone:
    """A dated step of the plan."""

    date: dt.date
    text: str
    estimate: bool = False
    """The date comes from the yearly pattern, not a published calendar."""
    verified: bool = True

    @property
    def when(self) -> str:
        return long_date(self.date)


@dataclass(frozen=True)
class Phase:
    id: str
    title: str
    start: int
    """First month of the phase, counted from the as-of month (0)."""
    end: int
    """Last month of the phase (inclusive)."""
    summary: str
    """The phase in one line."""
    focus: tuple[str, ...]
    """What to work on, month by month in turn; in the repair phase, one line per flagged bucket."""
    buckets: tuple[str, ...] = ()
    """The flagged buckets the focus lines answer (repair phase, personal plans only)."""
    first_month: dt.date | None = None
    last_month: dt.date | None = None

    @property
    def span(self) -> str:
        """`April to May 2026`, `June 2026`, `October 2026 to January 2027`."""
        a, b = self.first_month, self.last_month
        if a is None or b is None:
            return ""
        if a == b:
            return a.strftime("%B %Y")
        if a.year == b.year:
            return f"{a.strftime('%B')} to {b.strftime('%B %Y')}"
        return f"{a.strftime('%B %Y')} to {b.strftime('%B %Y')}"


@dataclass(frozen=True)
class Month:
    start: dt.date
    """The first day of the month."""
    phase: str
    focus: str
    milestones: tuple[Milestone, ...]

    @property
    def label(self) -> str:
        return self.start.strftime("%B %Y")


@dataclass(frozen=True)
class Plan:
    as_of: dt.date
    target_match: int | None
    route: str
    """`next` (applications this coming September), `after_next` (a year to rebuild first) or `open` (no target Match)."""
    phases: tuple[Phase, ...]
    months: tuple[Month, ...]
    milestones: tuple[Milestone, ...]
    match: MatchYear | None
    """The target Match's calendar."""
    months_to_submit: int | None = None
    """Months from the as-of month to the month applications can first be sent; None without a target."""

    def month_focus(self, months: int | None = None) -> list[str]:
        """The focus of each month of the plan, from the as-of month on."""
        return [m.focus for m in self.months[:months]]

    @property
    def month_labels(self) -> list[str]:
        return [m.label for m in self.months]

    @property
    def length(self) -> int:
        return len(self.months)


def build_plan(dx: Diagnosis | None, data: PlanFile, calendar: Calendar, as_of: dt.date, target_match: int | None) -> Plan:
    """The plan from AS_OF to TARGET_MATCH's Match Week; with a diagnosis, the repair phase works on what it flagged."""
    start = as_of.replace(day=1)
    flagged = dx.flagged if dx else []
    match = calendar[target_match] if target_match else None
    if match is None:
        last = OPEN_MONTHS - 1
        spans = {"debrief": (0, 1), "repair": (2, 6), "visibility": (7, last)}
        milestones: list[Milestone] = []
        route = "open"
    else:
        submit = months_between(as_of, match.submit_from.date)
        interviews_end = months_between(as_of, match.interviews_to.date)
        last = months_between(as_of, match.match_day.date)
        spans = _spans(submit, interviews_end, last)
        milestones = _milestones(match, as_of, dx)
        # The next Match is the first whose applications are still on time on the as-of date.
        route = "next" if target_match == calendar.cycle_on_time(as_of, as_of.year - 2) else "after_next"

    phases: list[Phase] = []
    for p in data.phases:
        if p.id not in spans:
            continue
        a, b = spans[p.id]
        buckets = tuple(b_ for b_ in flagged if b_ in p.by_bucket)
        lines = [p.by_bucket[b_] for b_ in buckets]
        months = b - a + 1
        if len(lines) < months:  # more months than flagged buckets: the phase's steps fill the rest, so no line repeats
            lines += list(p.steps)[: months - len(lines)]
        focus = tuple(lines) or (p.focus,)
        phases.append(Phase(p.id, p.title, a, b, p.focus, focus, buckets, _add_months(start, a), _add_months(start, b)))

    months: list[Month] = []
    for n in range(last + 1):
        first = _add_months(start, n)
        phase = next((p for p in phases if p.start <= n <= p.end), phases[-1])
        here = tuple(m for m in milestones if (m.date.year, m.date.month) == (first.year, first.month))
        dated = "; ".join(f"{m.text} ({m.date.day} {m.date.strftime('%B')}{_mark(m)})" for m in here)
        # A phase's lines are shared out over its months, so no line repeats month after month and a
        # short phase still shows every line.
        length, k = phase.end - phase.start + 1, n - phase.start
        if len(phase.focus) >= length:
            work = "; ".join(line for i, line in enumerate(phase.focus) if i % length == k)
        else:
            work = phase.focus[k % len(phase.focus)]
        if phase.id in ("prepare", "apply", "rank") and dated:
            focus = dated
        else:
            focus = f"{work}. {dated[0].upper() + dated[1:]}" if dated else work
        months.append(Month(first, phase.id, focus, here))
    return Plan(as_of, target_match, route, tuple(phases), tuple(months), tuple(milestones), match,
                months_between(as_of, match.submit_from.date) if match else None)


def _spans(submit: int, interviews_end: int, last: int) -> dict[str, tuple[int, int]]:
    """Where each phase falls, in months from the as-of month, for applications sent in month SUBMIT."""
    spans: dict[str, tuple[int, int]] = {}
    if submit >= 5:
        prepare = submit - 2
        spans["debrief"] = (0, 1)
        spans["repair"] = (2, min(6, prepare - 1))
        if prepare - 1 >= 7:
            spans["visibility"] = (7, prepare - 1)
        spans["prepare"] = (prepare, submit - 1)
    elif submit == 4:  # a month each for the debrief and the repairs, two to prepare
        spans.update(debrief=(0, 0), repair=(1, 1), prepare=(2, 3))
    elif submit == 3:
        spans.update(debrief=(0, 0), repair=(1, 1), prepare=(2, 2))
    elif submit == 2:
        spans.update(debrief=(0, 0), prepare=(1, 1))
    elif submit == 1:
        spans.update(prepare=(0, 0))
    interviews_end = max(interviews_end, submit)
    spans["apply"] = (submit, interviews_end)
    if last > interviews_end:
        spans["rank"] = (interviews_end + 1, last)
    return spans


def _milestones(match: MatchYear, as_of: dt.date, dx: Diagnosis | None) -> list[Milestone]:
    """The dated steps from AS_OF to Match Week; none falls after its deadline."""
    submit = match.submit_from.date
    found: list[Milestone] = []

    def add(day: dt.date, text: str, source: Dated | None = None) -> None:
        if day >= as_of:
            found.append(Milestone(day, text, source.estimate if source else False, source.verified if source else True))

    add(match.eras_opens.date, "ERAS opens: register and start filling in the application", match.eras_opens)
    # Letters and the statement must be ready before the first day of submission, whenever the plan starts.
    if as_of < submit:
        letters = max(as_of, submit - dt.timedelta(days=42))
        statement = max(as_of, submit - dt.timedelta(days=14))
        add(letters, "Letter writers confirmed, each with a short brief", match.submit_from)
        add(statement, "Personal statement final, read by a mentor", match.submit_from)
    add(submit, "Submit your applications on the first day they can go out", match.submit_from)
    add(match.nrmp_registration_opens.date, "Register for the Match with the NRMP", match.nrmp_registration_opens)
    add(match.programs_review_from.date, "Programs begin reviewing applications", match.programs_review_from)
    add(match.interviews_from.date, "Interview season begins: rehearse your three answers out loud", match.interviews_from)
    add(match.rank_list_opens.date, "Rank list entry opens", match.rank_list_opens)
    add(match.rank_list_deadline.date, "Certify your rank list (the deadline)", match.rank_list_deadline)
    add(match.match_week_start.date, "Match Week: SOAP from Monday to Thursday, Match Day on Friday", match.match_week_start)
    holding = dx.holding if dx else None
    if holding is not None and holding.ends is not None:
        add(holding.ends, "Your preliminary year ends")
    return sorted(found, key=lambda m: m.date)


def _mark(milestone: Milestone) -> str:
    if milestone.estimate:
        return ", estimate"
    return "" if milestone.verified else ", unverified"


def _add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)
