"""Each diagnosis rule just below, at and just above its threshold (thresholds from rules.yaml).

The base profile (conftest.BASE) flags nothing and leads to a reattempt; each test moves one value.
Dermatology's matched mean and the rules are read from the data files, so a change of figures
moves the tests with it.
"""

from __future__ import annotations

import dataclasses

import pytest

from conftest import REMOVE


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
            f"of matched applicants in Dermatology (NRMP 2024)"
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
def test_program_count_against_the_band_floor(diagnosis_of, rules, derm, offset, flagged):
    floor = rules.applications[derm.applications_band].min
    dx = diagnosis_of({"application.programs_applied": floor + offset, "application.interviews": 0})
    assert dx.buckets["strategy"].flagged is flagged
    if flagged:
        assert dx.buckets["strategy"].reasons[0].startswith(f"{floor - 1} programs applied to, below the {floor}")
        assert "58 applications in the 2025 cycle (AAMC)" in dx.buckets["strategy"].reasons[0]


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
    from generator.diagnose import diagnose

    rules = kit.data.rules
    heavy = rules.weights["professionalism"]
    at_ratio = rules.primary.second_ratio * heavy
    weight = int(at_ratio) + narrow_weight_offset if at_ratio == int(at_ratio) else int(at_ratio) + (narrow_weight_offset > 0)
    changed = rules.model_copy(update={"weights": {**rules.weights, "narrow_list": weight}})
    data = dataclasses.replace(kit.data, rules=changed)
    dx = diagnose(profile_of({"red_flags": ["professionalism"], "application.program_list": "narrow"}), data)
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
