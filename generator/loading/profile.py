"""The profile: what an advisor or a student writes about one applicant.

Every optional field may be left out; a left-out field means "unknown", and the diagnosis never
counts an unknown as a weakness. Specialty names and the `keep` vocabulary are checked against the
data files, which the caller passes in the validation context (see `generator.loading.validate`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

ApplicantType = Literal["us_md", "us_do", "img"]
Outcome = Literal["unmatched", "matched_other", "soap_unwanted", "unmatched_after_soap", "prelim_only", "advanced_only"]
ProgramList = Literal["broad", "narrow"]
Statement = Literal["generic", "specific"]
RedFlag = Literal["remediation", "leave_of_absence", "professionalism", "visa", "social_media"]
Role = Literal["none", "prelim", "transitional", "research", "clinical_job", "non_clinical", "residency"]
Lifestyle = Literal["intense", "balanced", "controllable"]
Risk = Literal["low", "medium", "high"]
Geography = Literal["flexible", "regional", "fixed"]
Exam = Literal["step1", "step2_ck", "step2_cs", "step3", "level1", "level2_ce", "level2_pe", "level3"]
Visa = Literal["not_needed", "j1", "h1b", "either"]

OUTCOMES_WITH_POSITION = ("matched_other", "soap_unwanted", "prelim_only", "advanced_only")
"""Outcomes in which the applicant holds a position for the coming year (or the one after it)."""
OUTCOMES_UNPLACED = ("unmatched", "unmatched_after_soap")


def _specialty(value: str, info: ValidationInfo) -> str:
    catalog = (info.context or {}).get("catalog")
    if catalog is None:
        return value
    key = catalog.resolve(value)
    if key is None:
        raise PydanticCustomError(
            "unknown_specialty",
            "unknown specialty {given!r}",
            {"given": value, "choices": catalog.keys(), "suggestion": catalog.suggest(value)},
        )
    return key


def _keep(value: str, info: ValidationInfo) -> str:
    vocabulary = (info.context or {}).get("keeps")
    if vocabulary is None:
        return value
    key = vocabulary.resolve(value)
    if key is None:
        raise PydanticCustomError(
            "unknown_keep",
            "unknown word {given!r}",
            {"given": value, "choices": vocabulary.keys(), "suggestion": vocabulary.suggest(value)},
        )
    return key


ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def slug(text: str) -> str:
    """TEXT as an id: lower-cased, runs of other characters turned into '-', at most 64 characters."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")


def _id(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(ID_PATTERN, value):
        raise PydanticCustomError(
            "bad_id",
            "{given!r} is not an id",
            {
                "given": value,
                "problem": "does not have the expected form",
                "expected": "lower-case letters a-z, digits and single '-' between them, such as jordan-rivera; "
                "the id names the output folder, so it may not hold '/', '\\' or '..'",
                "suggestion": slug(value) or None,
            },
        )
    return value


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return", "\x1b": "an escape character"}


def _one_line(value: Any) -> Any:
    found = _CONTROL.search(value) if isinstance(value, str) else None
    if found:
        char = found.group()
        name = _CONTROL_NAMES.get(char, "an invisible control character")
        raise PydanticCustomError(
            "control_character",
            "{given!r} holds a control character",
            {
                "given": value,
                "problem": f"holds {name} (U+{ord(char):04X}) at character {found.start() + 1}",
                "expected": "one line of plain text, without tabs, line breaks or other control characters",
            },
        )
    if isinstance(value, str) and value and not value.strip():
        raise PydanticCustomError(
            "blank",
            "{given!r} is blank",
            {"given": value, "problem": "is only spaces", "expected": "the name as it should appear on the cover"},
        )
    return value


SpecialtyKey = Annotated[str, StringConstraints(min_length=1, max_length=80), AfterValidator(_specialty)]
KeepKey = Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(_keep)]
OneLine = Annotated[
    str, StringConstraints(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$"), BeforeValidator(_one_line)
]
Year = Annotated[int, Field(ge=1950, le=2100)]


def _count(high: int) -> Any:
    return Annotated[int, Field(ge=0, le=high)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True)

    def given(self, name: str) -> bool:
        """Whether the profile wrote NAME, even as null (null then means "none", not "unknown")."""
        return name in self.model_fields_set


class Scores(_Part):
    """Licensing exam results."""

    step2_ck: Annotated[int, Field(ge=1, le=300)] | None = None
    """USMLE Step 2 CK score, 1-300."""
    comlex2_ce: Annotated[int, Field(ge=9, le=999)] | None = None
    """COMLEX-USA Level 2-CE score, 9-999."""
    exam_failures: _count(20) | None = None
    """Failed attempts on any USMLE Step or COMLEX level, 0 or more."""
    failed_exams: list[Exam] | None = Field(default=None, max_length=20)
    """Which exam each failed attempt was on, one entry per attempt (step1, step2_ck, step2_cs, step3, level1, level2_ce, level2_pe, level3); [] means none."""
    step3_passed: bool | None = None
    """Whether USMLE Step 3 has been passed (an H-1B visa for residency needs it)."""


class Application(_Part):
    """The application of the cycle that just ended."""

    programs_applied: _count(1000) | None = None
    """Programs applied to in the dream specialty."""
    interviews: _count(1000) | None = None
    """Interviews received."""
    backup_specialty: SpecialtyKey | None = None
    """A second specialty also applied to; null means none (left out means unknown)."""
    program_list: ProgramList | None = None
    """broad (academic and community programs) or narrow (mostly big-name academic programs, or only where you rotated)."""
    letters_in_specialty: _count(20) | None = None
    """Letters of recommendation from faculty in the dream specialty."""
    advocate_letter: bool | None = None
    """Whether one of the letter writers promised to advocate hard for the applicant."""
    personal_statement: Statement | None = None
    """generic, or specific (why this specialty, with evidence)."""
    specialty_research: _count(500) | None = None
    """Specialty-relevant abstracts, posters and publications."""
    away_rotations: _count(20) | None = None
    """Sub-internships or audition rotations in the specialty with strong evaluations."""


class Situation(_Part):
    """Where the applicant stands now."""

    current_role: Role | None = None
    """none, prelim, transitional, research, clinical_job, non_clinical or residency."""
    research_year_access: bool | None = None
    """Whether a dedicated research year in the dream specialty is on offer."""
    extra_years: _count(2) | None = None
    """Extra years (0-2) the applicant can afford before residency."""


class International(_Part):
    """What an international medical graduate's application also turns on."""

    ecfmg_certified: bool | None = None
    """Whether the ECFMG certificate has been issued."""
    us_clinical_months: _count(120) | None = None
    """Months of hands-on US clinical experience (not observerships), 0 or more."""
    visa: Visa | None = None
    """not_needed (a US citizen or permanent resident), j1, h1b, or either (sponsorship needed, type not settled)."""


class Preferences(_Part):
    """What the applicant wants from a career."""

    keep: list[KeepKey] | None = Field(default=None, max_length=30)
    """What the applicant loved about the dream field, in the fixed vocabulary of content/data/keeps.yaml."""
    open_to: list[SpecialtyKey] | None = Field(default=None, max_length=30)
    """Specialties the applicant could be content in."""
    lifestyle: Lifestyle | None = None
    """intense, balanced or controllable."""
    risk_tolerance: Risk | None = None
    """low, medium or high."""
    geography: Geography | None = None
    """flexible, regional or fixed."""


class Profile(_Part):
    """One applicant, as written in a profile file."""

    name: OneLine
    """The applicant's name, shown on the cover."""
    applicant_type: ApplicantType
    """us_md, us_do or img (international medical graduate)."""
    graduation_year: Year
    """Year of medical school graduation."""
    match_year: Year
    """Year of the Match cycle that just ended."""
    outcome: Outcome
    """unmatched, matched_other, soap_unwanted or unmatched_after_soap."""
    dream_specialty: SpecialtyKey
    """The specialty wanted: a key of content/data/specialties.yaml, or a common name or alias."""
    id: Annotated[str, StringConstraints(max_length=64, pattern=ID_PATTERN), BeforeValidator(_id)] | None = None
    """Names the output folder: lower-case letters a-z, digits and single '-'. Default: the file name's stem."""
    matched_specialty: SpecialtyKey | None = None
    """The specialty matched into: for matched_other and soap_unwanted the position held; for prelim_only the
    preliminary year's field (internal_medicine, general_surgery; left out for a transitional year); for
    advanced_only the advanced position's field."""
    previous_attempts: _count(10) | None = None
    """Earlier cycles already spent applying to the dream specialty."""
    scores: Scores = Field(default_factory=Scores)
    """Exam results."""
    application: Application = Field(default_factory=Application)
    """The last application."""
    red_flags: list[RedFlag] | None = Field(default=None, max_length=10)
    """Any of remediation, leave_of_absence, professionalism, visa, social_media; [] means none."""
    situation: Situation = Field(default_factory=Situation)
    """The applicant's situation now."""
    img: International = Field(default_factory=International)
    """International graduates only: ECFMG certification, US clinical experience, visa."""
    preferences: Preferences = Field(default_factory=Preferences)
    """What the applicant wants."""
    advisor_note: Annotated[str, StringConstraints(max_length=4000)] | None = None
    """Free text from the advisor, shown in a callout on the first page."""
    advisor_private_note: Annotated[str, StringConstraints(max_length=4000)] | None = None
    """The advisor's own note, for themselves: shown on the cohort page and in cohort.csv only, never in the
    student's guide, workbook or search index; no form or interview asks it (see docs/profile.md)."""

    @field_validator("scores", "application", "situation", "img", "preferences", mode="before")
    @classmethod
    def _null_part_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def years_since_graduation(self) -> int:
        return self.match_year - self.graduation_year

    @property
    def needs_visa(self) -> bool | None:
        """Whether the applicant needs visa sponsorship; None when the profile does not say."""
        if self.img.visa is not None:
            return self.img.visa != "not_needed"
        if self.red_flags is not None:
            return "visa" in self.red_flags
        return None

    @property
    def failures(self) -> int | None:
        """Failed exam attempts: the count, or the length of the list of failed exams."""
        if self.scores.exam_failures is not None:
            return self.scores.exam_failures
        return len(self.scores.failed_exams) if self.scores.failed_exams is not None else None
