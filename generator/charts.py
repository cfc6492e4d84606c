"""Pictures drawn from data, as inline SVG that renders the same in a browser and in WeasyPrint.

Each chart is a `Chart`: the SVG, a one-line title, a text alternative that states every number
the picture shows, and a caption naming the sources. Nothing is hand-placed: positions come from
the reader's profile, their diagnosis and the data files. Text uses `currentColor`, so a chart
follows the page's light or dark scheme; the few fills are mid-tones readable on both.

WeasyPrint's SVG renderer ignores `text-anchor="end"`, so labels are anchored at their start or
their middle only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from markupsafe import Markup, escape

from generator.data import ReferenceData, Specialty
from generator.models import Diagnosis
from generator.plan import Plan
from generator.profile import Profile

WIDTH = 420
"""Every chart's width in SVG units: narrow enough that text stays readable on a phone."""
ACCENT = "#2b6cb0"
READER = "#c05621"
MUTED = "#8a94a3"
FONT = "DejaVu Sans, Verdana, sans-serif"

# The playbook's own example specialties, shown in the public edition's score chart.
GENERIC_SPECIALTIES = ("dermatology", "orthopaedic_surgery", "plastic_surgery", "neurological_surgery", "internal_medicine", "family_medicine")


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    description: str
    """The text alternative: every number the picture shows, in words."""
    caption: str
    svg: str

    def figure(self) -> Markup:
        """The chart as an HTML figure, its SVG labelled by its title and description."""
        return Markup(
            f'<figure class="chart chart--{self.name}" id="chart-{self.name}">'
            f"{self.svg}"
            f'<figcaption>{escape(self.caption)}</figcaption>'
            "</figure>"
        )


class _Svg:
    """A small SVG writer: every text is escaped, every number rounded."""

    def __init__(self, name: str, width: int, height: int, title: str, description: str):
        self.name, self.width, self.height = name, width, height
        # One <title> holds the whole text alternative: browsers and screen readers read it, and
        # WeasyPrint makes it the /Alt of the tagged figure in the PDF.
        self.parts: list[str] = [f'<title id="chart-{name}-title">{escape(title)}. {escape(description)}</title>']

    def add(self, tag: str, text: str | None = None, **attrs: Any) -> None:
        rendered = " ".join(
            f'{k.rstrip("_").replace("_", "-")}="{_num(v) if isinstance(v, (int, float)) else escape(v)}"'
            for k, v in attrs.items()
            if v is not None
        )
        self.parts.append(f"<{tag} {rendered}>{escape(text)}</{tag}>" if text is not None else f"<{tag} {rendered}/>")

    def text(self, x: float, y: float, text: str, size: float = 12, anchor: str = "start", weight: str | None = None, fill: str = "currentColor") -> None:
        self.add("text", text, x=x, y=y, font_size=size, text_anchor=anchor, font_weight=weight, fill=fill, font_family=FONT)

    def render(self) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" role="img" '
            f'aria-labelledby="chart-{self.name}-title">' + "".join(self.parts) + "</svg>"
        )


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def _text_width(text: str, size: float) -> float:
    """A generous estimate of DejaVu Sans text width, for layout only."""
    return len(text) * size * 0.62


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
    low = (min(values) - 6) // 5 * 5
    high = -(-(max(values) + 6) // 5) * 5

    # Each row: the specialty's name, then its line on a shared axis below it.
    left, right, top, row_h = 12, WIDTH - 12, 58, 50
    height = top + row_h * max(len(rows), 1) + 40

    def x(v: float) -> float:
        return left + (v - low) * (right - left) / (high - low)

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
    svg = _Svg("scores", WIDTH, height, title, description)

    # Legend.
    svg.add("circle", cx=8, cy=14, r=6, fill=ACCENT)
    svg.text(20, 18, "matched mean", 12)
    svg.add("circle", cx=128, cy=14, r=5.5, fill="none", stroke=MUTED, stroke_width=2)
    svg.text(140, 18, "unmatched mean", 12)
    if score is not None:
        svg.add("line", x1=262, y1=6, x2=262, y2=22, stroke=READER, stroke_width=3)
        svg.text(270, 18, "your score", 12, weight="bold", fill=READER)

    # Grid and axis.
    axis_y = top + row_h * max(len(rows), 1) - 6
    for tick in range(int(low), int(high) + 1, 5):
        svg.add("line", x1=x(tick), y1=top - 4, x2=x(tick), y2=axis_y, stroke=MUTED, stroke_width=0.5, stroke_opacity=0.5)
        svg.text(x(tick), axis_y + 16, str(tick), 11, anchor="middle")
    svg.text(left, axis_y + 34, "Step 2 CK score", 11)

    label_spans: list[tuple[float, float, float]] = []  # (right end, top, bottom) of each row's label
    for i, s in enumerate(rows):
        y = top + row_h * i + 30
        mean, miss = s.step2_ck.matched, s.step2_ck.unmatched
        target = dx is not None and s.key == dx.target_specialty
        label = s.name + (" (your target)" if target and s.key != dx.dream_specialty else "") + (" (your first choice)" if dx is not None and s.key == dx.dream_specialty else "")
        svg.text(left, y - 16, label, 12.5, weight="bold" if target else None)
        label_spans.append((left + len(label) * 12.5 * (0.66 if target else 0.6), y - 28, y - 11))
        svg.add("line", x1=left, y1=y, x2=right, y2=y, stroke=MUTED, stroke_width=1, stroke_opacity=0.6)
        if miss is not None:
            svg.add("line", x1=x(min(mean, miss)), y1=y, x2=x(max(mean, miss)), y2=y, stroke=ACCENT, stroke_width=3, stroke_opacity=0.45)
            svg.add("circle", cx=x(miss), cy=y, r=5.5, fill="none", stroke=MUTED, stroke_width=2)
            svg.text(x(miss), y + 17, str(miss), 11, anchor="middle")
        svg.add("circle", cx=x(mean), cy=y, r=6, fill=ACCENT)
        svg.text(x(mean), y + 17, str(mean), 11, anchor="middle", weight="bold")
    if score is not None:
        # The reader's line, broken where it would cross a row's label, so every name stays legible.
        start = top - 8
        for right_end, label_top, label_bottom in label_spans:
            if x(score) - 3 <= right_end:
                svg.add("line", x1=x(score), y1=start, x2=x(score), y2=label_top, stroke=READER, stroke_width=3)
                start = label_bottom
        svg.add("line", x1=x(score), y1=start, x2=x(score), y2=axis_y, stroke=READER, stroke_width=3)
        svg.text(x(score), top - 12, f"you: {score}", 12, anchor="middle", weight="bold", fill=READER)

    unverified = any(not s.step2_ck.verified for s in rows)
    caption = (
        f"Mean Step 2 CK of US MD seniors who matched, and who did not, by specialty. Source: {', '.join(sources) or 'none'}"
        + (" (transcribed figures, not independently verified)" if unverified else "")
        + "."
    )
    return Chart("scores", title, description, caption, svg.render())


# --- The decision path -------------------------------------------------------------------------


def decision_chart(profile: Profile | None, dx: Diagnosis | None) -> Chart:
    """The playbook's process diagram, with the reader's route drawn in the accent colour."""
    route = dx.decision if dx is not None else None
    start = "Not in your dream specialty" if profile is not None and profile.outcome in ("matched_other", "soap_unwanted") else "Unmatched, or not in the dream specialty"
    # (id, label, x-centre, y-top, shape, on the reader's route?)
    first = route is not None  # a reader still gathering the facts is on the first two steps only
    both = route in ("reattempt", "pivot")
    nodes = [
        ("start", start, MID, 8, "box", first),
        ("analyse", "Analyse metrics and application", MID, 70, "box", first),
        ("norms", "Metrics near norms?", MID, 132, "diamond", both),
        ("reattempt", "One more serious reattempt", LEFT, 222, "box", route == "reattempt"),
        ("pivot", "Identify realistic pivot specialties", RIGHT, 222, "box", route == "pivot"),
        ("dream_role", "Research or prelim year in the dream field", LEFT, 284, "box", route == "reattempt"),
        ("pivot_role", "A role in the pivot field", RIGHT, 284, "box", route == "pivot"),
        ("strengthen", "12 to 18 months: strengthen the profile", MID, 356, "box", both),
        ("apply", "Rebuild the application, apply broadly", MID, 418, "box", both),
        ("matched", "Matched?", MID, 480, "diamond", both),
        ("residency", "Start residency", LEFT, 570, "box", both),
        ("reassess", "Reassess: a second pivot or another career", RIGHT, 570, "box", False),
    ]
    edges = [
        ("start", "analyse", None, first),
        ("analyse", "norms", None, both),
        ("norms", "reattempt", "yes", route == "reattempt"),
        ("norms", "pivot", "no", route == "pivot"),
        ("reattempt", "dream_role", None, route == "reattempt"),
        ("pivot", "pivot_role", None, route == "pivot"),
        ("dream_role", "strengthen", None, route == "reattempt"),
        ("pivot_role", "strengthen", None, route == "pivot"),
        ("strengthen", "apply", None, both),
        ("apply", "matched", None, both),
        ("matched", "residency", "yes", both),
        ("matched", "reassess", "no", False),
    ]
    box_w, side_w, box_h, dia_w, dia_h = 240, 196, 44, 190, 56
    geometry = {}
    for nid, label, cx, y, shape, _ in nodes:
        h = dia_h if shape == "diamond" else box_h
        geometry[nid] = (cx, y, h)

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
    svg = _Svg("decision", WIDTH, 622, title, description)

    def colour(on: bool) -> str:
        return ACCENT if on else MUTED

    for a, b, label, on in edges:
        ax, ay, ah = geometry[a]
        bx, by, _ = geometry[b]
        x1, y1 = ax, ay + ah
        if a in ("norms", "matched") and bx != ax:
            x1 = ax + (-dia_w / 2 if bx < ax else dia_w / 2)
            y1 = ay + ah / 2
            points = [(x1, y1), (bx, y1), (bx, by - 7)]
        elif bx != ax:
            points = [(x1, y1), (x1, y1 + (by - y1) / 2), (bx, y1 + (by - y1) / 2), (bx, by - 7)]
        else:
            points = [(x1, y1), (bx, by - 7)]
        svg.add(
            "polyline",
            points=" ".join(f"{_num(float(px))},{_num(float(py))}" for px, py in points),
            fill="none",
            stroke=colour(on),
            stroke_width=3 if on else 1.5,
        )
        tx, ty = points[-1]
        svg.add("polygon", points=f"{_num(tx - 5.5)},{_num(ty)} {_num(tx + 5.5)},{_num(ty)} {_num(tx)},{_num(ty + 7)}", fill=colour(on))
        if label:
            lx = (points[0][0] + points[1][0]) / 2
            svg.text(lx, points[0][1] - 6, label, 11, anchor="middle", weight="bold", fill=colour(on) if on else "currentColor")

    for nid, label, cx, y, shape, on in nodes:
        fill = ACCENT if on else "none"
        text_fill = "#ffffff" if on else "currentColor"
        if shape == "diamond":
            points = f"{cx},{y} {cx + dia_w / 2},{y + dia_h / 2} {cx},{y + dia_h} {cx - dia_w / 2},{y + dia_h / 2}"
            svg.add("polygon", points=points, fill=fill, stroke=colour(on), stroke_width=2)
            svg.text(cx, y + dia_h / 2 + 4, label, 12, anchor="middle", weight="bold", fill=text_fill)
        else:
            w = box_w if cx == MID else side_w
            svg.add("rect", x=cx - w / 2, y=y, width=w, height=box_h, rx=6, fill=fill, stroke=colour(on), stroke_width=2)
            lines = _wrap(label, w - 14, 12)
            for i, line in enumerate(lines):
                svg.text(cx, y + (27 if len(lines) == 1 else 19 + i * 15), line, 12, anchor="middle", fill=text_fill)
    caption = "The rebuilding process as the playbook draws it" + (", with your route highlighted." if route else ".")
    return Chart("decision", title, description, caption, svg.render())


MID, LEFT, RIGHT = WIDTH / 2, 100, WIDTH - 100


def _wrap(text: str, width: float, size: float) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if line and _text_width(candidate, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + [line] if line else lines


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


def bar_chart(name: str, title: str, description: str, caption: str, rows: list[tuple[str, int]], unit: str = "") -> Chart:
    """Horizontal bars, each labelled above, the largest first in full colour."""
    top, row_h, right = 4, 46, WIDTH - 52
    svg = _Svg(name, WIDTH, top + row_h * max(len(rows), 1), title, description)
    biggest = max([v for _, v in rows] + [1])
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        svg.text(0, y + 13, label, 12.5)
        w = max(right * value / biggest, 2)
        svg.add("rect", x=0, y=y + 20, width=w, height=18, rx=3, fill=ACCENT, fill_opacity=1 if i == 0 else 0.7)
        svg.text(w + 8, y + 34, f"{value}{unit}", 12.5, weight="bold")
    return Chart(name, title, description, caption, svg.render())


def cohort_charts(rows: list[dict[str, str]], buckets: dict[str, int], labels: dict[str, str]) -> list[Chart]:
    """The cohort's decision split and how often each bucket is flagged."""
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
        ),
        bar_chart(
            "buckets",
            "How often each bucket is flagged",
            f"Of {total} students, flagged: " + "; ".join(f"{label} {n}" for label, n in flagged) + ".",
            "Students whose diagnosis flags each bucket; one student can have several.",
            flagged,
        ),
    ]


# --- The plan as a timeline ---------------------------------------------------------------------


def plan_chart(plan: Plan, personal: bool, labels: dict[str, str]) -> Chart:
    """The plan's phases on the real months, from the as-of month to Match Week of the target Match.

    Each phase's bar covers exactly the months its heading names (the first month's start to the
    last month's end); a marked line shows when applications can first be sent.
    """
    months = plan.length
    left, right, top, row_h = 8, WIDTH - 12, 30, 62
    height = top + row_h * len(plan.phases) + 42

    def x(month: float) -> float:
        return left + month * (right - left) / months

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
    svg = _Svg("plan", WIDTH, height, title, description)
    axis_y = top + row_h * len(plan.phases) + 8
    step = 1 if months <= 8 else 2 if months <= 14 else 3
    for n in range(0, months + 1):
        if n % step == 0 or n == months:
            svg.add("line", x1=x(n), y1=top - 4, x2=x(n), y2=axis_y, stroke=MUTED, stroke_width=0.5, stroke_opacity=0.5)
    for n in range(0, months, step):
        day = plan.months[n].start
        if x(n) + 2 + _text_width("Mmm", 11) > WIDTH:
            break
        svg.text(x(n) + 2, axis_y + 16, day.strftime("%b"), 11)
        if n == 0 or day.month <= step:  # the year under the first month shown of each year
            svg.text(x(n) + 2, axis_y + 30, str(day.year), 11)
    if submit is not None:
        n = next(i for i, m in enumerate(plan.months) if (m.start.year, m.start.month) == (submit.date.year, submit.date.month))
        at = x(n + (submit.date.day - 1) / 31)
        svg.add("line", x1=at, y1=top - 10, x2=at, y2=axis_y, stroke=READER, stroke_width=2)
        note = "applications open"
        svg.text(max(0.0, min(at + 4, WIDTH - _text_width(note, 11))), top - 14, note, 11, weight="bold", fill=READER)
    for i, p in enumerate(plan.phases):
        y = top + i * row_h
        start, width = x(p.start), x(p.end + 1) - x(p.start)
        heading = f"{p.title}, {p.span}"
        lines = _wrap(heading, WIDTH - 8, 12.5)
        heading_x = 0.0 if len(lines) > 1 else max(0.0, min(start, WIDTH - _text_width(heading, 12.5)))
        svg.text(heading_x, y + 12, lines[0], 12.5, weight="bold")
        svg.add("rect", x=start, y=y + 20, width=max(width, 3), height=14, rx=4, fill=ACCENT, fill_opacity=0.85)
        note = ("your focus: " + ", ".join(labels.get(b, b) for b in p.buckets)) if p.buckets else p.summary
        for j, line in enumerate(_wrap(note, WIDTH - 8, 11)[:2]):
            svg.text(left, y + 47 + j * 12, line, 11, weight="bold" if p.buckets else None)
    if plan.target_match:
        caption = f"The plan from {first} to Match Week of the {plan.target_match} Match" + (
            ", with the repair phase set by your diagnosis." if personal else "."
        ) + " Dates from the NRMP and AAMC calendars; those not yet published are estimates. Source: the playbook, step 6."
    else:
        caption = f"The next twelve months, from {first}" + (
            ", with the repair phase set by your diagnosis." if personal else "."
        ) + " Source: the playbook, step 6."
    return Chart("plan", title, description, caption, svg.render())
