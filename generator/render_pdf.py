"""Stage 5: render the guide as a printable PDF workbook through WeasyPrint.

The renderer is closed to the outside: it loads only files under the project's templates folder.
Any other URL (the network, another file on the disk) stops the build with a clear message.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import jinja2

from generator.errors import BuildError
from generator.models import Guide
from generator.templating import render_page
from generator.view import guide_view

log = logging.getLogger(__name__)

PAPERS = {"letter": "letter", "a4": "A4"}

OPTIONS = {"pdf_forms": True, "pdf_variant": "pdf/ua-1"}
"""WeasyPrint options for every workbook: worksheet fields become form fields; tagged PDF/UA-1."""


class WorkbookRenderer:
    """Renders workbooks; parses the stylesheet and sets up fonts once, for every workbook after."""

    def __init__(self, env: jinja2.Environment, templates: Path):
        import weasyprint  # heavy: loaded only by the commands that render
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import FatalURLFetchingError, URLFetcher

        root = (templates / "workbook").resolve()

        class ClosedFetcher(URLFetcher):
            """Fetches files under the workbook templates folder, and nothing else."""

            def fetch(self, url, headers=None):
                parsed = urlparse(url)
                if parsed.scheme == "file":
                    path = Path(url2pathname(parsed.path)).resolve()
                    if path.is_relative_to(root) and path.is_file():
                        return super().fetch(url, headers)
                raise FatalURLFetchingError(
                    f"refused to load {url!r}: the workbook may only use the project's own templates, styles and images"
                )

        self._weasyprint = weasyprint
        self._env = env
        self._root = root
        self._fetcher = ClosedFetcher(allowed_protocols={"file"}, allow_redirects=False)
        self._fonts = FontConfiguration()
        self._css = weasyprint.CSS(filename=str(root / "print.css"), url_fetcher=self._fetcher, font_config=self._fonts)
        self._paper = {"letter": [self._css]}

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
        return render_page(self._env, "workbook/workbook.html", {**view, "title": title, "author": guide.built_for, "subject": subject})

    def stylesheets(self, paper: str) -> list:
        """The parsed stylesheets for PAPER (`letter` or `a4`), parsed once per process."""
        if paper not in PAPERS:
            raise BuildError(f"unknown paper size {paper!r} (expected one of: {', '.join(PAPERS)})")
        if paper not in self._paper:
            size = self._weasyprint.CSS(string=f"@page {{ size: {PAPERS[paper]}; }}", font_config=self._fonts)
            self._paper[paper] = [self._css, size]
        return self._paper[paper]

    def render(self, guide: Guide, paper: str = "letter") -> bytes:
        """The workbook PDF on PAPER; the same guide always gives the same bytes."""
        stylesheets = self.stylesheets(paper)
        html = self.html(guide)
        identifier = hashlib.sha256(f"{paper}\n{html}".encode("utf-8")).hexdigest()[:32].encode("ascii")
        try:
            document = self._weasyprint.HTML(
                string=html, base_url=self._root.as_uri() + "/", url_fetcher=self._fetcher
            ).render(font_config=self._fonts, stylesheets=stylesheets, **OPTIONS)
            pdf = document.write_pdf(pdf_identifier=identifier, **OPTIONS)
        except self._weasyprint.urls.FatalURLFetchingError as exc:
            raise BuildError(str(exc)) from None
        log.info("rendered workbook: %d pages", len(document.pages))
        return pdf
