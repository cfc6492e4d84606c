"""The compiled-template cache: a later process compiles nothing, yet the output never changes,
an edit is never served stale, a broken cache never fails a build, and no student's text is kept."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import jinja2
import pytest

from conftest import AS_OF

from generator.commands.build import Toolkit, _render, prepare, prepare_generic
from generator.errors import ContentError
from generator.resources import Resources


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The name or file of every template Jinja compiles from here on ('?' for a condition)."""
    seen: list[str] = []
    original = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        seen.append(name or filename or "?")
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return seen


def generic_site(resources: Resources | None = None) -> dict[str, bytes]:
    """The public edition's website as a fresh process builds it: a new toolkit, nothing compiled yet."""
    kit = Toolkit.load(resources)
    return _render(prepare_generic(kit, as_of=AS_OF), kit, pdf=False, paper="letter", strict=False, site_url=None)


def test_a_second_process_compiles_nothing_and_builds_the_same_site(tmp_path, monkeypatch, compiles):
    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    first = generic_site()
    compiled_first = len(compiles)
    assert compiled_first > 30  # the sections, conditions and layout templates the public edition uses
    assert len(list((tmp_path / "cache").glob("*.cache"))) == compiled_first

    compiles.clear()
    second = generic_site()
    assert compiles == []
    assert second == first

    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", "")  # off: compiled afresh, and the same pages
    assert generic_site() == first
    assert len(compiles) == compiled_first


def test_an_edited_template_is_compiled_again(tmp_path, monkeypatch, compiles):
    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    resources = copy_of_resources(tmp_path)
    before = generic_site(resources)
    section = sorted((resources.content / "sections").glob("*.md"))[2]
    text = section.read_text(encoding="utf-8")
    section.write_text(text.rstrip("\n") + "\n\nA sentence added after the first build, {{ 6 * 7 }} words long.\n", encoding="utf-8")
    layout = resources.templates / "site" / "base.html"
    layout.write_text(layout.read_text(encoding="utf-8").replace("</footer>", "<p>footer edited</p></footer>", 1), encoding="utf-8")

    compiles.clear()
    after = generic_site(resources)
    assert sorted(compiles) == sorted([str(section), "site/base.html"])  # the edited section and the layout, nothing else
    changed = [name for name in after if after[name] != before.get(name)]
    assert changed
    for name in changed:
        if name.endswith(".html") and name != "search.js":
            assert b"footer edited" in after[name]
    assert any(b"A sentence added after the first build, 42 words long." in after[name] for name in changed)


def test_a_damaged_cache_is_passed_over(tmp_path, monkeypatch, compiles):
    cache = tmp_path / "cache"
    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(cache))
    first = generic_site()
    for n, entry in enumerate(sorted(cache.iterdir())):  # compiled templates and parsed YAML alike
        data = entry.read_bytes()
        entry.write_bytes([b"", data[:7], data[: len(data) // 2], b"not a cache entry at all"][n % 4])
    compiles.clear()
    assert generic_site() == first
    assert len(compiles) == len(list(cache.glob("*.cache")))  # every entry compiled again, and written whole
    compiles.clear()
    assert generic_site() == first
    assert compiles == []


def test_a_cache_that_cannot_be_written_never_fails_a_build(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("x")
    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(not_a_folder / "cache"))
    reference = generic_site()

    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(tmp_path / "cache"))

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", disk_full)  # how Jinja writes an entry
    monkeypatch.setattr(tempfile, "mkstemp", disk_full)  # how the parsed YAML is written
    assert generic_site() == reference
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_cache_holds_no_student_text(tmp_path, monkeypatch, write_profile):
    cache = tmp_path / "cache"
    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(cache))
    marker = "Zebulon Quartermaine-Oyelaran"
    kit = Toolkit.load()
    path = write_profile({"name": marker, "advisor_note": f"{marker} wrote this note"})
    files = _render(prepare(path, kit, as_of=AS_OF), kit, pdf=False, paper="letter", strict=False, site_url=None)
    assert any(marker.encode() in content for content in files.values())  # the guide has it...
    entries = list(cache.iterdir())
    assert entries
    for entry in entries:  # ...the cache does not
        assert marker.encode() not in entry.read_bytes()
        assert b"Quartermaine" not in entry.read_bytes()


def test_a_broken_template_is_reported_even_with_a_warm_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    resources = copy_of_resources(tmp_path)
    generic_site(resources)
    section = sorted((resources.content / "sections").glob("*.md"))[1]
    section.write_text(section.read_text(encoding="utf-8") + "\n{% if %}\n", encoding="utf-8")
    kit = Toolkit.load(resources)
    with pytest.raises(ContentError) as caught:
        kit.library.compile_all()
    assert str(section) in str(caught.value) and "template error" in str(caught.value)


def copy_of_resources(tmp_path: Path) -> Resources:
    """content/ and templates/ copied under TMP_PATH, to edit."""
    default = Resources.default()
    shutil.copytree(default.content, tmp_path / "content")
    shutil.copytree(default.templates, tmp_path / "templates")
    return Resources(**{**vars(default), "content": tmp_path / "content", "templates": tmp_path / "templates"})


def test_content_yaml_is_parsed_once_and_again_after_an_edit(tmp_path, monkeypatch):
    import generator.loading.yamlfile

    cache = tmp_path / "cache"
    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(cache))
    resources = copy_of_resources(tmp_path)
    parsed: list[str] = []
    original = generator.loading.yamlfile._parse_fast

    def counting(text, display):
        parsed.append(display)
        return original(text, display)

    monkeypatch.setattr(generator.loading.yamlfile, "_parse_fast", counting)
    first = Toolkit.load(resources)
    files = len(list(resources.content.rglob("*.md"))) + len(list(resources.content.rglob("*.yaml")))
    assert 100 < len(parsed) <= files  # front matter written alike in two files is parsed once
    assert len(list(cache.glob("guidebook-yaml-*.pickle"))) == 1

    parsed.clear()
    second = Toolkit.load(resources)
    assert parsed == []
    assert second.data.catalog.keys() == first.data.catalog.keys()
    assert [s.meta for s in second.library.sections] == [s.meta for s in first.library.sections]
    assert [(s.when.where, s.body.where) for s in second.library.sections] == [(s.when.where, s.body.where) for s in first.library.sections]

    specialties = resources.data / "specialties.yaml"
    specialties.write_text(specialties.read_text(encoding="utf-8").replace("name: Dermatology", "name: Dermatology (edited)", 1), encoding="utf-8")
    parsed.clear()
    third = Toolkit.load(resources)
    assert parsed == [str(specialties)]
    assert any(s.name == "Dermatology (edited)" for s in third.data.catalog)


def test_a_mistake_in_content_is_located_the_same_with_a_warm_cache(tmp_path, monkeypatch):
    """A cached file is not parsed again, but a changed one is, and its problem named as before."""
    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    resources = copy_of_resources(tmp_path)
    Toolkit.load(resources)
    worksheet = sorted((resources.content / "worksheets").glob("*.yaml"))[0]
    text = worksheet.read_text(encoding="utf-8")
    worksheet.write_text("title: [an unclosed list\n" + text.split("\n", 1)[1], encoding="utf-8")
    errors = []
    for cache in (str(tmp_path / "cache"), ""):
        monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", cache)
        with pytest.raises(ContentError) as caught:
            Toolkit.load(resources)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert errors[0].startswith(f"{worksheet}:1:") and "not valid YAML" in errors[0], errors[0]


def test_a_cache_folder_others_could_write_to_is_not_used(tmp_path, monkeypatch, compiles):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("GUIDEBOOK_CACHE_DIR", str(shared))
    reference = generic_site()
    compiles.clear()
    assert generic_site() == reference
    assert compiles  # compiled again: nothing was kept...
    assert list(shared.iterdir()) == []  # ...or written there
