"""Property-based tests of `guidebook build` (hypothesis).

1. Whatever a profile file holds, the build either writes a complete guide (exit status 0) or
   prints located problems and writes nothing (exit status 2); never a traceback, never another
   status, never a half-written folder.
2. Every valid profile, across the whole space the profile format allows, builds completely:
   the home page, one page per section the guide chose, and (in a smaller run) the workbook.

The documents are generated to be *nearly* valid: a valid profile (the unremarkable test profile,
a bundled example, or a generated one) with a few mutations drawn from the real vocabularies and
from every YAML type, sometimes serialised and then edited as raw text or bytes. Otherwise nearly
everything would fail on its first field and the test would prove little.

The runs are reproducible: a fixed seed (`derandomize`) and no example database. The budget is
1,000 documents for the first property, 500 valid profiles for the second, and 5 of those built
with their workbook too.
Builds run in process through the real command (`generator.commands.cli.main` with click's runner), with
one toolkit loaded for the module instead of one per build; everything after `Toolkit.load()` is
the path a user's command takes.
"""

from __future__ import annotations

import datetime as dt

import copy
import re
import tempfile
import typing
from collections import Counter
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from conftest import BASE, EXAMPLES
from generator.commands.build import Toolkit, prepare
from generator.commands.cli import main
from generator.loading.data import load_reference_data
from generator.models import Guide
from generator.loading.profile import (
    OUTCOMES_WITH_POSITION,
    ApplicantType,
    Application,
    Geography,
    Lifestyle,
    Outcome,
    Preferences,
    Profile,
    ProgramList,
    RedFlag,
    Risk,
    Role,
    Scores,
    Situation,
    Statement,
    Exam,
    International,
    Visa,
)
from generator.resources import Resources
from generator.loading.validate import load_profile

# -- settings ---------------------------------------------------------------------------------------

settings.register_profile(
    "guidebook-ci",
    max_examples=500,
    derandomize=True,  # a fixed seed: every run, locally and in CI, tries the same examples
    database=None,  # and remembers nothing between runs
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
CI = settings.get_profile("guidebook-ci")
"""Applied to each test below rather than loaded globally, so other modules keep their own settings."""

DOCUMENTS = 1000
"""Test 1's budget: twice the minimum, as its documents are cheap (about 15 ms each, in process)."""

BUILT_SHARE = 0.20
"""Test 1 must build at least this share of its documents, and reject at least this share."""

# -- vocabularies -----------------------------------------------------------------------------------

DATA = load_reference_data(Resources.default().data)
CATALOG = DATA.catalog
KEYS = CATALOG.keys()
SPELLINGS = {
    s.key: sorted({n for n in (s.key, s.name, *s.aliases) if CATALOG.resolve(n) == s.key}) for s in CATALOG
}
"""Every way to name each specialty: key, display name and aliases (those that resolve to it)."""
KEEPS = sorted(DATA.keeps)
CHOICES = {
    "applicant_type": typing.get_args(ApplicantType),
    "outcome": typing.get_args(Outcome),
    "program_list": typing.get_args(ProgramList),
    "personal_statement": typing.get_args(Statement),
    "red_flags": typing.get_args(RedFlag),
    "current_role": typing.get_args(Role),
    "lifestyle": typing.get_args(Lifestyle),
    "risk_tolerance": typing.get_args(Risk),
    "geography": typing.get_args(Geography),
    "exam": typing.get_args(Exam),
    "visa": typing.get_args(Visa),
}
PARTS = {"scores": Scores, "application": Application, "situation": Situation, "img": International, "preferences": Preferences}

AS_OF_FAR = dt.date(2101, 4, 1)
"""The builds here are for a date after every Match year the format allows, so that any valid
`match_year` has reached its Match Week; the calendar's pattern carries the dates that far."""
FIELD_PATHS: list[tuple[str, ...]] = [(f,) for f in Profile.model_fields] + [
    (part, f) for part, model in PARTS.items() for f in model.model_fields
]
VOCABULARY = sorted(
    {w for names in SPELLINGS.values() for w in names} | set(KEEPS) | {c for cs in CHOICES.values() for c in cs}
)

HOSTILE = [
    "<script>alert(1)</script>",
    "</h1><img src=x onerror=alert(1)>",
    "<b>bold</b>",
    "&amp;",
    "&lt;",
    "{{ 7 + 7 }}",
    "{% if true %}x{% endif %}",
    "{# note #}",
    "{{ p.__class__ }}",
    "[link](javascript:alert(1))",
    "![passwd](file:///etc/passwd)",
    "<a href='javascript:alert(1)'>x</a>",
    "**bold** _it_ `code`",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "O'Brien",
    '"quoted"',
    "back\\slash",
    "Zoë Ñúñez-Peña",
    "Nguyễn Thị Minh",
    "李小龍",
    "محمد علي",
    "🩺🏥",
    "\u202eevil",
    "zero\u200bwidth",
    "\ufeff",
    "\u2028",
    "%s %d",
    "${HOME}",
    "../../etc/passwd",
    "null",
    "yes",
    "~",
    ": ",
    "- ",
    "# ",
    "*alias",
    "&anchor",
    "!!python/object:os.system",
]
NAMES = ["Jordan Rivera", "Ana María López", "A", "X Æ A-12", "Dr. Sam O'Okafor Jr.", "Mary-Jane Watson-Parker"]
CONTROL = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
"""Characters a one-line text (a name) may not hold: C0 and C1 control characters and DEL."""
LINE_BREAKS = ["\n", "\n\n", "\r\n", "\t", "\n\n\n"]


def free_text(max_size: int, one_line: bool) -> st.SearchStrategy[str]:
    """Text of the kinds people (and attackers) type: names, unicode, markup, template syntax."""
    # Braces come only from the template-like snippets, so that a `{{` on a page can be traced.
    chars = st.characters(exclude_categories=("Cs",), exclude_characters="{}" + (CONTROL if one_line else ""))
    hostile = [h for h in HOSTILE if not one_line or not any(c in CONTROL for c in h)]
    pieces = [st.text(chars, max_size=30), st.sampled_from(hostile), st.sampled_from(NAMES)]
    if not one_line:
        pieces.append(st.sampled_from(LINE_BREAKS))
    text = st.lists(st.one_of(pieces), max_size=8).map("".join).map(lambda s: s[:max_size])
    return text.map(lambda s: s if s.strip() else "A") if one_line else text  # a name needs more than spaces


# -- valid profiles ---------------------------------------------------------------------------------

OMIT = object()
"""Leave the field out of the document."""


def spelling(key: str) -> st.SearchStrategy[str]:
    """A way to write specialty KEY: its key, name or an alias, in any case or with '-' for spaces."""
    variants = lambda s: [s, s.upper(), s.lower(), s.title(), s.replace(" ", "-"), s.replace(" ", "_"), f" {s} "]  # noqa: E731
    return (
        st.sampled_from(SPELLINGS[key])
        .flatmap(lambda s: st.sampled_from(variants(s)))
        .filter(lambda s: CATALOG.resolve(s) == key)
    )


def other_specialty(*not_keys: str) -> st.SearchStrategy[str]:
    return st.sampled_from([k for k in KEYS if k not in not_keys]).flatmap(spelling)


def any_specialty() -> st.SearchStrategy[str]:
    return st.sampled_from(KEYS).flatmap(spelling)


IDS = st.from_regex(r"\A[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,4}\Z").filter(lambda s: len(s) <= 64)
YEARS = st.one_of(st.integers(2010, 2035), st.integers(1950, 2100))

VALUES: dict[tuple[str, ...], st.SearchStrategy[Any]] = {
    ("name",): free_text(120, one_line=True),
    ("applicant_type",): st.sampled_from(CHOICES["applicant_type"]),
    ("graduation_year",): YEARS,
    ("match_year",): YEARS,
    ("outcome",): st.sampled_from(CHOICES["outcome"]),
    ("dream_specialty",): any_specialty(),
    ("id",): IDS,
    ("matched_specialty",): any_specialty(),
    ("previous_attempts",): st.integers(0, 10),
    ("red_flags",): st.lists(st.sampled_from(CHOICES["red_flags"]), max_size=10),
    ("advisor_note",): free_text(4000, one_line=False),
    ("advisor_private_note",): free_text(4000, one_line=False),
    ("scores", "step2_ck"): st.integers(1, 300),
    ("scores", "comlex2_ce"): st.integers(9, 999),
    ("scores", "exam_failures"): st.integers(0, 20),
    ("scores", "failed_exams"): st.lists(st.sampled_from(CHOICES["exam"]), max_size=20),
    ("scores", "step3_passed"): st.booleans(),
    ("img", "ecfmg_certified"): st.booleans(),
    ("img", "us_clinical_months"): st.integers(0, 120),
    ("img", "visa"): st.sampled_from(CHOICES["visa"]),
    ("application", "programs_applied"): st.integers(0, 1000),
    ("application", "interviews"): st.integers(0, 1000),
    ("application", "backup_specialty"): any_specialty(),
    ("application", "program_list"): st.sampled_from(CHOICES["program_list"]),
    ("application", "letters_in_specialty"): st.integers(0, 20),
    ("application", "advocate_letter"): st.booleans(),
    ("application", "personal_statement"): st.sampled_from(CHOICES["personal_statement"]),
    ("application", "specialty_research"): st.integers(0, 500),
    ("application", "away_rotations"): st.integers(0, 20),
    ("situation", "current_role"): st.sampled_from(CHOICES["current_role"]),
    ("situation", "research_year_access"): st.booleans(),
    ("situation", "extra_years"): st.integers(0, 2),
    ("preferences", "keep"): st.lists(st.sampled_from(KEEPS), max_size=30),
    ("preferences", "open_to"): st.lists(any_specialty(), max_size=30),
    ("preferences", "lifestyle"): st.sampled_from(CHOICES["lifestyle"]),
    ("preferences", "risk_tolerance"): st.sampled_from(CHOICES["risk_tolerance"]),
    ("preferences", "geography"): st.sampled_from(CHOICES["geography"]),
}
"""A valid value for each field on its own (the rules between fields are left to the caller)."""
assert set(VALUES) == set(FIELD_PATHS) - {(p,) for p in PARTS}, "a profile field has no strategy"

PRESENCE = st.sampled_from(["value", "value", "value", "null", "omit"])


@st.composite
def valid_profiles(draw) -> dict[str, Any]:
    """A valid profile anywhere in the space the format allows, optional parts left out or null."""

    def optional(into: dict, key: str, strategy: st.SearchStrategy) -> None:
        presence = draw(PRESENCE)
        if presence != "omit":
            into[key] = None if presence == "null" else draw(strategy)

    def part(name: str, fill) -> None:
        presence = draw(PRESENCE)
        if presence == "omit":
            return
        if presence == "null":
            doc[name] = None  # a null part means an empty one
            return
        doc[name] = {}
        fill(doc[name])
        order = draw(st.permutations(list(doc[name])))
        doc[name] = {k: doc[name][k] for k in order}

    doc: dict[str, Any] = {"name": draw(VALUES[("name",)]), "applicant_type": draw(VALUES[("applicant_type",)])}
    match_year = draw(YEARS)
    doc["graduation_year"] = draw(st.one_of(st.integers(max(1950, match_year - 8), match_year), st.integers(1950, match_year)))
    doc["match_year"] = match_year
    doc["outcome"] = outcome = draw(VALUES[("outcome",)])
    dream = draw(st.sampled_from(KEYS))
    doc["dream_specialty"] = draw(spelling(dream))
    if outcome in OUTCOMES_WITH_POSITION:
        optional(doc, "matched_specialty", other_specialty(dream))
    elif draw(st.booleans()):
        doc["matched_specialty"] = None  # allowed, and means none
    optional(doc, "id", IDS)
    optional(doc, "previous_attempts", VALUES[("previous_attempts",)])

    def scores(d: dict) -> None:
        for f in ("step2_ck", "comlex2_ce", "exam_failures", "failed_exams", "step3_passed"):
            optional(d, f, VALUES[("scores", f)])
        if isinstance(d.get("exam_failures"), int) and isinstance(d.get("failed_exams"), list):
            d["failed_exams"] = (d["failed_exams"] * 21)[: d["exam_failures"]] if d["failed_exams"] else None

    def application(d: dict) -> None:
        optional(d, "programs_applied", VALUES[("application", "programs_applied")])
        programs = d.get("programs_applied")
        optional(d, "interviews", st.integers(0, programs) if isinstance(programs, int) else VALUES[("application", "interviews")])
        optional(d, "backup_specialty", other_specialty(dream))
        for f in ("program_list", "letters_in_specialty", "advocate_letter", "personal_statement", "specialty_research", "away_rotations"):
            optional(d, f, VALUES[("application", f)])

    def fill(section: str, fields: tuple[str, ...]):
        return lambda d: [optional(d, f, VALUES[(section, f)]) for f in fields]

    part("scores", scores)
    part("application", application)
    optional(doc, "red_flags", VALUES[("red_flags",)])
    part("situation", fill("situation", ("current_role", "research_year_access", "extra_years")))
    if doc["applicant_type"] == "img":
        part("img", fill("img", ("ecfmg_certified", "us_clinical_months", "visa")))
        if isinstance(doc.get("img"), dict) and doc["img"].get("visa") == "not_needed" and "visa" in (doc.get("red_flags") or []):
            doc["img"]["visa"] = "j1"
    part("preferences", fill("preferences", ("keep", "open_to", "lifestyle", "risk_tolerance", "geography")))
    optional(doc, "advisor_note", VALUES[("advisor_note",)])
    optional(doc, "advisor_private_note", VALUES[("advisor_private_note",)])
    order = draw(st.permutations(list(doc)))
    return {k: doc[k] for k in order}


YAML_STYLES = st.fixed_dictionaries(
    {
        "allow_unicode": st.booleans(),
        "default_flow_style": st.sampled_from([False, None, True]),
        "width": st.sampled_from([80, 30, 10_000]),
        "indent": st.sampled_from([2, 4]),
        "explicit_start": st.booleans(),
        "canonical": st.sampled_from([False, False, False, True]),
    }
)


def dump(doc: Any, style: dict | None = None) -> str:
    return yaml.safe_dump(doc, sort_keys=False, **(style or {"allow_unicode": True}))


# -- nearly valid documents -------------------------------------------------------------------------

BASES = [BASE] + [yaml.safe_load(p.read_text(encoding="utf-8")) for p in EXAMPLES]

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([-1, 0, 1, 2**31, 2**63, -(2**63), 10**30, -(10**30), 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e308, 257.5]),
    st.text(max_size=40),
    st.sampled_from(HOSTILE + NAMES),
    st.dates(),
    st.binary(max_size=8),  # dumped as a !!binary tag
)
KEYS_ANY = st.one_of(
    st.sampled_from([f[-1] for f in FIELD_PATHS]),
    st.text(max_size=12),
    st.integers(-5, 5),
    st.none(),
    st.booleans(),
)
ANY_VALUE = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS_ANY, children, max_size=4)),
    max_leaves=12,
)
UNKNOWN_KEYS = st.one_of(
    st.sampled_from(["nmae", "Name", "step2", "dream", "outcome ", "notes", "red_flag", "prefrences", "__class__", "<script>", "scores.step2_ck"]),
    st.text(min_size=1, max_size=20),
    st.integers(),
    st.none(),
    st.booleans(),
)


def typo(word: str) -> st.SearchStrategy[str]:
    """WORD misspelt: a letter dropped, doubled or changed, or its case changed."""
    if len(word) < 2:
        return st.just(word + word)
    i = st.integers(0, len(word) - 1)
    return st.one_of(
        i.map(lambda n: word[:n] + word[n + 1 :]),
        i.map(lambda n: word[:n] + word[n] + word[n:]),
        st.tuples(i, st.sampled_from("aeiou_- ")).map(lambda t: word[: t[0]] + t[1] + word[t[0] + 1 :]),
        st.just(word.upper()),
    )


VOCABULARY_VALUES = st.sampled_from(VOCABULARY).flatmap(lambda w: st.one_of(st.just(w), st.just(w), typo(w)))
VOCABULARY_LISTS = st.lists(VOCABULARY_VALUES, max_size=4)


def paths_in(value: Any, prefix: tuple = ()) -> list[tuple]:
    """The path of every value inside VALUE, parents first."""
    found: list[tuple] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found.append((*prefix, key))
        found += paths_in(child, (*prefix, key))
    return found


def set_in(node: Any, path: tuple, value: Any) -> Any:
    """NODE with the value at PATH set to VALUE (making mappings on the way where needed)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, list) and isinstance(head, int) and 0 <= head < len(node):
        node[head] = set_in(node[head], rest, value)
        return node
    if not isinstance(node, dict):
        node = {}
    node[head] = set_in(node.get(head), rest, value)
    return node


def delete_in(node: Any, path: tuple) -> Any:
    parent = node
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return node


def _get(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


MUTATIONS = ["valid", "valid", "valid", "drop", "unknown", "any", "vocabulary", "vocabulary_list", "whole"]


@st.composite
def mutated(draw, doc: Any) -> Any:
    """DOC with one random change."""
    kind = draw(st.sampled_from(MUTATIONS))
    existing = paths_in(doc)
    event(f"mutation: {kind}")
    if kind == "valid":  # a valid value for one field; may break a rule between fields
        path = draw(st.sampled_from(sorted(VALUES)))
        return set_in(doc, path, draw(VALUES[path]))
    if kind == "drop" and existing:
        return delete_in(doc, draw(st.sampled_from(existing)))
    if kind == "unknown":
        parents = [()] + [p for p in existing if isinstance(_get(doc, p), dict)]
        parent = draw(st.sampled_from(parents))
        return set_in(doc, (*parent, draw(UNKNOWN_KEYS)), draw(ANY_VALUE))
    if kind == "whole":
        return draw(st.one_of(ANY_VALUE, st.lists(st.just(doc), min_size=1, max_size=2)))
    paths = sorted(set(FIELD_PATHS) | set(existing), key=repr)
    path = draw(st.sampled_from(paths))
    value = draw({"any": ANY_VALUE, "vocabulary": VOCABULARY_VALUES, "vocabulary_list": VOCABULARY_LISTS, "drop": ANY_VALUE}[kind])
    return set_in(doc, path, value)


SNIPPETS = [
    # YAML syntax
    '"\\', '"a\\x4', "'it''", "\\u12", "[1, ", "{a: ", "? ", ": ", "- ", "-", ":", "*x", "&x ", "<<: ", "|", ">", "#",
    "{", "}", "[", "]", "'", '"', "\\", "@", "`", "!", "---\n", "...\n", "%YAML 1.1\n", "name: x\n",
    "!!python/object/apply:os.system ['true'] ", "!!binary ", "!!set ",
    # whitespace and characters YAML or UTF-8 treat specially
    "\t", "  ", "\n", "\r", "\x00", "\x85", "\u2028", "\ufeff", "é", "🩺",
]
TAGS = [
    "!!timestamp", "!!int", "!!float", "!!bool", "!!null", "!!str", "!!binary", "!!map", "!!seq", "!!set", "!!omap",
    "!!python/name:os.system", "!custom", "!<tag:yaml.org,2002:int>",
]
OPENERS = ['"\\', '"a\\', '"\\x4', '"\\u12', '"', "'", "'it''", "[1, ", "{a: ", "{", "|", ">", "&x", "*", "!", "!!", "? ", "- ", "#"]
"""What a file cut short may end with: an open quote or escape, an open list or mapping, a bare tag."""
EDITS = ["insert", "insert", "delete", "duplicate_line", "swap_lines", "indent_with_tab", "truncate"]
EDITS += ["tag_value", "tag_value", "end_with", "end_with"]
RAW_EDITS = st.lists(
    st.tuples(
        st.sampled_from(EDITS),
        st.integers(0, 2**16),
        st.one_of(st.sampled_from(SNIPPETS), st.characters(exclude_categories=("Cs",))),
    ),
    min_size=1,
    max_size=3,
)


def value_starts(text: str, at: int) -> int:
    """Where one of the values in TEXT starts (after a `key: ` or a `- `), chosen by AT."""
    starts = [m.end() for m in re.finditer(r": |- ", text)] or [at % (len(text) + 1)]
    return starts[at % len(starts)]


def edit_text(text: str, edits: list[tuple[str, int, str]]) -> str:
    for kind, at, snippet in edits:
        lines = text.splitlines(keepends=True) or [""]
        line = at % len(lines)
        pos = at % (len(text) + 1)
        if kind == "insert":
            text = text[:pos] + snippet + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + 1 :]
        elif kind == "duplicate_line":
            text = "".join(lines[: line + 1] + [lines[line]] + lines[line + 1 :])
        elif kind == "swap_lines":
            other = (at // 7) % len(lines)
            lines[line], lines[other] = lines[other], lines[line]
            text = "".join(lines)
        elif kind == "indent_with_tab":
            lines[line] = "\t" + lines[line]
            text = "".join(lines)
        elif kind == "truncate":
            text = text[:pos]
        elif kind == "tag_value":  # an explicit tag on one value, e.g. `graduation_year: !!timestamp 2026`
            at_value = value_starts(text, at)
            text = text[:at_value] + TAGS[at // 3 % len(TAGS)] + " " + text[at_value:]
        elif kind == "end_with":  # the file ends in the middle of something: a quote, an escape, a list
            text = text[: value_starts(text, at) if at % 2 else pos] + OPENERS[at // 2 % len(OPENERS)]
    return text


def edit_bytes(data: bytes, kind: str, at: int) -> bytes:
    pos = at % (len(data) + 1)
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    if kind == "bad_byte":
        return data[:pos] + b"\xff" + data[pos:]
    if kind == "cut_utf8":
        return data[:pos] + b"\xc3" + data[pos:]
    if kind == "utf16":
        return data.decode("utf-8").encode("utf-16")
    if kind == "latin1":
        return data.decode("utf-8").encode("latin-1", errors="replace")
    return data


FILE_NAMES = ["profile.yaml", "Ana María López.yaml", "student-01.yml", "___.yaml", "JORDAN_Rivera.YAML", "a.b.c.yaml"]


@st.composite
def documents(draw) -> tuple[str, bytes, str]:
    """(file name, file bytes, how it was made): a nearly valid profile document."""
    doc = copy.deepcopy(draw(st.one_of(st.sampled_from(BASES), valid_profiles())))
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 2, 3, 5]))):
        doc = draw(mutated(doc))
    text = dump(doc, draw(YAML_STYLES))
    how = "dumped"
    if draw(st.sampled_from([False, False, True])):
        text = edit_text(text, draw(RAW_EDITS))
        how = "text-edited"
    data = text.encode("utf-8")
    byte_edit = draw(st.sampled_from([None] * 30 + ["bom", "bad_byte", "cut_utf8", "utf16", "latin1"]))
    if byte_edit:
        data = edit_bytes(data, byte_edit, draw(st.integers(0, 2**16)))
        how = "byte-edited"
    return draw(st.sampled_from(FILE_NAMES)), data, how


# -- running the command ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_kit(kit):
    """Every `guidebook` command in this module reuses the session's toolkit instead of loading its own."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Toolkit, "load", classmethod(lambda cls, resources=None, project=None: kit))
        yield kit


def run_build(profile: Path, out: Path, pdf: bool = False):
    args = ["build", str(profile), "-o", str(out), "--as-of", AS_OF_FAR.isoformat()] + ([] if pdf else ["--no-pdf"])
    return CliRunner().invoke(main, args)


TRACEBACK = "Traceback (most recent call last)"
TAG_LIKE = re.compile(r"<[A-Za-z/!?]")


def assert_clean_run(result) -> None:
    """Nothing but SystemExit escaped the command, the exit status is 0 or 2, and no traceback was printed."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # Raised again with its own traceback, so that hypothesis tells distinct bugs apart by where they happen.
        raise result.exception
    assert result.exit_code in (0, 2), f"exit status {result.exit_code}\n{result.output}"
    assert TRACEBACK not in result.output and TRACEBACK not in result.stderr, result.output


def assert_clean_error(result, profile: Path, out: Path) -> None:
    """Every line names the file, line and column; the last counts them; nothing was written."""
    lines = result.stderr.splitlines()
    assert lines, "exit status 2 with nothing on stderr"
    located = re.compile(rf"^{re.escape(str(profile))}:\d+:\d+: ")
    for line in lines[:-1]:
        assert located.match(line), f"not a located problem line: {line!r}\n{result.stderr}"
    summary = re.fullmatch(rf"(\d+) problems? in {re.escape(str(profile))}( \(the first 50 shown\))?; nothing was written", lines[-1])
    assert summary, f"not the summary line: {lines[-1]!r}"
    assert min(int(summary.group(1)), 50) == len(lines) - 1, result.stderr
    assert (int(summary.group(1)) > 50) == bool(summary.group(2)), result.stderr
    assert not out.exists(), f"{out} was created by a failed build: {sorted(p.name for p in out.rglob('*'))}"


TEMPLATE_LIKE = [h for h in HOSTILE if "{" in h]


def read(page: Path) -> str:
    """A page's text exactly as written (no newline translation, so a profile's \\r\\n stays)."""
    return page.read_bytes().decode("utf-8")


def profile_texts(profile: Profile) -> list[str]:
    """The profile's own text as the pages may show it (escaped): it may hold `{{` as typed."""
    paragraphs = [para.strip() for para in (profile.advisor_note or "").split("\n\n") if para.strip()]
    texts = [profile.name, profile.advisor_note or "", *paragraphs, *TEMPLATE_LIKE]
    return sorted({str(escape(t)) for t in texts if t}, key=len, reverse=True)


def assert_complete_site(profile_path: Path, out: Path, kit: Toolkit) -> tuple[Profile, Path, Guide]:
    """OUT holds the guide's folder and nothing else; it has every page, each one whole."""
    profile = load_profile(profile_path, kit.data)
    guide = prepare(profile_path, kit, as_of=AS_OF_FAR)
    folder = out / str(profile.id)
    assert sorted(p.name for p in out.iterdir()) == [profile.id], "leftovers beside the guide's folder"
    pages = {p.relative_to(folder).as_posix() for p in folder.rglob("*.html")}
    expected = {"index.html", "sources.html"} | {f"{s.id}.html" for s in guide.sections}
    assert pages == expected
    assert (folder / "assets" / "style.css").is_file()
    own = profile_texts(profile)
    for page in sorted(pages):
        html = read(folder / page)
        assert html.rstrip().endswith("</html>"), f"{page} is cut short"
        if TAG_LIKE.search(profile.name):
            assert profile.name not in html, f"the name reaches {page} unescaped"
        for text in own:
            html = html.replace(text, "")
        assert "{{" not in html and "{%" not in html, f"unrendered template syntax in {page}"
    home = read(folder / "index.html")
    assert str(escape(profile.name)) in home, "the name is not on the home page"
    return profile, folder, guide


# -- 1. any document: a complete build or a clean error ---------------------------------------------


def test_any_document_builds_completely_or_fails_cleanly(shared_kit):
    tally: Counter[str] = Counter()

    @settings(CI, max_examples=DOCUMENTS)
    @given(document=documents())
    def check(document: tuple[str, bytes, str]) -> None:
        name, data, how = document
        with tempfile.TemporaryDirectory() as tmp:
            profile, out = Path(tmp) / name, Path(tmp) / "out"
            profile.write_bytes(data)
            result = run_build(profile, out)
            assert_clean_run(result)
            if result.exit_code == 2:
                assert_clean_error(result, profile, out)
                outcome = "rejected"
            else:
                assert_complete_site(profile, out, shared_kit)
                outcome = "built"
        event(f"{outcome} ({how})")
        tally[outcome] += 1
        tally[f"{outcome} ({how})"] += 1

    check()
    total = tally["built"] + tally["rejected"]
    print(f"\n{total} documents: {dict(sorted(tally.items()))}")
    assert total >= DOCUMENTS
    assert tally["built"] >= BUILT_SHARE * total, f"too few documents built: {dict(tally)}"
    assert tally["rejected"] >= BUILT_SHARE * total, f"too few documents rejected: {dict(tally)}"


# -- 2. any valid profile builds completely ---------------------------------------------------------


def test_any_valid_profile_builds_completely(shared_kit):
    @CI
    @given(doc=valid_profiles(), style=YAML_STYLES, name=st.sampled_from(FILE_NAMES[:3]))
    def check(doc: dict, style: dict, name: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path, out = Path(tmp) / name, Path(tmp) / "out"
            text = dump(doc, style)
            path.write_text(text, encoding="utf-8")
            profile = load_profile(path, shared_kit.data)  # raises, with every problem, if it is not valid
            # The notes as YAML itself reads the file: PyYAML's emitter writes a lone NEL (U+0085) raw in a
            # quoted scalar, where YAML folds it to a space, so the written text is not always the value.
            written = yaml.safe_load(text)
            assert profile.name == doc["name"]
            assert profile.advisor_note == written.get("advisor_note")
            assert profile.advisor_private_note == written.get("advisor_private_note")
            result = run_build(path, out)
            assert_clean_run(result)
            assert result.exit_code == 0, result.output
            _, _, guide = assert_complete_site(path, out, shared_kit)
            dx = guide.diagnosis
            event(f"{doc['outcome']}, {doc['applicant_type']}: {dx.decision}")
            event(f"{len(guide.sections)} sections")

    check()


def test_valid_profiles_build_a_complete_workbook(shared_kit):
    # Five workbooks (about 3 s each); a failure is reported as found, without shrinking.
    @settings(CI, max_examples=5, phases=[Phase.explicit, Phase.generate])
    @given(doc=valid_profiles())
    def check(doc: dict) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path, out = Path(tmp) / "profile.yaml", Path(tmp) / "out"
            path.write_text(dump(doc), encoding="utf-8")
            result = run_build(path, out, pdf=True)
            assert_clean_run(result)
            assert result.exit_code == 0, result.output
            _, folder, guide = assert_complete_site(path, out, shared_kit)
            reader = pypdf.PdfReader(folder / "workbook.pdf")
            assert len(reader.pages) > 0
            expected = {name for s in guide.sections for ws in s.worksheets for name, _ in ws.field_names()}
            assert expected, "the guide has no worksheets"
            fields = {name for name, field in (reader.get_fields() or {}).items() if "/Kids" not in field}  # less the worksheets' parents
            assert fields == expected

    check()
