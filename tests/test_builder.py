"""A student builds their own guide in the browser (issue 15): the public edition's build.html in Chromium.

The public edition is built with `guidebook generic --browser` and served under a subpath, as GitHub
Pages serves it. A reader fills the form for example profiles (one with the keyboard alone), gets the
guide, follows its links, and every page equals what `guidebook build --no-pdf` writes for the same
profile and date; the downloads equal it too. A wrong answer is shown beside its question in the words
validation prints. No request leaves the site, axe-core finds nothing on the form or on the guide, and
"Forget" leaves nothing of the reader in the browser.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile
from collections import Counter
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import BROWSER_FILES, CHROMIUM, PROFILES, ROOT
from generator.commands.browser import browser_build
from generator.commands.build import Toolkit, build, build_generic
from generator.loading.project import load_project
from generator.loading.questions import load_questions
from generator.loading.validate import load_profile

if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402

SUBPATH = "match-pivot"
AS_OF = "2026-11-29"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
READY = "#builder[data-ready='1']"
OFFICE = ROOT / "tests" / "projects" / "office"


class _Handler(SimpleHTTPRequestHandler):
    # As GitHub Pages serves them: JavaScript modules and WebAssembly with their own types.
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, *args):
        pass


@contextmanager
def _served(kit, extra: dict[str, bytes], root: Path):
    """KIT's public edition with the builder (EXTRA), built into ROOT and served at
    http://127.0.0.1:PORT/match-pivot/."""
    build_generic(root / SUBPATH, kit, as_of=dt.date.fromisoformat(AS_OF), pdf=False, extra=extra, strict=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{SUBPATH}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def public(browser_build_files, kit, tmp_path_factory):
    """The public edition with the builder."""
    with _served(kit, browser_build_files, tmp_path_factory.mktemp("www")) as base:
        yield base


@pytest.fixture(scope="module")
def office(browser_build_files, tmp_path_factory):
    """An office's edition with the builder (`generic --browser --config tests/projects/office/guidebook.yml`):
    its brand, its replaced template and sections, and its own figures; with the toolkit it was built from."""
    office_kit = Toolkit.load(project=load_project(Path("guidebook.yml"), OFFICE))
    extra = browser_build(BROWSER_FILES, office_kit.resources, office_kit.brand)
    with _served(office_kit, extra, tmp_path_factory.mktemp("office-www")) as base:
        yield base, office_kit


@pytest.fixture(scope="module")
def questions(kit):
    return load_questions(kit.resources, kit.data)


class Reader:
    """One reader's tab: a fresh browser context that records every request and every error."""

    def __init__(self, chromium, base: str, viewport=DESKTOP, color_scheme="light"):
        self.base = base
        self.context = chromium.new_context(viewport=viewport, color_scheme=color_scheme, accept_downloads=True)
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}"))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("blob:", "data:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"request leaves the site: {url}")
            route.abort()

    def open(self):
        self.page.goto(self.base + "build.html")
        self.page.wait_for_selector(READY, timeout=120_000)
        return self.page

    def elsewhere(self) -> list[str]:
        return [url for url in self.requests if not url.startswith((self.base, "blob:", "data:", "about:"))]

    @property
    def frame(self):
        return self.page.frame_locator("#guide-frame")

    def shown(self) -> str:
        """The HTML of the guide's page the frame shows, as the frame was given it."""
        return self.page.evaluate("document.getElementById('guide-frame').srcdoc")

    def build(self):
        self.page.click("button.builder__build")
        self.page.wait_for_function(
            "() => !document.getElementById('builder-result').hidden || !document.getElementById('builder-summary').hidden",
            timeout=60_000,
        )

    def close(self):
        self.context.close()


@pytest.fixture
def readers(chromium, public):
    opened = []

    def open_reader(**kwargs) -> Reader:
        reader = Reader(chromium, public, **kwargs)
        opened.append(reader)
        return reader

    yield open_reader
    for reader in opened:
        reader.close()


def _q(field: str) -> str:
    return f".q[data-field='{field}']"


def fill(page, questions, answers: dict) -> None:
    """Answer the form as a reader would with a mouse: each answer in the control its question shows."""
    for question in questions.visible(answers):
        if question.field not in answers or question.field == "id":
            continue
        value = answers[question.field]
        box = page.locator(_q(question.field))
        kind = box.get_attribute("data-kind")
        if kind in ("text", "longtext", "number"):
            box.locator("input, textarea").fill(str(value))
        elif kind == "select":
            box.locator("select").select_option("__none__" if value is None else value)
        elif kind == "yesno":
            box.locator(f"input[value='{'yes' if value else 'no'}']").check()
        elif kind == "choice":
            box.locator(f"input[value='{'__none__' if value is None else value}']").check()
        elif kind == "multi":
            for item in value or ["__none__"]:
                box.locator(f"input[value='{item}']").check()
        elif kind == "repeat":
            if not value:
                box.locator("input[value='__none__']").check()
            for item, count in Counter(value).items():
                box.locator(f"input[data-value='{item}']").fill(str(count))
        else:
            raise AssertionError(f"no way to answer {question.field} ({kind})")
    page.fill("#q-as-of", AS_OF)


def _cli_files(profile: Path, kit, tmp_path: Path) -> tuple[str, dict[str, bytes]]:
    built = build(profile, tmp_path / "cli", kit, as_of=dt.date.fromisoformat(AS_OF), pdf=False)
    return built.id, {p.relative_to(built.folder).as_posix(): p.read_bytes() for p in built.folder.rglob("*") if p.is_file()}


def _same_guide(reader: Reader, files: dict[str, bytes]) -> list[str]:
    """Follow the guide's own section links, in the frame, to every page; each must equal the command line's."""
    different = []
    pages = sorted(name for name in files if name.endswith(".html"))
    if reader.shown() != files["index.html"].decode():
        different.append("index.html")
    for name in pages:
        reader.frame.locator(f"nav.site-nav a[href='{name}']").click()
        reader.page.wait_for_function(f"() => location.hash === '#guide/{name}'")
        if reader.shown() != files[name].decode():
            different.append(name)
    return different


@pytest.mark.parametrize("name", ["jordan-rivera", "chidi-nwosu", "dana-whitfield"])
def test_a_reader_gets_the_command_lines_guide_by_filling_the_form(name, readers, questions, kit, tmp_path):
    profile_path = PROFILES / f"{name}.yaml"
    profile = load_profile(profile_path, kit.data)
    answers = questions.answers_of(profile)
    guide_id, files = _cli_files(profile_path, kit, tmp_path)

    reader = readers()
    page = reader.open()
    fill(page, questions, answers)
    reader.build()
    assert page.is_visible("#builder-result"), page.inner_text("#builder-summary")
    assert _same_guide(reader, files) == []

    # An anchor inside a page scrolls there, and the back button returns to the page before.
    reader.frame.locator("nav.site-nav a[href='index.html']").click()
    page.wait_for_function("() => location.hash === '#guide/index.html'")
    page.go_back()
    page.wait_for_function("() => location.hash !== '#guide/index.html'")
    assert reader.shown() != files["index.html"].decode()

    with page.expect_download() as download:
        page.click("#builder-download-guide")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert download.value.suggested_filename == f"{guide_id}.zip"
    assert {n: archive.read(n) for n in archive.namelist()} == {f"{guide_id}/{n}": body for n, body in files.items()}

    with page.expect_download() as download:
        page.click("#builder-download-profile")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert load_profile(saved, kit.data) == profile.model_copy(update={"id": saved.stem})

    assert reader.elsewhere() == [] and reader.problems == []
    assert any(url.endswith("build/python.zip") for url in reader.requests), "the worker's requests are watched too"


def test_a_reader_using_only_the_keyboard_gets_their_guide(readers, questions, kit, tmp_path):
    """Alex Kim's six answers, typed with Tab, arrows, Space and Enter only."""
    profile_path = PROFILES / "alex-kim.yaml"
    profile = load_profile(profile_path, kit.data)
    _, files = _cli_files(profile_path, kit, tmp_path)
    reader = readers()
    page = reader.open()
    keys = page.keyboard

    def tab_to(selector: str) -> None:
        for _ in range(400):
            keys.press("Tab")
            if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#q-name")
    keys.type(profile.name)
    tab_to("input[name='applicant_type']")  # a radio group takes one Tab stop; arrows choose in it
    values = [c.value for c in questions["applicant_type"].choices]
    keys.press("Space")
    for _ in range(values.index(profile.applicant_type)):
        keys.press("ArrowDown")
    tab_to("#q-graduation_year")
    keys.type(str(profile.graduation_year))
    tab_to("#q-match_year")
    keys.press("Control+A")
    keys.type(str(profile.match_year))
    tab_to("input[name='outcome']")
    keys.press("Space")
    values = [c.value for c in questions["outcome"].choices]
    for _ in range(values.index(profile.outcome)):
        keys.press("ArrowDown")
    tab_to("#q-dream_specialty")
    label = questions["dream_specialty"].label(profile.dream_specialty)
    keys.type(label)
    tab_to("#q-as-of")
    for part in ("11", "29", "2026"):
        keys.type(part)
    tab_to("button.builder__build")
    keys.press("Enter")
    page.wait_for_selector("#builder-result:not([hidden])", timeout=60_000)
    assert _same_guide(reader, files) == []
    assert reader.elsewhere() == [] and reader.problems == []


def test_a_wrong_answer_is_shown_beside_its_question_in_validations_words(readers, questions, kit):
    answers = {
        "name": "Sam Doe", "applicant_type": "img", "graduation_year": 2024, "match_year": 2026, "outcome": "unmatched",
        "dream_specialty": "internal_medicine", "scores.step2_ck": 400, "application.programs_applied": "about forty",
    }
    expected = {p.field: p.message for p in questions.problems(answers, as_of=dt.date.fromisoformat(AS_OF))}
    assert set(expected) == {"scores.step2_ck", "application.programs_applied"}

    reader = readers()
    page = reader.open()
    fill(page, questions, answers)
    reader.build()
    assert page.is_hidden("#builder-result")
    for field, message in expected.items():
        error = page.locator(f"{_q(field)} .q__error")
        assert error.is_visible() and error.inner_text() == message
        assert page.locator(f"{_q(field)} input").first.get_attribute("aria-invalid") == "true"
    assert page.locator("#builder-summary li").count() == 2
    assert page.evaluate("document.activeElement.id") == "builder-summary"

    # Put right, the same form builds.
    page.fill("#q-scores-step2_ck", "231")
    page.fill("#q-application-programs_applied", "40")
    reader.build()
    assert page.is_visible("#builder-result") and page.is_hidden("#builder-summary")
    assert reader.elsewhere() == [] and reader.problems == []


def test_questions_appear_only_when_they_apply(readers):
    page = readers().open()
    img = page.locator(_q("img.ecfmg_certified"))
    assert img.is_hidden()
    page.check("input[name='applicant_type'][value='img']")
    assert img.is_visible()
    page.check("input[name='applicant_type'][value='us_md']")
    assert img.is_hidden()
    matched = page.locator(_q("matched_specialty"))
    assert matched.is_hidden()
    page.check("input[name='outcome'][value='prelim_only']")
    assert matched.is_visible()


def _stored(page) -> dict:
    return page.evaluate(
        """async () => ({
            local: Object.keys(localStorage), session: Object.keys(sessionStorage),
            databases: indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : [],
            caches: await caches.keys(), cookie: document.cookie,
        })"""
    )


def test_nothing_is_kept_unless_asked_and_forget_leaves_nothing(readers, questions, kit):
    reader = readers()
    page = reader.open()
    page.fill("#q-name", "Pat Example")
    page.check("input[name='applicant_type'][value='us_do']")
    assert _stored(page) == {"local": [], "session": [], "databases": [], "caches": [], "cookie": ""}

    page.check("#builder-keep")
    page.fill("#q-graduation_year", "2025")
    assert set(_stored(page)["local"]) == {"mpg:builder:keep", "mpg:builder:answers"}
    page.reload()
    page.wait_for_selector(READY, timeout=120_000)
    assert page.input_value("#q-name") == "Pat Example" and page.is_checked("input[name='applicant_type'][value='us_do']")

    page.click("#builder-forget")
    assert page.input_value("#q-name") == "" and not page.is_checked("#builder-keep")
    assert _stored(page) == {"local": [], "session": [], "databases": [], "caches": [], "cookie": ""}
    assert reader.context.cookies() == []
    page.reload()
    page.wait_for_selector(READY, timeout=120_000)
    assert page.input_value("#q-name") == ""
    assert reader.elsewhere() == [] and reader.problems == []


def test_the_built_guide_keeps_worksheet_answers_only_when_asked_and_forget_clears_them(readers, questions, kit):
    """The guide shown in the page has the same "Keep my answers" switch as a guide on disk; the
    builder's "Forget" removes what it kept too."""
    reader = readers()
    page = reader.open()
    fill(page, questions, {"name": "Kim Lee", "applicant_type": "us_md", "graduation_year": 2026, "match_year": 2026,
                           "outcome": "unmatched", "dream_specialty": "dermatology"})
    reader.build()
    reader.frame.locator("nav.site-nav a[href='today.html']").click()
    page.wait_for_function("() => location.hash === '#guide/today.html'")
    sheet = reader.frame.locator("section.worksheet").first
    sheet.locator("input[type=text], textarea").first.fill("call Dr. Osei on Monday")
    assert _stored(page)["local"] == [], "nothing is kept before the reader asks"
    sheet.locator(".keep__switch").check()
    kept = _stored(page)["local"]
    assert kept and all(key.startswith("mpg:") for key in kept)
    assert "call Dr. Osei" in page.evaluate("JSON.stringify(Object.values(localStorage))")

    page.click("#builder-edit")
    page.click("#builder-forget")
    assert _stored(page) == {"local": [], "session": [], "databases": [], "caches": [], "cookie": ""}
    assert reader.elsewhere() == [] and reader.problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_form_or_the_guide_it_builds(scheme, readers, questions, kit):
    axe = Axe()
    failures = []
    for viewport in (DESKTOP, PHONE):
        reader = readers(viewport=viewport, color_scheme=scheme)
        page = reader.open()
        result = axe.run(page)
        if result.violations_count:
            failures.append(f"form at {viewport['width']}px: {result.generate_report()}")
        # A wrong answer's marks must pass too.
        fill(page, questions, {"name": "Lee", "applicant_type": "us_md", "graduation_year": 2026, "match_year": 2026,
                               "outcome": "unmatched", "dream_specialty": "dermatology", "scores.step2_ck": 999})
        reader.build()
        result = axe.run(page)
        if result.violations_count:
            failures.append(f"form with a problem at {viewport['width']}px: {result.generate_report()}")
        page.fill("#q-scores-step2_ck", "240")
        reader.build()
        links = reader.frame.locator("nav.site-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        for name in (links[0], links[len(links) // 2], links[-1]):  # the diagnosis, a middle section, the sources
            reader.frame.locator(f"nav.site-nav a[href='{name}']").first.click()
            page.wait_for_function(f"() => location.hash === '#guide/{name}'")
            frame = page.frame(url=lambda url: url == "about:srcdoc")
            result = axe.run(frame)
            if result.violations_count:
                failures.append(f"guide page {name} at {viewport['width']}px: {result.generate_report()}")
        result = axe.run(page)
        if result.violations_count:
            failures.append(f"page around the guide at {viewport['width']}px: {result.generate_report()}")
        assert reader.elsewhere() == []
    assert not failures, "\n".join(failures)


def test_the_page_says_where_to_get_help_where_the_builder_cannot_run(chromium, public):
    """A browser without WebAssembly (or where the builder fails to start) is told where to turn."""
    context = chromium.new_context()
    try:
        context.add_init_script("delete window.WebAssembly;")
        page = context.new_page()
        page.goto(public + "build.html")
        help_box = page.locator(".builder__unsupported")
        help_box.wait_for(state="visible")
        assert "advising or dean's office" in help_box.inner_text()
        assert page.is_disabled("button.builder__build")
    finally:
        context.close()


def test_the_builder_page_promises_in_one_sentence_that_nothing_leaves(public, readers):
    page = readers().open()
    promise = page.inner_text(".builder__promise")
    assert promise.startswith("Nothing you type leaves this device")
    csp = page.get_attribute("meta[http-equiv='Content-Security-Policy']", "content")
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    hosts = {urlsplit(src).hostname for src in page.eval_on_selector_all("script[src], link[href]", "els => els.map(e => e.src || e.href)")}
    assert hosts == {"127.0.0.1"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_offices_edition_builds_its_own_guide_in_the_page(scheme, chromium, office, questions, tmp_path):
    # The office's brand and overrides travel into the page: the guide a student builds there is the one
    # `build --config` writes, page by page, and axe-core finds nothing on the branded form or guide.
    base, office_kit = office
    profile_path = PROFILES / "jordan-rivera.yaml"
    answers = questions.answers_of(load_profile(profile_path, office_kit.data))
    _, files = _cli_files(profile_path, office_kit, tmp_path)
    assert "advising-office.html" in files and b"Lakeside School of Medicine" in files["index.html"]
    reader = Reader(chromium, base, viewport=PHONE if scheme == "dark" else DESKTOP, color_scheme=scheme)
    try:
        page = reader.open()
        assert "Lakeside School of Medicine" in page.inner_text("header")
        axe = Axe()
        failures = [f"form: {r.generate_report()}" for r in [axe.run(page)] if r.violations_count]
        fill(page, questions, answers)
        reader.build()
        assert page.is_visible("#builder-result"), page.inner_text("#builder-summary")
        assert _same_guide(reader, files) == []
        for name in ("index.html", "advising-office.html", "sources.html"):
            reader.frame.locator(f"nav.site-nav a[href='{name}']").first.click()
            page.wait_for_function(f"() => location.hash === '#guide/{name}'")
            frame = page.frame(url=lambda url: url == "about:srcdoc")
            result = axe.run(frame)
            if result.violations_count:
                failures.append(f"guide page {name}: {result.generate_report()}")
        assert not failures, "\n".join(failures)
        assert reader.elsewhere() == [] and reader.problems == []
    finally:
        reader.close()
