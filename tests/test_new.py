"""`guidebook new`, driven through its prompts: it asks what applies, asks a bad answer again with
validation's own message, and writes a valid profile, or nothing at all."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import AS_OF
from generator.commands.cli import main
from generator.loading.questions import Questionnaire, load_questions
from generator.loading.validate import load_profile


@pytest.fixture(scope="module")
def questionnaire(kit) -> Questionnaire:
    return load_questions(kit.resources, kit.data)


US_MD = {
    "name": "Jordan Rivera",
    "applicant_type": "1",
    "graduation_year": "2025",
    "match_year": "",  # the default: the 2026 Match, on the tests' date
    "outcome": "matched_other",
    "dream_specialty": "Derm",
    "matched_specialty": "family medicine",
    "previous_attempts": "0",
    "scores.step2_ck": "238",
    "scores.exam_failures": "1",
    "scores.failed_exams": "step1",
    "application.programs_applied": "45",
    "application.interviews": "2",
    "application.backup_specialty": "none",
    "application.program_list": "2",
    "application.advocate_letter": "no",
    "red_flags": "1",
    "situation.current_role": "residency",
    "situation.extra_years": "?",
    "preferences.keep": "outpatient, 3",
    "preferences.open_to": "IM, psych",
    "preferences.lifestyle": "balanced",
    "advisor_note": "Start with the diagnosis page.\nThen book the feedback calls.",
}

IMG = {
    "name": "Amara Osei",
    "applicant_type": "img",
    "graduation_year": "2020",
    "outcome": "1",
    "dream_specialty": "internal medicine",
    "scores.step2_ck": "260",
    "scores.exam_failures": "0",
    "img.ecfmg_certified": "yes",
    "img.us_clinical_months": "1",
    "img.visa": "h1b",
    "scores.step3_passed": "no",
    "id": "?",  # skipped, though a default is offered: the file's name gives the id
}


def script(questionnaire: Questionnaire, replies: dict[str, Any]) -> list[str]:
    """The lines typed for REPLIES (field -> what is typed, or a list of tries), in the order the
    questions come, an empty line (Enter) for each question not in REPLIES."""
    answers: dict[str, Any] = {}
    lines: list[str] = []
    for question in questionnaire:
        if question.field not in {q.field for q in questionnaire.visible(answers)}:
            continue
        tries = replies.get(question.field, "")
        tries = tries if isinstance(tries, list) else [tries]
        for typed in tries:
            lines += typed.split("\n")
            if question.kind == "longtext" and typed:
                lines.append("")  # an empty line ends the note
        value = question.read(tries[-1])
        if question.field == "match_year" and tries[-1] == "":
            value = 2026
        answers[question.field] = value
    return lines


def run(runner, args: list[str], lines: list[str]):
    return runner.invoke(main, ["new", *args], input="".join(f"{line}\n" for line in lines))


def validate_message(runner, write_profile, changes: dict, field: str) -> str:
    """The message `guidebook validate` prints about FIELD of a profile with CHANGES."""
    path = write_profile(changes)
    result = runner.invoke(main, ["validate", str(path)])
    line = next(line for line in result.output.splitlines() if f": {field}: " in line)
    return line.split(f": {field}: ", 1)[1]


def test_a_complete_run_writes_a_profile_that_validates(runner, questionnaire, kit, tmp_path):
    out = tmp_path / "jordan.yaml"
    result = run(runner, [str(out)], script(questionnaire, US_MD))
    assert result.exit_code == 0, result.output
    profile = load_profile(out, kit.data, as_of=AS_OF)
    assert (profile.name, profile.applicant_type, profile.graduation_year, profile.match_year) == ("Jordan Rivera", "us_md", 2025, 2026)
    assert (profile.outcome, profile.dream_specialty, profile.matched_specialty) == ("matched_other", "dermatology", "family_medicine")
    assert (profile.scores.step2_ck, profile.scores.exam_failures, profile.scores.failed_exams) == (238, 1, ["step1"])
    assert profile.application.backup_specialty is None and profile.application.given("backup_specialty")
    assert profile.application.program_list == "narrow" and profile.application.advocate_letter is False
    assert not profile.application.given("letters_in_specialty")  # Enter: unknown, left out
    assert profile.red_flags == ["remediation"]
    assert profile.situation.current_role == "residency" and not profile.situation.given("extra_years")
    assert profile.preferences.keep == ["outpatient", "procedures"]
    assert profile.preferences.open_to == ["internal_medicine", "psychiatry"]
    assert profile.advisor_note == "Start with the diagnosis page.\n\nThen book the feedback calls."
    assert profile.id == "jordan-rivera"  # the default offered, from the name
    text = out.read_text(encoding="utf-8")
    assert f"# {questionnaire['scores.step2_ck'].ask}\n  step2_ck: 238" in text
    assert "img:" not in text
    assert result.output.rstrip().endswith(f"guidebook build {out}")
    assert "Traceback" not in result.output


def test_a_us_md_run_skips_the_international_and_do_questions(runner, questionnaire, tmp_path):
    result = run(runner, [str(tmp_path / "md.yaml")], script(questionnaire, US_MD))
    assert result.exit_code == 0, result.output
    for name in ("img.ecfmg_certified", "img.us_clinical_months", "img.visa", "scores.step3_passed", "scores.comlex2_ce"):
        assert questionnaire[name].ask not in result.output, name
    assert "International graduates" not in result.output
    assert questionnaire["matched_specialty"].ask in result.output


def test_an_img_run_asks_the_international_questions(runner, questionnaire, kit, tmp_path):
    out = tmp_path / "amara.yaml"
    result = run(runner, [str(out)], script(questionnaire, IMG))
    assert result.exit_code == 0, result.output
    for name in ("img.ecfmg_certified", "img.us_clinical_months", "img.visa", "scores.step3_passed"):
        assert questionnaire[name].ask in result.output, name
    assert "International graduates" in result.output
    for name in ("matched_specialty", "scores.failed_exams", "scores.comlex2_ce"):  # unmatched; no failures; not a DO
        assert questionnaire[name].ask not in result.output, name
    profile = load_profile(out, kit.data, as_of=AS_OF)
    assert (profile.img.ecfmg_certified, profile.img.us_clinical_months, profile.img.visa) == (True, 1, "h1b")
    assert profile.scores.step3_passed is False
    assert profile.id == "amara"  # the id question skipped: the file's name gives it


def test_a_bad_score_is_asked_again_with_validations_message(runner, questionnaire, kit, write_profile, tmp_path):
    out = tmp_path / "score.yaml"
    result = run(runner, [str(out)], script(questionnaire, {**US_MD, "scores.step2_ck": ["400", "238"]}))
    assert result.exit_code == 0, result.output
    message = validate_message(runner, write_profile, {"scores.step2_ck": 400}, "scores.step2_ck")
    assert message == "400 is out of range (expected a whole number from 1 to 300)"
    assert f"Not accepted: {message}" in result.output
    assert load_profile(out, kit.data).scores.step2_ck == 238


def test_an_unknown_specialty_is_asked_again_with_a_did_you_mean(runner, questionnaire, kit, write_profile, tmp_path):
    out = tmp_path / "specialty.yaml"
    result = run(runner, [str(out)], script(questionnaire, {**US_MD, "dream_specialty": ["dermotology", "3"]}))
    assert result.exit_code == 0, result.output
    message = validate_message(runner, write_profile, {"dream_specialty": "dermotology"}, "dream_specialty")
    assert message.endswith("did you mean 'dermatology'?")
    assert f"Not accepted: {message}" in result.output
    assert load_profile(out, kit.data).dream_specialty == "dermatology"


def test_more_interviews_than_programs_is_asked_again_at_once(runner, questionnaire, write_profile, tmp_path):
    replies = {**US_MD, "application.interviews": ["60", "2"]}
    result = run(runner, [str(tmp_path / "interviews.yaml")], script(questionnaire, replies))
    assert result.exit_code == 0, result.output
    message = validate_message(runner, write_profile, {"application.programs_applied": 45, "application.interviews": 60}, "application.interviews")
    assert f"Not accepted: {message}" in result.output


def test_a_rule_between_fields_is_checked_at_the_end_and_its_field_asked_again(runner, questionnaire, kit, write_profile, tmp_path):
    # The graduation year comes before the Match year, so only the whole profile can catch this.
    out = tmp_path / "years.yaml"
    lines = script(questionnaire, {**US_MD, "graduation_year": "2027"}) + ["2025"]
    result = run(runner, [str(out)], lines)
    assert result.exit_code == 0, result.output
    message = validate_message(runner, write_profile, {"graduation_year": 2027}, "graduation_year")
    assert message == "2027 is after match_year 2026 (expected a year no later than the match year)"
    assert f"Not accepted: {message}" in result.output
    assert result.output.count(questionnaire["graduation_year"].ask) == 2
    assert load_profile(out, kit.data).graduation_year == 2025


def test_a_required_question_cannot_be_skipped(runner, questionnaire, tmp_path):
    result = run(runner, [str(tmp_path / "name.yaml")], script(questionnaire, {**US_MD, "name": ["?", "", "Jordan"]}))
    assert result.exit_code == 0, result.output
    assert result.output.count("Not accepted: required field is missing (expected the applicant's name, shown on the cover)") == 2


def test_end_of_input_writes_nothing(runner, questionnaire, tmp_path):
    out = tmp_path / "stopped.yaml"
    lines = script(questionnaire, US_MD)[:8]
    result = run(runner, [str(out)], lines)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Stopped; nothing was written."  # one line, on a line of its own
    assert "Traceback" not in result.output and "Aborted" not in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_default_file_is_private_and_named_by_the_id(runner, questionnaire, kit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(runner, [], script(questionnaire, US_MD))
    assert result.exit_code == 0, result.output
    path = tmp_path / "profiles" / "private" / "jordan-rivera.yaml"
    assert load_profile(path, kit.data).name == "Jordan Rivera"
    assert result.output.rstrip().endswith("guidebook build profiles/private/jordan-rivera.yaml")
    assert path.stat().st_mode & 0o077 == 0  # a person's record: readable by its owner only

    # A second run would write the same file: it asks first, and "no" asks where instead.
    again = run(runner, [], [*script(questionnaire, {**US_MD, "name": "Jordan Two", "id": "jordan-rivera"}), "n", "other.yaml"])
    assert again.exit_code == 0, again.output
    assert "profiles/private/jordan-rivera.yaml already exists. Replace it?" in again.output
    assert load_profile(path, kit.data).name == "Jordan Rivera"
    assert load_profile(tmp_path / "other.yaml", kit.data).name == "Jordan Two"


def test_an_existing_file_is_replaced_only_when_confirmed(runner, questionnaire, kit, tmp_path):
    out = tmp_path / "kept.yaml"
    out.write_text("name: keep me\n", encoding="utf-8")
    refused = run(runner, [str(out)], ["n"])
    assert refused.exit_code == 1
    assert "already exists" in refused.output and "Stopped; nothing was written." in refused.output
    assert questionnaire["name"].ask not in refused.output  # asked before any question
    assert out.read_text(encoding="utf-8") == "name: keep me\n"

    replaced = run(runner, [str(out)], ["y", *script(questionnaire, US_MD)])
    assert replaced.exit_code == 0, replaced.output
    assert load_profile(out, kit.data).name == "Jordan Rivera"


@pytest.mark.parametrize("name", ["profile.txt", "profile"])
def test_a_file_name_that_is_not_yaml_is_refused(runner, tmp_path, name):
    result = runner.invoke(main, ["new", str(tmp_path / name)], input="")
    assert result.exit_code == 2
    assert "does not end in .yaml" in result.output
    assert not (tmp_path / name).exists()


def test_a_folder_is_refused(runner, tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    result = runner.invoke(main, ["new", str(folder)], input="")
    assert result.exit_code == 2
    assert "is a directory" in result.output


def test_as_of_sets_the_match_year_offered(runner, questionnaire, kit, tmp_path):
    out = tmp_path / "early.yaml"
    replies = {**US_MD, "graduation_year": "2024"}
    result = run(runner, ["--as-of", "2026-03-01", str(out)], script(questionnaire, replies))
    assert result.exit_code == 0, result.output
    assert "[2025]" in result.output  # the 2026 Match Week has not begun on 1 March 2026
    assert load_profile(out, kit.data).match_year == 2025


def test_a_match_too_recent_for_the_date_is_asked_again(runner, questionnaire, write_profile, tmp_path):
    out = tmp_path / "late.yaml"
    result = run(runner, ["--as-of", "2026-03-01", str(out)], script(questionnaire, {**US_MD, "graduation_year": "2024", "match_year": ["2026", "2025"]}))
    assert result.exit_code == 0, result.output
    assert "Not accepted: the 2026 Match Week begins on" in result.output
