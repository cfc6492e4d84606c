"""The browser build's entry point: the same pipeline as `guidebook build --no-pdf`, called from a web worker.

Pyodide runs this module inside the reader's browser. The toolkit (data, content, templates) is loaded
once, when the page starts; each build then validates, diagnoses, selects and renders a profile with
the very functions the command line uses, and returns the files `guidebook build --no-pdf` would
write. Answers arrive as values (the profile's YAML text), never as Python source.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

from generator.build import Toolkit, _render, prepare
from generator.errors import InputError


class Session:
    """One reader's page: the toolkit, loaded once, and builds from it."""

    def __init__(self) -> None:
        self.kit = Toolkit.load()
        self._folder = Path(tempfile.mkdtemp(prefix="profiles-"))

    def build(self, profile_text: str, file_name: str, as_of: str) -> dict:
        """Build the guide for PROFILE_TEXT (as if read from FILE_NAME) for the date AS_OF (YYYY-MM-DD).

        Returns {"id", "files": {path: bytes}} for a valid profile, else {"problems": [...]}, each
        problem with its field, line, column, message and the line the command line would print."""
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(file_name).name).lstrip(".") or "profile.yaml"
        path = self._folder / name
        path.write_text(profile_text, encoding="utf-8")
        try:
            guide = prepare(path, self.kit, name, as_of=dt.date.fromisoformat(as_of))
        except InputError as error:
            return {
                "problems": [
                    {"field": p.field, "line": p.line, "column": p.column, "message": p.message, "text": str(p)}
                    for p in error.problems
                ]
            }
        finally:
            path.unlink(missing_ok=True)
        assert guide.profile is not None
        return {"id": guide.profile.id, "files": _render(guide, self.kit, pdf=False, paper="letter", strict=False)}
