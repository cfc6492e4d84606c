"""Where the guide's content, templates and bundled example profile live."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
DEFAULT_PROFILE = "jordan-rivera.yaml"


def _find(name: str) -> Path:
    # An installed wheel carries the folders inside the package (of profiles/, only the example);
    # a checkout has them at the top.
    packaged = _PACKAGE / "_resources" / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


@dataclass(frozen=True)
class Resources:
    """The folders a build reads from."""

    content: Path
    """Prose (`sections/`, `examples/`, `worksheets/`) and data (`data/`)."""
    templates: Path
    """Jinja templates and static assets for the site and the workbook."""
    profiles: Path
    """Example profiles; `guidebook build` with no argument builds one of them."""
    overrides: tuple[Path, ...] = ()
    """An office's `overrides/` folders, nearest project file first: each mirrors `content/` and
    `templates/`, and a file there replaces or adds to the package's (see `docs/overrides.md`)."""

    @classmethod
    def default(cls) -> "Resources":
        """The folders shipped with the package (or the checkout it runs from)."""
        return cls(content=_find("content"), templates=_find("templates"), profiles=_find("profiles"))

    def with_overrides(self, folders: tuple[Path, ...]) -> "Resources":
        """These resources, with an office's OVERRIDES folders (nearest first) laid over them."""
        return replace(self, overrides=tuple(folders))

    @property
    def template_folders(self) -> list[Path]:
        """Where templates are looked for, in order: each override's `templates/`, then the package's."""
        return [*(o / "templates" for o in self.overrides if (o / "templates").is_dir()), self.templates]

    def template_file(self, name: str) -> Path:
        """The file that template NAME (such as 'workbook/print.css') is read from, overrides first."""
        for folder in self.template_folders:
            if (folder / name).is_file():
                return folder / name
        return self.templates / name

    def content_file(self, name: str) -> Path:
        """The file NAME (such as 'questions.yaml') under content/ is read from: an override's, else the package's."""
        for folder in self.overrides:
            if (folder / "content" / name).is_file():
                return folder / "content" / name
        return self.content / name

    @property
    def data(self) -> Path:
        return self.content / "data"

    @property
    def browser_pins(self) -> Path:
        """`browser-pins.json`: the files the browser build needs, at pinned versions, with their hashes."""
        packaged = _PACKAGE / "_resources" / "browser-pins.json"
        return packaged if packaged.is_file() else _PACKAGE.parent / "browser-pins.json"

    @property
    def example_profile(self) -> Path:
        return self.profiles / DEFAULT_PROFILE
