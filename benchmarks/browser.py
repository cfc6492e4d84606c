"""What a student waits for and downloads when they build their own guide in the browser (issue 15).

    python benchmarks/browser.py [--rounds N] [--files browser-files]

The public edition is built with `guidebook generic --browser` and served from 127.0.0.1 as a host
such as GitHub Pages serves it: gzip for every response the browser accepts it for, and one hour of
caching. Headless Chromium (Debian's, driven by Playwright) then opens build.html as a student would:

- downloaded: the bytes that cross the wire on a first visit (compressed), counted by the server;
- ready, cold: from asking for build.html to the form being able to build (the worker has started
  Python and loaded the generator), in a browser with an empty cache, by the page's own clock
  (performance.now(), which starts with the navigation);
- ready, warm: the same in the same browser profile opened again, its HTTP and compiled-code caches
  filled by the first visit;
- first guide: from "Build my guide" to the guide on screen, Jordan Rivera's answers;
- rebuild: the same after one answer changes (the Step 2 CK score).

Medians of N rounds (each cold round has a fresh browser profile). The anchor is the same guide built
by CPython in this process (`build --no-pdf`, toolkit loaded), which is what an advisor waits for.
"""

from __future__ import annotations

import argparse
import json
import datetime as dt
import gzip
import os
import platform
import shutil
import statistics
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from generator.commands.browser import browser_build
from generator.commands.build import Toolkit, build, build_generic

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-29"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
TARGETS = {"downloaded": "at most 8 MB", "ready, cold": "at most 5 s", "ready, warm": "at most 2 s", "first guide": "under 1 s", "rebuild": "under 0.2 s"}


class _Host(SimpleHTTPRequestHandler):
    """Serves files gzip-compressed when the browser accepts it, with an hour of caching; counts bytes sent."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm"}
    sent = 0
    packed: dict[str, bytes] = {}
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - the http.server name
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            return super().do_GET()
        body = path.read_bytes()
        encoding = None
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            key = str(path)
            if key not in self.packed:
                self.packed[key] = gzip.compress(body, 6, mtime=0)
            body, encoding = self.packed[key], "gzip"
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=3600")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        self.wfile.write(body)
        with self.lock:
            type(self).sent += len(body)


def _visit(pw, profile_dir: str, base: str, *, build_guide: bool) -> dict[str, float]:
    context = pw.chromium.launch_persistent_context(profile_dir, executable_path=CHROMIUM, args=ARGS, headless=True)
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(base + "build.html")
        page.wait_for_selector("#builder[data-ready='1']", timeout=120_000)
        # By the page's own clock, from the start of the navigation to build.html to the moment the
        # page heard from the worker that it can build (Playwright's own round trips left out).
        ready_at = float(page.get_attribute("#builder", "data-ready-at")) / 1000
        figures = {"ready": ready_at, "ready, seen by Playwright": time.perf_counter() - start,
                   "steps": json.loads(page.get_attribute("#builder", "data-timings"))}
        if build_guide:
            page.fill("#q-name", "Jordan Rivera")
            page.check("input[name='applicant_type'][value='us_md']")
            page.fill("#q-graduation_year", "2025")
            page.check("input[name='outcome'][value='unmatched']")
            page.select_option("#q-dream_specialty", "dermatology")
            page.fill("#q-scores-step2_ck", "238")
            page.fill("#q-as-of", AS_OF)
            start = time.perf_counter()
            page.click("button.builder__build")
            page.wait_for_function("() => document.getElementById('guide-frame').contentDocument?.title.includes('Your diagnosis')")
            figures["first guide"] = time.perf_counter() - start
            page.click("#builder-edit")
            page.fill("#q-scores-step2_ck", "241")
            page.evaluate("document.getElementById('guide-frame').srcdoc = ''")
            start = time.perf_counter()
            page.click("button.builder__build")
            page.wait_for_function("() => document.getElementById('guide-frame').contentDocument?.title.includes('Your diagnosis')")
            figures["rebuild"] = time.perf_counter() - start
        return figures
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--files", type=Path, default=ROOT / "browser-files", help="what `guidebook fetch-browser` fetched")
    parser.add_argument("--site", type=Path, default=None, help="measure this public edition (built with --browser) instead of building one")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    kit = Toolkit.load()
    as_of = dt.date.fromisoformat(AS_OF)
    with tempfile.TemporaryDirectory() as scratch:
        www = Path(scratch) / "www"
        if args.site:
            shutil.copytree(args.site, www / "match-pivot")
        else:
            build_generic(www / "match-pivot", kit, as_of=as_of, pdf=False, extra=browser_build(args.files, kit.resources))
        anchor = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            build(ROOT / "profiles" / "jordan-rivera.yaml", Path(scratch) / "cli", kit, as_of=as_of, pdf=False)
            anchor.append(time.perf_counter() - start)

        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Host, directory=str(www)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/match-pivot/"
        rounds: dict[str, list[float]] = {"ready, cold": [], "ready, warm": [], "first guide": [], "rebuild": []}
        downloaded = []
        breakdown: dict[tuple[str, str], list[float]] = {}
        seen: list[tuple[float, float]] = []
        with sync_playwright() as pw:
            for _ in range(args.rounds):
                profile_dir = tempfile.mkdtemp(prefix="chromium-", dir=scratch)
                _Host.sent = 0
                cold = _visit(pw, profile_dir, base, build_guide=True)
                downloaded.append(_Host.sent)
                warm = _visit(pw, profile_dir, base, build_guide=False)
                rounds["ready, cold"].append(cold["ready"])
                rounds["first guide"].append(cold["first guide"])
                rounds["rebuild"].append(cold["rebuild"])
                rounds["ready, warm"].append(warm["ready"])
                seen.append((cold["ready, seen by Playwright"], warm["ready, seen by Playwright"]))
                for phase, steps in (("cold", cold["steps"]), ("warm", warm["steps"])):
                    for step, ms in steps.items():
                        breakdown.setdefault((phase, step), []).append(ms / 1000)
                shutil.rmtree(profile_dir, ignore_errors=True)
        server.shutdown()

    cpu = platform.processor() or platform.machine()
    print(f"Browser build, medians of {args.rounds} rounds; {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
          f"Chromium {CHROMIUM}, served gzip from 127.0.0.1")
    print(f"{'measure':<14}{'browser':>12}   {'target':<14}{'CPython (anchor)':>18}")
    print(f"{'downloaded':<14}{statistics.median(downloaded) / 1e6:>10.2f} MB   {TARGETS['downloaded']:<14}{'-':>18}")
    for name, values in rounds.items():
        anchor_text = f"{statistics.median(anchor):.2f} s" if name in ("first guide", "rebuild") else "-"
        print(f"{name:<14}{statistics.median(values):>10.2f} s    {TARGETS[name]:<14}{anchor_text:>18}")
    print(f"(ready as Playwright sees it, with its own round trips and the page's load event: "
          f"{statistics.median(c for c, _ in seen):.2f} s cold, {statistics.median(w for _, w in seen):.2f} s warm)")
    print()
    print("where the time to ready goes (the worker's own steps; the rest is the page and the worker's start)")
    steps = list(dict.fromkeys(step for _, step in breakdown))
    print(f"{'step':<24}{'cold':>8}{'warm':>8}")
    for step in steps:
        print(f"{step:<24}{statistics.median(breakdown[('cold', step)]):>7.2f}s{statistics.median(breakdown[('warm', step)]):>7.2f}s")


if __name__ == "__main__":
    main()
