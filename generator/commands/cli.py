"""The `guidebook` command: thin wrappers that resolve paths and call one pipeline function each."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from pathlib import Path

import click

from generator import __version__
from generator.errors import GuidebookError, InputError

PROFILE = click.Path(exists=True, dir_okay=False, path_type=Path)
BROWSER_FILES = Path("browser-files")
"""Where `guidebook fetch-browser` puts what the browser build needs, and `generic --browser` looks for it."""

paper_option = click.option(
    "--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True, help="Paper size of the workbook."
)
strict_option = click.option(
    "--strict", is_flag=True, help="Fail on a broken internal link or anchor, or content no profile can reach."
)


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None):
    from generator.dates import default_as_of

    if value is None:
        return default_as_of()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (expected YYYY-MM-DD, such as 2026-04-01)") from None


as_of_option = click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="YYYY-MM-DD",
    callback=_as_of,
    help="The date the guide is built for (default: the UTC date of SOURCE_DATE_EPOCH when set, else today's).",
)


config_option = click.option(
    "--config",
    "config_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The office's project file (default: guidebook.yml in the working folder, when there is one).",
)


def _toolkit(config_file: Path | None):
    """The toolkit for a command: the package's content and templates, with the project file's brand
    and overrides when there is one (CONFIG_FILE, or the working folder's guidebook.yml)."""
    from generator.commands.build import Toolkit
    from generator.loading.project import load_project

    return Toolkit.load(project=load_project(config_file, Path.cwd()))


class _Reported(click.ClickException):
    """A `GuidebookError`, handed to click so that it prints the message and exits with the error's code."""

    def __init__(self, error: GuidebookError):
        super().__init__(error.format_message())
        self.error = error
        self.exit_code = error.exit_code

    def show(self, file=None) -> None:  # noqa: D102 - the error prints itself
        self.error.show(file)


class _Group(click.Group):
    """The `guidebook` group: our own errors leave every command as click's, with no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GuidebookError as error:
            raise _Reported(error) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="guidebook")
@click.option("-v", "--verbose", is_flag=True, help="Say what each stage does.")
def main(verbose: bool) -> None:
    """Turn an applicant's profile into a personal guidebook: a website and a PDF workbook."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    if not verbose:
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        logging.getLogger("fontTools").setLevel(logging.ERROR)


@main.command()
@click.option("-o", "--output", default="output/public", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write the site into (replaced whole).")
@click.option("--site-url", default=None, metavar="URL", help="Where the site will be published, e.g. https://example.org/repo/; adds sitemap.xml.")
@click.option("--no-pdf", is_flag=True, help="Build the website only.")
@click.option("--browser", is_flag=True, help="Add the page where a reader builds their own guide in the browser (needs `guidebook fetch-browser` first).")
@click.option("--browser-files", default=str(BROWSER_FILES), show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Where `guidebook fetch-browser` put the browser's files.")
@paper_option
@strict_option
@as_of_option
@config_option
def generic(
    output: Path, site_url: str | None, no_pdf: bool, browser: bool, browser_files: Path, paper: str, strict: bool, as_of: dt.date,
    config_file: Path | None,
) -> None:
    """Build the public edition (every section, no profile) into OUTPUT."""
    from generator.commands.build import build_generic

    if site_url and not re.match(r"^https?://[^\s/]+(/\S*)?$", site_url):
        raise click.BadParameter(f"{site_url!r} is not an http or https address", param_hint="--site-url")
    kit = _toolkit(config_file)
    extra = None
    if browser:
        from generator.commands.browser import BrowserFilesError, browser_build

        try:
            extra = browser_build(browser_files, kit.resources, kit.brand)
        except BrowserFilesError as exc:
            click.echo(f"warning: {exc.message}; the public edition was built without it", err=True)
    folder = build_generic(output, kit, as_of=as_of, site_url=site_url, pdf=not no_pdf, paper=paper, strict=strict, extra=extra)
    click.echo(f"Built the public edition in {folder}/")
    click.echo(f"  website:  {folder / 'index.html'}")
    if not no_pdf:
        click.echo(f"  workbook: {folder / 'workbook.pdf'}")


@main.command()
@click.argument("profile", required=False, type=PROFILE)
@click.option("-o", "--output", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write the guide into.")
@click.option("--no-pdf", is_flag=True, help="Build the website only.")
@paper_option
@strict_option
@as_of_option
@config_option
def build(profile: Path | None, output: Path, no_pdf: bool, paper: str, strict: bool, as_of: dt.date, config_file: Path | None) -> None:
    """Build the guide for PROFILE (default: the bundled example profile) into OUTPUT/<id>/."""
    from generator.commands.build import build as build_guide

    kit = _toolkit(config_file)
    path = profile or kit.resources.example_profile
    built = build_guide(path, output, kit, as_of=as_of, display=str(path), pdf=not no_pdf, paper=paper, strict=strict)
    click.echo(f"Built the guide for {path if profile else 'the example profile ' + path.name} in {built.folder}/")
    click.echo(f"  website:  {built.folder / 'index.html'}")
    if not no_pdf:
        click.echo(f"  workbook: {built.folder / 'workbook.pdf'}")


@main.command()
@click.argument("profile", type=PROFILE)
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
@as_of_option
@config_option
def diagnose(profile: Path, as_json: bool, as_of: dt.date, config_file: Path | None) -> None:
    """Print the diagnosis of PROFILE: buckets, decision, target, program count, the Match to aim at."""
    from generator.commands.build import prepare

    guide = prepare(profile, _toolkit(config_file), str(profile), as_of=as_of)
    dx = guide.diagnosis
    assert dx is not None
    if as_json:
        click.echo(json.dumps(dx.to_json([s.id for s in guide.sections]), indent=2))
        return
    click.echo(format_diagnosis(guide))


@main.command()
@click.argument("profiles", nargs=-1, required=True, type=PROFILE)
@config_option
def validate(profiles: tuple[Path, ...], config_file: Path | None) -> None:
    """Check PROFILES without building anything."""
    from generator.loading.validate import load_profile

    kit = _toolkit(config_file)
    problems = []
    for path in profiles:
        try:
            profile = load_profile(path, kit.data, str(path))
        except InputError as exc:
            problems += exc.problems
        else:
            click.echo(f"{path}: ok ({profile.id})")
    if problems:
        raise InputError(problems)


class _NewProfile(click.Path):
    """A file to write a profile to: not a folder, and named .yaml or .yml."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        if Path(path).suffix not in (".yaml", ".yml"):
            self.fail(f"{str(path)!r} does not end in .yaml (expected a profile file name such as jordan-rivera.yaml)", param, ctx)
        return path


def _taken(path: Path) -> bool:
    return path.exists() or path.is_symlink()


_HINTS = {
    "choice": "a number or a name",
    "specialty": "a number or a name",
    "multi": "numbers or names, separated by commas",
    "specialties": "numbers or names, separated by commas",
    "keeps": "numbers or names, separated by commas",
    "yesno": "yes or no",
    "longtext": "a paragraph",
}


class ClickPrompts:
    """The questions asked in a terminal with click: each with its help and numbered choices (0 for
    the `none` answer), and a note over several paragraphs, one per line, ended by an empty line."""

    def group(self, title: str, intro: str) -> None:
        click.echo("")
        click.secho(title, bold=True)
        click.echo(intro)

    def ask(self, question, default: str | None, again: bool) -> str:
        if not again:
            click.echo("")
            click.secho(question.ask + (" (optional)" if question.optional else ""), bold=True)
            click.echo(f"  {question.help}")
            if question.none:
                click.echo(f"  0. {question.none}")
            for i, choice in enumerate(question.choices, 1):
                click.echo(f"  {i}. {choice.label}")
        hint = self.hint(question)
        text = click.prompt(f"  answer ({hint})" if hint else "  answer", default=default or "", show_default=bool(default), prompt_suffix=": ")
        if question.kind != "longtext" or text.strip() in ("", "?"):
            return text
        paragraphs = [text.strip()]
        while more := click.prompt("  next paragraph (Enter to finish)", default="", show_default=False, prompt_suffix=": ").strip():
            paragraphs.append(more)
        return "\n\n".join(paragraphs)

    def problem(self, message: str) -> None:
        click.echo(f"  Not accepted: {message}")

    @staticmethod
    def hint(question) -> str:
        """What an answer looks like, in a few words."""
        if question.low is not None and question.high is not None:
            hint = f"a number from {question.low} to {question.high}"
        else:
            hint = _HINTS.get(question.kind, "")
        if question.optional:
            hint += (", " if hint else "") + "or ? if you do not know"
        return hint



@main.command()
@click.argument("file", required=False, type=_NewProfile())
@as_of_option
@config_option
def new(file: Path | None, as_of: dt.date, config_file: Path | None) -> None:
    """Ask the profile's questions and write the answers to FILE (default: profiles/private/<id>.yaml)."""
    import shlex

    from generator.loading.questions import INTRO, default_file, interview, load_questions, profile_yaml, save

    kit = _toolkit(config_file)
    questionnaire = load_questions(kit.resources, kit.data)
    try:
        replace = None
        if file is not None and _taken(file):
            if not click.confirm(f"{file} already exists. Replace it with the profile you are about to write?", default=False):
                raise click.Abort
            replace = file
        click.echo(INTRO)
        answers = interview(questionnaire, ClickPrompts(), as_of=as_of, file=file)
        path = file or default_file(answers)
        while _taken(path) and path != replace and not click.confirm(f"{path} already exists. Replace it?", default=False):
            path = click.prompt("Where should the profile go instead?", type=_NewProfile())
    except (click.Abort, KeyboardInterrupt, EOFError):
        click.echo("\nStopped; nothing was written.", err=True)
        sys.exit(1)
    save(profile_yaml(answers, questionnaire), path)
    click.echo(f"\nWrote {path}. Build the guide with:\n  guidebook build {shlex.quote(str(path))}")


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the students' guides and the cohort page.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: the machine's CPU count).")
@click.option("--force", is_flag=True, help="Rebuild every student, changed or not.")
@click.option("--shard", default=None, metavar="K/N", help="Build only share K of N of the cohort (stable across machines).")
@click.option("--no-pdf", is_flag=True, help="Build the websites only.")
@paper_option
@as_of_option
@config_option
def batch(
    sources: tuple[Path, ...], output: Path, jobs: int | None, force: bool, shard: str | None, no_pdf: bool, paper: str, as_of: dt.date,
    config_file: Path | None,
) -> None:
    """Build a guide for every profile in SOURCES (files or folders) into OUTPUT/<id>/, and the cohort page."""
    import os
    import time

    from generator.commands import batch as cohort

    start = time.perf_counter()
    paths = cohort.collect(sources)
    if shard:
        try:
            k, n = cohort.parse_shard(shard)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--shard") from None
        paths = [p for p in paths if cohort.in_shard(p, k, n)]
    kit = _toolkit(config_file)  # loaded once here; every worker is forked with it in place
    base = cohort.inputs_digest(kit, f"pdf={not no_pdf} paper={paper}")
    students = cohort.plan(paths, kit.data, output, base, force, as_of=as_of)
    jobs = jobs or os.cpu_count() or 1

    with click.progressbar(length=len(students), label="Building guides", show_eta=True, show_pos=True, file=sys.stderr,
                           item_show_func=lambda s: s.id or s.path.name if s else None) as bar:
        cohort.run(students, output, jobs=jobs, pdf=not no_pdf, paper=paper, as_of=as_of, progress=lambda s: bar.update(1, s), kit=kit)

    cohort.write_cohort(output, cohort.cohort_rows(students), kit, as_of)
    elapsed = time.perf_counter() - start

    for student in students:
        if student.status == "failed":
            click.echo(student.message, err=True)
    built = [s for s in students if s.status == "built"]
    count = {status: sum(1 for s in students if s.status == status) for status in ("skipped", "failed")}
    click.echo("")
    click.echo(f"{'':<10}{'students':>9}{'seconds':>10}")
    click.echo(f"{'built':<10}{len(built):>9}{sum(s.seconds for s in built):>10.1f}")
    click.echo(f"{'skipped':<10}{count['skipped']:>9}   (unchanged)")
    click.echo(f"{'failed':<10}{count['failed']:>9}")
    click.echo(f"{'total':<10}{len(students):>9}{elapsed:>10.1f}   wall, {jobs} worker{'s' if jobs != 1 else ''}")
    click.echo(f"Cohort page: {output / 'cohort.html'}")
    code = cohort.exit_code(students)
    if code:
        sys.exit(code)


@main.command(name="cohort")
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", default=None, type=click.Path(file_okay=False, path_type=Path), help="Where to write the merged cohort page (default: the first FOLDER).")
@config_option
def cohort_command(folders: tuple[Path, ...], output: Path | None, config_file: Path | None) -> None:
    """Merge the cohort tables of batch outputs (for example one per shard) into one cohort page."""
    from generator.commands import batch as cohort
    from generator.dates import default_as_of
    from generator.errors import BuildError

    kit = _toolkit(config_file)  # a bad project file stops the command before anything is read or written
    dest = output or folders[0]
    try:
        rows = cohort.merge_cohorts(folders, dest)
    except (OSError, ValueError) as exc:
        raise BuildError(str(exc)) from None
    cohort.write_cohort(dest, rows, kit, default_as_of())
    click.echo(f"Merged {len(rows)} students from {len(folders)} folder{'s' if len(folders) != 1 else ''} into {dest / 'cohort.html'}")


@main.command(name="fetch-browser")
@click.option("-d", "--dir", "folder", default=str(BROWSER_FILES), show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to keep the files in.")
def fetch_browser(folder: Path) -> None:
    """Download what the browser build needs (Pyodide and the pinned wheels) into DIR, checking every hash.

    The only command that uses the network. `guidebook generic --browser` then copies from DIR."""
    from generator.commands.browser import fetch, load_pins
    from generator.resources import Resources

    pins = load_pins(Resources.default().browser_pins)
    fetched = fetch(folder, pins)
    size = sum(pin.size for pin in fetched) / 1e6
    kept = len(pins) - len(fetched)
    click.echo(f"Fetched {len(fetched)} file{'s' if len(fetched) != 1 else ''} ({size:.1f} MB) into {folder}/; {kept} already there, hash checked")


@main.command()
@click.option("--project", is_flag=True, help="Print the project file's (guidebook.yml) schema instead.")
def schema(project: bool) -> None:
    """Print the profile's JSON Schema (for editor completion and checks)."""
    if project:
        from generator.loading.project import Project as Model
    else:
        from generator.loading.profile import Profile as Model

    click.echo(json.dumps(Model.model_json_schema(), indent=2))


@main.command()
@config_option
def config(config_file: Path | None) -> None:
    """Print the project file's effective settings, each with the file and line it came from, and what
    each file of its overrides/ folders does."""
    from generator.commands.build import Toolkit
    from generator.loading.overrides import describe
    from generator.loading.project import PROJECT_FILE, load_project

    loaded = load_project(config_file, Path.cwd())
    if loaded is None:
        click.echo(f"No project file: there is no {PROJECT_FILE} in {Path.cwd()}, so the guide looks as it does "
                   "without one (docs/project.md describes the file).")
        return
    kit = Toolkit.load(project=loaded)  # the overrides and data extensions are checked as a build checks them
    click.echo(loaded.describe())
    if loaded.overrides:
        lines = describe(kit.resources.content, kit.resources.templates, loaded.overrides)
        click.echo(f"Overrides: {len(lines)} file{'s' if len(lines) != 1 else ''}" + "".join(f"\n  {line}" for line in lines))


def plain_text(fragment: str) -> str:
    """Inline HTML as the words a terminal shows."""
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def format_diagnosis(guide) -> str:
    """The diagnosis as a person reads it in a terminal."""
    from generator.dates import long_date
    from generator.models import BUCKETS
    from generator.templating import bucket_name

    dx, p, data = guide.diagnosis, guide.profile, guide.data
    catalog, keeps, labels = data.catalog, data.keeps, data.labels
    dream = catalog[dx.dream_specialty]
    target = catalog[dx.target_specialty] if dx.target_specialty else None
    outcome = labels["outcomes"][p.outcome][0].lower() + labels["outcomes"][p.outcome][1:]
    lines = [
        f"{p.name} ({dx.id}): {dream.name}, {outcome} in the {p.match_year} Match",
        f"As of {long_date(dx.cycle.as_of)}",
        "",
        "Diagnosis",
    ]
    for name in BUCKETS:
        bucket = dx.buckets[name]
        mark = "x" if bucket.flagged else (" " if bucket.assessed else "?")
        tag = " (primary)" if name in dx.primary else ("" if bucket.assessed else " (not assessed)")
        lines.append(f"  [{mark}] {bucket_name(name)}{tag}")
        if bucket.reasons and not bucket.flagged:
            lines.append("        Not enough to flag, but worth knowing:")
        lines += [f"        - {r}" for r in bucket.reasons]
        if not bucket.assessed:
            lines.append(f"        - {bucket.not_assessed}")
    if dx.decision == "gather_facts":
        decision = "gather the facts first (no reattempt or pivot yet)"
    elif dx.decision == "reattempt":
        decision = f"reattempt {dream.name}"
    else:
        decision = f"pivot to {target.name}"
    lines += ["", f"Decision: {decision}"]
    lines += [f"  - {r}" for r in dx.decision_reasons]
    match = f"the {dx.cycle.target_match} Match" if dx.cycle.target_match else "none"
    lines += ["", f"Match to aim at: {match}" + (" (SOAP is under way)" if dx.cycle.soap_now else "")]
    lines += [f"  - {r}" for r in dx.cycle.reasons]
    lines += ["", "Pivot options" if dx.decision == "pivot" else "If you change course later"]
    for i, o in enumerate(dx.pivot_options, 1):
        kept = ", ".join(keeps[k] for k in o.keeps)
        lines.append(f"  {i}. {catalog[o.specialty].name}" + (f" (keeps {kept})" if kept else ""))
    lines += [f"  Note: {n}" for n in dx.pivot_notes]
    if dx.applications:
        lines += ["", f"Programs to apply to next time: {dx.applications.min}-{dx.applications.max}"]
    lines += ["", "This week:"]
    lines += [f"  {i}. {plain_text(step.html)}" for i, step in enumerate(guide.first_steps, 1)]
    lines += ["", "Sections: " + "; ".join(s.title for s in guide.sections)]
    if dx.missing:
        missing = guide.data.labels["missing"]
        lines += ["", "Left out of the profile (adding them sharpens the diagnosis): " + "; ".join(missing.get(m, m) for m in dx.missing)]
    return "\n".join(lines)


@main.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty, adding the missing files and replacing none.")
def init(folder: Path, force: bool) -> None:
    """Start an office's project in FOLDER (new or empty; default: here): guidebook.yml, an example
    section in overrides/, profiles/private/, a .gitignore and a GitHub Pages workflow."""
    import shlex

    from generator.commands.scaffold import EXAMPLE, scaffold

    written, kept = scaffold(folder, force=force)
    click.echo(f"Started a project in {folder}/:")
    for name in written:
        click.echo(f"  {name}")
    if kept:
        click.echo("Kept as they were: " + ", ".join(kept))
    go = f"cd {shlex.quote(str(folder))} && " if folder != Path(".") else ""
    click.echo(f"Next: edit guidebook.yml, then try a build with the fictional example:\n  {go}guidebook build {EXAMPLE} --no-pdf")


if __name__ == "__main__":
    main()
