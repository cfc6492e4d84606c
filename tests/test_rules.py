"""Each diagnosis rule just below, at and just above its threshold (thresholds from rules.yaml).

The base profile (conftest.BASE) flags nothing and leads to a reattempt; each test moves one value.
Dermatology's matched mean and the rules are read from the data files, so a change of figures
moves the tests with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from conftest import AS_OF, REMOVE


@pytest.fixture
def rules(kit):
    return kit.data.rules


@pytest.fixture
def derm(kit):
    return kit.data.catalog["dermatology"]


def test_base_profile_flags_nothing_and_reattempts(diagnosis_of):
    dx = diagnosis_of()
    assert dx.flagged == []
    assert dx.primary == ()
    assert dx.decision == "reattempt"
    assert dx.target_specialty == "dermatology"
    assert dx.missing == ()


# -- metrics ---------------------------------------------------------------------------------


@pytest.mark.parametrize("offset, flagged", [(-1, False), (0, True), (1, True)])
def test_step2_gap_flags_metrics_from_the_threshold(diagnosis_of, rules, derm, offset, flagged):
    gap = rules.metrics.flag_gap + offset
    dx = diagnosis_of({"scores.step2_ck": derm.step2_ck.matched - gap})
    assert dx.buckets["metrics"].flagged is flagged
    assert dx.step2_gap == gap
    if flagged:
        (reason,) = dx.buckets["metrics"].reasons
        assert reason == (
            f"Step 2 CK {derm.step2_ck.matched - gap} is {gap} points below the {derm.step2_ck.matched} mean "
            f"of US MD seniors who matched in Dermatology (NRMP 2024, unverified)"
        )


@pytest.mark.parametrize("offset, flagged", [(-1, False), (0, True), (1, True)])
def test_img_borderline_gap_flags_metrics(diagnosis_of, rules, derm, offset, flagged):
    gap = rules.metrics.img_borderline_gap + offset
    dx = diagnosis_of({"applicant_type": "img", "scores.step2_ck": derm.step2_ck.matched - gap})
    assert dx.buckets["metrics"].flagged is flagged
    if flagged:
        assert "borderline for an international graduate" in dx.buckets["metrics"].reasons[0]


def test_borderline_gap_does_not_flag_a_us_graduate(diagnosis_of, rules, derm):
    dx = diagnosis_of({"scores.step2_ck": derm.step2_ck.matched - rules.metrics.img_borderline_gap})
    assert not dx.buckets["metrics"].flagged


@pytest.mark.parametrize("offset, flagged", [(-1, False), (0, True), (1, True)])
def test_multiple_exam_failures_flag_metrics(diagnosis_of, rules, offset, flagged):
    failures = rules.metrics.multiple_failures + offset
    dx = diagnosis_of({"scores.exam_failures": failures})
    assert dx.buckets["metrics"].flagged is flagged
    assert dx.buckets["red_flags"].flagged is (failures > 0)


def test_unknown_score_is_not_a_weakness(diagnosis_of):
    dx = diagnosis_of({"scores.step2_ck": REMOVE})
    assert not dx.buckets["metrics"].flagged
    assert dx.step2_gap is None
    assert "scores.step2_ck" in dx.missing


# -- application quality -----------------------------------------------------------------------

WEAK_QUALITY = [
    {"application.letters_in_specialty": 1},
    {"application.advocate_letter": False},
    {"application.personal_statement": "generic"},
    {"application.specialty_research": 0},
    {"application.away_rotations": 0},
]


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_application_quality_flags_at_its_count_of_weak_points(diagnosis_of, rules, count):
    changes = {k: v for weak in WEAK_QUALITY[:count] for k, v in weak.items()}
    dx = diagnosis_of(changes)
    bucket = dx.buckets["application_quality"]
    assert len(bucket.reasons) == count
    assert bucket.flagged is (count >= rules.application_quality.flag_at)


@pytest.mark.parametrize("offset, weak", [(-1, True), (0, False), (1, False)])
def test_letters_threshold(diagnosis_of, rules, offset, weak):
    letters = rules.application_quality.min_letters_in_specialty + offset
    dx = diagnosis_of({"application.letters_in_specialty": letters})
    assert any("Dermatology faculty" in r for r in dx.buckets["application_quality"].reasons) is weak


@pytest.mark.parametrize("offset, weak", [(-1, True), (0, False), (1, False)])
def test_research_threshold_in_a_research_heavy_field(diagnosis_of, rules, derm, offset, weak):
    floor = derm.research_items.matched * rules.application_quality.research_fraction
    items = int(floor) + (1 if floor != int(floor) else 0) + offset  # the first whole number at or above the floor
    dx = diagnosis_of({"application.specialty_research": items})
    assert any("research items" in r for r in dx.buckets["application_quality"].reasons) is weak


def test_research_is_not_held_against_a_low_research_field(diagnosis_of, kit):
    fm = kit.data.catalog["family_medicine"]
    assert fm.research_heavy not in kit.data.rules.application_quality.research_heavy_levels
    dx = diagnosis_of({"dream_specialty": "family_medicine", "application.backup_specialty": None, "application.specialty_research": 0})
    assert not any("research" in r for r in dx.buckets["application_quality"].reasons)


def test_unknown_application_fields_are_not_weaknesses(diagnosis_of):
    dx = diagnosis_of({"application": {}})
    assert dx.buckets["application_quality"].reasons == ()
    assert dx.buckets["strategy"].reasons == ()
    assert "application.programs_applied" in dx.missing


# -- strategy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("offset, flagged", [(-1, True), (0, False), (1, False)])
def test_last_cycles_volume_is_judged_against_the_specialtys_own_mean(diagnosis_of, rules, derm, offset, flagged):
    """Dermatology applicants averaged 40 applications in the 2025 cycle: that, not next time's 60-80, is the yardstick."""
    norm = derm.applications_per_applicant.value
    assert norm == 40 and norm < rules.applications[derm.applications_band].min
    dx = diagnosis_of({"application.programs_applied": norm + offset, "application.interviews": 0})
    assert dx.buckets["strategy"].flagged is flagged
    if flagged:
        assert dx.buckets["strategy"].reasons == (
            f"{norm - 1} programs applied to in Dermatology, below the 40 applications Dermatology applicants "
            "averaged in the 2025 cycle (AAMC 2025, unverified)",
        )


def test_fifty_five_dermatology_applications_are_not_under_applying(diagnosis_of):
    dx = diagnosis_of({"application.programs_applied": 55, "application.interviews": 3})
    assert not dx.buckets["strategy"].flagged


@pytest.mark.parametrize("kind, mean", [("us_md", 58), ("us_do", 72), ("img", 129)])
@pytest.mark.parametrize("offset, flagged", [(-1, True), (0, False), (1, False)])
def test_without_a_specialty_figure_the_applicant_types_mean_is_the_yardstick(diagnosis_of, kit, kind, mean, offset, flagged):
    assert kit.data.facts["applications"]["per_applicant_2025"][kind] == mean
    assert kit.data.catalog["internal_medicine"].applications_per_applicant is None
    dx = diagnosis_of({"applicant_type": kind, "dream_specialty": "internal_medicine", "scores.step2_ck": 255,
                       "application.backup_specialty": "family_medicine", "application.programs_applied": mean + offset,
                       "application.interviews": 0})
    assert dx.buckets["strategy"].flagged is flagged
    if flagged:
        who = {"us_md": "US MD applicant", "us_do": "DO applicant", "img": "international graduate"}[kind]
        assert dx.buckets["strategy"].reasons[0].endswith(f"below the {mean} applications the average {who} sent in the 2025 cycle (AAMC)")
def test_narrow_list_flags_strategy(diagnosis_of):
    assert diagnosis_of({"application.program_list": "narrow"}).buckets["strategy"].flagged


def test_no_backup_flags_strategy_only_for_competitive_fields(diagnosis_of, kit):
    assert diagnosis_of({"application.backup_specialty": None}).buckets["strategy"].flagged
    assert kit.data.catalog["psychiatry"].tier not in kit.data.rules.strategy.backup_tiers
    dx = diagnosis_of({"dream_specialty": "psychiatry", "application.backup_specialty": None, "scores.step2_ck": 250})
    assert not dx.buckets["strategy"].flagged


def test_backup_left_out_is_unknown_not_none(diagnosis_of):
    dx = diagnosis_of({"application.backup_specialty": REMOVE})
    assert not dx.buckets["strategy"].flagged
    assert "application.backup_specialty" in dx.missing


# -- red flags ---------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["remediation", "leave_of_absence", "professionalism", "visa", "social_media"])
def test_each_red_flag_flags_the_bucket(diagnosis_of, flag):
    dx = diagnosis_of({"red_flags": [flag]})
    assert dx.buckets["red_flags"].flagged
    assert len(dx.buckets["red_flags"].reasons) == 1


@pytest.mark.parametrize("offset, flagged", [(-1, False), (0, True), (1, True)])
def test_img_years_since_graduation(diagnosis_of, rules, offset, flagged):
    years = rules.red_flags.img_years_since_graduation + offset
    dx = diagnosis_of({"applicant_type": "img", "graduation_year": 2026 - years, "situation.current_role": "research"})
    assert dx.buckets["red_flags"].flagged is flagged


def test_years_since_graduation_is_no_red_flag_for_us_graduates(diagnosis_of):
    assert not diagnosis_of({"graduation_year": 2020}).buckets["red_flags"].flagged


# -- primary buckets ---------------------------------------------------------------------------


def test_primary_is_the_heaviest_flagged_bucket(diagnosis_of):
    dx = diagnosis_of({"application.program_list": "narrow"})
    assert dx.primary == ("strategy",)


def test_a_second_bucket_is_primary_when_heavy_enough(diagnosis_of, rules):
    w = rules.weights
    # professionalism alone, against a narrow list alone: the lighter is primary only at the ratio
    dx = diagnosis_of({"red_flags": ["professionalism"], "application.program_list": "narrow"})
    second_is_primary = w["narrow_list"] >= rules.primary.second_ratio * w["professionalism"]
    assert dx.primary[0] == "red_flags"
    assert ("strategy" in dx.primary) is second_is_primary


@pytest.mark.parametrize("narrow_weight_offset", [-1, 0, 1])
def test_second_primary_ratio_threshold(kit, profile_of, narrow_weight_offset):
    """Move a weight around the ratio: below it one primary bucket, at or above it two."""
    from generator.advice.diagnose import diagnose

    rules = kit.data.rules
    heavy = rules.weights["professionalism"]
    at_ratio = rules.primary.second_ratio * heavy
    weight = int(at_ratio) + narrow_weight_offset if at_ratio == int(at_ratio) else int(at_ratio) + (narrow_weight_offset > 0)
    changed = rules.model_copy(update={"weights": {**rules.weights, "narrow_list": weight}})
    data = dataclasses.replace(kit.data, rules=changed)
    dx = diagnose(profile_of({"red_flags": ["professionalism"], "application.program_list": "narrow"}), data, as_of=AS_OF)
    assert dx.primary == (("red_flags", "strategy") if weight >= at_ratio else ("red_flags",))


# -- decision ----------------------------------------------------------------------------------


@pytest.mark.parametrize("offset, decision", [(-1, "reattempt"), (0, "pivot"), (1, "pivot")])
def test_pivot_gap(diagnosis_of, rules, derm, offset, decision):
    gap = rules.decision.pivot_gap + offset
    dx = diagnosis_of({"scores.step2_ck": derm.step2_ck.matched - gap})
    assert dx.decision == decision
    if decision == "pivot":
        assert f"Step 2 CK is {gap} points below the {derm.step2_ck.matched} mean" in dx.decision_reasons[0]
        assert dx.target_specialty == "internal_medicine"


def test_pivot_gap_does_not_apply_to_less_competitive_fields(diagnosis_of, kit, rules):
    fm = kit.data.catalog["family_medicine"]
    assert fm.tier not in rules.decision.pivot_gap_tiers
    dx = diagnosis_of({"dream_specialty": "family_medicine", "scores.step2_ck": fm.step2_ck.matched - rules.decision.pivot_gap - 5})
    assert dx.decision == "reattempt"
    assert any("less competitive" in r for r in dx.decision_reasons)


@pytest.mark.parametrize("offset, decision", [(-1, "reattempt"), (0, "pivot"), (1, "pivot")])
def test_long_shot_with_a_red_flag_pivots(diagnosis_of, rules, derm, offset, decision):
    gap = rules.metrics.flag_gap + offset
    dx = diagnosis_of({"scores.step2_ck": derm.step2_ck.matched - gap, "red_flags": ["remediation"]})
    assert dx.decision == decision


def test_long_shot_without_a_red_flag_can_reattempt(diagnosis_of, rules, derm):
    dx = diagnosis_of({"scores.step2_ck": derm.step2_ck.matched - rules.metrics.flag_gap})
    assert dx.buckets["metrics"].flagged
    assert dx.decision == "reattempt"


@pytest.mark.parametrize("offset, decision", [(-1, "reattempt"), (0, "pivot"), (1, "pivot")])
def test_multiple_failures_pivot(diagnosis_of, rules, offset, decision):
    dx = diagnosis_of({"scores.exam_failures": rules.decision.multiple_failures + offset})
    assert dx.decision == decision


@pytest.mark.parametrize("offset, decision", [(-1, "reattempt"), (0, "pivot"), (1, "pivot")])
def test_late_career_without_a_relevant_role(diagnosis_of, rules, offset, decision):
    years = rules.decision.late_years + offset
    dx = diagnosis_of({"graduation_year": 2026 - years, "situation.current_role": "non_clinical"})
    assert dx.decision == decision


def test_late_career_in_a_relevant_role_can_reattempt(diagnosis_of, rules):
    dx = diagnosis_of({"graduation_year": 2026 - rules.decision.late_years - 1, "situation.current_role": "prelim"})
    assert dx.decision == "reattempt"


@pytest.mark.parametrize("offset, decision", [(-1, "reattempt"), (0, "pivot"), (1, "pivot")])
def test_spent_attempts(diagnosis_of, rules, offset, decision):
    dx = diagnosis_of({"previous_attempts": rules.decision.spent_attempts + offset})
    assert dx.decision == decision


@pytest.mark.parametrize("offset, early", [(-1, True), (0, True), (1, False)])
def test_early_career_supports_a_reattempt(diagnosis_of, rules, offset, early):
    years = rules.decision.early_years + offset
    dx = diagnosis_of({"graduation_year": 2026 - years})
    assert dx.decision == "reattempt"
    assert any(r.startswith("Early in your career") for r in dx.decision_reasons) is early


@pytest.mark.parametrize(
    "extra_years, research, decision",
    [(0, False, "pivot"), (0, None, "reattempt"), (0, True, "reattempt"), (1, False, "reattempt")],
)
def test_no_time_to_rebuild_a_competitive_application(diagnosis_of, extra_years, research, decision):
    """Both facts must be known: an unknown research year never counts against the reader."""
    changes = {"situation.extra_years": extra_years, "situation.research_year_access": research}
    if research is None:
        changes["situation.research_year_access"] = REMOVE
    assert diagnosis_of(changes).decision == decision


# -- pivot options and program counts ------------------------------------------------------------


def test_pivot_options_rank_what_the_applicant_wants_to_keep(diagnosis_of):
    dx = diagnosis_of({"previous_attempts": 1, "preferences.keep": ["children"], "preferences.open_to": ["med_peds"]})
    assert dx.decision == "pivot"
    assert dx.pivot_options[0].specialty == "med_peds"
    assert dx.target_specialty == "med_peds"
    assert dx.pivot_options[0].keeps == ("outpatient", "chronic_disease")


def test_pivot_options_avoid_fields_far_above_the_score(diagnosis_of, kit, rules):
    """At a score well below Med-Peds' own mean, a field within reach ranks first, even over open_to."""
    med_peds = kit.data.catalog["med_peds"]
    score = med_peds.step2_ck.matched - rules.metrics.flag_gap - 5
    dx = diagnosis_of({"scores.step2_ck": score, "preferences.keep": ["children"], "preferences.open_to": ["med_peds"]})
    assert dx.decision == "pivot"
    first = kit.data.catalog[dx.pivot_options[0].specialty]
    assert first.key != "med_peds"
    assert first.step2_ck.matched - score < rules.metrics.flag_gap


def test_matched_other_ranks_the_held_position_first(diagnosis_of):
    dx = diagnosis_of(
        {"outcome": "matched_other", "matched_specialty": "family_medicine", "previous_attempts": 1, "preferences.open_to": []}
    )
    assert dx.decision == "pivot"
    assert dx.target_specialty == "family_medicine"


@pytest.mark.parametrize(
    "dream, band",
    [("dermatology", "competitive"), ("internal_medicine", "moderate"), ("psychiatry", "moderate"), ("family_medicine", "less")],
)
def test_program_range_follows_the_targets_band(diagnosis_of, rules, dream, band):
    dx = diagnosis_of({"dream_specialty": dream, "application.backup_specialty": "pathology"})
    assert dx.decision == "reattempt"
    expected = rules.applications[band]
    assert (dx.applications.min, dx.applications.max) == (expected.min, expected.max)


def test_a_pivots_program_range_is_the_targets(diagnosis_of, rules, kit):
    dx = diagnosis_of({"scores.step2_ck": 230})
    target = kit.data.catalog[dx.target_specialty]
    assert dx.decision == "pivot"
    assert dx.applications.min == rules.applications[target.applications_band].min



# -- applicant types: program ranges ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["us_do", "img"])
@pytest.mark.parametrize("dream", ["dermatology", "internal_medicine", "family_medicine"])
def test_dos_and_imgs_are_told_to_apply_at_least_as_widely_as_their_type_does(diagnosis_of, kit, kind, dream):
    rules = kit.data.rules
    mean = kit.data.facts["applications"]["per_applicant_2025"][kind]
    dx = diagnosis_of({"applicant_type": kind, "dream_specialty": dream, "application.backup_specialty": "pathology"})
    band = rules.applications[kit.data.catalog[dx.target_specialty].applications_band]
    assert dx.applications.min == max(band.min, mean)
    assert dx.applications.max >= dx.applications.min * rules.applications_by_type.spread - 10
    assert dx.applications.max >= band.max


def test_an_img_who_applied_to_140_is_not_told_to_apply_to_fewer(diagnosis_of):
    dx = diagnosis_of({"applicant_type": "img", "dream_specialty": "internal_medicine", "scores.step2_ck": 240,
                       "application.programs_applied": 140, "application.backup_specialty": "family_medicine"})
    assert dx.applications.min >= 129
    assert not dx.buckets["strategy"].flagged


def test_a_us_md_keeps_the_playbooks_ranges(diagnosis_of, rules):
    dx = diagnosis_of({"dream_specialty": "family_medicine", "application.backup_specialty": "pathology"})
    assert (dx.applications.min, dx.applications.max) == (rules.applications["less"].min, rules.applications["less"].max)


# -- applicant types: international graduates ----------------------------------------------------------------

STRONG_IMG = {
    "applicant_type": "img", "dream_specialty": "internal_medicine", "scores.step2_ck": 260, "graduation_year": 2020,
    "application.backup_specialty": "family_medicine", "situation.current_role": "non_clinical",
    "img": {"visa": "j1", "us_clinical_months": 1, "ecfmg_certified": True},
}


def test_a_strong_img_years_out_with_a_visa_reattempts_internal_medicine(diagnosis_of):
    dx = diagnosis_of(STRONG_IMG)
    assert dx.decision == "reattempt" and dx.target_specialty == "internal_medicine"
    assert {"img_years", "visa"} <= set(_codes(dx))
    assert any("a change of specialty would not remove them" in r for r in dx.decision_reasons)
    assert not any("without a clinical or research role" in r for r in dx.decision_reasons)


def test_the_same_record_from_a_us_graduate_pivots(diagnosis_of):
    changes = {k: v for k, v in STRONG_IMG.items() if k != "img"} | {"applicant_type": "us_md", "red_flags": []}
    dx = diagnosis_of(changes)
    assert dx.decision == "pivot"
    assert any("since graduation without a clinical or research role" in r for r in dx.decision_reasons)


def test_an_img_is_never_sent_to_a_field_less_open_to_imgs(diagnosis_of, kit):
    catalog = kit.data.catalog
    for dream in ("family_medicine", "pediatrics", "psychiatry", "neurology", "general_surgery", "neurological_surgery"):
        dx = diagnosis_of({"applicant_type": "img", "dream_specialty": dream, "scores.exam_failures": 2,
                           "application.backup_specialty": None, "preferences.open_to": ["emergency_medicine", "anesthesiology"]})
        share = catalog[dream].img_share_pct
        for option in dx.pivot_options:
            other = catalog[option.specialty]
            if share and other.img_share_pct:
                assert other.img_share_pct.value >= share.value - kit.data.rules.pivot_ranking.img_share_margin, (dream, option.specialty)
            else:
                order = {"less": 0, "moderate": 1, "competitive": 2}
                assert order[other.tier] <= order[catalog[dream].tier], (dream, option.specialty)
        assert any("no harder for international graduates to enter" in n for n in dx.pivot_notes)


def test_an_img_with_failures_in_internal_medicine_has_nowhere_easier_and_reattempts(diagnosis_of):
    dx = diagnosis_of(STRONG_IMG | {"scores.exam_failures": 2, "scores.step2_ck": 240})
    assert dx.pivot_options == ()
    assert dx.decision == "reattempt"
    assert dx.decision_reasons[0].startswith("Internal Medicine is already among the fields that take the most international graduates")


@pytest.mark.parametrize("offset, flagged", [(-1, True), (0, False), (1, False)])
def test_us_clinical_experience_threshold(diagnosis_of, rules, offset, flagged):
    months = rules.red_flags.img_us_clinical_months + offset
    dx = diagnosis_of({"applicant_type": "img", "dream_specialty": "internal_medicine", "scores.step2_ck": 255,
                       "application.backup_specialty": "family_medicine", "img": {"us_clinical_months": months}})
    assert ("img_us_clinical" in _codes(dx)) is flagged


def test_a_visa_in_the_img_part_is_a_red_flag_to_counterbalance(diagnosis_of):
    dx = diagnosis_of({"applicant_type": "img", "dream_specialty": "internal_medicine", "scores.step2_ck": 255,
                       "application.backup_specialty": "family_medicine", "img": {"visa": "h1b"}})
    assert "The application needs visa sponsorship" in dx.buckets["red_flags"].reasons
    assert dx.decision == "reattempt"


def test_the_img_part_is_refused_for_a_us_graduate(write_profile, kit):
    from generator.errors import InputError
    from generator.loading.validate import load_profile

    with pytest.raises(InputError) as caught:
        load_profile(write_profile({"img": {"visa": "j1"}}), kit.data)
    assert "img: is given, but applicant_type is 'us_md' (expected the img part only for applicant_type img)" in str(caught.value)


def test_failed_exams_name_the_exams_and_must_match_the_count(diagnosis_of, write_profile, kit):
    from generator.errors import InputError
    from generator.loading.validate import load_profile

    dx = diagnosis_of({"scores.exam_failures": REMOVE, "scores.failed_exams": ["step1", "step1", "step2_ck"]})
    assert "3 failed exam attempts on the record (Step 1 twice and Step 2 CK)" in dx.buckets["red_flags"].reasons
    assert dx.buckets["metrics"].flagged
    with pytest.raises(InputError) as caught:
        load_profile(write_profile({"scores.exam_failures": 1, "scores.failed_exams": ["step1", "level1"]}), kit.data)
    assert "lists 2 failed attempts, but exam_failures is 1" in str(caught.value)


# -- DOs and COMLEX ---------------------------------------------------------------------------------------------


def test_comlex_only_leaves_the_metrics_not_assessed(diagnosis_of):
    dx = diagnosis_of({"applicant_type": "us_do", "scores.step2_ck": REMOVE, "scores.comlex2_ce": 600})
    metrics = dx.buckets["metrics"]
    assert not metrics.flagged and not metrics.assessed
    assert metrics.not_assessed.startswith("Only a COMLEX Level 2-CE score (600) was given, and this guide holds no COMLEX figures for Dermatology")
    assert "metrics" in dx.unassessed


def test_a_step2_score_lets_a_do_be_assessed(diagnosis_of):
    dx = diagnosis_of({"applicant_type": "us_do", "scores.comlex2_ce": 600})
    assert dx.buckets["metrics"].assessed


def test_multiple_failures_are_assessed_even_without_a_score(diagnosis_of, rules):
    dx = diagnosis_of({"scores.step2_ck": REMOVE, "scores.exam_failures": rules.metrics.multiple_failures})
    assert dx.buckets["metrics"].flagged and dx.buckets["metrics"].assessed


def test_buckets_without_their_facts_are_not_assessed(diagnosis_of):
    dx = diagnosis_of({"application": {"programs_applied": 60}, "red_flags": REMOVE, "scores.exam_failures": REMOVE})
    assert dx.buckets["strategy"].assessed
    assert not dx.buckets["application_quality"].assessed
    assert not dx.buckets["red_flags"].assessed


# -- no verdict without the facts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("changes, gather", [
    ({}, True),
    ({"scores.step2_ck": 240}, False),
    ({"scores.comlex2_ce": 550}, False),
    ({"application.programs_applied": 30}, False),
    ({"application.interviews": 0}, False),
    ({"scores.exam_failures": 2, "previous_attempts": 3}, True),  # failures and attempts are not scores or counts of programs
])
def test_no_verdict_without_a_score_or_a_count_of_programs(diagnosis_of, changes, gather):
    base = {"scores": {}, "application": {}}
    dx = diagnosis_of(base | changes)
    assert (dx.decision == "gather_facts") is gather
    if gather:
        assert dx.target_specialty is None and dx.applications is None and dx.cycle.target_match is None


# -- positions held ---------------------------------------------------------------------------------------------


def test_a_soap_placement_is_weighed_in_the_ranking(diagnosis_of):
    dx = diagnosis_of({"outcome": "soap_unwanted", "matched_specialty": "family_medicine", "scores.exam_failures": 2,
                       "preferences.open_to": [], "preferences.keep": ["outpatient"]})
    assert dx.decision == "pivot"
    assert dx.pivot_options[0].specialty == "family_medicine"
    assert dx.holding.kind == "categorical" and dx.holding.through_soap


@pytest.mark.parametrize("offset, noted", [(-1, False), (0, True), (1, True)])
def test_a_first_option_far_above_the_score_is_never_ranked_first_silently(diagnosis_of, kit, rules, offset, noted):
    """Family Medicine, which the reader is open to, ranks first; at the metrics gap below its mean the guide says so."""
    fm = kit.data.catalog["family_medicine"]
    score = fm.step2_ck.matched - rules.metrics.flag_gap - offset
    dx = diagnosis_of({"scores.step2_ck": score, "scores.exam_failures": 2, "preferences.keep": ["outpatient"],
                       "preferences.open_to": ["family_medicine"], "preferences.lifestyle": None})
    assert dx.decision == "pivot" and dx.pivot_options[0].specialty == "family_medicine"
    notes = [n for n in dx.pivot_notes if n.startswith("Family Medicine ranks first")]
    assert bool(notes) is noted
    if noted:
        assert f"averaged {fm.step2_ck.matched} on Step 2 CK (NRMP 2024, unverified), {fm.step2_ck.matched - score} points above your {score}" in notes[0]


def test_an_advanced_position_in_the_dream_is_held_and_needs_a_first_year(diagnosis_of):
    dx = diagnosis_of({"outcome": "advanced_only", "matched_specialty": "dermatology"}, as_of=AS_OF)
    assert dx.holding.kind == "advanced" and dx.holding.starts.year == 2027
    assert (dx.decision, dx.target_specialty, dx.cycle.target_match) == ("reattempt", "dermatology", None)
    assert dx.cycle.reasons == (
        "Your advanced position in Dermatology starts on 1 July 2027; what is missing is the first year before it, "
        "which must start on 1 July 2026",
    )


# -- keep words ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word, key", [("MSK focus", "musculoskeletal"), ("OR time", "operating_room"), ("head/neck exposure", "head_and_neck"),
                                       ("Neuro focus", "neuro"), ("ICU", "critical_care"), ("outpatient", "outpatient")])
def test_keep_words_take_the_playbooks_shorthand(profile_of, word, key):
    assert profile_of({"preferences.keep": [word]}).preferences.keep == [key]


def test_an_unknown_keep_word_lists_the_whole_vocabulary_and_suggests(write_profile, kit):
    from generator.errors import InputError
    from generator.loading.validate import load_profile

    with pytest.raises(InputError) as caught:
        load_profile(write_profile({"preferences.keep": ["technologie"]}), kit.data)
    message = str(caught.value)
    assert "did you mean 'technology'?" in message
    for key in kit.data.keeps:
        assert key in message


def _codes(dx) -> list[str]:
    """The red-flag codes a diagnosis raised, read back from its reasons."""
    reasons = dx.buckets["red_flags"].reasons
    codes = []
    if any("between graduation and this Match" in r for r in reasons):
        codes.append("img_years")
    if any("US clinical experience" in r for r in reasons):
        codes.append("img_us_clinical")
    if "The application needs visa sponsorship" in reasons:
        codes.append("visa")
    return codes


@pytest.mark.parametrize("offset, offered", [(-0.1, True), (0.0, True), (0.1, False)])
def test_img_share_margin_threshold(kit, offset, offered):
    """A field whose IMG share is more than the margin below the dream's is harder to enter; at the margin it is not."""
    from generator.advice.diagnose import _harder_for_img

    margin = kit.data.rules.pivot_ranking.img_share_margin
    dream = kit.data.catalog["pediatrics"]
    fm = kit.data.catalog["family_medicine"]
    other = fm.img_share_pct.model_copy(update={"value": round(dream.img_share_pct.value - margin - offset, 2)})
    harder, basis = _harder_for_img(fm.model_copy(update={"img_share_pct": other}), dream, kit.data)
    assert basis == "share" and harder is not offered



# -- delaying graduation ---------------------------------------------------------------------------------

SENIOR = {"graduation_year": 2026, "match_year": 2026, "application.letters_in_specialty": 0, "application.advocate_letter": False}


@pytest.mark.parametrize("month, open_", [(4, True), (5, True), (6, False)])
def test_delaying_graduation_is_offered_before_graduation_season_ends(diagnosis_of, rules, month, open_):
    assert rules.graduation_delay.before_month == 6
    dx = diagnosis_of(SENIOR, as_of=dt.date(2026, month, 1))
    assert (dx.graduation_delay is not None) is open_
    if open_:
        assert dx.decision == "reattempt" and "application_quality" in dx.flagged
        assert dx.graduation_delay == "fits"


@pytest.mark.parametrize("changes, verdict", [
    ({}, "fits"),
    ({"application.letters_in_specialty": 3, "application.advocate_letter": True}, "can_fit"),
    ({"scores.exam_failures": 2}, "fits_less"),
    ({"scores": {}, "application": {}}, "undecided"),
    ({"applicant_type": "img"}, None),
    ({"graduation_year": 2025}, None),
    ({"outcome": "matched_other", "matched_specialty": "psychiatry"}, None),
])
def test_delaying_graduation_fits_a_reattempt_that_needs_rotations_and_letters(diagnosis_of, changes, verdict):
    assert diagnosis_of(SENIOR | changes, as_of=dt.date(2026, 4, 1)).graduation_delay == verdict
