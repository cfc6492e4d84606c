"""An advising office's brand (guidebook.yml, `brand:`; issue 16) in the site and the workbook.

Jordan's guide and the public edition are each built through the command line with and without the
project file in tests/projects/brand/. The brand must show where the issue says (its name and logo in
every page's header, its contact on the home page and the SOAP-week page, its colours in
assets/brand.css; its name, logo and contact on the workbook's cover, its contact on the last page and
its name in the running heads), and nothing else may change: every page without its `data-brand`
elements is the unbranded page, byte for byte, and the workbook's text without the brand lines is the
unbranded workbook's text.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from generator.commands.build import Toolkit, prepare
from generator.loading.project import load_project

from conftest import AS_OF, CHROMIUM, PROFILES, ROOT, outline_of

PROJECT = ROOT / "tests" / "projects" / "brand"
OFFICE = ROOT / "tests" / "projects" / "office"
NAME = "Lakeside School of Medicine, Office of Student Affairs"
CONTACT = {
    "name": "Dr. Ana Ortiz, Associate Dean",
    "email": "advising@lakeside.edu",
    "phone": "+1 555 010 2030",
    "url": "https://lakeside.edu/advising",
    "hours": "Monday to Friday, 9 am to 5 pm",
}
ODD_NAME = 'Office <of> "Student" & Affairs'
"""A name-only brand, with the characters HTML must escape."""

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


# --- the builds --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Every build this file looks at, by name, each made through the command line (in parallel)."""
    root = tmp_path_factory.mktemp("brand")
    name_only = root / "name-only"
    name_only.mkdir()
    (name_only / "guidebook.yml").write_text(f"brand:\n  name: '{ODD_NAME}'\n", encoding="utf-8")
    jordan = str(PROFILES / "jordan-rivera.yaml")
    config = ["--config", str(PROJECT / "guidebook.yml")]
    commands = {
        "jordan": ["build", jordan, "-o", str(root / "jordan")],
        "jordan-brand": ["build", jordan, "-o", str(root / "jordan-brand"), *config],
        "public": ["generic", "--no-pdf", "-o", str(root / "public")],
        "public-brand": ["generic", "--no-pdf", "-o", str(root / "public-brand"), *config],
        "name-only": ["build", jordan, "-o", str(root / "name-only-out"), "--config", str(name_only / "guidebook.yml")],
        # The whole office: the brand, a replaced template, a replaced and an added section, and its
        # own figures and deadlines (tests/projects/office, extending tests/projects/overrides-basic).
        "jordan-office": ["build", jordan, "-o", str(root / "jordan-office"), "--config", str(OFFICE / "guidebook.yml")],
        "cohort-office": ["batch", jordan, "-o", str(root / "cohort-office"), "-j", "1", "--config", str(OFFICE / "guidebook.yml")],
    }
    run = [sys.executable, "-c", "from generator.commands.cli import main; main()"]
    procs = {
        name: subprocess.Popen([*run, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, args in commands.items()
    }
    for name, proc in procs.items():
        output, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{name}: {output}"
    return {
        "jordan": root / "jordan" / "jordan-rivera",
        "jordan-brand": root / "jordan-brand" / "jordan-rivera",
        "public": root / "public",
        "public-brand": root / "public-brand",
        "name-only": root / "name-only-out" / "jordan-rivera",
        "jordan-office": root / "jordan-office" / "jordan-rivera",
        "cohort-office": root / "cohort-office",
    }


def pages(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html"))


def read(folder: Path, page: str) -> str:
    return (folder / page).read_text(encoding="utf-8")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^>]*)?>")


def brand_regions(html: str) -> tuple[str, list[str]]:
    """HTML without its brand regions (each element with a `data-brand` attribute, with everything in
    it), and the regions taken out."""
    kept, regions = [], []
    at, depth, name, start = 0, 0, "", 0
    for tag in TAG.finditer(html):
        closing, tag_name = tag.group(1) == "/", tag.group(2).lower()
        if depth == 0:
            if not closing and re.search(r"\sdata-brand(?=[\s>=])", tag.group(0)):
                kept.append(html[at : tag.start()])
                if tag_name in VOID:
                    regions.append(tag.group(0))
                    at = tag.end()
                else:
                    depth, name, start = 1, tag_name, tag.start()
        elif tag_name == name:
            depth += -1 if closing else 1
            if depth == 0:
                regions.append(html[start : tag.end()])
                at = tag.end()
    assert depth == 0, "a brand region is not closed"
    kept.append(html[at:])
    return "".join(kept), regions


def test_brand_regions_are_found_whole():
    html = '<p>a</p><div class="x" data-brand><div>in</div><img src="l.svg" alt=""></div><p>b</p><link href="x" data-brand>!'
    assert brand_regions(html) == (
        "<p>a</p><p>b</p>!",
        ['<div class="x" data-brand><div>in</div><img src="l.svg" alt=""></div>', '<link href="x" data-brand>'],
    )


# --- the site ----------------------------------------------------------------------------------


@pytest.mark.parametrize("edition", ["jordan", "public"])
def test_every_page_names_the_office_in_its_header(built, edition):
    site = built[f"{edition}-brand"]
    assert pages(site) == pages(built[edition])
    for page in pages(site):
        html = read(site, page)
        header = html.split('<header class="site-header"', 1)[1].split("</header>", 1)[0]
        assert f'<span class="site-brand__name">{NAME}</span>' in header, page
        assert '<img class="site-brand__logo" src="assets/brand/logo.svg" alt="">' in header, page
        assert '<link rel="stylesheet" href="assets/brand.css" data-brand>' in html, page
        assert f"given to you by {NAME}." in html.split("<footer", 1)[1], page


@pytest.mark.parametrize("edition", ["jordan", "public"])
def test_the_contact_is_on_the_home_and_the_soap_week_pages_only(built, edition):
    site = built[f"{edition}-brand"]
    assert "match-week.html" in pages(site)
    for page in pages(site):
        html = read(site, page)
        if page not in ("index.html", "match-week.html"):
            assert "brand-contact" not in html, page
            continue
        block = html.split('<section class="brand-contact" data-brand', 1)[1].split("</section>", 1)[0]
        assert f"<dd>{NAME}</dd>" in block and f"<dd>{CONTACT['name']}</dd>" in block
        assert f'<a href="mailto:{CONTACT["email"]}">{CONTACT["email"]}</a>' in block
        assert f'<a href="tel:+15550102030">{CONTACT["phone"]}</a>' in block
        assert f'<a href="{CONTACT["url"]}">{CONTACT["url"]}</a>' in block
        assert f"<dd>{CONTACT['hours']}</dd>" in block
    week = read(site, "match-week.html")
    assert week.index("brand-contact") < week.index('<div class="prose">'), "the contact comes before the section's text"


def test_the_logo_is_copied_and_the_colours_written(built):
    site = built["jordan-brand"]
    assert (site / "assets/brand/logo.svg").read_bytes() == (PROJECT / "images/lakeside.svg").read_bytes()
    css = (site / "assets/brand.css").read_text(encoding="utf-8")
    # #1d5c8c is readable on every light surface; the derived dark colour (#5685a9) is lightened until
    # it is readable on the dark scheme's tinted boxes too.
    assert ":root { --accent: #1d5c8c; }" in css
    assert re.search(r"@media \(prefers-color-scheme: dark\) \{\s*:root \{ --accent: #6791b2; \}", css)
    assert not (built["jordan"] / "assets/brand.css").exists()
    assert not (built["jordan"] / "assets/brand").exists()


@pytest.mark.parametrize("edition", ["jordan", "public"])
def test_nothing_else_changes_in_the_site(built, edition):
    plain, branded = built[edition], built[f"{edition}-brand"]
    files = {p.relative_to(plain).as_posix() for p in plain.rglob("*") if p.is_file()}
    brand_files = {p.relative_to(branded).as_posix() for p in branded.rglob("*") if p.is_file()} - files
    assert brand_files == {"assets/brand.css", "assets/brand/logo.svg"}
    for name in sorted(files - {"workbook.pdf"}):
        if name.endswith(".html"):
            stripped, regions = brand_regions(read(branded, name))
            assert stripped == read(plain, name), name
            assert regions, name
        else:
            assert (branded / name).read_bytes() == (plain / name).read_bytes(), name


def without_entries(html: str, *pages: str) -> str:
    """HTML without the list items (the navigation's, the contents') that link to PAGES."""
    for page in pages:
        html = re.sub(rf'\s*<li[^>]*>\s*<a[^>]*href="{re.escape(page)}"[^>]*>.*?</li>', "", html, flags=re.S)
    return html


def test_an_office_edition_changes_only_its_own_places(built):
    # The test project: each of the office's changes shows where it should, and, once they
    # are taken out, every other byte of the site is the package's.
    plain, office = built["jordan"], built["jordan-office"]
    files = {p.relative_to(plain).as_posix() for p in plain.rglob("*") if p.is_file()} - {"workbook.pdf"}
    added = {p.relative_to(office).as_posix() for p in office.rglob("*") if p.is_file()} - files - {"workbook.pdf"}
    assert added == {"assets/brand.css", "assets/brand/logo.svg", "assets/lakeside-note.txt", "advising-office.html"}
    new_page = read(office, "advising-office.html")
    assert "Meet an advisor" in new_page and "The office has 7 advisors" in new_page  # its own figure, cited
    assert "Lakeside’s counselling service" in read(office, "wellbeing.html")  # the replaced section
    assert "Lakeside checks these figures each spring" in read(office, "sources.html")  # the replaced template
    assert "Lakeside OSA 2026" in read(office, "sources.html")  # its source is listed with ours
    assert "Reapplication packet due at the Office of Student Affairs" in read(office, "plan.html")  # its deadline
    # The new section comes last, by its number, after "What to do today".
    assert 'href="advising-office.html" rel="next"' in read(office, "today.html")
    assert 'href="advising-office.html" rel="prev"' in read(office, "sources.html")
    changed = {"wellbeing.html", "sources.html", "plan.html", "today.html"}
    for name in sorted(files - changed):
        if name.endswith(".html"):
            # The entries of the replaced and the new section, in every page's list of sections, are theirs.
            ours = without_entries(brand_regions(read(office, name))[0], "advising-office.html", "wellbeing.html")
            assert ours == without_entries(read(plain, name), "wellbeing.html"), name
        else:
            assert (office / name).read_bytes() == (plain / name).read_bytes(), name
    # The workbook: the brand, the replaced section's text and the new section's.
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf(office).pages)
    assert text.startswith(NAME) and "Lakeside’s counselling service" in text and "Meet an advisor" in text
    # The cohort page carries the brand, with its logo beside it.
    cohort = built["cohort-office"]
    assert NAME in (cohort / "cohort.html").read_text(encoding="utf-8")
    assert (cohort / "assets/brand/logo.svg").read_bytes() == (OFFICE / "images/lakeside.svg").read_bytes()


def test_a_name_only_brand_renders_cleanly_and_escaped(built):
    site = built["name-only"]
    escaped = "Office &lt;of&gt; &#34;Student&#34; &amp; Affairs"
    assert not (site / "assets/brand").exists()
    css = (site / "assets/brand.css").read_text(encoding="utf-8")
    assert ":root" not in css  # no colour given: the site's own accent stays
    for page in pages(site):
        html = read(site, page)
        assert f'<div class="site-brand" data-brand><p class="site-brand__inner"><span class="site-brand__name">{escaped}</span></p></div>' in html
        assert "<img class=\"site-brand__logo\"" not in html and "brand-contact" not in html
        assert ODD_NAME not in html
        stripped, _ = brand_regions(html)
        assert stripped == read(built["jordan"], page), page
    text = [page.extract_text() for page in pdf(site).pages]
    assert text[0].startswith(ODD_NAME + "\n")
    assert "Your advising office" not in "".join(text)
    assert all(page.splitlines()[-2].startswith(ODD_NAME + " ") for page in text[1:])


# --- the workbook ------------------------------------------------------------------------------


def pdf(folder: Path) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO((folder / "workbook.pdf").read_bytes()))


CONTACT_TEXT = (
    f"Contact {CONTACT['name']} Email {CONTACT['email']} Phone {CONTACT['phone']} Web {CONTACT['url']} Hours {CONTACT['hours']}"
)
COVER_CONTACT = f"Your advising office {CONTACT_TEXT}"
"""The contact block on the cover, under the office's name."""
LAST_CONTACT = f"Your advising office: {NAME} {CONTACT_TEXT}"
"""The contact block on the last page, which names the office."""


def body_text(reader: pypdf.PdfReader) -> str:
    """The workbook's text, whitespace made single spaces, without the running heads and feet (the last
    two lines of every page after the cover) or list markers (which pypdf gives at the end of a page)."""
    lines = []
    for number, page in enumerate(reader.pages):
        text = page.extract_text().splitlines()
        if number:
            assert re.search(r" page \d+ of \d+$", text[-1]), text[-1]
            text = text[:-2]
        lines += [line for line in text if not re.fullmatch(r"\s*(•|\d+\.)?\s*", line)]
    return " ".join(" ".join(lines).split())


def test_the_workbook_shows_the_brand_on_its_cover_heads_and_last_page(built):
    reader = pdf(built["jordan-brand"])
    text = [page.extract_text() for page in reader.pages]
    flat = [" ".join(t.split()) for t in text]
    assert text[0].startswith(NAME + "\n"), "the office's name heads the cover"
    assert COVER_CONTACT in flat[0] and LAST_CONTACT in flat[-1]
    assert sum(CONTACT_TEXT in t for t in flat) == 2
    for number, page in enumerate(text[1:], start=2):
        assert page.splitlines()[-2].startswith(NAME), f"page {number}: {page.splitlines()[-2]}"
    links = [a.get_object().get("/A", {}).get("/URI") for a in reader.pages[0].get("/Annots", [])]
    assert f"mailto:{CONTACT['email']}" in links and CONTACT["url"] in links


def test_the_workbook_draws_the_checked_logo_on_its_cover():
    kit = Toolkit.load(project=load_project(PROJECT / "guidebook.yml", ROOT))
    html = kit.workbook.html(prepare(PROFILES / "jordan-rivera.yaml", kit, as_of=AS_OF))
    logo = (PROJECT / "images/lakeside.svg").resolve().as_uri()
    cover = html.split('<section class="cover">', 1)[1].split("</section>", 1)[0]
    assert f'<img class="cover__logo" src="{logo}" alt="Logo of {NAME}">' in cover  # PDF/UA: every figure has a text
    assert f'<p class="cover__office">{NAME}</p>' in cover


def test_nothing_else_changes_in_the_workbook(built):
    plain, branded = pdf(built["jordan"]), pdf(built["jordan-brand"])
    assert len(plain.pages) <= len(branded.pages) <= len(plain.pages) + 1  # the contact may need one more page
    # The same outline, on the same pages, but for what the contact block pushes from the last page to the next.
    before, after = outline_of(plain), outline_of(branded)
    assert [entry[:2] for entry in after] == [entry[:2] for entry in before]
    last = len(plain.pages)
    assert all(b == a or (a == last and b == last + 1) for (_, _, a), (_, _, b) in zip(before, after)), (before, after)
    assert set(branded.get_fields()) == set(plain.get_fields())
    text = body_text(branded)
    assert text.count(COVER_CONTACT) == 1 and text.count(LAST_CONTACT) == 1
    assert text.startswith(NAME + " "), "the office's name heads the cover"
    text = " ".join(text.removeprefix(NAME + " ").replace(COVER_CONTACT, " ").replace(LAST_CONTACT, " ").split())
    assert text == body_text(plain)


# --- in the browser ----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_on_the_branded_site(built, chromium, scheme):
    if not CHROMIUM.exists():
        pytest.skip("needs Chromium")
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    failures = []
    for edition in ("jordan-brand", "public-brand"):
        site = built[edition]
        for viewport in (DESKTOP, PHONE):
            context = chromium.new_context(viewport=viewport, color_scheme=scheme)
            try:
                page = context.new_page()
                for name in ("index.html", "match-week.html", "sources.html"):
                    page.goto((site / name).as_uri(), wait_until="load")
                    result = axe.run(page)
                    if result.violations_count:
                        failures.append(f"{edition}/{name} at {viewport['width']}px, {scheme}: {result.generate_report()}")
                    wide = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
                    if wide:
                        failures.append(f"{edition}/{name} at {viewport['width']}px scrolls sideways")
            finally:
                context.close()
    assert not failures, "\n".join(failures)
