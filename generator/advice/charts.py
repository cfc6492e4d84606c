"""Pictures drawn from data, as inline SVG that renders the same in a browser and in WeasyPrint.

Each chart is a `Chart`: a one-line title, a text alternative that states every number the picture
shows, a caption naming the sources, and the picture drawn once per canvas. A guide's charts are
drawn on a wide canvas (a desktop column and the printed workbook) and on a narrow one (a phone);
the site shows the one that fits its column, at its natural size, so chart text is never scaled
down to an unreadable size. Nothing is hand-placed: positions come from the reader's profile, their
diagnosis and the data files, and labels are laid out so that none sits on another. Gridlines and
the reader's own lines are broken wherever they would cross a label.

Text uses `currentColor`, so a chart follows the page's light or dark scheme; the few fills are
mid-tones readable on both. Text in the reader's colour carries the class `reader`, so the site can
lighten it in the dark scheme. WeasyPrint's SVG renderer ignores `text-anchor="end"`, so labels are
anchored at their start or their middle only.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from markupsafe import Markup, escape

from generator.loading.data import ReferenceData, Specialty
from generator.models import Diagnosis
from generator.advice.plan import Plan
from generator.loading.profile import Profile

ACCENT = "#2b6cb0"
READER = "#b8501c"
"""The reader's own marks: text at 4.5:1 on the light page, lines at 3:1 on the dark one."""
MUTED = "#7d8795"
"""Lines and outlines off the reader's route: 3:1 on both pages."""
FONT = "DejaVu Sans, Verdana, sans-serif"

# Text geometry, as shares of the font size: generous, so a label's box holds it in DejaVu Sans or Verdana.
ASCENT, DESCENT = 0.93, 0.24
"""Above and below the baseline (DejaVu Sans's ascender and descender)."""
LINE = 1.3
"""The distance between the baselines of wrapped lines."""
ADVANCES = (
    ("ijlIJ'.,:;|/\\ ", 0.35, 0.4),
    ("ftr()[]-!\"", 0.46, 0.52),
    ("mwMW%@&#+=<>~^—", 1.0, 1.1),
    ("ABCDEFGHKLNOPQRSTUVXYZ", 0.8, 0.87),
)
"""Groups of characters and the widest advance in each, regular and bold; any other character takes `OTHER`."""
OTHER = (0.65, 0.73)
CLEAR = 3
"""The space kept between a label and any other label or line."""

# The playbook's own example specialties, shown in the public edition's score chart.
GENERIC_SPECIALTIES = ("dermatology", "orthopaedic_surgery", "plastic_surgery", "neurological_surgery", "internal_medicine", "family_medicine")


@dataclass(frozen=True)
class Canvas:
    """A surface to draw on. Its units are CSS pixels when the drawing is shown at its natural size."""

    name: str
    width: int
    text: float
    """Labels and headings."""
    small: float
    """Axis figures and notes: the smallest text drawn."""


WIDE = Canvas("wide", 512, 13, 12)
"""A desktop column (the site shows it at 512 px, its natural size) and the printed workbook."""
NARROW = Canvas("narrow", 320, 14, 13)
"""A phone: shown at its natural size from a 360 px screen up, so its smallest text stays 13 px."""
CANVASES = (WIDE, NARROW)


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    description: str
    """The text alternative: every number the picture shows, in words."""
    caption: str
    drawings: tuple[str, ...]
    """The SVG drawn on each canvas, widest first; the first is the one the workbook prints."""

    def figure(self) -> Markup:
        """The chart as an HTML figure holding each drawing, each labelled by its title and description."""
        return Markup(
            f'<figure class="chart chart--{self.name}" id="chart-{self.name}">'
            + "".join(self.drawings)
            + f'<figcaption>{escape(self.caption)}</figcaption>'
            "</figure>"
        )


Box = tuple[float, float, float, float]
"""(left, top, right, bottom) of a label."""


class _Svg:
    """A small SVG writer for one canvas: every text is escaped, every number rounded, every label's box kept."""

    def __init__(self, canvas: Canvas, title: str, description: str, css: str | None, label_id: str):
        self.canvas, self.css, self.label_id = canvas, css, label_id
        # One <title> holds the whole text alternative: browsers and screen readers read it, and
        # WeasyPrint makes it the /Alt of the tagged figure in the PDF.
        self.parts: list[str] = [f'<title id="{label_id}">{escape(title)}. {escape(description)}</title>']
        self.boxes: list[Box] = []
        self.rules: list[tuple[float, float, float, dict[str, Any]]] = []

    def add(self, tag: str, text: str | None = None, **attrs: Any) -> None:
        self.parts.append(_element(tag, text, **attrs))

    def text(self, x: float, y: float, text: str, size: float, anchor: str = "start", weight: str | None = None,
             fill: str = "currentColor", css: str | None = None) -> None:
        """TEXT with its baseline at Y, starting at X (or centred on it); its box is kept for the rules."""
        width = _text_width(text, size, weight == "bold")
        left = x - width / 2 if anchor == "middle" else x
        self.boxes.append((left, y - ASCENT * size, left + width, y + DESCENT * size))
        self.add("text", text, class_=css, x=x, y=y, font_size=size, text_anchor=anchor, font_weight=weight, fill=fill, font_family=FONT)

    def lines(self, x: float, top: float, lines: list[str], size: float, anchor: str = "start", **style: Any) -> float:
        """Wrapped LINES, the first one's box starting at TOP; returns the bottom of the last one's box."""
        for i, line in enumerate(lines):
            self.text(x, top + ASCENT * size + i * LINE * size, line, size, anchor, **style)
        return top + (ASCENT + DESCENT + (len(lines) - 1) * LINE) * size

    def rule(self, x: float, top: float, bottom: float, **attrs: Any) -> None:
        """A vertical line at X, drawn behind everything and broken wherever it would cross a label."""
        self.rules.append((x, top, bottom, attrs))

    def render(self, height: float) -> str:
        lines = []
        for x, top, bottom, attrs in self.rules:
            reach = attrs.get("stroke_width", 1) / 2 + CLEAR
            crossed = [(b[1], b[3]) for b in self.boxes if b[0] - reach < x < b[2] + reach]
            for y1, y2 in _uncovered(top, bottom, crossed, CLEAR):
                lines.append(_element("line", x1=x, y1=y1, x2=x, y2=y2, **attrs))
        css = f' class="{self.css}"' if self.css else ""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg"{css} '
            f'viewBox="0 0 {self.canvas.width} {_num(height)}" width="{self.canvas.width}" height="{_num(height)}" '
            f'role="img" aria-labelledby="{self.label_id}">' + self.parts[0] + "".join(lines) + "".join(self.parts[1:]) + "</svg>"
        )


def _element(tag: str, text: str | None = None, **attrs: Any) -> str:
    rendered = " ".join(
        f'{k.rstrip("_").replace("_", "-")}="{_num(v) if isinstance(v, (int, float)) else escape(v)}"'
        for k, v in attrs.items()
        if v is not None
    )
    return f"<{tag} {rendered}>{escape(text)}</{tag}>" if text is not None else f"<{tag} {rendered}/>"


def _uncovered(top: float, bottom: float, covered: list[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    """The stretches of TOP..BOTTOM outside every COVERED span (each widened by GAP); none shorter than a gap."""
    stretches, y = [], top
    for start, end in sorted(covered):
        if start - gap > y:
            stretches.append((y, min(start - gap, bottom)))
        y = max(y, end + gap)
    if y < bottom:
        stretches.append((y, bottom))
    return [(a, b) for a, b in stretches if b - a >= gap]


def _draw(name: str, title: str, description: str, caption: str, paint: Callable[[_Svg], float],
          canvases: tuple[Canvas, ...] = CANVASES) -> Chart:
    """The chart painted on each canvas; PAINT draws on one and returns the drawing's height."""
    drawings = []
    for i, canvas in enumerate(canvases):
        label_id = f"chart-{name}-title" if i == 0 else f"chart-{name}-{canvas.name}-title"
        svg = _Svg(canvas, title, description, f"chart__{canvas.name}" if len(canvases) > 1 else None, label_id)
        drawings.append(svg.render(paint(svg)))
    return Chart(name, title, description, caption, tuple(drawings))


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def _text_width(text: str, size: float, bold: bool = False) -> float:
    """A generous estimate of the text's width, for layout only: each character as wide as the widest of its group."""
    return size * sum(_advance(ch)[bold] for ch in text)


def _advance(ch: str) -> tuple[float, float]:
    return next(((regular, bold) for chars, regular, bold in ADVANCES if ch in chars), OTHER)


def _wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """TEXT broken into lines no wider than WIDTH (a single word longer than that keeps its own line)."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and _text_width(candidate, size, bold) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + [line] if line else lines


def _clamp(centre: float, width: float, canvas: Canvas) -> float:
    """The centre of a label WIDTH wide, moved as little as needed to keep it on the canvas."""
    return max(width / 2, min(centre, canvas.width - width / 2))


def _spread(labels: list[tuple[float, float]], canvas: Canvas) -> list[float]:
    """Centres for labels on one line, given as (wanted centre, width): each moved as little as needed to
    keep clear of its neighbours and on the canvas. Returned in the order given."""
    order = sorted(range(len(labels)), key=lambda i: labels[i][0])
    placed = {i: _clamp(*labels[i], canvas) for i in order}
    for a, b in pairwise(order):  # push right what its left neighbour covers
        placed[b] = max(placed[b], placed[a] + (labels[a][1] + labels[b][1]) / 2 + CLEAR)
    last = order[-1]
    placed[last] = min(placed[last], canvas.width - labels[last][1] / 2)
    for b, a in pairwise(order[::-1]):  # then back left from the right edge
        placed[a] = min(placed[a], placed[b] - (labels[a][1] + labels[b][1]) / 2 - CLEAR)
    return [placed[i] for i in range(len(labels))]


# --- Step 2 CK against matched and unmatched means ---------------------------------------------


def score_chart(profile: Profile | None, dx: Diagnosis | None, data: ReferenceData) -> Chart:
    """The reader's Step 2 CK against the matched and unmatched means of their dream and pivot fields."""
    catalog = data.catalog
    if dx is None:
        keys: Iterable[str] = GENERIC_SPECIALTIES
    else:
        keys = [k for k in (dx.dream_specialty, dx.target_specialty, *(o.specialty for o in dx.pivot_options)) if k]
    rows: list[Specialty] = []
    for key in dict.fromkeys(keys):
        s = catalog[key]
        if s.step2_ck is not None and s.step2_ck.matched is not None:
            rows.append(s)
    score = profile.scores.step2_ck if profile is not None else None
    values = [v for s in rows for v in (s.step2_ck.matched, s.step2_ck.unmatched) if v is not None]
    if score is not None:
        values.append(score)
    if not values:
        values = [240]
    span = ((min(values) - 6) // 5 * 5, -(-(max(values) + 6) // 5) * 5)

    def label(s: Specialty) -> str:
        target = dx is not None and s.key == dx.target_specialty and s.key != dx.dream_specialty
        first = dx is not None and s.key == dx.dream_specialty
        return s.name + (" (your target)" if target else "") + (" (your first choice)" if first else "")

    named = [(label(s), s, dx is not None and s.key == dx.target_specialty) for s in rows]
    sources = sorted({s.step2_ck.source for s in rows})
    title = "Your Step 2 CK against matched and unmatched applicants" if score is not None else "Step 2 CK of matched and unmatched applicants"
    said = [
        f"{s.name}: matched mean {s.step2_ck.matched}"
        + (f", unmatched mean {s.step2_ck.unmatched}" if s.step2_ck.unmatched is not None else "")
        for s in rows
    ]
    description = (f"Your Step 2 CK: {score}. " if score is not None else "") + (
        "; ".join(said) + "." if rows else "No published Step 2 CK means for these specialties."
    )
    unverified = any(not s.step2_ck.verified for s in rows)
    caption = (
        f"Mean Step 2 CK of US MD seniors who matched, and who did not, by specialty. Source: {', '.join(sources) or 'none'}"
        + (" (transcribed figures, not independently verified)" if unverified else "")
        + "."
    )
    return _draw("scores", title, description, caption, lambda svg: _paint_scores(svg, named, score, span))


def _paint_scores(svg: _Svg, rows: list[tuple[str, Specialty, bool]], score: int | None, span: tuple[int, int]) -> float:
    """Each specialty's name, then its matched and unmatched means on a shared axis below it; the reader's line across."""
    c = svg.canvas
    low, high = span
    figure_w = _text_width("000", c.small)
    left, right = figure_w / 2 + CLEAR, c.width - figure_w / 2 - CLEAR

    def x(v: float) -> float:
        return left + (v - low) * (right - left) / (high - low)

    step = next(s for s in (5, 10, 20, 50, 100) if x(low + s) - x(low) >= figure_w + 3 * CLEAR)

    y = _legend(svg, score is not None)
    if score is not None:
        you = f"you: {score}"
        y = svg.lines(_clamp(x(score), _text_width(you, c.text, True), c), y + 6, [you], c.text, "middle",
                      weight="bold", fill=READER, css="reader")
    plot_top = y + 2
    y = plot_top + 8
    radius = 6
    for name, s, target in rows:
        weight = "bold" if target else None
        y = svg.lines(0, y, _wrap(name, c.width, c.text, target), c.text, weight=weight) + CLEAR + radius
        mean, miss = s.step2_ck.matched, s.step2_ck.unmatched
        svg.add("line", x1=left, y1=y, x2=right, y2=y, stroke=MUTED, stroke_width=1, stroke_opacity=0.6)
        figures = [(mean, "bold")] + ([(miss, None)] if miss is not None else [])
        centres = _spread([(x(v), _text_width(str(v), c.small, w == "bold")) for v, w in figures], c)
        if miss is not None:
            svg.add("line", x1=x(min(mean, miss)), y1=y, x2=x(max(mean, miss)), y2=y, stroke=ACCENT, stroke_width=3, stroke_opacity=0.45)
            svg.add("circle", cx=x(miss), cy=y, r=radius - 0.5, fill="none", stroke=MUTED, stroke_width=2)
        svg.add("circle", cx=x(mean), cy=y, r=radius, fill=ACCENT)
        top = y + radius + CLEAR
        for (v, weight), centre in zip(figures, centres):
            svg.text(centre, top + ASCENT * c.small, str(v), c.small, "middle", weight=weight)
        y = top + (ASCENT + DESCENT) * c.small + 12
    axis_y = y - 8
    for tick in range(-(-low // step) * step, high + 1, step):
        svg.rule(x(tick), plot_top, axis_y, class_="grid", stroke=MUTED, stroke_width=0.5, stroke_opacity=0.5)
        svg.text(x(tick), axis_y + 4 + ASCENT * c.small, str(tick), c.small, "middle")
    bottom = svg.lines(left, axis_y + 4 + (ASCENT + DESCENT) * c.small + 4, ["Step 2 CK score"], c.small)
    if score is not None:
        svg.rule(x(score), plot_top, axis_y, class_="reader", stroke=READER, stroke_width=3)
    return bottom + 2


def _legend(svg: _Svg, with_score: bool) -> float:
    """The score chart's key, its entries flowing onto a second line when the canvas is narrow; returns its bottom."""
    c = svg.canvas
    mid = (ASCENT - DESCENT) / 2 * c.text  # from the baseline up to the middle of a lower-case letter

    def matched(x: float, y: float) -> None:
        svg.add("circle", cx=x, cy=y, r=6, fill=ACCENT)

    def unmatched(x: float, y: float) -> None:
        svg.add("circle", cx=x, cy=y, r=5.5, fill="none", stroke=MUTED, stroke_width=2)

    def yours(x: float, y: float) -> None:
        svg.add("line", class_="reader", x1=x, y1=y - 0.5 * c.text, x2=x, y2=y + 0.5 * c.text, stroke=READER, stroke_width=3)

    entries: list[tuple[str, Callable[[float, float], None], dict[str, Any]]] = [
        ("matched mean", matched, {}),
        ("unmatched mean", unmatched, {}),
    ]
    if with_score:
        entries.append(("your score", yours, {"weight": "bold", "fill": READER, "css": "reader"}))
    x, baseline = 0.0, ASCENT * c.text
    for text, mark, style in entries:
        width = 20 + _text_width(text, c.text, style.get("weight") == "bold")
        if x and x + width > c.width:
            x, baseline = 0.0, baseline + LINE * c.text + 4
        mark(x + 7, baseline - mid)
        svg.text(x + 20, baseline, text, c.text, **style)
        x += width + 16
    return baseline + DESCENT * c.text


# --- The decision path -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    label: str
    diamond: bool
    on: bool
    """On the reader's route."""


def decision_chart(profile: Profile | None, dx: Diagnosis | None) -> Chart:
    """The playbook's process diagram, with the reader's route drawn in the accent colour."""
    route = dx.decision if dx is not None else None
    start = "Not in your dream specialty" if profile is not None and profile.outcome in ("matched_other", "soap_unwanted") else "Unmatched, or not in the dream specialty"
    first = route is not None  # a reader still gathering the facts is on the first two steps only
    both = route in ("reattempt", "pivot")
    # Each row holds one node in the middle, or a left and a right branch.
    rows = [
        (_Node(start, False, first),),
        (_Node("Analyse metrics and application", False, first),),
        (_Node("Metrics near norms?", True, both),),
        (_Node("One more serious reattempt", False, route == "reattempt"),
         _Node("Identify realistic pivot specialties", False, route == "pivot")),
        (_Node("Research or prelim year in the dream field", False, route == "reattempt"),
         _Node("A role in the pivot field", False, route == "pivot")),
        (_Node("12 to 18 months: strengthen the profile", False, both),),
        (_Node("Rebuild the application, apply broadly", False, both),),
        (_Node("Matched?", True, both),),
        (_Node("Start residency", False, both),
         _Node("Reassess: a second pivot or another career", False, False)),
    ]
    if route == "reattempt":
        title = "The decision path: your route is a serious reattempt"
    elif route == "pivot":
        title = "The decision path: your route is a pivot"
    elif route == "gather_facts":
        title = "The decision path: your next step is the analysis"
    else:
        title = "The decision path after an unsuccessful Match"
    description = (
        "A flowchart. Start: " + start + ". Analyse metrics and application. Are the metrics near the specialty's norms? "
        "If yes: one more serious reattempt, with a research or prelim year in the dream field. "
        "If no: identify realistic pivot specialties and take a role in the pivot field. "
        "Both routes then spend 12 to 18 months strengthening the profile, rebuild the application and apply broadly. "
        "Matched? If yes, start residency; if no, reassess: a second pivot or another career."
        + (f" Your route, highlighted: the {route} branch." if both else "")
        + (" Your next step, highlighted: the analysis, before either branch." if route == "gather_facts" else "")
    )
    caption = "The rebuilding process as the playbook draws it" + (", with your route highlighted." if route else ".")
    return _draw("decision", title, description, caption, lambda svg: _paint_decision(svg, rows))


def _paint_decision(svg: _Svg, rows: list[tuple[_Node, ...]]) -> float:
    """The flowchart, row by row: boxes grow to hold their wrapped labels; a question branches to its two answers."""
    c = svg.canvas
    edge, gap, pad, arrow = 1.5, 12, 8, 7
    side_w = (c.width - 2 * edge - gap) / 2
    mid_w = min(c.width - 2 * edge, 360)
    centres = {1: [c.width / 2], 2: [edge + side_w / 2, c.width - edge - side_w / 2]}
    widest_question = max(_text_width(n.label, c.text, True) for row in rows for n in row if n.diamond)
    dia_h = 3.6 * c.text
    dia_w = (widest_question + 2 * pad) / (1 - (ASCENT + DESCENT) * c.text / dia_h)  # the label fits across its middle

    def colour(on: bool) -> str:
        return ACCENT if on else MUTED

    def arrowhead(x: float, tip: float, on: bool) -> None:
        svg.add("polygon", points=f"{_num(x - 5.5)},{_num(tip - arrow)} {_num(x + 5.5)},{_num(tip - arrow)} {_num(x)},{_num(tip)}", fill=colour(on))

    def path(points: list[tuple[float, float]], on: bool) -> None:
        svg.add("polyline", points=" ".join(f"{_num(float(px))},{_num(float(py))}" for px, py in points),
                fill="none", stroke=colour(on), stroke_width=3 if on else 1.5)

    y, below = edge, []  # below: where the previous row's nodes leave from, (x, y, node)
    for row in rows:
        xs = centres[len(row)]
        width = mid_w if len(row) == 1 else side_w
        wrapped = [_wrap(n.label, width - 2 * pad, c.text) for n in row]
        box_h = max(len(lines) for lines in wrapped) * LINE * c.text + 2 * pad
        question = below and below[0][2].diamond
        if below:  # the edges into this row, those off the reader's route first so the route is drawn on top
            y += 34 + c.text if question else 24
            joins = _edges(below, row, xs, y)
            for points, on, _ in sorted(joins, key=lambda j: j[1]):
                path(points, on)
                arrowhead(points[-1][0], y, on)
            for points, on, answer in joins:
                if answer:
                    drop_x, drop_y = points[-2]
                    answer_w = _text_width(answer, c.small, True)
                    ax = drop_x - 6 - answer_w if drop_x < c.width / 2 else drop_x + 6
                    svg.text(ax, drop_y + 4 + ASCENT * c.small, answer, c.small, weight="bold")
        below = []
        for node, x, lines in zip(row, xs, wrapped):
            text_fill = "#ffffff" if node.on else "currentColor"
            fill = ACCENT if node.on else "none"
            if node.diamond:
                points = f"{_num(x)},{_num(y)} {_num(x + dia_w / 2)},{_num(y + dia_h / 2)} {_num(x)},{_num(y + dia_h)} {_num(x - dia_w / 2)},{_num(y + dia_h / 2)}"
                svg.add("polygon", points=points, fill=fill, stroke=colour(node.on), stroke_width=2)
                svg.lines(x, y + (dia_h - (ASCENT + DESCENT) * c.text) / 2, [node.label], c.text, "middle", weight="bold", fill=text_fill)
                below.append((x, y + dia_h, node))
            else:
                svg.add("rect", x=x - width / 2, y=y, width=width, height=box_h, rx=6, fill=fill, stroke=colour(node.on), stroke_width=2)
                block = ((len(lines) - 1) * LINE + ASCENT + DESCENT) * c.text
                svg.lines(x, y + (box_h - block) / 2, lines, c.text, "middle", fill=text_fill)
                below.append((x, y + box_h, node))
        y += dia_h if row[0].diamond else box_h
    return y + edge


def _edges(below: list[tuple[float, float, _Node]], row: tuple[_Node, ...], xs: list[float],
           top: float) -> list[tuple[list[tuple[float, float]], bool, str | None]]:
    """The edges from the nodes BELOW (x, bottom, node) into ROW, whose boxes start at TOP: (points, on the route?, answer)."""
    if len(below) < len(row):  # a question: down from its point, then out to each answer
        x0, bottom, question = below[0]
        fork = bottom + 10
        return [
            ([(x0, bottom), (x0, fork), (x, fork), (x, top)], node.on and question.on, answer)
            for x, node, answer in zip(xs, row, ("yes", "no"))
        ]
    if len(below) > len(row):  # two branches join again, halfway down
        merge = max(bottom for _, bottom, _ in below) / 2 + top / 2
        return [([(x0, bottom), (x0, merge), (xs[0], merge), (xs[0], top)], node.on and row[0].on, None) for x0, bottom, node in below]
    return [([(x0, bottom), (x, top)], node.on and into.on, None) for (x0, bottom, node), x, into in zip(below, xs, row)]


# --- The time split of a rebuilding year --------------------------------------------------------


def time_chart(data: ReferenceData, decision: str | None) -> Chart:
    """How a rebuilding year's effort divides, from the playbook's table."""
    split: dict[str, int] = data.facts["playbook"]["weekly_time_pct"]
    names = data.labels["time_split"]
    rows = [(names[k], v) for k, v in sorted(split.items(), key=lambda kv: -kv[1])]
    what = {"pivot": "a pivot year", "reattempt": "a reattempt year"}.get(decision or "", "a rebuilding year")
    title = f"Where the time goes in {what}"
    description = "Share of effort: " + "; ".join(f"{label} {v}%" for label, v in rows) + "."
    caption = f"How the effort of {what} divides, as a share of working time. Source: {data.facts['playbook']['source']}."
    return bar_chart("time", title, description, caption, rows, unit="%")


def bar_chart(name: str, title: str, description: str, caption: str, rows: list[tuple[str, int]], unit: str = "",
              canvases: tuple[Canvas, ...] = CANVASES) -> Chart:
    """Horizontal bars, each labelled above, the largest in full colour."""

    def paint(svg: _Svg) -> float:
        c = svg.canvas
        biggest = max([v for _, v in rows] + [1])
        figure_w = max([_text_width(f"{v}{unit}", c.text, True) for _, v in rows] + [0])
        longest = c.width - figure_w - 8
        bar_h, y = 18, 0.0
        for label, value in rows:
            y = svg.lines(0, y, _wrap(label, c.width, c.text), c.text) + 4
            w = max(longest * value / biggest, 2)
            svg.add("rect", x=0, y=y, width=w, height=bar_h, rx=3, fill=ACCENT, fill_opacity=1 if value == biggest else 0.7)
            svg.text(w + 8, y + bar_h / 2 + (ASCENT - DESCENT) / 2 * c.text, f"{value}{unit}", c.text, weight="bold")
            y += bar_h + 12
        return max(y - 10, 1)

    return _draw(name, title, description, caption, paint, canvases)


def cohort_charts(rows: list[dict[str, str]], buckets: dict[str, int], labels: dict[str, str]) -> list[Chart]:
    """The cohort's decision split and how often each bucket is flagged, each drawn once, for the page's narrow columns."""
    total = len(rows)
    decisions = [
        ("Reattempt", sum(1 for r in rows if r["decision"] == "reattempt")),
        ("Pivot", sum(1 for r in rows if r["decision"] == "pivot")),
        ("Gather the facts", sum(1 for r in rows if r["decision"] == "gather_facts")),
    ]
    flagged = [(labels.get(b, b).capitalize(), n) for b, n in buckets.items()]
    return [
        bar_chart(
            "decisions",
            "Decision split",
            f"Of {total} students: " + "; ".join(f"{label} {n}" for label, n in decisions) + ".",
            "Students by the decision their diagnosis points to.",
            decisions,
            canvases=(NARROW,),
        ),
        bar_chart(
            "buckets",
            "How often each bucket is flagged",
            f"Of {total} students, flagged: " + "; ".join(f"{label} {n}" for label, n in flagged) + ".",
            "Students whose diagnosis flags each bucket; one student can have several.",
            flagged,
            canvases=(NARROW,),
        ),
    ]


# --- The plan as a timeline ---------------------------------------------------------------------


def plan_chart(plan: Plan, personal: bool, labels: dict[str, str]) -> Chart:
    """The plan's phases on the real months, from the as-of month to Match Week of the target Match.

    Each month is a column between two gridlines, its name centred below it; each phase's bar covers
    exactly the columns of the months its heading names, from the first month's start to the last
    month's end. A marked line shows when applications can first be sent.
    """
    first, last = plan.months[0].label, plan.months[-1].label
    title = "Your plan, month by month" if personal else "The plan, month by month"
    said = []
    for p in plan.phases:
        focus = "; ".join(p.focus) if p.buckets else p.summary
        said.append(f"{p.span}, {p.title.lower()}: {focus}")
    submit = next((m for m in plan.milestones if m.text.startswith("Submit")), None)
    description = (
        f"A timeline from {first} to {last}"
        + (f", Match Week of the {plan.target_match} Match" if plan.target_match else "")
        + ". " + ". ".join(s[0].upper() + s[1:] for s in said) + "."
        + (f" Applications can first be sent on {submit.when}{' (an estimate)' if submit.estimate else ''}." if submit else "")
    )
    opens = None
    if submit is not None:
        n = next(i for i, m in enumerate(plan.months) if (m.start.year, m.start.month) == (submit.date.year, submit.date.month))
        opens = n + (submit.date.day - 1) / calendar.monthrange(submit.date.year, submit.date.month)[1]
    if plan.target_match:
        caption = f"The plan from {first} to Match Week of the {plan.target_match} Match" + (
            ", with the repair phase set by your diagnosis." if personal else "."
        ) + " Dates from the NRMP and AAMC calendars; those not yet published are estimates. Source: the playbook, step 6."
    else:
        caption = f"The next twelve months, from {first}" + (
            ", with the repair phase set by your diagnosis." if personal else "."
        ) + " Source: the playbook, step 6."
    return _draw("plan", title, description, caption, lambda svg: _paint_plan(svg, plan, labels, opens))


def _paint_plan(svg: _Svg, plan: Plan, labels: dict[str, str], opens: float | None) -> float:
    """Each phase's heading, its bar on the month columns and its focus; the months below; OPENS marked (in months)."""
    c = svg.canvas
    left, right = 1.0, c.width - 1.0

    def x(month: float) -> float:
        return left + month * (right - left) / plan.length

    y = 0.0
    if opens is not None:
        note = "applications open"
        note_w = _text_width(note, c.small, True)
        y = svg.lines(max(0.0, min(x(opens) + 4, c.width - note_w)), 0, [note], c.small, weight="bold", fill=READER, css="reader")
    plot_top = y + 2
    y = plot_top + 4
    for p in plan.phases:
        heading = f"{p.title}, {p.span}"
        heading_w = _text_width(heading, c.text, True)
        if heading_w <= c.width:  # over the bar, or as near it as the canvas allows
            y = svg.lines(max(0.0, min(x(p.start), c.width - heading_w)), y, [heading], c.text, weight="bold")
        else:  # the phase, then its months
            lines = _wrap(f"{p.title},", c.width, c.text, True) + _wrap(p.span, c.width, c.text, True)
            y = svg.lines(0, y, lines, c.text, weight="bold")
        start, end = round(x(p.start), 1), round(x(p.end + 1), 1)  # as the gridlines are written, so the ends meet them
        svg.add("rect", class_="bar", x=start, y=y + 4, width=end - start, height=14, rx=2, fill=ACCENT, fill_opacity=0.85)
        note = ("your focus: " + ", ".join(labels.get(b, b) for b in p.buckets)) if p.buckets else p.summary
        y = svg.lines(0, y + 22, _wrap(note, c.width, c.small, bool(p.buckets)), c.small, weight="bold" if p.buckets else None) + 14
    axis_y = y - 8
    for n in range(plan.length + 1):
        svg.rule(x(n), plot_top, axis_y, class_="grid", stroke=MUTED, stroke_width=0.5, stroke_opacity=0.6)
    if opens is not None:
        svg.rule(x(opens), plot_top - 2, axis_y, class_="reader", stroke=READER, stroke_width=2)
    return _month_axis(svg, plan, x, axis_y)


def _month_axis(svg: _Svg, plan: Plan, x: Callable[[float], float], axis_y: float) -> float:
    """Month names centred under their columns (every month, or every second or third where they would touch),
    the year under the first month named in each year; returns the bottom. A year named only once before the
    next begins, too close to hold both, is left to the phases' headings."""
    c = svg.canvas
    month_w = max(_text_width(m.start.strftime("%b"), c.small) for m in plan.months)
    year_w = _text_width("0000", c.small)
    every = next(k for k in range(1, plan.length + 1) if k * (x(1) - x(0)) >= month_w + 2 * CLEAR)
    month_y = axis_y + 4 + ASCENT * c.small
    named = [(plan.months[n].start, _clamp((x(n) + x(n + 1)) / 2, year_w, c)) for n in range(0, plan.length, every)]
    firsts: dict[int, float] = {}  # the centre of the first month named in each year
    for day, centre in named:
        firsts.setdefault(day.year, centre)
    places = sorted(firsts.values()) + [c.width + year_w]
    roomy = {a for a, b in pairwise(places) if b - a >= year_w + CLEAR}
    for day, centre in named:
        svg.text(centre, month_y, day.strftime("%b"), c.small, "middle")
        if firsts[day.year] == centre and centre in roomy:
            svg.text(centre, month_y + LINE * c.small, str(day.year), c.small, "middle")
    return month_y + (LINE + DESCENT) * c.small + 2
