"""The printed workbook, read back with pypdf: pages, outline, form fields, metadata, tags, bytes."""

from __future__ import annotations

import datetime as dt

import dataclasses
import io
import re
import shutil
import socket

import pypdf
import pytest

from generator.commands.build import Toolkit, build, prepare, prepare_generic
from generator.errors import BuildError

from conftest import AS_OF, PROFILES, ROOT, outline_of

PAGES = range(40, 81)
"""A workbook has 40 to 80 pages: every section the reader gets, and its worksheets."""

FLAG_MULTILINE = 1 << 12


@pytest.fixture(scope="module")
def jordan(kit, tmp_path_factory):
    built = build(PROFILES / "jordan-rivera.yaml", tmp_path_factory.mktemp("out"), kit, as_of=AS_OF)
    guide = prepare(PROFILES / "jordan-rivera.yaml", kit, as_of=AS_OF)
    return guide, (built.folder / "workbook.pdf").read_bytes()


def reader_of(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def test_page_count_is_in_range_on_letter_and_a4(kit, jordan):
    guide, data = jordan
    letter = reader_of(data)
    assert len(letter.pages) in PAGES
    assert [round(float(v)) for v in letter.pages[0].mediabox[2:]] == [612, 792]
    a4 = reader_of(kit.workbook.render(guide, "a4"))
    assert len(a4.pages) in PAGES
    assert [round(float(v)) for v in a4.pages[0].mediabox[2:]] == [595, 842]


def test_cover_names_the_reader_their_path_and_the_date(jordan):
    guide, data = jordan
    cover = reader_of(data).pages[0].extract_text()
    assert "Jordan Rivera" in cover
    assert "A pivot from Dermatology to Internal Medicine" in cover
    assert cover.count("Internal Medicine") <= 2  # the path is stated once (the first steps may name the field)
    assert "Prepared on 1 April 2026" in cover and guide.date == "2026-04-01"


def test_outline_lists_every_section_and_worksheet_on_its_page(jordan):
    guide, data = jordan
    reader = reader_of(data)
    outline = outline_of(reader)
    top = {title: page for level, title, page in outline if level == 1}
    below = {title: page for level, title, page in outline if level == 2}
    assert "Your diagnosis" in top
    for section in guide.sections:
        assert section.title in top, section.title
        for ws in section.worksheets:
            title = f"Worksheet: {ws.title}"
            assert title in below, title
            assert below[title] > top[section.title]
    for level, title, page in outline:
        assert title.split(":")[-1].strip()[:20] in reader.pages[page - 1].extract_text(), (title, page)


def test_contents_entries_point_at_the_pages_their_headings_are_on(jordan):
    guide, data = jordan
    reader = reader_of(data)
    contents = reader.pages[1].extract_text() + reader.pages[2].extract_text()
    titles = ["How to use this workbook", "Your diagnosis", "Sources"] + [s.title for s in guide.sections]
    titles += [f"Worksheet: {ws.title}" for s in guide.sections for ws in s.worksheets]
    for title in titles:
        match = re.search(re.escape(title) + r"[ .]*?(\d+)\s*$", contents, re.M)
        assert match, f"{title!r} not in the contents"
        page = reader.pages[int(match.group(1)) - 1].extract_text()
        assert title in page, f"{title!r} is not on page {match.group(1)}"
    # The entries are links to those pages, not only numbers.
    links = [a.get_object() for a in reader.pages[1].get("/Annots", [])]
    assert sum(1 for a in links if a.get("/Subtype") == "/Link" and "/Dest" in a) >= len(guide.sections)


def test_form_fields_match_the_worksheets_by_name_and_type(jordan):
    guide, data = jordan
    # The fields are nested under one parent field per worksheet; pypdf gives the full names.
    everything = reader_of(data).get_fields()
    fields = {name: field for name, field in everything.items() if "/Kids" not in field}
    expected = dict(name_kind for s in guide.sections for ws in s.worksheets for name_kind in ws.field_names())
    assert set(fields) == set(expected)
    assert set(everything) - set(fields) == {ws.id for s in guide.sections for ws in s.worksheets}
    for name, kind in expected.items():
        field = fields[name]
        if kind == "check":
            assert field["/FT"] == "/Btn", name
        else:
            assert field["/FT"] == "/Tx", name
            if kind == "area":
                assert int(field.get("/Ff", 0)) & FLAG_MULTILINE, name
    assert "today.commitment_1" in fields and "autopsy.programs_applied" in fields


def test_prefilled_fields_hold_the_profiles_values(jordan):
    guide, data = jordan
    fields = reader_of(data).get_fields()
    p = guide.profile
    assert fields["autopsy.programs_applied"]["/V"] == str(p.application.programs_applied)
    assert fields["autopsy.step2_ck"]["/V"] == str(p.scores.step2_ck)
    assert fields["autopsy.dream_specialty"]["/V"] == "Dermatology"
    # A prefilled candidate is the row's printed name, not a field; a spare row has a field for one.
    assert "pivot_matrix.candidate_2_specialty" not in fields and "pivot_matrix.candidate_5_specialty" in fields
    assert fields["pivot_matrix.candidate_2_lifestyle"]["/V"]
    assert fields["today.path"]["/V"] == "A pivot to Internal Medicine"
    assert fields["autopsy.rank_feedback"].get("/V", "") == ""
    assert fields["autopsy.records_pulled"]["/V"] == "/Off"


def test_metadata_language_and_tags(jordan):
    _, data = jordan
    reader = reader_of(data)
    meta = reader.metadata
    assert meta.title == "Match Pivot Guidebook: workbook for Jordan Rivera"
    assert meta.author == "Jordan Rivera"
    assert meta.subject == "Pivot plan from Dermatology to Internal Medicine"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfuaid:part[^0-9]*1", xmp), "not declared PDF/UA-1"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


def test_charts_are_tagged_figures_with_their_text_alternative(jordan):
    guide, data = jordan
    reader = reader_of(data)
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert len(alts) == sum(len(s.charts) for s in guide.sections) == 4
    scores = next(a for a in alts if a.startswith("Your Step 2 CK"))
    derm = guide.data.catalog["dermatology"].step2_ck
    assert f"Your Step 2 CK: {guide.profile.scores.step2_ck}" in scores
    assert f"Dermatology: matched mean {derm.matched}, unmatched mean {derm.unmatched}" in scores


def test_the_advisors_note_is_in_the_workbook(jordan):
    _, data = jordan
    text = "\n".join(page.extract_text() for page in reader_of(data).pages[:8])
    assert "A note from your advisor" in text and "three feedback calls" in text


def test_the_same_inputs_give_the_same_bytes(kit, jordan, monkeypatch):
    guide, data = jordan
    again = prepare(PROFILES / "jordan-rivera.yaml", kit, as_of=AS_OF)
    assert kit.workbook.render(again) == data
    # A fresh renderer (a new process, as far as the PDF can tell) gives the same bytes too.
    assert Toolkit.load().workbook.render(again) == data


def test_a_changed_date_is_the_only_reason_bytes_change(kit, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1775044800")  # fixes what WeasyPrint dates itself
    first = kit.workbook.render(prepare(PROFILES / "sam-okafor.yaml", kit, as_of=dt.date(2026, 4, 6)))
    assert "Prepared on 6 April 2026" in reader_of(first).pages[0].extract_text()
    assert kit.workbook.render(prepare(PROFILES / "sam-okafor.yaml", kit, as_of=dt.date(2026, 4, 6))) == first
    later = kit.workbook.render(prepare(PROFILES / "sam-okafor.yaml", kit, as_of=dt.date(2026, 4, 7)))
    assert later != first
    assert "Prepared on 7 April 2026" in reader_of(later).pages[0].extract_text()


URLS = ["file:///etc/passwd", "http://example.com/tracker.png", "https://example.com/font.woff2", "../../../../etc/hostname"]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"something tried to open a connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("url", URLS)
def test_a_content_image_outside_the_project_is_refused_where_it_is_written(kit, tmp_path, no_network, url):
    from generator.loading.content import load_library
    from generator.errors import ContentError
    from generator.templating import content_environment

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    section = sorted((content / "sections").glob("17-*.md"))[0]
    text = section.read_text()
    section.write_text(text + f"\n![a picture]({url})\n")
    line = text.count("\n") + 2
    library = load_library(content, content_environment(kit.data.keeps, kit.data.catalog))
    with pytest.raises(ContentError) as caught:
        prepare(PROFILES / "jordan-rivera.yaml", Toolkit(kit.resources, kit.data, library, kit.md, kit.pages), as_of=AS_OF)
    assert caught.value.message.startswith(f"{section}:{line}:")
    assert f"refused the image {url!r}" in caught.value.message


@pytest.mark.parametrize("url", URLS)
def test_the_pdf_renderer_fetches_nothing_outside_its_templates(kit, jordan, no_network, url):
    """Even HTML that reaches the renderer with a foreign image stops the build, and nothing is read."""
    guide, _ = jordan
    first = guide.sections[0]
    tampered = dataclasses.replace(first, html=first.html + f'<img src="{url}" alt="x">')
    with pytest.raises(BuildError) as caught:
        kit.workbook.render(dataclasses.replace(guide, sections=(tampered, *guide.sections[1:])))
    assert "refused to load" in caught.value.message
    assert "only use the project's own templates" in caught.value.message


def test_generic_workbook_builds_without_a_profile(kit):
    guide = prepare_generic(kit, as_of=AS_OF)
    reader = reader_of(kit.workbook.render(guide))
    assert len(reader.pages) >= len(guide.sections)
    fields = reader.get_fields()
    assert all(not str(f.get("/V", "")) or f["/V"] == "/Off" for f in fields.values())
