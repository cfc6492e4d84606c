"""Checks for `--strict` builds: links that lead nowhere, and content no reader can ever get.

Reachability is explored, not proved: every section condition and example variant is evaluated
against a generated cohort of profiles that takes every coded value of the profile format
(outcome, applicant type, current role, risk tolerance, geography), each kind of weakness and
each route to a pivot, plus every dream-to-pivot pair of the specialty data. A section or variant
that none of them selects is reported with its file.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import typing
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

from generator.loading.content import Library
from generator.loading.data import ReferenceData
from generator.advice.diagnose import diagnose
from generator.loading.profile import ApplicantType, Geography, Outcome, Profile, Risk, Role
from generator.advice.select import FIRST_STEPS, evaluate, reader_context

# -- links ------------------------------------------------------------------------------------------


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("name"):
            self.ids.add(str(found["name"]))
        for key in ("href", "src"):
            if found.get(key) and tag != "base":
                self.links.append(str(found[key]))


def broken_links(files: dict[str, bytes]) -> list[str]:
    """Every internal link or anchor in FILES' HTML pages that points at nothing."""
    pages: dict[str, _Anchors] = {}
    for path, data in files.items():
        if path.endswith(".html"):
            parser = _Anchors()
            parser.feed(data.decode("utf-8"))
            pages[path] = parser
    problems = []
    for path, parser in sorted(pages.items()):
        if path == "404.html":  # served at any address; its links are resolved against the site URL
            continue
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "data:")):
                continue
            target = path if not parts.path else str(PurePosixPath(path).parent / unquote(parts.path))
            target = _normalise(target)
            if target is None or target not in files:
                problems.append(f"{path}: link to {link!r}, which is not in the site")
            elif parts.fragment and target.endswith(".html") and unquote(parts.fragment) not in pages[target].ids:
                problems.append(f"{path}: link to {link!r}, but {target} has no anchor {parts.fragment!r}")
    return problems


def _normalise(path: str) -> str | None:
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


# -- reachability ------------------------------------------------------------------------------------


def unreachable(data: ReferenceData, library: Library) -> list[str]:
    """Sections, example variants and first steps that no generated profile gets, each with its file."""
    reached_sections: set[str] = set()
    reached_variants: set[tuple[str, str]] = set()
    reached_steps: set[str] = set()
    for context in _contexts(data):
        applying = [step.id for step in library.first_steps if evaluate(step.when, context)]
        reached_steps.update(applying[:FIRST_STEPS])
        for section in library.sections:
            if section.id not in reached_sections and evaluate(section.when, context):
                reached_sections.add(section.id)
        for slot, variants in library.examples.items():
            for variant in variants:
                if evaluate(variant.when, context):
                    reached_variants.add((slot, variant.name))
                    break
    problems = []
    for section in library.sections:
        if section.id not in reached_sections and not section.public_only:
            problems.append(f"{section.where.path}: section {section.id!r} is in no generated reader's guide (when: {section.meta.when!r})")
    for slot, variants in library.examples.items():
        for variant in variants:
            if (slot, variant.name) not in reached_variants and variant is not variants[-1]:
                problems.append(f"{variant.where.path}: no generated reader gets this {slot!r} variant (when: {variant.meta.when!r})")
    for step in library.first_steps:
        public = step.when.source.strip().startswith("generic")
        if step.id not in reached_steps and not public:
            problems.append(
                f"{step.when.where.path}:{step.when.where.line}: no generated reader's card shows the step {step.id!r} (when: {step.when.source!r})"
            )
    return problems


UNREMARKABLE: dict[str, Any] = {
    "name": "Test Person",
    "applicant_type": "us_md",
    "graduation_year": 2026,
    "match_year": 2026,
    "outcome": "unmatched",
    "dream_specialty": "dermatology",
    "matched_specialty": None,
    "previous_attempts": 0,
    "scores": {"step2_ck": 257, "exam_failures": 0},
    "application": {
        "programs_applied": 80,
        "interviews": 8,
        "backup_specialty": "internal_medicine",
        "program_list": "broad",
        "letters_in_specialty": 3,
        "advocate_letter": True,
        "personal_statement": "specific",
        "specialty_research": 30,
        "away_rotations": 2,
    },
    "red_flags": [],
    "situation": {"current_role": "research", "research_year_access": True, "extra_years": 1},
    "preferences": {
        "keep": ["outpatient"],
        "open_to": ["internal_medicine"],
        "lifestyle": "balanced",
        "risk_tolerance": "medium",
        "geography": "flexible",
    },
}
"""A complete profile that flags nothing: the generated cohort, and the tests, change it a little at a time."""

REMOVE = object()
"""A value for `with_changes` that leaves the field out of the profile."""


def with_changes(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """BASE with CHANGES applied; a dotted key ("scores.step2_ck") reaches into a part."""
    out = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = out
        for key in parents:
            node = node.setdefault(key, {})
        if value is REMOVE:
            node.pop(last, None)
        else:
            node[last] = value
    return out


# Each kind of weakness, and each route to a pivot, as changes to the base profile.
_SCENARIOS: list[dict[str, Any]] = [
    {},
    {"preferences.open_to": [], "scores.exam_failures": 2},
    {"scores.step2_ck": 240},
    {"scores.step2_ck": 230, "scores.exam_failures": 2},
    {"application.letters_in_specialty": 0, "application.advocate_letter": False, "application.personal_statement": "generic"},
    {"application.program_list": "narrow", "application.programs_applied": 20, "application.backup_specialty": None},
    {"red_flags": ["professionalism"]},
    {"red_flags": ["visa", "leave_of_absence"], "scores.exam_failures": 1},
    {"previous_attempts": 1},
    {"previous_attempts": 1, "application.letters_in_specialty": 0, "application.advocate_letter": False, "application.personal_statement": "generic"},
    {"previous_attempts": 1, "application.program_list": "narrow", "application.programs_applied": 20},
    {"graduation_year": 2021},
    {"dream_specialty": "family_medicine", "application.backup_specialty": None},
    {"dream_specialty": "internal_medicine", "scores.step2_ck": 230, "application.backup_specialty": None},
    {"scores": {}, "application": {}, "situation": {}, "preferences": {}},
    {"scores.step2_ck": REMOVE, "scores.comlex2_ce": 600},
    {"scores.exam_failures": 2, "scores.failed_exams": ["step1", "step1"], "scores.step3_passed": False},
    {"graduation_year": 2020, "situation.current_role": "non_clinical", "red_flags": ["visa"]},
]

# What an international graduate can add (the `img` part), applied in turn to the IMG profiles.
_IMG_PARTS: list[dict[str, Any]] = [
    {},
    {"img": {"ecfmg_certified": True, "us_clinical_months": 0, "visa": "j1"}},
    {"img": {"ecfmg_certified": False, "us_clinical_months": 6, "visa": "h1b"}},
    {"img": {"ecfmg_certified": True, "us_clinical_months": 12, "visa": "either"}},
    {"img": {"visa": "not_needed", "us_clinical_months": 2}},
]

# Dates across the Match year, for profiles of the 2026 Match: SOAP week, just after it, spring, the
# ERAS season, the submission window, and after programs have begun reviewing (the Match after next).
AS_OF_DATES = (
    dt.date(2026, 3, 16), dt.date(2026, 3, 19), dt.date(2026, 3, 20), dt.date(2026, 3, 30), dt.date(2026, 4, 15),
    dt.date(2026, 6, 15), dt.date(2026, 9, 10), dt.date(2026, 10, 15), dt.date(2027, 1, 15), dt.date(2026, 8, 1),
)


def _contexts(data: ReferenceData) -> Iterator[dict[str, Any]]:
    roles, risks, geographies = typing.get_args(Role), typing.get_args(Risk), typing.get_args(Geography)
    dates = itertools.cycle(AS_OF_DATES)
    img_parts = itertools.cycle(_IMG_PARTS)
    for outcome, kind, scenario in itertools.product(typing.get_args(Outcome), typing.get_args(ApplicantType), _SCENARIOS):
        for role, risk, geography in zip(roles, itertools.cycle(risks), itertools.cycle(geographies)):
            raw = with_changes(UNREMARKABLE, scenario)
            raw.update(outcome=outcome, applicant_type=kind)
            raw.setdefault("situation", {})["current_role"] = role
            raw.setdefault("preferences", {}).update(risk_tolerance=risk, geography=geography)
            if kind == "img":
                raw.update(copy.deepcopy(next(img_parts)))
                if raw.get("img", {}).get("visa") == "not_needed" and "visa" in (raw.get("red_flags") or []):
                    raw["img"]["visa"] = "j1"
            if outcome in ("matched_other", "soap_unwanted"):
                # A field that is not among the dream's usual pivots, as often happens after SOAP.
                raw["matched_specialty"] = "psychiatry" if raw["dream_specialty"] != "psychiatry" else "pathology"
            elif outcome == "prelim_only":
                raw["matched_specialty"] = "internal_medicine" if role != "transitional" else REMOVE
            elif outcome == "advanced_only":
                raw["matched_specialty"] = raw["dream_specialty"] if role == "research" else "anesthesiology"
            if raw.get("matched_specialty") is REMOVE:
                del raw["matched_specialty"]
            as_of = next(dates)
            profile = Profile.model_validate(raw, context=data.validation_context)
            dx = diagnose(profile, data, as_of=as_of)
            yield reader_context(profile, dx, data, as_of=as_of)
    # Every dream-to-pivot pair, as the target of a pivot.
    for specialty in data.catalog:
        raw = with_changes(UNREMARKABLE, {"dream_specialty": specialty.key, "scores.exam_failures": 2, "application.backup_specialty": None})
        profile = Profile.model_validate(raw, context=data.validation_context)
        as_of = dt.date(2026, 4, 15)
        dx = diagnose(profile, data, as_of=as_of)
        for pivot in specialty.pivots:
            yield reader_context(profile, dataclasses.replace(dx, decision="pivot", target_specialty=pivot.specialty), data, as_of=as_of)
