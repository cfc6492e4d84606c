"""The public edition (`guidebook generic`), `--strict` builds and the Pages workflow."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
import yaml

from generator.commands.build import Toolkit, build_generic
from generator.commands.cli import main
from generator.errors import StrictError

from conftest import AS_OF, EXAMPLES, ROOT

SITE_URL = "https://example.github.io/match-pivot/"


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("public") / "site"
    result = CliRunner().invoke(main, ["generic", "-o", str(out), "--site-url", SITE_URL.rstrip("/"), "--strict"])
    assert result.exit_code == 0, result.output
    return out


def pages_of(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.html"))


def test_every_section_a_start_page_search_and_the_files_hosts_read(public, kit):
    names = {p.name for p in public.iterdir()}
    for section in kit.library.sections:
        assert f"{section.id}.html" in names, section.id
    assert {"index.html", "sources.html", "search.html", "404.html", ".nojekyll", "robots.txt", "sitemap.xml", "workbook.pdf"} <= names
    home = (public / "index.html").read_text()
    assert "Start here" in home and "place-yourself.html" in home
    assert (public / "assets" / "search-index.js").is_file() and (public / "assets" / "search.js").is_file()


def test_sitemap_and_robots_use_the_site_url(public):
    sitemap = (public / "sitemap.xml").read_text()
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    pages = [p.name for p in pages_of(public) if p.name not in ("404.html", "search.html")]
    assert sorted(locations) == sorted(SITE_URL + ("" if p == "index.html" else p) for p in pages)
    assert f"Sitemap: {SITE_URL}sitemap.xml" in (public / "robots.txt").read_text()
    assert f'<base href="{SITE_URL}">' in (public / "404.html").read_text()


def test_without_a_site_url_there_is_no_sitemap(tmp_path, kit):
    folder = build_generic(tmp_path / "site", kit, pdf=False, as_of=AS_OF)
    assert not (folder / "sitemap.xml").exists()
    assert "Sitemap" not in (folder / "robots.txt").read_text()
    assert "<base" not in (folder / "404.html").read_text()
    assert "workbook.pdf" not in (folder / "index.html").read_text()  # no PDF, no link to one


def test_public_pages_may_be_indexed_and_personal_ones_may_not(public, tmp_path, kit):
    from generator.commands.build import build

    for page in pages_of(public):
        assert "noindex" not in page.read_text(), page.name
    personal = build(EXAMPLES[0], tmp_path, kit, pdf=False, as_of=AS_OF)
    for page in personal.folder.glob("*.html"):
        assert '<meta name="robots" content="noindex, nofollow">' in page.read_text(), page.name


def test_every_internal_link_is_relative(public):
    for page in pages_of(public):
        for link in re.findall(r'(?:href|src)="([^"]+)"', page.read_text()):
            if page.name == "404.html" and link == SITE_URL:
                continue
            assert not link.startswith("/"), (page.name, link)
            assert not re.match(r"^[a-z]+:", link) or link.startswith(("https://", "http://", "mailto:")), (page.name, link)
            assert not link.startswith(("https://", "http://")) or page.name != "index.html", (page.name, link)


def test_the_public_edition_reads_no_profile(tmp_path, kit, monkeypatch):
    import generator.loading.validate
    import generator.loading.yamlfile

    def refuse(*args, **kwargs):
        raise AssertionError("the public edition read a profile")

    monkeypatch.setattr(generator.loading.validate, "load_profile", refuse)
    monkeypatch.setattr(generator.loading.validate, "read_yaml", refuse)
    folder = build_generic(tmp_path / "site", kit, pdf=False, as_of=AS_OF)
    assert (folder / "index.html").is_file()


def _free_text(value, found):
    """The profile's own words: names, ids and notes (coded values such as specialty keys are shared vocabulary)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("name", "id", "advisor_note") and isinstance(item, str):
                found.add(item.strip())
                found.update(s.strip() for s in re.split(r"(?<=[.!?])\s+|\n", item) if len(s.strip()) > 12)
            else:
                _free_text(item, found)
    return found


def test_no_value_of_any_example_profile_reaches_the_public_edition(public):
    values: set[str] = set()
    for path in EXAMPLES:
        data = yaml.safe_load(path.read_text())
        _free_text(data, values)
        values.add(path.stem)
        first = data["name"].split()[0]
        values.add(f"{first},")  # an address to the reader, as a note would start
    texts = {p.relative_to(public).as_posix(): p.read_text() for p in public.rglob("*") if p.suffix in (".html", ".js", ".txt", ".xml")}
    reader = pypdf.PdfReader(io.BytesIO((public / "workbook.pdf").read_bytes()))
    texts["workbook.pdf"] = "\n".join(page.extract_text() for page in reader.pages)
    assert len(values) > 20
    for where, text in texts.items():
        for value in values:
            assert value not in text, f"{value!r} from an example profile is in {where}"
    assert "you: " not in texts["decision.html"]  # no reader's score on the chart


def test_search_index_holds_every_section(public, kit):
    index = (public / "assets" / "search-index.js").read_text()
    for section in kit.library.sections:
        assert f'"page":"{section.id}.html"' in index, section.id


# -- strict builds ---------------------------------------------------------------------------------


def _kit_with(tmp_path: Path, change) -> Toolkit:
    from generator.loading.content import load_library
    from generator.templating import content_environment

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    change(content)
    base = Toolkit.load()
    library = load_library(content, content_environment(base.data.keeps, base.data.catalog))
    return Toolkit(base.resources, base.data, library, base.md, base.pages)


def test_strict_fails_on_a_link_to_nowhere(tmp_path):
    def add_link(content: Path):
        path = next((content / "sections").glob("12-*.md"))
        path.write_text(path.read_text() + "\nSee [the old page](old-page.html) and [a missing part](strategy.html#no-such-part).\n")

    kit = _kit_with(tmp_path, add_link)
    with pytest.raises(StrictError) as caught:
        build_generic(tmp_path / "site", kit, pdf=False, strict=True, as_of=AS_OF)
    message = caught.value.message
    assert "plan.html: link to 'old-page.html', which is not in the site" in message
    assert "plan.html: link to 'strategy.html#no-such-part', but strategy.html has no anchor 'no-such-part'" in message
    assert not (tmp_path / "site").exists()  # nothing written
    build_generic(tmp_path / "site", kit, pdf=False, as_of=AS_OF)  # without --strict it builds


def test_strict_fails_on_content_no_profile_can_reach(tmp_path):
    def add_variant(content: Path):
        (content / "examples" / "why-stay" / "never.md").write_text(
            "---\nwhen: \"p.name == 'nobody' and dx.decision == 'nothing'\"\npriority: 1\n---\nText no one reads.\n"
        )

    kit = _kit_with(tmp_path, add_variant)
    with pytest.raises(StrictError) as caught:
        build_generic(tmp_path / "site", kit, pdf=False, strict=True, as_of=AS_OF)
    assert "never.md: no generated reader gets this 'why-stay' variant" in caught.value.message


def test_strict_passes_on_the_guide_as_it_is(runner, tmp_path):
    result = runner.invoke(main, ["build", "--no-pdf", "--strict", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output


# -- publishing -------------------------------------------------------------------------------------


WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"


def test_every_workflow_passes_actionlint():
    beside = Path(sys.executable).parent / "actionlint"  # the virtual environment's scripts, on PATH or not
    actionlint = str(beside) if beside.is_file() else shutil.which("actionlint")
    assert actionlint, "actionlint is installed by the test extra"
    flows = sorted(WORKFLOW.parent.glob("*.yml"))
    assert [f.name for f in flows] == ["audit.yml", "pages.yml"]
    result = subprocess.run([actionlint, *map(str, flows)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_workflow_builds_the_public_edition_with_the_official_actions():
    flow = yaml.safe_load(WORKFLOW.read_text())
    steps = [step for job in flow["jobs"].values() for step in job["steps"]]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    for action in ("actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"):
        assert action in uses
    build = next(step for step in steps if "guidebook generic" in step.get("run", ""))
    assert "steps.pages.outputs.base_url" in str(build.get("env", {})) and "--site-url" in build["run"]
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_pages_workflow_rebuilds_every_week_so_the_dates_stay_current():
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow[True] if True in flow else flow["on"]  # PyYAML reads the key `on` as true
    assert [entry["cron"].split()[2:] for entry in triggers["schedule"]] == [["*", "*", "1"]]
    build = next(step for job in flow["jobs"].values() for step in job["steps"] if "guidebook generic" in step.get("run", ""))
    assert '--as-of "$(date -u +%F)"' in build["run"]


def test_the_public_edition_shows_the_coming_cycles_dates_from_its_build_date(kit, tmp_path):
    folder = build_generic(tmp_path / "site", kit, pdf=False, as_of=dt.date(2026, 11, 29))
    plan = (folder / "plan.html").read_text()
    # On 29 November 2026 the 2027 season's applications are already with programs: the next on-time
    # Match is 2028, with applications from 1 September 2027 (an estimate).
    assert "runs to Match Week of the 2028 Match" in plan
    assert "1 September 2027" in plan and "estimate" in plan
    assert "The 2029 Match" in plan
    earlier = build_generic(tmp_path / "site2", kit, pdf=False, as_of=dt.date(2026, 4, 1))
    assert "runs to Match Week of the 2027 Match" in (earlier / "plan.html").read_text()
