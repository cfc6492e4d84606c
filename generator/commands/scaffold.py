"""`guidebook init`: lay out a new office project from the files in `templates/init/`.

The files are copied as they are, except that the Pages workflow gets the generator's version
(`@VERSION@`), and names that git or a wheel would treat specially are stored without their dot
(`gitignore`, `github/`) and given it back here. The bundled example profile is copied into
`profiles/private/`, which the project's `.gitignore` keeps out of its repository. Nothing that
already exists is ever replaced.
"""

from __future__ import annotations

from pathlib import Path

from generator import __version__
from generator.errors import GuidebookError
from generator.resources import Resources

RENAMED = {"gitignore": ".gitignore", "github": ".github"}
"""First parts of a scaffold path stored without the dot they are written with."""

VERSION = "@VERSION@"
"""Replaced, in every scaffold file, by the generator's version."""

EXAMPLE = "profiles/private/example.yaml"
"""Where the bundled (fictional) example profile is copied, to try a build with."""


class FolderInUse(GuidebookError):
    """The folder given to `guidebook init` already holds something. Exit status 2."""

    exit_code = 2


def scaffold_files(resources: Resources | None = None) -> dict[str, bytes]:
    """What `guidebook init` writes: path inside the new folder -> contents."""
    resources = resources or Resources.default()
    root = resources.templates / "init"
    files: dict[str, bytes] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        parts = path.relative_to(root).parts
        name = "/".join((RENAMED.get(parts[0], parts[0]), *parts[1:]))
        files[name] = path.read_bytes().replace(VERSION.encode(), __version__.encode())
    files[EXAMPLE] = resources.example_profile.read_bytes()
    return files


def scaffold(dest: Path, *, force: bool = False, resources: Resources | None = None) -> tuple[list[str], list[str]]:
    """Write the project's files into DEST (made when missing): (written, kept), each a list of paths.

    DEST must be missing or empty; with FORCE it may hold files, and each file that already exists
    (or a link of that name) is kept as it is, never replaced. Raises `FolderInUse` otherwise,
    having written nothing."""
    if dest.exists() or dest.is_symlink():
        if not dest.is_dir():
            raise FolderInUse(f"{dest} is a file, not a folder; `guidebook init` wrote nothing")
        if not force and any(dest.iterdir()):
            held = sorted(p.name for p in dest.iterdir())
            shown = ", ".join(held[:3]) + (", ..." if len(held) > 3 else "")
            raise FolderInUse(f"{dest} is not empty (it holds {shown}); `guidebook init` writes only into a new or "
                              "empty folder, and wrote nothing (--force adds the missing files, replacing none)")
    written, kept = [], []
    try:
        for name, body in scaffold_files(resources).items():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with target.open("xb") as out:  # never through an existing file or link
                    out.write(body)
            except FileExistsError:
                kept.append(name)
            else:
                written.append(name)
    except OSError as exc:
        raise GuidebookError(f"cannot write into {dest}: {exc.strerror or exc}") from None
    return written, kept
