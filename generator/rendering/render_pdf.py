"""Stage 5: render the guide as a printable PDF workbook through WeasyPrint.

The renderer is closed to the outside: it loads only files under the project's templates folder.
Any other URL (the network, another file on the disk) stops the build with a clear message.
WeasyPrint's PDF then has its form fields finished (generator/rendering/pdf_forms.py), and the same guide
always gives the same bytes, whenever and wherever it is built.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import jinja2

from generator.errors import BuildError
from generator.rendering import paginate
from generator.cache import cache_folder, code_stamp
from generator.rendering.paginate import Fixes, survey
from generator.models import Guide
from generator.resources import Resources
from generator.rendering.pdf_forms import INSET, FormFont, finish_forms, wrap
from generator.templating import render_page
from generator.rendering.view import guide_view

log = logging.getLogger(__name__)

PAPERS = {"letter": "letter", "a4": "A4"}

LAYOUTS = 3
"""How many times a workbook is laid out at most: once, and up to twice more with the fixes the pages call for."""

OPTIONS = {"pdf_forms": True, "pdf_variant": "pdf/ua-1"}
"""WeasyPrint options for every workbook: worksheet fields become form fields; tagged PDF/UA-1."""


class WorkbookRenderer:
    """Renders workbooks; parses the stylesheet and sets up fonts once, for every workbook after."""

    def __init__(self, env: jinja2.Environment, resources: Resources, brand: dict | None = None):
        import weasyprint  # heavy: loaded only by the commands that render
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import FatalURLFetchingError, URLFetcher

        # What the workbook may load: the workbook templates folders (an office's overrides, then the
        # package's) and the office's checked logo, and nothing else.
        roots = [(folder / "workbook").resolve() for folder in resources.template_folders]
        logo = Path(brand["logo_path"]).resolve() if brand and brand["logo_path"] else None

        class ClosedFetcher(URLFetcher):
            """Fetches files under the workbook templates folders and the checked logo, and nothing else."""

            def fetch(self, url, headers=None):
                parsed = urlparse(url)
                if parsed.scheme == "file":
                    path = Path(url2pathname(parsed.path)).resolve()
                    if path.is_file() and (path == logo or any(path.is_relative_to(root) for root in roots)):
                        return super().fetch(url, headers)
                raise FatalURLFetchingError(
                    f"refused to load {url!r}: the workbook may only use the project's own templates, styles and images"
                )

        stylesheet = resources.template_file("workbook/print.css")
        self._weasyprint = weasyprint
        self._env = env
        self._root = resources.template_file("workbook/workbook.html").parent.resolve()  # relative URLs start here
        # The workbook's cover draws the logo from its file (a `file:` URL the fetcher above admits).
        self._brand = {**brand, "logo_file": logo.as_uri() if logo else None} if brand else None
        self._fetcher = ClosedFetcher(allowed_protocols={"file"}, allow_redirects=False)
        self._fonts = FontConfiguration()
        self._css = weasyprint.CSS(filename=str(stylesheet), url_fetcher=self._fetcher, font_config=self._fonts)
        self._css_text = stylesheet.read_text(encoding="utf-8")
        self._paper = {"letter": [self._css]}
        self._form_font = FormFont.system()

    def html(self, guide: Guide) -> str:
        """The print HTML that goes into WeasyPrint."""
        view = guide_view(guide)
        title = f"Match Pivot Guidebook: workbook for {guide.built_for}"
        subject = "A personal plan after the residency Match"
        if guide.diagnosis is not None:
            dream, decision = view["dream"].name, guide.diagnosis.decision
            if decision == "reattempt":
                subject = f"Reattempt plan for {dream}"
            elif decision == "pivot":
                subject = f"Pivot plan from {dream} to {view['target'].name}"
            else:
                subject = f"First steps after the Match: the facts behind {dream}"
        return render_page(self._env, "workbook/workbook.html", {**view, "title": title, "author": guide.built_for, "subject": subject, "brand": self._brand})

    def stylesheets(self, paper: str) -> list:
        """The parsed stylesheets for PAPER (`letter` or `a4`), parsed once per process."""
        if paper not in PAPERS:
            raise BuildError(f"unknown paper size {paper!r} (expected one of: {', '.join(PAPERS)})")
        if paper not in self._paper:
            size = self._weasyprint.CSS(string=f"@page {{ size: {PAPERS[paper]}; }}", font_config=self._fonts)
            self._paper[paper] = [self._css, size]
        return self._paper[paper]

    def layout(self, html: str, paper: str = "letter"):
        """The laid-out workbook: laid out once, looked at page by page (generator/rendering/paginate.py), and laid out
        again with what that look fixes, at most `LAYOUTS` times in all. The fixes are kept in the build's
        cache under a digest of the workbook's HTML, so the same workbook built again is laid out once."""
        key = hashlib.sha256(f"{paper}\n{LAYOUT_STAMP}\n{self._css_text}\n{html}".encode("utf-8")).hexdigest()
        kept = _kept_fixes(key)
        if kept is not None:
            log.info("workbook laid out with the fixes kept from an earlier build: %s", kept.summary())
            return self._lay_out(html, paper, kept)
        fixes = Fixes()
        document = self._lay_out(html, paper, fixes)
        for _ in range(LAYOUTS - 1):
            if not fixes.update(survey(document), self._lines):
                break
            document = None  # the last layout goes before the next is made: one in memory at a time
            document = self._lay_out(html, paper, fixes)
        log.info("workbook laid out: %s", fixes.summary())
        _keep_fixes(key, fixes)
        return document

    def _lines(self, text: str, size: float, width: float) -> int:
        """How many lines TEXT takes in a multi-line field WIDTH points wide, at SIZE, as its appearance draws it."""
        return len(wrap(text, self._form_font, size, width - 2 * INSET))

    def _lay_out(self, html: str, paper: str, fixes: Fixes):
        stylesheets = self.stylesheets(paper)
        extra = fixes.css()
        if extra:
            stylesheets = [*stylesheets, self._weasyprint.CSS(string=extra, font_config=self._fonts)]
        return self._weasyprint.HTML(
            string=fixes.apply(html), base_url=self._root.as_uri() + "/", url_fetcher=self._fetcher
        ).render(font_config=self._fonts, stylesheets=stylesheets, **OPTIONS)

    def render(self, guide: Guide, paper: str = "letter") -> bytes:
        """The workbook PDF on PAPER; the same guide always gives the same bytes."""
        html = self.html(guide)
        identifier = hashlib.sha256(f"{paper}\n{html}".encode("utf-8")).hexdigest()[:32].encode("ascii")
        try:
            document = self.layout(html, paper)
            with font_dates(dt.date.fromisoformat(guide.date)):
                pdf = document.write_pdf(pdf_identifier=identifier, **OPTIONS)
        except self._weasyprint.urls.FatalURLFetchingError as exc:
            raise BuildError(str(exc)) from None
        log.info("rendered workbook: %d pages", len(document.pages))
        return finish_forms(pdf, line_heights(document), self._form_font)


LAYOUT_STAMP = code_stamp(paginate.__file__, code_stamp(__file__))
"""What else decides a workbook's fixes: the code that finds them and lays the workbook out."""


def _kept_fixes(key: str) -> Fixes | None:
    """The fixes an earlier build found for the workbook whose digest is KEY, if the cache holds them."""
    folder = cache_folder()
    if folder is None:
        return None
    try:
        return Fixes.loads((folder / f"guidebook-layout-{key[:32]}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _keep_fixes(key: str, fixes: Fixes) -> None:
    """Keep FIXES for the next build of the same workbook; a cache that cannot be written is passed over."""
    folder = cache_folder()
    if folder is None:
        return
    target = folder / f"guidebook-layout-{key[:32]}.json"
    try:
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(fixes.dumps(), encoding="utf-8")
        os.replace(partial, target)
    except OSError:
        pass


def line_heights(document) -> dict[str, float]:
    """The CSS line height in points of each multi-line field of DOCUMENT, by field name: where its
    text stands, on the worksheet's ruled lines."""
    heights = {}
    for page in document.pages:
        for inputs in page.forms.values():
            for box, _ in inputs:
                if box.element.tag == "textarea":
                    heights[box.element.get("name")] = _points(box.style["line_height"], box.style["font_size"])
    return heights


def _points(line_height, font_size: float) -> float:
    """A line height as WeasyPrint computes it (`normal`, a factor of FONT_SIZE, or a length in CSS
    pixels) in points."""
    if line_height == "normal":
        pixels = 1.2 * font_size
    elif isinstance(line_height, (int, float)):
        pixels = line_height * font_size
    else:
        pixels = line_height.value
    return pixels * 0.75


@contextlib.contextmanager
def font_dates(day: dt.date):
    """Date the fonts WeasyPrint subsets DAY, the guide's date, instead of the time of the build.

    When WeasyPrint subsets a font with fontTools (where HarfBuzz cannot), fontTools stamps the font's
    `head.modified` with the current time unless SOURCE_DATE_EPOCH is set, so two builds seconds apart
    gave different bytes. SOURCE_DATE_EPOCH is fontTools' own switch; it is set to the start of DAY (UTC)
    for the write alone, whatever the caller's environment says, and put back after. Builds run one at
    a time in a process (`guidebook batch` uses processes, not threads), so no other code sees it.
    """
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp()))
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before
