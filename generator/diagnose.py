"""Stage 2: diagnose why the application fell short and decide what comes next.

A pure function of the profile and the reference data. It follows the playbook: four buckets
(metrics, application quality, strategy, red flags), the one or two primary ones, reattempt or
pivot, ranked pivot options, and how many programs to apply to. The thresholds are data
(`content/data/rules.yaml`); an unknown value never counts as a weakness.
"""

from __future__ import annotations

import logging

from generator.data import ReferenceData, Specialty
from generator.models import BUCKETS, Applications, Bucket, Diagnosis, PivotOption
from generator.profile import Profile

log = logging.getLogger(__name__)

RED_FLAG_TEXT = {
    "remediation": "A remediation is on record",
    "leave_of_absence": "A leave of absence is on record",
    "professionalism": "A professionalism concern is on record",
    "visa": "The application needs visa sponsorship",
    "social_media": "There are social media or reputation concerns",
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


class _Points:
    """Weak points of one bucket: sentences with weights."""

    def __init__(self, weights: dict[str, int]):
        self.weights = weights
        self.reasons: list[str] = []
        self.weight = 0

    def add(self, code: str, reason: str) -> None:
        self.reasons.append(reason)
        self.weight += self.weights.get(code, 1)


def diagnose(profile: Profile, data: ReferenceData) -> Diagnosis:
    """Diagnose PROFILE against the specialty figures and rules in DATA."""
    rules = data.rules
    dream = data.catalog[profile.dream_specialty]
    scores, app = profile.scores, profile.application
    years = profile.years_since_graduation
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
    failures = scores.exam_failures
    if failures is not None and failures >= rules.metrics.multiple_failures:
        metrics.add("multiple_failures", f"{failures} failed exam attempts: more than one failure weighs on the metrics themselves")

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
                f"research items among matched applicants in {dream.name} ({dream.research_items.source}), "
                f"a {dream.research_heavy} research-heavy field",
            )
    if app.away_rotations == 0 and dream.tier in q.away_rotation_tiers:
        quality.add("away_rotations", f"No sub-internship or audition rotation in {dream.name} with strong evaluations")

    # -- strategy
    strategy = _Points(rules.weights)
    band = rules.applications[dream.applications_band]
    if app.programs_applied is not None and app.programs_applied < band.min:
        average = data.facts["applications"]["per_applicant_2025"][profile.applicant_type]
        strategy.add(
            "under_applied",
            f"{_count(app.programs_applied, 'program')} applied to, below the {band.min} the playbook sets as a floor for "
            f"{_band_phrase(dream)}; the average {_applicant_phrase(profile.applicant_type)} sent {average} "
            f"applications in the 2025 cycle (AAMC)",
        )
    if app.program_list == "narrow":
        strategy.add("narrow_list", "The program list was narrow: mostly big-name academic programs, or only places you rotated")
    if app.given("backup_specialty") and app.backup_specialty is None and dream.tier in rules.strategy.backup_tiers:
        strategy.add("no_backup", f"No backup specialty alongside {dream.name}, a {dream.tier} field")

    # -- red flags
    flags = _Points(rules.weights)
    if failures:
        flags.add("exam_failure", f"{_count(failures, 'failed exam attempt')} on the record")
    for flag in dict.fromkeys(profile.red_flags or ()):
        flags.add(flag, RED_FLAG_TEXT[flag])
    if profile.applicant_type == "img" and years >= rules.red_flags.img_years_since_graduation:
        flags.add(
            "img_years",
            f"{_count(years, 'year')} between graduation and this Match, as an international graduate "
            f"(programs look hard at {rules.red_flags.img_years_since_graduation} or more)",
        )

    buckets = {
        "metrics": Bucket(bool(metrics.reasons), tuple(metrics.reasons), metrics.weight),
        "application_quality": Bucket(len(quality.reasons) >= q.flag_at, tuple(quality.reasons), quality.weight),
        "strategy": Bucket(len(strategy.reasons) >= rules.strategy.flag_at, tuple(strategy.reasons), strategy.weight),
        "red_flags": Bucket(bool(flags.reasons), tuple(flags.reasons), flags.weight),
    }
    primary = _primary(buckets, rules.primary.second_ratio)
    decision, decision_reasons = _decide(profile, dream, gap, buckets, data)
    options = _pivot_options(profile, dream, buckets["metrics"].flagged, data)
    target = dream.key if decision == "reattempt" else (options[0].specialty if options else dream.key)
    target_band = rules.applications[data.catalog[target].applications_band]

    diagnosis = Diagnosis(
        id=profile.id or "",
        outcome=profile.outcome,
        dream_specialty=dream.key,
        buckets=buckets,
        primary=primary,
        decision=decision,
        decision_reasons=tuple(decision_reasons),
        target_specialty=target,
        pivot_options=tuple(options),
        applications=Applications(target_band.min, target_band.max),
        missing=_missing(profile),
        years_since_graduation=years,
        step2_gap=gap,
    )
    log.info("diagnosed %s: %s, primary %s", diagnosis.id, decision, ", ".join(primary) or "none")
    return diagnosis


def _primary(buckets: dict[str, Bucket], second_ratio: float) -> tuple[str, ...]:
    ranked = sorted((b for b in BUCKETS if buckets[b].flagged), key=lambda b: -buckets[b].weight)
    if len(ranked) > 1 and buckets[ranked[1]].weight >= second_ratio * buckets[ranked[0]].weight:
        return tuple(ranked[:2])
    return tuple(ranked[:1])


def _decide(
    profile: Profile, dream: Specialty, gap: int | None, buckets: dict[str, Bucket], data: ReferenceData
) -> tuple[str, list[str]]:
    """Reattempt or pivot, with the playbook's conditions as reasons."""
    d = data.rules.decision
    years = profile.years_since_graduation
    failures = profile.scores.exam_failures
    situation = profile.situation
    role = situation.current_role

    against: list[str] = []
    if gap is not None and gap >= d.pivot_gap and dream.tier in d.pivot_gap_tiers:
        against.append(
            f"Step 2 CK is {gap} points below the {dream.step2_ck.matched} mean of matched applicants in {dream.name} "
            f"({dream.step2_ck.source}); at {d.pivot_gap} or more, and with a score that cannot be retaken, the gap will not close"
        )
    elif (
        d.long_shot_with_red_flag
        and gap is not None
        and gap >= data.rules.metrics.flag_gap
        and dream.tier in d.pivot_gap_tiers
        and buckets["red_flags"].flagged
    ):
        flags = "; ".join(reason[0].lower() + reason[1:] for reason in buckets["red_flags"].reasons)
        against.append(
            f"Step 2 CK is {gap} points below the {dream.step2_ck.matched} mean of matched applicants in {dream.name} "
            f"({dream.step2_ck.source}), a long shot at {data.rules.metrics.flag_gap} or more, and the record carries "
            f"a red flag ({flags}): together they put {dream.name} out of realistic reach"
        )
    if failures is not None and failures >= d.multiple_failures:
        against.append(f"{failures} failed exam attempts: programs in {dream.name} rarely look past more than one")
    if years >= d.late_years and role is not None and role not in d.relevant_roles:
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
    if against:
        return "pivot", against

    support: list[str] = []
    if dream.tier not in d.pivot_gap_tiers:
        support.append(f"{dream.name} is among the less competitive fields: a broader, better-planned application is the usual fix")
    if gap is None:
        support.append("No Step 2 CK was given, so the scores were not held against the reattempt")
    elif gap < d.pivot_gap:
        if gap > 0:
            support.append(
                f"Step 2 CK is {_count(gap, 'point')} below the {dream.step2_ck.matched} mean ({dream.step2_ck.source}): "
                "borderline, not out of reach"
            )
        else:
            support.append(f"Step 2 CK is at or above the {dream.step2_ck.matched} mean of matched applicants in {dream.name} ({dream.step2_ck.source})")
    if years <= d.early_years:
        support.append(f"Early in your career: {_count(years, 'year')} since graduation")
    if situation.research_year_access:
        support.append(f"A dedicated research year in {dream.name} is on offer")
    elif situation.extra_years:
        support.append(f"You can afford {_count(situation.extra_years, 'extra year')} to strengthen the application")
    if failures is not None and failures < d.multiple_failures:
        support.append("No more than one failed exam attempt")
    return "reattempt", support


def _pivot_options(profile: Profile, dream: Specialty, metrics_flagged: bool, data: ReferenceData) -> list[PivotOption]:
    """Candidate specialties, ranked by what they keep and what the applicant wants."""
    r = data.rules.pivot_ranking
    catalog = data.catalog
    prefs = profile.preferences
    table = {p.specialty: tuple(p.keeps) for p in dream.pivots}
    candidates = list(table)
    extra = [*(prefs.open_to or ()), profile.application.backup_specialty]
    if profile.outcome == "matched_other":
        extra.append(profile.matched_specialty)
    candidates += [key for key in extra if key and key not in candidates]

    wanted = set(prefs.keep or ())
    ranked: list[tuple[int, int, PivotOption]] = []
    for order, key in enumerate(candidates):
        if key == dream.key:
            continue
        option = catalog[key]
        keeps = table.get(key) or tuple(f for f in dream.features if f in option.features)
        score = r.keep_overlap * len(wanted & (set(keeps) | set(option.features)))
        if key in (prefs.open_to or ()):
            score += r.open_to
        if profile.outcome == "matched_other" and key == profile.matched_specialty:
            score += r.holds_position
        if prefs.lifestyle is not None and option.lifestyle == prefs.lifestyle:
            score += r.lifestyle_match
        if metrics_flagged:
            score += r.tier_bonus.get(option.tier, 0)
        step2 = profile.scores.step2_ck
        if step2 is not None and option.step2_ck and option.step2_ck.matched - step2 >= data.rules.metrics.flag_gap:
            score -= r.score_gap_penalty
        ranked.append((-score, order, PivotOption(key, keeps, score)))
    return [option for *_, option in sorted(ranked)]


def _missing(profile: Profile) -> tuple[str, ...]:
    missing = []
    for path in SHARPENING_FIELDS:
        *parents, name = path.split(".")
        owner = profile
        for part in parents:
            owner = getattr(owner, part)
        if name not in owner.model_fields_set:
            missing.append(path)
    if profile.outcome in ("matched_other", "soap_unwanted") and "matched_specialty" not in profile.model_fields_set:
        missing.insert(0, "matched_specialty")
    return tuple(missing)


def _step2_reason(score: int, gap: int, dream: Specialty) -> str:
    return (
        f"Step 2 CK {score} is {gap} points below the {dream.step2_ck.matched} mean of matched applicants "
        f"in {dream.name} ({dream.step2_ck.source})"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _applicant_phrase(applicant_type: str) -> str:
    return {"us_md": "US MD applicant", "us_do": "DO applicant", "img": "international graduate"}[applicant_type]


def _band_phrase(dream: Specialty) -> str:
    kind = {"competitive": "a competitive field", "moderate": "a moderately competitive field", "less": "a less competitive field"}
    return f"{kind[dream.applications_band]} like {dream.name}"
