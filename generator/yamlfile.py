"""Read a YAML file into plain data, remembering where every value stands.

Profiles are untrusted, so the reader accepts only what a profile needs: mappings with text keys,
lists, text, numbers, true/false and null. Aliases, non-standard tags (such as `!!python/object`)
and duplicate keys are refused with a located problem; nothing is ever constructed from a tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from generator.errors import InputError, Problem

MAX_BYTES = 1_000_000
"""Files larger than this are refused before they are parsed."""

Path_ = tuple[str | int, ...]

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


@dataclass
class Document:
    """A parsed YAML document and the position of each value in it."""

    file: str
    """The file as the user named it, for messages."""
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    """Path of a value -> (line, column) where the value starts, 1-based."""
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    """Path of a mapping entry -> (line, column) of its key, 1-based."""

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Position of PATH, or of its closest ancestor that has one."""
        table = self.key_positions if key else self.positions
        path = tuple(path)
        while path:
            if path in table:
                return table[path]
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))


class _AliasUsed(Exception):
    def __init__(self, mark: yaml.Mark):
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """A safe loader that stops at the first alias (`*name`) instead of following it."""

    def compose_node(self, parent, index):  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            raise _AliasUsed(self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _fail(display: str, message: str, line: int = 0, column: int = 0) -> InputError:
    return InputError([Problem(display, line, column, "", message)])


def read_yaml(path: Path, display: str | None = None, *, what: str = "file") -> Document:
    """Parse PATH; raise `InputError` listing every problem found."""
    display = display or str(path)
    fail = partial(_fail, display)

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise fail(f"the file is {size:,} bytes, over the {MAX_BYTES:,}-byte limit for a {what}; it was not read")
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read the file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise fail(
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 (save the file as UTF-8)", line, column
        ) from None
    return parse_yaml(text, display, what=what)


def parse_yaml(text: str, display: str, *, what: str = "file") -> Document:
    """Parse TEXT (already decoded); raise `InputError` listing every problem."""
    fail = partial(_fail, display)

    if "\x00" in text:
        raise fail("the file holds a NUL character; it is not a text file")

    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except _AliasUsed as exc:
        raise fail(
            "aliases (*name) are not allowed in a " + what + "; write the value out in full",
            exc.mark.line + 1,
            exc.mark.column + 1,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise fail(_syntax_message(exc), mark.line + 1 if mark else 0, mark.column + 1 if mark else 0) from None
    except yaml.YAMLError as exc:
        raise fail(f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()

    if node is None:
        raise fail(f"the file is empty (expected a {what}: a mapping of fields such as `name: ...`)")

    doc = Document(display, None)
    problems: list[Problem] = []
    doc.data = _build(node, (), doc, problems, _Loader(""))
    if problems:
        raise InputError(problems)
    return doc


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "not valid YAML"
    if "'\\t'" in problem or "\t" in problem:
        return "a tab character; YAML indents with spaces only"
    if "expected a single document" in (exc.context or ""):
        return "more than one YAML document (a `---` line); a file holds one"
    context = f" ({exc.context})" if exc.context else ""
    return f"not valid YAML: {problem}{context}"


def _build(node: yaml.Node, path: Path_, doc: Document, problems: list[Problem], loader: _Loader) -> Any:
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    doc.positions[path] = (line, column)
    where = ".".join(map(str, path))

    def problem(message: str, at: yaml.Node = node) -> None:
        problems.append(Problem(doc.file, at.start_mark.line + 1, at.start_mark.column + 1, where, message))

    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            problem(f"the tag {_tag_name(node.tag)} is not allowed (only plain mappings, lists and values)")
            return None
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                problem(f"the key {shown!r} is not text (field names are words such as `name`)", key_node)
                continue
            key = key_node.value
            key_line = key_node.start_mark.line + 1
            if key in first_line:
                problems.append(
                    Problem(
                        doc.file,
                        key_line,
                        key_node.start_mark.column + 1,
                        ".".join(map(str, (*path, key))),
                        f"duplicate key {key!r} on lines {first_line[key]} and {key_line} (each field may appear once)",
                    )
                )
                continue
            first_line[key] = key_line
            doc.key_positions[(*path, key)] = (key_line, key_node.start_mark.column + 1)
            result[key] = _build(value_node, (*path, key), doc, problems, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            problem(f"the tag {_tag_name(node.tag)} is not allowed (only plain mappings, lists and values)")
            return None
        return [_build(item, (*path, i), doc, problems, loader) for i, item in enumerate(node.value)]
    if node.tag not in _PLAIN_TAGS:
        problem(f"the tag {_tag_name(node.tag)} is not allowed (only plain text, numbers, true/false and null)")
        return None
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        problem(f"cannot read the value {node.value!r} ({exc})")
        return None
