"""Building guides: what a reader gets on the site and in the workbook."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag

import pypdf
import pytest

from conftest import AS_OF, PROFILES
from generator.commands.build import build
from generator.commands.cli import main


@pytest.fixture(scope="module")
def jordan(tmp_path_factory, kit):
    """The bundled example, built once through the command line as a newcomer runs it."""
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(main, ["build", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out / "jordan-rivera"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])
        if attrs.get("id"):
            self.ids.add(attrs["id"])

    def handle_data(self, data):
        self.text.append(data)


OWN_SCRIPTS = {"assets/answers.js", "assets/search.js", "assets/search-index.js"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.seen: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, attrs))


def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def text_of(path: Path) -> str:
    return " ".join(" ".join(parse(path).text).split())


def test_build_without_a_profile_builds_the_example(jordan):
    assert (jordan / "index.html").is_file()
    assert (jordan / "workbook.pdf").is_file()
    assert (jordan / "assets" / "style.css").is_file()


def test_home_page_shows_the_personal_diagnosis(jordan):
    home = text_of(jordan / "index.html")
    assert "Jordan Rivera" in home
    assert "Make Internal Medicine your real goal" in home
    assert "Aim at the 2027 Match , applying to 60 to 100 programs" in home
    assert "Prepared on 1 April 2026" in home
    assert "Step 2 CK 238 is 19 points below the 257 mean of US MD seniors who matched in Dermatology (NRMP 2024, unverified)" in home
    assert "Mainly red flags and metrics" in home
    assert "Jordan, we went through the autopsy together" in home  # the advisor's note
    assert "Left out because your diagnosis does not call for them: Try again or change course" in home or "Left out" in home


def test_one_page_per_selected_section_and_none_for_the_others(jordan, kit):
    from generator.commands.build import prepare

    guide = prepare(PROFILES / "jordan-rivera.yaml", kit, as_of=AS_OF)
    chosen = {s.id for s in guide.sections}
    for source in kit.library.sections:
        assert (jordan / f"{source.id}.html").exists() is (source.id in chosen)
    assert "reattempt" not in chosen and "metrics" in chosen


def test_every_internal_link_and_anchor_resolves(jordan):
    pages = sorted(jordan.glob("*.html"))
    ids = {p.name: parse(p).ids for p in pages}
    for page in pages:
        for link in parse(page).links:
            if re.match(r"[a-z]+:", link):
                pytest.fail(f"{page.name} links outside the site: {link}")
            target, anchor = urldefrag(link)
            target_path = (page.parent / target) if target else page
            assert target_path.exists(), f"{page.name}: broken link {link}"
            if anchor and target_path.suffix == ".html":
                assert anchor in ids[target_path.name], f"{page.name}: missing anchor {link}"


def test_previous_and_next_walk_the_whole_guide(jordan):
    seen = []
    page = "index.html"
    while page:
        seen.append(page)
        nxt = re.search(r'<a class="pager__next" href="([^"]+)"', (jordan / page).read_text())
        page = nxt.group(1) if nxt else None
    assert seen[0] == "index.html" and seen[-1] == "sources.html"
    assert set(seen) == {p.name for p in jordan.glob("*.html")}


def test_sections_say_why_they_are_there(jordan):
    assert "Why this is in your guide:" in text_of(jordan / "metrics.html")


def test_personal_pages_are_not_indexed(jordan):
    for page in jordan.glob("*.html"):
        assert '<meta name="robots" content="noindex, nofollow">' in page.read_text()


def test_worksheets_come_prefilled_from_the_profile(jordan):
    html = (jordan / "first-days.html").read_text()
    assert 'name="autopsy.programs_applied" id="autopsy.programs_applied" value="45"' in html
    assert 'name="autopsy.step2_ck" id="autopsy.step2_ck" value="238"' in html
    assert 'name="autopsy.rank_feedback" id="autopsy.rank_feedback" rows="3"></textarea>' in html


def test_one_changed_field_changes_the_guide(kit, write_profile, tmp_path):
    """Jordan with Step 2 CK 250 instead of 238: no longer a long shot, so a reattempt guide."""
    original = (PROFILES / "jordan-rivera.yaml").read_text()
    changed = original.replace("step2_ck: 238", "step2_ck: 250")
    assert changed != original
    out = tmp_path / "out"
    a = build(write_profile(original, name="jordan-a.yaml"), out, kit, pdf=False, as_of=AS_OF)
    b = build(write_profile(changed, name="jordan-b.yaml"), out, kit, pdf=False, as_of=AS_OF)
    assert (a.diagnosis.decision, b.diagnosis.decision) == ("pivot", "reattempt")

    # sections: the metrics deep-dive goes, the reattempt plan comes
    assert (a.folder / "metrics.html").exists() and not (b.folder / "metrics.html").exists()
    assert (b.folder / "reattempt.html").exists() and not (a.folder / "reattempt.html").exists()

    # example text: the statement framing follows the decision
    statement_a = text_of(a.folder / "rebuild-application.html")
    statement_b = text_of(b.folder / "rebuild-application.html")
    assert "I came to internal medicine through dermatology" in statement_a
    assert "This is my second application to Dermatology" in statement_b
    assert "This is my second application" not in statement_a
    assert "Make Dermatology" not in text_of(b.folder / "index.html")
    assert "Aim again at Dermatology" in text_of(b.folder / "index.html")


def test_interview_answer_follows_the_primary_bucket(kit, write_profile, tmp_path):
    from generator.commands.build import prepare

    strategy = prepare(write_profile({"application.program_list": "narrow"}), kit, as_of=AS_OF)
    metrics = prepare(write_profile({"scores.step2_ck": 230, "preferences.open_to": []}), kit, as_of=AS_OF)
    pick = lambda guide: next(s.examples["interview-last-match"] for s in guide.sections if "interview-last-match" in s.examples)
    assert pick(strategy) == "strategy-reattempt"
    assert pick(metrics) == "metrics-pivot"


def test_profile_text_is_escaped_everywhere(kit, write_profile, tmp_path):
    hostile = {
        "name": "<script>alert(1)</script> *Jo* [x](javascript:alert(1))",
        "advisor_note": "<img src=x onerror=alert(1)> ![p](file:///etc/passwd) [link](javascript:alert(2))",
    }
    built = build(write_profile(hostile, name="hostile.yaml"), tmp_path / "out", kit, as_of=AS_OF)
    for page in built.folder.glob("*.html"):
        tags = _Tags()
        tags.feed(page.read_text())
        assert not {"img", "iframe", "object"} & {t for t, _ in tags.seen}, page.name
        # The only scripts are the site's own files, never inline code.
        scripts = [dict(attrs) for t, attrs in tags.seen if t == "script"]
        assert all(a.get("src") in OWN_SCRIPTS for a in scripts), (page.name, scripts)
        for tag, attrs in tags.seen:
            assert not any(name.startswith("on") for name, _ in attrs), (page.name, tag, attrs)
            for name, value in attrs:
                if name in ("href", "src"):
                    assert not re.match(r"\s*(javascript|file|data):", value or "", re.I), (page.name, value)
    home = (built.folder / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; *Jo* [x](javascript:alert(1))" in home
    pdf = pypdf.PdfReader(built.folder / "workbook.pdf")
    assert "<script>alert(1)</script> *Jo*" in pdf.pages[0].extract_text().replace("\n", "")
    # No action in the PDF runs or opens anything the profile named: no JavaScript, no launch, and
    # every link is one of the guide's own (http, https or mailto to the cited sources).
    links = [a.get_object() for page in pdf.pages for a in page.get("/Annots", []) or [] if a.get_object()["/Subtype"] == "/Link"]
    assert links and all("/Dest" in link or "/A" in link for link in links)
    actions = [link["/A"].get_object() for link in links if "/A" in link]
    assert all(a["/S"] in ("/URI", "/GoTo") for a in actions)
    assert all(re.match(r"(https?|mailto):", str(a["/URI"])) for a in actions if a["/S"] == "/URI")
    assert "/OpenAction" not in pdf.trailer["/Root"] and "/AA" not in pdf.trailer["/Root"]
    assert "/JavaScript" not in pdf.trailer["/Root"].get("/Names", {})
    # Nothing of the file the note's image pointed at was read into either output.
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    everything = "".join(page.extract_text() for page in pdf.pages) + "".join(p.read_text() for p in built.folder.rglob("*.html"))
    assert passwd not in everything and "root:x:0:0" not in everything
    assert b"root:x:" not in (built.folder / "workbook.pdf").read_bytes()


def test_rebuilding_replaces_the_folder_whole(kit, write_profile, tmp_path):
    out = tmp_path / "out"
    path = write_profile({}, name="same.yaml")
    first = build(path, out, kit, pdf=False, as_of=AS_OF)
    (first.folder / "stale.html").write_text("old")
    second = build(path, out, kit, pdf=False, as_of=AS_OF)
    assert not (second.folder / "stale.html").exists()
    assert sorted(p.name for p in out.iterdir()) == ["same"]  # no staging or retired folders left


def test_an_id_cannot_leave_the_output_folder(kit, tmp_path):
    from generator.commands.build import write_folder
    from generator.errors import BuildError

    with pytest.raises(BuildError):
        write_folder(tmp_path, "../escape", {"index.html": b"x"})
    assert not (tmp_path.parent / "escape").exists()


def test_every_example_builds(kit, tmp_path):
    for path in sorted(PROFILES.glob("*.yaml")):
        built = build(path, tmp_path, kit, pdf=False, as_of=AS_OF)
        assert (built.folder / "index.html").exists()


def test_one_students_data_stays_in_their_folder(kit, tmp_path):
    a = build(PROFILES / "jordan-rivera.yaml", tmp_path, kit, pdf=False, as_of=AS_OF)
    b = build(PROFILES / "sam-okafor.yaml", tmp_path, kit, pdf=False, as_of=AS_OF)
    for page in b.folder.rglob("*.html"):
        assert "Jordan" not in page.read_text()
    for page in a.folder.rglob("*.html"):
        assert "Okafor" not in page.read_text()
