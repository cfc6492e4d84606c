"""Stage 4: render the guide as a multi-page website (every link relative, no external request)."""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import logging
import re
from pathlib import Path
from typing import Any

import jinja2

from generator.loading.project import readable
from generator.models import Guide
from generator.resources import Resources
from generator.templating import render_page
from generator.rendering.view import guide_view

log = logging.getLogger(__name__)

SITE_TITLE = "Match Pivot Guidebook"


def render_site(
    guide: Guide,
    env: jinja2.Environment,
    resources: Resources,
    site_url: str | None = None,
    workbook: bool = True,
    builder: dict | None = None,
    brand: dict | None = None,
) -> dict[str, bytes]:
    """Every file of the site, by its path relative to the site's folder.

    A personal guide (`guide.profile` set) opens on the reader's diagnosis and asks search engines
    to stay away. The public edition (no profile) opens on a start page, adds search, a 404 page,
    `.nojekyll`, `robots.txt`, and a `sitemap.xml` when SITE_URL is given.
    """
    view = guide_view(guide)
    personal = guide.profile is not None
    home = "Your diagnosis" if personal else "Start here"
    common = {
        **view,
        "site_title": SITE_TITLE,
        "personal": personal,
        "home_title": home,
        "workbook": workbook,
        "guide_key": guide_key(guide),
        "noindex": personal,
        "builder": bool(builder) and not personal,
        "brand": brand,
        "footer": f"A personal guide for {guide.built_for}. Built by Match Pivot Guidebook; not medical or legal advice."
        if personal
        else "Match Pivot Guidebook. Not medical or legal advice.",
    }
    order = [("index", "index.html", home)]
    order += [(s.id, f"{s.id}.html", s.title) for s in guide.sections]
    order += [("sources", "sources.html", "Sources")]

    def neighbours(i: int) -> dict:
        prev = dict(href=order[i - 1][1], title=order[i - 1][2]) if i > 0 else None
        nxt = dict(href=order[i + 1][1], title=order[i + 1][2]) if i + 1 < len(order) else None
        return {"prev": prev, "next": nxt}

    files: dict[str, bytes] = {}
    index_template = "site/index.html" if personal else "site/home.html"
    files["index.html"] = _render(env, index_template, common, current="index", page_title=home, **neighbours(0))
    for i, section in enumerate(guide.sections, start=1):
        files[f"{section.id}.html"] = _render(
            env,
            "site/section.html",
            common,
            current=section.id,
            page_title=section.title,
            section=section,
            toc=[h for h in section.headings if h[0] == 2] if len(section.headings) >= 3 else [],
            **neighbours(i),
        )
    files["sources.html"] = _render(
        env,
        "site/sources.html",
        common,
        current="sources",
        page_title="Sources",
        **view["sources"],
        **neighbours(len(order) - 1),
    )
    if not personal:
        files.update(_public_files(guide, env, common, site_url, [page for _, page, _ in order]))
        if builder:
            # The page where a reader builds their own guide in the browser (generic --browser).
            files["build.html"] = _render(
                env, "site/builder.html", common, current="build", page_title="Build your own guide", builder=builder, prev=None, next=None
            )
    for folder in reversed(resources.template_folders):  # the package's assets, then each override's over them
        assets = folder / "site" / "assets"
        for asset in sorted(assets.rglob("*")):
            if asset.is_file():
                files[f"assets/{asset.relative_to(assets).as_posix()}"] = asset.read_bytes()
    if brand:
        files["assets/brand.css"] = render_page(env, "site/brand.css", {"colors": site_accents(brand)}).encode("utf-8")
        if brand["logo"]:
            files[brand["logo"]] = Path(brand["logo_path"]).read_bytes()
    log.info("rendered %d site files", len(files))
    return files


SURFACES = {
    "light": ("#fbfaf7", "#ffffff", "#eef4fa", "#fff7e0", "#fdf0ef", "#eef7f1"),
    "dark": ("#15181c", "#1c2026", "#17232f", "#2a2616", "#2a1b1b", "#18261e"),
}
"""What the accent is written on in each scheme: the page, cards and the tinted boxes (--bg, --card,
--example, --note, --flag-bg and --ok-bg in templates/site/assets/style.css)."""


def site_accents(brand: dict) -> dict[str, str] | None:
    """The site's accent in the light and the dark scheme for BRAND (`LoadedProject.brand_view`), or None
    when it gives no colour. The project file checks each colour against its scheme's page alone; a
    colour near that limit can be too faint on a tinted box, so it is moved towards black (light) or
    white (dark), 1% at a time, until it has 4.5:1 against every surface. Most colours stay as given."""
    if not brand.get("color"):
        return None
    return {scheme: readable(brand[key], scheme, SURFACES[scheme]) for scheme, key in (("light", "color"), ("dark", "color_dark"))}


def guide_key(guide: Guide) -> str:
    """The key a guide's kept answers go under in the reader's browser: the same for every build of one
    reader's guide, different for another reader's, and telling nothing about the reader."""
    p = guide.profile
    if p is None:
        return "public"
    who = "\n".join(str(part) for part in (p.name, p.applicant_type, p.graduation_year, p.match_year))
    return hashlib.sha256(who.encode("utf-8")).hexdigest()[:16]


def _render(env: jinja2.Environment, name: str, common: dict, **extra) -> bytes:
    return render_page(env, name, {**common, **extra}).encode("utf-8")


def render_cohort(rows: list[dict[str, str]], env: jinja2.Environment, labels: dict[str, Any], date: str, brand: dict | None = None) -> str:
    """The advisor's cohort page: the decision split, bucket frequency and one row per student, in words
    (the CSV beside it keeps the codes, for spreadsheets), with each student's advisor-only note and the
    office's BRAND (`LoadedProject.brand_view`; its logo is expected beside the page, at `brand.logo`)."""
    from generator.advice.charts import cohort_charts
    from generator.models import BUCKETS

    buckets = {b: sum(1 for r in rows if b in r["flagged"].split()) for b in BUCKETS}
    charts = cohort_charts(rows, buckets, labels["buckets"])
    words = [
        {
            **r,
            "decision_words": labels["decisions"].get(r["decision"], r["decision"]),
            "missing_words": [labels["missing"].get(m, m) for m in r["missing"].split()],
        }
        for r in rows
    ]
    return render_page(env, "cohort/cohort.html", {"rows": words, "charts": charts, "date": date, "brand": brand})


def _public_files(guide: Guide, env: jinja2.Environment, common: dict, site_url: str | None, pages: list[str]) -> dict[str, bytes]:
    """What only the public edition has: search, a 404 page, and what hosts and crawlers read."""
    files: dict[str, bytes] = {}
    files["search.html"] = _render(env, "site/search.html", common, current="search", page_title="Search", prev=None, next=None)
    index = json.dumps(_search_index(guide), ensure_ascii=False, separators=(",", ":"))
    files["assets/search-index.js"] = f"window.SEARCH_INDEX = {index};\n".encode("utf-8")
    files["404.html"] = _render(env, "site/404.html", common, current="404", page_title="Page not found", prev=None, next=None, base_url=site_url)
    files[".nojekyll"] = b""
    robots = "User-agent: *\nAllow: /\n"
    if site_url:
        robots += f"Sitemap: {site_url}sitemap.xml\n"
        urls = "".join(f"  <url><loc>{html_lib.escape(site_url + ('' if page == 'index.html' else page), quote=False)}</loc></url>\n" for page in pages)
        files["sitemap.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "</urlset>\n"
        ).encode("utf-8")
    files["robots.txt"] = robots.encode("utf-8")
    return files


def _search_index(guide: Guide) -> list[dict]:
    """One entry per section part (the text under each second-level heading), as plain text."""
    entries = []
    for section in guide.sections:
        parts = re.split(r'(<h2 id="[^"]+">.*?</h2>)', re.sub(r"<figure.*?</figure>", " ", section.html, flags=re.S), flags=re.S)
        anchor, heading = "", ""
        for part in parts:
            match = re.match(r'<h2 id="([^"]+)">(.*?)</h2>', part, re.S)
            if match:
                anchor, heading = match.group(1), _plain(match.group(2))
                continue
            text = _plain(part)
            if text:
                entries.append({"page": f"{section.id}.html", "anchor": anchor, "section": section.title, "heading": heading, "text": text})
    return entries


def _plain(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
