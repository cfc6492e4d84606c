"""Stage 1 (loading): the profile's questions, from `content/questions.yaml`, for every front end.

`guidebook new` asks them in a terminal; the public edition's form asks the same ones in a browser.
Answers are typed values (text, whole numbers, true/false, lists) keyed by dotted field path, such
as `{"scores.step2_ck": 238}`. A question answered "I don't know" has no key (or the value
`UNKNOWN`), and its field is left out of the profile: an unknown never counts against the reader.

Every answer is checked by the very validation a profile file gets (`generator.loading.validate`), on the
profile the answers would write, so a front end shows the same words `guidebook validate` prints.
The file itself is checked against the profile model when it is loaded: a field without a
question (other than the advisor-only fields the file lists), a question about no field, or an
allowed value without a label is a `ContentError`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import tempfile
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Literal, Mapping, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, StringConstraints

from generator.loading.data import ReferenceData, load_reference_data
from generator.errors import BuildError, ContentError, InputError, Problem, field_path
from generator.loading.profile import KeepKey, Profile, SpecialtyKey, slug
from generator.resources import Resources
from generator.loading.schema import _field, _unwrap, check, normalise, suggest
from generator.loading.validate import load_profile_text
from generator.loading.yamlfile import Document, read_yaml


class _Unknown:
    """The answer "I don't know": the field is left out of the profile."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

Kind = Literal["text", "longtext", "choice", "multi", "count", "score", "year", "yesno", "specialty", "specialties", "keeps"]
MANY = ("multi", "specialties", "keeps")
"""Kinds whose answer is a list."""
NUMBERS = ("count", "score", "year")

PRIVATE = Path("profiles/private")
"""Where `guidebook new` writes a profile when no file is named (git-ignored)."""

DISPLAY = "profile.yaml"
"""The name a profile made from answers goes by in validation when it has no file yet."""


# The file, as written

Line = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=r"^[^\n\r]*\S[^\n\r]*$")]
Scalar = StrictStr | StrictInt | StrictBool


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True)


class _Not(_File):
    not_: list[Scalar] = Field(alias="not", min_length=1)
    """Answers that hide the question; an unanswered field does not."""


class _From(_File):
    from_: Literal["last_match", "name"] = Field(alias="from")
    """last_match: the latest Match whose Match Week has begun on the guide's date; name: the name as an id."""


class _QuestionSpec(_File):
    field: str
    """The profile field, as a dotted path."""
    group: str
    """The heading the question stands under: a key of `groups`."""
    ask: Line
    """The question."""
    help: Line
    """One sentence: what the answer is for, or where to find it."""
    kind: Kind
    """How it is answered."""
    optional: bool = False
    """Whether "I don't know" is an answer."""
    choices: dict[str, Line] = {}
    """For choice and multi: each allowed value -> the reader's words for it."""
    repeat: bool = False
    """For multi: a value may be chosen more than once."""
    none: Line | None = None
    """The words for "none" (null, or an empty list), where the field allows it."""
    default: _From | Scalar | None = None
    """The answer offered first."""
    when: dict[str, list[Scalar] | _Not] = {}
    """Asked only when every earlier field named has one of the answers given."""


class _QuestionsFile(_File):
    groups: dict[str, Line] = Field(min_length=1)
    """Heading -> the sentence shown under it, in order."""
    questions: list[_QuestionSpec] = Field(min_length=1)
    advisor_only: list[str] = []
    """Profile fields no one is asked: the advisor writes them into the file by hand."""


# The questions, loaded


@dataclass(frozen=True)
class Choice:
    value: str
    """What the profile holds."""
    label: str
    """What the reader sees."""


@dataclass(frozen=True)
class Condition:
    field: str
    values: tuple[Any, ...]
    negate: bool = False
    """True: holds unless the answer is one of VALUES (and so while the field is unanswered)."""

    def holds(self, known: Mapping[str, Any]) -> bool:
        if self.field not in known:
            return self.negate
        return _among(known[self.field], self.values) != self.negate


@dataclass(frozen=True)
class Question:
    """One question, checked against the model, with its choices resolved."""

    field: str
    group: str
    ask: str
    help: str
    kind: str
    optional: bool
    choices: tuple[Choice, ...] = ()
    """Every answer to choose from: the file's labels, or the data files' specialties and keep words."""
    none: str | None = None
    repeat: bool = False
    default: Any = UNKNOWN
    """A fixed answer offered first, or UNKNOWN."""
    default_from: str | None = None
    """`last_match` or `name`: the answer offered first is worked out (see `Questionnaire.default`)."""
    when: tuple[Condition, ...] = ()
    low: int | None = None
    """The lowest number the model allows (numbers only)."""
    high: int | None = None
    max_length: int | None = None
    """The longest text, or the most items in a list, the model allows."""
    line: int = 0
    """Where the question starts in questions.yaml."""
    resolve: Callable[[str], str | None] | None = dataclasses.field(default=None, compare=False, repr=False)
    """For specialties and keep words: the key a name or alias stands for."""

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.field.split("."))

    @property
    def many(self) -> bool:
        """Whether the answer is a list."""
        return self.kind in MANY

    def applies(self, known: Mapping[str, Any]) -> bool:
        """Whether the question is asked, given the answers KNOWN so far."""
        return all(c.holds(known) for c in self.when)

    def label(self, value: Any) -> str | None:
        """The reader's words for VALUE, if it is one of the choices."""
        return next((c.label for c in self.choices if c.value == value), None)

    def read(self, text: str) -> Any:
        """What a person typed, as this question's answer.

        Empty or '?' is UNKNOWN. A choice may be given by its number, its value or its label (a
        specialty or keep word also by any name the data files know); several are separated by
        commas; 'none', '0' or the `none` words give the answer "none". What cannot be read is
        returned as typed, so that validation says what is wrong with it.
        """
        text = text.strip()
        if text in ("", "?"):
            return UNKNOWN
        if self.none is not None and normalise(text) in (normalise("none"), normalise(self.none), "0"):
            return [] if self.many else None
        if self.kind in NUMBERS:
            return int(text) if re.fullmatch(r"[+-]?\d{1,100}", text) else text
        if self.kind == "yesno":
            word = text.casefold()
            return True if word in ("y", "yes", "true") else False if word in ("n", "no", "false") else text
        if self.kind in ("choice", "specialty"):
            found = self._one(text)
            return text if found is None else found
        if self.many:
            whole = self._one(text)
            if whole is not None:
                return [whole]
            parts = [part.strip() for part in re.split(r"[,;]", text) if part.strip()]
            values = [found if (found := self._one(part)) is not None else part for part in parts]
            return values if self.repeat else list(dict.fromkeys(values))
        return text

    def _one(self, text: str) -> str | None:
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return self.choices[int(text) - 1].value
        wanted = normalise(text)
        for choice in self.choices:
            if wanted in (normalise(choice.value), normalise(choice.label)):
                return choice.value
        return self.resolve(text) if self.resolve else None


class Terminal(Protocol):
    """What `interview` needs from the front end that asks the questions."""

    def group(self, title: str, intro: str) -> None:
        """Show a group's heading and its sentence."""

    def ask(self, question: Question, default: str | None, again: bool) -> str:
        """Ask QUESTION (AGAIN: after a problem was shown) and return what was typed; DEFAULT is
        offered and returned for an empty reply."""

    def problem(self, message: str) -> None:
        """Show a validation message about the answer just given."""


@dataclass(frozen=True)
class Questionnaire:
    """The questions in order, the groups' sentences, and the reference data that checks answers."""

    questions: tuple[Question, ...]
    groups: dict[str, str]
    data: ReferenceData = dataclasses.field(compare=False, repr=False)
    source: Path = Path("questions.yaml")
    advisor_only: tuple[str, ...] = ()
    """The profile fields that have no question (`advisor_only` in questions.yaml)."""

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __getitem__(self, name: str) -> Question:
        for question in self.questions:
            if question.field == name:
                return question
        raise KeyError(name)

    def visible(self, answers: Mapping[str, Any]) -> list[Question]:
        """The questions asked, given ANSWERS, in order. Each `when` is read against the answers to the
        questions before it that are asked: an answer to a question that is not asked counts as none."""
        shown: list[Question] = []
        known: dict[str, Any] = {}
        for question in self.questions:
            if question.applies(known):
                shown.append(question)
                value = answers.get(question.field, UNKNOWN)
                if value is not UNKNOWN:
                    known[question.field] = value
        return shown

    def known(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers that go into the profile: those to questions asked, other than UNKNOWN, in order."""
        return {q.field: answers[q.field] for q in self.visible(answers) if answers.get(q.field, UNKNOWN) is not UNKNOWN}

    def default(self, question: Question, answers: Mapping[str, Any], as_of: dt.date) -> Any:
        """The answer to offer first: the question's fixed default, the last Match on AS_OF, or the
        name's id; UNKNOWN when there is none."""
        if question.default_from == "last_match":
            return self.data.calendar.last_match(as_of)
        if question.default_from == "name":
            name = answers.get("name")
            return (slug(name) or UNKNOWN) if isinstance(name, str) else UNKNOWN
        return question.default

    def problems(self, answers: Mapping[str, Any], *, as_of: dt.date | None = None, display: str = DISPLAY) -> list[Problem]:
        """Every problem `guidebook validate` would print for the profile ANSWERS write (DISPLAY names
        it, and gives the id when none is answered); [] when it is valid."""
        try:
            load_profile_text(profile_yaml(answers, self), display, self.data, as_of)
        except InputError as exc:
            return exc.problems
        return []

    def check(self, name: str, value: Any, answers: Mapping[str, Any] | None = None, *, as_of: dt.date | None = None) -> list[str]:
        """What validation says about VALUE as the answer to field NAME, with the other ANSWERS given
        (rules between fields included): the messages, word for word; [] when it is accepted."""
        self[name]  # a KeyError for a field no question asks
        trial = {k: v for k, v in (answers or {}).items() if k != name}
        if value is not UNKNOWN:
            trial[name] = value
        return [p.message for p in self.problems(trial, as_of=as_of) if field_of(p) == name]

    def question_of(self, problem: Problem) -> Question | None:
        """The question whose answer PROBLEM is about."""
        try:
            return self[field_of(problem)]
        except KeyError:
            return None

    def answers_of(self, profile: Profile) -> dict[str, Any]:
        """The answers a validated PROFILE gives: every field it writes, even as null."""
        answers: dict[str, Any] = {}
        for question in self.questions:
            owner: Any = profile
            for part in question.path[:-1]:
                owner = getattr(owner, part)
            if owner.given(question.path[-1]):
                value = getattr(owner, question.path[-1])
                answers[question.field] = list(value) if isinstance(value, list) else value
        return answers

    def to_json(self, as_of: dt.date | None = None) -> dict[str, Any]:
        """The questions as plain data for a front end in another language (a browser form). With
        AS_OF, a default worked out from the date is given as its value; `{"from": "name"}` is left
        for the form to work out as the answers come (see questions.yaml)."""
        questions = []
        for q in self.questions:
            if q.default_from == "last_match" and as_of is not None:
                default: Any = self.data.calendar.last_match(as_of)
            elif q.default_from:
                default = {"from": q.default_from}
            else:
                default = None if q.default is UNKNOWN else q.default
            questions.append({
                "field": q.field, "group": q.group, "ask": q.ask, "help": q.help, "kind": q.kind,
                "optional": q.optional, "choices": [{"value": c.value, "label": c.label} for c in q.choices],
                "none": q.none, "repeat": q.repeat, "default": default,
                "when": {c.field: {"not": list(c.values)} if c.negate else list(c.values) for c in q.when},
                "min": q.low, "max": q.high, "max_length": q.max_length,
            })
        return {"groups": [{"title": t, "intro": i} for t, i in self.groups.items()], "questions": questions}


def field_of(problem: Problem) -> str:
    """The field a problem is about, without a list index: `red_flags[1]` -> `red_flags`."""
    return re.sub(r"\[.*$", "", problem.field)


def _among(value: Any, values: tuple[Any, ...]) -> bool:
    """VALUE is one of VALUES, telling true from 1 and false from 0."""
    return any(type(value) is type(v) and value == v for v in values)


# Loading and checking the file against the model


def load_questions(resources: Resources | None = None, data: ReferenceData | None = None) -> Questionnaire:
    """Load `content/questions.yaml` and check it against the profile model and the data files;
    raise `ContentError`, with its line, at the first thing wrong."""
    resources = resources or Resources.default()
    data = data or load_reference_data(resources.data, resources.overrides)
    path = resources.content_file("questions.yaml")
    try:
        doc = read_yaml(path, str(path), what="questions file", own=True)
    except InputError as exc:
        first = exc.problems[0]
        raise ContentError(path, first.message, first.line) from None
    spec, problems = check(doc, _QuestionsFile)
    if problems:
        first = problems[0]
        raise ContentError(path, f"{first.field}: {first.message}" if first.field else first.message, first.line)
    assert spec is not None
    return _Loader(doc, path, data).build(spec)


@dataclass(frozen=True)
class _Shape:
    """What the model allows for one field."""

    base: str
    """str, int, bool, literal, specialty or keep; `list:` before it for a list."""
    required: bool
    nullable: bool
    values: tuple[str, ...] = ()
    """A Literal's allowed values."""
    low: int | None = None
    high: int | None = None
    max_length: int | None = None


_KINDS = {
    "str": ("text", "longtext"),
    "int": NUMBERS,
    "bool": ("yesno",),
    "literal": ("choice",),
    "specialty": ("specialty",),
    "list:literal": ("multi",),
    "list:specialty": ("specialties",),
    "list:keep": ("keeps",),
}
_SPECIALTY = typing.get_args(SpecialtyKey)[-1]
_KEEP = typing.get_args(KeepKey)[-1]


def profile_fields(model: type[BaseModel] = Profile, prefix: tuple[str, ...] = ()) -> dict[str, _Shape]:
    """Every field of the profile that takes an answer, by dotted path (the parts' fields, not the parts)."""
    found: dict[str, _Shape] = {}
    for name in model.model_fields:
        path = (*prefix, name)
        annotation = _field(Profile, path)[0]
        core, _ = _unwrap(annotation)
        if isinstance(core, type) and issubclass(core, BaseModel):
            found.update(profile_fields(core, path))
        else:
            found[".".join(path)] = _shape(path)
    return found


def _shape(path: tuple[str, ...]) -> _Shape:
    annotation, metadata, _, owner = _field(Profile, path)
    core, more = _unwrap(annotation)
    metadata = [*metadata, *more]
    args = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else ()
    values: tuple[str, ...] = ()
    if typing.get_origin(core) is list:
        item, item_metadata = _unwrap(typing.get_args(core)[0])
        base = "list:" + _base(item, item_metadata)
        if typing.get_origin(item) is Literal:
            values = typing.get_args(item)
    else:
        base = _base(core, metadata)
        if typing.get_origin(core) is Literal:
            values = typing.get_args(core)
    return _Shape(
        base=base,
        required=owner.model_fields[path[-1]].is_required(),
        nullable=type(None) in args,
        values=tuple(values),
        low=next((m.ge for m in metadata if getattr(m, "ge", None) is not None), None),
        high=next((m.le for m in metadata if getattr(m, "le", None) is not None), None),
        max_length=next((m.max_length for m in metadata if getattr(m, "max_length", None) is not None), None),
    )


def _base(core: Any, metadata: list[Any]) -> str:
    if typing.get_origin(core) is Literal:
        return "literal"
    if _SPECIALTY in metadata:
        return "specialty"
    if _KEEP in metadata:
        return "keep"
    return getattr(core, "__name__", str(core))


class _Loader:
    """Builds the questions from the checked file; each fault is a `ContentError` at its line."""

    def __init__(self, doc: Document, path: Path, data: ReferenceData):
        self.doc, self.path, self.data = doc, path, data
        self.fields = profile_fields()

    def fail(self, loc: tuple[str | int, ...], message: str, *, key: bool = False) -> ContentError:
        return ContentError(self.path, f"{field_path(loc)}: {message}", self.doc.where(loc, key=key)[0])

    def build(self, spec: _QuestionsFile) -> Questionnaire:
        questions: list[Question] = []
        groups_seen: list[str] = []
        for i, q in enumerate(spec.questions):
            at = ("questions", i)
            if q.field not in self.fields:
                guess = suggest(q.field, self.fields)
                raise self.fail((*at, "field"), f"{q.field!r} is not a profile field" + (f"; did you mean {guess!r}?" if guess else ""))
            if any(other.field == q.field for other in questions):
                first = next(other for other in questions if other.field == q.field)
                raise self.fail((*at, "field"), f"{q.field!r} already has a question, on line {first.line}")
            if q.group not in spec.groups:
                raise self.fail((*at, "group"), f"unknown group {q.group!r} (expected one of: {', '.join(spec.groups)})")
            if q.group != (groups_seen[-1] if groups_seen else None):
                if q.group in groups_seen:
                    raise self.fail((*at, "group"), f"the questions of group {q.group!r} are not together (expected each group's questions in one run)")
                groups_seen.append(q.group)
            questions.append(self.question(at, q, questions))
        for i, name in enumerate(spec.advisor_only):
            if name not in self.fields:
                guess = suggest(name, self.fields)
                raise self.fail(("advisor_only", i), f"{name!r} is not a profile field" + (f"; did you mean {guess!r}?" if guess else ""))
            if name in {q.field for q in questions}:
                raise self.fail(("advisor_only", i), f"{name!r} has a question (expected only fields no one is asked)")
            if self.fields[name].required:
                raise self.fail(("advisor_only", i), f"{name!r} is required (expected an optional field: a profile written from the answers must be valid)")
        missing = [name for name in self.fields if name not in {q.field for q in questions} | set(spec.advisor_only)]
        if missing:
            raise self.fail(("questions",), f"no question for {', '.join(missing)} (expected one question for every profile field)", key=True)
        unused = [g for g in spec.groups if g not in groups_seen]
        if unused:
            raise self.fail(("groups",), f"no question in group {', '.join(map(repr, unused))}", key=True)
        if groups_seen != list(spec.groups):
            raise self.fail(("groups",), f"the groups are listed in another order than their questions ({', '.join(groups_seen)})", key=True)
        questionnaire = Questionnaire(tuple(questions), dict(spec.groups), self.data, self.path, tuple(spec.advisor_only))
        for i, q in enumerate(questionnaire):
            if q.default is not UNKNOWN:
                messages = questionnaire.check(q.field, q.default)
                if messages:
                    raise self.fail(("questions", i, "default"), messages[0])
        return questionnaire

    def question(self, at: tuple[str | int, ...], q: _QuestionSpec, before: list[Question]) -> Question:
        shape = self.fields[q.field]
        kinds = _KINDS.get(shape.base, ())
        if q.kind not in kinds:
            expected = " or ".join(kinds) or "no kind this file knows"
            raise self.fail((*at, "kind"), f"{q.kind!r} does not fit the field's type (expected {expected})")
        if q.optional == shape.required:
            word = "required" if shape.required else "optional"
            raise self.fail((*at, "optional"), f"the model has this field {word} (expected optional: {str(not shape.required).lower()})")
        choices = self.choices(at, q, shape)
        if q.none is not None and not (q.optional and (q.kind in MANY or (shape.nullable and q.kind in ("choice", "specialty")))):
            raise self.fail((*at, "none"), "this question has no answer for none (expected `none` only on an optional question "
                                           "that takes a list, or one choice of a field that takes null)")
        if q.repeat and q.kind != "multi":
            raise self.fail((*at, "repeat"), "repeat is for multi questions only")
        default, default_from = UNKNOWN, None
        if isinstance(q.default, _From):
            default_from = q.default.from_
            wanted = {"last_match": "year", "name": "text"}[default_from]
            if q.kind != wanted:
                raise self.fail((*at, "default"), f"{{from: {default_from}}} is for a {wanted} question")
        elif q.default is not None:
            default = q.default
        when = tuple(self.condition((*at, "when", name), name, test, before) for name, test in q.when.items())
        resolve = {"specialty": self.data.catalog.resolve, "specialties": self.data.catalog.resolve,
                   "keeps": self.data.vocabulary.resolve}.get(q.kind)
        return Question(
            field=q.field, group=q.group, ask=q.ask, help=q.help, kind=q.kind, optional=q.optional, choices=choices,
            none=q.none, repeat=q.repeat, default=default, default_from=default_from, when=when,
            low=shape.low, high=shape.high, max_length=shape.max_length, line=self.doc.where(at)[0], resolve=resolve,
        )

    def choices(self, at: tuple[str | int, ...], q: _QuestionSpec, shape: _Shape) -> tuple[Choice, ...]:
        if q.kind in ("specialty", "specialties", "keeps"):
            if q.choices:
                raise self.fail((*at, "choices"), f"the choices of a {q.kind} question come from the data files (expected no choices)")
            if q.kind == "keeps":
                return tuple(Choice(key, label[:1].upper() + label[1:]) for key, label in self.data.keeps.items())
            return tuple(Choice(s.key, s.name) for s in sorted(self.data.catalog, key=lambda s: s.name))
        if q.kind not in ("choice", "multi"):
            if q.choices:
                raise self.fail((*at, "choices"), f"a {q.kind} question has no choices")
            return ()
        for value in shape.values:
            if value not in q.choices:
                raise self.fail((*at, "choices"), f"no label for {value!r} (expected a label for each of: {', '.join(shape.values)})")
        for value in q.choices:
            if value not in shape.values:
                raise self.fail((*at, "choices", value), f"{value!r} is not a value the field allows (expected one of: {', '.join(shape.values)})")
        return tuple(Choice(value, label) for value, label in q.choices.items())

    def condition(self, at: tuple[str | int, ...], name: str, test: list[Any] | _Not, before: list[Question]) -> Condition:
        earlier = next((q for q in before if q.field == name), None)
        if earlier is None:
            raise self.fail(at, f"{name!r} is not asked before this question (expected a field asked earlier)")
        values = tuple(test.not_ if isinstance(test, _Not) else test)
        for value in values:
            if earlier.kind in ("choice", "multi"):
                fits = isinstance(value, str) and earlier.label(value) is not None
            elif earlier.kind == "yesno":
                fits = isinstance(value, bool)
            elif earlier.kind in NUMBERS:
                fits = type(value) is int
            else:
                raise self.fail(at, f"a {earlier.kind} question cannot decide whether another is asked (expected a choice, yes-or-no or number question)")
            if not fits:
                raise self.fail(at, f"{value!r} is not an answer to {name!r}")
        return Condition(name, values, isinstance(test, _Not))


# Writing the profile


class _Dumper(yaml.SafeDumper):
    """Plain YAML: text over several lines as a block, lists on one line, and no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)

HEADER = (
    "# A profile for the Match Pivot Guidebook, written from answers to its questions.",
    "# A field that is left out means unknown, and an unknown never counts against the applicant.",
    "# docs/profile.md describes every field; `guidebook validate` checks the file after an edit.",
)


def profile_yaml(answers: Mapping[str, Any], questionnaire: Questionnaire) -> str:
    """The profile ANSWERS make, as YAML: each field after a comment holding its question, a choice
    followed by its label; unknown fields, and the answers to questions not asked, left out."""
    known = questionnaire.known(answers)
    blocks: dict[str, list[Question]] = {}
    for question in questionnaire:
        if question.field in known:
            blocks.setdefault(question.path[0], []).append(question)
    lines = list(HEADER)
    if not blocks:
        lines.append("{}")  # no answers: an empty profile, which validation says is missing its required fields
    group = None
    for key, questions in blocks.items():
        if questions[0].group != group:
            group = questions[0].group
            lines += ["", f"# --- {group} ---"]
        if len(questions[0].path) == 1:
            lines += _entry(questions[0], known[questions[0].field], "")
        else:
            lines.append(f"{key}:")
            for question in questions:
                lines += _entry(question, known[question.field], "  ")
    return "\n".join(lines) + "\n"


def _entry(question: Question, value: Any, indent: str) -> list[str]:
    if isinstance(value, tuple):
        value = list(value)
    text = yaml.dump({question.path[-1]: value}, Dumper=_Dumper, default_flow_style=False, sort_keys=False,
                     allow_unicode=True, width=1_000_000)
    body = text.rstrip("\n").removesuffix("\n...").split("\n")  # no end-of-document mark after a `|+` block
    label = question.label(value) if question.kind == "choice" else None
    if label and len(body) == 1:
        body[0] += f"  # {label}"
    return [f"{indent}# {question.ask}", *(f"{indent}{line}" if line else "" for line in body)]


# Asking in a terminal


def default_file(answers: Mapping[str, Any]) -> Path:
    """Where `guidebook new` writes a profile when no file is named: profiles/private/<id>.yaml."""
    name = answers.get("name")
    stem = answers.get("id") or (slug(name) if isinstance(name, str) else "") or "profile"
    return PRIVATE / f"{stem}.yaml"


def as_text(value: Any) -> str:
    """An answer as a person would type it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def interview(questionnaire: Questionnaire, terminal: Terminal, *, as_of: dt.date, file: Path | None = None) -> dict[str, Any]:
    """Ask every question that applies, in order; ask an answer again, with validation's message,
    until it is accepted; then check the whole profile and ask again each answer a rule between
    fields names. FILE is where the profile will go (by default `default_file`); its name gives
    the id when none is answered. Returns the answers."""
    answers: dict[str, Any] = {}

    def answer(question: Question) -> None:
        again = False
        while True:
            offered = questionnaire.default(question, answers, as_of)
            text = terminal.ask(question, None if offered is UNKNOWN else as_text(offered), again)
            value = question.read(text)
            messages = questionnaire.check(question.field, value, answers, as_of=as_of)
            if not messages:
                if value is UNKNOWN:
                    answers.pop(question.field, None)
                else:
                    answers[question.field] = value
                return
            for message in messages:
                terminal.problem(message)
            again = True

    group = None
    for question in questionnaire:
        if question.field not in {q.field for q in questionnaire.visible(answers)}:
            continue
        if question.group != group:
            group = question.group
            terminal.group(group, questionnaire.groups[group])
        answer(question)

    while problems := questionnaire.problems(answers, as_of=as_of, display=str(file or default_file(answers))):
        named: dict[str, list[str]] = {}
        for problem in problems:
            if questionnaire.question_of(problem) is None:
                raise InputError(problems)
            named.setdefault(field_of(problem), []).append(problem.message)
        for name, messages in named.items():
            for message in messages:
                terminal.problem(message)
            answer(questionnaire[name])
    return answers


INTRO = """\
A few questions about the Match that just ended build your own guide. Only the first six are
needed. Skip any other with '?', or with Enter when no answer is offered in [brackets], if you do
not know or would rather not say: what is left out counts as unknown, never against you. Ctrl-C
stops at any time, and nothing is written until the last answer."""
"""What `guidebook new` says before its first question."""

def save(text: str, path: Path) -> None:
    """Write TEXT to PATH whole or not at all, creating its folder; readable by its owner only,
    since a profile holds a person's record."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(partial, path)
        except BaseException:
            os.unlink(partial)
            raise
    except OSError as exc:
        raise BuildError(f"cannot write {path} ({exc.strerror or exc}); nothing was written") from None
