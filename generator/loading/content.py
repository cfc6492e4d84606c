"""Load the guide's content: sections, example-text variants and worksheets from `content/`.

Each condition and template is compiled the first time it is used, and kept: a batch reuses it
for every reader, and Jinja's bytecode cache (see `generator.cache`) keeps the compiled code for
the next run. Any problem (bad front matter, a broken template, a slot without a fallback) is a `ContentError`
naming the file and line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any, Callable, Iterator, Literal

import jinja2
from jinja2 import nodes
from jinja2.environment import TemplateExpression
from jinja2.parser import Parser
from pydantic import BaseModel, ConfigDict, Field, model_validator

from generator.cache import code_stamp
from generator.errors import ContentError, InputError
from generator.loading.overrides import as_input_error, in_overrides
from generator.loading.schema import check, suggest
from generator.loading.yamlfile import Document, parse_yaml

log = logging.getLogger(__name__)


class _Front(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SectionMeta(_Front):
    title: str
    when: str
    why: str
    id: str | None = Field(default=None, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    summary: str = ""
    worksheets: list[str] = []


class ExampleMeta(_Front):
    when: str
    priority: int
    title: str | None = None


class ColumnMeta(_Front):
    id: str = Field(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$")
    label: str
    kind: Literal["line", "check", "header"] = "line"
    """`header`: the row's name, shown as the row's header where prefilled and a field to write one in where
    not (a spare row); only a table's first column can be one."""
    prefill: str | None = None
    """An expression giving one value per row (a list); rows past its end stay blank."""


class RowMeta(_Front):
    id: str = Field(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$")
    label: str


class FieldMeta(_Front):
    id: str = Field(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$")
    label: str
    kind: Literal["line", "area", "check", "table"]
    lines: int = Field(default=1, ge=1, le=30)
    prefill: str | None = None
    columns: list[ColumnMeta] = []
    rows: int | list[RowMeta] = 0
    """A table's rows: a count (cells named <field>_<n>_<column>) or labelled rows (<row>_<column>)."""
    row_labels: str | None = None
    """An expression giving the labels of a counted table's rows, one per row, for as many rows as it
    gives (at most `rows`), such as the months of the reader's plan; the cells are still <field>_<n>_<column>."""

    @model_validator(mode="after")
    def _table_shape(self) -> "FieldMeta":
        if self.kind == "table":
            if not self.columns or not self.rows:
                raise ValueError("a table needs `columns` and `rows`")
            if self.prefill:
                raise ValueError("a table is prefilled per column: put `prefill` on a column")
            if self.row_labels and not isinstance(self.rows, int):
                raise ValueError("`row_labels` labels counted rows: give `rows` as the most rows there can be")
            if any(c.kind == "header" for c in self.columns[1:]):
                raise ValueError("only a table's first column can be of kind `header`")
            if self.columns[0].kind == "header" and (self.row_labels or not isinstance(self.rows, int)):
                raise ValueError("a table whose first column is a `header` names its rows there: no `row_labels` or labelled rows")
        elif self.columns or self.rows or self.row_labels:
            raise ValueError("only a field of kind `table` has `columns`, `rows` and `row_labels`")
        return self

    def cell_names(self, count: int | None = None) -> list[list[str]]:
        """The field name of every cell, row by row (the first COUNT rows of a counted table)."""
        if isinstance(self.rows, int):
            keys = [f"{self.id}_{n}" for n in range(1, min(self.rows, count or self.rows) + 1)]
        else:
            keys = [r.id for r in self.rows]
        return [[f"{key}_{c.id}" for c in self.columns] for key in keys]


class StepMeta(_Front):
    id: str = Field(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$")
    source: str
    when: str
    text: str


class FirstStepsMeta(_Front):
    steps: list[StepMeta] = Field(min_length=3)


class WorksheetMeta(_Front):
    title: str
    intro: str
    fields: list[FieldMeta]


@dataclass(frozen=True)
class Located:
    """Where a compiled piece came from, for error messages."""

    path: Path
    line: int


class Condition:
    """A content condition (a Jinja expression), compiled the first time it is evaluated."""

    def __init__(self, env: jinja2.Environment, source: str, where: Located):
        self.source, self.where, self._env = source, where, env
        self._test: Callable[..., Any] | None = None

    @property
    def test(self) -> Callable[..., Any]:
        if self._test is None:
            template = _cached(self._env, "condition", self.where, self.source, self._compile)
            self._test = TemplateExpression(template, undefined_to_none=False)
        return self._test

    def _compile(self) -> CodeType:
        # What `Environment.compile_expression` does, stopping at the code so that it can be cached.
        parser = Parser(self._env, self.source, state="variable")
        try:
            expression = parser.parse_expression()
            if not parser.stream.eos:
                raise jinja2.TemplateSyntaxError("chunk after expression", parser.stream.current.lineno, None, None)
            expression.set_environment(self._env)
            body = [nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)]
            return self._env.compile(nodes.Template(body, lineno=1))
        except jinja2.TemplateSyntaxError as exc:  # an unknown filter or test too
            raise ContentError(self.where.path, f"the condition {self.source!r} is not a valid expression ({exc.message})", self.where.line) from None

    def compile(self) -> None:
        self.test  # noqa: B018 - compiles on first access


class Template:
    """A content template, compiled the first time it is rendered.

    Compiling every template of the library takes longer than building a guide, and a guide uses
    only some of them (one variant per example slot); `Library.compile_all` compiles them all, to
    find every syntax error at once (the tests and `--strict` do).
    """

    def __init__(self, env: jinja2.Environment, source: str, where: Located):
        self.source, self.where, self._env = source, where, env
        self.filename = str(where.path)
        self._template: jinja2.Template | None = None

    def compiled(self) -> jinja2.Template:
        if self._template is None:
            self._template = _cached(self._env, "template", self.where, self.source, self._compile)
        return self._template

    def _compile(self) -> CodeType:
        try:
            # Leading newlines make Jinja's line numbers the file's line numbers, and the file
            # name lets a render error be traced back to it.
            return self._env.compile("\n" * (self.where.line - 1) + self.source, filename=self.filename)
        except jinja2.TemplateSyntaxError as exc:
            raise ContentError(self.where.path, f"template error: {exc.message}", exc.lineno) from None

    def render(self, context: dict[str, Any]) -> str:
        return self.compiled().render(context)

    def compile(self) -> None:
        self.compiled()


_THIS_MODULE = code_stamp(__file__)


def _cached(env: jinja2.Environment, kind: str, where: Located, source: str, compile_: Callable[[], CodeType]) -> jinja2.Template:
    """The template compiled from SOURCE: from the environment's code cache, or by COMPILE_ (then cached)."""
    cache = env.bytecode_cache
    # The name covers this module too, since how a piece is compiled is decided here.
    bucket = cache.get_bucket(env, f"{kind}:{_THIS_MODULE}", f"{where.path}:{where.line}", source) if cache else None
    if bucket is not None and bucket.code is not None:
        code = bucket.code
    else:
        code = compile_()
        if bucket is not None:
            bucket.code = code
            cache.set_bucket(bucket)
    return env.template_class.from_code(env, code, env.make_globals(None))


@dataclass(frozen=True)
class SectionSource:
    id: str
    order: int
    meta: SectionMeta
    when: Condition
    why: Template
    body: Template
    where: Located

    @property
    def public_only(self) -> bool:
        """A page of the public edition only (`when: "generic"`): never in a personal guide, never "left out" of one."""
        return self.when.source.strip() == "generic"


@dataclass(frozen=True)
class ExampleSource:
    slot: str
    name: str
    meta: ExampleMeta
    when: Condition
    body: Template
    where: Located


@dataclass(frozen=True)
class WorksheetSource:
    id: str
    meta: WorksheetMeta
    prefills: dict[str, Condition]
    where: Located


@dataclass(frozen=True)
class StepSource:
    """One candidate step of the "This week" card (content/first-steps.yaml)."""

    id: str
    source: str
    when: Condition
    text: Template


@dataclass(frozen=True)
class Library:
    """All content, compiled."""

    sections: tuple[SectionSource, ...]
    examples: dict[str, tuple[ExampleSource, ...]]
    """Slot -> its variants in the order they are tried."""
    worksheets: dict[str, WorksheetSource]
    first_steps: tuple[StepSource, ...]
    """The "This week" card's candidate steps, most urgent first."""
    env: jinja2.Environment

    def compiled_pieces(self) -> Iterator[Condition | Template]:
        """Every condition and template of the library, in file order."""
        for section in self.sections:
            yield from (section.when, section.why, section.body)
        for variants in self.examples.values():
            for variant in variants:
                yield from (variant.when, variant.body)
        for worksheet in self.worksheets.values():
            yield from worksheet.prefills.values()
        for step in self.first_steps:
            yield from (step.when, step.text)

    def compile_all(self) -> None:
        """Compile every template and condition now; raise `ContentError` at the first that fails."""
        for piece in self.compiled_pieces():
            piece.compile()


def load_library(folder: Path, env: jinja2.Environment, overrides: tuple[Path, ...] = ()) -> Library:
    """Read every section, example and worksheet under FOLDER, with the files of an office's OVERRIDES
    folders (nearest first) laid over them; templates compile when first used, an office's at once.

    A problem in an office's file is an `InputError` naming that file (see `generator.loading.overrides`,
    which checks the folders' paths before this is called)."""
    try:
        library = _load_library(folder, env, tuple(overrides))
        for piece in library.compiled_pieces():
            if in_overrides(piece.where.path, overrides):
                piece.compile()
    except ContentError as exc:
        if in_overrides(exc.path, overrides):
            raise as_input_error(exc) from None
        raise
    return library


def _laid_over(folder: Path, overrides: tuple[Path, ...], pattern: str) -> list[Path]:
    """The files matching PATTERN under FOLDER, each replaced by the nearest override's file at the same
    path, plus the overrides' new ones; sorted by their path inside the folder."""
    found = {p.relative_to(folder).as_posix(): p for p in folder.glob(pattern)}
    for root in reversed(overrides):  # the farthest first, so that the nearest is laid last
        base = root / "content"
        found.update({p.relative_to(base).as_posix(): p for p in base.glob(pattern) if not p.name.startswith(".")})
    return [found[rel] for rel in sorted(found)]


def _section_order(path: Path) -> tuple[int, str]:
    match = re.match(r"(\d+)-", path.name)
    return (int(match.group(1)) if match else 10_000, path.name)


def _load_library(folder: Path, env: jinja2.Environment, overrides: tuple[Path, ...]) -> Library:
    section_files = sorted(_laid_over(folder, overrides, "sections/*.md"), key=_section_order)
    sections = tuple(_load_section(path, env) for path in section_files)
    if not sections:
        raise ContentError(folder / "sections", "no sections found (expected NN-name.md files)")
    seen: dict[str, Path] = {}
    for section in sections:
        if section.id in seen:
            raise ContentError(section.where.path, f"section id {section.id!r} is also used by {seen[section.id]}")
        seen[section.id] = section.where.path

    examples: dict[str, tuple[ExampleSource, ...]] = {}
    by_slot: dict[str, list[Path]] = {}
    for path in _laid_over(folder, overrides, "examples/*/*.md"):
        by_slot.setdefault(path.parent.name, []).append(path)
    for slot, paths in sorted(by_slot.items()):
        variants = sorted((_load_example(slot, path, env) for path in paths), key=lambda e: (e.meta.priority, e.name))
        if variants[-1].meta.when.strip() != "true":
            raise ContentError(variants[-1].where.path, f"the last variant of slot {slot!r} must have when: \"true\", so every reader gets one")
        examples[slot] = tuple(variants)

    worksheets = {ws.id: ws for ws in (_load_worksheet(p, env) for p in _laid_over(folder, overrides, "worksheets/*.yaml"))}
    for section in sections:
        for ws in section.meta.worksheets:
            if ws not in worksheets:
                raise ContentError(section.where.path, f"unknown worksheet {ws!r} (expected one of: {', '.join(worksheets)})", 1)
    _check_slot_references(sections, examples)
    if overrides:
        _check_additions_used(folder, sections, examples, worksheets)
    first_steps = _load_first_steps(_laid_over(folder, overrides, "first-steps.yaml")[0], env)
    log.info("content: %d sections, %d example slots, %d worksheets", len(sections), len(examples), len(worksheets))
    return Library(sections, examples, worksheets, first_steps, env)


def _check_additions_used(folder: Path, sections: tuple[SectionSource, ...], examples: dict[str, tuple[ExampleSource, ...]],
                          worksheets: dict[str, WorksheetSource]) -> None:
    """An example slot or a worksheet that only an office adds must be used by a section: one no section
    uses would never be shown, and is most likely a misspelt folder or file name."""
    used_slots = {m.group(1) for s in sections
                  for m in re.finditer(r"example\(\s*['\"]([^'\"]+)['\"]\s*\)", s.where.path.read_text(encoding="utf-8"))}
    for slot, variants in examples.items():
        if slot not in used_slots and not (folder / "examples" / slot).is_dir():
            guess = suggest(slot, [s for s in examples if (folder / "examples" / s).is_dir()])
            raise ContentError(variants[0].where.path, f"no section uses the example slot {slot!r}, so this variant would never "
                               "be shown (expected a slot of the package, or one a section names with example('...'))"
                               + (f"; did you mean {guess!r}?" if guess else ""), 1)
    used_sheets = {ws for s in sections for ws in s.meta.worksheets}
    for ws_id, sheet in worksheets.items():
        if ws_id not in used_sheets and not (folder / "worksheets" / f"{ws_id}.yaml").is_file():
            raise ContentError(sheet.where.path, f"no section lists the worksheet {ws_id!r} under `worksheets:`, so it would "
                               "never be shown (expected a section of the office that lists it)", 1)


def _split(path: Path) -> tuple[Document, str, int]:
    """Front matter (parsed) and body of a content file, and the line the body starts on."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, f"cannot read the file ({exc})") from None
    match = re.match(r"---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", text, re.S | re.M)
    if not match:
        raise ContentError(path, "no front matter (expected the file to start with a '---' block)", 1)
    front = "\n" + match.group(1)  # one blank line for the opening '---' keeps line numbers true
    try:
        doc = parse_yaml(front, str(path), what="front matter", own=True)
    except InputError as exc:
        first = exc.problems[0]
        raise ContentError(path, f"front matter: {first.message}", first.line) from None
    body_line = text[: match.end()].count("\n") + 1
    return doc, text[match.end():], body_line


def _meta(doc: Document, model: type[BaseModel], path: Path) -> Any:
    if not isinstance(doc.data, dict):
        raise ContentError(path, "front matter is not a mapping of keys", 1)
    meta, problems = check(doc, model)
    if problems:
        first = problems[0]
        raise ContentError(path, f"front matter: {first.field}: {first.message}", first.line)
    return meta


def _load_section(path: Path, env: jinja2.Environment) -> SectionSource:
    doc, body, body_line = _split(path)
    meta: SectionMeta = _meta(doc, SectionMeta, path)
    match = re.match(r"(\d+)-(.+)$", path.stem)
    order, stem = (int(match.group(1)), match.group(2)) if match else (10_000, path.stem)
    section_id = meta.id or stem
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", section_id):
        raise ContentError(path, f"section id {section_id!r} must use a-z, 0-9 and '-' (rename the file or set id:)", 1)
    when_line = doc.where(("when",))[0]
    return SectionSource(
        id=section_id,
        order=order,
        meta=meta,
        when=Condition(env, meta.when, Located(path, when_line)),
        why=Template(env, meta.why, Located(path, doc.where(("why",))[0])),
        body=Template(env, body, Located(path, body_line)),
        where=Located(path, 1),
    )


def _load_example(slot: str, path: Path, env: jinja2.Environment) -> ExampleSource:
    doc, body, body_line = _split(path)
    meta: ExampleMeta = _meta(doc, ExampleMeta, path)
    return ExampleSource(
        slot=slot,
        name=path.stem,
        meta=meta,
        when=Condition(env, meta.when, Located(path, doc.where(("when",))[0])),
        body=Template(env, body, Located(path, body_line)),
        where=Located(path, 1),
    )


def _load_worksheet(path: Path, env: jinja2.Environment) -> WorksheetSource:
    try:
        doc = parse_yaml(path.read_text(encoding="utf-8"), str(path), what="worksheet", own=True)
    except InputError as exc:
        first = exc.problems[0]
        raise ContentError(path, first.message, first.line) from None
    meta: WorksheetMeta = _meta(doc, WorksheetMeta, path)
    if not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", path.stem):
        raise ContentError(path, "a worksheet's file name is its id: lower-case letters, digits and underscores")
    names = [f.id for f in meta.fields if f.kind != "table"]
    names += [name for f in meta.fields if f.kind == "table" for row in f.cell_names() for name in row]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ContentError(path, f"field names used twice: {', '.join(sorted(duplicates))}")
    prefills = {
        f.id: Condition(env, f.prefill, Located(path, doc.where(("fields", i, "prefill"))[0]))
        for i, f in enumerate(meta.fields)
        if f.prefill
    }
    for i, f in enumerate(meta.fields):
        if f.row_labels:
            prefills[f"{f.id}:rows"] = Condition(env, f.row_labels, Located(path, doc.where(("fields", i, "row_labels"))[0]))
    for i, f in enumerate(meta.fields):
        for j, c in enumerate(f.columns):
            if c.prefill:
                where = Located(path, doc.where(("fields", i, "columns", j, "prefill"))[0])
                prefills[f"{f.id}.{c.id}"] = Condition(env, c.prefill, where)
    return WorksheetSource(path.stem, meta, prefills, Located(path, 1))


def _load_first_steps(path: Path, env: jinja2.Environment) -> tuple[StepSource, ...]:
    """The candidate steps of the "This week" card, in the order they are tried."""
    try:
        doc = parse_yaml(path.read_text(encoding="utf-8"), str(path), what="first steps", own=True)
    except OSError as exc:
        raise ContentError(path, f"cannot read the file ({exc})") from None
    except InputError as exc:
        first = exc.problems[0]
        raise ContentError(path, first.message, first.line) from None
    meta: FirstStepsMeta = _meta(doc, FirstStepsMeta, path)
    ids = [s.id for s in meta.steps]
    if len(set(ids)) != len(ids):
        raise ContentError(path, f"step ids used twice: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}")
    return tuple(
        StepSource(
            id=step.id,
            source=step.source,
            when=Condition(env, step.when, Located(path, doc.where(("steps", i, "when"))[0])),
            text=Template(env, step.text, Located(path, doc.where(("steps", i, "text"))[0])),
        )
        for i, step in enumerate(meta.steps)
    )


def _check_slot_references(sections: tuple[SectionSource, ...], examples: dict[str, Any]) -> None:
    for section in sections:
        source = section.where.path.read_text(encoding="utf-8")
        for match in re.finditer(r"example\(\s*['\"]([^'\"]+)['\"]\s*\)", source):
            if match.group(1) not in examples:
                line = source[: match.start()].count("\n") + 1
                raise ContentError(section.where.path, f"unknown example slot {match.group(1)!r} (expected one of: {', '.join(examples)})", line)
