"""What the pipeline stages hand each other: the diagnosis, the chosen content, the guide."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

BUCKETS = ("metrics", "application_quality", "strategy", "red_flags")
"""The four reasons an application falls short, in the order the guide presents them."""

Decision = Literal["reattempt", "pivot", "gather_facts"]


@dataclass(frozen=True)
class Bucket:
    """One of the four diagnosis buckets."""

    flagged: bool
    reasons: tuple[str, ...]
    """Weak points found, each a sentence a person can check against the cited figure."""
    weight: int = 0
    """Sum of the weak points' weights; ranks the primary buckets."""
    assessed: bool = True
    """False when the profile lacks what judging the bucket needs: "not flagged" then means "not known"."""
    not_assessed: str = ""
    """Why the bucket could not be judged, and what would let it be."""


@dataclass(frozen=True)
class PivotOption:
    specialty: str
    """Specialty key."""
    keeps: tuple[str, ...]
    """What the option keeps of the dream (keep vocabulary)."""
    score: int = 0
    """Ranking score (higher first)."""


@dataclass(frozen=True)
class Applications:
    min: int
    max: int


@dataclass(frozen=True)
class Holding:
    """A position the reader holds for the coming year (or, an advanced one, the year after)."""

    kind: Literal["categorical", "preliminary", "advanced"]
    specialty: str | None
    """Specialty key; None when the profile does not say (or a transitional year)."""
    starts: dt.date
    ends: dt.date | None
    """The last day of a preliminary year; None for a position that runs to the end of training."""
    through_soap: bool = False


@dataclass(frozen=True)
class Cycle:
    """Which Match to aim at, on the real calendar."""

    as_of: dt.date
    """The date the guide is built for."""
    last_match: int
    """The Match that just ended (the profile's match_year)."""
    next_match: int
    """The first Match whose applications are still on time on the as-of date."""
    target_match: int | None
    """The Match aimed at: the next one or the one after; None when no new Match is needed or chosen yet."""
    reasons: tuple[str, ...]
    phase: Literal["soap", "after_soap", "before_eras", "eras_open", "submission"]
    """The part of the Match year the as-of date falls in."""
    soap_now: bool
    """The guide is built during SOAP, for a reader who can take part."""
    months_left: int
    """Calendar months from the as-of date to the first day applications for the next Match can be sent."""
    months_needed: int | None
    """Months the work before the next application takes to show; None when no Match is aimed at."""

    def stamp(self) -> str:
        """What the guide's date-dependent content depends on: the phase and the month (the day during SOAP)."""
        when = self.as_of.isoformat() if self.phase == "soap" else self.as_of.strftime("%Y-%m")
        return f"{self.phase} {when} {self.target_match}"


@dataclass(frozen=True)
class Diagnosis:
    """Why the application fell short, and what to do next."""

    id: str
    outcome: str
    applicant_type: str
    dream_specialty: str
    buckets: dict[str, Bucket]
    primary: tuple[str, ...]
    """The one or two buckets that matter most; empty when nothing is flagged."""
    decision: Decision
    decision_reasons: tuple[str, ...]
    target_specialty: str | None
    """The specialty aimed at; None when the decision is to gather the facts first."""
    pivot_options: tuple[PivotOption, ...]
    pivot_notes: tuple[str, ...]
    """What the reader should know about the ranking (the basis used for an IMG, a first option far above the score)."""
    applications: Applications | None
    """Programs to apply to next time; None without a target Match."""
    missing: tuple[str, ...]
    """Field paths the profile left out that would sharpen the diagnosis."""
    years_since_graduation: int
    step2_gap: int | None
    """The dream's matched mean minus the applicant's Step 2 CK (positive: below the mean)."""
    holding: Holding | None
    cycle: Cycle
    graduation_delay: Literal["fits", "can_fit", "fits_less", "undecided"] | None = None
    """For a US senior not yet graduated: how well staying enrolled a year fits the plan; None when the choice is not open."""

    @property
    def flagged(self) -> list[str]:
        return [name for name in BUCKETS if self.buckets[name].flagged]

    @property
    def unassessed(self) -> list[str]:
        return [name for name in BUCKETS if not self.buckets[name].assessed]

    @property
    def route(self) -> str:
        """What the reader is told to do next: the decision, or what a position held changes about it.

        `first_year`: an advanced position is held in the target field, and the first year before it is
        what is missing; `stay`: a categorical position is held in the field the guide points to.
        """
        held = self.holding
        if held is not None and held.specialty and held.specialty == self.target_specialty and self.decision != "gather_facts":
            if held.kind == "advanced":
                return "first_year"
            if held.kind == "categorical":
                return "stay"
        return self.decision

    def to_json(self, sections: list[str]) -> dict[str, Any]:
        """The `guidebook diagnose --json` document."""
        return {
            "id": self.id,
            "as_of": self.cycle.as_of.isoformat(),
            "outcome": self.outcome,
            "buckets": {
                name: {"flagged": b.flagged, "assessed": b.assessed, "reasons": list(b.reasons)}
                | ({"not_assessed": b.not_assessed} if not b.assessed else {})
                for name, b in self.buckets.items()
            },
            "primary": list(self.primary),
            "decision": self.decision,
            "decision_reasons": list(self.decision_reasons),
            "target_specialty": self.target_specialty,
            "target_match": self.cycle.target_match,
            "cycle_reasons": list(self.cycle.reasons),
            "soap_now": self.cycle.soap_now,
            "graduation_delay": self.graduation_delay,
            "pivot_options": [{"specialty": o.specialty, "keeps": list(o.keeps)} for o in self.pivot_options],
            "pivot_notes": list(self.pivot_notes),
            "applications": {"min": self.applications.min, "max": self.applications.max} if self.applications else None,
            "missing": list(self.missing),
            "sections": list(sections),
        }


@dataclass(frozen=True)
class Cell:
    """One cell of a worksheet table: a one-line field or a box to tick."""

    name: str
    """The field name within its worksheet, e.g. `candidate_1_lifestyle`."""
    kind: Literal["line", "check", "header"]
    """`header`: the row's name, printed as text where prefilled, else a one-line field."""
    label: str
    """What a screen reader announces: the row and the column."""
    value: str | None = None


@dataclass(frozen=True)
class Column:
    label: str
    kind: Literal["line", "check", "header"]


@dataclass(frozen=True)
class TableRow:
    label: str | None
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class WorksheetField:
    """A worksheet field; a table holds a grid of cells."""

    id: str
    label: str
    kind: Literal["line", "area", "check", "table"]
    lines: int = 1
    value: str | None = None
    """Prefilled from the profile, when the profile answers it."""
    columns: tuple[Column, ...] = ()
    rows: tuple[TableRow, ...] = ()

    def names(self) -> list[tuple[str, str]]:
        """(name, kind) of every form field this field becomes: itself, or each cell of a table."""
        if self.kind == "table":
            return [
                (c.name, "line" if c.kind == "header" else c.kind)
                for row in self.rows
                for c in row.cells
                if not (c.kind == "header" and c.value)
            ]
        return [(self.id, self.kind)]


@dataclass(frozen=True)
class Worksheet:
    id: str
    title: str
    intro_html: str
    fields: tuple[WorksheetField, ...]

    def field_names(self) -> list[tuple[str, str]]:
        """(`<worksheet>.<field>`, kind) for every form field of the worksheet, in order."""
        return [(f"{self.id}.{name}", kind) for f in self.fields for name, kind in f.names()]


@dataclass(frozen=True)
class Section:
    """A guide section chosen for this reader, rendered to HTML."""

    id: str
    title: str
    summary: str
    why: str
    """Why this section is in the reader's guide."""
    html: str
    headings: tuple[tuple[int, str, str], ...]
    """(level, anchor, text) of the section's own headings."""
    worksheets: tuple[Worksheet, ...]
    examples: dict[str, str] = field(default_factory=dict)
    """Example slot -> the variant chosen for this reader."""
    charts: tuple[str, ...] = ()
    """The charts drawn in the section, in order."""


def compare_keeps(keeps: list[tuple[str, tuple[str, ...]]]) -> tuple[list[str], list[tuple[list[str], str | None]]]:
    """What a ranked list of options keeps in common, and what sets each apart, so that a reader is told each
    thing once. KEEPS is (name, what it keeps) per option, best first. Returns the things every option keeps
    (none for a single option), and per option what else it keeps and, when that is the same as an earlier
    option's, that option's name."""
    shared = [k for k in keeps[0][1] if all(k in kept for _, kept in keeps[1:])] if len(keeps) > 1 else []
    seen: dict[tuple[str, ...], str] = {}
    apart = []
    for name, kept in keeps:
        extra = [k for k in kept if k not in shared]
        key = tuple(sorted(extra))
        apart.append((extra, seen.get(key) if extra else None))
        if extra:
            seen.setdefault(key, name)
    return shared, apart


@dataclass(frozen=True)
class FirstStep:
    """One step of the "This week" card: its id (content/first-steps.yaml) and its text as inline HTML."""

    id: str
    html: str


@dataclass(frozen=True)
class Guide:
    """Everything a renderer needs: the reader, their diagnosis and the chosen content."""

    profile: Any
    """The `Profile`, or None for the generic edition."""
    diagnosis: Diagnosis | None
    sections: tuple[Section, ...]
    skipped: tuple[tuple[str, str], ...]
    """(section id, title) of sections left out for this reader."""
    data: Any
    """The `ReferenceData`."""
    built_for: str
    """The reader's name, or the generic edition's title."""
    date: str
    """Build date shown on the cover (ISO), derived from the inputs."""
    first_steps: tuple[FirstStep, ...] = ()
    """The "This week" card that opens the guide: the three steps to take first."""
