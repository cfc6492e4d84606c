"""The `guidebook` command: thin wrappers that resolve paths and call one pipeline function each."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import click

from generator import __version__
from generator.errors import InputError

PROFILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True, help="Paper size of the workbook.")
@click.option("--strict", is_flag=True, help="Fail on a broken internal link or anchor, or content no profile can reach.")
def generic(output: Path, site_url: str | None, no_pdf: bool, paper: str, strict: bool) -> None:
    """Build the public edition (every section, no profile) into OUTPUT."""
    from generator.build import Toolkit, build_generic

    if site_url and not re.match(r"^https?://[^\s/]+(/\S*)?$", site_url):
        raise click.BadParameter(f"{site_url!r} is not an http or https address", param_hint="--site-url")
    folder = build_generic(output, Toolkit.load(), site_url=site_url, pdf=not no_pdf, paper=paper, strict=strict)
    click.echo(f"Built the public edition in {folder}/")
    click.echo(f"  website:  {folder / 'index.html'}")
    if not no_pdf:
        click.echo(f"  workbook: {folder / 'workbook.pdf'}")


@main.command()
@click.argument("profile", required=False, type=PROFILE)
@click.option("-o", "--output", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write the guide into.")
@click.option("--no-pdf", is_flag=True, help="Build the website only.")
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True, help="Paper size of the workbook.")
@click.option("--strict", is_flag=True, help="Fail on a broken internal link or anchor, or content no profile can reach.")
def build(profile: Path | None, output: Path, no_pdf: bool, paper: str, strict: bool) -> None:
    """Build the guide for PROFILE (default: the bundled example profile) into OUTPUT/<id>/."""
    from generator.build import Toolkit, build as build_guide

    kit = Toolkit.load()
    path = profile or kit.resources.example_profile
    built = build_guide(path, output, kit, display=str(path), pdf=not no_pdf, paper=paper, strict=strict)
    click.echo(f"Built the guide for {path if profile else 'the example profile ' + path.name} in {built.folder}/")
    click.echo(f"  website:  {built.folder / 'index.html'}")
    if not no_pdf:
        click.echo(f"  workbook: {built.folder / 'workbook.pdf'}")


@main.command()
@click.argument("profile", type=PROFILE)
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
def diagnose(profile: Path, as_json: bool) -> None:
    """Print the diagnosis of PROFILE: buckets, decision, target, program count."""
    from generator.build import Toolkit, prepare

    guide = prepare(profile, Toolkit.load(), str(profile))
    dx = guide.diagnosis
    assert dx is not None
    if as_json:
        click.echo(json.dumps(dx.to_json([s.id for s in guide.sections]), indent=2))
        return
    click.echo(format_diagnosis(guide))


@main.command()
@click.argument("profiles", nargs=-1, required=True, type=PROFILE)
def validate(profiles: tuple[Path, ...]) -> None:
    """Check PROFILES without building anything."""
    from generator.build import Toolkit
    from generator.validate import load_profile

    kit = Toolkit.load()
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


@main.command()
def schema() -> None:
    """Print the profile's JSON Schema (for editor completion and checks)."""
    from generator.profile import Profile

    click.echo(json.dumps(Profile.model_json_schema(), indent=2))


def format_diagnosis(guide) -> str:
    """The diagnosis as a person reads it in a terminal."""
    from generator.models import BUCKETS
    from generator.templating import bucket_name

    dx, p, catalog, keeps = guide.diagnosis, guide.profile, guide.data.catalog, guide.data.keeps
    dream, target = catalog[dx.dream_specialty], catalog[dx.target_specialty]
    lines = [f"{p.name} ({dx.id}): {dream.name}, {p.outcome.replace('_', ' ')} in the {p.match_year} Match", "", "Diagnosis"]
    for name in BUCKETS:
        bucket = dx.buckets[name]
        mark = "x" if bucket.flagged else " "
        tag = " (primary)" if name in dx.primary else ""
        lines.append(f"  [{mark}] {bucket_name(name)}{tag}")
        lines += [f"        - {r}" for r in bucket.reasons]
    decision = f"reattempt {dream.name}" if dx.decision == "reattempt" else f"pivot to {target.name}"
    lines += ["", f"Decision: {decision}"]
    lines += [f"  - {r}" for r in dx.decision_reasons]
    lines += ["", "Pivot options" if dx.decision == "pivot" else "If you change course later"]
    for i, o in enumerate(dx.pivot_options, 1):
        kept = ", ".join(keeps[k] for k in o.keeps)
        lines.append(f"  {i}. {catalog[o.specialty].name}" + (f" (keeps {kept})" if kept else ""))
    lines += ["", f"Programs to apply to next time: {dx.applications.min}-{dx.applications.max}"]
    lines += ["", "Sections: " + ", ".join(s.id for s in guide.sections)]
    if dx.missing:
        lines += ["", "Left out of the profile (adding them sharpens the diagnosis): " + ", ".join(dx.missing)]
    return "\n".join(lines)
