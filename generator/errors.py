"""Errors a person can act on.

Every error the tool raises on purpose is a `GuidebookError`: the command line (`generator.commands.cli`)
prints its message and exits with its code, and no traceback reaches the user. This module does not
import click, so the browser build, which runs the same pipeline without a command line, need not
download it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import sys


def field_path(loc: Iterable[str | int]) -> str:
    """('red_flags', 1) -> 'red_flags[1]'; ('scores', 'step2_ck') -> 'scores.step2_ck'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file."""

    file: str
    """The file as the user named it."""
    line: int
    """1-based line; 0 when the problem concerns the whole file (printed as line 1)."""
    column: int
    """1-based column; 0 when unknown (printed as column 1)."""
    field: str
    """Dotted path of the field, e.g. `scores.step2_ck`; empty for the whole document."""
    message: str
    """What is wrong, then what was expected, and a did-you-mean where one helps."""

    def __str__(self) -> str:
        name = self.field if len(self.field) <= 80 else self.field[:77] + "..."
        field = f" {name}:" if name else ""
        return _printable(f"{self.file}:{self.line or 1}:{self.column or 1}:{field} {self.message}")


def _printable(text: str) -> str:
    """TEXT with control characters written as escapes, so that a hostile field name cannot move the
    cursor, recolour or clear the terminal, or split one problem over several lines."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


class GuidebookError(Exception):
    """Base class of the errors the tool reports to its user."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        """Print the error as the command line does (to standard error)."""
        print(f"Error: {self.format_message()}", file=file or sys.stderr)


class InputError(GuidebookError):
    """A profile (or several) failed to load; nothing was written. Exit status 2."""

    exit_code = 2

    SHOWN = 50
    """At most this many problems are printed; a file full of the same mistake needs no more."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        files = sorted({p.file for p in self.problems})
        count = len(self.problems)
        shown = f" (the first {self.SHOWN} shown)" if count > self.SHOWN else ""
        summary = f"{count} problem{'s' if count != 1 else ''} in {', '.join(files)}{shown}; nothing was written"
        super().__init__("\n".join([*map(str, self.problems[: self.SHOWN]), summary]))

    def show(self, file=None) -> None:  # noqa: D102 - located lines stand on their own, no "Error:" prefix
        print(self.format_message(), file=file or sys.stderr)


class ContentError(GuidebookError):
    """The guide's own content (sections, examples, templates, data) is broken."""

    def __init__(self, path: Path | str, message: str, line: int = 0):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = Path(path)
        self.line = line


class BuildError(GuidebookError):
    """The guide could not be written or rendered."""


class StrictError(GuidebookError):
    """A `--strict` build found broken links or unreachable content; nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__("\n".join([*self.problems, f"{count} problem{'s' if count != 1 else ''} found by --strict; nothing was written"]))

    def show(self, file=None) -> None:  # noqa: D102 - one located line per problem, no "Error:" prefix
        print(self.format_message(), file=file or sys.stderr)
