"""Where the guide's content, templates and bundled example profile live."""

from __future__ import annotations

from dataclasses import dataclass
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

    @classmethod
    def default(cls) -> "Resources":
        """The folders shipped with the package (or the checkout it runs from)."""
        return cls(content=_find("content"), templates=_find("templates"), profiles=_find("profiles"))

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
