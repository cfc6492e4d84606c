"""Only words a reader would use: no field path, code, file path or identifier of the code and data in any
text a reader sees (the site, the workbook and its fields, the command line's summaries, the cohort page).
Error messages name field paths on purpose and are not checked here."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pypdf
import pytest
from click.testing import CliRunner

from generator.commands.build import build, build_generic, prepare, prepare_generic
from generator.commands.cli import main
from generator.rendering.render_html import render_site

from conftest import AS_OF, EXAMPLES, PROFILES

DATES = (AS_OF, dt.date(2026, 3, 17), dt.date(2026, 11, 29))

SNAKE = re.compile(r"(?<![\w/@.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/@-])")
DOTTED = re.compile(r"(?<![\w/@.-])[a-z][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+(?![\w/@-])")
NOT_CODE = re.compile(r"\.(org|com|gov|edu|net|fm|io|pdf|html|txt)$")
"""A domain or a file a reader is pointed to, not a name from the code."""
RAW_CODES = ("unmatched after soap", "soap unwanted", "prelim only", "advanced only", "matched other", "us md", "us do",
             "step2 ck", "level2 ce", "gather facts", "gather_facts")
"""Codes of the profile and the diagnosis with their underscores turned into spaces: still not words."""


def identifiers(text: str, section_ids: set[str] = frozenset()) -> list[str]:
    found = [m.group(0) for m in SNAKE.finditer(text)]
    for m in DOTTED.finditer(text):
        word = m.group(0)
        if NOT_CODE.search(word) or min(len(part) for part in word.split(".")) == 1:  # a.m., e.g.
            continue
        found.append(word)
    found += [code for code in RAW_CODES if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    found += [s for s in section_ids if re.search(rf"(?<![\w/.#-]){re.escape(s)}(?![\w.-])", text)]
    return found


class Visible(HTMLParser):
    """The text of a page a reader sees or hears: text outside scripts and styles, field values, labels."""

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "input" and attrs.get("value"):
            self.chunks.append(attrs["value"])
        for name in ("aria-label", "title", "placeholder", "alt"):
            if attrs.get(name):
                self.chunks.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def visible_text(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    return "\n".join(parser.chunks)


def test_the_scan_finds_what_it_looks_for():
    """The detector itself: each kind of identifier is caught, and ordinary prose is not."""
    assert identifiers("Fill in application.program_list first") == ["application.program_list"]
    assert identifiers("Outcome: unmatched after soap") == ["unmatched after soap"]
    assert identifiers("your soap_unwanted case") == ["soap_unwanted"]
    assert identifiers("see first-days for more", {"first-days"}) == ["first-days"]
    ordinary = "At 10:00 a.m. ET, e.g. on nrmp.org, a long-term PGY-2 H-1B plan for PM&R; Step 2 CK; workbook.pdf."
    assert identifiers(ordinary, {"first-days"}) == []


@pytest.mark.parametrize("as_of", DATES, ids=str)
def test_no_identifier_in_any_page_of_any_guide(kit, as_of):
    failures = []
    guides = [prepare(path, kit, as_of=as_of) for path in EXAMPLES] + [prepare_generic(kit, as_of=as_of)]
    section_ids = {s.id for s in kit.library.sections if "-" in s.id}
    for guide in guides:
        files = render_site(guide, kit.pages, kit.resources, workbook=True)
        for name, data in files.items():
            if not name.endswith(".html"):
                continue
            for word in identifiers(visible_text(data.decode("utf-8")), section_ids):
                failures.append(f"{guide.built_for}, {name}: {word}")
    assert not failures, f"{len(failures)} identifier(s) a reader would see:\n" + "\n".join(sorted(set(failures))[:60])


@pytest.mark.parametrize("profile", ["jordan-rivera", "omar-haddad", "alex-kim", "chidi-nwosu", None])
def test_no_identifier_in_the_workbook_text_or_its_fields(kit, tmp_path, profile):
    if profile is None:
        data = (build_generic(tmp_path / "public", kit, as_of=AS_OF) / "workbook.pdf").read_bytes()
    else:
        data = (build(PROFILES / f"{profile}.yaml", tmp_path, kit, as_of=AS_OF).folder / "workbook.pdf").read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    values = "\n".join(str(f.get("/V", "")) for f in (reader.get_fields() or {}).values())
    assert profile is None or len(values.split()) > 10, "the personal workbook's prefilled fields were not read"
    section_ids = {s.id for s in kit.library.sections if "-" in s.id}
    found = identifiers(text, section_ids) + identifiers(values, section_ids)
    assert not found, found


def test_no_identifier_in_the_command_lines_summaries(tmp_path):
    runner = CliRunner()
    outputs = []
    for path in EXAMPLES:
        result = runner.invoke(main, ["diagnose", str(path), "--as-of", AS_OF.isoformat()])
        assert result.exit_code == 0, result.output
        # The first line names the profile's file, which an advisor looks for: that is its name, not a code.
        outputs.append(result.output.split("\n", 1)[1])
    result = runner.invoke(main, ["batch", str(PROFILES), "-o", str(tmp_path / "out"), "--no-pdf", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    outputs.append(result.output)
    cohort = visible_text((tmp_path / "out" / "cohort.html").read_text(encoding="utf-8"))
    found = [w for text in outputs + [cohort] for w in identifiers(text)]
    assert not found, sorted(set(found))
