"""Stage 2: diagnose why the application fell short and decide what comes next.

A pure function of the profile, the reference data and the date the guide is built for. It follows
the playbook: four buckets (metrics, application quality, strategy, red flags), the one or two
primary ones, reattempt or pivot (or, without the facts that decide it, gather them first), ranked
pivot options, how many programs to apply to, and which Match to aim at on the real calendar. The
thresholds are data (`content/data/rules.yaml`); an unknown value never counts as a weakness, and a
bucket that cannot be judged is reported as not assessed, never as fine.
"""

from __future__ import annotations

import datetime as dt
import logging
import math

from generator.loading.data import ReferenceData, Specialty
from generator.dates import Calendar, long_date, month_name, months_between
from generator.models import BUCKETS, Applications, Bucket, Cycle, Diagnosis, Holding, PivotOption
from generator.loading.profile import Profile

log = logging.getLogger(__name__)

RED_FLAG_TEXT = {
    "remediation": "A remediation is on record",
    "leave_of_absence": "A leave of absence is on record",
    "professionalism": "A professionalism concern is on record",
    "visa": "The application needs visa sponsorship",
    "social_media": "There are social media or reputation concerns",
}

EXAM_NAMES = {
    "step1": "Step 1",
    "step2_ck": "Step 2 CK",
    "step2_cs": "Step 2 CS",
    "step3": "Step 3",
    "level1": "COMLEX Level 1",
    "level2_ce": "COMLEX Level 2-CE",
    "level2_pe": "COMLEX Level 2-PE",
    "level3": "COMLEX Level 3",
}

# Optional fields whose absence leaves the diagnosis less sure, in the order the guide asks for them.
SHARPENING_FIELDS = (
    "scores.step2_ck",
    "scores.exam_failures",
    "previous_attempts",
    "application.programs_applied",
    "application.program_list",
    "application.backup_specialty",
    "application.letters_in_specialty",
    "application.advocate_letter",
    "application.personal_statement",
    "application.specialty_research",
    "application.away_rotations",
    "red_flags",
    "situation.current_role",
    "situation.research_year_access",
    "situation.extra_years",
    "preferences.keep",
    "preferences.open_to",
    "preferences.lifestyle",
    "preferences.risk_tolerance",
)
# What an international graduate's diagnosis also turns on.
IMG_FIELDS = ("img.ecfmg_certified", "img.us_clinical_months", "img.visa")


class _Points:
    """Weak points of one bucket: sentences with weights, and the codes that raised them."""

    def __init__(self, weights: dict[str, int]):
        self.weights = weights
        self.reasons: list[str] = []
        self.codes: list[str] = []
        self.weight = 0

    def add(self, code: str, reason: str) -> None:
        self.reasons.append(reason)
        self.codes.append(code)
        self.weight += self.weights.get(code, 1)


def diagnose(profile: Profile, data: ReferenceData, *, as_of: dt.date) -> Diagnosis:
    """Diagnose PROFILE against the specialty figures and rules in DATA, for a guide built on AS_OF."""
    rules = data.rules
    dream = data.catalog[profile.dream_specialty]
    scores, app = profile.scores, profile.application
    years = profile.years_since_graduation
    failures = profile.failures
    gap = dream.step2_ck.matched - scores.step2_ck if dream.step2_ck and scores.step2_ck is not None else None

    # -- metrics
    metrics = _Points(rules.weights)
    if gap is not None and gap >= rules.metrics.flag_gap:
        code = "step2_gap_severe" if gap >= rules.decision.pivot_gap else "step2_gap"
        metrics.add(code, _step2_reason(scores.step2_ck, gap, dream))
    elif gap is not None and profile.applicant_type == "img" and gap >= rules.metrics.img_borderline_gap:
        metrics.add(
            "img_borderline",
            _step2_reason(scores.step2_ck, gap, dream)
            + f": borderline for an international graduate ({rules.metrics.img_borderline_gap} points or more below)",
        )
    if failures is not None and failures >= rules.metrics.multiple_failures:
        metrics.add("multiple_failures", f"{failures} failed exam attempts: more than one failure weighs on the metrics themselves")
    metrics_assessed = gap is not None or bool(metrics.reasons)

    # -- application quality
    quality = _Points(rules.weights)
    q = rules.application_quality
    if app.letters_in_specialty is not None and app.letters_in_specialty < q.min_letters_in_specialty:
        quality.add(
            "letters",
            f"{_count(app.letters_in_specialty, 'letter')} from {dream.name} faculty, fewer than the {q.min_letters_in_specialty} a specialty expects",
        )
    if app.advocate_letter is False:
        quality.add("advocate", "No letter writer said they would go to bat for you")
    if app.personal_statement == "generic":
        quality.add("statement", f"The personal statement was generic, not specific to {dream.name} with evidence")
    research = app.specialty_research
    if research is not None and dream.research_heavy in q.research_heavy_levels and dream.research_items:
        floor = dream.research_items.matched * q.research_fraction
        if research < floor:
            quality.add(
                "research",
                f"{_count(research, 'specialty research item')} against a mean of {dream.research_items.matched:g} "
                f"research items among matched applicants in {dream.name} ({_cite(dream.research_items)}), "
                f"a {dream.research_heavy} research-heavy field",
            )
    if app.away_rotations == 0 and dream.tier in q.away_rotation_tiers:
        quality.add("away_rotations", f"No sub-internship or audition rotation in {dream.name} with strong evaluations")
    quality_inputs = ("letters_in_specialty", "advocate_letter", "personal_statement", "specialty_research", "away_rotations")
    quality_assessed = any(app.given(name) for name in quality_inputs)

    # -- strategy
    strategy = _Points(rules.weights)
    if app.programs_applied is not None:
        norm, yardstick = _last_cycle_norm(profile, dream, data)
        if app.programs_applied < norm * rules.strategy.under_applied_share:
            strategy.add(
                "under_applied",
                f"{_count(app.programs_applied, 'program')} applied to in {dream.name}, below the {norm} {yardstick}",
            )
    if app.program_list == "narrow":
        strategy.add("narrow_list", "The program list was narrow: mostly big-name academic programs, or only places you rotated")
    if app.given("backup_specialty") and app.backup_specialty is None and dream.tier in rules.strategy.backup_tiers:
        strategy.add("no_backup", f"No backup specialty alongside {dream.name}, a {dream.tier} field")
    strategy_assessed = any(app.given(name) for name in ("programs_applied", "program_list", "backup_specialty"))

    # -- red flags
    flags = _Points(rules.weights)
    if failures:
        flags.add("exam_failure", f"{_count(failures, 'failed exam attempt')} on the record{_which_exams(profile)}")
    for flag in dict.fromkeys(profile.red_flags or ()):
        flags.add(flag, RED_FLAG_TEXT[flag])
    if profile.needs_visa and "visa" not in (profile.red_flags or ()):
        flags.add("visa", RED_FLAG_TEXT["visa"])
    if profile.applicant_type == "img" and years >= rules.red_flags.img_years_since_graduation:
        flags.add(
            "img_years",
            f"{_count(years, 'year')} between graduation and this Match, as an international graduate "
            f"(programs look hard at {rules.red_flags.img_years_since_graduation} or more)",
        )
    usce = profile.img.us_clinical_months
    if profile.applicant_type == "img" and usce is not None and usce < rules.red_flags.img_us_clinical_months:
        flags.add(
            "img_us_clinical",
            f"{_count(usce, 'month')} of hands-on US clinical experience, under the "
            f"{rules.red_flags.img_us_clinical_months} this guide looks for in an international graduate's application",
        )
    flags_assessed = profile.red_flags is not None or failures is not None or bool(flags.reasons)

    buckets = {
        "metrics": Bucket(bool(metrics.reasons), tuple(metrics.reasons), metrics.weight, metrics_assessed,
                          "" if metrics_assessed else _metrics_unassessed(profile, dream)),
        "application_quality": Bucket(len(quality.reasons) >= q.flag_at, tuple(quality.reasons), quality.weight,
                                      quality_assessed or bool(quality.reasons),
                                      "" if quality_assessed else "The profile says nothing about letters, the personal statement, research or rotations, so the quality of the application was not assessed"),
        "strategy": Bucket(len(strategy.reasons) >= rules.strategy.flag_at, tuple(strategy.reasons), strategy.weight,
                           strategy_assessed,
                           "" if strategy_assessed else "The profile does not say how many programs you applied to, how broad the list was or whether you had a backup, so the strategy was not assessed"),
        "red_flags": Bucket(bool(flags.reasons), tuple(flags.reasons), flags.weight, flags_assessed,
                            "" if flags_assessed else "The profile does not say whether the record carries red flags or failed exams, so they were not assessed"),
    }
    primary = _primary(buckets, rules.primary.second_ratio)
    holding = _holding(profile, data)
    gather = _lacks_deciding_facts(profile)
    ranked, ranking_notes = _pivot_options(profile, dream, buckets["metrics"].flagged, data, holding)
    if gather:
        decision, decision_reasons = "gather_facts", [
            "The profile gives no exam score and no count of programs applied to or interviews received: those are "
            "the facts that decide between another attempt and a change of field, so this guide does not decide yet",
        ]
    else:
        decision, decision_reasons = _decide(profile, dream, gap, buckets, flags.codes, data, ranked, holding)

    target: str | None
    if decision == "gather_facts":
        target = None
    elif decision == "reattempt":
        target = dream.key
    else:
        target = ranked[0].specialty if ranked else dream.key
    notes = list(ranking_notes)
    if decision == "pivot" and ranked:
        notes += _first_option_notes(profile, ranked[0], data)
    cycle = _cycle(profile, dream, decision, target, buckets, quality.codes + flags.codes, holding, data, as_of)
    # No range without a Match to apply in: the facts are still to be gathered, or the reader builds from a position held.
    applications = _applications(profile, data.catalog[target], data) if target and cycle.target_match else None

    diagnosis = Diagnosis(
        id=profile.id or "",
        outcome=profile.outcome,
        applicant_type=profile.applicant_type,
        dream_specialty=dream.key,
        buckets=buckets,
        primary=primary,
        decision=decision,
        decision_reasons=tuple(decision_reasons),
        target_specialty=target,
        pivot_options=tuple(ranked),
        pivot_notes=tuple(notes),
        applications=applications,
        missing=_missing(profile),
        years_since_graduation=years,
        step2_gap=gap,
        holding=holding,
        cycle=cycle,
        graduation_delay=_graduation_delay(profile, decision, buckets, data, as_of),
    )
    log.info("diagnosed %s: %s, primary %s, target Match %s", diagnosis.id, decision, ", ".join(primary) or "none", cycle.target_match)
    return diagnosis


# -- what the profile lets the guide judge ----------------------------------------------------------


def _lacks_deciding_facts(profile: Profile) -> bool:
    """No exam score of any kind, and no count of programs applied to or interviews: nothing to decide on."""
    scores, app = profile.scores, profile.application
    return (
        scores.step2_ck is None
        and scores.comlex2_ce is None
        and app.programs_applied is None
        and app.interviews is None
    )


def _metrics_unassessed(profile: Profile, dream: Specialty) -> str:
    scores = profile.scores
    if scores.step2_ck is None and scores.comlex2_ce is not None:
        return (
            f"Only a COMLEX Level 2-CE score ({scores.comlex2_ce}) was given, and this guide holds no COMLEX figures for "
            f"{dream.name}: its figures are the NRMP's Step 2 CK means of US MD seniors, which a COMLEX score cannot be "
            "set against. Your scores were not assessed; a Step 2 CK score, if you took it, would let the guide compare "
            "them, and so would the COMLEX means of matched DO seniors in the NRMP's Charting Outcomes report, read with your advisor"
        )
    if scores.step2_ck is not None and dream.step2_ck is None:
        return f"This guide holds no Step 2 CK figure for {dream.name}, so your score of {scores.step2_ck} was not compared with the field's"
    return (
        "No exam score was given, so your scores were not assessed; your Step 2 CK (or COMLEX Level 2-CE) score would "
        "let the guide compare them with the field's figures"
    )


def _last_cycle_norm(profile: Profile, dream: Specialty, data: ReferenceData) -> tuple[int, str]:
    """What last cycle's number of applications is judged against, and how to name it.

    The specialty's own mean for the cycle just ended where the data holds one, else the mean of
    the applicant's type across specialties; never the range recommended for next time.
    """
    facts = data.facts["applications"]
    figure = dream.applications_per_applicant
    if figure is not None:
        return figure.value, f"applications {dream.name} applicants averaged in the {figure.year} cycle ({_cite(figure)})"
    average = facts["per_applicant_2025"][profile.applicant_type]
    return average, f"applications the average {_applicant_phrase(profile.applicant_type)} sent in the {facts['year']} cycle (AAMC)"


def _which_exams(profile: Profile) -> str:
    exams = profile.scores.failed_exams
    if not exams:
        return ""
    counts = {exam: exams.count(exam) for exam in dict.fromkeys(exams)}
    parts = [EXAM_NAMES[e] + ("" if n == 1 else " twice" if n == 2 else f" {n} times") for e, n in counts.items()]
    return " (" + _join(parts) + ")"


# -- the position held -----------------------------------------------------------------------------


def _holding(profile: Profile, data: ReferenceData) -> Holding | None:
    """The position the reader holds for the coming year (or the one after), if any."""
    year = profile.match_year
    kind = {
        "matched_other": "categorical",
        "soap_unwanted": "categorical",
        "prelim_only": "preliminary",
        "advanced_only": "advanced",
    }.get(profile.outcome)
    if kind is None:
        return None
    starts = dt.date(year + 1 if kind == "advanced" else year, 7, 1)
    ends = dt.date(year + 1, 6, 30) if kind == "preliminary" else None
    return Holding(kind, profile.matched_specialty, starts, ends, through_soap=profile.outcome == "soap_unwanted")


# -- the decision -----------------------------------------------------------------------------------


def _primary(buckets: dict[str, Bucket], second_ratio: float) -> tuple[str, ...]:
    ranked = sorted((b for b in BUCKETS if buckets[b].flagged), key=lambda b: -buckets[b].weight)
    if len(ranked) > 1 and buckets[ranked[1]].weight >= second_ratio * buckets[ranked[0]].weight:
        return tuple(ranked[:2])
    return tuple(ranked[:1])


def _decide(
    profile: Profile,
    dream: Specialty,
    gap: int | None,
    buckets: dict[str, Bucket],
    flag_codes: list[str],
    data: ReferenceData,
    options: list[PivotOption],
    holding: Holding | None,
) -> tuple[str, list[str]]:
    """Reattempt or pivot, with the playbook's conditions as reasons."""
    d = data.rules.decision
    years = profile.years_since_graduation
    failures = profile.failures
    situation = profile.situation
    role = situation.current_role
    img = profile.applicant_type == "img"

    against: list[str] = []
    if gap is not None and gap >= d.pivot_gap and dream.tier in d.pivot_gap_tiers:
        against.append(
            f"Step 2 CK is {gap} points below the {dream.step2_ck.matched} mean of US MD seniors who matched in {dream.name} "
            f"({_cite(dream.step2_ck)}); at {d.pivot_gap} or more, and with a score that cannot be retaken, the gap will not close"
        )
    elif (
        d.long_shot_with_red_flag
        and gap is not None
        and gap >= data.rules.metrics.flag_gap
        and dream.tier in d.pivot_gap_tiers
        and buckets["red_flags"].flagged
        and not (img and set(flag_codes) <= set(d.img_counterbalance))
    ):
        flags = "; ".join(reason[0].lower() + reason[1:] for reason in buckets["red_flags"].reasons)
        against.append(
            f"Step 2 CK is {gap} points below the {dream.step2_ck.matched} mean of US MD seniors who matched in {dream.name} "
            f"({_cite(dream.step2_ck)}), a long shot at {data.rules.metrics.flag_gap} or more, and the record carries "
            f"a red flag ({flags}): together they put {dream.name} out of realistic reach"
        )
    if failures is not None and failures >= d.multiple_failures:
        against.append(f"{failures} failed exam attempts: programs in {dream.name} rarely look past more than one")
    late = years >= d.late_years and role is not None and role not in d.relevant_roles
    if late and not img:
        against.append(
            f"{_count(years, 'year')} since graduation without a clinical or research role that feeds {dream.name}"
        )
    if profile.previous_attempts is not None and profile.previous_attempts >= d.spent_attempts:
        against.append(
            f"{_count(profile.previous_attempts, 'earlier cycle')} already spent on {dream.name} before this one: "
            "the serious attempt has been made"
        )
    if dream.tier in d.no_time_tiers and situation.extra_years == 0 and situation.research_year_access is False:
        against.append(f"No extra year to spend and no research year on offer, so a {dream.name} application cannot be rebuilt in time")

    counterweights: list[str] = []
    if img:
        counter = [c for c in flag_codes if c in d.img_counterbalance]
        if late and "img_years" not in counter:
            counter.append("img_years")
        if counter:
            named = _join([{"img_years": "the years since graduation", "img_us_clinical": "thin US clinical experience",
                            "visa": "the need for a visa"}[c] for c in dict.fromkeys(counter)])
            one = len(set(counter)) == 1
            it = "it" if one else "them"
            counterweights.append(
                f"As an international graduate, {named} weigh{'s' if one else ''} on any application, in any field: a "
                f"change of specialty would not remove {it}, so the plan counterbalances {it} (recent US clinical work "
                "and letters from it, and programs that sponsor visas) instead of moving you to another field"
            )

    if against and options:
        if holding is not None and holding.kind == "categorical" and options[0].specialty == holding.specialty:
            against.append(
                f"You hold a position in {data.catalog[holding.specialty].name}, which also ranks first among the "
                "fields that fit your profile: building from it needs no new Match"
            )
        return "pivot", against
    if against and img:
        # Every field that could take the reader is at least as hard for an IMG as the dream: a change
        # of field would not make the application easier, so the weak points are counterbalanced instead.
        concerns = "; ".join(reason[0].lower() + reason[1:] for reason in against)
        return "reattempt", [
            f"{dream.name} is already among the fields that take the most international graduates, so no other field in "
            "this guide's data would be easier to enter",
            *counterweights,
            f"What weighs against another attempt, and what the plan has to answer: {concerns}",
        ]
    if against:
        return "pivot", against

    support: list[str] = list(counterweights)
    if dream.tier not in d.pivot_gap_tiers:
        if img and dream.img_share_pct:
            share = dream.img_share_pct
            support.append(
                f"{dream.name} filled {share.value:g}% of its first-year positions with international graduates in the "
                f"{share.year} Match ({_cite(share)}), among the most of any field: a broader, better-planned application "
                "is the usual fix"
            )
        else:
            support.append(f"{dream.name} is among the less competitive fields: a broader, better-planned application is the usual fix")
    if gap is None:
        support.append("No Step 2 CK score was compared with the field's figures, so the scores were not held against the reattempt")
    elif gap < d.pivot_gap:
        if gap > 0:
            support.append(
                f"Step 2 CK is {_count(gap, 'point')} below the {dream.step2_ck.matched} mean ({_cite(dream.step2_ck)}): "
                "borderline, not out of reach"
            )
        else:
            support.append(f"Step 2 CK is at or above the {dream.step2_ck.matched} mean of US MD seniors who matched in {dream.name} ({_cite(dream.step2_ck)})")
    if years <= d.early_years:
        support.append(f"Early in your career: {_count(years, 'year')} since graduation")
    if situation.research_year_access:
        support.append(f"A dedicated research year in {dream.name} is on offer")
    elif situation.extra_years:
        support.append(f"You can afford {_count(situation.extra_years, 'extra year')} to strengthen the application")
    if failures == 1:
        support.append("One failed exam attempt, not more: programs can look past a single failure that was followed by passes")
    elif failures == 0:
        support.append("No failed exam attempts on record")
    return "reattempt", support


def _pivot_options(
    profile: Profile, dream: Specialty, metrics_flagged: bool, data: ReferenceData, holding: Holding | None
) -> tuple[list[PivotOption], list[str]]:
    """Candidate specialties, ranked by what they keep and what the applicant wants; and notes on how.

    For an international graduate, a field harder for IMGs to enter than the dream is never offered:
    judged by IMG match rates where the data holds them for both fields, else by competitiveness tier.
    """
    r = data.rules.pivot_ranking
    catalog = data.catalog
    prefs = profile.preferences
    table = {p.specialty: tuple(p.keeps) for p in dream.pivots}
    candidates = list(table)
    extra = [*(prefs.open_to or ()), profile.application.backup_specialty]
    held = holding.specialty if holding is not None and holding.kind == "categorical" else None
    if held:
        extra.append(held)
    candidates += [key for key in extra if key and key not in candidates]

    notes: list[str] = []
    img = profile.applicant_type == "img"
    by_tier: list[str] = []
    wanted = set(prefs.keep or ())
    ranked: list[tuple[int, int, PivotOption]] = []
    for order, key in enumerate(candidates):
        if key == dream.key:
            continue
        option = catalog[key]
        if img:
            harder, basis = _harder_for_img(option, dream, data)
            if basis == "tier":
                by_tier.append(option.name)
            if harder:
                continue
        keeps = table.get(key) or tuple(f for f in dream.features if f in option.features)
        score = r.keep_overlap * len(wanted & (set(keeps) | set(option.features)))
        if key in (prefs.open_to or ()):
            score += r.open_to
        if key == held:
            score += r.holds_position
        if prefs.lifestyle is not None and option.lifestyle == prefs.lifestyle:
            score += r.lifestyle_match
        if metrics_flagged:
            score += r.tier_bonus.get(option.tier, 0)
        step2 = profile.scores.step2_ck
        if step2 is not None and option.step2_ck and option.step2_ck.matched - step2 >= data.rules.metrics.flag_gap:
            score -= r.score_gap_penalty
        ranked.append((-score, order, PivotOption(key, keeps, score)))
    if img:
        share = dream.img_share_pct
        if share is not None:
            basis = (f"by the share of each field's first-year positions filled by international graduates in the "
                     f"{share.year} Match ({_cite(share)}; {dream.name}: {share.value:g}%)")
            if by_tier:
                basis += f", and by competitiveness tier for {_join(sorted(set(by_tier)))}, for which the data gives no such share"
        else:
            basis = f"by competitiveness tier, since the data gives no share of positions filled by international graduates for {dream.name}"
        notes.append(
            f"As an international graduate, you are offered only fields no harder for international graduates to enter "
            f"than {dream.name}, judged {basis}"
        )
    return [option for *_, option in sorted(ranked)], notes


def _harder_for_img(option: Specialty, dream: Specialty, data: ReferenceData) -> tuple[bool, str]:
    """Whether OPTION is harder than DREAM for an international graduate to enter, and what judged it ("share" or "tier").

    By the share of first-year positions filled by international graduates where the data holds it for
    both fields (a field within `img_share_margin` points of the dream's counts as equally open), else
    by competitiveness tier.
    """
    if option.img_share_pct and dream.img_share_pct:
        margin = data.rules.pivot_ranking.img_share_margin
        return option.img_share_pct.value < dream.img_share_pct.value - margin, "share"
    order = {"less": 0, "moderate": 1, "competitive": 2}
    return order[option.tier] > order[dream.tier], "tier"


def _first_option_notes(profile: Profile, first: PivotOption, data: ReferenceData) -> list[str]:
    """Say so when the first-ranked field's matched mean is at least the metrics gap above the reader's score."""
    option = data.catalog[first.specialty]
    step2 = profile.scores.step2_ck
    if step2 is None or option.step2_ck is None:
        return []
    gap = option.step2_ck.matched - step2
    if gap < data.rules.metrics.flag_gap:
        return []
    return [
        f"{option.name} ranks first for what it keeps of your first choice and what you said you want, but US MD seniors "
        f"who matched in it averaged {option.step2_ck.matched} on Step 2 CK ({_cite(option.step2_ck)}), {gap} points above "
        f"your {step2}: apply to it only with a wide list and a second field beside it"
    ]


# -- the program range ---------------------------------------------------------------------------------


def _applications(profile: Profile, target: Specialty, data: ReferenceData) -> Applications:
    """The playbook's range for the target's band; for DOs and IMGs, raised to start at their type's mean."""
    rules = data.rules
    band = rules.applications[target.applications_band]
    low, high = band.min, band.max
    by_type = rules.applications_by_type
    if profile.applicant_type in by_type.floor_types:
        mean = data.facts["applications"]["per_applicant_2025"][profile.applicant_type]
        low = max(low, mean)
        high = max(high, int(math.floor(low * by_type.spread / 10) * 10))
    return Applications(low, high)


# -- which Match to aim at ------------------------------------------------------------------------------


def _cycle(
    profile: Profile,
    dream: Specialty,
    decision: str,
    target: str | None,
    buckets: dict[str, Bucket],
    codes: list[str],
    holding: Holding | None,
    data: ReferenceData,
    as_of: dt.date,
) -> Cycle:
    """The Match to aim at, from the calendar, the work still to do and the position held; with reasons."""
    cal: Calendar = data.calendar
    rules = data.rules.cycle
    last = cal[profile.match_year]
    next_year = cal.cycle_on_time(as_of, profile.match_year)
    coming = cal[next_year]
    months_left = max(0, months_between(as_of, coming.submit_from.date))
    soap_now = last.in_soap(as_of) and profile.outcome in ("unmatched", "prelim_only", "advanced_only")
    phase = _phase(as_of, last, coming, rules.after_soap_days)
    catalog = data.catalog

    submit = coming.submit_from
    timing = (
        f"Applications for the {next_year} Match can be sent to programs from {long_date(submit.date)}"
        f"{_estimate(submit)}, and programs begin reading them on {long_date(coming.programs_review_from.date)}"
        f"{_estimate(coming.programs_review_from)}"
        + (f"; from {month_name(as_of)} that is {_count(months_left, 'month')} away" if months_left
           else f"; in {month_name(as_of)} the season is already open, with only days left before programs start reading")
    )
    reasons: list[str] = []
    needed: int | None = None
    target_match: int | None

    if decision == "gather_facts":
        target_match = None
        reasons = [timing, "No Match is chosen yet: the autopsy and the feedback conversations come first, and they decide which Match is realistic"]
    elif holding is not None and holding.kind == "categorical" and holding.specialty and target == holding.specialty:
        target_match = None
        reasons = [
            f"You hold a position in {catalog[holding.specialty].name} from {long_date(holding.starts)}, and the plan builds "
            "from it: no new Match is needed unless you later choose to leave it"
        ]
    elif holding is not None and holding.kind == "advanced" and holding.specialty and target == holding.specialty:
        target_match = None
        reasons = [
            f"Your advanced position in {catalog[holding.specialty].name} starts on {long_date(holding.starts)}; what is "
            f"missing is the first year before it, which must start on 1 July {profile.match_year}"
        ]
    else:
        needed, work = _months_needed(profile, dream, decision, target, buckets, codes, data)
        # A Match whose programs have begun reading is still open to a late application for a while; worth it for a
        # reader who is ready now, or whose preliminary year would otherwise be followed by a gap year.
        current = next_year - 1 if next_year - 1 > profile.match_year else None
        late_until = cal[current].programs_review_from.date + dt.timedelta(days=rules.late_window_days) if current else None
        late_open = late_until is not None and as_of <= late_until
        prelim = holding is not None and holding.kind == "preliminary"
        extra = profile.situation.extra_years
        if late_open and (needed == 0 or (prelim and current == profile.match_year + 1)):
            target_match = current
            reasons.append(
                f"The {current} Match has been reading applications since "
                f"{long_date(cal[current].programs_review_from.date)}{_estimate(cal[current].programs_review_from)}, but a "
                f"late application is still read until about {long_date(late_until)} (our estimate: the first weeks of "
                f"the interview season)"
            )
            reasons.append(work)
            reasons.append(
                (f"Your preliminary year ends on {long_date(holding.ends)}, and a gap year follows unless this Match places "
                 "you: " if prelim else "Your application needs no more than weeks of work: ")
                + f"send it this week and aim at the {current} Match, with the {next_year} Match as the fallback"
            )
        elif prelim:
            reasons.append(timing)
            reasons.append(work)
            target_match = next_year
            right_after = profile.match_year + 1  # the Match whose positions start when the preliminary year ends
            if next_year == right_after:
                reasons.append(
                    f"Your preliminary year ends on {long_date(holding.ends)}: an application in {month_name(submit.date)}, "
                    f"made during that year, is what gives you a position after it, so aim at the {next_year} Match"
                    + ("" if needed <= months_left else ", and let the year's work show in it as far as it can by then")
                )
            else:
                reasons.append(
                    f"Your preliminary year ends on {long_date(holding.ends)}, and the {right_after} Match, whose positions "
                    f"start right after it, is past the point where a late application is read: plan for the {next_year} "
                    "Match, and for the year between"
                )
        elif needed <= months_left:
            reasons.append(timing)
            reasons.append(work)
            target_match = next_year
            reasons.append(f"That fits before applications open, so aim at the {next_year} Match")
        elif holding is None and extra is not None and next_year + 1 - profile.match_year > extra:
            # The long route would start residency later than the reader can afford: apply now with the work in progress.
            reasons.append(timing)
            reasons.append(work)
            target_match = next_year
            later = next_year + 1 - profile.match_year
            if next_year - profile.match_year > extra:
                reasons.append(
                    f"That cannot all be ready by {month_name(submit.date)}, and even the {next_year} Match starts residency "
                    f"in July {next_year}, {_count(next_year - profile.match_year, 'year')} after this Match, more than the "
                    f"{_count(extra, 'extra year')} you said you can afford: aim at it, listing the work in progress, and "
                    "weigh with your advisor whether the plan still fits your time"
                )
            else:
                reasons.append(
                    f"That cannot all be ready by {month_name(submit.date)}, but the {next_year + 1} Match would start "
                    f"residency in July {next_year + 1}, {_count(later, 'year')} after this Match, and you can afford "
                    f"{_count(extra, 'extra year')}: aim at the {next_year} Match, listing the work in progress, and let the "
                    "rest show in interviews"
                )
        else:
            reasons.append(timing)
            reasons.append(work)
            target_match = next_year + 1
            ready = cal[target_match].submit_from
            reasons.append(
                f"That cannot be ready by {month_name(submit.date)}, so aim at the {target_match} Match, with applications "
                f"from {long_date(ready.date)}{_estimate(ready)}; the playbook's 12 to 18 month plan is your route"
            )
        if holding is not None and holding.kind == "categorical" and target != holding.specialty:
            held = catalog[holding.specialty].name if holding.specialty else "another field"
            reasons.append(
                f"You hold a position in {held} from {long_date(holding.starts)}. The Match Participation Agreement binds "
                "you to start it in good faith, and no program may offer you a position in the same training year "
                f"unless the NRMP grants a waiver ({data.facts['match_agreement']['source'].split(';')[0]}): read the "
                "current Agreement and talk with your program director before you apply"
            )
        target_field = catalog[target] if target else None
        if target_field is not None and target_field.advanced_positions and holding is None and target_match is not None:
            reasons.append(
                f"Most {target_field.name} positions begin at the second year (PGY-2), after a separate first year: in the "
                f"{target_match} Match, apply to preliminary or transitional years as well, so that a first year comes "
                "with the position"
            )
        placed_in_first_year = (holding is not None and holding.kind == "preliminary") or (
            holding is not None and holding.through_soap
        ) or profile.situation.current_role in ("prelim", "transitional")
        if target_field is not None and target_field.advanced_positions and placed_in_first_year and target_match is not None:
            reasons.append(
                f"{target_field.name} also fills second-year (PGY-2) positions that follow a separate first year, which the "
                f"year you are completing can be. Those reserved for physicians who already have a first year begin in July "
                f"{target_match}, straight after it (a school's summary of NRMP position types, unverified): apply to them and "
                f"to categorical positions first. Advanced ones begin a year after the Match that fills them (July "
                f"{target_match + 1} for the {target_match} Match; NRMP): rank them only with a plan for the year between"
            )
    if soap_now:
        reasons.insert(0, "SOAP is under way this week: everything below applies if it does not place you")
    return Cycle(
        as_of=as_of,
        last_match=profile.match_year,
        next_match=next_year,
        target_match=target_match,
        reasons=tuple(reasons),
        phase=phase,
        soap_now=soap_now,
        months_left=months_left,
        months_needed=needed,
    )


def _months_needed(
    profile: Profile,
    dream: Specialty,
    decision: str,
    target: str | None,
    buckets: dict[str, Bucket],
    codes: list[str],
    data: ReferenceData,
) -> tuple[int, str]:
    """How many months the work before the next application takes, and a sentence saying what work."""
    m = data.rules.cycle.months_to_show
    needs: list[tuple[int, str]] = []
    if decision == "pivot":
        name = data.catalog[target].name if target else "the new field"
        needs.append((m.pivot, f"a rotation or role in {name} and letters from it"))
    else:
        research_field = dream.research_heavy in data.rules.cycle.research_levels
        if research_field and ("research" in codes or buckets["metrics"].flagged):
            needs.append((m.metrics_research, f"research output in {dream.name}, a {dream.research_heavy} research-heavy field"))
        elif buckets["metrics"].flagged:
            needs.append((m.metrics, "an exam plan prepared, taken and scored"))
        if buckets["application_quality"].flagged:
            needs.append((m.application_quality, f"rotations in {dream.name} and two or three strong, recent letters"))
        counterbalanced = set(data.rules.decision.img_counterbalance) if profile.applicant_type == "img" else set()
        record = [c for c in codes if c in RED_FLAG_TEXT or c == "exam_failure"]
        if buckets["red_flags"].flagged and [c for c in record if c not in counterbalanced]:
            needs.append((m.red_flags, "written proof that the concern on your record is resolved, and letters that speak to it"))
        if buckets["strategy"].flagged:
            needs.append((m.strategy, "a broad, realistic program list built with a mentor"))
        if not needs:
            needs.append((m.reattempt, "a broader list and a rewritten statement"))
    usce = profile.img.us_clinical_months
    floor = data.rules.red_flags.img_us_clinical_months
    if profile.applicant_type == "img" and usce is not None and usce < floor:
        needs.append((m.img_us_clinical, f"US clinical experience up to {floor} months, with a letter from it"))
    months, _ = max(needs, key=lambda n: n[0])
    work = _join([what for _, what in needs])
    takes = f"about {_count(months, 'month')}" if months else "a few weeks"
    return months, f"The work before your next application ({work}) takes {takes} to show on it (the playbook, step 6)"


def _phase(as_of: dt.date, last, coming, after_soap_days: int) -> str:
    """The part of the Match year AS_OF falls in: what is date-dependent in a guide changes only between phases."""
    if last.in_soap(as_of):
        return "soap"
    if last.match_day.date <= as_of < last.match_day.date + dt.timedelta(days=after_soap_days):
        return "after_soap"
    if as_of < coming.eras_opens.date:
        return "before_eras"
    if as_of < coming.submit_from.date:
        return "eras_open"
    return "submission"


def _graduation_delay(profile: Profile, decision: str, buckets: dict[str, Bucket], data: ReferenceData, as_of: dt.date) -> str | None:
    """Whether staying enrolled a year fits a US senior's plan, while the choice is still open; else None."""
    r = data.rules.graduation_delay
    senior = profile.applicant_type in r.applicant_types and profile.graduation_year == profile.match_year
    if not senior or profile.outcome not in r.outcomes or as_of.year != profile.match_year or as_of.month >= r.before_month:
        return None
    if decision == "gather_facts":
        return "undecided"
    if decision == "pivot":
        return "fits_less"
    return "fits" if any(buckets[b].flagged for b in r.fits_when_flagged) else "can_fit"


# -- what the profile left out --------------------------------------------------------------------------


def _missing(profile: Profile) -> tuple[str, ...]:
    missing = []
    fields = SHARPENING_FIELDS + (IMG_FIELDS if profile.applicant_type == "img" else ())
    for path in fields:
        *parents, name = path.split(".")
        owner = profile
        for part in parents:
            owner = getattr(owner, part)
        if name not in owner.model_fields_set:
            missing.append(path)
    needs_matched = profile.outcome in ("matched_other", "soap_unwanted", "advanced_only")
    if needs_matched and "matched_specialty" not in profile.model_fields_set:
        missing.insert(0, "matched_specialty")
    return tuple(missing)


# -- words ----------------------------------------------------------------------------------------------


def _cite(figure) -> str:
    """A figure's source, marked when the data says it was not checked against the original."""
    return figure.source if figure.verified else f"{figure.source}, unverified"


def _estimate(dated) -> str:
    return " (an estimate from the yearly pattern)" if dated.estimate else (f" ({dated.cite})" if dated.verified else f" ({dated.cite}, unverified)")


def _step2_reason(score: int, gap: int, dream: Specialty) -> str:
    return (
        f"Step 2 CK {score} is {gap} points below the {dream.step2_ck.matched} mean of US MD seniors who matched "
        f"in {dream.name} ({_cite(dream.step2_ck)})"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _applicant_phrase(applicant_type: str) -> str:
    return {"us_md": "US MD applicant", "us_do": "DO applicant", "img": "international graduate"}[applicant_type]
