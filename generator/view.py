"""What both renderers show of a guide: names and labels resolved, profile text ready to escape."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from generator.models import Guide

def guide_view(guide: Guide) -> dict[str, Any]:
    """Template variables common to the site and the workbook."""
    data, dx, p = guide.data, guide.diagnosis, guide.profile
    catalog = data.catalog
    view: dict[str, Any] = {
        "name": guide.built_for,
        "sections": guide.sections,
        "skipped": guide.skipped,
        "date": guide.date,
        "p": p,
        "dx": dx,
        "dream": None,
        "target": None,
        "pivot_options": [],
        "missing": [],
        "advisor_paragraphs": [],
        "outcome_text": "",
    }
    if p is not None and dx is not None:
        view.update(
            dream=catalog[dx.dream_specialty],
            target=catalog[dx.target_specialty],
            pivot_options=[
                SimpleNamespace(key=o.specialty, name=catalog[o.specialty].name, keeps=[data.keeps[k] for k in o.keeps])
                for o in dx.pivot_options
            ],
            missing=list(dx.missing),
            advisor_paragraphs=[para.strip() for para in (p.advisor_note or "").split("\n\n") if para.strip()],
            outcome_text=data.labels["outcomes"][p.outcome],
        )
    return view
