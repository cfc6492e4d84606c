"""`guidebook fetch-browser` and the pins: every file pinned and hash-checked, nothing kept that was altered."""

from __future__ import annotations

import hashlib
import io
import json
import re
import urllib.error

import pytest

from generator.commands.browser import (
    BrowserFilesError,
    Pin,
    assemble,
    fetch,
    load_pins,
    missing,
)
from generator.commands.cli import main
from tests.conftest import ROOT

PINS = load_pins(ROOT / "browser-pins.json")


def _constraints() -> dict[str, str]:
    pinned = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pinned[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pinned


def test_the_browser_runs_the_versions_the_command_line_is_tested_with():
    pinned = _constraints()
    python = [pin for pin in PINS if pin.kind != "npm"]
    assert {re.sub(r"[-_.]+", "-", p.project).lower(): p.version for p in python} == {
        name: pinned[name] for name in (re.sub(r"[-_.]+", "-", p.project).lower() for p in python)
    }
    # Every runtime dependency a build imports is there (WeasyPrint and pikepdf only make the PDF; click
    # only runs the command line).
    names = {re.sub(r"[-_.]+", "-", p.project).lower() for p in python}
    assert {"jinja2", "markupsafe", "markdown-it-py", "mdit-py-plugins", "mdurl", "pyyaml", "pydantic", "pydantic-core"} <= names
    assert "click" not in names, "a build imports no click (generator.errors does not), so the browser need not download it"
    browser = [p for p in python if p.kind == "browser"]
    assert [p.project for p in browser] == ["pydantic_core"] and "pyemscripten" in browser[0].file
    # pip silently substitutes a 1 KB placeholder for a browser wheel it cannot find; the pinned size says it is the real one.
    assert browser[0].size > 1_000_000


def test_every_pin_names_a_version_a_url_on_the_registry_and_a_full_hash():
    for pin in PINS:
        assert pin.url.startswith(("https://files.pythonhosted.org/", "https://registry.npmjs.org/")), pin.url
        assert pin.version in pin.file
        assert len(pin.digest) == (128 if pin.algorithm == "sha512" else 64)


class _Registry:
    """Answers like the registries, from a dict of bodies by URL; counts what was asked."""

    def __init__(self, bodies):
        self.bodies = bodies
        self.asked = []

    def __call__(self, url, timeout=None):
        self.asked.append(url)
        if url not in self.bodies:
            raise urllib.error.URLError("Name or service not known")
        return io.BytesIO(self.bodies[url])


def _pin(name: str, body: bytes) -> Pin:
    return Pin("demo", "1.0", "wheel", name, f"https://files.pythonhosted.org/{name}", "sha256", hashlib.sha256(body).hexdigest(), len(body))


def test_fetch_keeps_only_what_has_the_pinned_hash(tmp_path):
    good, bad = _pin("good-1.0-py3-none-any.whl", b"good"), _pin("bad-1.0-py3-none-any.whl", b"expected")
    registry = _Registry({good.url: b"good", bad.url: b"intercepted"})
    with pytest.raises(BrowserFilesError) as caught:
        fetch(tmp_path, [good, bad], urlopen=registry)
    assert "bad-1.0-py3-none-any.whl" in caught.value.message and "altered or intercepted" in caught.value.message
    assert "\n" not in caught.value.message
    assert (tmp_path / good.file).read_bytes() == b"good"
    assert not (tmp_path / bad.file).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [good.file], "no partial download is left behind"


def test_fetch_asks_again_only_for_what_is_missing_or_altered(tmp_path):
    one, two = _pin("one-1.0-py3-none-any.whl", b"1"), _pin("two-1.0-py3-none-any.whl", b"2")
    registry = _Registry({one.url: b"1", two.url: b"2"})
    assert fetch(tmp_path, [one, two], urlopen=registry) == [one, two]
    assert fetch(tmp_path, [one, two], urlopen=registry) == []
    (tmp_path / two.file).write_bytes(b"tampered")
    assert missing(tmp_path, [one, two]) == [two]
    assert fetch(tmp_path, [one, two], urlopen=registry) == [two]
    assert registry.asked == [one.url, two.url, two.url]


def test_offline_fetch_says_so_in_one_line_and_exits_1(runner, tmp_path, monkeypatch):
    import urllib.request

    def offline(url, timeout=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    result = runner.invoke(main, ["fetch-browser", "-d", str(tmp_path / "files")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "could not download pyodide-314.0.7.tgz" in lines[0] and "Temporary failure" in lines[0]
    assert "Traceback" not in result.output


def test_a_folder_that_cannot_be_made_is_said_in_one_line_not_taken_for_the_network(runner, tmp_path):
    # .ci/run lets the browser tests skip only when a download failed ("could not download"); a folder
    # that cannot be made (here a link to itself) is our own problem, and must not read like the network's.
    (tmp_path / "files").symlink_to("files")
    result = runner.invoke(main, ["fetch-browser", "-d", str(tmp_path / "files")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot keep the browser's files in" in lines[0] and "could not download" not in lines[0]
    assert "Traceback" not in result.output


def test_generic_without_the_files_says_what_is_missing_in_one_line_and_builds_the_edition(runner, tmp_path):
    out = tmp_path / "public"
    result = runner.invoke(main, ["generic", "-o", str(out), "--no-pdf", "--browser", "--browser-files", str(tmp_path / "none")])
    assert result.exit_code == 0, result.output
    warning = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "guidebook fetch-browser -d" in warning[0] and "holds none of the browser build's files" in warning[0]
    assert (out / "index.html").exists() and not (out / "build").exists()


def test_assemble_refuses_a_file_altered_after_the_fetch(tmp_path, kit):
    body = b"pure python"
    pin = _pin("demo-1.0-py3-none-any.whl", body)
    (tmp_path / pin.file).write_bytes(b"pure python, edited")
    with pytest.raises(BrowserFilesError, match="demo-1.0-py3-none-any.whl"):
        assemble(tmp_path, [pin], ROOT / "generator", kit.resources.content, kit.resources.templates)


def test_the_pins_file_is_what_the_package_ships():
    raw = json.loads((ROOT / "browser-pins.json").read_text())
    assert raw["pyodide"]["version"] == PINS[0].version and PINS[0].kind == "npm"
    assert "browser-pins.json" in (ROOT / "pyproject.toml").read_text()
