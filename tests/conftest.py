"""Shared fixtures: the loaded toolkit, a CLI runner, and profiles written under tmp_path."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from click.testing import CliRunner

from generator.commands.build import Toolkit
from generator.advice.diagnose import diagnose
from generator.models import Diagnosis
from generator.loading.profile import Profile
from generator.resources import Resources
from generator.advice.strict import REMOVE, UNREMARKABLE  # noqa: F401 - REMOVE is for the tests to import from here
from generator.advice.strict import with_changes as merge
from generator.loading.validate import load_profile

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "profiles"
EXAMPLES = sorted(PROFILES.glob("*.yaml"))

# A complete, unremarkable profile: nothing flagged. Tests change one thing at a time.
BASE: dict[str, Any] = UNREMARKABLE

AS_OF = dt.date(2026, 4, 1)
"""The date the tests build guides for (two weeks after the 2026 Match Week). No test depends on today's
date: the API takes this date, and commands without --as-of get it from SOURCE_DATE_EPOCH (set below)."""
AS_OF_EPOCH = str(int(dt.datetime(AS_OF.year, AS_OF.month, AS_OF.day, 12, tzinfo=dt.timezone.utc).timestamp()))


@pytest.fixture(scope="session", autouse=True)
def fixed_date():
    """Commands run without --as-of (in this process or a child) build for AS_OF, not for today."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = AS_OF_EPOCH
    yield AS_OF
    if before is None:
        del os.environ["SOURCE_DATE_EPOCH"]
    else:
        os.environ["SOURCE_DATE_EPOCH"] = before


@pytest.fixture(scope="session", autouse=True)
def code_cache_dir(tmp_path_factory) -> Path:
    """The compiled-template cache of this test run (and of the processes it starts), not the user's."""
    folder = tmp_path_factory.mktemp("code-cache")
    before = os.environ.get("GUIDEBOOK_CACHE_DIR")
    os.environ["GUIDEBOOK_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        del os.environ["GUIDEBOOK_CACHE_DIR"]
    else:
        os.environ["GUIDEBOOK_CACHE_DIR"] = before


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, driven by Playwright, shared by every browser test of the session: Playwright's sync
    API runs one instance at a time in a thread. CI installs it (.ci/run), so there a missing browser fails."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run should have installed Debian's chromium", pytrace=False)
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def kit(code_cache_dir) -> Toolkit:
    return Toolkit.load(Resources.default())


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


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
    def run(changes: dict | None = None, as_of: dt.date = AS_OF) -> Diagnosis:
        return diagnose(profile_of(changes), kit.data, as_of=as_of)

    return run


BROWSER_FILES = Path(os.environ.get("GUIDEBOOK_BROWSER_FILES", ROOT / "browser-files"))
"""What `guidebook fetch-browser` fetched; .ci/run fetches it before the tests."""


@pytest.fixture(scope="session")
def browser_build_files(kit) -> dict[str, bytes]:
    """The browser build's files (Pyodide, the pinned wheels, python.zip), as `guidebook generic --browser` adds them.

    In CI a missing file fails the test, unless .ci/run's fetch could not reach the registries and said so
    (GUIDEBOOK_BROWSER_FETCH_FAILED holds its one line); elsewhere it skips with the command that fetches."""
    from generator.commands.browser import BrowserFilesError, browser_build

    try:
        return browser_build(BROWSER_FILES, kit.resources)
    except BrowserFilesError as exc:
        offline = os.environ.get("GUIDEBOOK_BROWSER_FETCH_FAILED")
        if offline:
            pytest.skip(f"the browser build's files could not be fetched on this machine: {offline}")
        if os.environ.get("CI"):
            pytest.fail(f"{exc.message} (.ci/run should have fetched them)", pytrace=False)
        pytest.skip(exc.message)


def outline_of(reader) -> list[tuple[int, str, int]]:
    """(level, title, page number) of every bookmark, in order."""
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return found
