"""Time the workbook renderer against WeasyPrint alone, on the same print HTML.

    python benchmarks/workbook.py [--rounds N]

For each example profile it prints the pages, our seconds per workbook (the first one in the
process, which parses the stylesheet and sets up fonts, and the warm ones after), and WeasyPrint's
own seconds for the same print HTML with the same options, called the plain way (stylesheet
parsed on each call). The two are timed alternately, so drift affects both alike. The last lines
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
import statistics
import subprocess
import sys
import time
from pathlib import Path

import weasyprint

from generator.build import Toolkit, prepare
from generator.render_pdf import OPTIONS

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

    start = time.perf_counter()
    kit.workbook.render(guides[0])
    first = time.perf_counter() - start

    print(f"{'profile':<18} {'pages':>5} {'ours warm s':>12} {'WeasyPrint s':>13} {'ratio':>6}")
    ours_all, theirs_all = [], []
    for path, guide in zip(profiles, guides):
        ours, theirs = [], []
        for round_ in range(args.rounds):
            for who in ("ours", "theirs") if round_ % 2 == 0 else ("theirs", "ours"):
                gc.collect()
                if who == "ours":
                    t = time.perf_counter()
                    pdf = kit.workbook.render(guide)
                    ours.append(time.perf_counter() - t)
                else:
                    html = kit.workbook.html(guide)
                    t = time.perf_counter()
                    weasyprint.HTML(string=html, base_url=templates.as_uri() + "/").write_pdf(
                        stylesheets=[weasyprint.CSS(filename=str(templates / "print.css"))], **OPTIONS
                    )
                    theirs.append(time.perf_counter() - t)
        import pypdf  # only here: the worker process measures memory without it

        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        o, w = statistics.median(ours), statistics.median(theirs)
        ours_all.append(o)
        theirs_all.append(w)
        print(f"{path.stem:<18} {pages:>5} {o:>12.2f} {w:>13.2f} {o / w:>6.2f}")

    child = subprocess.run([sys.executable, __file__, "--worker"], capture_output=True, text=True, check=True)
    peak = float(child.stdout.strip())
    o, w = statistics.mean(ours_all), statistics.mean(theirs_all)
    print()
    print(f"first workbook in the process: {first:.2f} s (stylesheet and fonts set up once)")
    print(f"warm, mean per workbook:       {o:.2f} s ours, {w:.2f} s WeasyPrint alone: {o / w:.2f} times")
    print(f"peak memory, rendering worker: {peak:.0f} MB (all {len(profiles)} examples, one after another)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}")


def worker() -> None:
    kit = Toolkit.load()
    for path in sorted((ROOT / "profiles").glob("*.yaml")):
        kit.workbook.render(prepare(path, kit, as_of=AS_OF))
        gc.collect()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
