"""A workbook that prints well: no page holding a few lines of a spilled section, worksheets that fill their page,
a page on how to use the workbook, a Sources page, and a cover that states the reader's path once.

Pages are read back from the PDF as a reader meets them (pypdf: text, outline, tagged figures), not from the
layout the renderer used to place them."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from generator.commands.build import build, build_generic, prepare

from conftest import AS_OF, PROFILES

PROFILES_TO_PRINT = ["jordan-rivera", "omar-haddad", "alex-kim", "priya-natarajan", "dana-whitfield", "lucia-ferreira"]
MIN_WORDS = 60


@pytest.fixture(scope="module")
def workbooks(kit, tmp_path_factory):
    out = tmp_path_factory.mktemp("print")
    books = {}
    for name in PROFILES_TO_PRINT:
        built = build(PROFILES / f"{name}.yaml", out, kit, as_of=AS_OF)
        books[name] = (built.folder / "workbook.pdf").read_bytes()
    books["public"] = (build_generic(out / "public", kit, as_of=AS_OF) / "workbook.pdf").read_bytes()
    return books


def outline_blocks(reader: pypdf.PdfReader) -> list[tuple[int, str]]:
    """(first page index, title) of every top-level outline entry and every worksheet, in page order."""
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            title = str(item.title)
            if depth == 0 or title.startswith("Worksheet:"):
                found.append((reader.get_destination_page_number(item), title))

    walk(reader.outline, 0)
    return sorted(found)


def figure_pages(reader: pypdf.PdfReader) -> set[int]:
    """Pages holding a tagged figure (a chart)."""
    pages: set[int] = set()
    page_index = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}

    def walk(node, in_figure, page):
        node = node.get_object()
        if not isinstance(node, dict):
            return
        page = node.get("/Pg", page)
        figure = in_figure or node.get("/S") == "/Figure"
        if figure and page is not None and (node.get("/S") == "/Figure" or node.get("/Type") == "/MCR"):
            pages.add(page_index[page.idnum])
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if isinstance(kid, int):
                if figure and page is not None:
                    pages.add(page_index[page.idnum])
                continue
            walk(kid, figure, page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"], False, None)
    return pages


def body_words(text: str, reader_name: str, header: str) -> int:
    """Words on a page, less its running header (the section's title) and footer (the reader, the page number)."""
    text = re.sub(r"page \d+ of \d+", " ", text)
    for running in (reader_name, header):
        text = text.replace(running, " ", 1)
    return len(text.split())


@pytest.mark.parametrize("name", PROFILES_TO_PRINT + ["public"])
def test_no_page_holds_only_a_few_lines_of_a_section(workbooks, name):
    reader = pypdf.PdfReader(io.BytesIO(workbooks[name]))
    blocks = outline_blocks(reader)
    figures = figure_pages(reader)
    reader_name = "Match Pivot Guidebook, public edition" if name == "public" else prepare_name(name)
    short = []
    for index, page in enumerate(reader.pages):
        if index == 0 or index in figures:
            continue  # the cover; a page with a chart
        owner = [title for first, title in blocks if first <= index]
        title = owner[-1] if owner else "Contents"
        if title.startswith("Worksheet:"):
            continue
        words = body_words(page.extract_text(), reader_name, title)
        if words < MIN_WORDS:
            short.append(f"page {index + 1} ({title}): {words} words")
    assert not short, f"{name}: " + "; ".join(short)


def prepare_name(name: str) -> str:
    import yaml

    return yaml.safe_load((PROFILES / f"{name}.yaml").read_text(encoding="utf-8"))["name"]


def test_the_workbook_says_how_to_use_it_and_where_its_figures_come_from(workbooks):
    reader = pypdf.PdfReader(io.BytesIO(workbooks["jordan-rivera"]))
    titles = [title for _, title in outline_blocks(reader)]
    assert titles[0] == "Contents" or titles[0] == "How to use this workbook", titles[:3]
    assert "How to use this workbook" in titles[:2]
    assert titles[-1] == "Sources"
    last = " ".join(reader.pages[-1].extract_text().split())
    sources_text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages[-3:])
    assert "NRMP" in sources_text and "unverified" in sources_text and "Age:" in sources_text, last
    how_to = next(i for i, t in outline_blocks(reader) if t == "How to use this workbook")
    text = " ".join(reader.pages[how_to].extract_text().split())
    assert "Fill it in on screen" in text and "print it" in text and "1 April 2026" in text


def test_the_public_cover_names_the_edition_not_a_reader(workbooks):
    reader = pypdf.PdfReader(io.BytesIO(workbooks["public"]))
    cover = " ".join(reader.pages[0].extract_text().split())
    assert "After the Match: reapply or pivot, with a plan" in cover
    assert "everyone rebuilding" not in " ".join(p.extract_text() for p in reader.pages)
    assert "Match Pivot Guidebook, public edition" in reader.pages[3].extract_text()


def test_a_program_list_has_a_line_for_every_program_at_the_low_end_of_the_range(kit, workbooks):
    guide = prepare(PROFILES / "jordan-rivera.yaml", kit, as_of=AS_OF)
    low = guide.diagnosis.applications.min
    reader = pypdf.PdfReader(io.BytesIO(workbooks["jordan-rivera"]))
    fields = reader.get_fields()
    names = {n for n in fields if n.startswith("program_list.program_") and n.endswith("_name")}
    assert len(names) == low
    pages = set()
    for i, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            parent = annot.get("/Parent")
            if parent is not None and parent.get_object().get("/T") == "program_list" and str(annot.get("/T", "")).startswith("program_"):
                pages.add(i)
    assert 1 <= len(pages) <= 4, pages  # the worksheet's page and at most three more
    assert max(pages) - min(pages) == len(pages) - 1, pages
