"""An office's `overrides/` folders: which files they may hold, and the checks of a replaced template.

An `overrides/` folder beside a project file mirrors the package's `content/` and `templates/`. A
file there replaces the package's file at the same path. A file at a new path is accepted only
where the package has a kind of thing to add to:

- a section, `content/sections/NN-name.md`, with a number no section of the package uses;
- an example variant, `content/examples/<slot>/<name>.md`;
- a worksheet, `content/worksheets/<id>.yaml`;
- a static file of the site, `templates/site/assets/...`.

A file of `content/data/` never replaces the package's: it extends it (see
`generator.loading.data`), and only the files listed in `EXTENDABLE_DATA` can be extended. Any other
new path replaces nothing, so it is taken for a misspelling and refused, with the closest package
path suggested. A replaced page template is checked against the package's (`template_problems`).
The loaders of content and data (`load_library`, `load_reference_data`) lay the files over the
package's; this module only says whether the folders are well formed. See docs/overrides.md.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import meta, nodes

from generator.errors import ContentError, InputError, Problem
from generator.loading.schema import suggest

SECTION_FILE = re.compile(r"^(\d+)-[a-z0-9]+(?:-[a-z0-9]+)*\.md$")
"""The name of a section file: its number (its place in the guide), then its name."""

EXAMPLE_FILE = re.compile(r"^content/examples/[a-z0-9]+(?:[-_][a-z0-9]+)*/[a-z0-9]+(?:[-_][a-z0-9]+)*\.md$")
WORKSHEET_FILE = re.compile(r"^content/worksheets/[a-z0-9]+(?:_[a-z0-9]+)*\.yaml$")
ASSET_FILE = re.compile(r"^templates/site/assets/.+")

EXTENDABLE_DATA = ("calendar.yaml", "facts.yaml")
"""The data files an office may extend (never replace): its own deadlines, and its own figures."""

TEMPLATE_SUFFIXES = (".html", ".xml", ".j2")
"""The files of `templates/` that are Jinja templates (the rest are copied or read as they are)."""


@dataclass(frozen=True)
class OverrideFile:
    """One file of an overrides folder."""

    root: Path
    """The `overrides/` folder it is in."""
    path: Path
    rel: str
    """Its path inside the folder, with '/': `content/sections/04-metrics.md`."""

    @property
    def display(self) -> str:
        return display(self.path)


def display(path: Path) -> str:
    """PATH as messages name it: relative to the working folder when it is inside it."""
    try:
        return os.path.relpath(path, Path.cwd()) if Path(path).resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except (OSError, ValueError):
        return str(path)


def in_overrides(path: Path, overrides: tuple[Path, ...] | list[Path]) -> bool:
    """Whether PATH is a file of one of the OVERRIDES folders."""
    return any(Path(path).is_relative_to(root) for root in overrides)


def as_input_error(exc: ContentError) -> InputError:
    """A `ContentError` in an office's file, as the located problem (exit status 2) an office's input gets."""
    where = f"{exc.path}:{exc.line}" if exc.line else str(exc.path)
    message = exc.message[len(where) + 2:] if exc.message.startswith(where + ": ") else exc.message
    return InputError([Problem(display(exc.path), exc.line, 0, "", message)])


def override_files(root: Path) -> list[OverrideFile]:
    """Every file under the overrides folder ROOT, in path order; hidden files (`.DS_Store`) are skipped."""
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or not (path.is_file() or path.is_symlink()):
            continue
        found.append(OverrideFile(root, path, rel))
    return found


def _package_files(content: Path, templates: Path) -> set[str]:
    return {f"{name}/{p.relative_to(folder).as_posix()}"
            for name, folder in (("content", content), ("templates", templates))
            for p in folder.rglob("*") if p.is_file()}


def describe(content: Path, templates: Path, overrides: tuple[Path, ...]) -> list[str]:
    """One line per file of the OVERRIDES folders, nearest first, saying what it does to the package
    (for `guidebook config`); the checks are `check_overrides`'s."""
    package = _package_files(content, templates)
    lines = []
    for root in overrides:
        for file in override_files(root):
            if file.rel.startswith("content/data/"):
                what = "extends"
            elif file.rel in package:
                what = "replaces"
            else:
                what = "adds"
            lines.append(f"{what} {file.rel}  ({file.display})")
    return lines


def path_problems(content: Path, templates: Path, overrides: tuple[Path, ...]) -> list[Problem]:
    """What is wrong with the paths of the OVERRIDES folders (nearest first), laid over the package's
    CONTENT and TEMPLATES: links leading out, files that replace nothing, section numbers taken."""
    package = _package_files(content, templates)
    numbers: dict[int, list[str]] = {}
    for name in sorted(package):
        if name.startswith("content/sections/") and (m := SECTION_FILE.match(name.rsplit("/", 1)[1])):
            numbers.setdefault(int(m.group(1)), []).append(name.rsplit("/", 1)[1])
    problems: list[Problem] = []
    added: dict[int, OverrideFile] = {}

    def problem(file: OverrideFile, message: str) -> None:
        problems.append(Problem(file.display, 1, 1, "", message))

    for root in overrides:
        for file in override_files(root):
            target = file.path.resolve()
            if not target.is_relative_to(root.resolve()):
                problem(file, f"is a symbolic link to {target}, outside the overrides folder {display(root)} "
                              "(expected a file inside it: copy the file there instead)")
                continue
            if not target.is_file():
                problem(file, "is not a file (expected a file that replaces or adds to the package's)")
                continue
            rel = file.rel
            if rel.startswith("content/data/"):
                problems += _data_path_problems(file, package)
            elif rel in package:
                pass  # replaces the package's file
            elif rel.startswith("content/sections/"):
                name = rel.removeprefix("content/sections/")
                match = SECTION_FILE.match(name)
                if match is None or "/" in name:
                    problem(file, _nothing(rel, package, "a new section is named NN-name.md, such as 40-our-office.md"))
                    continue
                number = int(match.group(1))
                if number in numbers:
                    problem(file, f"section number {number:02d} is already taken by the package's "
                                  f"{' and '.join(numbers[number])} (expected a number no section uses, or the exact name of a "
                                  "section's file to replace it)")
                elif number in added and added[number].rel != rel:
                    problem(file, f"section number {number:02d} is already taken by {added[number].display} "
                                  "(expected a number no section uses)")
                added.setdefault(number, file)
            elif not (EXAMPLE_FILE.match(rel) or WORKSHEET_FILE.match(rel) or ASSET_FILE.match(rel)):
                problem(file, _nothing(rel, package))
    return problems


def _data_path_problems(file: OverrideFile, package: set[str]) -> list[Problem]:
    name = file.rel.removeprefix("content/data/")
    if name in EXTENDABLE_DATA:
        return []
    if file.rel in package:
        message = (f"{name} cannot be extended by an office, and a data file is never replaced "
                   f"(expected one of: {', '.join(EXTENDABLE_DATA)})")
    else:
        guess = suggest(name, EXTENDABLE_DATA)
        message = (f"extends no data file (expected one of: {', '.join(EXTENDABLE_DATA)})"
                   + (f"; did you mean 'content/data/{guess}'?" if guess else ""))
    return [Problem(file.display, 1, 1, "", message)]


def _nothing(rel: str, package: set[str], expected: str = "") -> str:
    """The message for a file at REL that replaces nothing, with the closest package path."""
    guess = _closest(rel, package)
    expected = expected or ("a path that a file of the package has, or a new section, example variant, "
                            "worksheet or site asset")
    return (f"replaces nothing: the package has no file {rel} (expected {expected})"
            + (f"; did you mean '{guess}'?" if guess else ""))


def _closest(rel: str, package: set[str]) -> str | None:
    """The path REL most likely meant: its folder corrected, when no package file is in that folder;
    else the closest file of the folder."""
    folder, _, name = rel.rpartition("/")
    folders = {p.rpartition("/")[0] for p in package}
    if folder not in folders:
        close = difflib.get_close_matches(folder, sorted(folders), n=1, cutoff=0.6)
        return f"{close[0]}/{name}" if close else None
    close = difflib.get_close_matches(rel, sorted(p for p in package if p.rpartition("/")[0] == folder), n=1, cutoff=0.6)
    return close[0] if close else None


# -- templates ----------------------------------------------------------------------------------------


def template_problems(env: jinja2.Environment, templates: Path, overrides: tuple[Path, ...]) -> list[Problem]:
    """What is wrong with each template of the OVERRIDES folders that replaces one of the package's
    TEMPLATES: a block the package's defines and it does not, or a variable no package template of its
    folder uses (so the build gives it none)."""
    problems: list[Problem] = []
    known_by_folder: dict[str, set[str]] = {}
    for root in overrides:
        for file in override_files(root):
            rel = file.rel.removeprefix("templates/")
            ours = templates / rel
            if not file.rel.startswith("templates/") or not rel.endswith(TEMPLATE_SUFFIXES) or not ours.is_file():
                continue
            if not file.path.resolve().is_relative_to(root.resolve()):
                continue  # reported by path_problems
            try:
                theirs = env.parse(file.path.read_text(encoding="utf-8"), rel, str(file.path))
            except jinja2.TemplateSyntaxError as exc:
                problems.append(Problem(file.display, exc.lineno or 1, 1, "", f"template error: {exc.message}"))
                continue
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(Problem(file.display, 1, 1, "", f"cannot read the file ({exc})"))
                continue
            package = env.parse(ours.read_text(encoding="utf-8"), rel, str(ours))
            defined = {b.name for b in theirs.find_all(nodes.Block)}
            for block in package.find_all(nodes.Block):
                if block.name not in defined:
                    problems.append(Problem(file.display, 1, 1, "", f"does not define the block {block.name!r} that "
                                            f"templates/{rel} defines on its line {block.lineno} (expected "
                                            f"{{% block {block.name} %}}...{{% endblock %}}, which the build fills or uses)"))
            folder = rel.split("/", 1)[0]
            if folder not in known_by_folder:
                known_by_folder[folder] = _folder_variables(env, templates / folder)
            known = known_by_folder[folder]
            for name in sorted(meta.find_undeclared_variables(theirs) - known - set(env.globals)):
                line = min((n.lineno for n in theirs.find_all(nodes.Name) if n.name == name), default=1)
                guess = suggest(name, known)
                problems.append(Problem(file.display, line, 1, "", f"uses the variable {name!r}, which the build does not "
                                        f"give the templates of {folder}/ (no template of the package's templates/{folder}/ "
                                        "uses it)" + (f"; did you mean {guess!r}?" if guess else "")))
    return problems


def _folder_variables(env: jinja2.Environment, folder: Path) -> set[str]:
    """Every variable the package's templates in FOLDER use: what the build gives them."""
    known: set[str] = set()
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in TEMPLATE_SUFFIXES:
            known |= meta.find_undeclared_variables(env.parse(path.read_text(encoding="utf-8")))
    return known


def check_overrides(env: jinja2.Environment, content: Path, templates: Path, overrides: tuple[Path, ...]) -> None:
    """Raise `InputError` listing every problem of the OVERRIDES folders: their paths, then their templates
    (parsed with ENV, the page environment)."""
    if not overrides:
        return
    problems = path_problems(content, templates, overrides)
    problems += template_problems(env, templates, overrides)
    if problems:
        raise InputError(problems)
