"""The pipeline: load profile -> validate -> diagnose -> select content -> render HTML -> render PDF.

Everything is gathered in memory before a file is written, so a bad profile or broken content
leaves the output folder untouched; the finished guide is moved into place whole.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

from generator.loading.content import Library, load_library
from generator.loading.data import ReferenceData, load_reference_data
from generator.loading.overrides import check_overrides
from generator.loading.project import LoadedProject
from generator.advice.diagnose import diagnose
from generator.errors import BuildError, StrictError
from generator.models import Diagnosis, Guide
from generator.rendering.render_html import render_site
from generator.resources import Resources
from generator.advice.select import select_content
from generator.templating import content_environment, markdown_renderer, page_environment
from generator.loading.validate import load_profile, load_profile_text
from generator.loading.yamlfile import parsed_cache

log = logging.getLogger(__name__)


@dataclass
class Toolkit:
    """What every build needs, loaded once per process and reused for every profile."""

    resources: Resources
    data: ReferenceData
    library: Library
    md: MarkdownIt
    pages: object
    project: LoadedProject | None = None
    """The office's project file (guidebook.yml), when one is used."""
    brand: dict | None = None
    """The office's brand as the templates show it (`LoadedProject.brand_view`); None without one."""
    _workbook: object | None = field(default=None, repr=False)

    @classmethod
    def load(cls, resources: Resources | None = None, project: LoadedProject | None = None) -> "Toolkit":
        resources = resources or Resources.default()
        if project is not None:
            resources = resources.with_overrides(project.overrides)
        pages = page_environment(resources.template_folders)
        check_overrides(pages, resources.content, resources.templates, resources.overrides)
        with parsed_cache():
            data = load_reference_data(resources.data, resources.overrides)
            library = load_library(resources.content, content_environment(data.keeps, data.catalog), resources.overrides)
        brand = project.brand_view() if project is not None else None
        return cls(resources, data, library, markdown_renderer(), pages, project, brand)

    @property
    def workbook(self):
        """The PDF renderer (WeasyPrint is imported on first use)."""
        if self._workbook is None:
            from generator.rendering.render_pdf import WorkbookRenderer

            self._workbook = WorkbookRenderer(self.pages, self.resources, self.brand)
        return self._workbook


@dataclass(frozen=True)
class Built:
    """What a build wrote."""

    id: str
    folder: Path
    files: tuple[str, ...]
    diagnosis: Diagnosis


def prepare(profile_path: Path, kit: Toolkit, display: str | None = None, *, as_of: dt.date) -> Guide:
    """Load, validate and diagnose a profile for a guide built on AS_OF, and choose its content. Writes nothing."""
    return _personal(kit, load_profile(profile_path, kit.data, display, as_of=as_of), as_of)


def prepare_text(text: str, display: str, kit: Toolkit, *, as_of: dt.date) -> Guide:
    """`prepare` for a profile given as TEXT (the browser's form); DISPLAY names it, and its stem gives the id."""
    return _personal(kit, load_profile_text(text, display, kit.data, as_of), as_of)


def _personal(kit: Toolkit, profile, as_of: dt.date) -> Guide:
    return _guide(kit, profile, diagnose(profile, kit.data, as_of=as_of), profile.name, as_of)


def prepare_generic(kit: Toolkit, *, as_of: dt.date) -> Guide:
    """The public edition's guide: every section, generic text, and no profile read at all."""
    return _guide(kit, None, None, "everyone rebuilding after the Match", as_of)


def _guide(kit: Toolkit, profile, dx: Diagnosis | None, built_for: str, as_of: dt.date) -> Guide:
    sections, skipped, first_steps = select_content(profile, dx, kit.data, kit.library, kit.md, as_of=as_of)
    return Guide(
        profile=profile,
        diagnosis=dx,
        sections=tuple(sections),
        skipped=tuple(skipped),
        first_steps=first_steps,
        data=kit.data,
        built_for=built_for,
        date=as_of.isoformat(),
    )


def strict_check(files: dict[str, bytes], kit: Toolkit) -> None:
    """Raise `StrictError` for a broken internal link or anchor, or content no reader can get."""
    from generator.advice.strict import broken_links, unreachable

    kit.library.compile_all()  # every template's syntax, not only the ones this guide used
    problems = broken_links(files) + unreachable(kit.data, kit.library)
    if problems:
        raise StrictError(problems)


def _render(
    guide: Guide,
    kit: Toolkit,
    *,
    pdf: bool,
    paper: str,
    strict: bool,
    site_url: str | None = None,
    builder: dict | None = None,
    extra: dict[str, bytes] | None = None,
) -> dict[str, bytes]:
    """The site's files, EXTRA files, and the workbook, checked when STRICT; nothing is written yet."""
    files = render_site(guide, kit.pages, kit.resources, site_url=site_url, workbook=pdf, builder=builder, brand=kit.brand)
    files.update(extra or {})
    if pdf:
        files["workbook.pdf"] = kit.workbook.render(guide, paper)
    if strict:
        strict_check(files, kit)
    return files


def build(
    profile_path: Path,
    out_dir: Path,
    kit: Toolkit,
    *,
    as_of: dt.date,
    display: str | None = None,
    pdf: bool = True,
    paper: str = "letter",
    strict: bool = False,
    stamp: dict[str, bytes] | None = None,
) -> Built:
    """Build one profile's site and workbook into OUT_DIR/<id>/."""
    guide = prepare(profile_path, kit, display, as_of=as_of)
    files = {**_render(guide, kit, pdf=pdf, paper=paper, strict=strict), **(stamp or {})}
    assert guide.profile is not None and guide.diagnosis is not None
    folder = write_folder(out_dir, guide.profile.id, files)
    log.info("wrote %s (%d files)", folder, len(files))
    return Built(guide.profile.id, folder, tuple(sorted(files)), guide.diagnosis)


def build_generic(
    out_dir: Path,
    kit: Toolkit,
    *,
    as_of: dt.date,
    site_url: str | None = None,
    pdf: bool = True,
    paper: str = "letter",
    strict: bool = False,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Build the public edition into OUT_DIR itself: every section, no profile read; EXTRA files (the
    browser build's) are added as they are."""
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    builder = None
    if extra:
        from generator.commands.browser import download_size
        from generator.loading.questions import load_questions

        megabytes = download_size(extra) / 1e6
        builder = {**load_questions(kit.resources, kit.data).to_json(as_of), "download": f"{megabytes:.1f} MB"}
    guide = prepare_generic(kit, as_of=as_of)
    files = _render(guide, kit, pdf=pdf, paper=paper, strict=strict, site_url=site_url, builder=builder, extra=extra)
    folder = write_folder(out_dir.parent, out_dir.name, files)
    log.info("wrote the public edition to %s (%d files)", folder, len(files))
    return folder


def write_folder(out_dir: Path, name: str, files: dict[str, bytes]) -> Path:
    """Write FILES into OUT_DIR/NAME, replacing what was there in one move; never write outside it.

    The files go to a staging folder first. Where the system can (Linux's renameat2), the staging
    folder and the old folder are then swapped in one atomic step, so a reader, or a build killed
    at any moment, sees either the old guide or the new one, whole. Elsewhere the old folder is
    moved aside and the new one moved in; a folder left aside by a killed build is put back by the
    next one.
    """
    target = out_dir / name
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        base = out_dir.resolve()
        if target.resolve().parent != base or target.is_symlink():
            raise BuildError(f"{target}: refusing to write outside the output folder {out_dir}")
        recover_leftovers(base, name)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=base))
    except OSError as exc:
        raise BuildError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    try:
        for rel, content in files.items():
            path = (staging / rel).resolve()
            if not path.is_relative_to(staging):
                raise BuildError(f"refusing to write {rel!r} outside the guide's folder")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        staging.chmod(0o755)
        if not target.exists():
            staging.rename(target)
        elif _exchange(staging, target):
            shutil.rmtree(staging, ignore_errors=True)  # it now holds the old guide
        else:
            retired = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".old", dir=base))
            target.rename(retired / name)
            staging.rename(target)
            shutil.rmtree(retired, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 with RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def recover_leftovers(base: Path, name: str) -> None:
    """Clear what a killed build of NAME left behind: put back a guide moved aside, drop partial folders."""
    if not base.is_dir():
        return
    for leftover in base.glob(f".{name}.*.old"):
        if not (base / name).exists() and (leftover / name).is_dir():
            (leftover / name).rename(base / name)
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in base.glob(f".{name}.*.partial"):
        shutil.rmtree(leftover, ignore_errors=True)
