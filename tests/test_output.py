"""Output stays in its folder, and a write that fails says so in one line, leaving the old guide whole."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROFILES, ROOT
from generator.commands.cli import main

JORDAN = PROFILES / "jordan-rivera.yaml"


def _one_error_line(result) -> str:
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_a_link_in_place_of_the_guide_folder_is_refused(runner, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    (out / "jordan-rivera").symlink_to(elsewhere, target_is_directory=True)
    result = runner.invoke(main, ["build", str(JORDAN), "-o", str(out), "--no-pdf"])
    assert result.exit_code == 1
    assert "refusing to write outside the output folder" in _one_error_line(result)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    assert (out / "jordan-rivera").is_symlink()  # left as the user made it


def test_a_dangling_link_in_place_of_the_guide_folder_is_refused(runner, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "jordan-rivera").symlink_to(tmp_path / "not-yet")
    result = runner.invoke(main, ["build", str(JORDAN), "-o", str(out), "--no-pdf"])
    assert result.exit_code == 1
    assert "refusing to write outside" in _one_error_line(result)
    assert not (tmp_path / "not-yet").exists()


def test_cohort_files_replace_a_link_rather_than_write_through_it(runner, tmp_path):
    out, victim = tmp_path / "out", tmp_path / "victim.csv"
    out.mkdir()
    victim.write_text("untouched\n")
    (out / "cohort.csv").symlink_to(victim)
    (out / ".cohort.csv.partial").symlink_to(victim)  # a trap an older writer would have followed
    result = runner.invoke(main, ["batch", str(JORDAN), "-o", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "untouched\n"
    assert not (out / "cohort.csv").is_symlink()
    assert (out / "cohort.csv").read_text().startswith("id,")


def test_an_output_path_through_a_file_gives_one_line(runner, tmp_path):
    (tmp_path / "a-file").write_text("x")
    result = runner.invoke(main, ["build", str(JORDAN), "-o", str(tmp_path / "a-file" / "out"), "--no-pdf"])
    assert result.exit_code == 1
    line = _one_error_line(result)
    assert f"cannot write to {tmp_path / 'a-file' / 'out'}" in line and "Not a directory" in line


@pytest.fixture
def built_once(runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(JORDAN), "-o", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    folder = out / "jordan-rivera"
    return out, folder, {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "code, words",
    [(errno.ENOSPC, "No space left on device"), (errno.EACCES, "Permission denied"), (errno.EROFS, "Read-only file system")],
    ids=["disk-full", "permission", "read-only"],
)
def test_a_failed_write_gives_one_line_and_keeps_the_old_guide(runner, monkeypatch, built_once, code, words):
    out, folder, before = built_once
    real = Path.write_bytes
    count = {"n": 0}

    def failing(self, data):
        count["n"] += 1
        if count["n"] == 5:  # part-way through the new guide
            raise OSError(code, os.strerror(code))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    result = runner.invoke(main, ["build", str(JORDAN), "-o", str(out), "--no-pdf"])
    assert result.exit_code == 1
    line = _one_error_line(result)
    assert f"cannot write {folder}: {words}" in line
    after = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in out.iterdir()) == ["jordan-rivera"]  # no staging folder left


def test_a_real_file_size_limit_gives_one_line_and_writes_nothing(tmp_path):
    """The kernel refuses the write (RLIMIT_FSIZE, as a full disk would): no traceback, no folder."""

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "generator.commands.cli", "build", str(JORDAN), "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"Error: cannot write {out / 'jordan-rivera'}: File too large"]
    assert list(out.iterdir()) == []


def test_a_batch_student_whose_write_fails_is_reported_and_the_rest_are_built(runner, monkeypatch, tmp_path):
    from generator.commands import build as build_module

    profiles = tmp_path / "profiles"
    profiles.mkdir()
    for name in ("jordan-rivera", "sam-okafor", "alex-kim"):
        shutil.copy(PROFILES / f"{name}.yaml", profiles)
    real = build_module.write_folder

    def full_for_sam(out_dir, name, files):
        if name == "sam-okafor":
            raise build_module.BuildError(f"cannot write {out_dir / name}: No space left on device")
        return real(out_dir, name, files)

    monkeypatch.setattr(build_module, "write_folder", full_for_sam)
    out = tmp_path / "out"
    result = runner.invoke(main, ["batch", str(profiles), "-o", str(out), "--no-pdf", "-j", "1"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"cannot write {out / 'sam-okafor'}: No space left on device" in result.output
    assert (out / "jordan-rivera" / "index.html").exists() and (out / "alex-kim" / "index.html").exists()
    assert not (out / "sam-okafor").exists()
