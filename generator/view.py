"""What both renderers show of a guide: names and labels resolved, profile text ready to escape."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from generator.dates import long_date
from generator.models import Guide

def guide_view(guide: Guide) -> dict[str, Any]:
    """Template variables common to the site and the workbook."""
    data, dx, p = guide.data, guide.diagnosis, guide.profile
    catalog = data.catalog
    view: dict[str, Any] = {
        "name": guide.built_for,
        "sections": guide.sections,
        "skipped": guide.skipped,
        "first_steps": guide.first_steps,
        "date": guide.date,
        "prepared": long_date(dt.date.fromisoformat(guide.date)),  # the date the guide was prepared for, as a reader writes it
        "p": p,
        "dx": dx,
        "dream": None,
        "target": None,
        "pivot_options": [],
        "missing": [],
        "img_unknowns": [],
        "advisor_paragraphs": [],
        "outcome_text": "",
        "cycle": dx.cycle if dx is not None else None,
        "route": dx.route if dx is not None else "",
        "decision_label": data.labels["decisions"][dx.decision] if dx is not None else "",
    }
    if p is not None and dx is not None:
        # How each field keeps what the reader wanted (a focus or a fellowship): what sets apart options that keep the same things.
        paths = {pivot.specialty: pivot.path for pivot in catalog[dx.dream_specialty].pivots if pivot.path}
        view.update(
            dream=catalog[dx.dream_specialty],
            target=catalog[dx.target_specialty] if dx.target_specialty else None,
            pivot_options=[
                SimpleNamespace(
                    key=o.specialty,
                    name=catalog[o.specialty].name,
                    keeps=[data.keeps[k] for k in o.keeps],
                    path=paths.get(o.specialty),
                )
                for o in dx.pivot_options
            ],
            missing=[data.labels["missing"].get(m, m) for m in dx.missing],
            img_unknowns=[data.labels["missing"][m] for m in dx.missing if m in ("img.ecfmg_certified", "img.visa")],
            advisor_paragraphs=[para.strip() for para in (p.advisor_note or "").split("\n\n") if para.strip()],
            outcome_text=data.labels["outcomes"][p.outcome],
        )
    return view

