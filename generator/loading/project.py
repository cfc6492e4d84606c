"""The project file, `guidebook.yml`: an advising office's own settings, checked like a profile.

A project file may name another with `extends:`, so that several campuses share one base file. The
chain is read from the named file down to the last base, then merged base first: mappings merge key
by key, and a list or a single value written by a later file replaces the earlier one. Every
effective setting remembers the file and line it came from, and every problem is located in the
file that wrote the offending value (see docs/project.md).

This module reads and checks the file. The toolkit (`generator.commands.build.Toolkit`) then shows
the brand (`LoadedProject.brand_view`) and lays the `overrides/` folders over the package's content
and templates (`LoadedProject.overrides`, checked by `generator.loading.overrides`).
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

from generator.errors import InputError, Problem, field_path
from generator.loading.schema import clean_loc, model_problem, shown
from generator.loading.yamlfile import MAX_BYTES, Document, read_yaml

PROJECT_FILE = "guidebook.yml"
"""The name looked for in the working folder when no project file is named."""

OVERRIDES = "overrides"
"""The folder beside a project file whose files replace or add to the package's content and templates."""

BACKGROUNDS = {"light": "#fbfaf7", "dark": "#15181c"}
"""The page background of each colour scheme (`--bg` in templates/site/assets/style.css)."""

MIN_CONTRAST = 4.5
"""The least contrast a brand colour must have against its scheme's background (WCAG 2, level AA)."""

MAX_LOGO_BYTES = 1_000_000
"""A logo larger than this is refused."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# -- colours ------------------------------------------------------------------------------------------

COLOUR_PATTERN = r"^#[0-9A-Fa-f]{6}$"


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def luminance(colour: str) -> float:
    """The relative luminance of COLOUR (`#rrggbb`), as WCAG 2 defines it: 0 for black, 1 for white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = map(linear, _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ratio_text(ratio: float) -> str:
    """A contrast ratio as people write it, cut (not rounded) to two decimals: 4.499 is '4.49:1'."""
    return f"{int(ratio * 100) / 100:.2f}:1"


def _mix(colour: str, towards: str, share: float) -> str:
    """COLOUR moved SHARE of the way (0 to 1) towards TOWARDS, channel by channel."""
    return _hex(tuple(a + (b - a) * share for a, b in zip(_rgb(colour), _rgb(towards))))


def readable(colour: str, scheme: str, surfaces: tuple[str, ...] | None = None) -> str:
    """COLOUR itself when it has enough contrast against SCHEME's background (or against every one of
    SURFACES); else the first of COLOUR mixed with white (dark scheme) or black (light scheme) in
    steps of 1% that has."""
    against = surfaces or (BACKGROUNDS[scheme],)
    towards = "#ffffff" if scheme == "dark" else "#000000"
    for step in range(101):
        candidate = _mix(colour, towards, step / 100)
        if all(contrast(candidate, surface) >= MIN_CONTRAST for surface in against):
            return candidate
    return towards  # not reached: white and black both pass against their scheme's surfaces


def derive_dark(colour: str) -> str:
    """The dark scheme's accent made from the light scheme's COLOUR: COLOUR lightened towards white,
    1% at a time, until it has a contrast of at least 4.5:1 against the dark page (#15181c)."""
    return readable(colour.lower(), "dark")


def _refusal(kind: str, value: Any, problem: str, expected: str, suggestion: str | None = None) -> PydanticCustomError:
    """An error that `generator.loading.schema` prints as "VALUE PROBLEM (expected EXPECTED)"."""
    context = {"given": value, "problem": problem, "expected": expected}
    if suggestion:
        context["suggestion"] = suggestion
    return PydanticCustomError(kind, "{problem}", context)


def _colour_form(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(COLOUR_PATTERN, value):
        short = re.fullmatch(r"#([0-9A-Fa-f])([0-9A-Fa-f])([0-9A-Fa-f])", value)
        raise _refusal(
            "bad_colour",
            value,
            "is not a colour written as #rrggbb",
            "'#' and six hexadecimal digits, in quotes, such as '#1d5c8c'",
            "#" + "".join(c * 2 for c in short.groups()).lower() if short else None,
        )
    return value


def _contrast_check(scheme: str):
    page = {"light": "the light page", "dark": "the dark page"}[scheme]
    other = {"light": "darker", "dark": "lighter"}[scheme]

    def check(value: str) -> str:
        value = value.lower()
        ratio = contrast(value, BACKGROUNDS[scheme])
        if ratio < MIN_CONTRAST:
            raise _refusal(
                "low_contrast",
                value,
                f"has a contrast of {ratio_text(ratio)} against {page} ({BACKGROUNDS[scheme]})",
                f"at least {MIN_CONTRAST}:1, so that text in this colour can be read: a {other} colour, such as "
                f"{readable(value, scheme)}, the same colour made {other} just enough",
            )
        return value

    return check


LightColour = Annotated[
    str, StringConstraints(pattern=COLOUR_PATTERN), BeforeValidator(_colour_form), AfterValidator(_contrast_check("light"))
]
DarkColour = Annotated[
    str, StringConstraints(pattern=COLOUR_PATTERN), BeforeValidator(_colour_form), AfterValidator(_contrast_check("dark"))
]


# -- text, addresses ----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(value: Any) -> Any:
    if isinstance(value, str):
        found = _CONTROL.search(value)
        if found:
            raise _refusal(
                "control_character",
                value,
                f"holds a control character (U+{ord(found.group()):04X}) at character {found.start() + 1}",
                "one line of plain text, without tabs or line breaks",
            )
        if not value.strip():
            raise _refusal("blank", value, "is blank", "some text, or the field left out")
    return value


def _line(longest: int) -> Any:
    return Annotated[
        str, StringConstraints(min_length=1, max_length=longest, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$"), BeforeValidator(_one_line)
    ]


EMAIL_PATTERN = r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$"
URL_PATTERN = r"^https?://[^\s/?#]+([/?#]\S*)?$"


def _email(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(EMAIL_PATTERN, value):
        raise _refusal("bad_email", value, "does not look like an email address", "an address such as advising@school.edu")
    return value


def _url(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(URL_PATTERN, value):
        bare = re.fullmatch(r"[\w-]+(\.[\w-]+)+([/?#]\S*)?", value)
        raise _refusal(
            "bad_url",
            value,
            "is not an http or https address",
            "a web address starting with https:// or http://, such as https://www.school.edu/advising",
            "https://" + value if bare else None,
        )
    return value


# -- the logo -----------------------------------------------------------------------------------------

_LOGO_EXPECTED = "the path of an SVG or PNG file inside the folder of the project file that names it, such as images/logo.svg"
_SVG_START = re.compile(r"\s*(<\?xml|<svg|<!--|<!DOCTYPE\s+svg)", re.IGNORECASE)
_SVG_DANGERS = [
    (re.compile(r"<script", re.IGNORECASE), "a script (<script>)"),
    (re.compile(r"<!ENTITY", re.IGNORECASE), "an entity declaration (<!ENTITY)"),
    (re.compile(r"[\s\"'/]on[a-z]+\s*=", re.IGNORECASE), "an event handler attribute (on...=)"),
    (re.compile(r"""(href|src)\s*=\s*["']?\s*(https?:|//|javascript:|file:)""", re.IGNORECASE), "a reference to another file or a web address"),
    (re.compile(r"""url\(\s*["']?\s*(https?:|//)""", re.IGNORECASE), "a reference to a web address in url(...)"),
    (re.compile(r"@import", re.IGNORECASE), "a style sheet import (@import)"),
]


def _logo_text(value: Any) -> Any:
    """The checks of a logo path that need no files: relative, inside, .svg or .png."""
    if not isinstance(value, str):
        return value
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE) or value.startswith("//"):
        raise _refusal("logo_url", value, "is a web address, and a logo is never fetched", _LOGO_EXPECTED)
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value):
        raise _refusal("logo_absolute", value, "is an absolute path", _LOGO_EXPECTED)
    if "\\" in value:
        raise _refusal("logo_backslash", value, "holds a backslash", _LOGO_EXPECTED + ", with '/' between folders",
                       value.replace("\\", "/"))
    if ".." in value.split("/"):
        raise _refusal("logo_outside", value, "leads outside the folder of the project file (through '..')", _LOGO_EXPECTED)
    if Path(value).suffix.lower() not in (".svg", ".png"):
        raise _refusal("logo_type", value, "is not an .svg or .png file", _LOGO_EXPECTED)
    return value


def _logo_file(value: str, info: ValidationInfo) -> str:
    """The checks of a logo path against the files, when the folder it is relative to is known."""
    folder = (info.context or {}).get("logo_folder")
    if folder is not None:
        problem = logo_problem(value, Path(folder))
        if problem:
            raise _refusal("bad_logo", value, problem, _LOGO_EXPECTED)
    return value


def logo_problem(value: str, folder: Path) -> str | None:
    """What is wrong with the logo VALUE (already checked as text) in FOLDER, or None."""
    path = folder / value
    root = folder.resolve()
    target = path.resolve()
    if not target.is_relative_to(root):
        return f"leads through a symbolic link to {target}, outside the folder of the project file ({root})"
    if not path.exists():
        return f"does not exist (no file {path})"
    if not target.is_file():
        return "is not a file"
    size = target.stat().st_size
    if size > MAX_LOGO_BYTES:
        return f"is {size:,} bytes, over the {MAX_LOGO_BYTES:,}-byte limit for a logo"
    data = target.read_bytes()
    if target.suffix.lower() == ".png":
        return None if data.startswith(PNG_SIGNATURE) else "does not hold a PNG image (it does not start with the PNG signature)"
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    if not _SVG_START.match(text) or not re.search(r"<svg[\s>]", text, re.IGNORECASE):
        return "does not hold an SVG image (it does not start as an XML file with an <svg> element)"
    for pattern, name in _SVG_DANGERS:
        found = pattern.search(text)
        if found:
            line = text.count("\n", 0, found.start()) + 1
            return f"holds {name} on its line {line}, which a logo may not (a plain SVG drawing is expected)"
    return None


Logo = Annotated[str, StringConstraints(min_length=1, max_length=300), BeforeValidator(_logo_text), AfterValidator(_logo_file)]


# -- the model ----------------------------------------------------------------------------------------


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True)


class Contact(_Part):
    """Who students of the office can turn to."""

    name: _line(120) | None = None
    """The advisor or office to contact, such as "Office of Student Affairs"."""
    email: Annotated[_line(254), StringConstraints(pattern=EMAIL_PATTERN), BeforeValidator(_email)] | None = None
    """An email address, such as advising@school.edu."""
    phone: _line(40) | None = None
    """A telephone number, written as it should be shown (in quotes, so that YAML keeps it as text)."""
    url: Annotated[_line(500), StringConstraints(pattern=URL_PATTERN), BeforeValidator(_url)] | None = None
    """A web page, starting with https:// or http://."""
    hours: _line(120) | None = None
    """When the office can be reached, such as "Monday to Friday, 9 am to 5 pm"."""


class Brand(_Part):
    """How the office's edition of the guide is marked as its own."""

    name: _line(80) | None = None
    """The office or school, as it should appear on every page."""
    logo: Logo | None = None
    """A local SVG or PNG file, relative to the folder of the project file that names it; never fetched."""
    color: LightColour | None = None
    """The accent colour of the light scheme, as '#rrggbb', with a contrast of at least 4.5:1 against #fbfaf7."""
    color_dark: DarkColour | None = None
    """The accent colour of the dark scheme, as '#rrggbb', with a contrast of at least 4.5:1 against #15181c.
    Default: derived from color (lightened until it has that contrast)."""
    contact: Contact | None = None
    """How to reach the office."""

    @property
    def dark_color(self) -> str | None:
        """color_dark when given, else the one derived from color (`derive_dark`); None without either."""
        if self.color_dark is not None:
            return self.color_dark
        return derive_dark(self.color) if self.color is not None else None


class Project(_Part):
    """An advising office's project file, guidebook.yml."""

    extends: _line(300) | None = None
    """Another project file whose settings this one starts from, relative to this file's folder."""
    brand: Brand | None = None
    """The office's name, logo, colours and contact."""


# -- loading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a setting was written."""

    file: str
    """The file as messages name it."""
    line: int
    column: int
    path: Path
    """The file itself (relative paths in it are resolved against its folder)."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Setting:
    """One effective setting, for `guidebook config`."""

    field: str
    """Dotted path, such as brand.color."""
    value: Any
    origin: Origin
    derived: bool = False
    """True for a value made from another setting (color_dark from color)."""


@dataclass
class _Source:
    """One project file of the chain, read."""

    doc: Document
    path: Path


@dataclass
class LoadedProject:
    """A project file and its `extends:` chain, merged and checked."""

    path: Path
    """The project file named or found (the first of the chain)."""
    project: Project
    """The merged settings."""
    files: list[Path]
    """The chain: the project file first, then the file it extends, and so on."""
    displays: list[str]
    """The files of the chain as messages name them."""
    origins: dict[tuple[str | int, ...], Origin] = field(default_factory=dict)
    """Path of every value in the merged settings -> where it was written."""
    data: dict[str, Any] = field(default_factory=dict)
    """The merged settings as written (before checking)."""

    @property
    def overrides(self) -> tuple[Path, ...]:
        """The `overrides/` folders beside the files of the chain that have one, nearest file first:
        a file in a nearer folder wins over the same path in a farther one, and both over the package's."""
        found: list[Path] = []
        for file in self.files:
            folder = (file.parent / OVERRIDES).resolve()
            if folder.is_dir() and folder not in found:
                found.append(folder)
        return tuple(found)

    def brand_view(self) -> dict[str, Any] | None:
        """What the templates show of the brand (`brand` in their context); None when there is nothing to show."""
        brand = self.project.brand
        if brand is None:
            return None
        # Every contact key, None where not given, so that templates can ask for any of them.
        contact = brand.contact.model_dump() if brand.contact and brand.contact.model_dump(exclude_none=True) else None
        logo = self.logo
        return {
            "name": brand.name,
            "logo": f"assets/brand/logo{logo.suffix.lower()}" if logo else None,
            "logo_path": str(logo) if logo else None,
            "color": brand.color,
            "color_dark": brand.dark_color,
            "contact": contact,
        }

    def input_files(self) -> list[Path]:
        """Every file a build reads because of the project: the chain, the logo and each override."""
        found = [*self.files, *([self.logo] if self.logo else [])]
        for folder in self.overrides:
            found += sorted(p for p in folder.rglob("*") if p.is_file())
        return found

    @property
    def logo(self) -> Path | None:
        """The checked logo file, resolved against the folder of the file that named it."""
        brand = self.project.brand
        if brand is None or brand.logo is None:
            return None
        return (self.origins[("brand", "logo")].path.parent / brand.logo).resolve()

    def settings(self) -> list[Setting]:
        """Every effective setting (lists and values, not mappings), in the order written."""
        found: list[Setting] = []

        def walk(value: Any, path: tuple[str | int, ...]) -> None:
            if isinstance(value, dict) and value:
                for key, item in value.items():
                    walk(item, (*path, key))
            else:
                found.append(Setting(field_path(path), value, self.origins[path]))

        for key, value in self.data.items():
            walk(value, (key,))
        brand = self.project.brand
        if brand is not None and brand.color is not None and brand.color_dark is None:
            at = next(i for i, s in enumerate(found) if s.field == "brand.color")
            found.insert(at + 1, Setting("brand.color_dark", brand.dark_color, self.origins[("brand", "color")], derived=True))
        return found

    def describe(self) -> str:
        """The effective settings, one per line, each with the file and line it came from."""
        chain = self.displays[0] + "".join(f", extending {d}" for d in self.displays[1:])
        lines = [f"Project file: {chain}"]
        settings = self.settings()
        if not settings:
            lines.append("No settings: the guide looks as it does without a project file.")
        for s in settings:
            value = s.value if isinstance(s.value, str) else json.dumps(s.value)
            where = f"derived from brand.color, {s.origin}" if s.derived else str(s.origin)
            lines.append(f"{s.field}: {value}  ({where})")
        return "\n".join(lines)


def load_project(path: Path | None, cwd: Path) -> LoadedProject | None:
    """Read, merge and check the project file PATH (relative to CWD), or CWD's guidebook.yml when
    PATH is None; None when there is none. Raise `InputError` listing every problem of the chain."""
    if path is None:
        file, display = cwd / PROJECT_FILE, PROJECT_FILE
        if not (file.exists() or file.is_symlink()):
            return None
    else:
        file, display = (path if path.is_absolute() else cwd / path), str(path)

    problems: list[Problem] = []
    chain = _read_chain(file, display, problems)
    merged: dict[str, Any] = {}
    origins: dict[tuple[str | int, ...], _Source] = {}
    for source in reversed(chain):  # the last base first; each file then overrides it
        data = {k: v for k, v in source.doc.data.items() if k != "extends"}
        _overlay(merged, data, source, (), origins)
    if chain and isinstance(chain[0].doc.data.get("extends"), str):
        merged = {"extends": chain[0].doc.data["extends"], **merged}
        _mark(merged["extends"], ("extends",), chain[0], origins)

    logo_source = origins.get(("brand", "logo"))
    context = {"logo_folder": logo_source.path.parent} if logo_source else {}
    project = None
    try:
        project = Project.model_validate(merged, context=context)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = clean_loc(error["loc"], merged)
            source = next((origins[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in origins), chain[0])
            problems.append(model_problem(source.doc, Project, error))
    if problems:
        raise InputError(sorted(dict.fromkeys(problems), key=lambda p: (p.file != display, p.file, p.line, p.column)))
    assert project is not None
    return LoadedProject(
        path=file,
        project=project,
        files=[s.path for s in chain],
        displays=[s.doc.file for s in chain],
        origins={p: Origin(s.doc.file, *s.doc.where(p, key=True), s.path) for p, s in origins.items()},
        data=merged,
    )


def _read(path: Path, display: str) -> Document:
    """PATH read as a project file; a file of only comments (or nothing) holds no settings."""
    try:
        if path.is_file() and path.stat().st_size <= MAX_BYTES:
            text = path.read_bytes().decode("utf-8-sig")
            if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
                return Document(display, {})
    except (OSError, UnicodeDecodeError):
        pass  # read_yaml says what is wrong
    return read_yaml(path, display, what="project file")


def _read_chain(file: Path, display: str, problems: list[Problem]) -> list[_Source]:
    """FILE and the files it extends, in that order; what is wrong goes to PROBLEMS."""
    chain: list[_Source] = []
    seen: list[Path] = []
    while True:
        try:
            doc = _read(file, display)
        except InputError as exc:
            problems += exc.problems
            return chain
        if not isinstance(doc.data, dict):
            problems.append(Problem(doc.file, 1, 1, "", "the file holds a list or a single value, not a project file "
                                    "(expected a mapping of fields such as `brand:`)"))
            return chain
        chain.append(_Source(doc, file))
        seen.append(file.resolve())
        base = doc.data.get("extends")
        if base is None:
            return chain
        problem = partial(_extends_problem, problems, doc)
        expected = "the path of another project file, relative to the folder of this one, such as ../base.yml"
        if not isinstance(base, str):
            problem(f"{shown(base)} is not text (expected {expected})")
            return chain
        if not base.strip():
            return chain  # the model reports a blank value
        target = file.parent / base
        target_display = os.path.normpath(os.path.join(os.path.dirname(doc.file), base))
        if target.resolve() in seen:
            names = [s.doc.file for s in chain] + [chain[seen.index(target.resolve())].doc.file]
            problem(f"{shown(base)} makes a cycle: {' -> '.join(names)} (expected a chain of files that ends in one "
                    "without extends)")
            return chain
        if not target.exists():
            problem(f"{shown(base)} does not exist (no file {target}; expected {expected})")
            return chain
        if not target.is_file():
            problem(f"{shown(base)} is not a file (expected {expected})")
            return chain
        file, display = target, target_display


def _extends_problem(problems: list[Problem], doc: Document, message: str) -> None:
    problems.append(Problem(doc.file, *doc.where(("extends",)), "extends", message))


def _overlay(merged: dict, data: dict, source: _Source, prefix: tuple, origins: dict) -> None:
    """Write DATA over MERGED: mappings merge key by key, anything else replaces."""
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            origins[path] = source
            _overlay(merged[key], value, source, path, origins)
        else:
            for old in [p for p in origins if p[: len(path)] == path]:
                del origins[old]
            merged[key] = copy.deepcopy(value)
            _mark(value, path, source, origins)


def _mark(value: Any, path: tuple, source: _Source, origins: dict) -> None:
    """Record SOURCE as the writer of VALUE at PATH and of everything inside it."""
    origins[path] = source
    if isinstance(value, dict):
        for key, item in value.items():
            _mark(item, (*path, key), source, origins)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _mark(item, (*path, i), source, origins)
