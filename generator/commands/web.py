"""The browser build's entry point: the same pipeline as `guidebook build --no-pdf`, called from a web worker.

Pyodide runs this module inside the reader's browser. The toolkit (data, content, templates) is loaded
once, when the page starts; each build then validates, diagnoses, selects and renders a profile with
the very functions the command line uses, and returns the files `guidebook build --no-pdf` would
write. Answers arrive as values (the profile's YAML text), never as Python source.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from generator.commands.build import Toolkit, _render, prepare_text
from generator.errors import InputError
from generator.resources import Resources


def _use_shipped_cache() -> None:
    """Build with a cache folder of our own (private, as `cache.cache_folder` requires), primed with the
    parsed YAML that `browser.assemble` shipped, so the content's data is not parsed again here."""
    folder = Path(tempfile.mkdtemp(prefix="guidebook-cache-"))
    shipped = Path(__file__).resolve().parents[1] / "_resources" / "cache"
    for entry in shipped.glob("*.pickle"):
        shutil.copyfile(entry, folder / entry.name)
    os.environ["GUIDEBOOK_CACHE_DIR"] = str(folder)


def _shipped_edition() -> tuple[Resources, dict | None]:
    """The package's resources with the office's overrides and brand that `browser.project_files`
    shipped, when the edition is an office's (none in the public edition)."""
    shipped = Path(__file__).resolve().parents[1] / "_resources"
    overrides = sorted((shipped / "overrides").glob("*"), key=lambda p: int(p.name)) if (shipped / "overrides").is_dir() else []
    brand = None
    if (shipped / "brand.json").is_file():
        brand = json.loads((shipped / "brand.json").read_text(encoding="utf-8"))
        logo = next((shipped / "brand").glob("logo.*"), None)
        brand["logo_path"] = str(logo) if logo else None
    return Resources.default().with_overrides(tuple(overrides)), brand


class Session:
    """One reader's page: the toolkit, loaded once, and builds from it."""

    def __init__(self) -> None:
        _use_shipped_cache()
        resources, brand = _shipped_edition()
        self.kit = Toolkit.load(resources)
        self.kit.brand = brand
        self._last: tuple[str, dict[str, bytes]] | None = None
        self._questions = None

    def build(self, profile_text: str, file_name: str, as_of: str) -> dict:
        """Build the guide for PROFILE_TEXT (as if read from FILE_NAME) for the date AS_OF (YYYY-MM-DD).

        Returns {"id", "files": {path: bytes}} for a valid profile, else {"problems": [...]}, each
        problem with its field, line, column, message and the line the command line would print."""
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(file_name).name).lstrip(".") or "profile.yaml"
        try:
            guide = prepare_text(profile_text, name, self.kit, as_of=dt.date.fromisoformat(as_of))
        except InputError as error:
            return {
                "problems": [
                    {"field": p.field, "line": p.line, "column": p.column, "message": p.message, "text": str(p)}
                    for p in error.problems
                ]
            }
        assert guide.profile is not None
        return {"id": guide.profile.id, "files": _render(guide, self.kit, pdf=False, paper="letter", strict=False)}

    def _questionnaire(self):
        """The profile's questions, loaded on first use (the form's answers and the warm-up need them)."""
        if self._questions is None:
            from generator.loading.questions import load_questions

            self._questions = load_questions(self.kit.resources, self.kit.data)
        return self._questions

    def build_answers(self, answers_json: str, as_of: str) -> dict:
        """Build from the form's answers (a JSON object of values by field path, unknowns left out).

        The answers become the profile file `guidebook new` would write, and that file is built as
        `build` reads it; the result also carries it as "profile", for the reader to download."""
        from generator.loading.profile import slug
        from generator.loading.questions import profile_yaml

        answers = json.loads(answers_json)
        text = profile_yaml(answers, self._questionnaire())
        result = self.build(text, f"{slug(str(answers.get('name') or '')) or 'my-guide'}.yaml", as_of)
        result["profile"] = text
        if "files" in result:
            self._last = (result["id"], result["files"])
        return result

    WARM_UP = {
        "name": "Warm Up", "applicant_type": "us_md", "graduation_year": 2025, "outcome": "unmatched",
        "dream_specialty": "dermatology", "scores.step2_ck": 240, "application.programs_applied": 40,
    }
    """A made-up reader, built once while the real reader fills in the form, so that the templates
    their guide needs are already compiled when they ask for it."""

    def warm_up(self, as_of: str) -> None:
        """Build WARM_UP's guide for AS_OF and throw it away (nothing is kept but compiled code)."""
        from generator.loading.questions import profile_yaml

        answers = {**self.WARM_UP, "match_year": self.kit.data.calendar.last_match(dt.date.fromisoformat(as_of))}
        self.build(profile_yaml(answers, self._questionnaire()), "warm-up.yaml", as_of)

    def zip_last(self) -> dict:
        """The last guide built, as one zip holding the folder `guidebook build --no-pdf` writes."""
        assert self._last is not None, "no guide has been built yet"
        guide_id, files = self._last
        return {"name": f"{guide_id}.zip", "bytes": zip_files({f"{guide_id}/{name}": body for name, body in files.items()})}


ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""Every entry of the zips made here carries this date, so the same files give the same bytes."""


def zip_files(entries: dict[str, bytes]) -> bytes:
    """A zip of ENTRIES in name order, each dated ZIP_DATE: the same entries give the same bytes.
    Used for the reader's download here and, when the site is built, for python.zip and the
    standard library (`generator.commands.browser`)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, entries[name], compresslevel=9)
    return archive.getvalue()
