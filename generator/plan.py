"""The reader's 12-18 month plan: the phases of `content/data/plan.yaml`, focused by the diagnosis."""

from __future__ import annotations

from dataclasses import dataclass

from generator.data import PlanFile
from generator.models import Diagnosis


@dataclass(frozen=True)
class Phase:
    id: str
    title: str
    start: int
    end: int
    summary: str
    """The phase in one line."""
    focus: tuple[str, ...]
    """What to work on, month by month in turn; in the repair phase, one line per flagged bucket."""
    buckets: tuple[str, ...] = ()
    """The flagged buckets the focus lines answer (repair phase, personal plans only)."""


@dataclass(frozen=True)
class Plan:
    phases: tuple[Phase, ...]

    def month_focus(self, months: int = 12) -> list[str]:
        """The focus of each month from 1 to MONTHS; a phase with several lines takes them in turn."""
        result = []
        for month in range(1, months + 1):
            phase = next((p for p in self.phases if p.start <= month <= p.end), None)
            if phase is None:
                result.append("")
                continue
            result.append(phase.focus[(month - max(phase.start, 1)) % len(phase.focus)])
        return result


def personal_plan(dx: Diagnosis | None, data: PlanFile) -> Plan:
    """The plan's phases; with a diagnosis, the repair phase works on what it flagged."""
    phases = []
    for p in data.phases:
        buckets = tuple(b for b in (dx.flagged if dx else []) if b in p.by_bucket)
        focus = tuple(p.by_bucket[b] for b in buckets) or tuple(p.steps) or (p.focus,)
        phases.append(Phase(p.id, p.title, p.start, p.end, p.focus, focus, buckets))
    return Plan(tuple(phases))
