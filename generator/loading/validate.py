"""Stage 1: load a profile file and validate it into a `Profile`, or report every problem, located."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from generator.loading.data import ReferenceData
from generator.errors import InputError, Problem, field_path
from generator.dates import long_date, weekday_date
from generator.loading.profile import OUTCOMES_WITH_POSITION, OUTCOMES_UNPLACED, Profile, slug
from generator.loading.schema import check
from generator.loading.yamlfile import Document, parse_yaml, read_yaml

log = logging.getLogger(__name__)


def load_profile(path: Path, data: ReferenceData, display: str | None = None, as_of: dt.date | None = None) -> Profile:
    """Read and validate the profile at PATH; raise `InputError` listing every problem.

    With AS_OF, the date the guide is built for, a Match whose outcome cannot be known yet on that
    date (Match Week has not begun) is a problem too.
    """
    return _validated(read_yaml(path, display, what="profile"), path, data, as_of)


def load_profile_text(text: str, display: str, data: ReferenceData, as_of: dt.date | None = None) -> Profile:
    """Validate the profile written in TEXT as `load_profile` validates a file; DISPLAY names it in
    messages, and its stem gives the id when the profile has none."""
    return _validated(parse_yaml(text, display, what="profile"), Path(display), data, as_of)


def _validated(doc: Document, path: Path, data: ReferenceData, as_of: dt.date | None) -> Profile:
    """DOC checked as a profile; PATH's stem gives the id when the profile has none."""
    if not isinstance(doc.data, dict):
        raise InputError(
            [Problem(doc.file, 1, 1, "", "the file holds a list or a single value, not a profile (expected a mapping of fields such as `name: ...`)")]
        )
    profile, problems = check(doc, Profile, data.validation_context)
    problems += _cross_check(doc)
    if as_of is not None:
        problems += _too_early(doc, data, as_of)
    if problems:
        # By position; problems at the same place (such as missing fields) keep the order of the model.
        raise InputError(sorted(dict.fromkeys(problems), key=lambda p: (p.line, p.column)))
    assert profile is not None
    if profile.id is None:
        profile = profile.model_copy(update={"id": default_id(path, doc)})
    log.info("validated %s (%s)", doc.file, profile.id)
    return profile


def default_id(path: Path, doc: Document) -> str:
    """The file name's stem, lower-cased, with runs of other characters turned into '-'."""
    made = slug(path.stem)
    if not made:
        raise InputError([Problem(doc.file, 1, 1, "id", "no id given and the file name has no letters or digits to make one (expected id: a-z, 0-9 and '-')")])
    return made


def _cross_check(doc: Document) -> list[Problem]:
    """Rules between fields, checked on the raw values wherever those have the right type."""
    raw = doc.data
    problems: list[Problem] = []

    def problem(path: tuple, message: str) -> None:
        line, column = doc.where(path)
        problems.append(Problem(doc.file, line, column, field_path(path), message))

    grad, match = raw.get("graduation_year"), raw.get("match_year")
    if _is_int(grad) and _is_int(match) and grad > match:
        problem(("graduation_year",), f"{grad} is after match_year {match} (expected a year no later than the match year)")

    outcome, matched, dream = raw.get("outcome"), raw.get("matched_specialty"), raw.get("dream_specialty")
    if matched is not None and outcome in OUTCOMES_UNPLACED:
        problem(
            ("matched_specialty",),
            f"is given, but outcome is {outcome!r} (expected matched_specialty only with outcome {', '.join(OUTCOMES_WITH_POSITION)})",
        )
    same = isinstance(matched, str) and isinstance(dream, str) and matched.strip().casefold() == dream.strip().casefold()
    if same and outcome in ("matched_other", "soap_unwanted"):
        problem(("matched_specialty",), "is the dream specialty (expected the other specialty the applicant matched into)")

    scores = raw.get("scores")
    if isinstance(scores, dict):
        count, exams = scores.get("exam_failures"), scores.get("failed_exams")
        if _is_int(count) and isinstance(exams, list) and count != len(exams):
            problem(
                ("scores", "failed_exams"),
                f"lists {len(exams)} failed attempt{'s' if len(exams) != 1 else ''}, but exam_failures is {count} "
                f"(expected one entry per failed attempt, {count} in all)",
            )

    kind, img = raw.get("applicant_type"), raw.get("img")
    if isinstance(img, dict) and img and kind in ("us_md", "us_do"):
        problem(("img",), f"is given, but applicant_type is {kind!r} (expected the img part only for applicant_type img)")
    flags = raw.get("red_flags")
    if isinstance(img, dict) and img.get("visa") == "not_needed" and isinstance(flags, list) and "visa" in flags:
        problem(("img", "visa"), "is not_needed, but red_flags lists visa (expected j1, h1b or either when sponsorship is needed)")

    app = raw.get("application")
    if isinstance(app, dict):
        programs, interviews = app.get("programs_applied"), app.get("interviews")
        if _is_int(programs) and _is_int(interviews) and interviews > programs:
            problem(("application", "interviews"), f"{interviews} interviews is more than the {programs} programs applied to (expected at most {programs})")
        backup = app.get("backup_specialty")
        if isinstance(backup, str) and isinstance(dream, str) and backup.strip().casefold() == dream.strip().casefold():
            problem(("application", "backup_specialty"), "is the dream specialty (expected a second specialty, or null for none)")
    return problems


def _too_early(doc: Document, data: ReferenceData, as_of: dt.date) -> list[Problem]:
    """The Match the profile describes must have reached Match Week by AS_OF, or its outcome is unknown."""
    year = doc.data.get("match_year")
    if not _is_int(year) or not 1950 <= year <= 2100:
        return []
    monday = data.calendar[year].match_week_start
    if as_of >= monday.date:
        return []
    estimate = ", an estimate from the NRMP's yearly pattern" if monday.estimate else ""
    line, column = doc.where(("match_year",))
    return [Problem(
        doc.file, line, column, "match_year",
        f"the {year} Match Week begins on {weekday_date(monday.date)}{estimate}, after the guide's date "
        f"{long_date(as_of)}, so its outcome cannot be known yet (expected a Match whose Match Week has begun; "
        f"build with --as-of on or after {monday.date.isoformat()}, or give the Match that just ended)",
    )]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
