"""Stage 3: choose the sections and example texts that fit the reader, and render them to HTML."""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace
from typing import Any, NamedTuple

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from generator.advice import charts as drawing
from generator.loading.content import Condition, Library, SectionSource, StepSource, WorksheetSource
from generator.loading.data import ReferenceData
from generator.errors import ContentError
from generator.models import Cell, Column, Diagnosis, FirstStep, Section, TableRow, Worksheet, WorksheetField, compare_keeps
from generator.advice.plan import build_plan
from generator.loading.profile import Profile
from generator.templating import MarkdownText, UnsafeURL, md_escape, render_inline, render_markdown

log = logging.getLogger(__name__)

FIRST_STEPS = 3
"""How many steps the "This week" card holds."""


class Selection(NamedTuple):
    sections: list[Section]
    skipped: list[tuple[str, str]]
    """(section id, title) of the sections left out."""
    first_steps: tuple[FirstStep, ...]


def reader_context(profile: Profile | None, dx: Diagnosis | None, data: ReferenceData, *, as_of: dt.date) -> dict[str, Any]:
    """The variables content templates see (documented in docs/content.md)."""
    catalog, cal = data.catalog, data.calendar
    if profile is not None and dx is not None:
        last, coming, target_match = dx.cycle.last_match, dx.cycle.next_match, dx.cycle.target_match
    else:  # the public edition: the Match that ended last, and the next one still open to applications
        last = cal.last_match(as_of)
        coming = cal.cycle_on_time(as_of, last)
        target_match = coming
    base = {
        "facts": data.facts,
        "rules": data.rules,
        "labels": data.labels,
        "talk": data.keep_talk,
        "specialties": catalog.by_key,
        "generic": profile is None,
        "as_of": as_of,
        "calendar": cal,
        "last_match": cal[last],
        "next_match": cal[coming],
        "after_next_match": cal[coming + 1],
        "target_match": cal[target_match] if target_match else None,
        "plan": build_plan(dx if profile is not None else None, data.plan, cal, as_of, target_match),
    }
    if profile is None or dx is None:
        return {**base, "p": None, "dx": None, "dream": None, "target": None, "matched": None, "cycle": None}
    shared, apart = compare_keeps([(catalog[o.specialty].name, o.keeps) for o in dx.pivot_options])
    view = SimpleNamespace(
        buckets=dx.buckets,
        flagged=dx.flagged,
        unassessed=dx.unassessed,
        primary=list(dx.primary),
        decision=dx.decision,
        decision_reasons=list(dx.decision_reasons),
        pivot_options=[
            SimpleNamespace(specialty=catalog[o.specialty], keeps=list(o.keeps), extra=extra, same_as=same_as)
            for o, (extra, same_as) in zip(dx.pivot_options, apart)
        ],
        shared_keeps=shared,
        pivot_notes=list(dx.pivot_notes),
        applications=dx.applications,
        years_since_graduation=dx.years_since_graduation,
        step2_gap=dx.step2_gap,
        missing=list(dx.missing),
        holding=dx.holding,
        cycle=dx.cycle,
        graduation_delay=dx.graduation_delay,
        route=dx.route,
    )
    matched = catalog[profile.matched_specialty] if profile.matched_specialty else None
    return {
        **base,
        "p": profile,
        "dx": view,
        "dream": catalog[dx.dream_specialty],
        "target": catalog[dx.target_specialty] if dx.target_specialty else None,
        "matched": matched,
        "cycle": dx.cycle,
    }


def evaluate(condition: Condition, context: dict[str, Any]) -> Any:
    """Evaluate a content condition; a failure names the content file and line."""
    try:
        return condition.test(**context)
    except jinja2.TemplateError as exc:
        raise ContentError(condition.where.path, f"the condition {condition.source!r} failed: {exc}", condition.where.line) from None
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        raise ContentError(condition.where.path, f"the condition {condition.source!r} failed: {exc}", condition.where.line) from None


def render_template(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render a content template; a failure names the content file and line."""
    try:
        return template.render(context)
    except ContentError:
        raise
    except Exception as exc:  # any failure inside a content template is the content's fault
        path, line = template.filename or "<content>", 0
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == template.filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        raise ContentError(path, f"template error: {exc}", line) from None


def select_content(
    profile: Profile | None,
    dx: Diagnosis | None,
    data: ReferenceData,
    library: Library,
    md: MarkdownIt,
    *,
    as_of: dt.date,
) -> Selection:
    """The sections for this reader (all of them in the generic edition), rendered; those left out; and the
    "This week" card's steps."""
    context = reader_context(profile, dx, data, as_of=as_of)
    chosen: dict[str, str] = {}

    def example(slot: str) -> MarkdownText:
        variants = library.examples.get(slot)
        if variants is None:
            raise KeyError(f"unknown example slot {slot!r}")
        for variant in variants:
            if context["generic"] and variant is not variants[-1]:
                continue
            if context["generic"] or evaluate(variant.when, context):
                chosen[slot] = variant.name
                return MarkdownText(render_template(variant.body, context))
        raise KeyError(f"no variant of {slot!r} applies")  # load_library guarantees a fallback

    drawn: dict[str, Markup] = {}
    painters = {
        "scores": lambda: drawing.score_chart(profile, dx, data),
        "decision": lambda: drawing.decision_chart(profile, dx),
        "time": lambda: drawing.time_chart(data, dx.decision if dx else None),
        "plan": lambda: drawing.plan_chart(context["plan"], profile is not None, data.labels["buckets"]),
    }

    def chart(name: str) -> MarkdownText:
        if name not in painters:
            raise KeyError(f"unknown chart {name!r} (expected one of: {', '.join(painters)})")
        drawn[name] = painters[name]().figure()
        return MarkdownText(f"\n::: chart {name}\n:::\n")

    every = {s.id: s for s in library.sections}
    included = {s.id for s in library.sections if context["generic"] or evaluate(s.when, context)}

    def ref(section_id: str, text: str | None = None, worksheet: str | None = None) -> MarkdownText:
        """A link to another section (or one of its worksheets); plain text if this reader's guide leaves it out."""
        if section_id not in every:
            raise KeyError(f"ref() to an unknown section {section_id!r}")
        if worksheet is not None and worksheet not in library.worksheets:
            raise KeyError(f"ref() to an unknown worksheet {worksheet!r}")
        target = every[section_id]
        label = md_escape(text or (library.worksheets[worksheet].meta.title if worksheet else target.meta.title))
        if section_id not in included or (worksheet is not None and worksheet not in target.meta.worksheets):
            return MarkdownText(label)
        anchor = f"#worksheet-{worksheet}" if worksheet else ""
        return MarkdownText(f"[{label}]({section_id}.html{anchor})")

    context["example"] = example
    context["chart"] = chart
    context["ref"] = ref
    sections: list[Section] = []
    skipped: list[tuple[str, str]] = []
    for source in library.sections:
        if source.id not in included:
            if not source.public_only:
                skipped.append((source.id, source.meta.title))
            continue
        chosen.clear()
        drawn.clear()
        sections.append(_render_section(source, context, library, md, chosen, drawn))
    steps = [step for step in library.first_steps if evaluate(step.when, context)][:FIRST_STEPS]
    if len(steps) < FIRST_STEPS:
        where = library.first_steps[-1].when.where
        raise ContentError(where.path, f"only {len(steps)} of the first steps apply to this reader; the card needs {FIRST_STEPS}")
    first_steps = tuple(_first_step(step, context, md) for step in steps)
    log.info("selected %d sections, left out %d", len(sections), len(skipped))
    return Selection(sections, skipped, first_steps)


def _render_section(
    source: SectionSource,
    context: dict[str, Any],
    library: Library,
    md: MarkdownIt,
    chosen: dict[str, str],
    drawn: dict[str, Markup],
) -> Section:
    body = render_template(source.body, context)
    try:
        html, headings = render_markdown(md, body, drawn)
    except UnsafeURL as exc:
        raise ContentError(source.where.path, str(exc), _line_of(source, exc)) from None
    why = render_inline(md, render_template(source.why, context).strip())
    worksheets = tuple(_worksheet(library.worksheets[w], context, md) for w in source.meta.worksheets)
    return Section(
        id=source.id,
        title=source.meta.title,
        summary=source.meta.summary,
        why=why,
        html=html,
        headings=tuple(headings),
        worksheets=worksheets,
        examples=dict(chosen),
        charts=tuple(drawn),
    )


def _first_step(step: StepSource, context: dict[str, Any], md: MarkdownIt) -> FirstStep:
    """A step of the "This week" card, rendered for this reader on one line."""
    text = " ".join(render_template(step.text, context).split())
    try:
        return FirstStep(step.id, render_inline(md, text))
    except UnsafeURL as exc:
        raise ContentError(step.text.where.path, str(exc), step.text.where.line) from None


def _line_of(source: SectionSource, exc: UnsafeURL) -> int:
    """The line of the section file that holds the refused URL, when it is written there literally."""
    text = source.where.path.read_text(encoding="utf-8")
    if exc.url and exc.url in text:
        return text[: text.index(exc.url)].count("\n") + 1
    return 0


def _worksheet(source: WorksheetSource, context: dict[str, Any], md: MarkdownIt) -> Worksheet:
    def prefill(key: str) -> Any:
        if key not in source.prefills or context["generic"]:
            return None
        return evaluate(source.prefills[key], context)

    def row_labels(f: Any) -> list[str | None]:
        """A table's row labels: its labelled rows, or those its `row_labels` expression gives (also in the public edition)."""
        if not isinstance(f.rows, int):
            return [r.label for r in f.rows]
        if not f.row_labels:
            return [None] * f.rows
        key = f"{f.id}:rows"
        labels = evaluate(source.prefills[key], context)
        if not isinstance(labels, (list, tuple)) or not labels:
            where = source.prefills[key].where
            raise ContentError(where.path, f"row_labels must give a list of labels, one per row, not {labels!r}", where.line)
        return [str(label) for label in labels][: f.rows]

    fields = []
    for f in source.meta.fields:
        if f.kind != "table":
            fields.append(WorksheetField(f.id, f.label, f.kind, f.lines, _prefill_text(prefill(f.id))))
            continue
        columns = []
        for c in f.columns:
            key = f"{f.id}.{c.id}"
            values = prefill(key)
            if values is not None and not isinstance(values, (list, tuple)):
                where = source.prefills[key].where
                raise ContentError(where.path, f"the prefill of column {c.id!r} must give a list, one value per row, not {values!r}", where.line)
            columns.append((c, [_prefill_text(v) for v in values or []]))
        labels = row_labels(f)
        rows = []
        for n, (names, label) in enumerate(zip(f.cell_names(len(labels)), labels)):
            row_name = label if label and not label.isdigit() else f"{f.label}, row {n + 1}"
            cells = tuple(
                Cell(name, c.kind, f"{row_name}: {c.label}", values[n] if n < len(values) else None)
                for name, (c, values) in zip(names, columns)
            )
            rows.append(TableRow(label, cells))
        fields.append(WorksheetField(f.id, f.label, "table", columns=tuple(Column(c.label, c.kind) for c in f.columns), rows=tuple(rows)))
    return Worksheet(source.id, source.meta.title, md.renderInline(source.meta.intro), tuple(fields))


def _prefill_text(value: Any) -> str | None:
    if value is None or value == [] or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)
