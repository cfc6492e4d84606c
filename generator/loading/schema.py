"""Check a parsed YAML document against a pydantic model; report every problem, located.

Pydantic does the checking. This module turns its errors into lines a person can act on:
`file:line:column: field.path: what is wrong (what was expected); did you mean ...?`
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from typing import Any, Iterable, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from generator.errors import Problem, field_path
from generator.loading.yamlfile import Document

M = TypeVar("M", bound=BaseModel)


def normalise(text: str) -> str:
    """Fold case and drop the separators people vary: spaces, '-', '_', '&', '/', '.', quotes."""
    return re.sub(r"[\s\-_&/.'’]+", "", text.casefold())


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to WORD, if one is close enough to be a likely typo."""
    choices = list(choices)
    by_norm: dict[str, str] = {}
    for choice in choices:
        by_norm.setdefault(normalise(choice), choice)
    close = difflib.get_close_matches(normalise(word), list(by_norm), n=1, cutoff=0.6)
    return by_norm[close[0]] if close else None


def check(doc: Document, model: type[M], context: dict[str, Any] | None = None) -> tuple[M | None, list[Problem]]:
    """Validate DOC against MODEL; return the object, or None and the located problems."""
    try:
        return model.model_validate(doc.data, context=context), []
    except ValidationError as exc:
        problems = [model_problem(doc, model, error) for error in exc.errors(include_url=False)]
        return None, sorted(problems, key=lambda p: (p.line, p.column))


def shown(value: Any) -> str:
    """A value as the person wrote it in YAML, shortened."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def written(doc: Document, loc: tuple[str | int, ...], value: Any) -> str:
    """`shown(value)`, or what the person typed when YAML read it as something else: `yes` is true."""
    typed = doc.written.get(tuple(loc))
    if typed is None:
        return shown(value)
    if typed == "":
        return "an empty value"
    return f"{typed} (which YAML reads as {shown(value)})"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def clean_loc(loc: tuple, data: Any) -> tuple[str | int, ...]:
    """Pydantic adds validator and union-member names to locations; keep only fields and indexes.

    The location is walked through the data itself, so that a key the person wrote is kept whatever
    it looks like (`Step 2 CK`, or a key holding an escape code); a part that is not in the data is
    kept only where a field may be missing (a name, in a mapping)."""
    out: list[str | int] = []
    here: Any = data
    for part in loc:
        if isinstance(here, dict) and part in here:
            out.append(part)
            here = here[part]
        elif isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here):
            out.append(part)
            here = here[part]
        elif isinstance(here, (dict, type(None))) and isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out.append(part)
            here = None
    return tuple(out)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip Optional and Annotated; return the core type and the constraints met on the way."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:  # Field(ge=..., le=...) inside Annotated keeps its bounds in .metadata
                metadata.extend(getattr(item, "metadata", None) or [item])
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def _field(model: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[Any, list[Any], str | None, type[BaseModel]]:
    """Walk LOC through MODEL: (annotation, constraints, description, model owning the last field)."""
    owner: type[BaseModel] = model
    annotation: Any = model
    metadata: list[Any] = []
    description = None
    for part in loc:
        core, _ = _unwrap(annotation)
        if isinstance(part, int):
            if typing.get_origin(core) is list:
                annotation, metadata = typing.get_args(core)[0], []
            continue
        if typing.get_origin(core) is dict:
            annotation, metadata = typing.get_args(core)[1], []
            continue
        if not (isinstance(core, type) and issubclass(core, BaseModel)) or part not in core.model_fields:
            return None, [], None, owner
        owner = core
        info = core.model_fields[part]
        annotation, metadata, description = info.annotation, list(info.metadata), info.description
    return annotation, metadata, description, owner


def _expected(annotation: Any, metadata: list[Any]) -> str:
    core, more = _unwrap(annotation)
    metadata = [*metadata, *more]
    origin = typing.get_origin(core)
    low = next((m.ge for m in metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in metadata if getattr(m, "le", None) is not None), None)
    if origin is Literal:
        return "one of: " + ", ".join(map(str, typing.get_args(core)))
    if core is bool:
        return "true or false"
    if core is int:
        if low is not None and high is not None:
            return f"a whole number from {low} to {high}"
        return "a whole number" + (f" of at least {low}" if low is not None else "")
    if core is float:
        return "a number"
    if core is str:
        longest = next((m.max_length for m in metadata if getattr(m, "max_length", None)), None)
        return "text" + (f" of at most {longest} characters" if longest else "")
    if origin is list:
        item, _ = _unwrap(typing.get_args(core)[0])
        if typing.get_origin(item) is Literal:
            return "a list of any of: " + ", ".join(map(str, typing.get_args(item)))
        return "a list"
    if origin is dict:
        return "a mapping"
    if isinstance(core, type) and issubclass(core, BaseModel):
        return "a mapping with the fields " + ", ".join(core.model_fields)
    return "a valid value"


def _all_fields(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """Every field name anywhere in MODEL -> its path (for 'belongs under ...' hints)."""
    found: dict[str, tuple[str, ...]] = {}
    for name, info in model.model_fields.items():
        found.setdefault(name, (*prefix, name))
        core, _ = _unwrap(info.annotation)
        if isinstance(core, type) and issubclass(core, BaseModel):
            for key, path in _all_fields(core, (*prefix, name)).items():
                found.setdefault(key, path)
    return found


def model_problem(doc: Document, model: type[BaseModel], error: dict[str, Any]) -> Problem:
    """One located problem from one of pydantic's errors of MODEL, in the words of `shown`."""
    loc = clean_loc(error["loc"], doc.data)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    annotation, metadata, description, owner = _field(model, loc)
    expected = _expected(annotation, metadata) if annotation is not None else ""
    hint = ""

    if kind == "missing":
        line, column = doc.where(loc[:-1])
        what = _lower_first(description.split(";")[0].split(". ")[0].rstrip(".")) if description else ""
        core, _ = _unwrap(annotation)
        if typing.get_origin(core) is Literal or not what:
            pass  # the choices say it all
        elif core is str:
            expected = what  # "the specialty wanted: ...", clearer than "text of at most 80 characters"
        else:
            expected = f"{expected}: {what}"
        message = f"required field is missing (expected {expected})"
    elif kind == "extra_forbidden":
        line, column = doc.where(loc, key=True)
        key = str(loc[-1])
        allowed = list(owner.model_fields) if loc[:-1] else list(model.model_fields)
        parent_annotation = _field(model, loc[:-1])[0] if loc[:-1] else model
        parent_core, _ = _unwrap(parent_annotation)
        if isinstance(parent_core, type) and issubclass(parent_core, BaseModel):
            allowed = list(parent_core.model_fields)
        message = f"unknown field {shown(key)} (expected one of: {', '.join(allowed)})"
        guess = suggest(key, allowed)
        elsewhere = _all_fields(model).get(key) or _all_fields(model).get(suggest(key, _all_fields(model)) or "")
        if guess:
            hint = f"did you mean {guess!r}?"
        elif elsewhere and elsewhere[:-1] != tuple(loc[:-1]):
            hint = f"did you mean {'.'.join(elsewhere)!r}? it belongs under {'.'.join(elsewhere[:-1]) or 'the top level'}"
    else:
        line, column = doc.where(loc)
        message, hint = _value_message(kind, value, ctx, expected, description, error["msg"], written(doc, loc, value))

    text = f"{message}; {hint}" if hint else message
    return Problem(doc.file, line, column, field_path(loc), text)


def _value_message(
    kind: str, value: Any, ctx: dict[str, Any], expected: str, description: str | None, msg: str, typed: str | None = None
) -> tuple[str, str]:
    hint = ""
    was = typed or shown(value)
    if "problem" in ctx and "expected" in ctx:
        # A model's own check (a `PydanticCustomError`) that says what is wrong and what was expected.
        guess = ctx.get("suggestion")
        return f"{was} {ctx['problem']} (expected {ctx['expected']})", (f"did you mean {guess!r}?" if guess else "")
    if kind in ("unknown_specialty", "unknown_keep", "unknown_key", "literal_error"):
        choices = [str(c) for c in ctx.get("choices", [])] or expected.removeprefix("one of: ").split(", ")
        noun = {"unknown_specialty": "specialty", "unknown_keep": "word"}.get(kind, "choice")
        if kind == "unknown_specialty":
            expected = "expected a specialty key or common name, such as " + ", ".join(choices[:6]) + ", ..."
        elif kind == "unknown_keep":
            # The whole vocabulary: a list cut short can hide the very word that was meant.
            expected = "expected one of the keep words: " + ", ".join(choices) + "; or a usual short form such as MSK, OR time or ICU (docs/profile.md lists them all)"
        elif len(choices) > 12:
            expected = "expected one of: " + ", ".join(choices[:12]) + ", ..."
        else:
            expected = "expected one of: " + ", ".join(choices)
        guess = ctx.get("suggestion") or (suggest(str(value), choices) if isinstance(value, str) else None)
        if guess:
            hint = f"did you mean {guess!r}?"
        if not isinstance(value, str):
            return f"{was} is not text ({expected})", hint
        return f"unknown {noun} {was} ({expected})", hint
    if kind in ("int_type", "int_parsing", "int_from_float"):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():  # a number in quotes
            return f"{was} is not a whole number (expected {expected}, written without quotes)", hint or f"did you mean {value.strip()}?"
        return f"{was} is not a whole number (expected {expected})", hint
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        word = "negative" if kind == "greater_than_equal" and isinstance(value, (int, float)) and value < 0 else "out of range"
        return f"{was} is {word} (expected {expected})", hint
    if kind == "string_type":
        if isinstance(value, (int, float)) and not isinstance(value, bool):  # text that YAML read as a number
            return f"{was} is not text (expected {expected}, in quotes when it looks like a number)", hint or f'did you mean "{value}"?'
        if isinstance(value, bool):
            return f"{was} is not text (expected {expected}, in quotes when it looks like true or false)", hint
        return f"{was} is not text (expected {expected})", hint
    if kind == "bool_type":
        return f"{was} is not true or false (expected true or false)", hint
    if kind == "list_type":
        example = f"[{value}]" if isinstance(value, (str, int)) and not isinstance(value, bool) else "[a, b]"
        return f"{was} is not a list (expected {expected}, written as {example} or one '- item' per line)", hint
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{was} is not a mapping (expected {expected})", hint
    if kind == "string_too_long":
        return f"the text is {len(value)} characters long, over the limit of {ctx.get('max_length')} (expected {expected})", hint
    if kind == "string_too_short":
        return f"is empty (expected {expected})", hint
    if kind == "too_long":
        return f"has {len(value)} items, over the limit of {ctx.get('max_length')} (expected at most {ctx.get('max_length')} items)", hint
    if kind == "string_pattern_mismatch":
        rule = _lower_first(description.split(". ")[0]) if description else expected
        return f"{was} does not have the expected form (expected {rule.rstrip('.')})", hint
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", "invalid value")), hint
    return f"{was}: {msg[0].lower() + msg[1:]}" + (f" (expected {expected})" if expected else ""), hint
