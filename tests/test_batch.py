"""Cohort builds: `guidebook batch` and `guidebook cohort`."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.commands.batch import STAMP, collect, in_shard
from generator.commands.cli import main

from conftest import EXAMPLES

# Nine of the example profiles: every outcome of the original format, both decisions, each applicant
# type. Batches of all of them (with workbooks) would only make the run slower.
COHORT = [p for p in EXAMPLES if p.stem in {
    "alex-kim", "dana-whitfield", "elena-vasquez", "grace-adeyemi", "jordan-rivera", "marcus-bell",
    "priya-natarajan", "sam-okafor", "tomas-lindqvist"}]
assert len(COHORT) == 9

BROKEN = "name: Broken Example\napplicant_type: us_md\ngraduation_year: 2025\nmatch_year: 2026\noutcome: unmatched\ndream_specialty: dermotology\n"


@pytest.fixture
def cohort_dir(tmp_path) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    for path in COHORT:
        shutil.copy(path, folder / path.name)
    return folder


def run_batch(runner, *args):
    return runner.invoke(main, ["batch", *map(str, args)])


def rows_of(out: Path) -> list[dict[str, str]]:
    with (out / "cohort.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_broken_profile_is_reported_and_the_others_are_built(runner, cohort_dir, tmp_path):
    (cohort_dir / "broken.yaml").write_text(BROKEN)
    out = tmp_path / "out"
    result = run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2")
    assert result.exit_code == 2
    assert f"{cohort_dir / 'broken.yaml'}:6:18: dream_specialty: unknown specialty 'dermotology'" in result.output
    assert "did you mean 'dermatology'?" in result.output
    assert "Traceback" not in result.output
    good = {p.stem for p in COHORT}
    assert {p.name for p in out.iterdir() if p.is_dir()} == good
    for name in good:
        assert (out / name / "index.html").is_file() and (out / name / STAMP).is_file()
    rows = rows_of(out)
    assert sorted(r["id"] for r in rows) == sorted(good)
    jordan = next(r for r in rows if r["id"] == "jordan-rivera")
    assert (jordan["decision"], jordan["target"], jordan["programs_min"], jordan["programs_max"]) == ("pivot", "Internal Medicine", "60", "100")
    assert jordan["primary"] == "red_flags metrics" and jordan["guide"] == "jordan-rivera/index.html"
    assert "1 problem in" in result.output and "built" in result.output and "failed" in result.output


def test_an_unchanged_student_is_skipped_and_a_touched_one_rebuilt(runner, cohort_dir, tmp_path):
    out = tmp_path / "out"
    assert run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2").exit_code == 0
    before = {p.name: (p / "index.html").stat().st_mtime_ns for p in out.iterdir() if p.is_dir()}
    again = run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2")
    assert again.exit_code == 0
    assert "skipped           9" in again.output and "built             0" in again.output
    with (cohort_dir / "sam-okafor.yaml").open("a") as handle:
        handle.write("# a comment changes the file, so its hash\n")
    touched = run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2")
    assert "built             1" in touched.output and "skipped           8" in touched.output
    after = {p.name: (p / "index.html").stat().st_mtime_ns for p in out.iterdir() if p.is_dir()}
    assert [name for name in before if before[name] != after[name]] == ["sam-okafor"]
    forced = run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "--force", "-j", "2")
    assert "built             9" in forced.output


def test_a_changed_option_or_template_rebuilds(runner, cohort_dir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2")
    assert "built             9" in run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "--paper", "a4", "-j", "2").output


def test_two_profiles_with_the_same_id_are_an_error_not_an_overwrite(runner, cohort_dir, tmp_path):
    twin = cohort_dir / "twin.yaml"
    twin.write_text((cohort_dir / "sam-okafor.yaml").read_text() + "id: jordan-rivera\n")
    out = tmp_path / "out"
    result = run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2")
    assert result.exit_code == 2
    assert f"{twin}: id 'jordan-rivera' is also the id of {cohort_dir / 'jordan-rivera.yaml'}" in result.output
    assert not (out / "jordan-rivera").exists()
    assert "jordan-rivera" not in {r["id"] for r in rows_of(out)}


def test_shards_cover_every_profile_exactly_once(runner, cohort_dir, tmp_path):
    paths = collect([cohort_dir])
    for n in (2, 3, 5):
        owners = [[k for k in range(1, n + 1) if in_shard(p, k, n)] for p in paths]
        assert all(len(o) == 1 for o in owners), n
    outs = [tmp_path / "s1", tmp_path / "s2"]
    for k, out in enumerate(outs, start=1):
        assert run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "--shard", f"{k}/2", "-j", "1").exit_code == 0
    ids = [r["id"] for out in outs for r in rows_of(out)]
    assert sorted(ids) == sorted(p.stem for p in COHORT)
    merged = runner.invoke(main, ["cohort", str(outs[0]), str(outs[1]), "-o", str(tmp_path / "all")])
    assert merged.exit_code == 0, merged.output
    rows = rows_of(tmp_path / "all")
    assert sorted(r["id"] for r in rows) == sorted(ids)
    html = (tmp_path / "all" / "cohort.html").read_text()
    for row in rows:
        assert (tmp_path / "all" / row["guide"]).resolve().is_file()
        assert f'href="{row["guide"]}"' in html


def test_a_bad_shard_is_refused(runner, cohort_dir, tmp_path):
    result = run_batch(runner, cohort_dir, "-o", tmp_path, "--shard", "3/2")
    assert result.exit_code == 2 and "K must be from 1 to N" in result.output


def test_the_cohort_page_stays_on_the_advisors_side(runner, cohort_dir, tmp_path):
    out = tmp_path / "out"
    run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2")
    html = (out / "cohort.html").read_text()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "Decision split" in html and "How often each bucket is flagged" in html
    for page in out.glob("*/*.html"):
        assert "cohort" not in page.read_text(), page


def _stamps(out: Path) -> dict[str, str]:
    return {p.name: (p / STAMP).read_text() for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")}


def test_killing_a_batch_leaves_no_half_written_student(cohort_dir, tmp_path):
    """SIGKILL to the whole batch, parent and pool, in the middle of writing workbooks."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator.commands.cli", "batch", str(cohort_dir), "-o", str(out), "-j", "2"]
    subprocess.run([*command, "--no-pdf"], check=True, capture_output=True)
    old = _stamps(out)
    for path in cohort_dir.iterdir():  # every student changes, so every folder will be replaced
        path.write_text(path.read_text() + "# changed\n")
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(1 for s in _stamps(out).values() if s not in old.values()) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    stamps = _stamps(out)
    replaced = [name for name in stamps if stamps[name] != old[name]]
    assert 2 <= len(replaced) < len(old), "the kill did not land in the middle of the batch"
    assert set(stamps) == set(old), "a student's folder went missing"
    for name in stamps:
        folder = out / name
        assert (folder / "index.html").is_file() and (folder / "sources.html").is_file()
        if name in replaced:
            assert (folder / "workbook.pdf").stat().st_size > 10_000  # the new guide, whole
        else:
            assert not (folder / "workbook.pdf").exists()  # the old guide, untouched
    # The next run finishes the job and tidies what the killed one left.
    subprocess.run(command, check=True, capture_output=True)
    assert not [p for p in out.iterdir() if p.name.endswith((".partial", ".old"))]
    assert all(s not in old.values() for s in _stamps(out).values())


def test_a_workbook_worker_that_dies_costs_only_its_own_student(runner, cohort_dir, tmp_path, monkeypatch):
    """Workbooks are built one per forked worker: one killed mid-build is reported, the rest are built."""
    from generator.commands import batch

    real = batch._build_one

    def dies_for_sam(path, out, digest, pdf, paper, as_of):
        if "sam-okafor" in path:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, out, digest, pdf, paper, as_of)

    monkeypatch.setattr(batch, "_build_one", dies_for_sam)
    keep = {"sam-okafor.yaml", "jordan-rivera.yaml", "alex-kim.yaml"}
    for path in cohort_dir.iterdir():
        if path.name not in keep:
            path.unlink()
    out = tmp_path / "out"
    result = run_batch(runner, cohort_dir, "-o", out, "-j", "2")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "sam-okafor" in result.output and f"exit status -{int(signal.SIGKILL)}" in result.output
    assert (out / "jordan-rivera" / "workbook.pdf").is_file() and (out / "alex-kim" / "workbook.pdf").is_file()
    assert not (out / "sam-okafor").exists()
    assert sorted(r["id"] for r in rows_of(out)) == ["alex-kim", "jordan-rivera"]


def test_a_skipped_student_loses_what_a_killed_run_left_beside_its_folder(runner, cohort_dir, tmp_path):
    """Killed after the swap but before the old guide was deleted: the next run tidies it, even when it skips the student."""
    out = tmp_path / "out"
    assert run_batch(runner, cohort_dir, "-o", out, "--no-pdf").exit_code == 0
    leftover = out / ".jordan-rivera.k1ll3d.partial"  # the staging folder, holding the old guide after the swap
    leftover.mkdir()
    (leftover / "index.html").write_text("the old guide")
    result = run_batch(runner, cohort_dir, "-o", out, "--no-pdf")
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and not leftover.exists()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_a_rerun_later_in_the_same_month_and_phase_skips_and_a_new_phase_rebuilds(runner, cohort_dir, tmp_path):
    """The stamp covers what dated content depends on (the phase of the Match year and the month), not the day."""
    out = tmp_path / "out"
    first = run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2", "--as-of", "2026-04-06")
    assert first.exit_code == 0 and "built             9" in first.output
    later = run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2", "--as-of", "2026-04-27")
    assert "skipped           9" in later.output
    assert "Prepared on <time datetime=\"2026-04-06\">" in (out / "jordan-rivera" / "index.html").read_text()
    next_month = run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2", "--as-of", "2026-05-04")
    assert "built             9" in next_month.output
    assert "Prepared on <time datetime=\"2026-05-04\">" in (out / "jordan-rivera" / "index.html").read_text()
    soap = run_batch(runner, cohort_dir, "-o", out, "--no-pdf", "-j", "2", "--as-of", "2026-05-20")
    assert "skipped           9" in soap.output
