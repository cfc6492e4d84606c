"""The charts: their geometry for every example profile at four dates, and what a browser draws.

The unit tests read the SVG each chart draws on each canvas: every plan bar spans exactly the month
columns its heading names, no label sits on another label or on a line, every label stays on the
canvas, and no text is smaller than its canvas allows. Labels are measured with DejaVu Sans's own
advance widths (the charts' first font), not with the estimate the charts lay themselves out with.

The browser test builds guides through the command line, opens each page that holds a chart in
Chromium at a phone's, a narrow desktop's and a wide desktop's width, and checks what it draws: one
drawing per chart, each text at least 12 CSS pixels high, no label over another label or a line.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

from generator.advice.charts import CANVASES, NARROW, WIDE, Chart, cohort_charts, decision_chart, plan_chart, score_chart, time_chart
from generator.advice.diagnose import diagnose
from generator.advice.plan import Plan
from generator.advice.select import reader_context
from generator.loading.validate import load_profile

from conftest import EXAMPLES, PROFILES, ROOT

DATES = (dt.date(2026, 3, 20), dt.date(2026, 4, 1), dt.date(2026, 7, 15), dt.date(2026, 11, 29))
"""Just after Match Week, a fortnight later, before applications open, and in interview season."""
NS = {"svg": "http://www.w3.org/2000/svg"}
FONTS = Path("/usr/share/fonts/truetype/dejavu")
SMALLEST = 12
"""No chart text may show smaller than this, in CSS pixels."""


# --- what the charts draw -----------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    where: str
    plan: Plan
    charts: tuple[Chart, ...]


@pytest.fixture(scope="module")
def drawn(kit) -> list[Drawn]:
    """Every chart of every example profile, and of the public edition, at each date."""
    out = []
    for as_of in DATES:
        for path in [*EXAMPLES, None]:
            profile = load_profile(path, kit.data, as_of=as_of) if path else None
            dx = diagnose(profile, kit.data, as_of=as_of) if profile else None
            plan = reader_context(profile, dx, kit.data, as_of=as_of)["plan"]
            charts = (
                score_chart(profile, dx, kit.data),
                decision_chart(profile, dx),
                time_chart(kit.data, dx.decision if dx else None),
                plan_chart(plan, profile is not None, kit.data.labels["buckets"]),
            )
            out.append(Drawn(f"{path.stem if path else 'public edition'} on {as_of}", plan, charts))
    return out


@functools.cache
def _font(bold: bool):
    from fontTools.ttLib import TTFont

    path = FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if not path.exists():
        pytest.skip(f"the label boxes are measured with {path}")
    return TTFont(path)


def _measure(text: str, bold: bool) -> tuple[float, float, float]:
    """Width, ascent and descent of TEXT in DejaVu Sans, in ems."""
    font = _font(bold)
    cmap, advances, em = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    width = sum(advances[cmap[ord(ch)]][0] for ch in text) / em
    return width, font["hhea"].ascent / em, -font["hhea"].descent / em


@dataclass(frozen=True)
class Label:
    text: str
    size: float
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class Drawing:
    canvas: str
    width: float
    height: float
    root: ET.Element

    @classmethod
    def of(cls, svg: str) -> Drawing:
        root = ET.fromstring(svg)
        _, _, width, height = (float(v) for v in root.get("viewBox").split())
        names = [c.name for c in CANVASES if f"chart__{c.name}" == root.get("class")]
        return cls(names[0] if names else "", width, height, root)

    @property
    def labels(self) -> list[Label]:
        out = []
        for t in self.root.iterfind(".//svg:text", NS):
            size, x, y = float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
            width, ascent, descent = _measure(t.text, t.get("font-weight") == "bold")
            left = x - width * size / 2 if t.get("text-anchor") == "middle" else x
            out.append(Label(t.text, size, (left, y - ascent * size, left + width * size, y + descent * size)))
        return out

    @property
    def segments(self) -> list[tuple[float, float, float, float]]:
        """The box of each straight stretch of every line, widened by half its stroke."""
        out = []
        for line in self.root.iterfind(".//svg:line", NS):
            ends = [(float(line.get("x1")), float(line.get("y1"))), (float(line.get("x2")), float(line.get("y2")))]
            out += _boxes(ends, float(line.get("stroke-width", 1)) / 2)
        for poly in self.root.iterfind(".//svg:polyline", NS):
            points = [tuple(float(v) for v in p.split(",")) for p in poly.get("points").split()]
            out += _boxes(points, float(poly.get("stroke-width", 1)) / 2)
        return out

    def shapes(self, tag: str, css: str) -> list[ET.Element]:
        return [e for e in self.root.iterfind(f".//svg:{tag}", NS) if e.get("class") == css]


def _boxes(points: list[tuple[float, float]], half: float) -> list[tuple[float, float, float, float]]:
    return [(min(a[0], b[0]) - half, min(a[1], b[1]) - half, max(a[0], b[0]) + half, max(a[1], b[1]) + half)
            for a, b in pairwise(points)]


def _meet(a, b) -> bool:
    """Whether two boxes (left, top, right, bottom) share any area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _drawings(drawn: list[Drawn]):
    for d in drawn:
        for chart in d.charts:
            for svg in chart.drawings:
                yield f"{d.where}, {chart.name}", Drawing.of(svg)


# --- the geometry -------------------------------------------------------------------------------


def test_each_chart_is_drawn_wide_for_the_desktop_and_the_workbook_and_narrow_for_a_phone(drawn):
    for d in drawn:
        for chart in d.charts:
            canvases = [Drawing.of(svg) for svg in chart.drawings]
            assert [(c.canvas, c.width) for c in canvases] == [("wide", WIDE.width), ("narrow", NARROW.width)], d.where
            ids = [c.root.get("aria-labelledby") for c in canvases]
            assert ids[0] == f"chart-{chart.name}-title" and len(set(ids)) == 2, ids  # one id per drawing on the page
            for c, label_id in zip(canvases, ids):
                assert c.root.get("role") == "img"
                title = c.root.find("svg:title", NS)
                assert title.get("id") == label_id and title.text.startswith(chart.title) and chart.description in title.text


def test_no_label_sits_on_another_or_on_a_line_or_off_the_canvas(drawn):
    problems = []
    for where, drawing in _drawings(drawn):
        labels, lines = drawing.labels, drawing.segments
        for i, a in enumerate(labels):
            problems += [f"{where} ({drawing.canvas}): {a.text!r} on {b.text!r}" for b in labels[i + 1 :] if _meet(a.box, b.box)]
            problems += [f"{where} ({drawing.canvas}): a line crosses {a.text!r}" for line in lines if _meet(a.box, line)]
            left, top, right, bottom = a.box
            if left < -0.5 or top < -0.5 or right > drawing.width + 0.5 or bottom > drawing.height + 0.5:
                problems.append(f"{where} ({drawing.canvas}): {a.text!r} leaves the canvas")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(sorted(set(problems))[:40])


def test_no_text_is_smaller_than_its_canvas_allows(drawn):
    assert min(WIDE.small, NARROW.small) >= SMALLEST
    for where, drawing in _drawings(drawn):
        smallest = {c.name: c.small for c in CANVASES}[drawing.canvas]
        assert min(label.size for label in drawing.labels) >= smallest, where


def test_each_plan_bar_spans_exactly_the_months_its_heading_names(drawn):
    for d in drawn:
        plan = d.plan
        for svg in next(c for c in d.charts if c.name == "plan").drawings:
            drawing = Drawing.of(svg)
            where = f"{d.where} ({drawing.canvas})"
            # The month grid: a gridline at the start of every month and at the end of the last, evenly spaced.
            grid = sorted({float(line.get("x1")) for line in drawing.shapes("line", "grid")})
            assert len(grid) == plan.length + 1, where
            steps = [b - a for a, b in pairwise(grid)]
            assert max(steps) - min(steps) < 0.2, where
            bars = drawing.shapes("rect", "bar")
            assert len(bars) == len(plan.phases), where
            text = " ".join(label.text for label in drawing.labels)
            for phase, bar in zip(plan.phases, bars):
                start, width = float(bar.get("x")), float(bar.get("width"))
                assert start == pytest.approx(grid[phase.start], abs=0.1), (where, phase.id)
                assert start + width == pytest.approx(grid[phase.end + 1], abs=0.1), (where, phase.id)
                # The heading names the same months as the bar covers.
                assert (phase.first_month, phase.last_month) == (plan.months[phase.start].start, plan.months[phase.end].start)
                assert f"{phase.title}, {phase.span}" in text, (where, phase.id)
            # The bars tile the axis: each at least a month long, each starting where the one before ends.
            ends = [(float(b.get("x")), float(b.get("x")) + float(b.get("width"))) for b in bars]
            assert all(end - start >= steps[0] - 0.2 for start, end in ends), f"{where}: a phase shorter than a month"
            assert ends[0][0] == pytest.approx(grid[0], abs=0.1) and ends[-1][1] == pytest.approx(grid[-1], abs=0.1), where
            for (_, end), (next_start, _) in pairwise(ends):
                assert end == pytest.approx(next_start, abs=0.1), f"{where}: a bar runs over the next one, or leaves a gap"
            _check_month_names(drawing, plan, grid, where)
            _check_applications_open(drawing, plan, grid, where)


def _check_month_names(drawing: Drawing, plan: Plan, grid: list[float], where: str) -> None:
    """Each month name sits under its own column, in the plan's order; each year under the first month named in it."""
    bottom = max(float(line.get("y2")) for line in drawing.shapes("line", "grid"))
    below = [label for label in drawing.labels if label.box[1] > bottom]
    names = sorted((label for label in below if not label.text.isdigit()), key=lambda label: label.box[0])
    assert len(names) >= min(plan.length, 4), where
    named, n = [], 0  # (centre, month) of each name
    for label in names:
        while n < plan.length and not (plan.months[n].start.strftime("%b") == label.text and label.box[0] < grid[n + 1] and grid[n] < label.box[2]):
            n += 1
        assert n < plan.length, f"{where}: {label.text!r} is not under its month's column"
        named.append(((label.box[0] + label.box[2]) / 2, plan.months[n].start))
        n += 1
    firsts = {}
    for centre, month in named:
        firsts.setdefault(month.year, centre)
    years = {int(label.text): (label.box[0] + label.box[2]) / 2 for label in below if label.text.isdigit()}
    assert plan.months[-1].start.year in years and years.keys() <= firsts.keys(), where
    assert all(centre == pytest.approx(firsts[year], abs=0.5) for year, centre in years.items()), where


def _check_applications_open(drawing: Drawing, plan: Plan, grid: list[float], where: str) -> None:
    submit = next((m for m in plan.milestones if m.text.startswith("Submit")), None)
    marks = {float(line.get("x1")) for line in drawing.shapes("line", "reader")}
    if submit is None:
        assert not marks, where
        return
    n = next(i for i, m in enumerate(plan.months) if (m.start.year, m.start.month) == (submit.date.year, submit.date.month))
    assert len(marks) == 1 and grid[n] <= marks.pop() < grid[n + 1], f"{where}: applications open outside {submit.date:%B}"


def test_the_cohort_charts_are_drawn_once_for_the_pages_narrow_columns():
    rows = [{"decision": "pivot"}, {"decision": "reattempt"}, {"decision": "pivot"}]
    for chart in cohort_charts(rows, {"metrics": 2, "red_flags": 1}, {"metrics": "metrics", "red_flags": "red flags"}):
        (svg,) = chart.drawings
        drawing = Drawing.of(svg)
        assert drawing.canvas == "" and drawing.width == NARROW.width  # no class: nothing hides it
        assert min(label.size for label in drawing.labels) >= NARROW.small
        assert "chart__" not in chart.figure()


# --- in the browser -----------------------------------------------------------------------------

VIEWPORTS = {"phone": (375, 812), "narrow desktop": (820, 1000), "desktop": (1366, 900)}
"""At 820 px the section list takes a column, which leaves the chart's column narrower than the wide drawing."""
GUIDES = {"jordan-rivera": ["build", str(PROFILES / "jordan-rivera.yaml")], "maya-patel": ["build", str(PROFILES / "maya-patel.yaml")], "public": ["generic"]}
"""A plan to the next Match, a two-year plan, and the public edition."""

DRAWN_JS = """() => Array.from(document.querySelectorAll('figure.chart'), figure => {
  const shown = Array.from(figure.querySelectorAll('svg')).filter(svg => getComputedStyle(svg).display !== 'none');
  const svg = shown[0];
  const m = svg.getScreenCTM();
  const at = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
  const lines = [];
  for (const el of svg.querySelectorAll('line, polyline')) {
    const pts = el.tagName === 'line'
      ? [[+el.getAttribute('x1'), +el.getAttribute('y1')], [+el.getAttribute('x2'), +el.getAttribute('y2')]]
      : el.getAttribute('points').trim().split(/\\s+/).map(p => p.split(',').map(Number));
    lines.push({points: pts.map(([x, y]) => at(x, y)), half: (+el.getAttribute('stroke-width') || 1) * m.a / 2});
  }
  const box = r => [r.left, r.top, r.right, r.bottom];
  return {
    id: figure.id,
    shown: shown.length,
    figure: figure.getBoundingClientRect().width,
    width: svg.getBoundingClientRect().width,
    texts: Array.from(svg.querySelectorAll('text'), t => {
      const c = t.getScreenCTM();
      return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(c.a, c.b), box: box(t.getBoundingClientRect())};
    }),
    lines,
  };
})"""


@pytest.fixture(scope="module")
def chart_pages(tmp_path_factory) -> list[Path]:
    """The pages holding a chart, in guides built through the command line (no PDF)."""
    root = tmp_path_factory.mktemp("charts")
    run = [sys.executable, "-c", "from generator.commands.cli import main; main()"]
    for name, command in GUIDES.items():
        done = subprocess.run([*run, *command, "-o", str(root / name), "--no-pdf", "--as-of", "2026-04-01"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    pages = sorted(p for p in root.rglob("*.html") if '<figure class="chart' in p.read_text(encoding="utf-8"))
    drawn = {name for p in pages for name in re.findall(r'<figure class="chart chart--(\w+)"', p.read_text(encoding="utf-8"))}
    assert drawn == {"scores", "decision", "time", "plan"}, pages
    return pages


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: v.replace(" ", "-"))
def test_chart_text_is_readable_and_clear_in_the_browser(chart_pages, chromium, viewport):
    width, height = VIEWPORTS[viewport]
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems, seen = [], 0
    try:
        for path in chart_pages:
            page.goto(path.as_uri(), wait_until="load")
            for chart in page.evaluate(DRAWN_JS):
                where = f"{path.parent.name}/{path.name} #{chart['id']}"
                seen += 1
                if chart["shown"] != 1:
                    problems.append(f"{where}: {chart['shown']} drawings shown, not one")
                if chart["width"] > chart["figure"] + 0.5:
                    problems.append(f"{where}: the drawing is wider than its figure")
                problems += _rendered_problems(where, chart)
    finally:
        context.close()
    assert seen >= 3 * len(GUIDES)
    assert not problems, f"{len(problems)} problem(s) at {width}px:\n" + "\n".join(problems[:40])


def _rendered_problems(where: str, chart: dict) -> list[str]:
    problems = []
    texts = [t for t in chart["texts"] if t["box"][2] > t["box"][0]]
    assert texts, where
    lines = [box for line in chart["lines"] for box in _boxes([tuple(p) for p in line["points"]], line["half"])]
    for i, t in enumerate(texts):
        if t["px"] < SMALLEST - 0.01 or t["box"][3] - t["box"][1] < SMALLEST:
            problems.append(f"{where}: {t['text']!r} is {t['px']:.1f}px")
        problems += [f"{where}: {t['text']!r} on {u['text']!r}" for u in texts[i + 1 :] if _meet(_inset(t["box"]), _inset(u["box"]))]
        problems += [f"{where}: a line crosses {t['text']!r}" for line in lines if _meet(_inset(t["box"]), line)]
    return problems


def _inset(box: list[float]) -> tuple[float, float, float, float]:
    """A rendered text's box less a quarter pixel all round, so boxes that only touch on a rounded pixel do not count."""
    return box[0] + 0.25, box[1] + 0.25, box[2] - 0.25, box[3] - 0.25

