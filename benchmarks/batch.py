"""Time and measure cohort builds on a generated cohort of valid profiles.

    python benchmarks/batch.py [--profiles 200] [--memory-profiles 1000] [--skip-full]

Prints one table: HTML-only milliseconds per profile in a warm process; full (site and workbook)
seconds per profile; `guidebook batch` wall time with -j 1 and -j 2 (full builds, --force); a
second run with nothing changed; the largest resident memory of any batch process (the parent or
a worker); and, for an HTML-only loop over many profiles in one process, the resident memory
after 100 profiles and after all of them (flat means no growth with the cohort's size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from generator.commands.build import Toolkit, prepare
from generator.rendering.render_html import render_site

AS_OF = dt.date(2026, 4, 1)
"""The date the benchmark guides are built for: fixed, so runs on different days compare."""

OUTCOMES = ["unmatched", "matched_other", "soap_unwanted", "unmatched_after_soap"]
ROLES = ["none", "prelim", "transitional", "research", "clinical_job", "non_clinical", "residency"]
FLAGS = ["remediation", "leave_of_absence", "professionalism", "visa", "social_media"]


def synthetic_profiles(count: int, folder: Path, seed: int = 2026) -> list[Path]:
    """COUNT valid, varied, fictional profiles, the same ones for the same seed."""
    rng = random.Random(seed)
    kit = Toolkit.load()
    keys = [s.key for s in kit.data.catalog]
    keeps = list(kit.data.keeps)
    paths = []
    for n in range(count):
        dream = rng.choice(keys)
        outcome = rng.choice(OUTCOMES)
        grad = rng.choice([2020, 2022, 2024, 2025, 2026])
        profile = {
            "name": f"Student {n:04d}",
            "applicant_type": rng.choice(["us_md", "us_md", "us_do", "img"]),
            "graduation_year": grad,
            "match_year": 2026,
            "outcome": outcome,
            "dream_specialty": dream,
            "previous_attempts": rng.choice([0, 0, 0, 1]),
            "scores": {"step2_ck": rng.randint(215, 265), "exam_failures": rng.choice([0, 0, 0, 1, 2])},
            "application": {
                "programs_applied": rng.randint(10, 120),
                "interviews": rng.randint(0, 8),
                "program_list": rng.choice(["broad", "narrow"]),
                "letters_in_specialty": rng.randint(0, 4),
                "advocate_letter": rng.choice([True, False]),
                "personal_statement": rng.choice(["generic", "specific"]),
                "specialty_research": rng.randint(0, 30),
                "away_rotations": rng.randint(0, 3),
            },
            "red_flags": rng.sample(FLAGS, rng.choice([0, 0, 1, 2])),
            "situation": {"current_role": rng.choice(ROLES), "research_year_access": rng.choice([True, False]), "extra_years": rng.randint(0, 2)},
            "preferences": {"keep": rng.sample(keeps, 2), "risk_tolerance": rng.choice(["low", "medium", "high"])},
        }
        profile["application"]["interviews"] = min(profile["application"]["interviews"], profile["application"]["programs_applied"])
        if outcome in ("matched_other", "soap_unwanted"):
            profile["matched_specialty"] = rng.choice([k for k in keys if k != dream])
        path = folder / f"student-{n:04d}.yaml"
        path.write_text(yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def html_loop(paths: list[Path]) -> tuple[float, list[tuple[int, float]]]:
    """Warm HTML-only builds in this process: mean seconds per profile, and memory as it goes."""
    kit = Toolkit.load()
    for path in paths[:5]:
        render_site(prepare(path, kit, as_of=AS_OF), kit.pages, kit.resources)
    marks, start = [], time.perf_counter()
    for n, path in enumerate(paths, start=1):
        render_site(prepare(path, kit, as_of=AS_OF), kit.pages, kit.resources)
        if n in (100, len(paths)):
            marks.append((n, rss_mb()))
    return (time.perf_counter() - start) / len(paths), marks


def batch(folder: Path, out: Path, *args: str, cache: Path | None = None) -> float:
    """Seconds `guidebook batch` takes; with CACHE, in that build cache folder rather than the user's."""
    env = {**os.environ, "GUIDEBOOK_CACHE_DIR": str(cache)} if cache is not None else None
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator.commands.cli", "batch", str(folder), "-o", str(out), *args], check=True,
                   capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=200, help="size of the generated cohort (default 200)")
    parser.add_argument("--memory-profiles", type=int, default=1000, help="profiles in the HTML-only memory loop (default 1000)")
    parser.add_argument("--skip-full", action="store_true", help="HTML only: skip the full builds with workbooks")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cohort, many = root / "cohort", root / "many"
        cohort.mkdir()
        many.mkdir()
        paths = synthetic_profiles(args.profiles, cohort)
        per_html, _ = html_loop(paths)
        rows = [("HTML only, warm, per profile", f"{per_html * 1000:.1f} ms")]

        html_first = batch(cohort, root / "html", "--no-pdf", "-j", "2")
        html_again = batch(cohort, root / "html", "--no-pdf", "-j", "2")
        rows += [
            (f"batch -j 2, HTML only, {args.profiles} profiles", f"{html_first:.1f} s"),
            ("  again, nothing changed", f"{html_again:.2f} s ({html_again / html_first:.0%} of the first)"),
        ]
        if not args.skip_full:
            # Each full run starts from an empty build cache: a workbook's layout fixes are kept there, and a
            # second run of the same profiles would lay every workbook out once instead of up to three times.
            one = batch(cohort, root / "full1", "-j", "1", "--force", cache=root / "cache1")
            two = batch(cohort, root / "full2", "-j", "2", "--force", cache=root / "cache2")
            rebuilt = batch(cohort, root / "full3", "-j", "2", "--force", cache=root / "cache2")
            again = batch(cohort, root / "full2", "-j", "2")
            rows += [
                ("full (site and workbook), per profile, -j 1", f"{one / args.profiles:.2f} s"),
                (f"batch -j 1, full, {args.profiles} profiles", f"{one:.1f} s"),
                (f"batch -j 2, full, {args.profiles} profiles", f"{two:.1f} s ({one / two:.2f} times faster)"),
                ("  again with --force, layout fixes kept", f"{rebuilt:.1f} s"),
                ("  again, nothing changed", f"{again:.2f} s ({again / two:.1%} of the first)"),
            ]
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows.append(("largest batch process (parent or worker)", f"{peak:.0f} MB"))

        memory_paths = synthetic_profiles(args.memory_profiles, many, seed=7)
        _, marks = html_loop(memory_paths)
        rows += [(f"HTML-only loop, memory after {n} profiles", f"{mb:.0f} MB") for n, mb in marks]

    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.machine())
    print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}")


if __name__ == "__main__":
    main()
