"""What the pipeline stages hand each other: the diagnosis, the chosen content, the guide."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

BUCKETS = ("metrics", "application_quality", "strategy", "red_flags")
"""The four reasons an application falls short, in the order the guide presents them."""

Decision = Literal["reattempt", "pivot"]


@dataclass(frozen=True)
class Bucket:
    """One of the four diagnosis buckets."""

    flagged: bool
    reasons: tuple[str, ...]
    """Weak points found, each a sentence a person can check against the cited figure."""
    weight: int = 0
    """Sum of the weak points' weights; ranks the primary buckets."""


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
class Diagnosis:
    """Why the application fell short, and what to do next."""

    id: str
    outcome: str
    dream_specialty: str
    buckets: dict[str, Bucket]
    primary: tuple[str, ...]
    """The one or two buckets that matter most; empty when nothing is flagged."""
    decision: Decision
    decision_reasons: tuple[str, ...]
    target_specialty: str
    pivot_options: tuple[PivotOption, ...]
    applications: Applications
    missing: tuple[str, ...]
    """Field paths the profile left out that would sharpen the diagnosis."""
    years_since_graduation: int
    step2_gap: int | None
    """The dream's matched mean minus the applicant's Step 2 CK (positive: below the mean)."""

    @property
    def flagged(self) -> list[str]:
        return [name for name in BUCKETS if self.buckets[name].flagged]

    def to_json(self, sections: list[str]) -> dict[str, Any]:
        """The `guidebook diagnose --json` document."""
        return {
            "id": self.id,
            "outcome": self.outcome,
            "buckets": {name: {"flagged": b.flagged, "reasons": list(b.reasons)} for name, b in self.buckets.items()},
            "primary": list(self.primary),
            "decision": self.decision,
            "decision_reasons": list(self.decision_reasons),
            "target_specialty": self.target_specialty,
            "pivot_options": [{"specialty": o.specialty, "keeps": list(o.keeps)} for o in self.pivot_options],
            "applications": {"min": self.applications.min, "max": self.applications.max},
            "missing": list(self.missing),
            "sections": list(sections),
        }


@dataclass(frozen=True)
class Cell:
    """One cell of a worksheet table: a one-line field or a box to tick."""

    name: str
    """The field name within its worksheet, e.g. `candidate_1_lifestyle`."""
    kind: Literal["line", "check"]
    label: str
    """What a screen reader announces: the row and the column."""
    value: str | None = None


@dataclass(frozen=True)
class Column:
    label: str
    kind: Literal["line", "check"]


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
            return [(c.name, c.kind) for row in self.rows for c in row.cells]
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
