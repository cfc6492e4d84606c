"""The content library: errors name the content file and line; data and docs agree with the code."""

from __future__ import annotations

import shutil
import typing
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLES, ROOT
from generator.commands.build import Toolkit, prepare
from generator.loading.content import load_library
from generator.errors import ContentError
from generator.loading.profile import ApplicantType, Outcome, Profile, RedFlag, Role
from generator.resources import Resources
from generator.templating import content_environment


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    return folder


def load(kit, folder: Path):
    return load_library(folder, content_environment(kit.data.keeps, kit.data.catalog))


def prepare_with(kit, folder: Path):
    """Prepare the first example profile's guide with the content in FOLDER."""
    library = load(kit, folder)
    return prepare(EXAMPLES[0], Toolkit(kit.resources, kit.data, library, kit.md, kit.pages), as_of=AS_OF)


def first_section(folder: Path) -> Path:
    return sorted((folder / "sections").glob("01-*.md"))[0]


def test_bad_front_matter_names_file_and_line(kit, content_copy):
    path = first_section(content_copy)
    text = path.read_text().replace("when: \"true\"", "when: [unclosed", 1)
    path.write_text(text)
    with pytest.raises(ContentError) as caught:
        load(kit, content_copy)
    assert str(caught.value.message).startswith(f"{path}:")
    assert "not valid YAML" in caught.value.message


def test_missing_front_matter_key(kit, content_copy):
    path = first_section(content_copy)
    lines = [line for line in path.read_text().splitlines() if not line.startswith("title:")]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ContentError, match=r"front matter: title: required field is missing"):
        load(kit, content_copy)


def _misspell_condition(text: str) -> tuple[str, str]:
    return text.replace('when: "true"', "when: \"dx.decison == 'pivot'\"", 1), "when:"


def _misspell_body(text: str) -> tuple[str, str]:
    return text.rstrip("\n") + "\n\nSee {{ dx.decison }}.\n", "See {{"


@pytest.mark.parametrize(
    "break_it, message",
    [
        (_misspell_condition, "the condition \"dx.decison == 'pivot'\" failed"),
        (_misspell_body, "template error:"),
    ],
    ids=["condition", "body"],
)
def test_unknown_variable_names_file_and_line(kit, content_copy, break_it, message):
    path = first_section(content_copy)
    text, marker = break_it(path.read_text())
    path.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith(marker))
    with pytest.raises(ContentError) as caught:
        prepare_with(kit, content_copy)
    assert caught.value.message.startswith(f"{path}:{line}: {message}")
    assert "decison" in caught.value.message


def test_broken_template_syntax_names_file_and_line(kit, content_copy):
    path = first_section(content_copy)
    text = path.read_text().rstrip("\n") + "\n\n{% if generic %}never closed\n"
    path.write_text(text)
    line = text.count("\n")
    library = load(kit, content_copy)  # templates compile when first used ...
    with pytest.raises(ContentError) as caught:
        library.compile_all()  # ... or all at once, as the tests and --strict do
    assert caught.value.message.startswith(f"{path}:{line}:"), caught.value.message
    assert "template error" in caught.value.message
    with pytest.raises(ContentError) as caught:  # a build that uses the section reports it too
        prepare_with(kit, content_copy)
    assert caught.value.message.startswith(f"{path}:{line}:")


def test_every_template_and_condition_of_the_content_compiles(kit):
    kit.library.compile_all()


def test_a_slot_needs_a_fallback(kit, content_copy):
    fallback = content_copy / "examples" / "contingency" / "fallback.md"
    fallback.unlink()
    with pytest.raises(ContentError, match="must have when: \"true\""):
        load(kit, content_copy)


def test_content_error_through_the_cli_is_one_line(runner, content_copy, monkeypatch, kit):
    from generator import resources
    from generator.commands.cli import main

    path = first_section(content_copy)
    path.write_text(path.read_text().replace('when: "true"', "when: \"p.nme == 'x'\"", 1))
    default = Resources.default()
    monkeypatch.setattr(resources.Resources, "default", classmethod(lambda cls: cls(content_copy, default.templates, default.profiles)))
    result = runner.invoke(main, ["diagnose", str(EXAMPLES[0])])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}:")
    assert "Traceback" not in result.output


def test_every_section_and_example_renders_for_every_example(kit):
    for path in EXAMPLES:
        guide = prepare(path, kit, as_of=AS_OF)
        assert guide.sections


def test_every_example_slot_is_used_by_some_section(kit):
    used = set()
    for source in kit.library.sections:
        text = source.where.path.read_text()
        used |= {slot for slot in kit.library.examples if f'example("{slot}")' in text}
    assert used == set(kit.library.examples)


def test_statement_framing_covers_pivot_pairs_from_the_data(kit):
    variants = kit.library.examples["statement-framing"]
    pairs = [v for v in variants if "dream.key ==" in v.meta.when]
    assert len(pairs) >= 5
    catalog = kit.data.catalog
    for variant in pairs:
        import re

        dream, target = re.findall(r"key == '([a-z_]+)'", variant.meta.when)
        assert target in {p.specialty for p in catalog[dream].pivots}, variant.name


def test_labels_cover_every_coded_value(kit):
    labels = kit.data.labels
    assert set(labels["outcomes"]) == set(typing.get_args(Outcome))
    assert set(labels["applicant_types"]) == set(typing.get_args(ApplicantType))
    assert set(labels["red_flags"]) == set(typing.get_args(RedFlag))
    assert set(labels["roles"]) == set(typing.get_args(Role))


def test_specialty_data_has_every_nrmp_row(kit):
    catalog = kit.data.catalog
    assert len(catalog.keys()) >= 24
    with_figures = [s for s in catalog if s.step2_ck]
    assert len(with_figures) >= 23
    assert all(s.step2_ck.source and s.step2_ck.year for s in with_figures)
    assert catalog["orthopaedic_surgery"].step2_ck.verified is True
    assert catalog["dermatology"].step2_ck.verified is False
    for key in ("internal_medicine", "family_medicine", "neurology", "pm_r", "general_surgery"):
        assert key in catalog.keys()


def test_profile_docs_describe_every_field():
    docs = (ROOT / "docs" / "profile.md").read_text()

    def fields(model, prefix=""):
        for name, info in model.model_fields.items():
            yield prefix + name
            core = typing.get_args(info.annotation) or (info.annotation,)
            for t in core:
                if isinstance(t, type) and hasattr(t, "model_fields"):
                    yield from fields(t, prefix + name + ".")

    for field in fields(Profile):
        assert f"`{field}`" in docs, f"docs/profile.md does not describe {field}"


def test_a_table_without_columns_is_a_located_error(kit, content_copy):
    path = content_copy / "worksheets" / "boundaries.yaml"
    text = path.read_text()
    start = text.index("    columns:")
    end = text.index("  - {id: adjust")
    path.write_text(text[:start] + text[end:])
    with pytest.raises(ContentError) as caught:
        load(kit, content_copy)
    assert str(path) in caught.value.message
    assert "a table needs `columns` and `rows`" in caught.value.message


def test_a_column_prefill_that_is_not_a_list_names_its_line(kit, content_copy):
    path = content_copy / "worksheets" / "plan_tracker.yaml"
    lines = path.read_text().splitlines()
    n = next(i for i, line in enumerate(lines) if "id: focus" in line)
    lines[n] = '      - {id: focus, label: Focus, prefill: "plan.phases[0].title"}'
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ContentError) as caught:
        prepare_with(kit, content_copy)
    assert f"{path}:{n + 1}:" in caught.value.message
    assert "must give a list" in caught.value.message


def test_field_names_used_twice_are_an_error(kit, content_copy):
    path = content_copy / "worksheets" / "today.yaml"
    path.write_text(path.read_text() + '  - {id: commitment_1, label: "Again", kind: line}\n')
    with pytest.raises(ContentError, match="field names used twice: commitment_1"):
        load(kit, content_copy)


def test_an_unknown_chart_names_the_section(kit, content_copy):
    path = sorted((content_copy / "sections").glob("08-*.md"))[0]
    path.write_text(path.read_text().replace('chart("decision")', 'chart("decisoin")'))
    with pytest.raises(ContentError) as caught:
        prepare_with(kit, content_copy)
    assert str(path) in caught.value.message and "unknown chart 'decisoin'" in caught.value.message


def test_the_part_cache_renders_exactly_what_a_whole_parse_does(kit, monkeypatch):
    """Sections are parsed part by part through a cache; the HTML must be what one whole parse gives."""
    import generator.advice.select
    import generator.templating
    from generator.commands.build import prepare_generic
    from generator.templating import _check_urls

    def everyone():
        return [prepare(path, kit, as_of=AS_OF) for path in EXAMPLES] + [prepare_generic(kit, as_of=AS_OF)]

    cache = generator.templating._caches.setdefault(kit.md, generator.templating._PartCache(kit.md))
    cache.items.clear(), cache.seen.clear()
    first = everyone()  # each text whose parts are all new is parsed whole; its parts are noted
    after_first = len(cache.items)
    assert cache.seen
    cold, warm = everyone(), everyone()  # parsed part by part, then served from the cache
    assert len(cache.items) > after_first

    def whole(md, text, charts=None):
        tokens = md.parse(text)
        _check_urls(tokens)
        headings = [(int(t.tag[1]), str(t.attrs["id"]), tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open" and t.attrs.get("id")]
        return md.renderer.render(tokens, md.options, {"charts": charts or {}}), headings

    monkeypatch.setattr(generator.advice.select, "render_markdown", whole)
    for cached in (first, cold, warm):
        for guide, expected in zip(cached, everyone()):
            assert [(s.id, s.html, s.headings) for s in guide.sections] == [(s.id, s.html, s.headings) for s in expected.sections]


@pytest.mark.parametrize(
    "template, change, message",
    [
        ("site/section.html", ("{{ section.title }}", "{% bogus %}"), "template error: Encountered unknown tag 'bogus'"),
        ("site/section.html", ("{{ section.title }}", "{{ section.titel }}"), "template error: 'generator.models.Section object' has no attribute 'titel'"),
        ("workbook/workbook.html", ("{{ title }}", "{{ titel }}"), "template error: 'titel' is undefined"),
    ],
    ids=["site-syntax", "site-unknown-name", "workbook-unknown-name"],
)
def test_a_broken_layout_template_names_file_and_line(runner, tmp_path, monkeypatch, template, change, message):
    from generator import resources
    from generator.commands.cli import main

    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    path = templates / template
    text = path.read_text()
    assert change[0] in text
    text = text.replace(change[0], change[1], 1)
    path.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if change[1] in l)
    default = Resources.default()
    monkeypatch.setattr(resources.Resources, "default", classmethod(lambda cls: cls(default.content, templates, default.profiles)))
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(EXAMPLES[0]), "-o", str(out)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}:{line}: {message}"), result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def _content_yaml() -> list[tuple[Path, str]]:
    """(file, YAML text) of every data file, worksheet and front matter under content/."""
    import re

    found = []
    for path in sorted((ROOT / "content").rglob("*")):
        if path.suffix == ".yaml":
            found.append((path, path.read_text(encoding="utf-8")))
        elif path.suffix == ".md":
            match = re.match(r"---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", path.read_text(encoding="utf-8"), re.S | re.M)
            found.append((path, "\n" + match.group(1)))
    return found


def test_content_read_by_libyaml_is_what_the_careful_reader_reads():
    """The project's own files take libyaml's fast path; data, positions and typed words must not change."""
    import yaml

    from generator.loading.yamlfile import _parse_fast, parse_yaml

    assert yaml.__with_libyaml__, "PyYAML without libyaml: content loads eight times slower"
    files = _content_yaml()
    assert len(files) > 100
    for path, text in files:
        assert _parse_fast(text, str(path)) is not None, f"{path} fell back to the careful reader"
        fast, careful = parse_yaml(text, str(path), own=True), parse_yaml(text, str(path))
        assert (fast.data, fast.positions, fast.key_positions, fast.written) == (
            careful.data, careful.positions, careful.key_positions, careful.written
        ), path


@pytest.mark.parametrize(
    "text, message",
    [
        ("a: &x [1]\nb: *x\n", "3:4: aliases (*name) are not allowed in a data file"),
        ("a: 1\n  b: 2\n", "3:3: not valid YAML: this line is indented more"),
        ("a: 1\na: 2\n", "3:1: a: duplicate key 'a' on lines 2 and 3"),
        ("a: !!python/name:os.system\n", "2:4: a: the tag !!python/name:os.system is not allowed"),
        ("x: " + "[" * 25 + "]" * 25 + "\n", "lists and mappings nested more than 20 levels deep"),
    ],
)
def test_content_the_fast_reader_refuses_is_explained_by_the_careful_one(text, message):
    from generator.errors import InputError
    from generator.loading.yamlfile import parse_yaml

    with pytest.raises(InputError) as fast:
        parse_yaml("\n" + text, "data.yaml", what="data file", own=True)
    with pytest.raises(InputError) as careful:
        parse_yaml("\n" + text, "data.yaml", what="data file")
    assert fast.value.problems == careful.value.problems
    assert message in str(fast.value.problems[0]), fast.value.problems[0]
