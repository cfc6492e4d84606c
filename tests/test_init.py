"""`guidebook init`: a new office project that builds as it is, keeps student data out of git, and
publishes only the public edition."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import __version__
from generator.commands.cli import main
from generator.commands.scaffold import EXAMPLE
from generator.loading.project import load_project

FILES = [
    ".github/workflows/pages.yml",
    ".gitignore",
    "guidebook.yml",
    "overrides/content/sections/18-our-office.md",
    EXAMPLE,
]


@pytest.fixture
def project(runner, tmp_path) -> Path:
    folder = tmp_path / "myoffice"
    result = runner.invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and ".git" not in p.relative_to(folder).parts[:1])


def test_init_writes_the_project(project):
    assert files_in(project) == sorted(FILES)
    assert (project / "profiles" / "private").is_dir()
    from generator.resources import Resources

    assert (project / EXAMPLE).read_bytes() == Resources.default().example_profile.read_bytes()


def test_the_project_builds_with_its_brand_and_its_own_section(runner, project, monkeypatch):
    monkeypatch.chdir(project)
    config = runner.invoke(main, ["config"])
    assert config.exit_code == 0, config.output
    assert "brand.name: Our Advising Office  (guidebook.yml:" in config.output

    result = runner.invoke(main, ["build", EXAMPLE, "--no-pdf"])
    assert result.exit_code == 0, result.output
    guide = project / "output" / "example"
    section = (guide / "our-office.html").read_text(encoding="utf-8")
    assert "Your advising office" in section and "[blank to fill: the advisor or dean" in section
    assert "An example of the office" not in section  # the authors' comment is not shown
    assert "our-office.html" in (guide / "index.html").read_text(encoding="utf-8")
    assert "Our Advising Office" in (guide / "index.html").read_text(encoding="utf-8")

    # What the workflow runs: the public edition, strict, with the project file.
    result = runner.invoke(main, ["generic", "-o", "_site", "--no-pdf", "--strict", "--config", "guidebook.yml"])
    assert result.exit_code == 0, result.output
    assert (project / "_site" / "our-office.html").is_file()


def test_the_project_file_loads_with_only_the_name_set(project):
    loaded = load_project(project / "guidebook.yml", project)
    assert loaded is not None
    assert loaded.project.brand.name == "Our Advising Office"
    assert loaded.project.brand.logo is None and loaded.project.brand.color is None and loaded.project.brand.contact is None
    assert loaded.project.extends is None


def test_the_gitignore_keeps_profiles_and_output_out(project):
    ignore = (project / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/profiles/" in ignore and "/output/" in ignore
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    subprocess.run([git, "init", "-q", str(project)], check=True)
    paths = [EXAMPLE, "profiles/private/someone.yaml", "output/someone/index.html", "_site/index.html"]
    result = subprocess.run([git, "-C", str(project), "check-ignore", *paths], capture_output=True, text=True)
    assert result.stdout.split() == paths
    kept = subprocess.run([git, "-C", str(project), "check-ignore", "guidebook.yml", ".github/workflows/pages.yml",
                           "overrides/content/sections/18-our-office.md"], capture_output=True, text=True)
    assert kept.returncode == 1 and kept.stdout == ""  # none of them is ignored


def test_a_folder_that_is_not_empty_is_refused(runner, tmp_path):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    result = runner.invoke(main, ["init", str(folder)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {folder} is not empty (it holds notes.txt); `guidebook init` writes only into a new or empty folder, "
        "and wrote nothing (--force adds the missing files, replacing none)"
    ]
    assert "Traceback" not in result.output
    assert files_in(folder) == ["notes.txt"]

    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    result = runner.invoke(main, ["init", str(a_file)])
    assert result.exit_code == 2 and "is a file, not a folder" in result.output


def test_force_adds_what_is_missing_and_replaces_nothing(runner, tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "guidebook.yml").write_text("brand:\n  name: Kept\n")
    (folder / "notes.txt").write_text("mine")
    result = runner.invoke(main, ["init", str(folder), "--force"])
    assert result.exit_code == 0, result.output
    assert "Kept as they were: guidebook.yml" in result.output
    assert (folder / "guidebook.yml").read_text() == "brand:\n  name: Kept\n"
    assert files_in(folder) == sorted([*FILES, "notes.txt"])


def test_the_workflow_publishes_the_public_edition_at_a_pinned_version(project):
    text = (project / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    assert "profile" not in text.lower() and "batch" not in text
    flow = yaml.safe_load(text)
    assert flow["env"]["GUIDEBOOK_VERSION"] == __version__
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    steps = [step for job in flow["jobs"].values() for step in job["steps"]]
    uses = [step["uses"] for step in steps if "uses" in step]
    for action in ("actions/checkout@v4", "actions/setup-python@v5", "actions/configure-pages@v5",
                   "actions/upload-pages-artifact@v3", "actions/deploy-pages@v4"):
        assert action in uses
    runs = "\n".join(step.get("run", "") for step in steps)
    assert 'match-pivot-guidebook @ git+${GUIDEBOOK_REPOSITORY}@v${GUIDEBOOK_VERSION}' in runs
    assert 'test "$(guidebook --version)" = "guidebook, version ${GUIDEBOOK_VERSION}"' in runs
    commands = [line.strip() for line in runs.splitlines() if line.strip().startswith("guidebook ")]
    assert [c.split()[1] for c in commands] == ["config", "generic"]
    assert "--config guidebook.yml" in commands[1] and "--site-url" in commands[1]

    beside = Path(sys.executable).parent / "actionlint"
    actionlint = str(beside) if beside.is_file() else shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed")
    result = subprocess.run([actionlint, str(project / ".github" / "workflows" / "pages.yml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_version_the_cli_prints_is_the_one_the_workflow_checks(runner):
    assert runner.invoke(main, ["--version"]).output.strip() == f"guidebook, version {__version__}"
