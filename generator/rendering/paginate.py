"""Stage 5, second look: read the laid-out workbook page by page and fix what would print badly.

WeasyPrint lays a page out once; it cannot pull three spilled lines back onto the page before, shrink a
figure into the space left above it, or stretch a writing box to the foot of its page. This module looks
at a laid-out document as a reader turns its pages and writes the CSS that fixes each problem for that
workbook alone; the renderer lays the workbook out again with it. Every section and worksheet starts on
a page of its own, so a fix changes only the block it is written for.

- A section whose last page holds a few lines (fewer than `SHORT_WORDS` words, or less than `SHORT_FILL`
  of the page) is set a little tighter, then tighter again if that is not enough, so that the lines
  rejoin the page before.
- A page left more than `GAP` empty because the figure after it did not fit lets the figure shrink to the
  space (down to `MIN_SCALE` of its size); a figure that would need more shrinking moves below as many of
  the paragraphs after it as fill the space, as a book sets a figure at the top of the next page.
- The last writing box on a worksheet's last page grows to the foot of the page, so the space is for
  writing rather than blank paper.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

SHORT_WORDS = 60
"""A page of a section holding fewer words than this is a spill (the figure of the issue's test)."""
SHORT_FILL = 0.25
"""Or a page of a section filled less than this (a few long lines, or a short table)."""
GAP = 1 / 3
"""A page that ends more than this much empty before a figure."""
MIN_SCALE = 0.85
"""The smallest a figure is drawn to fit the space above it, as a share of its laid-out height: any smaller and
its 12-unit text prints under 9 points. A figure that would need more moves below the text that follows it."""
WORDS_PER_PX = 14 / 20.3
"""About how many words of body text a pixel of page height holds (14 words a line, lines 20.3 px apart)."""
PT = 0.75
"""Points to a CSS pixel."""
FIELD_PADDING = 3.0
"""CSS pixels kept above and below the text of a field that grows to hold it."""
GROW_MAX = 5
"""A writing box grows to at most this many times its height: past that, a page of lines reads as a demand."""
MIN_BOX = 54.0
"""The least a writing box keeps when a worksheet gives room back: two ruled lines (20pt each, in pixels)."""
SPILL_SLACK = 16.0
"""Room a field's margins take when it moves back onto the page before, in CSS pixels."""
FOOT = 6.0
"""CSS pixels kept free at the foot of a page when a writing box grows (WeasyPrint lays out in CSS pixels,
96 to the inch, and so does the CSS written here)."""

TIGHT = (
    # Each level sets the text of one section a little smaller and closer; the third is the last resort.
    # (font size, line height, space above h2 and h3, paragraph margin, box margin and padding), in pt
    (10.2, 1.4, 12, 9, None, 6, None),
    (9.9, 1.34, 10, 7, 3, 5, 3),
    (9.6, 1.3, 8, 6, 2, 4, 2),
)


def _tight_css(block: str, level: int) -> str:
    """The CSS that sets section BLOCK (its id) at tightening LEVEL (1 to 3)."""
    size, line, h2, h3, paragraph, box, padding = TIGHT[level - 1]
    b = f"#{block}"
    rules = [f"{b} {{ font-size: {size}pt; line-height: {line}; }}", f"{b} h2 {{ margin-top: {h2}pt; }}", f"{b} h3 {{ margin-top: {h3}pt; }}"]
    if paragraph is not None:
        rules.append(f"{b} p, {b} li {{ margin-top: {paragraph}pt; margin-bottom: {paragraph}pt; }}")
    boxes = f"{b} .prose .example, {b} .prose .note, {b} .prose .warning"
    rules.append(f"{boxes} {{ margin: {box}pt 0;" + (f" padding-top: {padding}pt; padding-bottom: {padding}pt;" if padding else "") + " }")
    return " ".join(rules)


@dataclass
class Thing:
    """A figure or a writing box laid out on a page: its id or field name, where it starts and its height."""

    key: str
    top: float
    height: float
    drawing: float = 0.0
    """A figure's picture alone (its caption aside)."""


@dataclass
class Filled:
    """A multi-line field holding text: its name and text, its inner width and height (CSS pixels), and the
    size and line height of its type (CSS pixels)."""

    name: str
    text: str
    width: float
    height: float
    size: float
    line: float


@dataclass
class Page:
    """What a reader sees on one page, as far as pagination goes."""

    number: int
    block: str | None
    """The id of the section or worksheet the page belongs to (`s-…`, `w-…`, `your-diagnosis`)."""
    words: int
    top: float
    """Where the page's content area starts, and how tall it is, in CSS pixels."""
    height: float
    bottom: float
    """Where the last thing on the page ends."""
    figures: list[Thing] = field(default_factory=list)
    boxes: list[Thing] = field(default_factory=list)
    """Writing boxes (multi-line fields outside tables), in page order."""
    filled: list[Filled] = field(default_factory=list)
    """Multi-line fields holding text (prefilled from the profile), tables' cells included."""

    @property
    def fill(self) -> float:
        return (self.bottom - self.top) / self.height if self.height else 1.0

    @property
    def worksheet(self) -> bool:
        return bool(self.block and self.block.startswith("w-"))


def survey(document: Any) -> list[Page]:
    """The pages of a laid-out WeasyPrint document, as `Page`s."""
    from weasyprint.formatting_structure import boxes

    pages: list[Page] = []
    for number, laid in enumerate(document.pages, start=1):
        page_box = laid._page_box
        top, height = page_box.content_box_y(), page_box.height
        page = Page(number, None, 0, top, height, top)
        seen: set[int] = set()
        for child in page_box.children:
            if isinstance(child, boxes.MarginBox):  # running headers and footers
                continue
            for box in _walk(child):
                element = getattr(box, "element", None)
                tag = getattr(box, "element_tag", None)
                if tag == "section" and page.block is None and element is not None and element.get("id"):
                    page.block = element.get("id")  # a section continued from the page before keeps its id
                if isinstance(box, boxes.TextBox):
                    page.words += len(box.text.split())
                if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)) or tag in ("textarea", "input"):
                    page.bottom = max(page.bottom, box.position_y + box.margin_height())
                if tag == "figure" and element is not None and element.get("id"):
                    page.figures.append(Thing(element.get("id"), box.position_y, box.margin_height()))
                if tag and tag.endswith("svg") and page.figures and not page.figures[-1].drawing:
                    page.figures[-1].drawing = box.margin_height()
                if tag == "textarea" and element is not None and element.get("name") and id(element) not in seen:
                    seen.add(id(element))  # the box of the field itself, not the lines of text inside it
                    if "cell-area" not in (element.get("class") or ""):  # a table's cells keep the table's rows
                        page.boxes.append(Thing(element.get("name"), box.position_y, box.margin_height()))
                    if (element.text or "").strip():
                        page.filled.append(Filled(element.get("name"), element.text, box.width, box.height,
                                                  box.style["font_size"], _line_height(box.style)))
        pages.append(page)
    return pages


def _walk(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _walk(child)


def _line_height(style: Any) -> float:
    """A box's line height in CSS pixels (`normal`, a factor of the font size, or a length)."""
    height = style["line_height"]
    if height == "normal":
        return 1.2 * style["font_size"]
    if isinstance(height, (int, float)):
        return height * style["font_size"]
    return height.value


def blocks(pages: list[Page]) -> dict[str, list[Page]]:
    """The pages of each section and worksheet, in order."""
    found: dict[str, list[Page]] = {}
    for page in pages:
        if page.block:
            found.setdefault(page.block, []).append(page)
    return found


def spilled(pages: list[Page]) -> list[str]:
    """The sections (not worksheets, not the cover) whose last page holds only a few lines."""
    short = []
    for block, its_pages in blocks(pages).items():
        last = its_pages[-1]
        if block.startswith("w-") or len(its_pages) < 2 or last.figures:
            continue
        if last.words < SHORT_WORDS or last.fill < SHORT_FILL:
            short.append(block)
    return short


def figure_gaps(pages: list[Page]) -> dict[str, tuple[float, float]]:
    """Figures that open a page after a page left more than `GAP` empty: id -> (the empty space, in CSS pixels,
    and the picture's height)."""
    gaps: dict[str, tuple[float, float]] = {}
    for before, page in zip(pages, pages[1:]):
        if before.block != page.block or not page.figures or before.fill > 1 - GAP:
            continue
        figure = page.figures[0]
        if figure.top - page.top > 24 or not figure.drawing:  # the figure does not open the page
            continue
        space = before.top + before.height - before.bottom - 16 - (figure.height - figure.drawing)
        gaps[figure.key] = (space, figure.drawing)
    return gaps


def worksheet_boxes(pages: list[Page], fixed: dict[str, float]) -> dict[str, float]:
    """New heights of writing boxes: a worksheet that spills a little onto a last page takes the room from the
    boxes on the page before (each keeps at least `MIN_BOX`); otherwise the last box of its last page grows to
    the foot of that page. Field name -> height, for boxes not already set in FIXED."""
    heights: dict[str, float] = {}
    for block, its_pages in blocks(pages).items():
        if not block.startswith("w-"):
            continue
        last = its_pages[-1]
        if len(its_pages) >= 2 and last.fill < SHORT_FILL:
            before = [b for b in its_pages[-2].boxes if b.key not in fixed]
            overflow = last.bottom - last.top + SPILL_SLACK
            spare = sum(max(0.0, b.height - MIN_BOX) for b in before)
            if before and spare >= overflow:
                for b in before:
                    heights[b.key] = b.height - (b.height - MIN_BOX) * overflow / spare
                continue
        if not last.boxes or last.boxes[-1].key in fixed:
            continue
        box = last.boxes[-1]
        below = last.bottom - (box.top + box.height)  # what follows the box on the page (a line, a tick box)
        room = min(last.top + last.height - FOOT - below - box.top, box.height * GROW_MAX)
        if room > box.height + 20:
            heights[box.key] = room
    return heights


@dataclass
class Fixes:
    """What has been fixed so far in one workbook, carried from one layout to the next."""

    tight: dict[str, int] = field(default_factory=dict)
    """Section id -> how many levels tighter it is set (1 to 3)."""
    figures: dict[str, float] = field(default_factory=dict)
    """Figure id -> the picture's height, shrunk to fit the space above it."""
    moved: dict[str, float] = field(default_factory=dict)
    """Figure id -> the words of text to set before it, to fill the space it left."""
    boxes: dict[str, float] = field(default_factory=dict)

    def update(self, pages: list[Page], lines: Callable[[str, float, float], int] | None = None) -> bool:
        """Add the fixes that PAGES calls for; whether there was anything new to fix. LINES(text, size, width)
        counts the lines a field's appearance takes (sizes in points), so that no prefilled text is cut off."""
        changed = False
        settling: set[str] = set()  # blocks whose fields grew this time: their pages are not final yet
        if lines is not None:
            for page in pages:
                for box in page.filled:
                    needed = lines(box.text, box.size * PT, box.width * PT) * box.line + 2 * FIELD_PADDING
                    if needed > box.height + 0.5 and needed > self.boxes.get(box.name, 0):
                        self.boxes[box.name] = needed
                        settling.add(page.block or "")
                        changed = True
        by_block = blocks(pages)
        for block in spilled(pages):
            level = self.tight.get(block, 0)
            if level == len(TIGHT):
                continue
            # A longer spill starts tighter: one more pass costs a whole layout of the workbook.
            fill = by_block[block][-1].fill
            step = 1 if level else 1 + int(fill >= 0.08) + int(fill >= 0.16)
            self.tight[block] = min(len(TIGHT), level + step)
            changed = True
        for key, (space, height) in figure_gaps(pages).items():
            if key in self.figures or key in self.moved:
                continue
            if space >= height * MIN_SCALE:
                self.figures[key] = min(space, height)
            else:
                self.moved[key] = space * WORDS_PER_PX
            changed = True
        new = worksheet_boxes([p for p in pages if p.block not in settling], self.boxes)
        if new:
            self.boxes.update(new)
            changed = True
        return changed

    def dumps(self) -> str:
        """The fixes as JSON, to keep for the next layout of the same workbook (layout numbers only: no text)."""
        return json.dumps({"tight": self.tight, "figures": self.figures, "moved": self.moved, "boxes": self.boxes}, sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> Fixes:
        data = json.loads(text)
        return cls({k: int(v) for k, v in data["tight"].items()}, data["figures"], data["moved"], data["boxes"])

    def summary(self) -> str:
        """What was fixed, for the log."""
        if not (self.tight or self.figures or self.moved or self.boxes):
            return "nothing to fix"
        return (f"{len(self.tight)} section(s) set tighter, {len(self.figures)} figure(s) shrunk, "
                f"{len(self.moved)} moved, {len(self.boxes)} writing box(es) resized")

    def apply(self, html: str) -> str:
        """HTML with each moved figure set after the paragraphs that fill the space it left."""
        for key, words in sorted(self.moved.items()):
            html = move_figure(html, key, words)
        return html

    def css(self) -> str:
        rules = [_tight_css(block, level) for block, level in sorted(self.tight.items())]
        rules += [f"#{key} svg {{ height: {h:.1f}px; width: auto; max-width: 100%; }}" for key, h in sorted(self.figures.items())]
        rules += [f'textarea[name="{name}"] {{ height: {h:.1f}px !important; }}' for name, h in sorted(self.boxes.items())]
        return "\n".join(rules)


_FIGURE = re.compile(r'<figure\b[^>]*\bid="(?P<id>[^"]+)"[^>]*>.*?</figure>\s*', re.S)
_BLOCK = re.compile(r"\s*<(?P<tag>p|ul|ol)\b[^>]*>", re.S)


def move_figure(html: str, key: str, words: float) -> str:
    """HTML with figure KEY moved past the paragraphs and lists after it, as many as hold about WORDS words;
    never past a heading, another figure or the end of its section's text, and never past nothing."""
    found = next((m for m in _FIGURE.finditer(html) if m.group("id") == key), None)
    if found is None:
        return html
    figure, at, taken, end = found.group(0), found.end(), 0.0, found.end()
    while True:
        block = _BLOCK.match(html, end)
        if block is None:
            break
        close = _closing(html, block.group("tag"), block.end())
        if close is None:
            break
        size = len(re.sub(r"<[^>]+>", " ", html[block.end():close]).split())
        if taken + size > words and taken:
            break
        taken += size
        end = close
        if taken >= words:
            break
    if end == at:
        return html
    return html[: found.start()] + html[at:end] + "\n" + figure + html[end:]


def _closing(html: str, tag: str, start: int) -> int | None:
    """Where the element of TAG opened just before START ends (after its closing tag), counting nested ones."""
    depth, pattern = 1, re.compile(rf"<(/?){tag}\b[^>]*>")
    for match in pattern.finditer(html, start):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.end()
    return None
