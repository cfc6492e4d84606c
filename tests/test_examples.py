"""Each example profile's diagnosis, pinned, as `guidebook diagnose --json` prints it."""

from __future__ import annotations

import json

import pytest

from conftest import AS_OF, EXAMPLES, PROFILES
from generator.commands.cli import main

JSON_KEYS = {
    "id", "as_of", "outcome", "buckets", "primary", "decision", "decision_reasons", "target_specialty", "target_match",
    "cycle_reasons", "soap_now", "graduation_delay", "pivot_options", "pivot_notes", "applications", "missing", "sections",
}

# Each example profile's diagnosis on AS_OF (1 April 2026, two weeks after the 2026 Match Week), with
# the rule or sourced fact that makes it so. Applications for the 2027 Match open in September 2026
# (an estimate from the NRMP's pattern): five months away.
#
# id: (outcome, decision, target, target Match, program range, primary, flagged, not assessed,
#      a phrase of the decision or Match reasons)
EXPECTED = {
    # The playbook's dermatology case (step 3.2): 238, a failure, a remediation: a long shot with a red
    # flag. A pivot to IM needs about 3 months of work in the field, which fits before September.
    "jordan-rivera": (
        "unmatched", "pivot", "internal_medicine", 2027, (60, 100), ["red_flags", "metrics"],
        {"metrics", "application_quality", "strategy", "red_flags"}, set(),
        "Step 2 CK is 19 points below the 257 mean of US MD seniors who matched in Dermatology (NRMP 2024, unverified), a long shot",
    ),
    # The playbook's orthopaedic reattempt case (step 3.1), with a research year on offer: research
    # output takes about 12 months, but one extra year is all he can afford, so he applies during the
    # research year, in the 2027 Match, with the work in progress.
    "sam-okafor": (
        "unmatched", "reattempt", "orthopaedic_surgery", 2027, (60, 80), ["strategy", "application_quality"],
        {"application_quality", "strategy"}, set(),
        "you can afford 1 extra year: aim at the 2027 Match, listing the work in progress",
    ),
    # An IMG five years out with a visa, in internal medicine: recency and the visa are counterbalanced
    # (step 2.4), not fled, since IM fills the largest share of first-year positions with IMGs (43.2%).
    # The range starts at the IMG mean of 129 applications (AAMC 2025).
    "priya-natarajan": (
        "unmatched_after_soap", "reattempt", "internal_medicine", 2027, (129, 180), ["metrics", "red_flags"],
        {"metrics", "red_flags"}, set(),
        "Internal Medicine is already among the fields that take the most international graduates",
    ),
    # A DO on his second attempt at EM, holding a family medicine position: the earlier cycle is spent
    # (step 3.1), and the position he holds ranks first, so no new Match is needed. COMLEX only: the
    # metrics are not assessed.
    "marcus-bell": (
        "matched_other", "pivot", "family_medicine", None, None, ["strategy"], {"strategy"}, {"metrics"},
        "building from it needs no new Match",
    ),
    # Strong plastics applicant placed through SOAP who under-applied on a narrow list: a strategy fix
    # takes about a month, so the next Match; she holds a position, so the Match Participation
    # Agreement is explained.
    "elena-vasquez": (
        "soap_unwanted", "reattempt", "plastic_surgery", 2027, (60, 80), ["strategy"], {"strategy"}, set(),
        "The Match Participation Agreement binds you to start it in good faith",
    ),
    # Only the required fields: no score and no count of programs, so no verdict (step 1: the autopsy first).
    "alex-kim": (
        "unmatched", "gather_facts", None, None, None, [], set(), {"metrics", "application_quality", "strategy", "red_flags"},
        "those are the facts that decide between another attempt and a change of field",
    ),
    # Two failed attempts (step 3.1), an IMG: fields less open to IMGs than neurosurgery are never offered.
    "tomas-lindqvist": (
        "unmatched_after_soap", "pivot", "neurology", 2027, (129, 180), ["metrics"],
        {"metrics", "application_quality", "strategy", "red_flags"}, set(),
        "2 failed exam attempts",
    ),
    # Matched general surgery with no extra year and no research year: an ENT application cannot be
    # rebuilt in time (step 3.1), and she holds the position that ranks first.
    "grace-adeyemi": (
        "matched_other", "pivot", "general_surgery", None, None, [], set(), set(),
        "No extra year to spend and no research year on offer",
    ),
    # A DO in pediatrics, a less competitive field: a broader application is the usual fix; 25 programs
    # is under the DO mean of 72, which also starts her range.
    "dana-whitfield": (
        "unmatched", "reattempt", "pediatrics", 2027, (72, 100), ["red_flags", "metrics"], {"metrics", "strategy", "red_flags"}, set(),
        "Pediatrics is among the less competitive fields",
    ),
    # The IMG: Step 2 CK 260, six years out, J-1, one month of US clinical work, IM: reattempt IM,
    # counterbalancing recency, US clinical experience and the visa; 110 programs is under the IMG mean.
    "amara-osei": (
        "unmatched", "reattempt", "internal_medicine", 2027, (129, 180), ["red_flags"], {"strategy", "red_flags"}, set(),
        "a change of specialty would not remove them",
    ),
    # An IMG with failures on Step 1 and Step 2 CK and an H-1B in view, in psychiatry: two failures pivot
    # (step 3.1), only to fields at least as open to IMGs; family medicine ranks first, and the guide
    # says its mean is 15 points above his score.
    "rafael-mendes": (
        "unmatched_after_soap", "pivot", "family_medicine", 2027, (129, 180), ["metrics", "red_flags"],
        {"metrics", "red_flags"}, {"application_quality"},
        "2 failed exam attempts: programs in Psychiatry rarely look past more than one",
    ),
    # A DO with COMLEX only in EM: metrics not assessed (no COMLEX figures in the data); 45 programs is
    # under the DO mean of 72.
    "dmitri-volkov": (
        "unmatched", "reattempt", "emergency_medicine", 2027, (72, 100), ["strategy"], {"strategy"}, {"metrics"},
        "No Step 2 CK score was compared with the field's figures",
    ),
    # A preliminary year with no advanced position: it ends on 30 June 2027, so the next Match, and
    # anesthesiology's advanced (PGY-2) positions are open to her.
    "hannah-cho": (
        "prelim_only", "reattempt", "anesthesiology", 2027, (60, 100), ["strategy"], {"strategy"}, set(),
        "Anesthesiology also fills second-year (PGY-2) positions that follow a separate first year",
    ),
    # An advanced position with no first year: the advanced match stands (NRMP); the task is a first
    # year from 1 July 2026, not a new Match.
    "omar-haddad": (
        "advanced_only", "reattempt", "diagnostic_radiology", None, None, [], set(), {"application_quality"},
        "what is missing is the first year before it",
    ),
    # Placed through SOAP in family medicine, 25 points under the dermatology mean: pivot, and the
    # position she holds ranks first.
    "lucia-ferreira": (
        "soap_unwanted", "pivot", "family_medicine", None, None, ["metrics"], {"metrics", "strategy"}, set(),
        "You hold a position in Family Medicine",
    ),
    # Matched psychiatry, wanted neurology, at neurology's mean: one more attempt, with the Agreement explained.
    "ben-adler": (
        "matched_other", "reattempt", "neurology", 2027, (40, 70), ["strategy"], {"strategy"}, set(),
        "no program may offer you a position in the same training year",
    ),
    # Required fields only, an IMG four years out: the years are a known red flag, but no verdict.
    "chidi-nwosu": (
        "unmatched", "gather_facts", None, None, None, ["red_flags"], {"red_flags"}, {"metrics", "application_quality", "strategy"},
        "this guide does not decide yet",
    ),
    # 55 dermatology programs is above the 40 dermatology applicants averaged in 2025: not under-applying.
    # Thin research in a very research-heavy field takes about a year to show, and she can afford two
    # extra years: the 2028 Match, with a first year applied for in the same Match (dermatology starts at PGY-2).
    "maya-patel": (
        "unmatched", "reattempt", "dermatology", 2028, (60, 80), [], set(), set(),
        "cannot be ready by September 2026, so aim at the 2028 Match",
    ),
    # The IMG with 140 applications: the range starts at the IMG mean, never 40-70.
    "arjun-rao": (
        "unmatched", "reattempt", "internal_medicine", 2027, (129, 180), ["metrics"], {"metrics"}, set(),
        "Step 2 CK is 13 points below the 251 mean (NRMP 2024, unverified): borderline, not out of reach",
    ),
    # A US senior unmatched in orthopaedics without an away rotation: rotations and letters take about
    # four months, which fits before September.
    "kate-sullivan": (
        "unmatched", "reattempt", "orthopaedic_surgery", 2027, (60, 80), ["application_quality", "strategy"],
        {"application_quality", "strategy"}, set(),
        "rotations in Orthopaedic Surgery and two or three strong, recent letters",
    ),
    # A recent IMG in pediatrics with an exam plan to make: family medicine's IMG share (26.7%) is within
    # a point of pediatrics' (26.8%), so it stays on the list.
    "fatima-zahra": (
        "unmatched", "reattempt", "pediatrics", 2027, (129, 180), ["metrics", "strategy"], {"metrics", "strategy", "red_flags"}, set(),
        "the need for a visa weighs on any application",
    ),
}

def test_every_example_is_pinned():
    assert {p.stem for p in EXAMPLES} == set(EXPECTED)


def test_examples_cover_outcomes_decisions_and_applicant_types():
    import yaml

    profiles = [yaml.safe_load(p.read_text()) for p in EXAMPLES]
    assert {p["outcome"] for p in profiles} == {
        "unmatched", "matched_other", "soap_unwanted", "unmatched_after_soap", "prelim_only", "advanced_only"}
    assert {p["applicant_type"] for p in profiles} == {"us_md", "us_do", "img"}
    assert {e[1] for e in EXPECTED.values()} == {"reattempt", "pivot", "gather_facts"}
    assert {e[3] for e in EXPECTED.values()} == {2027, 2028, None}
    required = {"name", "applicant_type", "graduation_year", "match_year", "outcome", "dream_specialty"}
    assert sum(set(p) == required for p in profiles) >= 2


@pytest.mark.parametrize("profile_id", sorted(EXPECTED))
def test_diagnose_json_for_each_example(runner, profile_id):
    result = runner.invoke(main, ["diagnose", str(PROFILES / f"{profile_id}.yaml"), "--json", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    outcome, decision, target, target_match, programs, primary, flagged, unassessed, reason = EXPECTED[profile_id]
    assert set(got) == JSON_KEYS
    assert got["id"] == profile_id and got["as_of"] == AS_OF.isoformat()
    assert got["outcome"] == outcome
    assert got["decision"] == decision
    assert got["target_specialty"] == target
    assert got["target_match"] == target_match
    assert got["primary"] == primary
    assert {b for b, v in got["buckets"].items() if v["flagged"]} == flagged
    assert {b for b, v in got["buckets"].items() if not v["assessed"]} == unassessed
    assert set(got["buckets"]) == {"metrics", "application_quality", "strategy", "red_flags"}
    assert got["applications"] == ({"min": programs[0], "max": programs[1]} if programs else None)
    assert any(reason in r for r in got["decision_reasons"] + got["cycle_reasons"]), (got["decision_reasons"], got["cycle_reasons"])
    assert got["soap_now"] is False
    for bucket in got["buckets"].values():
        if bucket["flagged"]:
            assert bucket["reasons"] and bucket["assessed"]
        if not bucket["assessed"]:
            assert bucket["not_assessed"]
    if decision == "pivot":
        assert got["pivot_options"][0]["specialty"] == target
    assert all(set(o) == {"specialty", "keeps"} for o in got["pivot_options"])
    assert "first-days" in got["sections"] and got["sections"][-1] == "today"


def test_jordan_reasons_cite_the_data(runner):
    got = json.loads(runner.invoke(main, ["diagnose", str(PROFILES / "jordan-rivera.yaml"), "--json"]).output)
    assert got["buckets"]["metrics"]["reasons"] == [
        "Step 2 CK 238 is 19 points below the 257 mean of US MD seniors who matched in Dermatology (NRMP 2024, unverified)"
    ]
    assert "A remediation is on record" in got["buckets"]["red_flags"]["reasons"]
    assert got["pivot_options"][0] == {"specialty": "internal_medicine", "keeps": ["outpatient", "chronic_disease"]}
    assert got["missing"] == []
    # 45 dermatology programs is above the 40 dermatology applicants averaged in 2025: not under-applying.
    assert not any("programs applied to" in r for r in got["buckets"]["strategy"]["reasons"])


def test_the_minimal_profile_lists_what_is_missing(runner):
    got = json.loads(runner.invoke(main, ["diagnose", str(PROFILES / "alex-kim.yaml"), "--json"]).output)
    assert "scores.step2_ck" in got["missing"]
    assert "application.programs_applied" in got["missing"]
    assert "preferences.keep" in got["missing"]
    assert all(not b["flagged"] and not b["assessed"] for b in got["buckets"].values())


def test_an_img_lists_the_img_facts_it_left_out(runner):
    got = json.loads(runner.invoke(main, ["diagnose", str(PROFILES / "chidi-nwosu.yaml"), "--json"]).output)
    assert {"img.ecfmg_certified", "img.us_clinical_months", "img.visa"} <= set(got["missing"])


def test_marcus_reports_comlex_only_as_missing_step2(runner):
    got = json.loads(runner.invoke(main, ["diagnose", str(PROFILES / "marcus-bell.yaml"), "--json"]).output)
    assert got["missing"] == ["scores.step2_ck"]
    assert got["buckets"]["metrics"]["not_assessed"].startswith("Only a COMLEX Level 2-CE score (610) was given")


def test_a_guide_built_in_soap_week_says_so(runner):
    got = json.loads(runner.invoke(main, ["diagnose", str(PROFILES / "jordan-rivera.yaml"), "--json", "--as-of", "2026-03-17"]).output)
    assert got["soap_now"] is True
    assert got["cycle_reasons"][0] == "SOAP is under way this week: everything below applies if it does not place you"
    assert got["sections"][0] == "match-week"


def test_human_diagnosis_reads_as_a_summary(runner):
    result = runner.invoke(main, ["diagnose", str(PROFILES / "jordan-rivera.yaml")])
    assert result.exit_code == 0
    assert "As of 1 April 2026" in result.output
    assert "Decision: pivot to Internal Medicine" in result.output
    assert "Match to aim at: the 2027 Match" in result.output
    assert "[x] metrics (primary)" in result.output
    assert "Programs to apply to next time: 60-100" in result.output


def test_human_diagnosis_shows_what_was_not_assessed(runner):
    result = runner.invoke(main, ["diagnose", str(PROFILES / "alex-kim.yaml")])
    assert "[?] metrics (not assessed)" in result.output
    assert "Decision: gather the facts first (no reattempt or pivot yet)" in result.output
    assert "Programs to apply to next time" not in result.output
    assert "unmatched in the 2026 Match" in result.output
