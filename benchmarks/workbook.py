"""Time the workbook renderer against WeasyPrint alone, on the same print HTML.

    python benchmarks/workbook.py [--rounds N]

For each example profile it prints the pages, our seconds per workbook (the first one in the
process, which parses the stylesheet and sets up fonts, and the warm ones after), and WeasyPrint's
own seconds for the same print HTML with the same options, called the plain way (stylesheet
parsed on each call). Ours is timed twice: a first build, which lays the workbook out up to three
times to fix what would print badly (generator/rendering/paginate.py), and a rebuild, which finds those fixes
in the build cache and lays it out once. The two are timed alternately, so drift affects both alike. The last lines
give the ratio, and the peak memory of a separate process that only renders workbooks, one
profile after another, as a batch worker would.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import weasyprint

from generator.commands.build import Toolkit, prepare
from generator.rendering.render_pdf import OPTIONS

AS_OF = dt.date(2026, 4, 1)
"""The date the benchmark guides are built for: fixed, so runs on different days compare."""

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="warm renders per profile (default 3)")
    parser.add_argument("--worker", action="store_true", help="only render every example once and print the peak memory in MB")
    args = parser.parse_args()
    if args.worker:
        return worker()

    kit = Toolkit.load()
    profiles = sorted((ROOT / "profiles").glob("*.yaml"))
    guides = [prepare(p, kit, as_of=AS_OF) for p in profiles]
    templates = kit.resources.templates / "workbook"

    os.environ["GUIDEBOOK_CACHE_DIR"] = ""  # a first build: no fixes kept from an earlier one
    start = time.perf_counter()
    kit.workbook.render(guides[0])
    first = time.perf_counter() - start

    print(f"{'profile':<18} {'pages':>5} {'ours first s':>13} {'ours rebuilt s':>15} {'WeasyPrint s':>13} {'ratio':>6}")
    ours_all, kept_all, theirs_all = [], [], []
    cache = tempfile.mkdtemp(prefix="guidebook-bench-")
    for path, guide in zip(profiles, guides):
        ours, kept, theirs = [], [], []
        for round_ in range(args.rounds):
            for who in ("ours", "kept", "theirs") if round_ % 2 == 0 else ("theirs", "kept", "ours"):
                gc.collect()
                if who in ("ours", "kept"):
                    os.environ["GUIDEBOOK_CACHE_DIR"] = cache if who == "kept" else ""  # "": no fixes kept
                    if who == "kept" and not os.listdir(cache):
                        kit.workbook.render(guide)  # the build that keeps the fixes
                    t = time.perf_counter()
                    pdf = kit.workbook.render(guide)
                    (ours if who == "ours" else kept).append(time.perf_counter() - t)
                else:
                    html = kit.workbook.html(guide)
                    t = time.perf_counter()
                    weasyprint.HTML(string=html, base_url=templates.as_uri() + "/").write_pdf(
                        stylesheets=[weasyprint.CSS(filename=str(templates / "print.css"))], **OPTIONS
                    )
                    theirs.append(time.perf_counter() - t)
        import pypdf  # only here: the worker process measures memory without it

        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        o, k, w = statistics.median(ours), statistics.median(kept), statistics.median(theirs)
        ours_all.append(o)
        kept_all.append(k)
        theirs_all.append(w)
        print(f"{path.stem:<18} {pages:>5} {o:>13.2f} {k:>15.2f} {w:>13.2f} {o / w:>6.2f}")
        shutil.rmtree(cache)
        os.mkdir(cache)

    child = subprocess.run([sys.executable, __file__, "--worker"], capture_output=True, text=True, check=True)
    peak = float(child.stdout.strip())
    o, k, w = statistics.mean(ours_all), statistics.mean(kept_all), statistics.mean(theirs_all)
    print()
    print(f"first workbook in the process: {first:.2f} s (stylesheet and fonts set up once)")
    print(f"warm, mean per workbook:       {o:.2f} s ours (first build), {k:.2f} s ours (rebuilt, fixes kept), "
          f"{w:.2f} s WeasyPrint alone: {o / w:.2f} and {k / w:.2f} times")
    print(f"peak memory, rendering worker: {peak:.0f} MB (all {len(profiles)} examples, one after another)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}")


def worker() -> None:
    os.environ["GUIDEBOOK_CACHE_DIR"] = ""  # every workbook laid out as on a first build
    kit = Toolkit.load()
    for path in sorted((ROOT / "profiles").glob("*.yaml")):
        kit.workbook.render(prepare(path, kit, as_of=AS_OF))
        gc.collect()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
