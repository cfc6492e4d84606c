"""Each example profile's diagnosis, pinned, as `guidebook diagnose --json` prints it."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, PROFILES
from generator.cli import main

JSON_KEYS = {
    "id", "outcome", "buckets", "primary", "decision", "decision_reasons", "target_specialty",
    "pivot_options", "applications", "missing", "sections",
}

# id: (outcome, decision, target, primary, flagged buckets, (min, max), a phrase of the decision reasons)
EXPECTED = {
    "jordan-rivera": (
        "unmatched", "pivot", "internal_medicine", ["red_flags", "metrics"],
        {"metrics", "application_quality", "strategy", "red_flags"}, (60, 100),
        "Step 2 CK is 19 points below the 257 mean of matched applicants in Dermatology (NRMP 2024), a long shot",
    ),
    "sam-okafor": (
        "unmatched", "reattempt", "orthopaedic_surgery", ["strategy", "application_quality"],
        {"application_quality", "strategy"}, (60, 80),
        "A dedicated research year in Orthopaedic Surgery is on offer",
    ),
    "priya-natarajan": (
        "unmatched_after_soap", "pivot", "family_medicine", ["metrics", "red_flags"],
        {"metrics", "red_flags"}, (40, 70),
        "5 years since graduation without a clinical or research role that feeds Internal Medicine",
    ),
    "marcus-bell": (
        "matched_other", "pivot", "family_medicine", [], set(), (40, 70),
        "1 earlier cycle already spent on Emergency Medicine",
    ),
    "elena-vasquez": (
        "soap_unwanted", "reattempt", "plastic_surgery", ["strategy"], {"strategy"}, (60, 80),
        "Step 2 CK is 1 point below the 256 mean",
    ),
    "alex-kim": (
        "unmatched", "reattempt", "psychiatry", [], set(), (60, 100),
        "No Step 2 CK was given, so the scores were not held against the reattempt",
    ),
    "tomas-lindqvist": (
        "unmatched_after_soap", "pivot", "neurology", ["metrics"],
        {"metrics", "application_quality", "strategy", "red_flags"}, (40, 70),
        "2 failed exam attempts",
    ),
    "grace-adeyemi": (
        "matched_other", "pivot", "general_surgery", [], set(), (60, 80),
        "No extra year to spend and no research year on offer",
    ),
    "dana-whitfield": (
        "unmatched", "reattempt", "pediatrics", ["red_flags", "metrics"], {"metrics", "strategy", "red_flags"}, (60, 100),
        "Pediatrics is among the less competitive fields",
    ),
}


def test_every_example_is_pinned():
    assert {p.stem for p in EXAMPLES} == set(EXPECTED)


def test_examples_cover_outcomes_decisions_and_applicant_types():
    import yaml

    profiles = [yaml.safe_load(p.read_text()) for p in EXAMPLES]
    assert {p["outcome"] for p in profiles} == {"unmatched", "matched_other", "soap_unwanted", "unmatched_after_soap"}
    assert {p["applicant_type"] for p in profiles} == {"us_md", "us_do", "img"}
    assert {e[1] for e in EXPECTED.values()} == {"reattempt", "pivot"}
    required = {"name", "applicant_type", "graduation_year", "match_year", "outcome", "dream_specialty"}
    assert any(set(p) == required for p in profiles)


@pytest.mark.parametrize("profile_id", sorted(EXPECTED))
def test_diagnose_json_for_each_example(runner, profile_id):
    result = runner.invoke(main, ["diagnose", str(PROFILES / f"{profile_id}.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    outcome, decision, target, primary, flagged, (low, high), reason = EXPECTED[profile_id]
    assert set(got) == JSON_KEYS
    assert got["id"] == profile_id
    assert got["outcome"] == outcome
    assert got["decision"] == decision
    assert got["target_specialty"] == target
    assert got["primary"] == primary
    assert {b for b, v in got["buckets"].items() if v["flagged"]} == flagged
    assert set(got["buckets"]) == {"metrics", "application_quality", "strategy", "red_flags"}
    assert got["applications"] == {"min": low, "max": high}
    assert any(reason in r for r in got["decision_reasons"]), got["decision_reasons"]
    for bucket in got["buckets"].values():
        if bucket["flagged"]:
            assert bucket["reasons"]
    if decision == "pivot":
        assert got["pivot_options"][0]["specialty"] == target
    assert all(set(o) == {"specialty", "keeps"} for o in got["pivot_options"])
    assert got["sections"][0] == "first-days" and got["sections"][-1] == "today"


def test_jordan_reasons_cite_the_data(runner):
    got = json.loads(runner.invoke(main, ["diagnose", str(PROFILES / "jordan-rivera.yaml"), "--json"]).output)
    assert got["buckets"]["metrics"]["reasons"] == [
        "Step 2 CK 238 is 19 points below the 257 mean of matched applicants in Dermatology (NRMP 2024)"
    ]
    assert "A remediation is on record" in got["buckets"]["red_flags"]["reasons"]
    assert got["pivot_options"][0] == {"specialty": "internal_medicine", "keeps": ["outpatient", "chronic_disease"]}
    assert got["missing"] == []


def test_the_minimal_profile_lists_what_is_missing(runner):
    got = json.loads(runner.invoke(main, ["diagnose", str(PROFILES / "alex-kim.yaml"), "--json"]).output)
    assert "scores.step2_ck" in got["missing"]
    assert "application.programs_applied" in got["missing"]
    assert "preferences.keep" in got["missing"]
    assert all(not b["flagged"] for b in got["buckets"].values())


def test_marcus_reports_comlex_only_as_missing_step2(runner):
    got = json.loads(runner.invoke(main, ["diagnose", str(PROFILES / "marcus-bell.yaml"), "--json"]).output)
    assert got["missing"] == ["scores.step2_ck"]


def test_human_diagnosis_reads_as_a_summary(runner):
    result = runner.invoke(main, ["diagnose", str(PROFILES / "jordan-rivera.yaml")])
    assert result.exit_code == 0
    assert "Decision: pivot to Internal Medicine" in result.output
    assert "[x] metrics (primary)" in result.output
    assert "Programs to apply to next time: 60-100" in result.output
