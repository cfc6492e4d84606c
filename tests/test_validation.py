"""Bad profiles get located, actionable errors, exit status 2, no traceback, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.commands.cli import main

FOUR_MISTAKES = """\
name: Jordan Rivera
applicant_type: us_md
graduation_year: 2025
match_year: 2026
outcome: unmatched
dream_specialty: dermotology
previous_attempt: 0
scores:
  step2_ck: 400
application:
  interviews: two
"""


def run_build(runner, profile: Path, out: Path):
    return runner.invoke(main, ["build", str(profile), "-o", str(out)])


def test_four_mistakes_give_four_located_errors(runner, write_profile, tmp_path):
    path = write_profile(FOUR_MISTAKES, name="four.yaml")
    out = tmp_path / "out"
    result = run_build(runner, path, out)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    p = str(path)
    assert lines[:4] == [
        f"{p}:6:18: dream_specialty: unknown specialty 'dermotology' (expected a specialty key or common name, "
        "such as anesthesiology, child_neurology, dermatology, diagnostic_radiology, emergency_medicine, "
        "family_medicine, ...); did you mean 'dermatology'?",
        f"{p}:7:1: previous_attempt: unknown field 'previous_attempt' (expected one of: name, applicant_type, "
        "graduation_year, match_year, outcome, dream_specialty, id, matched_specialty, previous_attempts, scores, "
        "application, red_flags, situation, img, preferences, advisor_note, advisor_private_note); did you mean 'previous_attempts'?",
        f"{p}:9:13: scores.step2_ck: 400 is out of range (expected a whole number from 1 to 300)",
        f"{p}:11:15: application.interviews: 'two' is not a whole number (expected a whole number from 0 to 1000)",
    ]
    assert lines[4] == f"4 problems in {p}; nothing was written"
    assert not out.exists()


def test_validate_command_reports_the_same_and_exits_2(runner, write_profile):
    path = write_profile(FOUR_MISTAKES)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.output.count(f"{path}:") == 4


def test_validate_checks_every_file_and_reports_the_good_ones(runner, write_profile):
    good = write_profile({}, name="good.yaml")
    bad = write_profile(FOUR_MISTAKES, name="bad.yaml")
    result = runner.invoke(main, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"{good}: ok (good)" in result.output
    assert result.output.count(f"{bad}:") == 4


def test_examples_validate(runner):
    from conftest import EXAMPLES

    result = runner.invoke(main, ["validate", *map(str, EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok (") == len(EXAMPLES)


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"application.program_list": "narow"}, "application.program_list: unknown choice 'narow' (expected one of: broad, narrow); did you mean 'narrow'?"),
        ({"red_flags": ["visa", "remediaton"]}, "red_flags[1]: unknown choice 'remediaton' (expected one of: remediation, leave_of_absence, professionalism, visa, social_media); did you mean 'remediation'?"),
        ({"scores.exam_failures": -1}, "scores.exam_failures: -1 is negative (expected a whole number from 0 to 20)"),
        ({"graduation_year": 2027}, "graduation_year: 2027 is after match_year 2026 (expected a year no later than the match year)"),
        ({"application.programs_applied": "45"}, "application.programs_applied: '45' is not a whole number (expected a whole number from 0 to 1000, written without quotes); did you mean 45?"),
        ({"situation.research_year_access": "yes"}, "situation.research_year_access: 'yes' is not true or false"),
        ({"preferences.keep": ["outpatient", "procedurs"]}, "preferences.keep[1]: unknown word 'procedurs' ("),
        ({"preferences.open_to": ["Peds", "Famly Medicine"]}, "did you mean 'family_medicine'?"),
        ({"step2_ck": 250}, "unknown field 'step2_ck' (expected one of: name,"),
        ({"scores.step2": 250}, "did you mean 'step2_ck'?"),
        ({"matched_specialty": "internal_medicine"}, "matched_specialty: is given, but outcome is 'unmatched'"),
        ({"application.interviews": 90}, "application.interviews: 90 interviews is more than the 80 programs applied to"),
        ({"name": 12}, "name: 12 is not text (expected text of at most 120 characters, in quotes when it looks like a number); did you mean \"12\"?"),
        ({"id": "../escape"}, "id: '../escape' does not have the expected form"),
        ({"red_flags": "remediation"}, "red_flags: 'remediation' is not a list (expected a list of any of: remediation, leave_of_absence, professionalism, visa, social_media, written as [remediation] or one '- item' per line)"),
        ({"scores": [1, 2]}, "scores: a list is not a mapping (expected a mapping with the fields step2_ck, comlex2_ce, exam_failures, failed_exams, step3_passed)"),
    ],
)
def test_single_mistakes(runner, write_profile, tmp_path, changes, expected):
    result = run_build(runner, write_profile(changes), tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_top_level_field_misplaced_points_to_its_section(runner, write_profile):
    result = runner.invoke(main, ["validate", str(write_profile({"step2_ck": 250}))])
    assert "did you mean 'scores.step2_ck'? it belongs under scores" in result.output


def test_missing_required_fields_are_listed(runner, write_profile):
    result = runner.invoke(main, ["validate", str(write_profile("name: Someone\n"))])
    assert result.exit_code == 2
    for field in ("applicant_type", "graduation_year", "match_year", "outcome", "dream_specialty"):
        assert f":1:1: {field}: required field is missing" in result.output


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ":1:1: the file is empty (expected a profile"),
        ("name: A\n\tapplicant_type: us_md\n", ":2:1: a tab character; YAML indents with spaces only"),
        ("- name: A\n", ":1:1: the file holds a list or a single value, not a profile"),
        ("name: A\nname: B\n", ":2:1: name: duplicate key 'name' on lines 1 and 2"),
        ("name: &n A\nid: *n\n", ":2:5: aliases (*name) are not allowed"),
        ("name: !!python/object/apply:os.system ['true']\n", "the tag !!python/object/apply:os.system is not allowed"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_broken_yaml(runner, write_profile, text, expected):
    path = write_profile(text)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert expected in result.output


def test_non_utf8_bytes_are_located(runner, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Jos\u00e9\n".encode("latin-1"))
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:1:10: byte 0xe9 is not valid UTF-8" in result.output


def test_a_byte_order_mark_is_accepted(runner, write_profile, tmp_path):
    plain = write_profile({})
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    assert runner.invoke(main, ["validate", str(bom)]).exit_code == 0


def test_an_oversized_file_is_refused_before_parsing(runner, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("name: A\nadvisor_note: '" + "x" * 1_100_000 + "'\n")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "over the 1,000,000-byte limit for a profile; it was not read" in result.output


def test_a_python_tag_is_never_constructed(runner, tmp_path):
    marker = tmp_path / "created"
    path = tmp_path / "evil.yaml"
    path.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    runner.invoke(main, ["validate", str(path)])
    assert not marker.exists()


def test_id_defaults_to_the_file_stem(runner, write_profile, kit):
    from generator.loading.validate import load_profile

    path = write_profile({}, name="Some Student 2026.yaml")
    assert load_profile(path, kit.data).id == "some-student-2026"


def test_aliases_and_common_names_resolve(profile_of):
    assert profile_of({"dream_specialty": "ENT"}).dream_specialty == "otolaryngology"
    assert profile_of({"dream_specialty": "Ortho"}).dream_specialty == "orthopaedic_surgery"
    assert profile_of({"dream_specialty": "plastic surgery"}).dream_specialty == "plastic_surgery"
    assert profile_of({"dream_specialty": "PM&R"}).dream_specialty == "pm_r"


def test_json_schema_is_printed(runner):
    import json

    result = runner.invoke(main, ["schema"])
    schema = json.loads(result.output)
    assert set(schema["required"]) == {"name", "applicant_type", "graduation_year", "match_year", "outcome", "dream_specialty"}
    assert schema["additionalProperties"] is False


def test_a_file_full_of_mistakes_prints_the_first_fifty(runner, write_profile, tmp_path):
    keys = "".join(f"unknown_{i}: x\n" for i in range(120))
    path = write_profile("name: A\napplicant_type: us_md\ngraduation_year: 2025\nmatch_year: 2026\noutcome: unmatched\ndream_specialty: dermatology\n" + keys)
    result = runner.invoke(main, ["build", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 51
    assert lines[0].startswith(f"{path}:7:1: unknown_0: unknown field 'unknown_0'")
    assert lines[49].startswith(f"{path}:56:1: unknown_49:")
    assert lines[-1] == f"120 problems in {path} (the first 50 shown); nothing was written"
    assert not (tmp_path / "out").exists()
