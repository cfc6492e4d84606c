"""The guide as a reader gets it: sections, example variants, worksheets, pictures and sources."""

from __future__ import annotations

import dataclasses
import difflib
import io
import re
from html import unescape

import pypdf
import pytest

from generator.commands.build import build, prepare, prepare_generic
from generator.advice.select import select_content

from conftest import AS_OF, EXAMPLES, PROFILES

WORKSHEETS = {
    "autopsy",
    "diagnosis_sentence",
    "feedback",
    "pivot_matrix",
    "plan_tracker",
    "letters_tracker",
    "program_list",
    "interview_drafts",
    "boundaries",
    "today",
}


def words(html: str) -> list[str]:
    text = unescape(re.sub(r"<svg.*?</svg>", " ", html, flags=re.S))
    return re.findall(r"[A-Za-z0-9'’-]+", re.sub(r"<[^>]+>", " ", text))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(scope="module")
def generic(kit):
    return prepare_generic(kit, as_of=AS_OF)


@pytest.fixture(scope="module")
def guides(kit):
    return {path.stem: prepare(path, kit, as_of=AS_OF) for path in EXAMPLES}


# -- the whole playbook ---------------------------------------------------------------------------


def test_generic_edition_has_every_section_and_at_least_9000_words(kit, generic):
    assert [s.id for s in generic.sections] == [s.id for s in kit.library.sections]
    total = sum(len(words(s.html)) for s in generic.sections)
    assert total >= 9000, total


def test_the_ten_worksheets_exist_and_each_belongs_to_a_section(kit, generic):
    assert set(kit.library.worksheets) == WORKSHEETS
    placed = [ws.id for s in generic.sections for ws in s.worksheets]
    assert sorted(placed) == sorted(WORKSHEETS)


def test_generic_workbook_holds_every_worksheet(kit, generic):
    text = pdf_text(kit.workbook.render(generic))
    for ws in kit.library.worksheets.values():
        assert f"Worksheet: {ws.meta.title}" in text, ws.id


def test_worksheet_field_names_are_stable_and_meaningful(generic):
    names = {ws.id: dict(ws.field_names()) for s in generic.sections for ws in s.worksheets}
    assert names["today"]["today.commitment_1"] == "area"
    assert names["autopsy"]["autopsy.programs_applied"] == "line"
    assert names["pivot_matrix"]["pivot_matrix.candidate_1_lifestyle"] == "line"
    assert names["plan_tracker"]["plan_tracker.month_12_done"] == "check"
    assert names["boundaries"]["boundaries.phone_free_week_4"] == "check"
    assert names["letters_tracker"]["letters_tracker.letter_3_uploaded"] == "check"
    every = [n for fields in names.values() for n in fields]
    assert len(every) == len(set(every))


# -- personal, not generic ------------------------------------------------------------------------


BUCKET_SECTIONS = {"metrics": "metrics", "application_quality": "application-quality", "strategy": "strategy", "red_flags": "red-flags"}

# What each example's diagnosis calls for on AS_OF, worked out by hand from its profile (see
# test_examples.py for the diagnoses themselves): example variants chosen, and sections left out.
EXPECTED = {
    "jordan-rivera": {
        # 1 April 2026 is within two weeks of Match Day: the Match Week section says what they hold.
        "skipped": {"reattempt"},
        "examples": {"interview-last-match": "red_flags-pivot", "statement-framing": "dermatology--internal_medicine",
                     "letters": "pivot-other", "why-stay": "pivot", "contingency": "low-risk", "outcome": "unmatched"},
    },
    "sam-okafor": {
        "skipped": {"metrics", "red-flags"},
        "examples": {"interview-last-match": "strategy-reattempt", "statement-framing": "reattempt",
                     "letters": "reattempt-research", "why-stay": "reattempt", "contingency": "medium-risk"},
    },
    "priya-natarajan": {
        # An IMG in internal medicine reattempts it: no alternatives section, no pivot framing.
        "skipped": {"application-quality", "strategy", "alternatives"},
        "examples": {"interview-last-match": "metrics-reattempt", "statement-framing": "reattempt",
                     "contingency": "img", "outcome": "unmatched-after-soap"},
    },
    "alex-kim": {
        # No facts to decide on: no bucket sections, no reattempt plan; the fields to weigh are shown.
        "skipped": {"metrics", "application-quality", "strategy", "red-flags", "reattempt"},
        "examples": {"interview-last-match": "no-primary", "statement-framing": "gather_facts", "letters": "gather_facts",
                     "why-stay": "gather_facts", "contingency": "us-do"},
    },
    "grace-adeyemi": {
        "skipped": {"metrics", "application-quality", "strategy", "red-flags", "reattempt", "match-week"},
        "examples": {"interview-last-match": "in-residency", "letters": "in-residency", "outcome": "matched-other",
                     "statement-framing": "otolaryngology--general_surgery"},
    },
    "hannah-cho": {
        "skipped": {"metrics", "application-quality", "red-flags", "alternatives"},
        "examples": {"outcome": "prelim-only", "letters": "reattempt-prelim", "contingency": "prelim-only"},
    },
    "omar-haddad": {
        # An advanced position in the dream: the first year is what is missing, not another attempt.
        "skipped": {"metrics", "application-quality", "strategy", "red-flags", "reattempt", "alternatives"},
        "examples": {"outcome": "advanced-only", "letters": "reattempt-advanced", "contingency": "advanced-only"},
    },
}


def chosen_examples(guide):
    return {slot: v for s in guide.sections for slot, v in s.examples.items()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_profiles_get_the_content_their_diagnosis_calls_for(guides, name):
    guide, expected = guides[name], EXPECTED[name]
    assert {s for s, _ in guide.skipped} == expected["skipped"]
    chosen = chosen_examples(guide)
    for slot, variant in expected["examples"].items():
        assert chosen[slot] == variant, slot


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_content_follows_the_diagnosis_for_every_example(guides, kit, path):
    """The rules behind the choices, checked on every example profile."""
    guide = guides[path.stem]
    dx, p = guide.diagnosis, guide.profile
    ids = [s.id for s in guide.sections]
    html = "".join(s.html for s in guide.sections)
    # A bucket's section is there exactly when the bucket is flagged.
    for bucket, section in BUCKET_SECTIONS.items():
        assert (section in ids) == (bucket in dx.flagged), section
    # The reattempt plan is there exactly for a reattempt (not for the first year before an advanced position).
    first_year = dx.holding is not None and dx.holding.kind == "advanced" and dx.holding.specialty == dx.target_specialty
    assert ("reattempt" in ids) == (dx.decision == "reattempt" and not first_year)
    chosen = chosen_examples(guide)
    # Every slot is used, and no reader of a real profile gets the public edition's text.
    assert set(chosen) == set(kit.library.examples)
    assert "fallback" not in chosen.values()
    held = dx.holding is not None and dx.holding.kind == "categorical"
    in_residency = held or (p.situation.current_role == "residency" and dx.holding is None)
    if in_residency:
        assert chosen["interview-last-match"] == chosen["why-stay"] == chosen["letters"] == "in-residency"
    else:
        wanted = f"{dx.primary[0]}-{dx.decision}" if dx.primary and dx.decision != "gather_facts" else "no-primary"
        if dx.decision == "gather_facts" and dx.primary and dx.primary[0] == "red_flags":
            wanted = "red_flags-gather_facts"
        assert chosen["interview-last-match"] == wanted
        assert chosen["why-stay"] == chosen["why-specialty-now"] == dx.decision
        assert chosen["letters"].startswith(dx.decision)
    if dx.decision == "reattempt":
        assert chosen["statement-framing"] == "reattempt"
    elif dx.decision == "gather_facts":
        assert chosen["statement-framing"] == "gather_facts"
    else:
        assert chosen["statement-framing"] in (f"{dx.dream_specialty}--{dx.target_specialty}", "pivot")
    # Worksheets: the pivot matrix comes with the alternatives section; the others with every guide.
    worksheets = {ws.id for s in guide.sections for ws in s.worksheets}
    assert ("pivot_matrix" in worksheets) == ("alternatives" in ids)
    assert worksheets | {"pivot_matrix"} == WORKSHEETS
    # The reader's own case is in the text: their specialties, their Match and program range.
    catalog = kit.data.catalog
    assert catalog[dx.dream_specialty].name in html
    if dx.target_specialty:
        assert catalog[dx.target_specialty].name in html
    if dx.applications:
        assert f"{dx.applications.min}" in html and f"{dx.applications.max}" in html
    if dx.cycle.target_match:
        assert f"{dx.cycle.target_match} Match" in html
    assert "Months 12 to 18" not in html


def example_texts(guide, kit):
    """Each example slot's text as the reader gets it, names and numbers masked."""
    texts = {}
    for slot, variant in chosen_examples(guide).items():
        source = next(v for v in kit.library.examples[slot] if v.name == variant)
        texts[slot] = source.where.path.read_text(encoding="utf-8").split("---", 2)[2]
    return texts


def test_dermatology_pivot_and_orthopaedic_reattempt_differ_in_most_example_text(guides, kit):
    pivot, reattempt = guides["jordan-rivera"], guides["sam-okafor"]
    assert pivot.diagnosis.decision == "pivot" and pivot.diagnosis.dream_specialty == "dermatology"
    assert reattempt.diagnosis.decision == "reattempt" and reattempt.diagnosis.dream_specialty == "orthopaedic_surgery"
    a, b = chosen_examples(pivot), chosen_examples(reattempt)
    differing = [slot for slot in a if a[slot] != b[slot]]
    assert len(differing) >= 0.75 * len(a), (a, b)
    # Not only other files: the wording of those variants differs too. Count the runs of six words
    # of one guide's texts (templates, before names and numbers are filled in) found in the other's.
    def shingles(texts):
        words = " ".join(texts[s] for s in differing).split()
        return [tuple(words[i : i + 6]) for i in range(len(words) - 5)]

    runs_a, runs_b = shingles(example_texts(pivot, kit)), set(shingles(example_texts(reattempt, kit)))
    shared = sum(1 for run in runs_a if run in runs_b) / len(runs_a)
    assert shared < 0.2, shared



def worksheet(guide, ws_id):
    return next(ws for s in guide.sections for ws in s.worksheets if ws.id == ws_id)


def cells(ws):
    return {c.name: c.value for f in ws.fields for row in f.rows for c in row.cells}


def test_pivot_matrix_is_filled_with_the_readers_candidates(guides, kit):
    guide = guides["jordan-rivera"]
    dx = guide.diagnosis
    values = cells(worksheet(guide, "pivot_matrix"))
    catalog = kit.data.catalog
    assert values["candidate_1_specialty"] == "Dermatology"
    for n, option in enumerate(dx.pivot_options, start=2):
        s = catalog[option.specialty]
        assert values[f"candidate_{n}_specialty"] == s.name
        assert values[f"candidate_{n}_lifestyle"] == s.lifestyle
        tier = kit.data.labels["tiers"][s.tier]
        assert values[f"candidate_{n}_risk"] == f"{tier[0].upper()}{tier[1:]}: {s.match_rate_pct.value:g}% of US MD seniors matched (NRMP 2024, unverified)"
        assert values[f"candidate_{n}_interests"] == ", ".join(kit.data.keeps[k] for k in option.keeps)
    assert values["candidate_1_fit"] is None
    # Spare rows to add a field of one's own: a blank name, and blank cells.
    spare = len(dx.pivot_options) + 2
    assert values[f"candidate_{spare}_specialty"] is None and values[f"candidate_{spare}_interests"] is None


def test_program_list_and_letters_carry_the_readers_numbers(guides):
    guide = guides["jordan-rivera"]
    dx, p = guide.diagnosis, guide.profile
    programs = {f.id: f.value for f in worksheet(guide, "program_list").fields}
    assert programs["recommended"] == f"{dx.applications.min} to {dx.applications.max} programs in Internal Medicine"
    assert programs["last_time"] == str(p.application.programs_applied)
    letters = {f.id: f.value for f in worksheet(guide, "letters_tracker").fields}
    assert letters["have_now"] == str(p.application.letters_in_specialty)


def test_plan_tracker_months_follow_the_flagged_buckets(guides, kit):
    from generator.advice.select import reader_context

    phases = {p.id: p for p in kit.data.plan.phases}
    for name, months in (("jordan-rivera", 12), ("maya-patel", 24)):
        guide = guides[name]
        plan = reader_context(guide.profile, guide.diagnosis, kit.data, as_of=AS_OF)["plan"]
        table = cells(worksheet(guide, "plan_tracker"))
        focus = [v for k, v in table.items() if k.endswith("_focus")]
        assert len(focus) == months == plan.length
        assert focus == plan.month_focus()
        repair = next(p for p in plan.phases if p.id == "repair")
        text = " ".join(focus[repair.start : repair.end + 1])
        for bucket, line in phases["repair"].by_bucket.items():
            assert (line in text) == (bucket in guide.diagnosis.flagged), (name, bucket)
        assert focus[0] == phases["debrief"].steps[0]
        submit = next(i for i, m in enumerate(plan.months) if m.start.month == 9 and "Submit" in m.focus)
        assert focus[submit].startswith("Submit your applications on the first day they can go out")


def test_every_pivot_pair_in_the_data_has_its_own_statement_framing(kit, profile_of):
    """For each dream -> pivot pair of specialties.yaml, a pivot reader gets that pair's framing."""
    pairs = [(s.key, p.specialty) for s in kit.data.catalog for p in s.pivots]
    assert len(pairs) >= 15
    for dream, target in pairs:
        profile = profile_of({"dream_specialty": dream, "scores.exam_failures": 2, "application.backup_specialty": None, "preferences.open_to": []})
        from generator.advice.diagnose import diagnose

        dx = dataclasses.replace(diagnose(profile, kit.data, as_of=AS_OF), decision="pivot", target_specialty=target)
        sections, _, _ = select_content(profile, dx, kit.data, kit.library, kit.md, as_of=AS_OF)
        chosen = {slot: v for s in sections for slot, v in s.examples.items()}
        assert chosen["statement-framing"] == f"{dream}--{target}"


def test_pair_framings_are_not_the_same_text_with_names_swapped(kit):
    variants = {v.name: v for v in kit.library.examples["statement-framing"] if "--" in v.name}
    bodies = {}
    for name, v in variants.items():
        text = v.where.path.read_text(encoding="utf-8").split("---", 2)[2]
        for s in kit.data.catalog:
            text = text.replace(s.name, "X").replace(s.name.lower(), "x")
        bodies[name] = text.split()
    names = sorted(bodies)
    worst = max(
        difflib.SequenceMatcher(None, bodies[a], bodies[b], autojunk=False).ratio()
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    )
    assert worst < 0.5, worst


# -- pictures -------------------------------------------------------------------------------------


CHARTS = {"scores": "decision", "decision": "decision", "time": "short-term-role", "plan": "plan"}


@pytest.fixture(scope="module")
def jordan_built(kit, tmp_path_factory):
    return build(PROFILES / "jordan-rivera.yaml", tmp_path_factory.mktemp("out"), kit, as_of=AS_OF)


def test_each_picture_is_inline_svg_in_the_html_with_a_text_alternative(jordan_built):
    for chart, page in CHARTS.items():
        html = (jordan_built.folder / f"{page}.html").read_text(encoding="utf-8")
        figure = re.search(rf'<figure class="chart chart--{chart}".*?</figure>', html, re.S)
        assert figure, chart
        svg = figure.group(0)
        assert f'aria-labelledby="chart-{chart}-title"' in svg
        alternative = re.search(rf'<title id="chart-{chart}-title">([^<]+)</title>', svg).group(1)
        assert len(alternative) >= 60 and re.search(r"\d", alternative), alternative
        assert "<figcaption>" in svg


def test_each_picture_is_drawn_in_the_pdf(jordan_built, kit):
    text = pdf_text((jordan_built.folder / "workbook.pdf").read_bytes())
    assert "you: 238" in text  # scores: the reader's line
    assert "Metrics near norms?" in text  # decision path
    for label in kit.data.labels["time_split"].values():  # time split
        assert label in text
    for phase in ("Debrief and decide", "Repair the foundation", "Prepare the application", "Apply and interview", "Rank and match"):
        assert phase in text  # plan timeline: Jordan aims at the next Match, so no phase of visible work
    assert "applications open" in text


def svg_of(guide, chart):
    html = next(s.html for s in guide.sections if chart in s.charts)
    return re.search(rf'<figure class="chart chart--{chart}".*?</figure>', html, re.S).group(0)


def test_score_chart_numbers_come_from_the_profile_and_the_data(kit, write_profile):
    guide = prepare(write_profile({"scores.step2_ck": 231, "scores.exam_failures": 2}), kit, as_of=AS_OF)
    svg = svg_of(guide, "scores")
    assert ">you: 231<" in svg
    shown = [guide.diagnosis.dream_specialty, *(o.specialty for o in guide.diagnosis.pivot_options)]
    for key in shown:
        s = kit.data.catalog[key]
        if s.step2_ck:
            assert f">{s.step2_ck.matched}<" in svg and s.name in svg
            assert f"{s.name}: matched mean {s.step2_ck.matched}" in svg
    assert kit.data.catalog["dermatology"].step2_ck.source in svg
    no_score = prepare(write_profile({"scores.step2_ck": None}), kit, as_of=AS_OF)
    assert "you:" not in svg_of(no_score, "scores")


def test_decision_path_highlights_the_readers_route(guides, generic):
    def highlighted(guide):
        """The branch boxes filled with the accent colour (the box is drawn just before its label)."""
        svg = svg_of(guide, "decision")
        return {label for label in ("One more serious", "Identify realistic pivot")
                if re.search(rf'fill="#2b6cb0"[^>]*/><text[^>]*>{label}', svg)}

    assert highlighted(guides["jordan-rivera"]) == {"Identify realistic pivot"}
    assert highlighted(guides["sam-okafor"]) == {"One more serious"}
    assert highlighted(generic) == set()


def test_time_split_and_plan_come_from_the_data_files(kit, guides):
    guide = guides["jordan-rivera"]
    time_svg = svg_of(guide, "time")
    for key, pct in kit.data.facts["playbook"]["weekly_time_pct"].items():
        assert f"{kit.data.labels['time_split'][key]} {pct}%" in time_svg
    drawn_text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg_of(guide, "plan")))
    flagged = [kit.data.labels["buckets"][b] for b in guide.diagnosis.flagged]
    assert "your focus: " + ", ".join(flagged) in drawn_text
    for heading in ("Debrief and decide, April to May 2026", "Repair the foundation, June 2026",
                    "Prepare the application, July to August 2026", "Apply and interview, September 2026 to January 2027",
                    "Rank and match, February to March 2027"):
        assert heading in drawn_text
    assert "Apr 2026" in drawn_text and "applications open" in drawn_text


# -- sources --------------------------------------------------------------------------------------


def test_sources_page_says_how_old_each_figure_is(jordan_built):
    html = (jordan_built.folder / "sources.html").read_text(encoding="utf-8")
    this_year = int(re.search(r"on \d{1,2} [A-Z][a-z]+ (\d{4}), when this guide was built", html).group(1))
    assert f"2024 figures, {this_year - 2024} years old" in html
    ages = re.findall(r'<span class="age">Age: ([^<]+)\.</span>', html)
    assert len(ages) >= 5 and all(ages)
