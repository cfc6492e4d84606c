"""The calendar, the date a guide is built for, and which Match a reader aims at.

Every date comes from content/data/calendar.yaml (published dates with their sources) or from its
yearly pattern (estimates). No test depends on today's date: each passes the date it needs.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import AS_OF, PROFILES, REMOVE
from generator.commands.cli import main
from generator.dates import EVENTS, nth_weekday

D = dt.date


@pytest.fixture(scope="module")
def cal(kit):
    return kit.data.calendar


# -- the calendar ----------------------------------------------------------------------------------


def test_the_pattern_reproduces_every_published_date(cal):
    checked = 0
    for year in cal.published:
        for event, dated in cal[year].dates.items():
            if not dated.estimate:
                assert cal.estimate(year, event) == dated.date, (year, event)
                checked += 1
    assert checked >= 40


@pytest.mark.parametrize("year", range(2024, 2036))
def test_match_week_follows_the_nrmp_pattern_every_year(cal, year):
    m = cal[year]
    assert m.match_day.date == nth_weekday(year, 3, 4, 3)  # the third Friday of March
    assert m.match_week_start.date.weekday() == 0 and (m.match_day.date - m.match_week_start.date).days == 4
    assert (m.soap_start.date, m.soap_end.date) == (m.match_week_start.date, m.match_day.date - dt.timedelta(days=1))
    dates = [m.dates[e].date for e in EVENTS if e != "interviews_to"]
    assert dates == sorted(dates)
    assert m.submit_from.date.year == year - 1 and m.submit_from.date.month == 9


def test_published_dates_carry_their_source_and_estimates_say_so(cal):
    m2026 = cal[2026]
    assert m2026.match_day.date == D(2026, 3, 20)
    assert not m2026.match_day.estimate and m2026.match_day.verified
    assert m2026.submit_from.date == D(2025, 9, 3) and m2026.submit_from.cite == "AAMC 2025"
    m2027 = cal[2027]
    assert m2027.eras_opens.date == D(2026, 6, 3) and not m2027.eras_opens.verified and not m2027.eras_opens.estimate
    assert m2027.submit_from.estimate and m2027.submit_from.date == D(2026, 9, 2)
    assert m2027.match_day.estimate and m2027.match_day.date == D(2027, 3, 19)
    far = cal[2041]
    assert all(d.estimate for d in far.dates.values())
    assert far.match_day.cite.startswith("estimate")


def test_a_weekend_date_moves_to_the_monday_after(cal):
    # 15 September 2024 was a Sunday: NRMP registration for the 2025 Match opened on Monday the 16th.
    assert cal.estimate(2025, "nrmp_registration_opens") == D(2024, 9, 16)
    assert cal.estimate(2030, "nrmp_registration_opens") == D(2029, 9, 17)  # 15 September 2029 is a Saturday
    assert cal.estimate(2025, "rank_list_opens") == D(2025, 2, 3)


# -- the date a guide is built for -------------------------------------------------------------------


@pytest.mark.parametrize("as_of, ok", [("2026-03-15", False), ("2026-03-16", True), ("2026-03-17", True)])
def test_a_date_before_match_week_is_a_located_error(runner, write_profile, as_of, ok):
    path = write_profile({"match_year": 2026})
    result = runner.invoke(main, ["diagnose", str(path), "--json", "--as-of", as_of])
    if ok:
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["as_of"] == as_of
        return
    assert result.exit_code == 2
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("match_year:"))
    assert result.stderr.startswith(f"{path}:{line}:13: match_year: the 2026 Match Week begins on Monday 16 March 2026, after the guide's date 15 March 2026")
    assert "outcome cannot be known yet" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_future_match_is_refused_with_its_estimated_week(runner, write_profile, tmp_path):
    path = write_profile({"match_year": 2027, "graduation_year": 2026})
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(path), "-o", str(out), "--as-of", "2026-11-29", "--no-pdf"])
    assert result.exit_code == 2
    assert "the 2027 Match Week begins on Monday 15 March 2027, an estimate from the NRMP's yearly pattern" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "01/04/2026"])
def test_a_bad_as_of_date_is_a_clear_error(runner, value):
    result = runner.invoke(main, ["diagnose", str(PROFILES / "jordan-rivera.yaml"), "--as-of", value])
    assert result.exit_code == 2
    assert f"'{value}' is not a date (expected YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_as_of_the_date_comes_from_source_date_epoch(runner, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2026, 5, 4, 23, 30, tzinfo=dt.timezone.utc).timestamp())))
    got = json.loads(runner.invoke(main, ["diagnose", str(PROFILES / "jordan-rivera.yaml"), "--json"]).output)
    assert got["as_of"] == "2026-05-04"


def test_the_guide_shows_the_date_it_was_prepared_for(kit, tmp_path):
    from generator.commands.build import build

    built = build(PROFILES / "jordan-rivera.yaml", tmp_path, kit, as_of=D(2026, 4, 1), pdf=False)
    home = (built.folder / "index.html").read_text()
    assert 'Prepared on <time datetime="2026-04-01">1 April 2026</time>' in home
    assert "aiming at the 2027 Match" in home


# -- which Match, across a whole year ------------------------------------------------------------------

# The base profile (nothing flagged, a reattempt whose work takes rules.cycle.months_to_show.reattempt
# months) of the 2026 Match, on dates across the year that follows it: (date, phase, soap_now for an
# unmatched reader, target Match).
YEAR = [
    (D(2026, 3, 16), "soap", True, 2027),          # Monday of Match Week: SOAP begins
    (D(2026, 3, 19), "soap", True, 2027),          # Thursday: the last day of SOAP
    (D(2026, 3, 20), "after_soap", False, 2027),   # Match Day
    (D(2026, 4, 2), "after_soap", False, 2027),    # the last of the two weeks after Match Day
    (D(2026, 4, 3), "before_eras", False, 2027),
    (D(2026, 6, 2), "before_eras", False, 2027),   # the day before ERAS opens (3 June 2026)
    (D(2026, 6, 3), "eras_open", False, 2027),
    (D(2026, 9, 1), "eras_open", False, 2027),     # the day before applications can be sent (2 September, estimate)
    (D(2026, 9, 2), "submission", False, 2027),
    (D(2026, 9, 23), "submission", False, 2027),   # programs begin reading: still on time
    (D(2026, 9, 24), "before_eras", False, 2027),  # late, but a reader ready now still sends it (rules.cycle.late_window_days)
    (D(2026, 10, 31), "before_eras", False, 2027), # the last day of the late window
    (D(2026, 11, 1), "before_eras", False, 2028),  # after it, the next on-time Match is the one after
    (D(2027, 1, 15), "before_eras", False, 2028),
    (D(2027, 3, 16), "before_eras", False, 2028),  # the 2027 Match Week is not this reader's
]


@pytest.mark.parametrize("day, phase, soap, target", YEAR, ids=[str(d) for d, *_ in YEAR])
def test_target_match_soap_and_phase_across_a_year(diagnosis_of, day, phase, soap, target):
    dx = diagnosis_of({}, as_of=day)
    assert dx.decision == "reattempt"
    assert (dx.cycle.phase, dx.cycle.soap_now, dx.cycle.target_match) == (phase, soap, target)


@pytest.mark.parametrize("outcome, soap", [
    ("unmatched", True), ("prelim_only", True), ("advanced_only", True),
    ("unmatched_after_soap", False), ("matched_other", False), ("soap_unwanted", False),
])
def test_only_readers_who_can_take_part_are_told_soap_is_on(diagnosis_of, outcome, soap):
    changes = {"outcome": outcome}
    if outcome in ("matched_other", "soap_unwanted", "advanced_only"):
        changes["matched_specialty"] = "internal_medicine"
    for day in (D(2026, 3, 16), D(2026, 3, 19)):
        assert diagnosis_of(changes, as_of=day).cycle.soap_now is soap
    assert diagnosis_of(changes, as_of=D(2026, 3, 20)).cycle.soap_now is False


@pytest.mark.parametrize("offset, target", [(-1, 2027), (0, 2027), (1, 2028)])
def test_work_that_fits_before_applications_open_aims_at_the_next_match(kit, diagnosis_of, offset, target):
    # A pivot needs rules.cycle.months_to_show.pivot months. Applications for the 2027 Match open in
    # September 2026: a guide built that many months before (and one month later or earlier) decides.
    months = kit.data.rules.cycle.months_to_show.pivot
    month = 9 - months + offset
    day = D(2026, month, 10)
    dx = diagnosis_of({"scores.exam_failures": 2, "scores.step2_ck": 240, "situation.extra_years": 2}, as_of=day)
    assert dx.decision == "pivot"
    assert dx.cycle.months_needed == months
    assert dx.cycle.months_left == 9 - month
    assert dx.cycle.target_match == target


def test_a_research_year_is_honest_about_which_september_it_is_ready_for(diagnosis_of, kit):
    # A dermatology reattempt with thin research: the output takes a year, so not this September.
    dx = diagnosis_of({"application.specialty_research": 2, "application.letters_in_specialty": 1, "situation.extra_years": 2},
                      as_of=D(2026, 3, 17))
    assert dx.decision == "reattempt"
    assert dx.cycle.months_needed == kit.data.rules.cycle.months_to_show.metrics_research
    assert dx.cycle.target_match == 2028
    assert any("research output in Dermatology" in r for r in dx.cycle.reasons)
    assert any("cannot be ready by September 2026, so aim at the 2028 Match" in r for r in dx.cycle.reasons)


def test_a_preliminary_year_aims_at_the_next_match_and_hears_of_advanced_positions(diagnosis_of):
    dx = diagnosis_of({"outcome": "prelim_only", "matched_specialty": "internal_medicine", "dream_specialty": "anesthesiology",
                       "scores.step2_ck": 250}, as_of=D(2026, 4, 1))
    assert dx.holding.kind == "preliminary" and dx.holding.ends == D(2027, 6, 30)
    assert dx.cycle.target_match == 2027
    assert any("Your preliminary year ends on 30 June 2027" in r for r in dx.cycle.reasons)
    assert any(r.startswith("Anesthesiology also fills second-year (PGY-2) positions") and "begin in July 2027, straight after it" in r
               and "July 2028 for the 2027 Match" in r and "rank them only with a plan for the year between" in r
               for r in dx.cycle.reasons)


def test_a_field_without_advanced_positions_is_not_offered_them(diagnosis_of):
    dx = diagnosis_of({"outcome": "prelim_only", "dream_specialty": "internal_medicine", "scores.step2_ck": 251,
                       "application.backup_specialty": "family_medicine"}, as_of=D(2026, 4, 1))
    assert not any("(PGY-2)" in r for r in dx.cycle.reasons)


def test_a_held_position_that_ranks_first_needs_no_new_match(diagnosis_of):
    dx = diagnosis_of({"outcome": "matched_other", "matched_specialty": "internal_medicine", "scores.exam_failures": 2,
                       "preferences.open_to": ["internal_medicine"]}, as_of=D(2026, 4, 1))
    assert dx.decision == "pivot" and dx.target_specialty == "internal_medicine"
    assert dx.cycle.target_match is None
    assert any("no new Match is needed" in r for r in dx.cycle.reasons)


# -- the plan on the calendar -------------------------------------------------------------------------------


def test_april_reader_of_the_2026_match_submits_in_september_2026(kit):
    from generator.commands.build import prepare
    from generator.advice.select import reader_context

    guide = prepare(PROFILES / "jordan-rivera.yaml", kit, as_of=D(2026, 4, 1))
    dx = guide.diagnosis
    assert dx.decision == "pivot" and dx.cycle.target_match == 2027
    plan = reader_context(guide.profile, dx, kit.data, as_of=D(2026, 4, 1))["plan"]
    assert plan.months[0].label == "April 2026" and plan.months[-1].label == "March 2027"
    submit = next(m for m in plan.milestones if m.text.startswith("Submit"))
    assert (submit.date.year, submit.date.month) == (2026, 9)
    september = next(m for m in plan.months if m.label == "September 2026")
    assert september.focus.startswith("Submit your applications on the first day")
    m2027 = kit.data.calendar[2027]
    deadlines = {"Letter writers": m2027.submit_from.date, "Personal statement": m2027.submit_from.date,
                 "Certify your rank list": m2027.rank_list_deadline.date}
    for milestone in plan.milestones:
        assert AS_OF <= milestone.date <= m2027.match_day.date
        for start, deadline in deadlines.items():
            if milestone.text.startswith(start):
                assert milestone.date <= deadline, milestone
    assert [p.id for p in plan.phases] == ["debrief", "repair", "prepare", "apply", "rank"]


def test_late_in_the_season_no_milestone_is_placed_after_its_deadline(kit):
    from generator.commands.build import prepare
    from generator.advice.select import reader_context

    day = D(2026, 8, 25)  # a week before applications open: letters and statement are due now
    guide = prepare(PROFILES / "sam-okafor.yaml", kit, as_of=day)
    plan = reader_context(guide.profile, guide.diagnosis, kit.data, as_of=day)["plan"]
    submit = plan.match.submit_from.date
    letters = next(m for m in plan.milestones if m.text.startswith("Letter writers"))
    assert day <= letters.date < submit


def test_the_match_after_next_gets_the_playbooks_long_route(kit, write_profile):
    from generator.commands.build import prepare
    from generator.advice.select import reader_context

    day = D(2026, 3, 17)
    sam = write_profile((PROFILES / "sam-okafor.yaml").read_text().replace("extra_years: 1", "extra_years: 2"))
    guide = prepare(sam, kit, as_of=day)
    assert guide.diagnosis.cycle.target_match == 2028
    plan = reader_context(guide.profile, guide.diagnosis, kit.data, as_of=day)["plan"]
    assert plan.route == "after_next"
    assert [p.id for p in plan.phases] == ["debrief", "repair", "visibility", "prepare", "apply", "rank"]
    assert plan.months[0].label == "March 2026" and plan.months[-1].label == "March 2028"
    assert len(plan.months) == 25


def test_the_plan_page_and_tracker_use_month_names(kit, tmp_path):
    from generator.commands.build import build

    built = build(PROFILES / "jordan-rivera.yaml", tmp_path, kit, as_of=D(2026, 4, 1), pdf=False)
    page = (built.folder / "plan.html").read_text()
    assert "Debrief and decide: April to May 2026" in page
    assert "Apply and interview: September 2026 to January 2027" in page
    assert 'name="plan_tracker.month_12_focus"' in page and 'name="plan_tracker.month_13_focus"' not in page
    assert "Months 12 to 18" not in page and "months 12-18" not in page.lower()


def test_a_preliminary_year_whose_next_match_is_already_reading_is_told_to_apply_late(diagnosis_of, kit):
    changes = {"outcome": "prelim_only", "dream_specialty": "anesthesiology", "scores.step2_ck": 250}
    late = kit.data.rules.cycle.late_window_days
    last_day = D(2026, 9, 23) + dt.timedelta(days=late)
    for day, target in ((last_day - dt.timedelta(days=1), 2027), (last_day, 2027), (last_day + dt.timedelta(days=1), 2028)):
        dx = diagnosis_of(changes, as_of=day)
        assert dx.cycle.target_match == target, day
        if target == 2027:
            assert any("a gap year follows unless this Match places you: send it this week" in r for r in dx.cycle.reasons)
        else:
            assert any("is past the point where a late application is read: plan for the 2028 Match" in r for r in dx.cycle.reasons)


@pytest.mark.parametrize("extra, target", [(1, 2027), (2, 2028), (None, 2028)])
def test_the_long_route_is_taken_only_when_the_reader_can_afford_its_years(diagnosis_of, extra, target):
    # Research output takes a year, so the 2028 Match would be the honest target: residency in July 2028,
    # two years after this Match. With one extra year to spare, the 2027 Match it is, work in progress.
    changes = {"application.specialty_research": 2, "application.letters_in_specialty": 1}
    changes["situation.extra_years"] = extra if extra is not None else REMOVE
    dx = diagnosis_of(changes, as_of=D(2026, 4, 1))
    assert dx.cycle.target_match == target
    if extra == 1:
        assert any("you can afford 1 extra year: aim at the 2027 Match, listing the work in progress" in r for r in dx.cycle.reasons)


def test_a_field_that_starts_at_pgy2_reminds_an_unplaced_reader_of_the_first_year(diagnosis_of):
    dx = diagnosis_of({}, as_of=D(2026, 4, 1))
    assert any(r.startswith("Most Dermatology positions begin at the second year (PGY-2)") for r in dx.cycle.reasons)
    dx = diagnosis_of({"dream_specialty": "psychiatry", "scores.step2_ck": 250}, as_of=D(2026, 4, 1))
    assert not any("(PGY-2)" in r for r in dx.cycle.reasons)


@pytest.mark.parametrize("day", [D(2026, 3, 17), D(2026, 4, 1), D(2026, 8, 1), D(2026, 11, 29)])
def test_no_month_of_the_tracker_repeats_the_month_before(kit, day):
    from conftest import EXAMPLES
    from generator.commands.build import prepare
    from generator.advice.select import reader_context

    for path in EXAMPLES:
        guide = prepare(path, kit, as_of=day)
        focus = reader_context(guide.profile, guide.diagnosis, kit.data, as_of=day)["plan"].month_focus()
        repeats = [(a, b) for a, b in zip(focus, focus[1:]) if a == b]
        assert not repeats, (path.stem, repeats)


def test_every_phase_of_the_plan_is_a_month_or_more_whatever_the_day(kit):
    """Phases follow one another with no gap, no overlap and none shorter than a month, for every Match a reader
    may aim at, on every first of the month for two years (the months before applications open run from 1 to 17)."""
    from generator.advice.plan import build_plan

    seen = set()
    for months in range(24):
        as_of = dt.date(2026 + (3 + months) // 12, (3 + months) % 12 + 1, 1)
        for target in (kit.data.calendar.cycle_on_time(as_of, as_of.year - 2), kit.data.calendar.cycle_on_time(as_of, as_of.year - 2) + 1):
            plan = build_plan(None, kit.data.plan, kit.data.calendar, as_of, target)
            seen.add(plan.months_to_submit)
            expected = 0
            for phase in plan.phases:
                assert phase.start == expected and phase.end >= phase.start, (as_of, target, [(p.id, p.start, p.end) for p in plan.phases])
                expected = phase.end + 1
            assert expected == len(plan.months)
    assert {1, 2, 3, 4, 5} <= seen, sorted(seen)
