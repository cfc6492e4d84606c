"""Stage 6: build a whole cohort, in parallel, skipping students whose inputs have not changed.

The parent process reads and checks every profile (fast, and it is where a bad file is reported
with its location), detects ids used twice, and decides who needs building. It loads the
templates, data, stylesheets and fonts once; worker processes forked from it build the guides with
them in place (a workbook per worker, which then exits; HTML-only workers serve the whole run). Each
student's folder is written whole (see `build.write_folder`), with a stamp of the hash of its
inputs: the profile, the content and templates, the generator version and the build options.
A student whose stamp matches is skipped. The cohort table (`cohort.csv`, `cohort.html`) is
written last, for the advisor; no student's site links to it. It is the only place a profile's
`advisor_private_note` is written, and it carries the office's brand.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as connection_wait
from pathlib import Path
from typing import Callable, Iterable

from generator import __version__
from generator.commands.build import Toolkit, build, recover_leftovers
from generator.loading.data import ReferenceData
from generator.advice.diagnose import diagnose
from generator.errors import BuildError, GuidebookError, InputError
from generator.rendering.render_html import render_cohort
from generator.resources import Resources
from generator.loading.validate import load_profile

log = logging.getLogger(__name__)

STAMP = ".guidebook-inputs"
"""The file in each student's folder that holds the hash of the inputs it was built from."""

COLUMNS = [
    "id", "name", "outcome", "applicant_type", "dream", "decision", "target", "target_match", "primary", "flagged",
    "programs_min", "programs_max", "missing", "guide", "advisor_private_note",
]
"""The columns of cohort.csv, in order."""

PREVIOUS_COLUMNS = COLUMNS[:-1]
"""The columns of a cohort.csv written before `advisor_private_note` existed; read with an empty note."""


@dataclass
class Student:
    """One profile of the cohort, as the parent process sees it."""

    path: Path
    id: str = ""
    row: dict[str, str] = field(default_factory=dict)
    digest: str = ""
    status: str = "pending"  # built, skipped, failed
    message: str = ""
    bad_input: bool = False
    """Failed because of the profile itself (a located error or an id clash), not the build."""
    seconds: float = 0.0


def exit_code(students: list[Student]) -> int:
    """2 when a profile was bad (as for one profile), 1 when only a build failed, else 0."""
    failed = [s for s in students if s.status == "failed"]
    if not failed:
        return 0
    return 2 if any(s.bad_input for s in failed) else 1


# -- choosing the students ---------------------------------------------------------------------------


def collect(sources: Iterable[Path]) -> list[Path]:
    """The profiles named, or found (*.yaml, *.yml) in the folders named, in a stable order, once each."""
    found: list[Path] = []
    for source in sources:
        if source.is_dir():
            found += sorted(p for p in source.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            found.append(source)
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return sorted(unique, key=lambda p: (p.name, str(p)))


def in_shard(path: Path, k: int, n: int) -> bool:
    """Whether PATH belongs to shard K of N: a stable hash of the file's name, the same on any machine."""
    return int(hashlib.sha256(path.name.encode("utf-8")).hexdigest(), 16) % n == k - 1


def parse_shard(text: str) -> tuple[int, int]:
    """'2/5' -> (2, 5); raise ValueError with a sentence otherwise."""
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"{text!r} is not K/N, such as 1/4") from None
    if not 1 <= k <= n:
        raise ValueError(f"{text!r}: K must be from 1 to N")
    return k, n


def inputs_digest(kit, options: str) -> str:
    """A hash of everything but the profile that a guide is built from: the generator's version, the
    OPTIONS, the package's content and templates, and the office's project file with its `extends:`
    chain, its logo and every file of its `overrides/` folders."""
    h = hashlib.sha256(f"generator {__version__}\n{options}\n".encode())
    resources: Resources = kit.resources
    for root in (resources.content, resources.templates):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            h.update(f"{path.relative_to(root.parent).as_posix()}\n".encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    if kit.project is not None:
        for path in kit.project.input_files():
            h.update(f"project {path}\n".encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def plan(paths: list[Path], data: ReferenceData, out: Path, base_digest: str, force: bool, *, as_of: dt.date) -> list[Student]:
    """Read and check every profile; mark the bad ones failed, id clashes failed, the unchanged skipped.

    A student's stamp covers what their guide's date-dependent content depends on (the phase of the
    Match year and the month, see `Cycle.stamp`), not the date itself: a rerun later in the same
    month and phase skips them.
    """
    students = []
    for path in paths:
        student = Student(path)
        try:
            profile = load_profile(path, data, str(path), as_of=as_of)
        except InputError as exc:
            student.status, student.message, student.bad_input = "failed", exc.format_message(), True
            students.append(student)
            continue
        dx = diagnose(profile, data, as_of=as_of)
        student.id = str(profile.id)
        student.row = _row(profile, dx, data)
        dated = f"\n{dx.cycle.stamp()}\n".encode()
        student.digest = hashlib.sha256(base_digest.encode() + dated + path.read_bytes()).hexdigest()
        students.append(student)
    by_id: dict[str, list[Student]] = {}
    for student in students:
        if student.status != "failed":
            by_id.setdefault(student.id, []).append(student)
    for same in by_id.values():
        if len(same) > 1:
            for student in same:
                others = ", ".join(str(o.path) for o in same if o is not student)
                student.status, student.bad_input = "failed", True
                student.message = f"{student.path}: id '{student.id}' is also the id of {others}; give each profile its own `id:` (nothing was written)"
    for student in (s for s in students if s.status == "pending"):
        # A run killed just after swapping a guide in can leave the old one beside it; this
        # student may now be skipped, so tidy here rather than only when it is rebuilt.
        try:
            recover_leftovers(out, student.id)
        except OSError:
            pass  # a folder that cannot be tidied is reported when the student's guide is written
        if not force and _stamp(out / student.id) == student.digest:
            student.status = "skipped"
    return students


def _stamp(folder: Path) -> str | None:
    try:
        return (folder / STAMP).read_text(encoding="ascii").strip()
    except OSError:
        return None


def _row(profile, dx, data: ReferenceData) -> dict[str, str]:
    catalog = data.catalog
    return {
        "id": str(profile.id),
        "name": profile.name,
        "outcome": profile.outcome,
        "applicant_type": profile.applicant_type,
        "dream": catalog[dx.dream_specialty].name,
        "decision": dx.decision,
        "target": catalog[dx.target_specialty].name if dx.target_specialty else "",
        "target_match": str(dx.cycle.target_match or ""),
        "primary": " ".join(dx.primary),
        "flagged": " ".join(dx.flagged),
        "programs_min": str(dx.applications.min) if dx.applications else "",
        "programs_max": str(dx.applications.max) if dx.applications else "",
        "missing": " ".join(dx.missing),
        "guide": f"{profile.id}/index.html",
        "advisor_private_note": profile.advisor_private_note or "",
    }


# -- building -------------------------------------------------------------------------------------------

_kit = None


def _worker_init() -> None:
    """Load templates, stylesheets, fonts and data once per process.

    A forked worker already holds the parent's toolkit (templates and data, shared with the
    parent until written to); a spawned one loads its own.
    """
    global _kit
    if _kit is None:
        _kit = Toolkit.load()


def _build_one(path: str, out: str, digest: str, pdf: bool, paper: str, as_of: dt.date) -> tuple[str, object]:
    """("ok", seconds) for a built guide, or ("error", what went wrong); never raises for a bad build."""
    assert _kit is not None
    start = time.perf_counter()
    try:
        build(Path(path), Path(out), _kit, as_of=as_of, display=path, pdf=pdf, paper=paper, stamp={STAMP: f"{digest}\n".encode("ascii")})
    except GuidebookError as exc:
        return ("error", exc.format_message())
    except Exception as exc:  # reported for this student; the others go on
        return ("error", f"{type(exc).__name__}: {exc}")
    return ("ok", time.perf_counter() - start)


def run(
    students: list[Student],
    out: Path,
    *,
    jobs: int,
    pdf: bool,
    paper: str,
    as_of: dt.date,
    progress: Callable[[Student], None] = lambda s: None,
    kit: object | None = None,
) -> None:
    """Build every pending student with up to JOBS processes at once; report each as it finishes.

    KIT, a loaded `Toolkit`, is handed to forked workers as it is.
    """
    global _kit
    _kit = kit
    todo = [s for s in students if s.status == "pending"]
    for student in students:
        if student.status != "pending":
            progress(student)
    if not todo:
        return
    workers = max(1, min(jobs, len(todo)))
    if pdf and _fork_available():
        _run_forked(todo, out, workers, paper, as_of, progress)
        return
    # HTML only (or where fork is missing): one pool whose workers live for the whole run; an
    # HTML build's memory stays flat however many it makes.
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool:
        running: dict[Future, Student] = {pool.submit(_build_one, str(s.path), str(out), s.digest, pdf, paper, as_of): s for s in todo}
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                student = running.pop(future)
                try:
                    _finish(student, future.result())
                except Exception as exc:  # a worker that died, say; the others go on
                    _finish(student, ("error", f"{type(exc).__name__}: {exc}"))
                progress(student)


def _fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _run_forked(
    todo: list[Student], out: Path, workers: int, paper: str, as_of: dt.date, progress: Callable[[Student], None]
) -> None:
    """Workbooks: each is built by a fresh process forked from this warm one, which then exits.

    The parent loads the templates, data, stylesheets and fonts once; every worker starts with
    them in place (shared until written to), builds one guide and exits, so no worker's memory
    creeps up over many workbooks (WeasyPrint's caches and heap fragmentation) and a worker that
    dies takes only its own student with it.
    """
    _worker_init()
    assert _kit is not None
    _kit.workbook  # noqa: B018 - parse the stylesheets and set up the fonts once, before forking
    context = multiprocessing.get_context("fork")
    queue = list(reversed(todo))
    running: dict[int, tuple[Student, multiprocessing.Process, Connection]] = {}
    try:
        while queue or running:
            while queue and len(running) < workers:
                student = queue.pop()
                receive, send = context.Pipe(duplex=False)
                worker = context.Process(target=_one_in_a_worker, args=(send, str(student.path), str(out), student.digest, paper, as_of), daemon=True)
                worker.start()
                send.close()
                running[worker.sentinel] = (student, worker, receive)
            for sentinel in connection_wait(list(running)):
                student, worker, receive = running.pop(sentinel)
                worker.join()
                try:
                    result = receive.recv()
                except EOFError:  # killed, or out of memory, before it could answer
                    result = ("error", f"the worker stopped with exit status {worker.exitcode} before finishing")
                receive.close()
                _finish(student, result)
                progress(student)
    finally:
        for _, worker, _ in running.values():
            worker.kill()
            worker.join()


def _one_in_a_worker(send: Connection, path: str, out: str, digest: str, paper: str, as_of: dt.date) -> None:
    send.send(_build_one(path, out, digest, True, paper, as_of))
    send.close()


def _finish(student: Student, result: tuple[str, object]) -> None:
    kind, value = result
    if kind == "ok":
        student.status, student.seconds = "built", float(value)  # type: ignore[arg-type]
    else:
        student.status, student.message = "failed", f"{student.path}: build failed: {value}"


# -- the cohort table -----------------------------------------------------------------------------------


def cohort_rows(students: list[Student]) -> list[dict[str, str]]:
    """One row per student whose profile is good and whose guide exists."""
    return [s.row for s in students if s.status in ("built", "skipped")]


def write_cohort(dest: Path, rows: list[dict[str, str]], kit, as_of: dt.date) -> None:
    """Write DEST/cohort.csv and DEST/cohort.html (with KIT's templates and brand), each replaced in one
    move, and the brand's logo beside the page when there is one."""
    rows = sorted(rows, key=lambda r: (r["name"].casefold(), r["id"]))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    dest.mkdir(parents=True, exist_ok=True)
    _replace(dest / "cohort.csv", buffer.getvalue())
    brand = kit.brand
    if brand and brand["logo"]:  # the checked logo, beside the page
        (dest / brand["logo"]).parent.mkdir(parents=True, exist_ok=True)
        _replace(dest / brand["logo"], Path(brand["logo_path"]).read_bytes())
    _replace(dest / "cohort.html", render_cohort(rows, kit.pages, kit.data.labels, as_of.isoformat(), brand))


def merge_cohorts(folders: Iterable[Path], dest: Path) -> list[dict[str, str]]:
    """The rows of every FOLDER's cohort table, links made relative to DEST; ValueError on a clash."""
    rows: dict[str, dict[str, str]] = {}
    for folder in folders:
        for row in read_cohort(folder):
            if row["id"] in rows:
                raise ValueError(f"{folder / 'cohort.csv'}: student '{row['id']}' is also in another folder's table; each student belongs to one shard")
            row["guide"] = os.path.relpath(row["guide"], dest)
            rows[row["id"]] = row
    return list(rows.values())


def read_cohort(folder: Path) -> list[dict[str, str]]:
    """The rows of FOLDER/cohort.csv, with each guide link made relative to the current directory. A
    table written before `advisor_private_note` existed is read with an empty note."""
    path = folder / "cohort.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames not in (COLUMNS, PREVIOUS_COLUMNS):
            raise ValueError(f"{path}: not a cohort table (expected the columns {', '.join(COLUMNS)})")
        rows = list(reader)
    for row in rows:
        row["guide"] = str(folder / row["guide"])
        row.setdefault("advisor_private_note", "")  # a table from before the column existed
    return rows


def _replace(path: Path, content: str | bytes) -> None:
    """Write PATH in one move: a fresh private file beside it (never one a link points at), renamed over it."""
    partial = None
    try:
        handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.chmod(partial, 0o644)
        os.replace(partial, path)  # replaces a link at PATH itself, never the file it points at
    except OSError as exc:
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
        raise BuildError(f"cannot write {path}: {exc.strerror or exc}") from None

