"""Read a YAML file into plain data, remembering where every value stands.

Profiles are untrusted, so the reader accepts only what a profile needs: mappings with text keys,
lists, text, numbers, true/false and null. Aliases, non-standard tags (such as `!!python/object`),
duplicate keys, control characters and deep nesting are refused with a located problem; nothing is
ever constructed from a tag. A file over `MAX_BYTES` is refused before it is read. Syntax errors are
explained in plain words and placed where the mistake most likely is (the line without its colon,
the quote never closed), which is not always where the parser gave up.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from generator.cache import cache_folder, code_stamp
from generator.errors import InputError, Problem, field_path

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
_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
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
    written: dict[Path_, str] = field(default_factory=dict)
    """Path of a true/false or null value -> the text typed for it, where that was not `true`,
    `false` or `null` (such as `yes`, `No`, `~`, or nothing at all)."""

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


MAX_DEPTH = 20
"""Lists and mappings nested deeper than this are refused (a profile needs three levels)."""


class _Refused(Exception):
    """The composer met something a profile may not hold; MESSAGE is located at MARK."""

    def __init__(self, mark: yaml.Mark, message: str):
        self.mark = mark
        self.message = message


class _Loader(yaml.SafeLoader):
    """A safe loader that stops at the first alias (`*name`) instead of following it, refuses deep
    nesting before Python's recursion limit is near, and remembers the last text values it scanned
    (to explain a syntax error by the value that caused it)."""

    what = "file"

    def __init__(self, stream):
        self.depth = 0
        self.scalars: list[yaml.ScalarToken] = []
        super().__init__(stream)

    def compose_node(self, parent, index):  # noqa: D102
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark,
                f"aliases (*name) are not allowed in a {self.what} (expected each value written out in full, not *{event.anchor})",
            )
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if self.depth >= MAX_DEPTH:
                raise _Refused(
                    event.start_mark,
                    f"lists and mappings nested more than {MAX_DEPTH} levels deep (expected at most {MAX_DEPTH} levels; "
                    f"a {self.what} needs only a few)",
                )
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
        return super().compose_node(parent, index)

    def scan_plain(self):  # noqa: D102
        return self._remember(super().scan_plain())

    def scan_flow_scalar(self, style):  # noqa: D102
        return self._remember(super().scan_flow_scalar(style))

    def _remember(self, token):
        self.scalars = [*self.scalars[-3:], token]
        return token


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _fail(display: str, message: str, line: int = 0, column: int = 0) -> InputError:
    return InputError([Problem(display, line, column, "", message)])


_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
"""What YAML counts as a line break, so that positions found here agree with the parser's."""


def _locate(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of TEXT[INDEX], counted as the YAML parser counts them."""
    line, start = 1, 0
    for match in _BREAKS.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return line, index - start + 1


_CONTROL_NAMES = {
    "\x00": "NUL, a zero byte",
    "\x08": "backspace",
    "\x0b": "vertical tab",
    "\x0c": "form feed",
    "\x1b": "escape",
    "\x7f": "delete",
}


def _control_message(char: str) -> str:
    name = _CONTROL_NAMES.get(char)
    code = f"U+{ord(char):04X}" + (f", {name}" if name else "")
    cause = (
        "was the file saved as UTF-16 or by a word processor?"
        if char == "\x00"
        else "it often comes from text copied out of another program"
    )
    return f"an invisible control character ({code}) (expected plain text: delete the character; {cause})"


def read_yaml(path: Path, display: str | None = None, *, what: str = "file", own: bool = False) -> Document:
    """Parse PATH; raise `InputError` listing every problem found. OWN: see `parse_yaml`."""
    display = display or str(path)
    fail = partial(_fail, display)

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise fail(
                f"the file is {size:,} bytes, over the {MAX_BYTES:,}-byte limit for a {what}; it was not read "
                f"(expected a {what} of a few thousand bytes: is this the right file?)"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read the file ({exc.strerror or exc})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail("the file is saved as UTF-16 (expected a file saved as UTF-8: save it again, choosing UTF-8)", 1, 1)
    body = raw.removeprefix(b"\xef\xbb\xbf")  # a byte order mark is allowed, and not counted in columns
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(*_bad_byte(body, exc.start)) from None
    return parse_yaml(text, display, what=what, own=own)


def _bad_byte(body: bytes, at: int) -> tuple[str, int, int]:
    """The message and (line, column in characters) of the first byte that is not UTF-8."""
    line_start = body.rfind(b"\n", 0, at) + 1
    line = body.count(b"\n", 0, at) + 1
    column = len(body[line_start:at].decode("utf-8", errors="replace")) + 1
    byte = body[at]
    legacy = bytes([byte]).decode("cp1252", errors="replace")
    meant = f"; in the Windows-1252 or Latin-1 encoding it is {legacy!r}" if legacy.isprintable() and legacy != "\ufffd" else ""
    return (f"byte 0x{byte:02x} is not valid UTF-8{meant} (expected a file saved as UTF-8: save it again, choosing UTF-8)",
            line, column)


def parse_yaml(text: str, display: str, *, what: str = "file", own: bool = False) -> Document:
    """Parse TEXT (already decoded); raise `InputError` listing every problem.

    OWN is for the project's own files (`content/`), never a profile: they are parsed by libyaml's
    C parser, about eight times faster, and only a file it finds fault with, or that uses what this
    reader refuses (an alias, deep nesting), is read again the careful way to explain the problem.
    The result is the same either way (a test compares them on every content file). Inside
    `parsed_cache()`, a file read before is not parsed again. Profiles always take the careful
    way: the C parser nests by recursion, so a hostile file could exhaust its stack.
    """
    fail = partial(_fail, display)
    if own and _CParser is not None and "\x00" not in text:
        doc = _parsed.read(text, display, _parse_fast) if _parsed is not None else _parse_fast(text, display)
        if doc is not None:
            return doc

    if "\x00" in text:  # before the parser, which would name it by its position in characters only
        raise fail(_control_message("\x00"), *_locate(text, text.index("\x00")))

    loader = None
    try:
        loader = _Loader(text)
        loader.what = what
        node = loader.get_single_node()
    except _Refused as exc:
        raise fail(exc.message, exc.mark.line + 1, exc.mark.column + 1) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not accept, such as a control character
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        raise fail(_control_message(char), *_locate(text, exc.position)) from None
    except yaml.MarkedYAMLError as exc:
        try:
            line, column, message = _syntax_problem(exc, text, loader.scalars if loader else [], what)
        except Exception:  # the plain-words explanation is a best effort; the parser's own words always work
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            message = f"not valid YAML: {exc.problem or exc.context}"
        if not message.startswith(("a tab character", "a second document", "not valid YAML")):
            message = "not valid YAML: " + message
        raise fail(message, line, column) from None
    except yaml.YAMLError as exc:
        raise fail(f"not valid YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()

    if node is None:
        if text.strip(" \t\r\n\ufeff"):
            raise fail(f"the file holds only comments, no fields (expected a {what}: a mapping of fields such as `name: ...`)", 1, 1)
        raise fail(f"the file is empty (expected a {what}: a mapping of fields such as `name: ...`)")

    doc = Document(display, None)
    problems: list[Problem] = []
    doc.data = _build(node, (), doc, problems, _Loader(""))
    if problems:
        raise InputError(problems)
    return doc


_CParser = getattr(yaml, "CSafeLoader", None) if yaml.__with_libyaml__ else None


def _parse_fast(text: str, display: str) -> Document | None:
    """TEXT read by libyaml, or None when the careful reader must look at it."""
    try:
        node = yaml.compose(text, Loader=_CParser)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    doc = Document(display, None)
    problems: list[Problem] = []
    try:
        doc.data = _build(node, (), doc, problems, _Loader(""), set())
    except _Careful:
        return None
    return None if problems else doc


class _ParsedCache:
    """Parsed YAML of the project's own files, by the SHA-256 of their text, kept in the cache folder.

    Entries are pickled one by one and unpickled on each use, so no two callers share objects.
    Saving keeps only the entries used since loading, so the file never outgrows the content.
    """

    def __init__(self, path: Path):
        self.path, self.used, self.added = path, {}, False
        try:
            with open(path, "rb") as f:
                self.stored: dict[bytes, bytes] = pickle.load(f)
        except Exception:  # noqa: BLE001 - missing or damaged: start empty
            self.stored = {}

    def read(self, text: str, display: str, parse: Callable[[str, str], Document | None]) -> Document | None:
        """TEXT's document from the cache, else PARSE's (kept when it gives one)."""
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        entry = self.stored.get(key)
        if entry is not None:
            try:
                doc = pickle.loads(entry)
            except Exception:  # noqa: BLE001 - a damaged entry is a miss
                doc = None
            if isinstance(doc, Document):
                self.used[key] = entry
                doc.file = display
                return doc
        doc = parse(text, display)
        if doc is not None:
            self.used[key] = self.stored[key] = pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)
            self.added = True
        return doc

    def save(self) -> None:
        if not self.added and len(self.used) == len(self.stored):
            return
        try:
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        except OSError:  # read-only: nothing kept this time
            return
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(self.used, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except OSError:  # full: nothing kept this time
            with contextlib.suppress(OSError):
                os.unlink(temporary)


_parsed: _ParsedCache | None = None
_READER = code_stamp(__file__, yaml.__version__)


def parsed_cache_name() -> str:
    """The name of the parsed-YAML cache file: it changes with this module's code and PyYAML's version."""
    return f"guidebook-yaml-{_READER}.pickle"


@contextlib.contextmanager
def parsed_cache(folder: Path | None = None) -> Iterator[None]:
    """Within this block, the project's own YAML files (`own=True`) read before are not parsed again.

    The cache lives in FOLDER, else in the build cache's folder (`cache.cache_folder`)."""
    global _parsed
    folder = folder or cache_folder()
    if folder is None or _parsed is not None:
        yield
        return
    _parsed = _ParsedCache(folder / parsed_cache_name())
    try:
        yield
        _parsed.save()
    finally:
        _parsed = None


# -- syntax errors, in plain words --------------------------------------------------------------------

_ONE_PER_LINE = "expected one `field: value` per line, and the fields of a section lined up in the same column"


def _syntax_problem(
    exc: yaml.MarkedYAMLError, text: str, scalars: list[yaml.ScalarToken], what: str = "file"
) -> tuple[int, int, str]:
    """(line, column, message) for a YAML syntax error, pointing where the mistake most likely is."""
    problem, context = exc.problem or "", exc.context or ""
    mark, opened = exc.problem_mark or exc.context_mark, exc.context_mark
    if mark is None:
        return 0, 0, f"not valid YAML: {problem or context} (expected a YAML file of `field: value` lines)"
    at = (mark.line + 1, mark.column + 1)

    def line_of(m: yaml.Mark) -> str:
        """The text from M to the end of its line."""
        found = _BREAKS.search(text, m.index)
        return text[m.index: found.start() if found else len(text)]

    # The last text value that ends at or before the error, if any.
    before = [s for s in scalars if s.end_mark.index <= mark.index]
    last = before[-1] if before else None

    if "\t" in problem or "'\\t'" in problem:
        return (*at, "a tab character; YAML indents with spaces only (expected spaces in place of the tab)")
    if "expected a single document" in context:
        return (*at, f"a second document starts here, after a `---` line (expected one {what} per file: "
                     "split the file, or delete the `---` line)")
    if "quoted scalar" in context and opened and ("end of stream" in problem or mark.index >= len(text)):
        quote = text[opened.index]
        return (opened.line + 1, opened.column + 1,
                f"the quote ({quote}) that opens here is never closed (expected a closing {quote} after the text)")
    if "unknown escape character" in problem or "expected escape sequence" in problem:
        if "unknown escape character" in problem and text[mark.index - 1: mark.index] == "\\":
            at, code = (at[0], at[1] - 1), f" \\{text[mark.index]}"
        else:
            code = " this"
        return (*at, f"a backslash (\\) inside double quotes starts an escape code, and{code} is not one "
                     "(expected single quotes around text that holds backslashes, such as 'C:\\notes', or \\\\ for one backslash)")
    if "flow sequence" in context or "flow mapping" in context:
        close, kind = ("]", "list") if "sequence" in context else ("}", "mapping")
        if opened and mark.line > opened.line:
            return (opened.line + 1, opened.column + 1,
                    f"the {kind} opened with '{text[opened.index]}' here is never closed (expected '{close}' after its last item)")
        return (*at, f"YAML cannot read this {kind} (expected items separated by ', ' and a closing '{close}')")
    if "scanning a simple key" in context and "could not find expected ':'" in problem and opened:
        return (opened.line + 1, opened.column + 1, _missing_colon(line_of(opened)))
    if "mapping values are not allowed here" in problem:
        if last is not None and last.style is None and last.start_mark.line < mark.line:
            start = last.start_mark
            first = line_of(start)
            own_line = text[text.rfind("\n", 0, start.index) + 1: start.index].strip() == ""
            if own_line:
                return (start.line + 1, start.column + 1, _missing_colon(first, runs_on=True))
            whole = text[mark.index - mark.column: mark.index]
            indent = len(whole) - len(whole.lstrip(" "))
            return (mark.line + 1, indent + 1,
                    f"this line is indented more than the field above it, so YAML reads it as part of the value "
                    f"on line {start.line + 1} ({_ONE_PER_LINE})")
        value = line_of(last.start_mark).split(" #")[0].strip() if last is not None and last.start_mark.line == mark.line else ""
        quoted = f': "{value}"' if value and '"' not in value and "\\" not in value else ""
        return (*at, f"a second ': ' on this line (expected one `field: value` per line); "
                     f"if the value is meant to hold ': ', put it in quotes{quoted}")
    if "block mapping" in context and "expected <block end>" in problem:
        if last is not None and last.style in ("'", '"') and last.start_mark.line < last.end_mark.line:
            quote = last.style
            return (last.start_mark.line + 1, last.start_mark.column + 1,
                    f"the quote ({quote}) that opens here is closed only on line {last.end_mark.line + 1} "
                    f"(expected a closing {quote} at the end of the text, on the same line)")
        if last is not None and last.style in ("'", '"') and last.end_mark.line == mark.line and "<scalar>" in problem:
            return (*at, "more text after the closing quote (expected the whole value inside the quotes, "
                         "or no quotes at all)")
        if "'-'" in problem:
            return (*at, "a list item ('- ...') where a field was expected (expected the item indented under its field, "
                         "or `field: value`)")
        if "']'" in problem or "'}'" in problem:
            return (*at, f"a closing '{problem[-2]}' with no opening one (expected brackets in pairs)")
        return (*at, f"this line does not line up with the fields above it ({_ONE_PER_LINE})")
    if "cannot start any token" in problem:
        char = text[mark.index] if mark.index < len(text) else "?"
        return (*at, f"a value cannot begin with '{char}' unless it is in quotes (expected text in quotes){_quote_hint(text, mark)}")
    if "anchor" in context or "alias" in context:
        start = opened or mark
        return (start.line + 1, start.column + 1,
                f"a value cannot begin with '{text[start.index]}' unless it is in quotes (expected text in quotes)"
                f"{_quote_hint(text, start)}")
    detail = f"{problem} ({context})" if context else problem
    return (*at, f"not valid YAML: {detail} ({_ONE_PER_LINE})")


def _missing_colon(line: str, *, runs_on: bool = False) -> str:
    """Why a line that YAML read as the start of a field has no usable ':' (LINE: from the field on)."""
    body = line.split(" #")[0].strip()
    word = r"[A-Za-z_][A-Za-z0-9_]*"
    tight = re.fullmatch(rf"({word}):(\S.*)", body)
    if tight:
        return (f"the ':' after {tight[1]} has no space after it (expected `field: value`, with a space after the ':'); "
                f"did you mean `{tight[1]}: {tight[2]}`?")
    key = body.split(": ")[0] if ": " in body else body.removesuffix(":") if body.endswith(":") else ""
    if len(key) > 1024:
        return f"a field name over 1,024 characters long, which YAML does not allow ({_NOT_A_NAME})"
    words = body.split(None, 1)
    hint = f"; did you mean `{words[0]}: {words[1]}`?" if len(words) == 2 and re.fullmatch(word, words[0]) else ""
    also = ", so YAML reads the next line as part of it" if runs_on else ""
    return f"this line has no ':' after its field name{also} ({_ONE_PER_LINE}){hint}"


def _quote_hint(text: str, mark: yaml.Mark) -> str:
    """'; did you mean "@jordan"?' for a value after `field: ` or `- ` that needs quotes, else ''."""
    before = text[mark.index - mark.column: mark.index].rstrip()
    found = _BREAKS.search(text, mark.index)
    value = text[mark.index: found.start() if found else len(text)].split(" #")[0].strip()
    if before.endswith((":", "-")) and value and '"' not in value and "\\" not in value:
        return f'; did you mean "{value}"?'
    return ""


_KEY_KINDS = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "a date",
}
_NOT_A_NAME = "expected a field name such as `name`"
_NO_TAGS = "expected plain text, numbers, true/false, lists and mappings, with no tag"


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _key_problem(key: yaml.Node) -> str:
    if isinstance(key, yaml.SequenceNode):
        return f"a list used as a key ({_NOT_A_NAME})"
    if isinstance(key, yaml.MappingNode):
        return f"a mapping used as a key ({_NOT_A_NAME})"
    if key.tag == "tag:yaml.org,2002:merge":
        return f"merge keys (<<) are not allowed ({_NOT_A_NAME}, each field written out in full)"
    if key.tag == "tag:yaml.org,2002:null" and key.value in ("", "~"):
        return f"a key is missing before the ':' ({_NOT_A_NAME})"
    kind = _KEY_KINDS.get(key.tag)
    if kind is None:
        return f"the tag {_tag_name(key.tag)} is not allowed ({_NO_TAGS})"
    return f"the key {key.value} is read as {kind}, not as a field name ({_NOT_A_NAME}, or put it in quotes)"


class _Careful(Exception):
    """The fast reader met an alias or deep nesting: the careful reader must explain it."""


def _build(
    node: yaml.Node, path: Path_, doc: Document, problems: list[Problem], loader: _Loader, seen: set[int] | None = None
) -> Any:
    """The value of NODE, its position recorded in DOC; what is wrong goes to PROBLEMS.

    SEEN is given by the fast reader, whose parser follows aliases and nests without limit: a node
    met twice (an alias) or nested too deep raises `_Careful`.
    """
    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if seen is not None:
        if id(node) in seen or (len(path) >= MAX_DEPTH and not isinstance(node, yaml.ScalarNode)):
            raise _Careful
        seen.add(id(node))

    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            _problem(problems, doc, path, node, f"the tag {_tag_name(node.tag)} is not allowed ({_NO_TAGS})")
            return None
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                _problem(problems, doc, path, key_node, _key_problem(key_node))
                continue
            key = key_node.value
            key_line = key_node.start_mark.line + 1
            if key in first_line:
                _problem(
                    problems, doc, (*path, key), key_node,
                    f"duplicate key {_short(key)} on lines {first_line[key]} and {key_line} (expected each field once: "
                    "delete one of them)",
                )
                continue
            first_line[key] = key_line
            doc.key_positions[(*path, key)] = (key_line, key_node.start_mark.column + 1)
            result[key] = _build(value_node, (*path, key), doc, problems, loader, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            _problem(problems, doc, path, node, f"the tag {_tag_name(node.tag)} is not allowed ({_NO_TAGS})")
            return None
        return [_build(item, (*path, i), doc, problems, loader, seen) for i, item in enumerate(node.value)]
    if node.tag == _STR:
        return node.value
    if node.tag not in _PLAIN_TAGS:
        _problem(problems, doc, path, node, f"the tag {_tag_name(node.tag)} is not allowed ({_NO_TAGS})")
        return None
    if node.style is None and node.tag in (_BOOL, _NULL) and node.value not in ("true", "false", "null"):
        doc.written[path] = node.value  # `yes`, `No`, `~` or nothing: say what was typed, not what YAML made of it
    try:
        return loader.construct_object(node, deep=True)
    except Exception as exc:  # noqa: BLE001 - a plain value under an explicit tag it does not fit, such as `!!bool maybe`
        if node.tag == "tag:yaml.org,2002:int" and len(node.value) > 100:
            message = f"the number is {len(node.value):,} characters long, too long to read (expected a number of a few digits)"
        elif isinstance(exc, (yaml.YAMLError, ValueError, OverflowError)) and node.tag == "tag:yaml.org,2002:timestamp" and str(exc):
            message = f"cannot read the date {_short(node.value)} ({exc}) (expected a real date, such as 2026-03-20)"
        else:
            message = f"cannot read {_short(node.value)} as {_tag_name(node.tag)} (expected a value of that kind, or no tag)"
        _problem(problems, doc, path, node, message)
        return None


def _problem(problems: list[Problem], doc: Document, path: Path_, at: yaml.Node, message: str) -> None:
    problems.append(Problem(doc.file, at.start_mark.line + 1, at.start_mark.column + 1, field_path(path), message))
