"""Example texts never claim what the profile does not say.

Every example variant is rendered for readers whose profiles lack the facts a sentence might lean
on: the role they hold this year, a research year, faculty who back them, what they loved about
the field. Where a text needs such a fact, it prints a visible blank in brackets instead. Spoken
answers use the words people use, not data labels strung together.
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import itertools
import re
import typing

import pytest

from conftest import AS_OF, BASE
from generator.advice.diagnose import diagnose
from generator.loading.profile import ApplicantType, Outcome, Profile
from generator.advice.select import select_content
from generator.advice.strict import _SCENARIOS, REMOVE, with_changes

# Claims that need a fact, each with the profile fact that would allow it.
NEEDS_A_ROLE = [
    r"a year inside the field",
    r"in my (research position|preliminary year|transitional year|clinical job|residency)\b",
    r"this year (on|in) the [a-z]+ service",
]
NEEDS_RESEARCH_ROLE = [r"\b(my|this|the) research year (has|gave|taught|showed)", r"\bduring my research year"]
NEEDS_BACKING = [r"faculty who have supervised me support", r"attendings in this department have encouraged me"]
NEVER = [r"which I had not looked at closely", r"had not looked at closely before"]

EXAMPLE_BLOCK = re.compile(r'<div class="example">(.*?)</div>', re.S)


def example_blocks(sections) -> str:
    """The text of every `::: example` block the reader gets, as plain words."""
    found = []
    for section in sections:
        for block in EXAMPLE_BLOCK.findall(section.html):
            found.append(" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", block)).split()))
    return "\n".join(found)


LACKING = {
    "situation": {"extra_years": 1},                       # no role given, no research year on offer
    "application.letters_in_specialty": 0,                 # no faculty in the field who could back them
    "application.advocate_letter": False,
    "preferences.keep": REMOVE,                            # nothing said about what they loved in the field
}
EXTRA = [{"scores": {}, "application": {}, "red_flags": ["professionalism"]},
         {"red_flags": ["professionalism", "remediation"], "previous_attempts": 1}]


def lacking_profiles(kit):
    """Profiles across outcomes, applicant types and every kind of weakness, each lacking the facts above."""
    outcomes, kinds = typing.get_args(Outcome), typing.get_args(ApplicantType)
    grid = itertools.product(outcomes, kinds, [*_SCENARIOS, *EXTRA])
    for n, ((outcome, kind, scenario), role) in enumerate(zip(grid, itertools.cycle([REMOVE, "none"]))):
        raw = with_changes(with_changes(BASE, LACKING), scenario)
        raw.update(outcome=outcome, applicant_type=kind)
        raw["preferences"]["risk_tolerance"] = ("low", "medium", "high")[n % 3]
        raw.setdefault("situation", {})
        if role is not REMOVE:
            raw["situation"]["current_role"] = role
        if outcome in ("matched_other", "soap_unwanted"):
            raw["matched_specialty"] = "psychiatry" if raw["dream_specialty"] != "psychiatry" else "pathology"
        elif outcome == "advanced_only":
            raw["matched_specialty"] = "anesthesiology" if n % 2 else raw["dream_specialty"]
        yield Profile.model_validate(raw, context=kit.data.validation_context)


@pytest.fixture(scope="module")
def rendered(kit):
    """(profile, chosen variants, example text) for every lacking profile, and every pivot pair's framing."""
    out = []
    for profile in lacking_profiles(kit):
        dx = diagnose(profile, kit.data, as_of=AS_OF)
        sections, _, _ = select_content(profile, dx, kit.data, kit.library, kit.md, as_of=AS_OF)
        chosen = {(slot, v) for s in sections for slot, v in s.examples.items()}
        out.append((profile, dx, chosen, example_blocks(sections)))
    base = Profile.model_validate(with_changes(with_changes(BASE, {"scores.exam_failures": 2}), LACKING), context=kit.data.validation_context)
    for specialty in kit.data.catalog:
        profile = base.model_copy(update={"dream_specialty": specialty.key})
        dx = diagnose(profile, kit.data, as_of=AS_OF)
        for pivot in specialty.pivots:
            forced = dataclasses.replace(dx, decision="pivot", target_specialty=pivot.specialty)
            sections, _, _ = select_content(profile, forced, kit.data, kit.library, kit.md, as_of=AS_OF)
            chosen = {(slot, v) for s in sections for slot, v in s.examples.items()}
            out.append((profile, forced, chosen, example_blocks(sections)))
    return out


def test_every_variant_is_rendered_for_a_reader_lacking_the_facts(kit, rendered):
    reached = set().union(*(chosen for _, _, chosen, _ in rendered))
    # Variants that exist for a reader who has the fact (a research or preliminary role) are out of scope.
    needs_role = {(slot, v.name) for slot, variants in kit.library.examples.items() for v in variants
                  if re.search(r"current_role (==|in) ", v.meta.when) and "not dx.holding" not in v.meta.when}
    fallbacks = {(slot, variants[-1].name) for slot, variants in kit.library.examples.items()}
    every = {(slot, v.name) for slot, variants in kit.library.examples.items() for v in variants}
    missing = every - reached - needs_role - fallbacks
    assert not missing, sorted(missing)


@pytest.mark.parametrize("pattern", NEVER)
def test_no_answer_is_unflattering_about_the_program(rendered, pattern):
    for _, _, _, text in rendered:
        assert not re.search(pattern, text, re.I), pattern


def test_no_text_claims_a_role_a_research_year_or_backing_the_profile_lacks(rendered):
    for profile, dx, chosen, text in rendered:
        role = profile.situation.current_role
        where = f"{profile.outcome}/{profile.applicant_type}/{role}: {sorted(chosen)}"
        if role in (None, "none") and dx.holding is None:  # a position held (a preliminary year, say) is a role
            for pattern in NEEDS_A_ROLE:
                assert not re.search(pattern, text, re.I), (pattern, where)
        if role != "research":
            for pattern in NEEDS_RESEARCH_ROLE:
                assert not re.search(pattern, text, re.I), (pattern, where)
        for pattern in NEEDS_BACKING:
            assert not re.search(pattern, text, re.I), (pattern, where)


def test_answers_leave_a_visible_blank_where_a_fact_is_missing(rendered):
    for profile, dx, chosen, text in rendered:
        if any(slot == "interview-last-match" for slot, _ in chosen):
            assert re.search(r"\[[^\]]{3,}\]", text), f"no [blank] for {profile.outcome}/{dx.decision}: {sorted(chosen)}"


def test_spoken_answers_do_not_string_data_labels_together(kit, rendered):
    labels = list(kit.data.keeps.values())
    pairs = [f"{a} and {b}" for a in labels for b in labels if a != b]
    for _, _, _, text in rendered:
        for pair in pairs:
            assert pair not in text, pair


def test_a_preliminary_year_is_never_told_to_finish_the_training_it_is_in(rendered):
    for profile, _, _, text in rendered:
        if profile.outcome == "prelim_only":
            assert "finish the training you are in" not in text.lower()


@pytest.mark.parametrize("key, spoken", [("obstetrics_gynecology", "OB/GYN"), ("pm_r", "PM&R"), ("otolaryngology", "ENT"),
                                         ("internal_medicine", "internal medicine")])
def test_answers_name_fields_as_people_say_them(kit, key, spoken):
    assert kit.data.catalog[key].spoken == spoken
