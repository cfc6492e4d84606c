"""The "This week" card: the three steps a reader takes first, on the home page and the workbook's cover,
chosen from content/first-steps.yaml by the diagnosis and the date the guide is built for."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape

import pypdf
import pytest

from generator.commands.build import build, prepare, prepare_generic
from generator.rendering.render_html import render_site

from conftest import AS_OF, EXAMPLES, PROFILES

DATES = (dt.date(2026, 3, 17), dt.date(2026, 3, 25), dt.date(2026, 7, 15), dt.date(2026, 11, 29))


def card(html: str) -> tuple[str, list[str], list[str]]:
    """The card's heading, its steps' ids and their visible texts, from a home page."""
    main = html[html.index('<main id="main"') :]
    first_section = re.search(r"<section\b[^>]*>(.*?)</section>", main, re.S)
    assert first_section, "the home page has no section"
    body = first_section.group(1)
    heading = unescape(re.sub(r"<[^>]+>", "", re.search(r"<h2[^>]*>(.*?)</h2>", body, re.S).group(1)))
    steps = re.findall(r'<li data-step="(\w+)">(.*?)</li>', body, re.S)
    return heading, [s[0] for s in steps], [unescape(re.sub(r"<[^>]+>", "", s[1])) for s in steps]


def home(kit, guide) -> str:
    return render_site(guide, kit.pages, kit.resources, workbook=False)["index.html"].decode("utf-8")


def steps_for(kit, write_profile, changes, as_of):
    guide = prepare(write_profile(changes), kit, as_of=as_of)
    return [s.id for s in guide.first_steps]


@pytest.mark.parametrize("as_of", DATES, ids=str)
def test_every_home_page_opens_with_three_first_steps(kit, as_of):
    """Right after the name and the date, before the verdict: a card of three steps that link into the guide."""
    for path in EXAMPLES:
        guide = prepare(path, kit, as_of=as_of)
        html = home(kit, guide)
        heading, ids, texts = card(html)
        assert heading == "This week: three things to do first", path.name
        assert len(ids) == 3 and len(set(ids)) == 3, (path.name, ids)
        assert all(len(t.split()) >= 8 for t in texts), (path.name, texts)
        # The card comes before the decision, the diagnosis and the advisor's note.
        assert html.index('id="this-week"') < html.index('id="decision"'), path.name
        assert html.index('id="this-week"') < html.index('id="diagnosis"'), path.name


def test_a_soap_week_card_starts_with_soap_and_names_its_last_day(kit, write_profile):
    match = kit.data.calendar[2026]
    last_day, match_day = match.soap_end.date, match.match_day.date
    assert steps_for(kit, write_profile, {}, last_day)[0] == "soap"
    guide = prepare(write_profile({}), kit, as_of=last_day)
    assert "Thursday 19 March 2026" in guide.first_steps[0].html
    # Match Day: SOAP is over; an unplaced reader is told where positions outside the Match appear.
    assert steps_for(kit, write_profile, {}, match_day)[0] == "outside_match"
    # A reader who matched elsewhere is not in SOAP.
    assert "soap" not in steps_for(kit, write_profile, {"outcome": "matched_other", "matched_specialty": "psychiatry"}, last_day)


def test_the_weeks_after_soap_end_where_the_rules_say(kit, write_profile):
    days = kit.data.rules.cycle.after_soap_days
    match_day = kit.data.calendar[2026].match_day.date
    assert steps_for(kit, write_profile, {}, match_day + dt.timedelta(days=days - 1))[0] == "outside_match"
    assert "outside_match" not in steps_for(kit, write_profile, {}, match_day + dt.timedelta(days=days))


def test_a_reader_without_the_facts_starts_with_the_autopsy(kit):
    guide = prepare(PROFILES / "alex-kim.yaml", kit, as_of=dt.date(2026, 5, 1))
    assert guide.diagnosis.decision == "gather_facts"
    ids = [s.id for s in guide.first_steps]
    assert ids[0] == "autopsy_first"
    assert "diagnosis" not in ids  # no sentence to write before the facts are in
    assert 'href="first-days.html#worksheet-autopsy"' in guide.first_steps[0].html


def test_an_advanced_position_without_a_first_year_starts_with_the_program_director(kit):
    before = prepare(PROFILES / "omar-haddad.yaml", kit, as_of=AS_OF)
    assert [s.id for s in before.first_steps] == ["first_year", "first_year_search", "first_year_deadline"]
    assert "starting on 1 July 2026" in before.first_steps[0].html
    # Once 1 July has passed, the first year can no longer start on it: ask about a later start instead.
    after = prepare(PROFILES / "omar-haddad.yaml", kit, as_of=dt.date(2026, 7, 1))
    assert "1 July 2026" in after.first_steps[0].html and "move back a year" in after.first_steps[0].html
    day_before = prepare(PROFILES / "omar-haddad.yaml", kit, as_of=dt.date(2026, 6, 30))
    assert "starting on 1 July 2026" in day_before.first_steps[0].html


def test_an_international_graduate_is_asked_for_the_papers_the_profile_leaves_out(kit, write_profile):
    ids = steps_for(kit, write_profile, {"applicant_type": "img", "img": {"us_clinical_months": 6}}, AS_OF)
    assert "img_papers" in ids
    # The same reader with the papers known is not asked for them.
    known = {"applicant_type": "img", "img": {"us_clinical_months": 6, "ecfmg_certified": True, "visa": "j1"}}
    assert "img_papers" not in steps_for(kit, write_profile, known, AS_OF)
    # A US graduate never is.
    assert "img_papers" not in steps_for(kit, write_profile, {}, AS_OF)


def test_a_later_month_of_the_plan_becomes_a_step_of_its_own(kit, write_profile):
    """The plan's first phase (the debrief) is the diagnosis, the call and the decision; a later phase's month is named."""
    from generator.advice.plan import build_plan
    from generator.advice.diagnose import diagnose
    from generator.loading.validate import load_profile

    seen = set()
    for as_of in (dt.date(2026, 4, 1), dt.date(2026, 6, 1), dt.date(2026, 9, 1), dt.date(2027, 1, 15)):
        path = write_profile({"scores.step2_ck": 230})
        dx = diagnose(load_profile(path, kit.data, as_of=as_of), kit.data, as_of=as_of)
        plan = build_plan(dx, kit.data.plan, kit.data.calendar, as_of, dx.cycle.target_match)
        ids = steps_for(kit, write_profile, {"scores.step2_ck": 230}, as_of)
        later = plan.months[0].phase != "debrief"
        seen.add(later)
        assert ("this_month" in ids) == later, (as_of, plan.months[0].phase, ids)
        if later:
            guide = prepare(path, kit, as_of=as_of)
            text = next(s.html for s in guide.first_steps if s.id == "this_month")
            assert as_of.strftime("%B %Y") in text and 'href="plan.html"' in text, text
    assert seen == {True, False}, "the dates should cover a debrief month and a later one"


def test_the_workbook_cover_holds_the_same_three_steps(kit, tmp_path):
    out = build(PROFILES / "jordan-rivera.yaml", tmp_path, kit, as_of=AS_OF)
    reader = pypdf.PdfReader(io.BytesIO((out.folder / "workbook.pdf").read_bytes()))
    cover = " ".join(reader.pages[0].extract_text().split())
    guide = prepare(PROFILES / "jordan-rivera.yaml", kit, as_of=AS_OF)
    assert "This week: three things to do first" in cover
    for step in guide.first_steps:
        words = unescape(re.sub(r"<[^>]+>", "", step.html)).split()[:6]
        assert " ".join(words) in cover, (step.id, cover)
    # The path is stated once on the cover, and the date says what it is.
    assert cover.count("Internal Medicine") <= 2
    assert "Prepared on" in cover


def test_the_public_edition_opens_with_where_to_start(kit):
    guide = prepare_generic(kit, as_of=AS_OF)
    html = home(kit, guide)
    heading, ids, _ = card(html)
    assert heading == "Where to start: three things to do first"
    assert ids == ["place_yourself", "autopsy_public", "faculty_call_public"]
    in_soap = prepare_generic(kit, as_of=kit.data.calendar[2026].soap_start.date)
    assert [s.id for s in in_soap.first_steps][0] == "soap_public"


def test_every_page_reaches_the_contents_and_todays_steps_in_one_tap(kit):
    guide = prepare(PROFILES / "jordan-rivera.yaml", kit, as_of=AS_OF)
    files = render_site(guide, kit.pages, kit.resources, workbook=False)
    pages = [name for name in files if name.endswith(".html") and name != "404.html"]
    for name in pages:
        html = files[name].decode("utf-8")
        header = html[html.index('<header class="site-header"') : html.index("</header>")]
        assert 'href="#guide-nav"' in header, name
        assert 'id="guide-nav"' in html, name
        if name != "today.html":
            assert 'href="today.html">What to do today</a>' in header, name


def test_during_soap_the_whole_card_is_about_soap(kit):
    """A reader in SOAP is not sent to the autopsy or the papers that week: those wait for the week after."""
    soap_day = kit.data.calendar[2026].soap_start.date + dt.timedelta(days=1)
    for name in ("alex-kim", "chidi-nwosu", "jordan-rivera"):
        guide = prepare(PROFILES / f"{name}.yaml", kit, as_of=soap_day)
        assert [s.id for s in guide.first_steps] == ["soap", "soap_applications", "soap_statement"], name
        assert f"first {kit.data.facts['soap_week']['applications']} SOAP applications" in guide.first_steps[1].html
    # The day after SOAP ends (Match Day), the autopsy comes back for a reader without the facts.
    after = prepare(PROFILES / "alex-kim.yaml", kit, as_of=kit.data.calendar[2026].match_day.date)
    assert "autopsy_first" in [s.id for s in after.first_steps]
