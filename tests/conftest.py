"""Shared fixtures: the loaded toolkit, a CLI runner, and profiles written under tmp_path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from click.testing import CliRunner

from generator.build import Toolkit
from generator.diagnose import diagnose
from generator.models import Diagnosis
from generator.profile import Profile
from generator.resources import Resources
from generator.validate import load_profile

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "profiles"
EXAMPLES = sorted(PROFILES.glob("*.yaml"))

# A complete, unremarkable profile: nothing flagged. Tests change one thing at a time.
BASE: dict[str, Any] = {
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


@pytest.fixture(scope="session")
def kit() -> Toolkit:
    return Toolkit.load(Resources.default())


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def merge(base: dict, changes: dict) -> dict:
    """BASE with CHANGES applied; a dotted key ("scores.step2_ck") reaches into a part; None removes nothing."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        *parents, last = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        if value is REMOVE:
            node.pop(last, None)
        else:
            node[last] = value
    return out


REMOVE = object()
"""Use as a value in `merge` to leave a field out of the profile."""


@pytest.fixture
def write_profile(tmp_path: Path) -> Callable[..., Path]:
    """Write a profile: a dict of changes to BASE (dotted keys), or raw YAML text."""
    counter = iter(range(10_000))

    def write(changes: dict | str | None = None, name: str | None = None) -> Path:
        path = tmp_path / (name or f"profile-{next(counter)}.yaml")
        text = changes if isinstance(changes, str) else yaml.safe_dump(merge(BASE, changes or {}), sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def profile_of(kit: Toolkit, write_profile) -> Callable[..., Profile]:
    def load(changes: dict | None = None) -> Profile:
        return load_profile(write_profile(changes), kit.data)

    return load


@pytest.fixture
def diagnosis_of(kit: Toolkit, profile_of) -> Callable[..., Diagnosis]:
    def run(changes: dict | None = None) -> Diagnosis:
        return diagnose(profile_of(changes), kit.data)

    return run
