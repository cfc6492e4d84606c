"""The bad-input corpus: every profile in tests/bad_input/ gives its exact, located error.

Each `NAME.yaml` there is paired with `NAME.expected`: a `# description` line, then exactly what
`guidebook build` prints on stderr, `{file}` standing for the profile's path (see the folder's
README.md). For every case the build must exit with status 2, print those lines and nothing else,
locate every problem as `file:line:column:`, show no traceback, and write nothing at all.

The file over the 1 MB limit is not committed: `test_an_oversized_file_is_refused_before_it_is_read`
writes it under tmp_path.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import generator.loading.yamlfile
from conftest import PROFILES
from generator.commands.build import Toolkit
from generator.commands.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_input"
CASES = sorted(p.stem for p in CORPUS.glob("*.yaml"))
PWNED = "pwned-by-profile"
"""The file the Python-tag cases would create in the working directory if they were ever constructed."""

# A few cases also go through a real process, to show that no traceback reaches a real terminal:
# the ones that once gave one, a hostile tag, a syntax error and undecodable bytes.
SUBPROCESS_CASES = [
    "hostile-deep-nesting",
    "hostile-escape-in-key",
    "hostile-python-apply-system",
    "hostile-raw-control-character",
    "encoding-not-utf8",
    "syntax-key-without-colon",
]

OVERSIZED = (
    "{file}:1:1: the file is {size:,} bytes, over the 1,000,000-byte limit for a profile; it was not read "
    "(expected a profile of a few thousand bytes: is this the right file?)\n"
    "1 problem in {file}; nothing was written"
)


@pytest.fixture
def cli() -> CliRunner:
    """A runner that keeps stderr apart from stdout, in any click from 8.1 on."""
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()  # click >= 8.2 always keeps stderr apart


@pytest.fixture
def quick_kit(kit, monkeypatch):
    """Every command reuses the session's toolkit instead of loading the content again (0.2 s a run)."""
    monkeypatch.setattr(Toolkit, "load", classmethod(lambda cls, resources=None, project=None: kit))
    return kit


def expected(name: str, file: str) -> list[str]:
    text = (CORPUS / f"{name}.expected").read_text(encoding="utf-8")
    return [line.replace("{file}", file) for line in text.splitlines() if not line.startswith("# ")]


def source_lines(name: str) -> list[str]:
    """The case's lines as the problems count them (a byte order mark is not a column)."""
    raw = (CORPUS / f"{name}.yaml").read_bytes().removeprefix(b"\xef\xbb\xbf")
    return raw.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")


def check_report(name: str, stderr: str, file: str) -> None:
    """STDERR is exactly the expected report, and every problem is located inside the file."""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert lines == expected(name, file)
    *problems, summary = lines
    assert problems, "a report names at least one problem"
    assert summary == f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {file}; nothing was written"
    source = source_lines(name)
    for line in problems:
        located = re.match(rf"{re.escape(file)}:(\d+):(\d+): \S", line)
        assert located, f"not located as file:line:column: {line!r}"
        row, column = int(located[1]), int(located[2])
        assert 1 <= row <= len(source), line
        assert 1 <= column <= len(source[row - 1]) + 1, line


def test_the_corpus_holds_at_least_30_cases_each_with_its_expected_error():
    assert len(CASES) >= 30
    expectations = {p.stem for p in CORPUS.glob("*.expected")}
    assert expectations == set(CASES)
    for name in CASES:
        text = (CORPUS / f"{name}.expected").read_text(encoding="utf-8")
        assert text.startswith("# ") and "{file}:" in text, name
        assert "\n# " not in text.rstrip("\n"), f"{name}: one description line, at the top"


@pytest.mark.parametrize("name", CASES)
def test_each_case_gives_its_located_error_and_writes_nothing(name, cli, quick_kit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a Python tag, were it ever constructed, would create PWNED here
    path, out = CORPUS / f"{name}.yaml", tmp_path / "out"
    result = cli.invoke(main, ["build", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a ClickException, not a crash
    check_report(name, result.stderr, str(path))
    assert result.stdout == ""
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [], "nothing is written, anywhere"


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_a_real_process_prints_the_same_and_no_traceback(name, tmp_path):
    path, out = CORPUS / f"{name}.yaml", tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "generator.commands.cli", "build", str(path), "-o", str(out)],
        capture_output=True, text=True, encoding="utf-8", cwd=tmp_path, timeout=60,
    )
    assert done.returncode == 2, done.stderr
    check_report(name, done.stderr, str(path))
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


PYTHON_TAGS = [name for name in CASES if name.startswith("hostile-python-")]


def test_the_python_tag_cases_are_armed():
    """At least two cases would create PWNED if constructed: the test below would catch a loader that did."""
    armed = [name for name in PYTHON_TAGS if PWNED in (CORPUS / f"{name}.yaml").read_text()]
    assert {"hostile-python-apply-system", "hostile-python-apply-open"} <= set(armed)


def test_an_unsafe_loader_would_create_the_file(tmp_path, monkeypatch):
    """The `builtins.open` case is real: PyYAML's unsafe loader creates the file (an empty file, no shell)."""
    monkeypatch.chdir(tmp_path)
    loaded = yaml.unsafe_load((CORPUS / "hostile-python-apply-open.yaml").read_text())
    loaded["advisor_note"].close()  # the file object the tag constructed
    assert (tmp_path / PWNED).exists()


@pytest.mark.parametrize("command", [["validate"], ["diagnose"], ["diagnose", "--json"]])
def test_no_command_constructs_a_python_tag(command, cli, quick_kit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in PYTHON_TAGS:
        path = CORPUS / f"{name}.yaml"
        result = cli.invoke(main, [command[0], str(path), *command[1:]])
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines() == expected(name, str(path))
    assert not (tmp_path / PWNED).exists()
    assert list(tmp_path.iterdir()) == []


def test_an_oversized_file_is_refused_before_it_is_read(cli, quick_kit, tmp_path, monkeypatch):
    """Generated here rather than committed: 1.1 MB that would fail in other ways if it were read."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "oversized.yaml"
    # Bytes that are not UTF-8, a NUL and a syntax error: any of them would be reported if the file were read.
    path.write_bytes(b"name: \xff\x00 [\n" + b"advisor_note: " + b"x" * 1_100_000 + b"\n")

    def refuse(*args, **kwargs):
        raise AssertionError("the oversized file was parsed")

    monkeypatch.setattr(generator.loading.yamlfile, "parse_yaml", refuse)
    result = cli.invoke(main, ["build", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == OVERSIZED.format(file=path, size=path.stat().st_size).splitlines()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["oversized.yaml"]


def test_batch_builds_the_good_profile_and_reports_every_bad_one(cli, quick_kit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cohort = tmp_path / "cohort"
    shutil.copytree(CORPUS, cohort)
    shutil.copy(PROFILES / "jordan-rivera.yaml", cohort / "jordan-rivera.yaml")
    out = tmp_path / "out"
    result = cli.invoke(main, ["batch", str(cohort), "-o", str(out), "--no-pdf", "-j", "1"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for name in CASES:
        # batch names each profile by its resolved path
        report = "\n".join(expected(name, str((cohort / f"{name}.yaml").resolve())))
        assert report in result.stderr, name
    assert {p.name for p in out.iterdir() if p.is_dir()} == {"jordan-rivera"}
    assert (out / "jordan-rivera" / "index.html").is_file()
    assert re.search(rf"failed\s+{len(CASES)}\b", result.stdout)
    assert not (tmp_path / PWNED).exists() and not (cohort / PWNED).exists()
