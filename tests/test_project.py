"""The project file (guidebook.yml): located errors, colour contrast, the logo, `extends:` and `guidebook config`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from generator.commands.cli import main
from generator.errors import InputError
from generator.loading.project import BACKGROUNDS, Brand, contrast, derive_dark, load_project
from tests.conftest import ROOT

SVG = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>\n'
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path | None, cwd: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_project(path, cwd)
    return [str(p) for p in caught.value.problems]


def wcag_ratio(first: str, second: str) -> float:
    """A second implementation, written from the WCAG 2.x text (its 0.03928 threshold, which differs
    from the sRGB standard's 0.04045 only between two 8-bit values, so gives the same results)."""

    def lum(colour: str) -> float:
        values = []
        for i in (1, 3, 5):
            s = int(colour[i : i + 2], 16) / 255.0
            values.append(s / 12.92 if s <= 0.03928 else math.pow((s + 0.055) / 1.055, 2.4))
        return 0.2126 * values[0] + 0.7152 * values[1] + 0.0722 * values[2]

    a, b = lum(first), lum(second)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


# -- the four mistakes ------------------------------------------------------------------------------

FOUR_MISTAKES = """\
brand:
  name: Lakeside School of Medicine
  colour_dark: "#7cb7e8"
  color: "#f5c518"
  logo: ../shared/logo.svg
  contact:
    phone: 5551234
"""


def test_four_mistakes_give_four_located_errors_and_exit_2(runner, tmp_path, monkeypatch):
    write(tmp_path / "shared" / "logo.svg", SVG)
    write(tmp_path / "campus" / "guidebook.yml", FOUR_MISTAKES)
    monkeypatch.chdir(tmp_path / "campus")
    result = runner.invoke(main, ["config"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines == [
        "guidebook.yml:3:3: brand.colour_dark: unknown field 'colour_dark' (expected one of: name, logo, color, "
        "color_dark, contact); did you mean 'color_dark'?",
        "guidebook.yml:4:10: brand.color: '#f5c518' has a contrast of 1.56:1 against the light page (#fbfaf7) "
        "(expected at least 4.5:1, so that text in this colour can be read: a darker colour, such as #8c700e, "
        "the same colour made darker just enough)",
        "guidebook.yml:5:9: brand.logo: '../shared/logo.svg' leads outside the folder of the project file "
        "(through '..') (expected the path of an SVG or PNG file inside the folder of the project file that "
        "names it, such as images/logo.svg)",
        "guidebook.yml:7:12: brand.contact.phone: 5551234 is not text (expected text of at most 40 characters, "
        'in quotes when it looks like a number); did you mean "5551234"?',
        "4 problems in guidebook.yml; nothing was written",
    ]
    assert round(wcag_ratio("#f5c518", "#fbfaf7"), 2) == 1.56
    assert wcag_ratio("#8c700e", "#fbfaf7") >= 4.5


def test_config_names_the_file_it_was_given(runner, tmp_path):
    path = write(tmp_path / "office.yml", 'brand:\n  contact:\n    email: advising.school.edu\n    url: www.school.edu\n')
    result = runner.invoke(main, ["config", "--config", str(path)])
    assert result.exit_code == 2
    assert result.output.splitlines()[:2] == [
        f"{path}:3:12: brand.contact.email: 'advising.school.edu' does not look like an email address "
        "(expected an address such as advising@school.edu)",
        f"{path}:4:10: brand.contact.url: 'www.school.edu' is not an http or https address (expected a web address "
        "starting with https:// or http://, such as https://www.school.edu/advising); did you mean 'https://www.school.edu'?",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('brand:\n  color: red\n', "2:10: brand.color: 'red' is not a colour written as #rrggbb (expected '#' and six hexadecimal digits"),
        ('brand:\n  color: "#1d5"\n', "did you mean '#11dd55'?"),
        ('brand:\n  color_dark: "#1d5c8c"\n', "brand.color_dark: '#1d5c8c' has a contrast of 2.51:1 against the dark page (#15181c)"),
        ('brand:\n  contact:\n    url: "javascript:alert(1)"\n', "is not an http or https address"),
        ('brand:\n  name: "a\\tb"\n', "holds a control character (U+0009) at character 2"),
        ('brand: Lakeside\n', "brand: 'Lakeside' is not a mapping"),
        ('- brand\n', "the file holds a list or a single value, not a project file"),
        ('brand:\n  logo: /etc/logo.svg\n', "'/etc/logo.svg' is an absolute path"),
        ('brand:\n  logo: https://example.org/logo.svg\n', "is a web address, and a logo is never fetched"),
        ('brand:\n  logo: logo.jpg\n', "'logo.jpg' is not an .svg or .png file"),
        ('brand:\n  logo: missing.svg\n', "'missing.svg' does not exist"),
    ],
)
def test_one_mistake(tmp_path, text, expected):
    write(tmp_path / "guidebook.yml", text)
    found = problems(None, tmp_path)
    assert len(found) == 1
    assert expected in found[0]
    assert found[0].startswith("guidebook.yml:")


# -- contrast ---------------------------------------------------------------------------------------


def test_contrast_agrees_with_published_values():
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the usual lightest grey on white that passes AA
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0
    assert contrast("#fbfaf7", "#fbfaf7") == 1.0


@pytest.mark.parametrize(
    "colour, ratio, passes",
    [
        ("#747474", 4.4779, False),  # just below
        ("#436ce1", 4.499995, False),  # a hair below: shown as 4.49, never rounded up to 4.50
        ("#5f7e00", 4.500005, True),  # at 4.5 to five decimals
        ("#737373", 4.5428, True),  # just above
    ],
)
def test_the_light_colour_threshold(tmp_path, colour, ratio, passes):
    assert wcag_ratio(colour, BACKGROUNDS["light"]) == pytest.approx(ratio, abs=1e-4 if ratio < 4.49 or ratio > 4.51 else 1e-6)
    assert contrast(colour, BACKGROUNDS["light"]) == pytest.approx(wcag_ratio(colour, BACKGROUNDS["light"]), abs=1e-9)
    write(tmp_path / "guidebook.yml", f'brand:\n  color: "{colour}"\n')
    if passes:
        assert load_project(None, tmp_path).project.brand.color == colour
    else:
        shown = f"{int(ratio * 100) / 100:.2f}:1"
        assert f"has a contrast of {shown} against the light page (#fbfaf7)" in problems(None, tmp_path)[0]


@pytest.mark.parametrize("colour", ["#1d5c8c", "#000000", "#0000ff", "#9b2c2c", "#f5c518", "#276749", "#5f7e00"])
def test_the_derived_dark_colour_is_readable_on_the_dark_page(colour):
    dark = derive_dark(colour)
    assert wcag_ratio(dark, BACKGROUNDS["dark"]) >= 4.5
    assert derive_dark(colour) == dark  # deterministic
    if wcag_ratio(colour, BACKGROUNDS["light"]) >= 4.5:  # else Brand refuses the colour itself
        assert Brand(color=colour).dark_color == dark
        assert Brand(color=colour, color_dark="#ffffff").dark_color == "#ffffff"
    if wcag_ratio(colour, BACKGROUNDS["dark"]) >= 4.5:
        assert dark == colour  # already readable: kept as it is


def test_the_derived_dark_colour_is_lightened_just_enough():
    def towards_white(colour: str, percent: int) -> str:
        return "#" + "".join(f"{round(c + (255 - c) * percent / 100):02x}" for c in bytes.fromhex(colour[1:]))

    assert derive_dark("#1d5c8c") == towards_white("#1d5c8c", 25) == "#5685a9"
    assert wcag_ratio("#5685a9", BACKGROUNDS["dark"]) >= 4.5
    assert wcag_ratio(towards_white("#1d5c8c", 24), BACKGROUNDS["dark"]) < 4.5


# -- the logo ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "svg, danger",
    [
        ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a script"),
        ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', "an event handler"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/a.png"/></svg>', "a reference"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><use xlink:href="//evil.example/x.svg#a"/></svg>', "a reference"),
        ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<svg>&x;</svg>', "an entity"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><style>rect { fill: url(https://a.example/f) }</style></svg>', "a reference to a web address in url(...)"),
    ],
)
def test_a_hostile_svg_is_refused(tmp_path, svg, danger):
    write(tmp_path / "logo.svg", svg)
    write(tmp_path / "guidebook.yml", "brand:\n  logo: logo.svg\n")
    (found,) = problems(None, tmp_path)
    assert found.startswith("guidebook.yml:2:9: brand.logo: 'logo.svg' holds " + danger)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("logo.png", b"GIF89a", "does not hold a PNG image"),
        ("logo.svg", b"\x89PNG\r\n\x1a\n", "does not hold an SVG image"),
        ("logo.svg", b"<html><body>hi</body></html>", "does not hold an SVG image"),
    ],
)
def test_a_logo_must_be_what_its_name_says(tmp_path, name, content, message):
    write(tmp_path / name, content)
    write(tmp_path / "guidebook.yml", f"brand:\n  logo: {name}\n")
    assert message in problems(None, tmp_path)[0]


def test_a_plain_svg_and_a_png_are_accepted(tmp_path):
    write(tmp_path / "images" / "logo.svg", SVG)
    write(tmp_path / "logo.png", PNG)
    write(tmp_path / "guidebook.yml", "brand:\n  logo: images/logo.svg\n")
    assert load_project(None, tmp_path).logo == (tmp_path / "images" / "logo.svg").resolve()
    write(tmp_path / "guidebook.yml", "brand:\n  logo: logo.png\n")
    assert load_project(None, tmp_path).logo == (tmp_path / "logo.png").resolve()


def test_a_symlinked_logo_outside_the_folder_is_refused(tmp_path):
    outside = write(tmp_path / "elsewhere" / "logo.svg", SVG)
    project = tmp_path / "project"
    project.mkdir()
    (project / "logo.svg").symlink_to(outside)
    (project / "images").symlink_to(outside.parent, target_is_directory=True)
    write(project / "guidebook.yml", "brand:\n  logo: logo.svg\n")
    (found,) = problems(None, project)
    assert found.startswith(f"guidebook.yml:2:9: brand.logo: 'logo.svg' leads through a symbolic link to {outside.resolve()}, outside")
    write(project / "guidebook.yml", "brand:\n  logo: images/logo.svg\n")
    assert "leads through a symbolic link" in problems(None, project)[0]


# -- extends ----------------------------------------------------------------------------------------

BASE = """\
brand:
  name: Lakeside Health System
  color: "#1d5c8c"
  logo: logo.svg
  contact:
    email: advising@lakeside.edu
    hours: Monday to Friday
"""

CAMPUS = """\
extends: ../shared/base.yml
brand:
  name: Lakeside North
  contact:
    hours: "Monday to Thursday, 8 to 4"
"""


@pytest.fixture
def chain(tmp_path) -> Path:
    write(tmp_path / "shared" / "base.yml", BASE)
    write(tmp_path / "shared" / "logo.svg", SVG)
    write(tmp_path / "north" / "guidebook.yml", CAMPUS)
    return tmp_path / "north"


def test_extends_merges_mappings_and_replaces_values(chain):
    loaded = load_project(None, chain)
    brand = loaded.project.brand
    assert brand.name == "Lakeside North"  # a value replaces
    assert brand.color == "#1d5c8c"  # from the base
    assert brand.contact.email == "advising@lakeside.edu"  # mappings merge key by key
    assert brand.contact.hours == "Monday to Thursday, 8 to 4"
    assert loaded.displays == ["guidebook.yml", "../shared/base.yml"]
    assert loaded.files == [chain / "guidebook.yml", chain / "../shared/base.yml"]
    # The base's logo is resolved against the base's folder, not the campus's.
    assert loaded.logo == (chain.parent / "shared" / "logo.svg").resolve()


def test_lists_replace_too(tmp_path):
    # No field of the model holds a list yet, so the merge itself is shown on plain data.
    from generator.loading.project import _overlay, _Source
    from generator.loading.yamlfile import Document

    merged: dict = {}
    origins: dict = {}
    base = _Source(Document("base.yml", None), tmp_path / "base.yml")
    top = _Source(Document("top.yml", None), tmp_path / "top.yml")
    _overlay(merged, {"a": {"list": [1, 2, 3], "keep": 1, "map": {"x": 1}}, "b": {"y": 1}}, base, (), origins)
    _overlay(merged, {"a": {"list": [9], "map": {"z": 2}}, "b": 5}, top, (), origins)
    assert merged == {"a": {"list": [9], "keep": 1, "map": {"x": 1, "z": 2}}, "b": 5}
    assert origins[("a", "list")] is top and ("a", "list", 1) not in origins
    assert origins[("a", "keep")] is base and origins[("a", "map", "x")] is base
    assert ("b", "y") not in origins and origins[("b",)] is top


def test_config_shows_where_each_setting_came_from(runner, chain, monkeypatch):
    monkeypatch.chdir(chain)
    result = runner.invoke(main, ["config"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Project file: guidebook.yml, extending ../shared/base.yml",
        "extends: ../shared/base.yml  (guidebook.yml:1)",
        "brand.name: Lakeside North  (guidebook.yml:3)",
        "brand.color: #1d5c8c  (../shared/base.yml:3)",
        "brand.color_dark: #5685a9  (derived from brand.color, ../shared/base.yml:3)",
        "brand.logo: logo.svg  (../shared/base.yml:4)",
        "brand.contact.email: advising@lakeside.edu  (../shared/base.yml:6)",
        "brand.contact.hours: Monday to Thursday, 8 to 4  (guidebook.yml:5)",
    ]


def test_a_problem_is_located_in_the_file_that_wrote_it(chain):
    write(chain.parent / "shared" / "base.yml", BASE.replace("name: Lakeside Health System", "nmae: Lakeside"))
    write(chain / "guidebook.yml", CAMPUS + '  color_dark: "#000000"\n')
    found = problems(None, chain)
    assert [f.split(": ", 2)[:2] for f in found] == [
        ["guidebook.yml:6:15", "brand.color_dark"],
        ["../shared/base.yml:2:3", "brand.nmae"],
    ]
    assert "did you mean 'name'?" in found[1]


def test_a_value_a_later_file_replaces_is_not_checked(chain):
    write(chain.parent / "shared" / "base.yml", BASE.replace('"#1d5c8c"', '"#f5c518"'))
    write(chain / "guidebook.yml", CAMPUS + '  color: "#1d5c8c"\n')
    assert load_project(None, chain).project.brand.color == "#1d5c8c"


def test_a_cycle_is_a_located_error_naming_the_chain(tmp_path):
    write(tmp_path / "a.yml", "brand:\n  name: A\nextends: b.yml\n")
    write(tmp_path / "b.yml", "extends: a.yml\n")
    assert problems(Path("a.yml"), tmp_path) == [
        "b.yml:1:10: extends: 'a.yml' makes a cycle: a.yml -> b.yml -> a.yml "
        "(expected a chain of files that ends in one without extends)"
    ]
    write(tmp_path / "self.yml", "extends: ./self.yml\n")
    assert "makes a cycle: self.yml -> self.yml" in problems(Path("self.yml"), tmp_path)[0]


def test_a_missing_base_is_a_located_error(tmp_path):
    write(tmp_path / "guidebook.yml", "brand:\n  name: A\nextends: ../base.yml\n")
    (found,) = problems(None, tmp_path)
    assert found.startswith("guidebook.yml:3:10: extends: '../base.yml' does not exist (no file ")


def test_every_file_of_the_chain_is_reported_at_once(chain):
    write(chain.parent / "shared" / "base.yml", "brand:\n  name: [1\n")
    write(chain / "guidebook.yml", CAMPUS + "  colr: 1\n")
    found = problems(None, chain)
    assert [f.split(":")[0] for f in found] == ["guidebook.yml", "../shared/base.yml"]


# -- no project file, comments only, the schema ----------------------------------------------------


def test_without_a_project_file(runner, tmp_path, monkeypatch):
    assert load_project(None, tmp_path) is None
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["config"])
    assert result.exit_code == 0
    assert result.output.startswith(f"No project file: there is no guidebook.yml in {tmp_path}")


def test_a_file_of_comments_only_has_no_settings(runner, tmp_path, monkeypatch):
    write(tmp_path / "guidebook.yml", "# brand:\n#   name: Lakeside\n\n")
    loaded = load_project(None, tmp_path)
    assert loaded.project.brand is None and loaded.settings() == []
    monkeypatch.chdir(tmp_path)
    assert "No settings" in runner.invoke(main, ["config"]).output


def test_schema_of_the_project_file(runner):
    result = runner.invoke(main, ["schema", "--project"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert set(schema["properties"]) == {"extends", "brand"}
    assert schema["additionalProperties"] is False
    assert set(schema["$defs"]["Brand"]["properties"]) == {"name", "logo", "color", "color_dark", "contact"}
    profile = json.loads(runner.invoke(main, ["schema"]).output)
    assert "brand" not in profile["properties"] and "dream_specialty" in profile["properties"]


@pytest.mark.parametrize(
    "command",
    [
        ["build", "--no-pdf", "-o", "out"],
        ["generic", "--no-pdf", "-o", "out/public"],
        ["batch", "PROFILE", "-o", "out"],
        ["diagnose", "PROFILE"],
        ["validate", "PROFILE"],
        ["new", "out/new.yaml"],
        ["cohort", "FOLDER", "-o", "out"],
    ],
    ids=lambda c: c[0],
)
def test_every_command_refuses_a_bad_project_file_before_writing(runner, tmp_path, monkeypatch, command):
    write(tmp_path / "shared" / "logo.svg", SVG)
    write(tmp_path / "campus" / "guidebook.yml", FOUR_MISTAKES)
    (tmp_path / "campus" / "cohort").mkdir()
    monkeypatch.chdir(tmp_path / "campus")
    profile = str(ROOT / "profiles" / "jordan-rivera.yaml")
    args = [{"PROFILE": profile, "FOLDER": "cohort"}.get(a, a) for a in command]
    result = runner.invoke(main, args, input="")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "guidebook.yml:4:10: brand.color: '#f5c518' has a contrast of 1.56:1" in result.output
    assert "4 problems in guidebook.yml; nothing was written" in result.output
    assert not (tmp_path / "campus" / "out").exists()
