"""A guide does not repeat itself: the same run of six or more words (names and figures aside) appears
at most three times in one guide, counted across every page of the site.

A finding is stated once in full and referred back to elsewhere in other, shorter words; a list that
gives each option a reason does not give them all the same sentence.

What is read: the text a reader sees in each page's `<main>` element, including the values prefilled into
worksheet fields (input values and textarea text), since a reader reads those too. Text in scripts and
styles is not read, nor are attributes such as `aria-label` (a worksheet table labels every cell with its
column's name for screen readers: a label, not prose).

What is left out, and why:

- The Sources page (`sources.html`): a table of citations, whose titles repeat publishers and report names
  by nature.
- The worksheet "keep my answers" bar (elements with class `keep`, hidden until scripts run, and
  `keep__note`): the same interface text on every page with a worksheet, by design, and not advice.
- The pager ("Previous ... Next ..."): the titles of the neighbouring pages, already counted where they
  are the pages' own headings.
- The label in bold that opens each section's `.why-here` paragraph ("Why this is in your guide:"): a
  fixed caption of the site, not advice. The sentence after it is counted.
- The "On this page" list of a section (`nav.on-page`): links that echo the page's own headings, which
  are counted where they stand.
- A chart's second drawing (`svg.chart__narrow`) and every chart's `<title>` and `<desc>`: each chart is
  drawn twice, for wide and for narrow screens, and only one is shown; its title is the text alternative a
  screen reader hears instead of the labels a sighted reader sees. The labels of one drawing are counted.

"Names and figures aside": a word holding a digit, a specialty's name (from the catalog), the reader's
name (in full and the first name), and a citation in parentheses each end a run, so "Dermatology
applicants matched at 45%" and "Neurology applicants matched at 60%" are not the same run. A parenthesis
is a citation when it holds a year or a date, "unverified", "estimate" or a web address, or names a source
the data cites: "(NRMP 2024, unverified)", "(an estimate from the yearly pattern)", "(NRMP, help items on
partially matched applicants and on advanced programs (nrmp.org))". Citations repeat by design: each
figure carries its source wherever it is used.

Runs also end where a block (a paragraph, list item, heading, table cell, field) ends. Within a block,
words are lower-cased and punctuation is stripped, so a run may cross the end of a sentence. Everything
else in `<main>` is counted, the "This week" card and its links included.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from generator.commands.build import prepare, prepare_generic
from generator.rendering.render_html import render_site

from conftest import AS_OF, EXAMPLES

DATES = (dt.date(2026, 3, 17), AS_OF, dt.date(2026, 7, 15), dt.date(2026, 11, 29))
"""SOAP week, two weeks after the Match, the summer, and a date in the next cycle's interview season."""

RUN = 6
"""How many words make a run."""
MOST = 3
"""How often one run may appear in one guide."""

SKIPPED_PAGES = {"sources.html"}
SKIPPED_CLASSES = {"keep", "keep__note", "pager", "on-page", "chart__narrow"}
SKIPPED_TAGS = {"title", "desc"}  # inside a chart's drawing
BLOCKS = {
    "p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "table", "div", "section",
    "article", "aside", "textarea", "label", "legend", "fieldset", "figcaption", "figure", "caption", "br",
    "dt", "dd", "dl", "blockquote", "summary", "details", "form", "nav", "header", "footer", "input", "main",
    "button", "pre", "svg", "text",
}  # fmt: skip
VOID = {"br", "input", "img", "hr", "meta", "link", "wbr", "source", "col", "area", "base", "embed"}

BREAK = "\n"
CITING = re.compile(r"\d|\bunverified\b|\bestimate[sd]?\b|\b[\w-]+\.(?:org|com|gov|edu|fm)\b", re.IGNORECASE)
"""What makes a parenthesis a citation: a year or a date, "unverified", "estimate", or a web address."""


class MainText(HTMLParser):
    """The text a reader reads in a page's `<main>`, as blocks separated by BREAK, less the skipped parts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._in_main = False
        self._stack: list[tuple[str, bool]] = []  # open elements inside main: (tag, skipped)
        self._skipping = 0
        self._script = 0
        self._why_here = False  # inside the paragraph that opens a section ("Why this is in your guide: ...")

    def _skips(self, tag: str, attrs: dict) -> bool:
        classes = set((attrs.get("class") or "").split())
        if classes & SKIPPED_CLASSES or tag in SKIPPED_TAGS:
            return True
        # The bold caption that opens a section's "why this is here" paragraph.
        return tag == "strong" and bool(self._stack) and self._stack[-1][0] == "p" and self._why_here

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._script += 1
            return
        if tag == "main":
            self._in_main = True
            return
        if not self._in_main:
            return
        if tag in BLOCKS:
            self.chunks.append(BREAK)
        if tag == "input" and attrs.get("value") and not self._skipping and attrs.get("type", "text") == "text":
            self.chunks.append(attrs["value"])
            self.chunks.append(BREAK)
        if tag in VOID:
            return
        if tag == "p":
            self._why_here = "why-here" in (attrs.get("class") or "").split()
        skipped = self._skips(tag, attrs)
        self._stack.append((tag, skipped))
        self._skipping += skipped

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._script -= 1
            return
        if tag == "main":
            self._in_main = False
            return
        if not self._in_main or tag in VOID:
            return
        # Close up to the matching open element (tolerates an unclosed one).
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                for _, skipped in self._stack[i:]:
                    self._skipping -= skipped
                del self._stack[i:]
                break
        if tag == "p":
            self._why_here = False
        if tag in BLOCKS:
            self.chunks.append(BREAK)

    def handle_data(self, data):
        if self._in_main and not self._skipping and not self._script:
            self.chunks.append(data)


def main_text(html: str) -> str:
    parser = MainText()
    parser.feed(html)
    parser.close()
    return "".join(parser.chunks)


def is_citation(inside: str, sources: list[str] = ()) -> bool:
    """Whether the text of a parenthesis cites a source: a dated or marked figure, or a source the data names."""
    return bool(CITING.search(inside)) or any(source.lower() in inside.lower() for source in sources)


def without_citations(text: str, sources: list[str] = ()) -> str:
    """TEXT with each parenthesis that cites a source (nested ones included) turned into a break."""
    out: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(text):
        if char == "(":
            if depth == 0:
                start = i
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                span = text[start : i + 1]
                out.append(BREAK if is_citation(span[1:-1], sources) else span)
        elif depth == 0:
            out.append(char)
    if depth:  # an unclosed parenthesis is text
        out.append(text[start:])
    return "".join(out)


def runs(text: str, names: list[str], n: int = RUN, sources: list[str] = ()) -> list[str]:
    """Every run of N words in TEXT, with names, figures and citations ending runs."""
    text = without_citations(text, sources)
    for name in names:  # longest first, so "Internal Medicine" goes before "Medicine"
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", BREAK, text, flags=re.IGNORECASE)
    found: list[str] = []
    for block in text.split(BREAK):
        words: list[str] = []
        for token in re.split(r"[\s/—–·→]+", block) + ["0"]:
            word = re.sub(r"[^\w'’-]", "", token.lower()).strip("'’-_")
            if not word:
                continue  # a lone mark (a dash, a bullet) neither counts nor ends a run
            if re.search(r"\d", word):
                found += [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
                words = []
            else:
                words.append(word.replace("’", "'"))
    return found


def count(
    pages: dict[str, str], names: list[str], sources: list[str] = ()
) -> tuple[collections.Counter, dict[str, collections.Counter]]:
    """How often each run appears across PAGES (name -> text), and on which pages."""
    total: collections.Counter = collections.Counter()
    where: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for page, text in pages.items():
        for run in runs(text, names, sources=sources):
            total[run] += 1
            where[run][page] += 1
    return total, where


def repeated(pages: dict[str, str], names: list[str], most: int = MOST, sources: list[str] = ()) -> list[str]:
    """The runs that appear more than MOST times, worst first, each with its pages."""
    total, where = count(pages, names, sources)
    worst = sorted(((k, run) for run, k in total.items() if k > most), key=lambda x: (-x[0], x[1]))
    return [
        f'{k}x "{run}" on ' + ", ".join(f"{p}" + (f" ({c}x)" if c > 1 else "") for p, c in sorted(where[run].items()))
        for k, run in worst
    ]


def names_of(kit, guide) -> list[str]:
    names = {s.name for s in kit.data.catalog}
    if guide.profile is not None:
        full = guide.built_for.strip()
        names |= {full, full.split()[0]}
    return sorted(names, key=len, reverse=True)


def sources_of(kit) -> list[str]:
    """How the data names its sources, as a parenthesis in the text may cite them."""
    found: set[str] = set()

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and "source" in key:
            found.update(part.strip() for part in node.split(";"))

    walk(kit.data.facts)
    for source in [*kit.data.catalog.sources.values(), *kit.data.calendar.sources.values()]:
        found |= {source.cite, source.title}
    found.add(kit.data.rules.source.split(":")[0])
    return sorted((s for s in found if len(s) > 3), key=len, reverse=True)


def pages_of(kit, guide) -> dict[str, str]:
    files = render_site(guide, kit.pages, kit.resources, workbook=True)
    return {
        name: main_text(data.decode("utf-8"))
        for name, data in files.items()
        if name.endswith(".html") and name not in SKIPPED_PAGES
    }


def test_the_counter_counts_runs_and_sets_names_and_figures_aside():
    names = ["Internal Medicine", "Dermatology", "Jordan Rivera", "Jordan"]
    said = "You would keep outpatient clinic work and managing chronic disease there. "
    assert repeated({"a.html": said * 3}, names) == []
    four = repeated({"a.html": said * 2, "b.html": said * 2}, names)
    assert '4x "you would keep outpatient clinic work" on a.html (2x), b.html (2x)' in four
    # Figures, names and citations end a run: "keep the clinic ... work going now" is two short runs here.
    middles = ["Dermatology", "internal medicine", "45%", "(NRMP 2024, unverified)", "(an estimate from the yearly pattern)"]
    assert (
        repeated({f"{i}.html": f"Keep the clinic {m} work going now." for i, m in enumerate([*middles, "Jordan"])}, names) == []
    )
    assert repeated({f"{i}.html": "Keep the clinic work going now." for i in range(4)}, names)
    # So does a citation of a source the data names, nested parentheses and all; other parentheses are text.
    cited = "Keep the clinic (NRMP, help items on partial matches (nrmp.org)) work going now."
    assert runs(cited, [], sources=["NRMP, help items on partial matches"]) == []
    assert runs("Keep the clinic (and the ward) work going now.", [])[0] == "keep the clinic and the ward"
    # Blocks end runs too: a heading and the paragraph after it do not run together.
    assert runs("one two three\nfour five six", []) == []
    # Punctuation and case do not hide a repeat.
    pages = {
        "a.html": "Keep, the Clinic: work going now.\nkeep the clinic work going now",
        "b.html": "KEEP THE CLINIC WORK GOING NOW!\n(keep) the clinic — work going now",
    }
    assert repeated(pages, []) == ['4x "keep the clinic work going now" on a.html (2x), b.html (2x)']


def test_the_page_reader_leaves_out_the_interface_and_reads_field_values():
    html = """<html><body><nav>Your guide Your guide</nav><main id="main"><article><h1>Title here</h1>
    <p class="why-here"><strong>Why this is in your guide:</strong> because you asked.</p>
    <nav class="on-page"><h2>On this page</h2></nav>
    <section class="worksheet"><p class="muted keep__note">What you type here is never sent anywhere.</p>
    <div class="keep" hidden><label><input type="checkbox"> Keep my answers</label><p>Off: answers typed</p></div>
    <form><input type="text" value="A prefilled answer"><textarea>A longer prefilled answer</textarea></form>
    </section><figure class="chart"><svg class="chart__wide"><title id="t">A chart of things</title><text>A label</text>
    </svg><svg class="chart__narrow"><title>A chart of things</title><text>A label</text></svg>
    <figcaption>A caption.</figcaption></figure><script>var x = "never read";</script></article>
    <nav class="pager"><a><span>Next</span> The next page</a></nav></main><footer>Footer</footer></body></html>"""
    text = " ".join(main_text(html).split())
    assert text == "Title here because you asked. A prefilled answer A longer prefilled answer A label A caption."


@pytest.mark.parametrize("as_of", DATES, ids=str)
def test_no_run_of_six_words_appears_more_than_three_times_in_a_guide(kit, as_of):
    failures = []
    sources = sources_of(kit)
    guides = [prepare(path, kit, as_of=as_of) for path in EXAMPLES] + [prepare_generic(kit, as_of=as_of)]
    for guide in guides:
        worst = repeated(pages_of(kit, guide), names_of(kit, guide), sources=sources)
        if worst:
            failures.append(f"{guide.built_for} ({len(worst)} runs):\n    " + "\n    ".join(worst[:12]))
    assert not failures, f"runs of {RUN} words said more than {MOST} times, as of {as_of}:\n" + "\n".join(failures)
