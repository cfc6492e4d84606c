"""content/questions.yaml: one question per profile field, labels for every allowed value, `when`
conditions, answers checked with validation's own words, and profiles written from answers."""

from __future__ import annotations

import datetime as dt
import json
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from conftest import AS_OF, EXAMPLES
from generator.errors import ContentError, InputError
from generator.loading.profile import OUTCOMES_WITH_POSITION, Profile
from generator.loading.questions import UNKNOWN, Questionnaire, load_questions, profile_yaml
from generator.resources import Resources
from generator.loading.validate import load_profile, load_profile_text

QUESTIONS = Resources.default().content / "questions.yaml"


@pytest.fixture(scope="module")
def questionnaire(kit) -> Questionnaire:
    return load_questions(kit.resources, kit.data)


def _optional_core(annotation: Any) -> Any:
    """ANNOTATION without `| None` and `Annotated[...]`."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


def leaf_fields(model: type[BaseModel] = Profile, prefix: str = "") -> dict[str, tuple[Any, bool]]:
    """Every field that takes a value, by dotted path -> (its type, whether it is required); worked
    out here from the model itself, not from generator.loading.questions."""
    found = {}
    for name, info in model.model_fields.items():
        core = _optional_core(info.annotation)
        if isinstance(core, type) and issubclass(core, BaseModel):
            found.update(leaf_fields(core, f"{prefix}{name}."))
        else:
            found[f"{prefix}{name}"] = (core, info.is_required())
    return found


def literal_values(core: Any) -> tuple[str, ...] | None:
    if typing.get_origin(core) is list:
        core = _optional_core(typing.get_args(core)[0])
    return typing.get_args(core) if typing.get_origin(core) is Literal else None


# ---------------------------------------------------------------------------------------------
# The data cannot drift from the model


ADVISOR_ONLY = ("advisor_private_note",)
"""The profile fields no one is asked (`advisor_only` in questions.yaml): the advisor's own notes."""


def asked_fields() -> dict[str, tuple[Any, bool]]:
    """`leaf_fields` without the advisor-only ones: every field a question asks."""
    return {name: shape for name, shape in leaf_fields().items() if name not in ADVISOR_ONLY}


def test_every_profile_field_has_exactly_one_question(questionnaire):
    asked = [q.field for q in questionnaire]
    assert sorted(asked) == sorted(asked_fields()), "a profile field without a question, or a question about no field"
    assert questionnaire.advisor_only == ADVISOR_ONLY and not set(ADVISOR_ONLY) & set(asked)
    assert len(asked) == len(set(asked))
    assert {"scores.step2_ck", "application.interviews", "situation.extra_years", "img.visa", "preferences.keep", "id", "advisor_note"} <= set(asked)


def test_every_allowed_value_has_a_label(questionnaire):
    checked = 0
    for name, (core, _) in leaf_fields().items():
        values = literal_values(core)
        if values is None:
            continue
        question = questionnaire[name]
        assert [c.value for c in question.choices] and {c.value for c in question.choices} == set(values), name
        assert all(c.label.strip() for c in question.choices), name
        checked += 1
    # applicant_type, outcome, failed_exams, program_list, personal_statement, red_flags, current_role, visa,
    # lifestyle, risk_tolerance, geography
    assert checked == 11


def test_optional_is_exactly_what_the_model_lets_be_unknown(questionnaire):
    for name, (_, required) in asked_fields().items():
        assert questionnaire[name].optional is not required, name
    required = [q.field for q in questionnaire if not q.optional]
    assert required == ["name", "applicant_type", "graduation_year", "match_year", "outcome", "dream_specialty"]
    assert [q.field for q in questionnaire][:6] == required  # required facts first


def test_specialty_and_keep_choices_come_from_the_data_files(questionnaire, kit):
    dream = questionnaire["dream_specialty"]
    assert {c.value for c in dream.choices} == set(kit.data.catalog.keys())
    assert dream.label("pm_r") == kit.data.catalog["pm_r"].name
    keeps = questionnaire["preferences.keep"]
    assert [c.value for c in keeps.choices] == list(kit.data.keeps)
    assert keeps.label("musculoskeletal").lower() == kit.data.keeps["musculoskeletal"].lower()
    text = QUESTIONS.read_text(encoding="utf-8")
    assert "Dermatology" not in text and "outpatient clinic work" not in text  # not repeated in questions.yaml


def test_the_readers_words_hold_no_identifiers(questionnaire):
    words = [*questionnaire.groups, *questionnaire.groups.values()]
    for q in questionnaire:
        words += [q.ask, q.help, q.none or "", *(c.label for c in q.choices)]
    for text in words:
        assert not re.search(r"\w_\w", text), f"snake_case in a reader's words: {text!r}"
        assert text == text.strip() and "\n" not in text
    for q in questionnaire:
        assert q.ask.endswith("?"), q.ask
        assert q.help.endswith("."), q.help


def test_groups_come_in_the_readers_order(questionnaire):
    order = list(dict.fromkeys(q.group for q in questionnaire))
    assert order == list(questionnaire.groups)
    assert order[:3] == ["About you", "Last Match", "Exams"]
    assert {"Your application", "Where you stand now", "International graduates", "What you want"} <= set(order)


# ---------------------------------------------------------------------------------------------
# When a question is asked


def asked(questionnaire: Questionnaire, answers: dict[str, Any]) -> set[str]:
    return {q.field for q in questionnaire.visible(answers)}


IMG_FIELDS = {"img.ecfmg_certified", "img.us_clinical_months", "img.visa"}


def test_only_international_graduates_are_asked_the_international_questions(questionnaire):
    assert IMG_FIELDS <= asked(questionnaire, {"applicant_type": "img"})
    for kind in ("us_md", "us_do"):
        assert not IMG_FIELDS & asked(questionnaire, {"applicant_type": kind})
    assert not IMG_FIELDS & asked(questionnaire, {})  # not until the type is known


def test_comlex_is_asked_of_do_graduates_only(questionnaire):
    assert "scores.comlex2_ce" in asked(questionnaire, {"applicant_type": "us_do"})
    assert "scores.comlex2_ce" not in asked(questionnaire, {"applicant_type": "us_md"})
    assert "scores.comlex2_ce" not in asked(questionnaire, {"applicant_type": "img"})


def test_the_matched_specialty_is_asked_exactly_for_the_outcomes_with_a_position(questionnaire):
    outcomes = literal_values(leaf_fields()["outcome"][0])
    with_question = {o for o in outcomes if "matched_specialty" in asked(questionnaire, {"outcome": o})}
    assert with_question == set(OUTCOMES_WITH_POSITION)


def test_failed_exams_are_asked_unless_there_were_no_failures(questionnaire):
    assert "scores.failed_exams" in asked(questionnaire, {})
    assert "scores.failed_exams" in asked(questionnaire, {"scores.exam_failures": 2})
    assert "scores.failed_exams" not in asked(questionnaire, {"scores.exam_failures": 0})
    assert "scores.failed_exams" in asked(questionnaire, {"scores.exam_failures": UNKNOWN})


def test_step3_is_asked_of_those_who_may_need_an_h1b(questionnaire):
    img = {"applicant_type": "img"}
    assert "scores.step3_passed" in asked(questionnaire, {**img, "img.visa": "h1b"})
    assert "scores.step3_passed" in asked(questionnaire, {**img, "img.visa": "either"})
    assert "scores.step3_passed" not in asked(questionnaire, {**img, "img.visa": "j1"})
    assert "scores.step3_passed" not in asked(questionnaire, img)
    # An answer to a question that is not asked counts as none: a stale visa does not bring it back.
    assert "scores.step3_passed" not in asked(questionnaire, {"applicant_type": "us_md", "img.visa": "h1b"})


def test_false_and_zero_are_different_answers(questionnaire):
    # {not: [0]} must not be fooled by false, which Python counts equal to 0.
    assert "scores.failed_exams" in asked(questionnaire, {"scores.exam_failures": False})


def test_answers_to_questions_not_asked_are_left_out_of_the_profile(questionnaire, kit):
    answers = {**REQUIRED, "img.visa": "j1", "matched_specialty": "psychiatry", "scores.comlex2_ce": 500}
    text = profile_yaml(answers, questionnaire)
    assert "img:" not in text and "matched_specialty" not in text and "comlex2_ce" not in text
    load_profile_text(text, "test.yaml", kit.data, AS_OF)


# ---------------------------------------------------------------------------------------------
# Reading typed answers


REQUIRED = {
    "name": "Test Person",
    "applicant_type": "us_md",
    "graduation_year": 2025,
    "match_year": 2026,
    "outcome": "unmatched",
    "dream_specialty": "dermatology",
}


@pytest.mark.parametrize(
    "name, typed, value",
    [
        ("name", "  Jordan Rivera ", "Jordan Rivera"),
        ("name", "", UNKNOWN),
        ("previous_attempts", "?", UNKNOWN),
        ("scores.step2_ck", "238", 238),
        ("scores.step2_ck", "two hundred", "two hundred"),  # left for validation to explain
        ("applicant_type", "3", "img"),
        ("applicant_type", "us_do", "us_do"),
        ("applicant_type", "an md school in the united states", "us_md"),
        ("applicant_type", "9", "9"),
        ("dream_specialty", "Derm", "dermatology"),
        ("dream_specialty", "ob-gyn", "obstetrics_gynecology"),
        ("dream_specialty", "dermotology", "dermotology"),
        ("application.backup_specialty", "0", None),
        ("application.backup_specialty", "none", None),
        ("application.advocate_letter", "Yes", True),
        ("application.advocate_letter", "n", False),
        ("application.advocate_letter", "maybe", "maybe"),
        ("red_flags", "1, 3", ["remediation", "professionalism"]),
        ("red_flags", "0", []),
        ("red_flags", "None of these", []),
        ("red_flags", "visa, visa", ["visa"]),
        ("red_flags", "A course, clerkship or year I had to remediate or repeat", ["remediation"]),  # a label holding commas
        ("scores.failed_exams", "step1; step1", ["step1", "step1"]),  # one per attempt
        ("preferences.keep", "MSK, OR time", ["musculoskeletal", "operating_room"]),
        ("preferences.open_to", "IM, psych", ["internal_medicine", "psychiatry"]),
        ("preferences.open_to", "none", []),
    ],
)
def test_a_typed_answer_is_read_as_its_value(questionnaire, name, typed, value):
    assert questionnaire[name].read(typed) == value


# ---------------------------------------------------------------------------------------------
# One answer checked, in validation's own words


def validation_message(path: Path, data, name: str, as_of: dt.date | None = None) -> str:
    """What `load_profile` (and so `guidebook validate`) says about field NAME of the profile at PATH."""
    with pytest.raises(InputError) as raised:
        load_profile(path, data, as_of=as_of)
    [message] = [p.message for p in raised.value.problems if re.sub(r"\[.*$", "", p.field) == name]
    return message


@pytest.mark.parametrize(
    "name, value, others",
    [
        ("scores.step2_ck", 400, {}),
        ("scores.step2_ck", "two hundred", {}),
        ("dream_specialty", "dermotology", {}),
        ("red_flags", ["visa", "debt"], {}),
        ("name", "", {}),
        ("id", "Jordan Rivera", {}),
        ("application.interviews", 90, {"application.programs_applied": 80}),
        ("matched_specialty", "dermatology", {"outcome": "matched_other"}),
    ],
)
def test_an_answer_gets_the_message_validation_gives(questionnaire, kit, write_profile, name, value, others):
    answers = {**questionnaire.answers_of(load_profile(write_profile(), kit.data)), **others}
    expected = validation_message(write_profile({**others, name: value}), kit.data, name)
    assert questionnaire.check(name, value, answers) == [expected]


def test_a_match_too_recent_for_the_date_gets_validations_message(questionnaire, kit, write_profile):
    expected = validation_message(write_profile({"match_year": 2027}), kit.data, "match_year", as_of=AS_OF)
    assert questionnaire.check("match_year", 2027, REQUIRED, as_of=AS_OF) == [expected]
    assert questionnaire.check("match_year", 2026, REQUIRED, as_of=AS_OF) == []


def test_unknown_is_accepted_for_optional_questions_and_refused_for_required_ones(questionnaire):
    assert questionnaire.check("scores.step2_ck", UNKNOWN, REQUIRED) == []
    assert questionnaire.check("name", UNKNOWN, REQUIRED) == ["required field is missing (expected the applicant's name, shown on the cover)"]
    assert questionnaire.check("name", UNKNOWN, {}) == ["required field is missing (expected the applicant's name, shown on the cover)"]


def test_whole_profile_problems_name_their_question(questionnaire):
    problems = questionnaire.problems({**REQUIRED, "graduation_year": 2027}, as_of=AS_OF)
    assert [questionnaire.question_of(p).field for p in problems] == ["graduation_year"]
    assert questionnaire.problems(REQUIRED, as_of=AS_OF) == []


def test_defaults(questionnaire):
    match_year, ident = questionnaire["match_year"], questionnaire["id"]
    assert questionnaire.default(match_year, {}, AS_OF) == 2026
    assert questionnaire.default(match_year, {}, dt.date(2026, 3, 1)) == 2025  # before the 2026 Match Week
    assert questionnaire.default(ident, {"name": "José O'Neil"}, AS_OF) == "jos-o-neil"
    assert questionnaire.default(ident, {"name": "李雷"}, AS_OF) is UNKNOWN
    assert questionnaire.default(questionnaire["name"], {}, AS_OF) is UNKNOWN
    assert questionnaire.check("id", "jos-o-neil", REQUIRED) == []


# ---------------------------------------------------------------------------------------------
# Writing the profile


def given(profile: BaseModel, prefix: str = "") -> dict[str, Any]:
    """Every field the profile writes (even as null), by dotted path."""
    found = {}
    for name in profile.model_fields_set:
        value = getattr(profile, name)
        if isinstance(value, BaseModel):
            found.update(given(value, f"{prefix}{name}."))
        else:
            found[f"{prefix}{name}"] = value
    return found


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_profile_survives_answers_and_back(questionnaire, kit, path, tmp_path):
    original = load_profile(path, kit.data, as_of=AS_OF)
    answers = questionnaire.answers_of(original)
    text = profile_yaml(answers, questionnaire)
    written = tmp_path / path.name
    written.write_text(text, encoding="utf-8")
    again = load_profile(written, kit.data, as_of=AS_OF)
    assert again == original
    assert again == load_profile_text(text, str(path), kit.data, AS_OF)
    # Nothing known is lost: a field left out is one that was written as null to a question not asked.
    lost = {name: value for name, value in given(original).items() if name not in given(again)}
    assert all(value is None for value in lost.values()), lost
    assert not set(lost) & asked(questionnaire, answers)
    assert {k: v for k, v in given(again).items()} == {k: v for k, v in given(original).items() if k not in lost}


def test_the_profile_is_commented_from_its_questions(questionnaire, kit):
    answers = questionnaire.answers_of(load_profile(EXAMPLES[0].parent / "jordan-rivera.yaml", kit.data))
    lines = profile_yaml(answers, questionnaire).splitlines()
    assert lines[lines.index("name: Jordan Rivera") - 1] == f"# {questionnaire['name'].ask}"
    assert lines[lines.index("  step2_ck: 238") - 1] == f"  # {questionnaire['scores.step2_ck'].ask}"
    assert "outcome: unmatched  # I did not match" in lines
    assert "red_flags: [remediation]" in lines
    assert "# --- Exams ---" in lines
    assert not any("comlex2_ce" in line for line in lines)  # asked of DO graduates only; Jordan's null is left out


@pytest.mark.parametrize(
    "text",
    ["yes", "No", "null", "~", "123", "2026-03-20", "José Núñez", "O'Brien: MD", "#1 fan", "- dash", '"quoted"', "[x]", "{y}",
     "a # b", "@handle", "*star", "&amp", "!bang", "%pct", "`tick`", "trailing ", "\u00a0nbsp", "ünïcödé ☃"],
)
def test_awkward_text_is_written_so_that_it_reads_back_the_same(questionnaire, kit, text):
    answers = {**REQUIRED, "name": text, "advisor_note": f"{text}\nsecond line\n\n  indented paragraph\twith a tab\n"}
    profile = load_profile_text(profile_yaml(answers, questionnaire), "test.yaml", kit.data)
    assert (profile.name, profile.advisor_note) == (text, answers["advisor_note"])


@pytest.mark.parametrize("note", ["\n", " lead\nx", "a\r\nb", "\u2028", "a\x1bb", "tail\n\n\n", "a  \nb", "x\t\ny", "x" * 4000])
def test_awkward_notes_read_back_the_same(questionnaire, kit, note):
    answers = {**REQUIRED, "advisor_note": note, "id": "after-the-note"}  # the id is written after the note
    profile = load_profile_text(profile_yaml(answers, questionnaire), "test.yaml", kit.data)
    assert (profile.advisor_note, profile.id) == (note, "after-the-note")


def test_no_answers_make_an_empty_profile_that_validation_explains(questionnaire):
    text = profile_yaml({}, questionnaire)
    problems = questionnaire.problems({})
    assert "{}" in text.splitlines()
    assert [p.field for p in problems] == ["name", "applicant_type", "graduation_year", "match_year", "outcome", "dream_specialty"]


# ---------------------------------------------------------------------------------------------
# For a front end in another language


def test_the_questions_as_json_for_a_browser_form(questionnaire, kit):
    data = json.loads(json.dumps(questionnaire.to_json(AS_OF)))
    assert [g["title"] for g in data["groups"]] == list(questionnaire.groups)
    by_field = {q["field"]: q for q in data["questions"]}
    assert list(by_field) == [q.field for q in questionnaire]
    assert by_field["match_year"]["default"] == 2026
    assert by_field["id"]["default"] == {"from": "name"}
    assert by_field["scores.step2_ck"]["min"] == 1 and by_field["scores.step2_ck"]["max"] == 300
    assert by_field["img.visa"]["when"] == {"applicant_type": ["img"]}
    assert by_field["scores.failed_exams"]["when"] == {"scores.exam_failures": {"not": [0]}}
    assert len(by_field["dream_specialty"]["choices"]) == len(kit.data.catalog.keys())
    assert by_field["red_flags"]["none"] == "None of these"


# ---------------------------------------------------------------------------------------------
# A broken questions file is a located ContentError


@pytest.fixture
def broken(tmp_path, kit):
    """Load a copy of questions.yaml after EDIT (old text -> new text); return the ContentError."""

    def load(old: str, new: str) -> ContentError:
        content = tmp_path / "content"
        content.mkdir(exist_ok=True)
        text = QUESTIONS.read_text(encoding="utf-8")
        assert old in text, old
        (content / "questions.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
        resources = Resources(content=content, templates=kit.resources.templates, profiles=kit.resources.profiles)
        with pytest.raises(ContentError) as raised:
            load_questions(resources, kit.data)
        return raised.value

    return load


def line_of(text: str) -> int:
    return QUESTIONS.read_text(encoding="utf-8").splitlines().index(text) + 1


@pytest.mark.parametrize(
    "old, new, at, message",
    [
        ("  - field: scores.step2_ck\n", "  - field: scores.step2ck\n", "  - field: scores.step2ck",
         "questions[8].field: 'scores.step2ck' is not a profile field; did you mean 'scores.step2_ck'?"),
        ("  - field: scores.comlex2_ce\n", "  - field: scores.step2_ck  # edited\n", "  - field: scores.step2_ck  # edited",
         "questions[9].field: 'scores.step2_ck' already has a question, on line"),
        ("      either: Yes, but I have not settled on a J-1 or an H-1B\n", "", "      not_needed: No, I am a US citizen or permanent resident",
         "questions[27].choices: no label for 'either'"),
        ("      fixed: I need to stay where I am\n", "      fixed: I need to stay where I am\n      nomad: Wherever\n", "      nomad: Wherever",
         "questions[33].choices.nomad: 'nomad' is not a value the field allows"),
        ("    kind: yesno\n    optional: true\n    when: {applicant_type: [img]}", "    kind: count  # edited\n    optional: true\n    when: {applicant_type: [img]}",
         "    kind: count  # edited", "questions[25].kind: 'count' does not fit the field's type (expected yesno)"),
        ("    when: {applicant_type: [us_do]}", "    when: {applicant_type: [us-do]}", "    when: {applicant_type: [us-do]}",
         "questions[9].when.applicant_type: 'us-do' is not an answer to 'applicant_type'"),
        ("    when: {applicant_type: [us_do]}", "    when: {preferences.lifestyle: [balanced]}", "    when: {preferences.lifestyle: [balanced]}",
         "questions[9].when.preferences.lifestyle: 'preferences.lifestyle' is not asked before this question"),
        ("    kind: text\n\n  - field: applicant_type", "    kind: text\n    optional: true\n\n  - field: applicant_type", "    optional: true",
         "questions[0].optional: the model has this field required"),
        ("    kind: choice\n    choices:\n      us_md", "    kind: choice\n    colour: blue\n    choices:\n      us_md", "    colour: blue",
         "questions[1].colour: unknown field 'colour'"),
        ("    ask: What name should your guide use?\n", "    ask: What name: should your guide use?\n", "    ask: What name: should your guide use?",
         "not valid YAML: a second ': ' on this line"),
        ("  - advisor_private_note\n", "  - advisor_privat_note\n", "  - advisor_privat_note",
         "advisor_only[0]: 'advisor_privat_note' is not a profile field; did you mean 'advisor_private_note'?"),
        ("  - advisor_private_note\n", "  - advisor_private_note\n  - advisor_note\n", "  - advisor_note",
         "advisor_only[1]: 'advisor_note' has a question (expected only fields no one is asked)"),
    ],
)
def test_a_broken_questions_file_is_a_located_content_error(broken, old, new, at, message):
    error = broken(old, new)
    edited = QUESTIONS.read_text(encoding="utf-8").replace(old, new, 1).splitlines()
    line = next(i for i, text in enumerate(edited, 1) if text == at)
    assert error.line == line, str(error)
    assert message in str(error), str(error)
    assert str(error).startswith(f"{error.path}:{line}: ")


def test_a_field_without_a_question_is_a_content_error(broken):
    text = QUESTIONS.read_text(encoding="utf-8")
    start = text.index("  - field: situation.extra_years")
    end = text.index("  - field: img.ecfmg_certified")
    error = broken(text[start:end], "")
    assert "no question for situation.extra_years" in str(error)
    assert error.line == line_of("questions:")


def test_the_shipped_file_loads(kit):
    questionnaire = load_questions()
    assert len(questionnaire.questions) == len(asked_fields())
    assert questionnaire.source == QUESTIONS
