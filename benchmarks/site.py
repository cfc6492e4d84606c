"""Time the generic edition's website against MkDocs over the same Markdown.

    python benchmarks/site.py [--rounds N]

Ours builds the generic edition's HTML (no PDF). MkDocs builds a project made of the same
content sections as Markdown: each section's body after Jinja rendering, exactly the text our
pipeline hands to markdown-it (recorded from `generator.advice.select.render_template` while the generic
guide is selected, so no Markdown is rebuilt or guessed). Its mkdocs.yml lists the sections in
guide order, with the default theme, no plugins and `use_directory_urls: false`.

Medians of N rounds, ours and MkDocs timed alternately so that drift affects both alike:
- build: in this process, with the libraries imported, from the files on disk to the files
  written. Ours reads and checks content/ and its data (`Toolkit.load`), renders and writes
  (`build_generic`); MkDocs reads its config and builds (`load_config` + `build`). Nothing is kept
  in memory from one round to the next: our cache of parsed Markdown is emptied before each round,
  since MkDocs parses everything each time. Our compiled templates come from Jinja's bytecode
  cache on disk, as in every run after the first (Python's `.pyc` files play the same part for
  both tools' code).
- first build: the same, with our compiled-template cache turned off, as after an edit of every
  template (MkDocs compiles its theme's templates in every build).
- Markdown to HTML only: our markdown-it renderer against Python-Markdown (which MkDocs uses) with
  MkDocs' default extensions, on the same sections.
- command: a new process, wall time with interpreter start and imports:
  `python -m generator generic -o DIR --no-pdf` (the `guidebook` entry point's code), against
  `python -m mkdocs build -q`; with our cache, and without it.

What each side does is not identical: ours also writes the start, sources, 404 and search pages,
the worksheets, the search index and the inline SVG charts; MkDocs shows our chart markers
(`::: chart NAME`) as plain text and writes a sitemap. The table gives the pages each one wrote.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mkdocs
import mkdocs.commands.build
import mkdocs.config
import yaml

import generator.advice.select
import generator.templating
from generator.commands.build import Toolkit, build_generic, prepare_generic

AS_OF = dt.date(2026, 4, 1)
"""The date the benchmark guides are built for: fixed, so runs on different days compare."""

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.6  # issue 5: ours takes at most 0.6 times MkDocs' time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="rounds per measurement (default 15)")
    args = parser.parse_args()
    logging.getLogger("mkdocs").setLevel(logging.ERROR)  # as `mkdocs build -q`

    with tempfile.TemporaryDirectory(prefix="site-bench-") as tmp:
        tmp = Path(tmp)
        cache = tmp / "code-cache"
        os.environ["GUIDEBOOK_CACHE_DIR"] = str(cache)  # ours, in this process and the commands it starts
        sections = generic_markdown(Toolkit.load())
        config_file = mkdocs_project(tmp / "mkdocs", sections)
        ours_out, theirs_out = tmp / "ours" / "public", tmp / "mkdocs" / "site"

        def ours_build() -> None:
            forget_parsed_markdown()
            build_generic(ours_out, Toolkit.load(), pdf=False, as_of=AS_OF)

        def theirs_build() -> None:
            mkdocs.commands.build.build(mkdocs.config.load_config(config_file=str(config_file)))

        def uncached(build):
            def run() -> None:
                os.environ["GUIDEBOOK_CACHE_DIR"] = ""
                try:
                    build()
                finally:
                    os.environ["GUIDEBOOK_CACHE_DIR"] = str(cache)
            return run

        ours_build(), theirs_build()  # one untimed round each: first imports, and our cache filled
        rows = {"build": alternate(args.rounds, ours_build, theirs_build)}
        rows["Markdown to HTML only (Python-Markdown)"] = markdown_only(args.rounds, sections)
        rows["first build (no compiled-template cache)"] = alternate(args.rounds, uncached(ours_build), theirs_build)

        ours_cmd = [sys.executable, "-m", "generator", "generic", "-o", str(ours_out), "--no-pdf"]
        theirs_cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config_file)]
        rows["command (new process, start-up included)"] = alternate(args.rounds, lambda: run(ours_cmd), lambda: run(theirs_cmd))
        rows["command, no compiled-template cache"] = alternate(
            args.rounds, uncached(lambda: run(ours_cmd)), lambda: run(theirs_cmd)
        )
        ours_pages, theirs_pages = html_pages(ours_out), html_pages(theirs_out)
        phases = startup_phases(args.rounds, ours_out)
        theirs_imports = import_time(args.rounds, "import mkdocs.__main__, mkdocs.commands.build, mkdocs.config")

    words = sum(len(md.split()) for _, _, md in sections)
    print(f"same Markdown: {len(sections)} content sections, {words:,} words")
    print()
    print(f"{'':<50} {'ours s':>8} {'MkDocs s':>9} {'ours/MkDocs':>12}")
    for label, (o, m) in rows.items():
        print(f"{label:<50} {o:>8.3f} {m:>9.3f} {o / m:>12.2f}")
    print(f"{'HTML pages written':<50} {ours_pages:>8} {theirs_pages:>9}")
    print()
    print("where a fresh `guidebook generic --no-pdf` spends its time (median of the same rounds):")
    for phase, seconds in phases.items():
        print(f"  {phase:<70} {seconds:>6.3f} s")
    print(f"  (MkDocs' command imports its own modules in {theirs_imports:.3f} s)")
    print()
    o, m = rows["build"]
    verdict = "meets" if o / m <= TARGET else "MISSES"
    print(f"build, sources to files: ours takes {o / m:.2f} times MkDocs' time; {verdict} the target of at most {TARGET}")
    o, m = rows["command (new process, start-up included)"]
    print(f"command, start-up included: {o / m:.2f} times (phases above)")
    print(f"medians of {args.rounds} rounds, ours and MkDocs timed alternately")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {cpu_name()}, Python {platform.python_version()}, "
        f"MkDocs {mkdocs.__version__}, load average {os.getloadavg()[0]:.1f} at the end"
    )


def generic_markdown(kit: Toolkit) -> list[tuple[str, str, str]]:
    """(id, title, Markdown) of each generic section: its body as `render_template` rendered it."""
    bodies = {id(s.body): s.id for s in kit.library.sections}
    rendered: dict[str, str] = {}
    original = generator.advice.select.render_template

    def recording(template, context):
        text = original(template, context)
        if id(template) in bodies:
            rendered[bodies[id(template)]] = text
        return text

    generator.advice.select.render_template = recording
    try:
        guide = prepare_generic(kit, as_of=AS_OF)
    finally:
        generator.advice.select.render_template = original
    return [(s.id, s.title, rendered[s.id]) for s in guide.sections]


PHASES = """
import time
marks = [("start", time.perf_counter())]
import click, jinja2, markdown_it, yaml, pydantic
marks.append(("import the libraries (click, jinja2, markdown-it, pyyaml, pydantic)", time.perf_counter()))
from generator.commands.build import Toolkit, build_generic
marks.append(("import the generator", time.perf_counter()))
kit = Toolkit.load()
marks.append(("read and check content/ and its data", time.perf_counter()))
from pathlib import Path
import datetime as dt
AS_OF = dt.date(2026, 4, 1)
build_generic(Path(OUT), kit, pdf=False, as_of=AS_OF)
marks.append(("first build: compile the Jinja templates used, select, render, write", time.perf_counter()))
build_generic(Path(OUT), kit, pdf=False, as_of=AS_OF)
marks.append(("a second build in the same process", time.perf_counter()))
print(repr([(name, b - a) for (_, a), (name, b) in zip(marks, marks[1:])]))
"""


def startup_phases(rounds: int, out: Path) -> dict[str, float]:
    """Median seconds of each phase of a fresh process that builds the public edition's site."""
    import ast

    runs = []
    for _ in range(rounds):
        code = PHASES.replace("OUT", repr(str(out)))
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
        total = time.perf_counter() - start
        phases = dict(ast.literal_eval(result.stdout.strip().splitlines()[-1]))
        second = phases.pop("a second build in the same process")
        phases = {"Python start-up and exit": total - second - sum(phases.values()), **phases}
        runs.append(phases)
    return {name: statistics.median(r[name] for r in runs) for name in runs[0]}


def markdown_only(rounds: int, sections: list[tuple[str, str, str]]) -> tuple[float, float]:
    """Converting the same Markdown, our renderer against Python-Markdown with MkDocs' default extensions."""
    import markdown

    from generator.templating import markdown_renderer

    md = markdown_renderer()
    texts = [text.replace("::: chart", "::: note") for _, _, text in sections]  # no reader's charts here

    def ours() -> None:
        for text in texts:
            md.render(text)

    def theirs() -> None:
        for text in texts:
            markdown.markdown(text, extensions=["toc", "tables", "fenced_code"])

    return alternate(rounds, ours, theirs)


def import_time(rounds: int, statement: str) -> float:
    """Median seconds a new process spends running the import STATEMENT."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout) for _ in range(rounds)]
    return statistics.median(runs)


def forget_parsed_markdown() -> None:
    """Empty our per-renderer cache of parsed Markdown, so a warm round parses everything, as MkDocs does."""
    caches = generator.templating._caches
    assert caches, "no Markdown part cache found: the benchmark no longer matches generator.templating"
    for cache in caches.values():
        cache.items.clear()
        cache.seen.clear()


def mkdocs_project(folder: Path, sections: list[tuple[str, str, str]]) -> Path:
    """A MkDocs project of SECTIONS in guide order; returns its mkdocs.yml."""
    (folder / "docs").mkdir(parents=True)
    for section_id, _, markdown in sections:
        (folder / "docs" / f"{section_id}.md").write_text(markdown, encoding="utf-8")
    config = {
        "site_name": "Match Pivot Guidebook",
        "theme": {"name": "mkdocs"},
        "plugins": [],
        "use_directory_urls": False,
        "nav": [{title: f"{section_id}.md"} for section_id, title, _ in sections],
    }
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def alternate(rounds: int, ours, theirs) -> tuple[float, float]:
    """Median seconds of OURS and THEIRS over ROUNDS, taking turns at going first."""
    times: dict[str, list[float]] = {"ours": [], "theirs": []}
    for round_ in range(rounds):
        for who in ("ours", "theirs") if round_ % 2 == 0 else ("theirs", "ours"):
            gc.collect()
            start = time.perf_counter()
            (ours if who == "ours" else theirs)()
            times[who].append(time.perf_counter() - start)
    return statistics.median(times["ours"]), statistics.median(times["theirs"])


def run(command: list[str]) -> None:
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def html_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
