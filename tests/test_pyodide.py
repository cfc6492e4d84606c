"""The guide built by Pyodide, as in a student's browser, equals the command line's, byte for byte.

Every example profile is built twice for the same date: by CPython (`guidebook build --no-pdf`) and by
the browser build's own files (Pyodide, the pinned wheels, python.zip and boot.mjs) on Node, with the
network closed so that Pyodide cannot fetch anything from a CDN without failing the run.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from generator.commands.browser import load_trimming
from generator.commands.build import build
from generator.errors import InputError
from generator.loading.questions import load_questions
from generator.loading.questions import profile_yaml as questions_yaml
from generator.loading.validate import load_profile
from tests.conftest import EXAMPLES, ROOT

AS_OF = "2026-11-29"
RUNNER = ROOT / "tests" / "pyodide" / "build.mjs"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site_build(browser_build_files, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser-site")
    for name, body in browser_build_files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    return root / "build"


def _run(site_build: Path, out: Path, profiles: list[Path], as_of: str = AS_OF) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing; .ci/run installs Node.js", pytrace=False)
    done = subprocess.run(check=False, args=[node, str(RUNNER), str(site_build), str(out), as_of, *map(str, profiles)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-1500:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_example_builds_the_same_bytes_under_pyodide(site_build, kit, tmp_path):
    # Jordan Rivera also comes as the form's answers, under another name, so that the form's path
    # (answers -> the profile file `guidebook new` writes -> the build) runs here too.
    questions = load_questions(kit.resources, kit.data)
    answers = questions.answers_of(load_profile(ROOT / "profiles" / "jordan-rivera.yaml", kit.data))
    answers.pop("id", None)
    form = tmp_path / "form.json"
    form.write_text(json.dumps({**answers, "name": "Jordan Rivera Form"}))
    report = _run(site_build, tmp_path / "pyodide", [*EXAMPLES, form])
    form_profile = tmp_path / "jordan-rivera-form.yaml"
    form_profile.write_text(questions_yaml(answers | {"name": "Jordan Rivera Form"}, questions))
    form_built = build(form_profile, tmp_path / "cpython", kit, as_of=dt.date.fromisoformat(AS_OF), pdf=False)
    assert _files(tmp_path / "pyodide" / "jordan-rivera-form") == _files(form_built.folder)
    assert report["network_attempts"] == []
    trimming = load_trimming(ROOT / "browser-pins.json")
    # The modules' files, as source (the build ships them compiled, as .pyc, when Node.js is at hand).
    imported = [name.removesuffix("c") if name.endswith(".pyc") else name for name in report["stdlib"]]
    assert any(name.endswith(".pyc") for name in report["stdlib"]), "the standard library is compiled ahead"
    dropped = [name for name in imported if not trimming.keeps_stdlib(name)]
    assert dropped == [], f"add these to browser-pins.json's stdlib modules: {dropped}"
    for profile in EXAMPLES:
        cli = build(profile, tmp_path / "cpython", kit, as_of=dt.date.fromisoformat(AS_OF), pdf=False)
        ours = _files(cli.folder)
        theirs = _files(tmp_path / "pyodide" / cli.id)
        assert sorted(theirs) == sorted(ours), profile.name
        different = [name for name in ours if ours[name] != theirs[name]]
        assert different == [], f"{profile.name}: {different[:5]}"


def test_a_bad_profile_gives_the_command_lines_located_problems(site_build, kit, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "profiles" / "jordan-rivera.yaml").read_text().replace("step2_ck: 238", "step2_ck: 400").replace("Derm", "Dermatolgy")
    bad.write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    _run(site_build, out, [bad])
    problems = json.loads((out / "bad.yaml.problems.json").read_text())
    by_field = {p["field"]: p for p in problems}
    assert set(by_field) == {"scores.step2_ck", "dream_specialty"}
    assert "did you mean" in by_field["dream_specialty"]["message"].lower()
    with pytest.raises(InputError) as cpython:
        load_profile(bad, kit.data, "bad.yaml", as_of=dt.date.fromisoformat(AS_OF))
    assert [p["text"] for p in problems] == [str(p) for p in cpython.value.problems]
    assert by_field["scores.step2_ck"]["text"].startswith("bad.yaml:11:13: scores.step2_ck: 400 is out of range")
    assert not any(out.glob("*/index.html"))


def test_python_zip_holds_pure_python_only_and_the_same_bytes_each_time(browser_build_files, kit):
    from generator.commands.browser import browser_build
    from tests.conftest import BROWSER_FILES

    archive = zipfile.ZipFile(io.BytesIO(browser_build_files["build/python.zip"]))
    names = archive.namelist()
    assert not [n for n in names if n.endswith((".so", ".c", ".pyd"))]
    for package in ("yaml/__init__.py", "markupsafe/__init__.py", "jinja2/__init__.py", "pydantic/__init__.py", "generator/commands/web.py"):
        assert package in names
    assert "generator/_resources/content/questions.yaml" in names or "generator/_resources/content/first-steps.yaml" in names
    assert not [n for n in names if n.startswith("generator/_resources/profiles")], "no profile travels to the browser"
    assert browser_build(BROWSER_FILES, kit.resources) == browser_build_files


def test_an_office_edition_builds_the_same_bytes_under_pyodide(browser_build_files, tmp_path):
    # An office's public edition with `--browser`: its brand, its logo and its replaced template travel
    # in python.zip, and the guide a student builds in the page is the one `build --config` writes.
    # (browser_build_files: the pinned files are there, or the test skips or fails as the others do.)
    from generator.commands.browser import browser_build
    from generator.commands.build import Toolkit
    from generator.loading.project import load_project
    from tests.conftest import BROWSER_FILES

    project = ROOT / "tests" / "projects" / "office"
    office = Toolkit.load(project=load_project(Path("guidebook.yml"), project))
    files = browser_build(BROWSER_FILES, office.resources, office.brand)
    names = zipfile.ZipFile(io.BytesIO(files["build/python.zip"])).namelist()
    assert "generator/_resources/overrides/0/templates/site/sources.html" in names
    assert "generator/_resources/overrides/1/content/sections/18-advising-office.md" in names
    assert "generator/_resources/brand/logo.svg" in names
    root = tmp_path / "site"
    for name, body in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    profile = ROOT / "profiles" / "jordan-rivera.yaml"
    _run(root / "build", tmp_path / "pyodide", [profile])
    cli = build(profile, tmp_path / "cpython", office, as_of=dt.date.fromisoformat(AS_OF), pdf=False)
    ours, theirs = _files(cli.folder), _files(tmp_path / "pyodide" / cli.id)
    assert sorted(theirs) == sorted(ours)
    assert [name for name in ours if ours[name] != theirs[name]] == []
    assert "Lakeside checks these figures" in theirs["sources.html"].decode()
    assert "Lakeside’s counselling service" in theirs["wellbeing.html"].decode()
    assert "Meet an advisor" in theirs["advising-office.html"].decode()
    assert theirs["assets/brand/logo.svg"] == (project / "images" / "lakeside.svg").read_bytes()
