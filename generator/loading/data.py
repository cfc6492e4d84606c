"""Reference data: specialties, the keep vocabulary, public figures and the diagnosis rules.

All of it lives in `content/data/` with its sources; this module loads and checks it, and offers
the look-ups the other stages need (a specialty by name or alias, a did-you-mean).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, ValidationInfo
from pydantic_core import PydanticCustomError

from generator.dates import Calendar, CalendarFile
from generator.dates import Source as CalendarSource
from generator.errors import InputError, Problem, field_path
from generator.loading.schema import check, normalise, suggest
from generator.loading.yamlfile import Document, read_yaml

log = logging.getLogger(__name__)

Tier = Literal["competitive", "moderate", "less"]
Level = Literal["very", "high", "moderate", "low"]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True)


def _source(value: str, info: ValidationInfo) -> str:
    sources = (info.context or {}).get("sources")
    if sources is None:
        return value
    if value not in sources:
        raise PydanticCustomError("unknown_key", "unknown source", {"choices": sorted(sources)})
    return sources[value].cite


SourceRef = Annotated[str, AfterValidator(_source)]
"""A key of the file's `sources`; validated into the short citation, e.g. "NRMP 2024"."""


class Source(_Data):
    cite: str
    """Short citation shown next to a figure, e.g. "NRMP 2024"."""
    title: str
    """Full reference for the Sources page."""


class Step2(_Data):
    matched: int
    """Mean Step 2 CK of matched applicants."""
    unmatched: int | None = None
    source: SourceRef
    year: int
    verified: bool


class Rate(_Data):
    value: float
    source: SourceRef
    year: int
    verified: bool


class Count(_Data):
    value: int
    source: SourceRef
    year: int
    verified: bool


class Research(_Data):
    matched: float
    unmatched: float | None = None
    source: SourceRef
    year: int
    verified: bool


class Pivot(_Data):
    specialty: str
    """Key of the specialty to pivot to."""
    keeps: list[str]
    """What the pivot keeps of the dream, in the keep vocabulary."""
    path: str | None = None
    """How the pivot keeps it: a focus or a later fellowship."""


class Specialty(_Data):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]
    name: str
    short_name: str | None = None
    """For charts and tables where the full name does not fit."""
    spoken_name: str | None = None
    """How applicants name it aloud, where that is not the name in lower case: ENT, OB/GYN, PM&R."""
    aliases: list[str] = []
    match: Literal["nrmp_main", "sf_match", "aua_match"]
    step2_ck: Step2 | None
    match_rate_pct: Rate | None
    research_items: Research | None
    tier: Tier
    tier_source: str
    research_heavy: Level
    applications_band: Tier
    lifestyle: Literal["intense", "balanced", "controllable"]
    features: list[str]
    pivots: list[Pivot]
    applications_per_applicant: Count | None = None
    """Mean applications per applicant to this specialty in the latest cycle with a sourced figure."""
    img_share_pct: Rate | None = None
    """Share of the specialty's filled first-year positions that went to international graduates: how open it is to them."""
    advanced_positions: bool = False
    """Whether the Main Residency Match offers advanced (PGY-2) positions in it, entered after a separate first year."""


    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def spoken(self) -> str:
        """The name as an applicant says it in an interview answer or a statement."""
        return self.spoken_name or self.name.lower()


class SpecialtyFile(_Data):
    sources: dict[str, Source]
    specialties: list[Specialty]


class MetricsRules(_Data):
    flag_gap: int
    img_borderline_gap: int
    multiple_failures: int


class QualityRules(_Data):
    min_letters_in_specialty: int
    research_heavy_levels: list[Level]
    research_fraction: float
    away_rotation_tiers: list[Tier]
    flag_at: int


class StrategyRules(_Data):
    backup_tiers: list[Tier]
    flag_at: int
    under_applied_share: float


class RedFlagRules(_Data):
    img_years_since_graduation: int
    img_us_clinical_months: int


class DecisionRules(_Data):
    pivot_gap: int
    pivot_gap_tiers: list[Tier]
    multiple_failures: int
    late_years: int
    relevant_roles: list[str]
    spent_attempts: int
    early_years: int
    no_time_tiers: list[Tier]
    long_shot_with_red_flag: bool
    img_counterbalance: list[str]


class PrimaryRules(_Data):
    second_ratio: float


class Range(_Data):
    min: int
    max: int


class RankingRules(_Data):
    keep_overlap: int
    open_to: int
    holds_position: int
    lifestyle_match: int
    tier_bonus: dict[Tier, int]
    score_gap_penalty: int
    img_share_margin: float


class TypeRanges(_Data):
    floor_types: list[Literal["us_md", "us_do", "img"]]
    spread: float


class MonthsToShow(_Data):
    pivot: int
    reattempt: int
    metrics: int
    metrics_research: int
    application_quality: int
    strategy: int
    red_flags: int
    img_us_clinical: int


class CycleRules(_Data):
    source: str
    months_to_show: MonthsToShow
    research_levels: list[Level]
    after_soap_days: int
    late_window_days: int


class GraduationDelayRules(_Data):
    source: str
    applicant_types: list[Literal["us_md", "us_do", "img"]]
    outcomes: list[str]
    before_month: Annotated[int, Field(ge=1, le=12)]
    fits_when_flagged: list[Literal["metrics", "application_quality", "strategy", "red_flags"]]


class Rules(_Data):
    source: str
    metrics: MetricsRules
    application_quality: QualityRules
    strategy: StrategyRules
    red_flags: RedFlagRules
    decision: DecisionRules
    primary: PrimaryRules
    weights: dict[str, int]
    applications: dict[Tier, Range]
    applications_by_type: TypeRanges
    cycle: CycleRules
    graduation_delay: GraduationDelayRules
    pivot_ranking: RankingRules


class Catalog:
    """The specialties, looked up by key, display name or alias."""

    def __init__(self, specialties: list[Specialty], sources: dict[str, Source]):
        self.sources = sources
        self.by_key = {s.key: s for s in specialties}
        self._names: dict[str, str] = {}
        for s in specialties:
            for name in (s.key, s.name, *s.aliases):
                self._names.setdefault(normalise(name), s.key)

    def __getitem__(self, key: str) -> Specialty:
        return self.by_key[key]

    def __iter__(self):
        return iter(self.by_key.values())

    def keys(self) -> list[str]:
        return list(self.by_key)

    def resolve(self, text: str) -> str | None:
        """The key of the specialty TEXT names ("Derm", "ENT", "plastic surgery"), or None."""
        return self._names.get(normalise(text))

    def suggest(self, text: str) -> str | None:
        """The key of the specialty TEXT most likely misspells, or None."""
        guess = suggest(text, [*self._names])
        return self._names[normalise(guess)] if guess else None


@dataclass(frozen=True)
class ReferenceData:
    """Everything in `content/data/`, checked."""

    catalog: Catalog
    keeps: dict[str, str]
    """Keep vocabulary: key -> label."""
    vocabulary: Vocabulary
    """The keep words with their aliases, for reading profiles."""
    keep_talk: dict[str, str]
    """Keep vocabulary: key -> how an applicant says it aloud."""
    facts: dict[str, Any]
    rules: Rules
    labels: dict[str, dict[str, str]]
    """Words for the profile's coded values (outcomes, roles, red flags, ...)."""
    plan: PlanFile
    """The phases of the 12-18 month plan."""
    calendar: Calendar
    """Every Match year's dates, published or estimated."""

    @cached_property
    def validation_context(self) -> dict[str, Any]:
        return {"catalog": self.catalog, "keeps": self.vocabulary}


def load_reference_data(folder: Path, overrides: tuple[Path, ...] = ()) -> ReferenceData:
    """Load and check every data file in FOLDER, extended by the `content/data/` files of an office's
    OVERRIDES folders (see `_extend_facts` and `_extend_calendar`); raise `InputError` naming each problem."""
    keeps_doc = read_yaml(folder / "keeps.yaml", what="data file", own=True)
    keeps, problems = check(keeps_doc, _KeepsFile)
    facts_doc = read_yaml(folder / "facts.yaml", what="data file", own=True)
    labels_doc = read_yaml(folder / "labels.yaml", what="data file", own=True)
    labels, more = check(labels_doc, _LabelsFile)
    problems += more
    plan_doc = read_yaml(folder / "plan.yaml", what="data file", own=True)
    plan, more = check(plan_doc, PlanFile)
    problems += more
    rules_doc = read_yaml(folder / "rules.yaml", what="data file", own=True)
    rules, more = check(rules_doc, Rules)
    problems += more
    spec_doc = read_yaml(folder / "specialties.yaml", what="data file", own=True)
    raw_sources = spec_doc.data.get("sources") if isinstance(spec_doc.data, dict) else None
    sources_only, _ = check(Document(spec_doc.file, {"sources": raw_sources}), _SourcesOnly)
    context = {"sources": sources_only.sources if sources_only else {}}
    table, more = check(spec_doc, SpecialtyFile, context)
    problems += more
    if table is not None and keeps is not None:
        problems += _cross_check(spec_doc, table, set(keeps.root))
    calendar_doc = read_yaml(folder / "calendar.yaml", what="data file", own=True)
    calendar_file, more = check(calendar_doc, CalendarFile)
    problems += more
    calendar = Calendar(calendar_file) if calendar_file is not None else None
    if calendar_file is not None:
        problems += _check_calendar(calendar_doc, calendar_file, calendar)
    if problems:
        raise InputError(problems)
    facts = facts_doc.data
    if overrides:
        assert calendar_file is not None
        facts, calendar = _extend(facts, calendar_file, overrides)
    assert keeps is not None and rules is not None and table is not None and labels is not None and plan is not None
    assert calendar is not None
    log.debug("reference data: %d specialties", len(table.specialties))
    return ReferenceData(
        catalog=Catalog(table.specialties, table.sources),
        keeps={key: word.label for key, word in keeps.root.items()},
        vocabulary=Vocabulary(keeps.root),
        keep_talk={key: word.spoken for key, word in keeps.root.items()},
        facts=facts,
        rules=rules,
        labels=labels.model_dump(),
        plan=plan,
        calendar=calendar,
    )


class Keep(_Data):
    label: str
    """Completes "a field that keeps ..."."""
    spoken: str
    """How an applicant says it aloud: "seeing patients in clinic"."""
    aliases: list[str] = []
    """Other words a profile may use: abbreviations and the playbook's shorthand."""


class _KeepsFile(RootModel[dict[Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")], Keep]]):
    model_config = ConfigDict(strict=True)


class Vocabulary:
    """The keep words, looked up by key or alias ("MSK focus", "OR time"), with a did-you-mean."""

    def __init__(self, words: dict[str, Keep]):
        self.labels = {key: word.label for key, word in words.items()}
        self._names: dict[str, str] = {}
        for key, word in words.items():
            for name in (key, *word.aliases):
                self._names.setdefault(normalise(name), key)

    def __contains__(self, key: object) -> bool:
        return key in self.labels

    def keys(self) -> list[str]:
        return list(self.labels)

    def resolve(self, text: str) -> str | None:
        return self._names.get(normalise(text))

    def suggest(self, text: str) -> str | None:
        guess = suggest(text, [*self._names])
        return self._names[normalise(guess)] if guess else None


class _LabelsFile(_Data):
    outcomes: dict[str, str]
    applicant_types: dict[str, str]
    visas: dict[str, str]
    exams: dict[str, str]
    decisions: dict[str, str]
    missing: dict[str, str]
    red_flags: dict[str, str]
    roles: dict[str, str]
    buckets: dict[str, str]
    time_split: dict[str, str]
    tiers: dict[str, str]


class PlanPhase(_Data):
    id: Literal["debrief", "repair", "visibility", "prepare", "apply", "rank"]
    """Where the phase falls is set by generator/advice/plan.py from the calendar, by this id."""
    title: str
    focus: str
    steps: list[str] = []
    by_bucket: dict[Literal["metrics", "application_quality", "strategy", "red_flags"], str] = {}


class PlanFile(_Data):
    source: str
    phases: Annotated[list[PlanPhase], Field(min_length=1)]


class _SourcesOnly(_Data):
    sources: dict[str, Source]


def _check_calendar(doc: Document, calendar: CalendarFile, cal: Calendar) -> list[Problem]:
    """Every source named exists, and each published year's dates fall in order."""
    from generator.dates import EVENTS

    problems: list[Problem] = []

    def problem(path: tuple, message: str) -> None:
        line, column = doc.where(path)
        problems.append(Problem(doc.file, line, column, field_path(path), message))

    if calendar.pattern.source not in calendar.sources:
        problem(("pattern", "source"), f"unknown source {calendar.pattern.source!r} (expected one of: {', '.join(calendar.sources)})")
    for key, entry in calendar.years.items():
        year = key
        for event in (*EVENTS, "soap_rounds"):
            given = getattr(entry, event)
            if given is not None and given.source not in calendar.sources:
                guess = suggest(given.source, calendar.sources)
                problem(("years", year, event, "source"), f"unknown source {given.source!r} (expected one of: {', '.join(calendar.sources)})"
                        + (f"; did you mean {guess!r}?" if guess else ""))
    if problems:
        return problems
    for year, entry in calendar.years.items():
        dates = cal[int(year)].dates
        order = [e for e in EVENTS if e not in ("interviews_to",)]
        for before, after in zip(order, order[1:]):
            if dates[before].date > dates[after].date and (getattr(entry, before) or getattr(entry, after)):
                event = after if getattr(entry, after) else before
                problem(("years", year, event), f"{dates[before].name} ({dates[before].date}) falls after {dates[after].name} ({dates[after].date})")
        match_day = dates["match_day"].date
        if match_day.weekday() != 4 and entry.match_day:
            problem(("years", year, "match_day"), f"{match_day} is not a Friday (expected Match Day on a Friday)")
    return problems


def _cross_check(doc: Document, table: SpecialtyFile, keeps: set[str]) -> list[Problem]:
    """What a schema cannot say: keys unique, pivots and keeps pointing at things that exist."""
    problems: list[Problem] = []

    def problem(path: tuple, message: str) -> None:
        line, column = doc.where(path)
        problems.append(Problem(doc.file, line, column, field_path(path), message))

    keys = [s.key for s in table.specialties]
    owner: dict[str, str] = {}
    for i, s in enumerate(table.specialties):
        if keys.count(s.key) > 1:
            problem(("specialties", i, "key"), f"the key {s.key!r} is used twice")
        for name in (s.key, s.name, *s.aliases):
            norm = normalise(name)
            if owner.setdefault(norm, s.key) != s.key:
                problem(("specialties", i), f"the name {name!r} also names {owner[norm]!r}")
        for j, feature in enumerate(s.features):
            if feature not in keeps:
                problem(("specialties", i, "features", j), f"{feature!r} is not in keeps.yaml")
        for j, pivot in enumerate(s.pivots):
            if pivot.specialty not in keys:
                guess = suggest(pivot.specialty, keys)
                problem(
                    ("specialties", i, "pivots", j, "specialty"),
                    f"unknown specialty {pivot.specialty!r}" + (f"; did you mean {guess!r}?" if guess else ""),
                )
            for k, keep in enumerate(pivot.keeps):
                if keep not in keeps:
                    problem(("specialties", i, "pivots", j, "keeps", k), f"{keep!r} is not in keeps.yaml")
    return problems


# -- an office's extensions ---------------------------------------------------------------------------
#
# An office's `overrides/content/data/` may extend two files, never replace them (docs/overrides.md):
# - facts.yaml: new groups of figures, each with its `source`, `year` and `verified` like ours;
# - calendar.yaml: new `sources`, and `deadlines`, the school's own dated deadlines, each citing one.
# A key the package (or a farther override) already has is an error: an extension adds, never replaces.


class LocalFacts(BaseModel):
    """A group of an office's own figures: any fields, and where they come from."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    source: Annotated[str, Field(min_length=1)]
    """The full reference, as on the Sources page."""
    year: Annotated[int, Field(ge=1900, le=2200)]
    verified: bool
    """Whether the figures were checked against the original (false: they are labelled unverified)."""


class _LocalFactsFile(RootModel[dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], LocalFacts]]):
    model_config = ConfigDict(strict=True)


class LocalDeadline(_Data):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    """What is due, as the guide shows it: "Lakeside MSPE draft to the dean's office"."""
    date: dt.date
    source: str
    """A key of the calendar's `sources`: the package's or the office's."""
    verified: bool


class _LocalCalendarFile(_Data):
    sources: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], CalendarSource] = {}
    deadlines: list[LocalDeadline] = []


@dataclass(frozen=True)
class Deadline:
    """One of the school's own deadlines, as a guide shows it (`calendar.deadlines`)."""

    name: str
    date: dt.date
    cite: str
    """The short citation of its source."""
    verified: bool


def _extend(facts: dict[str, Any], calendar_file: CalendarFile, overrides: tuple[Path, ...]) -> tuple[dict[str, Any], Calendar]:
    """FACTS and the calendar, extended by the data files of the OVERRIDES folders (the farthest first)."""
    from generator.loading.overrides import display

    facts = dict(facts)
    sources = dict(calendar_file.sources)
    deadlines: list[Deadline] = []
    problems: list[Problem] = []
    for root in reversed(overrides):
        path = root / "content" / "data" / "facts.yaml"
        if path.is_file():
            problems += _extend_facts(read_yaml(path, display(path), what="data file"), facts)
        path = root / "content" / "data" / "calendar.yaml"
        if path.is_file():
            problems += _extend_calendar(read_yaml(path, display(path), what="data file"), sources, deadlines)
    if problems:
        raise InputError(problems)
    return facts, Calendar(calendar_file.model_copy(update={"sources": sources}), tuple(sorted(deadlines, key=lambda d: (d.date, d.name))))


def _problem_at(doc: Document, path: tuple, message: str, *, key: bool = False) -> Problem:
    return Problem(doc.file, *doc.where(path, key=key), field_path(path), message)


def _extend_facts(doc: Document, facts: dict[str, Any]) -> list[Problem]:
    """Add the groups of the office's facts file DOC to FACTS; what is wrong, located in DOC."""
    if doc.data is None:
        return []
    local, problems = check(doc, _LocalFactsFile)
    if local is None:
        return problems
    for key in local.root:
        if key in facts:
            problems.append(_problem_at(doc, (key,), f"the group {key!r} is already in our facts.yaml: an office's file "
                                        "extends it, never replaces (expected a new group name, such as "
                                        f"'local_{key}')", key=True))
        else:
            facts[key] = doc.data[key]
    return problems


def _extend_calendar(doc: Document, sources: dict[str, CalendarSource], deadlines: list[Deadline]) -> list[Problem]:
    """Add the sources and deadlines of the office's calendar file DOC; what is wrong, located in DOC."""
    if doc.data is None:
        return []
    if isinstance(doc.data, dict):
        for key in ("pattern", "years"):
            if key in doc.data:
                return [_problem_at(doc, (key,), f"the calendar's `{key}` is the NRMP's and the AAMC's: an office's file "
                                    "extends the calendar, never replaces it (expected `sources` and `deadlines` only)", key=True)]
    local, problems = check(doc, _LocalCalendarFile)
    if local is None:
        return problems
    for key, source in local.sources.items():
        if key in sources:
            problems.append(_problem_at(doc, ("sources", key), f"the source {key!r} is already in our calendar.yaml: an "
                                        "office's file extends it, never replaces (expected a new source key)", key=True))
        else:
            sources[key] = source
    for i, deadline in enumerate(local.deadlines):
        if deadline.source not in sources:
            guess = suggest(deadline.source, sources)
            problems.append(_problem_at(doc, ("deadlines", i, "source"), f"unknown source {deadline.source!r} (expected a key of "
                                        "`sources` in this file or in our calendar.yaml)" + (f"; did you mean {guess!r}?" if guess else "")))
            continue
        deadlines.append(Deadline(deadline.name, deadline.date, sources[deadline.source].cite, deadline.verified))
    return problems
