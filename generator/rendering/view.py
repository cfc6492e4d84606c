"""What both renderers show of a guide: names and labels resolved, profile text ready to escape."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from generator.dates import long_date
from generator.models import Guide, compare_keeps

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
        "options_shared": [],
        "options_all": "",
        "missing": [],
        "img_unknowns": [],
        "advisor_paragraphs": [],
        "outcome_text": "",
        "cycle": dx.cycle if dx is not None else None,
        "route": dx.route if dx is not None else "",
        "decision_label": data.labels["decisions"][dx.decision] if dx is not None else "",
        "sources": sources_view(data, guide.date),
    }
    if p is not None and dx is not None:
        # How each field keeps what the reader wanted (a focus or a fellowship): what sets apart options that keep the same things.
        paths = {pivot.specialty: pivot.path for pivot in catalog[dx.dream_specialty].pivots if pivot.path}
        shared, apart = compare_keeps([(catalog[o.specialty].name, o.keeps) for o in dx.pivot_options])
        view.update(
            dream=catalog[dx.dream_specialty],
            target=catalog[dx.target_specialty] if dx.target_specialty else None,
            options_shared=[data.keeps[k] for k in shared],
            options_all=_all_of(len(dx.pivot_options)),
            pivot_options=[
                SimpleNamespace(
                    key=o.specialty,
                    name=catalog[o.specialty].name,
                    keeps=[data.keeps[k] for k in o.keeps],
                    extra=[data.keeps[k] for k in extra],
                    same_as=same_as,
                    path=paths.get(o.specialty),
                )
                for o, (extra, same_as) in zip(dx.pivot_options, apart)
            ],
            missing=[data.labels["missing"].get(m, m) for m in dx.missing],
            img_unknowns=[data.labels["missing"][m] for m in dx.missing if m in ("img.ecfmg_certified", "img.visa")],
            advisor_paragraphs=[para.strip() for para in (p.advisor_note or "").split("\n\n") if para.strip()],
            outcome_text=data.labels["outcomes"][p.outcome],
        )
    return view


def _all_of(count: int) -> str:
    """How a sentence about every one of COUNT options starts: "Both", "All three"."""
    words = ["", "", "Both", "All three", "All four", "All five", "All six", "All seven", "All eight"]
    return words[count] if count < len(words) else f"All {count}"


def sources_view(data, date: str) -> dict[str, Any]:
    """The Sources page of the site and of the workbook: every source, and how old its figures are on DATE."""
    this_year = int(date[:4])
    return {
        "source_list": _specialty_sources(data, this_year),
        "fact_sources": [{**f, "age": figure_age(f["year"], this_year)} for f in _fact_sources(data.facts)],
        "age": lambda year: figure_age(year, this_year),
        "rules_source": data.rules.source,
        "calendar_sources": [{"cite": c.cite, "title": c.title} for c in data.calendar.sources.values()],
        "specialties": list(data.catalog),
    }


def figure_age(year: int | None, this_year: int) -> str:
    """How old a figure is when the guide is built."""
    if not year:
        return "undated"
    years = this_year - int(year)
    if years <= 0:
        return "from this year"
    return f"{years} year{'s' if years != 1 else ''} old"


def _specialty_sources(data, this_year: int) -> list[dict]:
    """Each source of the specialty table, with the years of the figures taken from it and their age."""
    years: dict[str, set[int]] = {}
    for s in data.catalog:
        for block in (s.step2_ck, s.match_rate_pct, s.research_items):
            if block is not None and block.year:
                years.setdefault(block.source, set()).add(block.year)
    result = []
    for key, source in data.catalog.sources.items():
        used = sorted(years.get(source.cite, set()) | years.get(key, set()))
        age = "; ".join(f"{y} figures, {figure_age(y, this_year)}" for y in used) if used else "used for classifications, not figures"
        result.append({"cite": source.cite, "title": source.title, "age": age})
    return result


def _fact_sources(facts: dict) -> list[dict]:
    """Each group's source, once, from the facts file (nested groups included)."""
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if "source" in node and isinstance(node["source"], str):
                entry = {"source": node["source"], "year": node.get("year"), "verified": node.get("verified")}
                if entry not in found:
                    found.append(entry)
            for value in node.values():
                walk(value)

    walk(facts)
    return found
