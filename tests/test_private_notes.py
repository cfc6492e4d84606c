"""The advisor's own note (`advisor_private_note`) and the cohort page's brand.

The note is written on the cohort page (escaped) and in cohort.csv, and nowhere else: every file of a
student's build (site, search index, workbook, with the workbook's text and form fields decoded), of
a batch, of the public edition and of the browser build is scanned for it. No form or interview
asks it."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import BASE, ROOT
from generator.advice.strict import with_changes
from generator.commands.cli import main
from generator.loading.questions import load_questions

TOKEN = "QZPRIVNOTE7731"
"""A word that appears nowhere else: each output is searched for it."""

NOTE = f'Talk to the dean <b>"before"</b> & after {TOKEN}\'s\nsecond line'
ESCAPED = f"Talk to the dean &lt;b&gt;&#34;before&#34;&lt;/b&gt; &amp; after {TOKEN}&#39;s\nsecond line"

LOGO = ROOT / "tests" / "projects" / "office" / "images" / "lakeside.svg"
BRAND_NAME = "Lakeside <Advising> & Co"
PROJECT = f"""\
brand:
  name: "{BRAND_NAME}"
  logo: lakeside.svg
  color: "#1d5c8c"
  contact:
    name: Dr. Ana Ortiz
    email: advising@lakeside.edu
    phone: "+1 555 010 2030"
    url: https://lakeside.edu/advising?a=1&b=2
    hours: Monday to Friday
"""


@pytest.fixture
def office(tmp_path) -> Path:
    """A project folder with a brand and its logo, and one student's profile with a private note."""
    folder = tmp_path / "office"
    (folder / "profiles").mkdir(parents=True)
    (folder / "guidebook.yml").write_text(PROJECT, encoding="utf-8")
    shutil.copy(LOGO, folder / "lakeside.svg")
    profile = with_changes(BASE, {"name": "Robin Private", "id": "robin-private", "advisor_private_note": NOTE})
    (folder / "profiles" / "robin-private.yaml").write_text(yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
    return folder


def texts_of(path: Path) -> list[str]:
    """What a file holds, as text: its raw bytes decoded, and for a PDF its pages' text, form fields and metadata."""
    raw = path.read_bytes()
    found = [raw.decode("latin-1")]
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(path)
        found += [page.extract_text() or "" for page in reader.pages]
        found.append(repr(reader.get_fields() or {}))
        found.append(repr(dict(reader.metadata or {})))
    return found


def holding_token(folder: Path) -> set[str]:
    """The files under FOLDER (relative paths) that hold the token anywhere."""
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and any(TOKEN in text for text in texts_of(path))
    }


def invoke(runner, *args):
    result = runner.invoke(main, [*map(str, args)])
    assert result.exit_code == 0, result.output
    return result


def test_the_note_is_on_the_cohort_page_and_in_the_csv_only(runner, office, monkeypatch):
    monkeypatch.chdir(office)
    profile = office / "profiles" / "robin-private.yaml"
    invoke(runner, "build", profile, "-o", "single")
    assert (office / "single" / "robin-private" / "workbook.pdf").is_file()
    assert holding_token(office / "single") == set()

    invoke(runner, "batch", "profiles", "-o", "cohort", "-j", "1")
    assert (office / "cohort" / "robin-private" / "workbook.pdf").is_file()
    assert holding_token(office / "cohort") == {"cohort.html", "cohort.csv"}

    page = (office / "cohort" / "cohort.html").read_text(encoding="utf-8")
    assert ESCAPED in page and "<b>" not in page
    with (office / "cohort" / "cohort.csv").open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["advisor_private_note"] == NOTE

    invoke(runner, "generic", "-o", "public")
    assert (office / "public" / "workbook.pdf").is_file()
    assert holding_token(office / "public") == set()

    diagnosis = invoke(runner, "diagnose", profile, "--json").output + invoke(runner, "diagnose", profile).output
    assert TOKEN not in diagnosis


def test_the_cohort_page_carries_the_brand(runner, office, monkeypatch):
    monkeypatch.chdir(office)
    (office / "profiles" / "plain.yaml").write_text(yaml.safe_dump(with_changes(BASE, {"name": "Sam Plain", "id": "sam-plain"})))
    invoke(runner, "batch", "profiles", "-o", "cohort", "--no-pdf", "-j", "1")
    page = (office / "cohort" / "cohort.html").read_text(encoding="utf-8")
    assert "Lakeside &lt;Advising&gt; &amp; Co" in page and BRAND_NAME not in page
    assert '<img src="assets/brand/logo.svg"' in page
    assert (office / "cohort" / "assets" / "brand" / "logo.svg").read_bytes() == LOGO.read_bytes()
    assert 'href="mailto:advising@lakeside.edu"' in page and "Dr. Ana Ortiz" in page and "Monday to Friday" in page
    assert 'href="https://lakeside.edu/advising?a=1&amp;b=2"' in page and "+1 555 010 2030" in page
    assert "--accent: #1d5c8c" in page
    assert page.count(TOKEN) == 1  # one note; the student without one has no note line
    assert page.count("not in their guide:") == 1

    # Merging carries the notes and the brand to the merged page.
    invoke(runner, "cohort", "cohort", "-o", "merged")
    merged = (office / "merged" / "cohort.html").read_text(encoding="utf-8")
    assert ESCAPED in merged and "Lakeside &lt;Advising&gt; &amp; Co" in merged
    assert (office / "merged" / "assets" / "brand" / "logo.svg").read_bytes() == LOGO.read_bytes()


def test_a_cohort_table_from_before_the_note_still_merges(runner, office, monkeypatch):
    monkeypatch.chdir(office)
    invoke(runner, "batch", "profiles", "-o", "cohort", "--no-pdf", "-j", "1")
    table = office / "cohort" / "cohort.csv"
    with table.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    old = [c for c in rows[0] if c != "advisor_private_note"]
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=old, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = invoke(runner, "cohort", "cohort", "-o", "merged")
    assert "Merged 1 students" in result.output
    with (office / "merged" / "cohort.csv").open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["advisor_private_note"] == "" and row["id"] == "robin-private"

    table.write_text("id,name\nx,y\n", encoding="utf-8")
    result = runner.invoke(main, ["cohort", "cohort", "-o", "merged"])
    assert result.exit_code != 0 and "not a cohort table" in result.output and "Traceback" not in result.output


def test_no_form_or_interview_asks_for_the_note(kit, runner, tmp_path):
    from test_new import US_MD, script

    questionnaire = load_questions(kit.resources, kit.data)
    assert questionnaire.advisor_only == ("advisor_private_note",)
    assert "advisor_private_note" not in json.dumps(questionnaire.to_json())
    assert "advisor_private_note" not in {q.field for q in questionnaire}

    out = tmp_path / "jordan.yaml"
    result = runner.invoke(main, ["new", str(out)], input="".join(f"{line}\n" for line in script(questionnaire, US_MD)))
    assert result.exit_code == 0, result.output
    assert "private" not in result.output.lower()
    assert "advisor_private_note" not in out.read_text(encoding="utf-8")


def test_the_browser_build_holds_no_note(browser_build_files):
    """The browser build carries package code and content, never a profile: the zips' members are read too."""
    import io
    import zipfile

    holding = []
    for name, body in browser_build_files.items():
        if TOKEN.encode() in body:
            holding.append(name)
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                holding += [f"{name}/{m}" for m in archive.namelist() if TOKEN.encode() in archive.read(m)]
    assert holding == []


def test_the_note_has_the_length_limit_of_advisor_note(runner, write_profile):
    path = write_profile({"advisor_private_note": "x" * 4001})
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and "advisor_private_note: the text is 4001 characters long, over the limit of 4000" in result.output
    assert "Traceback" not in result.output
