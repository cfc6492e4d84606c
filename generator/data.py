"""Reference data: specialties, the keep vocabulary, public figures and the diagnosis rules.

All of it lives in `content/data/` with its sources; this module loads and checks it, and offers
the look-ups the other stages need (a specialty by name or alias, a did-you-mean).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, ValidationInfo
from pydantic_core import PydanticCustomError

from generator.errors import InputError, Problem, field_path
from generator.schema import check, normalise, suggest
from generator.yamlfile import Document, read_yaml

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


    @property
    def label(self) -> str:
        return self.short_name or self.name


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


class RedFlagRules(_Data):
    img_years_since_graduation: int


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
    facts: dict[str, Any]
    rules: Rules
    labels: dict[str, dict[str, str]]
    """Words for the profile's coded values (outcomes, roles, red flags, ...)."""
    plan: PlanFile
    """The phases of the 12-18 month plan."""

    @cached_property
    def validation_context(self) -> dict[str, Any]:
        return {"catalog": self.catalog, "keeps": self.keeps}


def load_reference_data(folder: Path) -> ReferenceData:
    """Load and check every data file in FOLDER; raise `InputError` naming each problem."""
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
    if problems:
        raise InputError(problems)
    assert keeps is not None and rules is not None and table is not None and labels is not None and plan is not None
    log.debug("reference data: %d specialties", len(table.specialties))
    return ReferenceData(
        catalog=Catalog(table.specialties, table.sources),
        keeps=dict(keeps.root),
        facts=facts_doc.data,
        rules=rules,
        labels=labels.model_dump(),
        plan=plan,
    )


class _KeepsFile(RootModel[dict[str, str]]):
    model_config = ConfigDict(strict=True)


class _LabelsFile(_Data):
    outcomes: dict[str, str]
    applicant_types: dict[str, str]
    red_flags: dict[str, str]
    roles: dict[str, str]
    buckets: dict[str, str]
    time_split: dict[str, str]
    tiers: dict[str, str]


class PlanPhase(_Data):
    id: str
    start: Annotated[int, Field(ge=0, le=36)]
    end: Annotated[int, Field(ge=0, le=36)]
    title: str
    focus: str
    steps: list[str] = []
    by_bucket: dict[Literal["metrics", "application_quality", "strategy", "red_flags"], str] = {}


class PlanFile(_Data):
    source: str
    phases: Annotated[list[PlanPhase], Field(min_length=1)]


class _SourcesOnly(_Data):
    sources: dict[str, Source]


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
