"""The files a student's browser needs to build their own guide: fetched once, checked, then copied.

`browser-pins.json` names every file at a pinned version with the hash it must have: Pyodide (the
Python interpreter compiled to WebAssembly, from npm), the pure-Python wheels of our dependencies,
pydantic-core's browser wheel, and the source distributions of PyYAML and MarkupSafe, whose
pure-Python code runs without their compiled extensions. `fetch` downloads what is missing into a
local folder (the only step that touches the network); `assemble` reads that folder, checks every
hash again and returns the site's `build/` files. Nothing is resolved when a guide is built, and
the reader's browser asks nothing of any origin but the site's own.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.errors import GuidebookError

log = logging.getLogger(__name__)

PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
"""What the browser loads from Pyodide's npm package (the rest is documentation, maps and a console)."""

BROWSER_SCRIPTS = ("boot.mjs", "worker.mjs", "start.js", "builder.js", "builder.css")
"""The page's and the worker's own files, from templates/browser/ (compile.mjs runs at build time only)."""


class BrowserFilesError(GuidebookError):
    """The browser's files could not be fetched, or what was fetched is missing or altered. Exit status 1."""


@dataclass(frozen=True)
class Pin:
    """One pinned file."""

    project: str
    version: str
    kind: str
    """npm (Pyodide's package), wheel (pure Python), browser (a WebAssembly wheel) or sdist."""
    file: str
    url: str
    algorithm: str
    digest: str
    size: int

    def matches(self, body: bytes) -> bool:
        return hashlib.new(self.algorithm, body).hexdigest() == self.digest


def load_pins(path: Path) -> list[Pin]:
    """The pins in PATH (`browser-pins.json`), Pyodide first."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    pins = []
    for entry in [raw["pyodide"], *raw["python"]]:
        algorithm = "sha512" if "sha512" in entry else "sha256"
        pins.append(
            Pin(entry["project"], entry["version"], entry["kind"], entry["file"], entry["url"], algorithm, entry[algorithm], entry["size"])
        )
    return pins


@dataclass(frozen=True)
class Trimming:
    """What the browser build leaves out of what it fetched (files no build imports)."""

    stdlib_modules: frozenset[str]
    """Files of Pyodide's python_stdlib.zip to keep, such as `json/decoder.py`."""
    stdlib_packages: tuple[str, ...]
    """Packages of the standard library kept whole."""
    leave_out: tuple[str, ...]
    """Paths in site-packages (a folder ends in '/') left out of python.zip."""

    def keeps_stdlib(self, name: str) -> bool:
        return name in self.stdlib_modules or name.split("/")[0] in self.stdlib_packages

    def keeps_package_file(self, name: str) -> bool:
        top = name.split("/")[0]
        return not any(
            name == path
            or (path.endswith("/") and name.startswith(path))
            or (path.startswith("*") and path.endswith("/") and top.endswith(path[1:-1]))
            for path in self.leave_out
        )


def load_trimming(path: Path) -> Trimming:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Trimming(frozenset(raw["stdlib"]["modules"]), tuple(raw["stdlib"]["packages"]), tuple(raw["leave_out"]["paths"]))


def _read_checked(folder: Path, pin: Pin) -> bytes | None:
    try:
        body = (folder / pin.file).read_bytes()
    except OSError:
        return None
    return body if pin.matches(body) else None


def missing(folder: Path, pins: list[Pin]) -> list[Pin]:
    """The pins whose file is absent from FOLDER or does not have its recorded hash."""
    return [pin for pin in pins if _read_checked(folder, pin) is None]


def fetch(folder: Path, pins: list[Pin], *, urlopen: Callable | None = None, timeout: float = 60) -> list[Pin]:
    """Download into FOLDER every pinned file it lacks, checking each hash; return the pins fetched.

    Raises `BrowserFilesError` with one line for the first file that cannot be had or has the wrong
    hash (an intercepted or altered download is never kept)."""
    import urllib.request

    urlopen = urlopen or urllib.request.urlopen
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BrowserFilesError(f"cannot keep the browser's files in {folder}/ ({exc.strerror or exc}); nothing was fetched") from None
    fetched = []
    for pin in missing(folder, pins):
        try:
            with urlopen(pin.url, timeout=timeout) as response:
                body = response.read()
        except Exception as error:  # noqa: BLE001 - any failure to download is reported the same way, in one line
            reason = getattr(error, "reason", None) or error
            raise BrowserFilesError(f"could not download {pin.file} from {pin.url} ({reason}); nothing else was fetched") from None
        if not pin.matches(body):
            got = hashlib.new(pin.algorithm, body).hexdigest()
            raise BrowserFilesError(
                f"{pin.file} from {pin.url} has {pin.algorithm} {got[:16]}..., not the pinned {pin.digest[:16]}...: "
                "the download was altered or intercepted, so it was not kept"
            )
        with tempfile.NamedTemporaryFile(dir=folder, delete=False) as part:
            part.write(body)
        os.replace(part.name, folder / pin.file)
        fetched.append(pin)
    return fetched


def _zip(entries: dict[str, bytes]) -> bytes:
    from generator.commands.web import zip_files  # the same deterministic zip the reader downloads

    return zip_files(entries)


def _trim_stdlib(body: bytes, trimming: Trimming) -> bytes:
    with zipfile.ZipFile(io.BytesIO(body)) as stdlib:
        return _zip({name: stdlib.read(name) for name in stdlib.namelist() if not name.endswith("/") and trimming.keeps_stdlib(name)})


def _python_files(pin: Pin, body: bytes) -> dict[str, bytes]:
    """The files a pure-Python install of PIN puts in site-packages, by path."""
    found: dict[str, bytes] = {}
    if pin.kind == "wheel":
        with zipfile.ZipFile(io.BytesIO(body)) as wheel:
            for name in wheel.namelist():
                if not name.endswith("/") and not name.endswith("/RECORD"):
                    found[name] = wheel.read(name)
        return found
    # A source distribution: its package folder's Python files, without the C extension's sources.
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as sdist:
        for member in sdist.getmembers():
            path = PurePosixPath(member.name)
            parts = path.parts
            for root in ("lib", "src"):
                if member.isfile() and len(parts) > 3 and parts[1] == root and path.suffix in (".py", ".typed"):
                    extracted = sdist.extractfile(member)
                    assert extracted is not None
                    found["/".join(parts[2:])] = extracted.read()
    return found


def _tree(folder: Path, prefix: str, *, python_only: bool = False) -> dict[str, bytes]:
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or "__pycache__" in relative.parts or relative.parts[0] == "_resources":
            continue
        if python_only and path.suffix != ".py":
            continue
        found[f"{prefix}/{relative.as_posix()}"] = path.read_bytes()
    return found


def project_files(resources, brand: dict | None) -> dict[str, bytes]:
    """An office's edition in python.zip: each `overrides/` folder (nearest first, as `overrides/0`,
    `overrides/1`...) and the brand (`brand.json`, with its logo beside it), all under
    `generator/_resources/`, where `web.Session` finds them."""
    found: dict[str, bytes] = {}
    for i, folder in enumerate(resources.overrides):
        for name, body in _tree(folder, f"generator/_resources/overrides/{i}").items():
            if not re.search(r"/templates/(workbook|cohort|init)/", name):  # the browser renders no workbook
                found[name] = body
    if brand is not None:
        shown = {**brand, "logo_path": None}  # the logo travels beside it, and web.py points at it
        if brand["logo_path"]:
            logo = Path(brand["logo_path"])
            found[f"generator/_resources/brand/logo{logo.suffix.lower()}"] = logo.read_bytes()
        found["generator/_resources/brand.json"] = (json.dumps(shown, indent=1, sort_keys=True) + "\n").encode()
    return found


def browser_build(folder: Path, resources, brand: dict | None = None) -> dict[str, bytes]:
    """The browser build's files for the site, from FOLDER and this generator's own code and resources,
    with an office's overrides and BRAND when it has them."""
    package = Path(__file__).resolve().parents[1]
    pins, trimming = load_pins(resources.browser_pins), load_trimming(resources.browser_pins)
    files = assemble(
        folder, pins, package, resources.content, resources.templates, parsed_yaml(resources), trimming, project_files(resources, brand)
    )
    note = compile_stdlib(files, resources.templates)
    if note:
        log.warning("%s", note)
    return files


def compile_stdlib(files: dict[str, bytes], templates: Path, *, node: str | None = None) -> str | None:
    """Replace the standard library's source in FILES with bytecode compiled by Pyodide itself, on Node.

    Python compiles each module it imports; in a browser that is most of its start (about 0.8 s of
    a warm start here), so the bytecode is made once, when the site is built. Only Pyodide's own
    Python can make it, so this needs Node.js. Returns None when done, else one line saying why the
    source was kept (the builder then works the same, and starts slower)."""
    import shutil
    import subprocess

    node = node or shutil.which("node")
    if node is None:
        return "Node.js is not installed, so Python's standard library goes to the browser as source (the builder starts about a second slower)"
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for name, body in files.items():
            if name.startswith("build/pyodide/"):
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_bytes(body)
        compiled = root / "stdlib.zip"
        done = subprocess.run(
            [node, str(templates / "browser" / "compile.mjs"), str(root / "build"), str(root / "build/pyodide/python_stdlib.zip"), str(compiled)],
            capture_output=True, text=True, timeout=300, check=False,
        )
        if done.returncode != 0 or not compiled.is_file():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return f"compiling Python's standard library with Node.js failed ({last[:200]}), so it goes to the browser as source"
        files["build/pyodide/python_stdlib.zip"] = compiled.read_bytes()
    return None


def parsed_yaml(resources) -> dict[str, bytes]:
    """The parsed-YAML cache a build fills from the content's data files, by file name.

    Shipped in python.zip, it spares the reader's browser the parse (pure-Python PyYAML there: about a
    second); entries are found by the SHA-256 of each file's text, so a changed file is parsed again."""
    from generator.commands.build import Toolkit
    from generator.loading.yamlfile import parsed_cache

    with tempfile.TemporaryDirectory() as scratch:
        with parsed_cache(Path(scratch)):
            Toolkit.load(resources)
        return {path.name: path.read_bytes() for path in Path(scratch).glob("*.pickle")}


def assemble(
    folder: Path,
    pins: list[Pin],
    package: Path,
    content: Path,
    templates: Path,
    cache: dict[str, bytes] | None = None,
    trimming: Trimming | None = None,
    project: dict[str, bytes] | None = None,
) -> dict[str, bytes]:
    """The browser build's files, under `build/`: Pyodide's, pydantic-core's browser wheel, and one
    `python.zip` holding the pure-Python packages and this generator with its content and templates.

    Reads only FOLDER (what `fetch` wrote), PACKAGE (the generator's code) and the two folders; raises
    `BrowserFilesError` naming what is missing or altered, and the command that fetches it."""
    bodies = {pin.file: _read_checked(folder, pin) for pin in pins}
    absent = [pin for pin in pins if bodies[pin.file] is None]
    if absent:
        if len(absent) == len(pins) > 1:
            what = f"{folder}/ holds none of the browser build's files"
        else:
            what = f"{folder}/ lacks {', '.join(pin.file for pin in absent)} (absent, or not as pinned)"
        raise BrowserFilesError(f"{what}: run `guidebook fetch-browser -d {folder}` first")
    files: dict[str, bytes] = {}
    site_packages: dict[str, bytes] = {}
    for pin in pins:
        body = bodies[pin.file]
        assert body is not None
        if pin.kind == "npm":
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as package_tar:
                for name in PYODIDE_FILES:
                    member = package_tar.extractfile(f"package/{name}")
                    assert member is not None
                    files[f"build/pyodide/{name}"] = member.read()
            if trimming is not None:
                files["build/pyodide/python_stdlib.zip"] = _trim_stdlib(files["build/pyodide/python_stdlib.zip"], trimming)
                # Pyodide's list of the packages it could fetch from its CDN: the build asks for none
                # (pydantic-core comes from build/), so only the list's description of Pyodide is kept.
                lock = json.loads(files["build/pyodide/pyodide-lock.json"])
                files["build/pyodide/pyodide-lock.json"] = (json.dumps({"info": lock["info"], "packages": {}}, indent=1) + "\n").encode()
        elif pin.kind == "browser":
            files[f"build/{pin.file}"] = body
        else:
            site_packages.update(_python_files(pin, body))
    site_packages.update(_tree(package, "generator", python_only=True))
    site_packages.update(_tree(content, "generator/_resources/content"))
    site_packages.update(_tree(templates, "generator/_resources/templates"))
    site_packages.update({f"generator/_resources/cache/{name}": body for name, body in (cache or {}).items()})
    if trimming is not None:
        site_packages = {name: body for name, body in site_packages.items() if trimming.keeps_package_file(name)}
    site_packages.update(project or {})
    files["build/python.zip"] = _zip(site_packages)
    wheels = [pin.file for pin in pins if pin.kind == "browser"]
    manifest = {"python": "python.zip", "wheels": wheels, "pyodide": pins[0].version}
    files["build/manifest.json"] = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    for name in BROWSER_SCRIPTS:
        files[f"build/{name}"] = (templates / "browser" / name).read_bytes()
    return files


def download_size(files: dict[str, bytes]) -> int:
    """The bytes a reader's browser downloads for the builder, as a web server sends them (gzip, level 6)."""
    import zlib

    return sum(min(len(body), len(zlib.compress(body, 6))) for name, body in files.items() if name.startswith("build/"))
