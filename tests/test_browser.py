"""The website in a real browser (issue 5): Debian's Chromium, driven by Playwright.

The generic edition and one personal site are each built once, with their workbook PDF, and served
over HTTP under a project subpath (as GitHub Pages serves /repo-name/), then opened again from
file://. Every page must load cleanly and stay on the site, every internal link and anchor must
resolve, axe-core must find nothing in the light and the dark scheme, a phone-wide viewport must not
scroll sideways, the keyboard must reach the skip link and the section list, and search must find a
word that only a middle section uses. Screenshots are for people to look at, not tests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urldefrag, urlsplit

import pytest

from conftest import CHROMIUM, PROFILES, ROOT

SUBPATH = "match-pivot"  # the site lives at http://127.0.0.1:PORT/match-pivot/
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}

if not CHROMIUM.exists():
    # CI installs Debian's chromium (.ci/run), so there the browser tests always run.
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing; .ci/run should have installed Debian's chromium", pytrace=False)
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402


# --- the sites ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    name: str
    folder: Path  # the built site on disk
    base: str  # where it is served, ending in "/"

    @property
    def pages(self) -> list[str]:
        return sorted(p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*.html"))

    def url(self, page: str) -> str:
        return self.base + page

    def file_url(self, page: str) -> str:
        return (self.folder / page).as_uri()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def end_headers(self):
        # Nothing cached, so every load is a plain 200 and a stale file can never hide a missing one.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@pytest.fixture(scope="session")
def www(tmp_path_factory) -> Path:
    """Both sites built once, side by side, through the command line (with their workbook PDF)."""
    root = tmp_path_factory.mktemp("www")
    run = [sys.executable, "-c", "from generator.commands.cli import main; main()"]
    builds = [
        subprocess.Popen([*run, "generic", "-o", str(root / "generic" / SUBPATH)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
        subprocess.Popen([*run, "build", str(PROFILES / "jordan-rivera.yaml"), "-o", str(root / "personal")],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
    ]
    for proc in builds:
        output, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, output
    # The personal site is served from the same kind of subpath as the public one.
    (root / "personal" / "jordan-rivera").rename(root / "personal" / SUBPATH)
    return root


@pytest.fixture(scope="session")
def servers(www):
    """One HTTP server per site on 127.0.0.1, each on a port of its own; stopped after the session."""
    started = {}
    for name in ("generic", "personal"):
        handler = partial(_QuietHandler, directory=str(www / name))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started[name] = (server, thread)
    yield {name: f"http://127.0.0.1:{server.server_address[1]}/{SUBPATH}/" for name, (server, _) in started.items()}
    for server, thread in started.values():
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session", params=["generic", "personal"])
def site(request, www, servers) -> Site:
    name = request.param
    site = Site(name, www / name / SUBPATH, servers[name])
    assert (site.folder / "workbook.pdf").is_file()
    assert len(site.pages) > 10, site.pages
    return site


@pytest.fixture(scope="session")
def generic_site(www, servers) -> Site:
    return Site("generic", www / "generic" / SUBPATH, servers["generic"])


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(chromium):
    return chromium  # one Chromium for the session (tests/conftest.py): Playwright's sync API runs one at a time


class Tab:
    """One page in a fresh browser context that records everything that goes wrong on it."""

    def __init__(self, browser, site: Site, viewport: dict, color_scheme: str = "light"):
        self.site = site
        self.context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
        self.problems: list[str] = []
        # Nothing may leave the site: a request anywhere else is reported, and refused before it goes.
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", self._request)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("requestfailed", lambda req: self.problems.append(f"request failed: {req.url} ({req.failure})"))
        self.page.on("response", self._response)

    def _allowed(self, url: str) -> bool:
        if url.startswith("file://"):
            return url.startswith(self.site.folder.as_uri() + "/")
        return urlsplit(url).hostname == "127.0.0.1" and url.startswith(self.site.base)

    def _request(self, request):
        if not self._allowed(request.url):
            self.problems.append(f"request leaves the site: {request.url}")

    def _route(self, route):
        if self._allowed(route.request.url):
            route.continue_()
        else:
            route.abort()

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text} at {message.location.get('url')}")

    def _response(self, response):
        if not 200 <= response.status < 300:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, url: str):
        self.problems.clear()
        response = self.page.goto(url, wait_until="load")
        if url.startswith("http"):
            assert response is not None and response.ok, f"{url}: {response and response.status}"
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def tabs(browser):
    opened: list[Tab] = []

    def open_tab(site: Site, viewport: dict = DESKTOP, color_scheme: str = "light") -> Tab:
        tab = Tab(browser, site, viewport, color_scheme)
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        tab.close()


def report(failures: list[str]) -> str:
    return f"{len(failures)} problem(s):\n" + "\n".join(failures)


# --- over HTTP, under a subpath ----------------------------------------------------------------

LINKS_JS = """() => Array.from(
  document.querySelectorAll('a[href], link[href], script[src], img[src], form[action]'),
  el => el.href || el.src || el.action)"""
IDS_JS = "() => Array.from(document.querySelectorAll('[id], a[name]'), el => el.id || el.getAttribute('name'))"


def test_every_page_loads_with_no_error_and_no_request_leaving_the_site(site, tabs):
    tab = tabs(site)
    failures = []
    for page in site.pages:
        tab.open(site.url(page))
        failures += [f"{page}: {p}" for p in tab.problems]
        assert tab.page.evaluate("document.documentElement.lang") == "en", page
    assert not failures, report(failures)


def _ids_and_links(tab: Tab, urls: list[str]) -> tuple[dict[str, set[str]], dict[str, list[str]], list[str]]:
    """Each page's ids and the absolute URLs of its links, as the browser resolves them; and what went wrong."""
    ids, links, problems = {}, {}, []
    for url in urls:
        tab.open(url)
        ids[url] = set(tab.page.evaluate(IDS_JS))
        links[url] = tab.page.evaluate(LINKS_JS)
        problems += [f"{url}: {p}" for p in tab.problems]
    return ids, links, problems


def test_every_internal_link_and_anchor_resolves(site, tabs):
    tab = tabs(site)
    pages = [site.url(p) for p in site.pages]
    ids, links, failures = _ids_and_links(tab, pages)
    checked = {}
    for source, hrefs in links.items():
        for href in hrefs:
            if urlsplit(href).scheme in ("mailto", "https") or (
                urlsplit(href).scheme == "http" and urlsplit(href).hostname != "127.0.0.1"
            ):
                continue  # a link out of the site (a cited source) is followed by the reader, not fetched
            target, anchor = urldefrag(href)
            where = f"{source.removeprefix(site.base)} -> {href.removeprefix(site.base)}"
            if not target.startswith(site.base):
                failures.append(f"{where}: points outside the site's folder")
                continue
            if target not in checked:
                checked[target] = tab.context.request.get(target).status
            if checked[target] != 200:
                failures.append(f"{where}: HTTP {checked[target]}")
            elif anchor:
                if target not in ids:  # a page reached only through a link, such as a 404 page
                    ids.update(_ids_and_links(tab, [target])[0])
                if unquote(anchor) not in ids[target]:
                    failures.append(f"{where}: no element with id {unquote(anchor)!r}")
    assert not failures, report(failures)
    assert site.base + "workbook.pdf" in checked  # the download link on every page
    assert any(url.endswith(".html") for url in checked)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_on_any_page(site, tabs, scheme):
    axe = Axe()
    failures = []
    for viewport in (DESKTOP, PHONE):  # the phone layout moves the section list and folds tables
        tab = tabs(site, viewport, scheme)
        for page in site.pages:
            tab.open(site.url(page))
            result = axe.run(tab.page)
            if result.violations_count:
                failures.append(f"{page} at {viewport['width']}px, {scheme}: {result.generate_report()}")
    assert not failures, report(failures)


def test_a_phone_wide_viewport_never_scrolls_sideways(site, tabs):
    tab = tabs(site, PHONE)
    failures = []
    for page in site.pages:
        tab.open(site.url(page))
        scroll, client = tab.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if scroll > client:
            wide = tab.page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
              .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
              .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))""")
            failures.append(f"{page}: scrollWidth {scroll} > clientWidth {client}; too wide: {wide}")
    assert not failures, report(failures)


FOCUSED_JS = """() => {
  const el = document.activeElement;
  return {
    tag: el.tagName.toLowerCase(), cls: el.className, href: el.getAttribute('href'),
    inNav: !!el.closest('nav.site-nav'), inMain: !!el.closest('main'),
    outline: getComputedStyle(el).outlineStyle,
    onScreen: (r => r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth)(el.getBoundingClientRect()),
  };
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_keyboard_reaches_skip_link_first_then_the_section_list(site, tabs, viewport):
    tab = tabs(site, viewport)
    failures = []
    for page in site.pages:
        tab.open(site.url(page))
        tab.page.keyboard.press("Tab")
        first = tab.page.evaluate(FOCUSED_JS)
        if not ("skip-link" in first["cls"] and first["href"] == "#main" and first["onScreen"]):
            failures.append(f"{page}: first Tab focuses {first}, not a visible skip link")
            continue
        for _ in range(8):  # the site title, search, download, then the section list
            tab.page.keyboard.press("Tab")
            focused = tab.page.evaluate(FOCUSED_JS)
            if focused["inNav"]:
                break
        else:
            failures.append(f"{page}: 8 more Tabs never reach the section list")
            continue
        if focused["outline"] == "none":
            failures.append(f"{page}: a focused section link shows no outline")
        # The skip link works: Enter on it, and the next Tab lands in the main content.
        tab.open(site.url(page))
        tab.page.keyboard.press("Tab")
        tab.page.keyboard.press("Enter")
        tab.page.keyboard.press("Tab")
        after = tab.page.evaluate(FOCUSED_JS)
        if not after["inMain"]:
            failures.append(f"{page}: after the skip link, Tab focuses {after}, outside main")
    assert not failures, report(failures)


def _index_entries(site: Site) -> list[dict]:
    text = (site.folder / "assets" / "search-index.js").read_text(encoding="utf-8")
    return json.loads(re.search(r"=\s*(\[.*\])\s*;?\s*$", text, re.S).group(1))


def middle_section_term(site: Site) -> tuple[str, str]:
    """A word from the index that only one middle section (strategy or decision) contains, anywhere."""
    entries = _index_entries(site)
    hay = {e["page"]: "" for e in entries}
    for e in entries:
        hay[e["page"]] += " " + f"{e['section']} {e['heading']} {e['text']}".lower()
    for page in ("strategy.html", "decision.html"):
        words = sorted(set(re.findall(r"[a-z]{7,}", hay.get(page, ""))))
        for word in words:
            if all(word not in text for other, text in hay.items() if other != page):
                return word, page
    pytest.fail("no word in the index belongs to the strategy or decision section alone")


def _results(tab: Tab) -> list[str]:
    tab.page.wait_for_selector("#search-results li a")
    return tab.page.eval_on_selector_all("#search-results li a", "els => els.map(a => a.href)")


def test_search_finds_a_word_that_only_a_middle_section_uses(generic_site, tabs):
    term, page = middle_section_term(generic_site)
    tab = tabs(generic_site)
    tab.open(generic_site.url("index.html"))
    tab.page.get_by_role("searchbox", name="Search the guide").fill(term)
    tab.page.get_by_role("button", name="Search").click()
    tab.page.wait_for_url(re.compile(r"/search\.html\?q="))
    results = _results(tab)
    assert results and all(urldefrag(r)[0] == generic_site.url(page) for r in results), (term, results)
    assert f"found for \u201c{term}\u201d" in tab.page.text_content("#search-status")
    # Following the result lands on the section, at the heading it names.
    tab.page.click("#search-results li a")
    tab.page.wait_for_load_state("load")
    assert tab.page.url.startswith(generic_site.url(page))
    assert term in tab.page.text_content("main").lower()
    assert not tab.problems, report(tab.problems)


# --- from file:// ------------------------------------------------------------------------------


def test_every_link_resolves_from_file(site, tabs):
    """Opened from disk, each page's internal links name files that exist, and anchors that exist."""
    tab = tabs(site)
    pages = [site.file_url(p) for p in site.pages]
    ids, links, failures = _ids_and_links(tab, pages)
    for source, hrefs in links.items():
        for href in hrefs:
            if not href.startswith("file:"):
                continue
            target, anchor = urldefrag(href)
            path = Path(unquote(urlsplit(target).path))
            where = f"{Path(unquote(urlsplit(source).path)).name} -> {href}"
            if not path.is_relative_to(site.folder) or not path.is_file():
                failures.append(f"{where}: no such file in the site")
            elif anchor and target in ids and unquote(anchor) not in ids[target]:
                failures.append(f"{where}: no element with id {unquote(anchor)!r}")
    assert not failures, report(failures)
    # Pages open from disk with their stylesheet and no error.
    for page in ("index.html", "decision.html", "sources.html"):
        tab.open(site.file_url(page))
        assert not tab.problems, report(tab.problems)
        assert tab.page.evaluate("getComputedStyle(document.body).marginTop") == "0px"  # style.css applied


def test_clicking_through_from_file_lands_on_the_right_pages(site, tabs):
    tab = tabs(site)
    tab.open(site.file_url("index.html"))
    sections = tab.page.eval_on_selector_all("nav.site-nav a", "els => els.map(a => [a.getAttribute('href'), a.textContent.trim()])")
    assert len(sections) > 10
    for href, title in [sections[1], sections[len(sections) // 2], sections[-1]]:
        tab.page.click(f"nav.site-nav a[href='{href}']")
        tab.page.wait_for_load_state("load")
        assert tab.page.url == site.file_url(href)
        assert tab.page.text_content("h1").strip() == title
        # The site title leads home again.
        tab.page.click("a.site-title")
        tab.page.wait_for_load_state("load")
        assert tab.page.url == site.file_url("index.html")
    # The pager's "next" link leads on.
    tab.open(site.file_url("decision.html"))
    tab.page.click("a[rel=next]")
    tab.page.wait_for_load_state("load")
    assert tab.page.url.startswith(site.folder.as_uri()) and tab.page.url != site.file_url("decision.html")
    # An on-page contents link moves to its heading.
    anchor = tab.page.get_attribute("nav.on-page a", "href")
    if anchor:
        tab.page.click("nav.on-page a")
        assert tab.page.url.endswith(anchor)
        assert tab.page.evaluate(f"!!document.getElementById({json.dumps(anchor[1:])})")
    assert not tab.problems, report(tab.problems)


def test_search_works_from_file(generic_site, tabs):
    term, page = middle_section_term(generic_site)
    tab = tabs(generic_site)
    tab.open(generic_site.file_url("strategy.html"))
    tab.page.get_by_role("searchbox", name="Search the guide").fill(term)
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_url(re.compile(r"search\.html\?q="))
    results = _results(tab)
    assert results and all(urldefrag(r)[0] == generic_site.file_url(page) for r in results), (term, results)
    tab.page.click("#search-results li a")
    tab.page.wait_for_load_state("load")
    assert urldefrag(tab.page.url)[0] == generic_site.file_url(page)
    assert not tab.problems, report(tab.problems)
    # The search page's own form works too, and says so when nothing matches.
    tab.open(generic_site.file_url("search.html") + "?q=" + quote("zzzqqq"))
    assert "Nothing found" in tab.page.text_content("#search-status")
    assert not tab.problems, report(tab.problems)


# --- worksheets that keep what is typed, on the reader's device only ------------------------------


def _field(tab: Tab, name: str):
    return tab.page.locator(f'form.worksheet__form [name="{name}"]')


@pytest.mark.parametrize("over", ["http", "file"])
def test_typed_answers_are_kept_only_when_asked_and_forgotten_on_request(www, servers, tabs, over):
    personal = Site("personal", www / "personal" / SUBPATH, servers["personal"])
    public = Site("generic", www / "generic" / SUBPATH, servers["generic"])
    url = personal.url if over == "http" else personal.file_url
    tab = tabs(personal, PHONE)
    name = "autopsy.rank_feedback"
    page = tab.open(url("first-days.html"))
    field = _field(tab, name)
    switch = page.locator("#worksheet-autopsy .keep__switch")
    assert switch.is_visible() and not switch.is_checked(), "keeping is off until the reader turns it on"
    default = field.input_value()

    # Off: a reload loses what was typed.
    field.fill("Typed while keeping is off")
    page.reload()
    assert _field(tab, name).input_value() == default

    # On: what is typed survives a reload, and the switch stays on across the guide's pages.
    page.locator("#worksheet-autopsy .keep__switch").check()
    _field(tab, name).fill("Three interviews, all in the Midwest")
    page.locator("#worksheet-autopsy .keep__switch").press("Tab")  # leave the field
    page.reload()
    assert _field(tab, name).input_value() == "Three interviews, all in the Midwest"
    assert page.locator("#worksheet-autopsy .keep__switch").is_checked()
    tab.open(url("plan.html"))
    assert tab.page.locator(".keep__switch").first.is_checked()
    stored = tab.page.evaluate("() => Object.keys(localStorage)")
    assert stored and all(key.startswith("mpg:") for key in stored), stored

    # Another guide in the same browser never sees these answers, even from file:// (one storage origin).
    other = public.url if over == "http" else public.file_url
    tab.site = public
    tab.open(other("first-days.html"))
    assert "Three interviews" not in (_field(tab, name).input_value() or "")
    assert not tab.page.locator("#worksheet-autopsy .keep__switch").is_checked()

    # Forget: the answer is gone now and after a reload, and nothing of this guide is left in storage.
    tab.site = personal
    page = tab.open(url("first-days.html"))
    page.locator("#worksheet-autopsy .keep__forget").click()
    assert _field(tab, name).input_value() == default
    page.reload()
    assert _field(tab, name).input_value() == default
    assert not page.locator("#worksheet-autopsy .keep__switch").is_checked()
    key = page.locator("#worksheet-autopsy .keep").get_attribute("data-guide")
    assert not [k for k in page.evaluate("() => Object.keys(localStorage)") if k.startswith(f"mpg:{key}:")]
    assert not tab.problems, report(tab.problems)


def test_a_worksheet_can_be_saved_as_text_in_the_browser(www, servers, tabs):
    personal = Site("personal", www / "personal" / SUBPATH, servers["personal"])
    tab = tabs(personal, DESKTOP)
    page = tab.open(personal.url("first-days.html"))
    _field(tab, "autopsy.rank_feedback").fill("Saved copy check")
    with page.expect_download() as info:
        page.locator("#worksheet-autopsy .keep__save").click()
    download = info.value
    assert download.suggested_filename == "worksheet-autopsy.txt"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("Worksheet: ") and "Saved copy check" in text
    assert not tab.problems, report(tab.problems)
