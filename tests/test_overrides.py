"""An office's overrides/ folder: files replaced and added by path, data extended, and every way one can be wrong.

The fixture, tests/projects/overrides-basic/, replaces one page template (site/404.html) and one
section (15-wellbeing.md), adds a section (18-advising-office.md) and a site asset, and extends the
data with the office's own figures (facts.yaml) and deadlines (calendar.yaml). Each error test copies
it, makes one mistake, and checks what the user sees: exit status 2, a `file:line:column` message,
no traceback, and no output folder.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.commands.cli import main

FIXTURE = Path(__file__).resolve().parent / "projects" / "overrides-basic"
PACKAGE = Path(__file__).resolve().parent.parent


@pytest.fixture
def office(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the fixture project, and the working folder, so that messages name `overrides/...`."""
    folder = tmp_path / "office"
    shutil.copytree(FIXTURE, folder)
    monkeypatch.chdir(folder)
    return folder


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def generic(runner, office: Path, *more: str):
    return runner.invoke(main, ["generic", "--no-pdf", "-o", str(office / "out" / "public"), "--config", "guidebook.yml", *more])


def refused(runner, office: Path, command: str = "generic") -> str:
    """Build with the office's project; check that it failed as an input error should, and return its message."""
    if command == "generic":
        result = generic(runner, office)
    else:
        result = runner.invoke(main, ["build", "--no-pdf", "-o", str(office / "out"), "--config", "guidebook.yml"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not (office / "out").exists()
    assert "nothing was written" in result.output
    return result.output


def nav(html: str) -> list[str]:
    """The section pages in the order the site's navigation lists them."""
    block = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert block, "no navigation"
    return list(dict.fromkeys(re.findall(r'href="([a-z0-9-]+)\.html"', block.group(0))))


# -- what the user sees -----------------------------------------------------------------------------


def test_overrides_show_in_the_built_guide(runner, office):
    result = generic(runner, office)
    assert result.exit_code == 0, result.output
    site = office / "out" / "public"

    # The replaced page template and section; the package's text is gone.
    assert "Lakeside moved this page." in (site / "404.html").read_text()
    wellbeing = (site / "wellbeing.html").read_text()
    assert "Lakeside students reach the counselling service on the same day" in wellbeing
    assert "phone stays away" not in wellbeing

    # The new section has its page, and its place in the navigation is its number's: after 17-today.
    page = (site / "advising-office.html").read_text()
    assert "The office has 7 advisors" in page
    order = nav(page)
    assert order.index("advising-office") == order.index("today") + 1
    assert order.index("wellbeing") == order.index("interview") + 1  # a replaced section keeps its place

    # The school's deadline is on the calendar of the plan, citing its source, and the sources page
    # lists the office's calendar source and its figures' source with their year.
    plan = (site / "plan.html").read_text()
    assert "Reapplication packet due at the Office of Student Affairs" in plan
    assert "15 July 2026" in plan and "Lakeside OSA 2026" in plan
    sources = (site / "sources.html").read_text()
    assert "Lakeside OSA 2026</strong>: Lakeside School of Medicine, Office of Student Affairs" in sources
    assert "Lakeside Office of Student Affairs, advising staff list (2026)" in sources

    # An added asset is copied beside the package's.
    assert (site / "assets" / "lakeside-note.txt").is_file()
    assert (site / "assets" / "style.css").is_file()


def test_a_personal_guide_gets_the_overrides(runner, office):
    result = runner.invoke(main, ["build", "--no-pdf", "-o", str(office / "out"), "--config", "guidebook.yml"])
    assert result.exit_code == 0, result.output
    guide = next(p for p in (office / "out").iterdir() if p.is_dir())
    assert "The office has 7 advisors" in (guide / "advising-office.html").read_text()
    assert "Lakeside students reach the counselling service" in (guide / "wellbeing.html").read_text()


@pytest.mark.parametrize("page", ["plan.html", "advising-office.html"])
def test_a_deadline_already_past_is_left_off(runner, office, page):
    # The plan and the office's own section (through calendar.upcoming) list a deadline up to its day.
    for as_of, shown in (("2026-07-14", True), ("2026-07-15", True), ("2026-07-16", False)):
        result = generic(runner, office, "--as-of", as_of)
        assert result.exit_code == 0, result.output
        assert ("Reapplication packet" in (office / "out" / "public" / page).read_text()) is shown, as_of


def test_without_overrides_the_guide_has_no_office_deadlines(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["generic", "--no-pdf", "-o", "public"])
    assert result.exit_code == 0, result.output
    assert "own deadlines" not in (tmp_path / "public" / "plan.html").read_text()
    assert not (tmp_path / "public" / "advising-office.html").exists()


# -- paths --------------------------------------------------------------------------------------------


def test_a_misspelt_folder_replaces_nothing(runner, office):
    (office / "overrides/content/sections").rename(office / "overrides/content/sectons")
    out = refused(runner, office)
    assert ("overrides/content/sectons/15-wellbeing.md:1:1: replaces nothing: the package has no file "
            "content/sectons/15-wellbeing.md") in out
    assert "did you mean 'content/sections/15-wellbeing.md'?" in out


def test_a_misspelt_template_replaces_nothing(runner, office):
    (office / "overrides/templates/site/404.html").rename(office / "overrides/templates/site/40.html")
    out = refused(runner, office)
    assert "overrides/templates/site/40.html:1:1: replaces nothing" in out
    assert "did you mean 'templates/site/404.html'?" in out


def test_a_file_outside_content_and_templates_replaces_nothing(runner, office):
    write(office / "overrides/README.md", "notes\n")
    assert "overrides/README.md:1:1: replaces nothing" in refused(runner, office)


def test_a_hidden_file_is_ignored(runner, office):
    write(office / "overrides/content/.DS_Store", "")
    assert generic(runner, office).exit_code == 0


def test_a_section_without_a_number_replaces_nothing(runner, office):
    (office / "overrides/content/sections/18-advising-office.md").rename(office / "overrides/content/sections/advising-office.md")
    out = refused(runner, office)
    assert "overrides/content/sections/advising-office.md:1:1: replaces nothing" in out
    assert "a new section is named NN-name.md" in out


@pytest.mark.parametrize("name, taken", [("17-advising-office.md", "17-today.md"), ("00-advising-office.md", "00-match-week.md and 00-place-yourself.md")])
def test_a_section_number_already_taken(runner, office, name, taken):
    (office / "overrides/content/sections/18-advising-office.md").rename(office / "overrides/content/sections" / name)
    out = refused(runner, office)
    assert f"overrides/content/sections/{name}:1:1: section number {name[:2]} is already taken by the package's {taken}" in out


def test_two_override_folders_cannot_add_the_same_number(runner, office):
    base = office / "base"
    write(base / "base.yml", "brand:\n  name: Lakeside Health\n")
    write(base / "overrides/content/sections/18-system-office.md",
          (office / "overrides/content/sections/18-advising-office.md").read_text().replace("Your advising office", "System office"))
    write(office / "guidebook.yml", "extends: base/base.yml\nbrand:\n  name: Lakeside Test Office\n")
    out = refused(runner, office)
    assert "base/overrides/content/sections/18-system-office.md:1:1: section number 18 is already taken by " \
           "overrides/content/sections/18-advising-office.md" in out


def test_a_nearer_override_replaces_a_farther_one(runner, office):
    base = office / "base"
    write(base / "base.yml", "brand:\n  name: Lakeside Health\n")
    write(base / "overrides/content/sections/18-advising-office.md",
          (office / "overrides/content/sections/18-advising-office.md").read_text().replace("The office has", "The system has"))
    write(office / "guidebook.yml", "extends: base/base.yml\nbrand:\n  name: Lakeside Test Office\n")
    assert generic(runner, office).exit_code == 0
    assert "The office has 7" in (office / "out/public/advising-office.html").read_text()


def test_a_new_section_may_not_take_a_package_section_id(runner, office):
    write(office / "overrides/content/sections/19-metrics.md", "---\ntitle: Ours\nwhen: \"true\"\nwhy: because\n---\nText.\n")
    out = refused(runner, office)
    assert "overrides/content/sections/19-metrics.md:1:1: section id 'metrics' is also used by" in out


def test_a_link_leading_outside_the_overrides_folder(runner, office, tmp_path):
    secret = write(tmp_path / "elsewhere.html", "{% extends 'site/base.html' %}{% block content %}{% endblock %}\n")
    (office / "overrides/templates/site/search.html").symlink_to(secret)
    out = refused(runner, office)
    assert "overrides/templates/site/search.html:1:1: is a symbolic link to" in out
    assert "outside the overrides folder" in out


def test_a_new_example_variant_in_a_package_slot_is_welcome(runner, office):
    write(office / "overrides/content/examples/letters/lakeside.md", "---\nwhen: \"false\"\npriority: 0\n---\nOur letter.\n")
    assert generic(runner, office).exit_code == 0


def test_a_new_slot_no_section_uses_is_a_misspelling(runner, office):
    write(office / "overrides/content/examples/leters/lakeside.md", "---\nwhen: \"true\"\npriority: 0\n---\nOur letter.\n")
    out = refused(runner, office)
    assert "overrides/content/examples/leters/lakeside.md:1:1: no section uses the example slot 'leters'" in out
    assert "did you mean 'letters'?" in out


def test_a_new_worksheet_must_be_listed_by_a_section(runner, office):
    sheet = "title: Our checklist\nintro: Tick each.\nfields:\n  - {id: packet, label: Packet sent, kind: check}\n"
    write(office / "overrides/content/worksheets/lakeside_checklist.yaml", sheet)
    out = refused(runner, office)
    assert "overrides/content/worksheets/lakeside_checklist.yaml:1:1: no section lists the worksheet 'lakeside_checklist'" in out
    section = office / "overrides/content/sections/18-advising-office.md"
    section.write_text(section.read_text().replace("why:", "worksheets: [lakeside_checklist]\nwhy:"))
    assert generic(runner, office).exit_code == 0


# -- content checks apply to the office's files ------------------------------------------------------


def test_front_matter_of_an_office_section_is_checked(runner, office):
    section = office / "overrides/content/sections/18-advising-office.md"
    section.write_text(section.read_text().replace("title: Your advising office\n", "titel: Your advising office\n"))
    out = refused(runner, office)
    assert re.search(r"overrides/content/sections/18-advising-office\.md:\d+:1: front matter: ", out), out


def test_a_condition_of_an_office_section_is_compiled(runner, office):
    section = office / "overrides/content/sections/18-advising-office.md"
    section.write_text(section.read_text().replace('when: "true"', 'when: "generic and"'))
    out = refused(runner, office)
    assert "overrides/content/sections/18-advising-office.md:3:1: the condition 'generic and' is not a valid expression" in out


def test_an_unknown_worksheet_in_an_office_section(runner, office):
    section = office / "overrides/content/sections/15-wellbeing.md"
    section.write_text(section.read_text().replace("[boundaries]", "[boundary]"))
    assert "overrides/content/sections/15-wellbeing.md:1:1: unknown worksheet 'boundary'" in refused(runner, office)


def test_an_unknown_example_slot_in_an_office_section(runner, office):
    section = office / "overrides/content/sections/18-advising-office.md"
    section.write_text(section.read_text() + "\n{{ example('leters') }}\n")
    assert "overrides/content/sections/18-advising-office.md:17:1: unknown example slot 'leters'" in refused(runner, office)


# -- templates ---------------------------------------------------------------------------------------


def test_a_template_missing_a_block(runner, office):
    write(office / "overrides/templates/site/404.html", '{% extends "site/base.html" %}\n<h1>Gone</h1>\n')
    out = refused(runner, office)
    assert "overrides/templates/site/404.html:1:1: does not define the block 'content' that templates/site/404.html defines" in out


def test_a_replaced_base_template_must_keep_every_block(runner, office):
    base = (PACKAGE / "templates/site/base.html").read_text()
    without_nav = re.sub(r"\{% block nav %\}(.*?)\{% endblock %\}", r"\1", base, count=1, flags=re.S)
    write(office / "overrides/templates/site/base.html", without_nav)
    out = refused(runner, office)
    assert "overrides/templates/site/base.html:1:1: does not define the block 'nav'" in out
    assert "does not define the block 'content'" not in out


def test_a_template_with_an_unknown_variable(runner, office):
    page = office / "overrides/templates/site/404.html"
    page.write_text(page.read_text().replace("<h1>Page not found</h1>", "<h1>{{ site_titel }}</h1>"))
    out = refused(runner, office)
    assert "overrides/templates/site/404.html:3:1: uses the variable 'site_titel', which the build does not give" in out
    assert "did you mean 'site_title'?" in out


def test_a_variable_another_template_of_the_folder_uses_is_accepted(runner, office):
    page = office / "overrides/templates/site/404.html"
    page.write_text(page.read_text().replace("<h1>Page not found</h1>", "<h1>{{ site_title }}</h1>"))
    assert generic(runner, office).exit_code == 0
    assert "<h1>" in (office / "out/public/404.html").read_text()


def test_a_template_syntax_error_is_located(runner, office):
    page = office / "overrides/templates/site/404.html"
    page.write_text(page.read_text().replace("{% endblock %}", "{% endblok %}"))
    assert re.search(r"overrides/templates/site/404\.html:\d+:1: template error: ", refused(runner, office))


def test_template_checks_stop_a_personal_build_too(runner, office):
    write(office / "overrides/templates/site/404.html", '{% extends "site/base.html" %}\n')
    assert "does not define the block 'content'" in refused(runner, office, "build")


# -- data --------------------------------------------------------------------------------------------


def test_a_facts_group_we_have_is_never_replaced(runner, office):
    write(office / "overrides/content/data/facts.yaml", "soap:\n  source: Ours\n  year: 2026\n  verified: true\n  rounds: 5\n")
    out = refused(runner, office)
    assert "overrides/content/data/facts.yaml:1:1: soap: the group 'soap' is already in our facts.yaml: an office's file extends it, never replaces" in out


def test_a_local_figure_cites_its_source(runner, office):
    write(office / "overrides/content/data/facts.yaml", "lakeside_advising:\n  year: 2026\n  verified: true\n  advisors: 7\n")
    out = refused(runner, office)
    assert re.search(r"overrides/content/data/facts\.yaml:2:3: lakeside_advising(\.source)?: ", out), out
    assert "source" in out


def test_a_calendar_source_we_have_is_never_replaced(runner, office):
    calendar = office / "overrides/content/data/calendar.yaml"
    calendar.write_text(calendar.read_text().replace("lakeside_osa:", "nrmp_soap:").replace("source: lakeside_osa", "source: nrmp_soap"))
    out = refused(runner, office)
    assert "overrides/content/data/calendar.yaml:3:3: sources.nrmp_soap: the source 'nrmp_soap' is already in our calendar.yaml" in out


def test_the_calendar_pattern_is_never_replaced(runner, office):
    write(office / "overrides/content/data/calendar.yaml", "pattern:\n  soap_rounds: 5\n")
    assert "overrides/content/data/calendar.yaml:1:1: pattern: the calendar's `pattern` is the NRMP's" in refused(runner, office)


def test_a_deadline_cites_a_known_source(runner, office):
    calendar = office / "overrides/content/data/calendar.yaml"
    calendar.write_text(calendar.read_text().replace("source: lakeside_osa", "source: lakeside_oas"))
    out = refused(runner, office)
    assert "overrides/content/data/calendar.yaml:9:13: deadlines[0].source: unknown source 'lakeside_oas'" in out
    assert "did you mean 'lakeside_osa'?" in out


def test_a_deadline_may_cite_one_of_our_sources(runner, office):
    calendar = office / "overrides/content/data/calendar.yaml"
    calendar.write_text(calendar.read_text().replace("source: lakeside_osa", "source: nrmp_soap"))
    assert generic(runner, office).exit_code == 0


def test_a_data_file_that_cannot_be_extended(runner, office):
    write(office / "overrides/content/data/rules.yaml", "source: ours\n")
    assert "overrides/content/data/rules.yaml:1:1: rules.yaml cannot be extended by an office" in refused(runner, office)
    (office / "overrides/content/data/rules.yaml").rename(office / "overrides/content/data/fact.yaml")
    assert "did you mean 'content/data/facts.yaml'?" in refused(runner, office)


# -- the compiled-template cache -----------------------------------------------------------------------


def test_an_edited_override_is_rebuilt_fresh(runner, office, tmp_path, monkeypatch):
    """Jinja's bytecode cache keys by name and source checksum: an edited override is compiled again."""
    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    assert generic(runner, office).exit_code == 0
    assert any((tmp_path / "cache").iterdir())
    site = office / "out" / "public"
    assert "Lakeside moved this page." in (site / "404.html").read_text()
    assert "The office has 7 advisors" in (site / "advising-office.html").read_text()

    page = office / "overrides/templates/site/404.html"
    page.write_text(page.read_text().replace("Lakeside moved this page.", "Lakeside retired this page."))
    section = office / "overrides/content/sections/18-advising-office.md"
    section.write_text(section.read_text().replace("The office has", "Our office has"))
    assert generic(runner, office).exit_code == 0
    assert "Lakeside retired this page." in (site / "404.html").read_text()
    assert "Our office has 7 advisors" in (site / "advising-office.html").read_text()


def test_config_says_what_each_override_does(runner, office):
    result = runner.invoke(main, ["config"])
    assert result.exit_code == 0, result.output
    assert "replaces content/sections/15-wellbeing.md  (overrides/content/sections/15-wellbeing.md)" in result.output
    assert "adds content/sections/18-advising-office.md" in result.output
    assert "extends content/data/calendar.yaml" in result.output
    assert "replaces templates/site/404.html" in result.output
    assert "adds templates/site/assets/lakeside-note.txt" in result.output


def test_config_checks_the_overrides_as_a_build_does(runner, office):
    write(office / "overrides" / "content" / "section" / "19-extra.md", "---\ntitle: x\n---\n")
    result = runner.invoke(main, ["config"])
    assert result.exit_code == 2
    assert "overrides/content/section/19-extra.md" in result.output and "did you mean" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "edit",
    [
        "overrides/content/sections/15-wellbeing.md",  # an override
        "overrides/templates/site/404.html",  # an override template
        "guidebook.yml",  # the project file
        "base.yml",  # the file it extends
    ],
)
def test_a_batch_rebuilds_when_the_project_or_an_override_changes(runner, office, edit):
    # The skip stamps cover the project file, its extends: chain and every file of overrides/.
    write(office / "base.yml", "brand:\n  name: Lakeside Campus System\n")
    project = (office / "guidebook.yml").read_text()
    write(office / "guidebook.yml", "extends: base.yml\n" + project)
    profile = shutil.copy(PACKAGE / "profiles" / "jordan-rivera.yaml", office / "jordan.yaml")
    args = ["batch", str(profile), "-o", str(office / "out"), "--no-pdf", "-j", "1", "--as-of", "2026-11-29"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, args)
    assert "skipped           1" in again.output, again.output
    path = office / edit
    path.write_text(path.read_text() + ("\n# edited\n" if edit.endswith(".yml") else "\n<!-- edited -->\n" if edit.endswith(".html") else "\nEdited.\n"))
    edited = runner.invoke(main, args)
    assert edited.exit_code == 0, edited.output
    assert "built             1" in edited.output, edited.output


def test_a_replaced_workbook_stylesheet_is_used(runner, office):
    # The workbook's closed fetcher reads the office's replaced print.css...
    css = (PACKAGE / "templates" / "workbook" / "print.css").read_text(encoding="utf-8")
    css = css.replace('@bottom-left { content: string(reader);', '@bottom-left { content: "Lakeside edition";', 1)
    write(office / "overrides" / "templates" / "workbook" / "print.css", css)
    result = runner.invoke(main, ["build", "-o", str(office / "out"), "--config", "guidebook.yml"])
    assert result.exit_code == 0, result.output
    import pypdf

    reader = pypdf.PdfReader(office / "out" / "jordan-rivera" / "workbook.pdf")
    assert "Lakeside edition" in reader.pages[3].extract_text()


@pytest.mark.parametrize("src", ["../../../guidebook.yml", "file:///etc/hostname", "https://example.org/logo.png"])
def test_a_replaced_workbook_template_may_load_nothing_outside(runner, office, src):
    # ...and nothing but the workbook templates and the checked logo: an office's template that points
    # elsewhere stops the build, and no guide is written.
    html = (PACKAGE / "templates" / "workbook" / "workbook.html").read_text(encoding="utf-8")
    html = html.replace("<body>", f'<body>\n<img src="{src}" alt="x">', 1)
    write(office / "overrides" / "templates" / "workbook" / "workbook.html", html)
    result = runner.invoke(main, ["build", "-o", str(office / "out"), "--config", "guidebook.yml"])
    assert result.exit_code != 0
    assert "refused to load" in result.output and "Traceback" not in result.output
    assert not (office / "out" / "jordan-rivera").exists()
