"""The Jinja environments and the Markdown renderer, with every filter registered in one place.

Two environments:
- the content environment renders section and example bodies to Markdown. It is sandboxed, strict
  about undefined names, and escapes every printed value for Markdown, so profile text can never
  become markup, a link or an image.
- the page environment renders the site's and the workbook's HTML templates, with autoescaping.

Both keep what Jinja compiles in a `CodeCache` on disk (see `generator.cache`), so a new process
does not compile the same templates again.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from weakref import WeakKeyDictionary

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin

from generator.cache import cache_folder, code_stamp
from generator.dates import long_date, weekday_date
from generator.errors import ContentError

CONTAINERS = ("example", "note", "warning")

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&:])")


class MarkdownText(Markup):
    """Markdown that the content environment prints as it is (an example text, say)."""


def md_escape(value: Any) -> Markup:
    """Print VALUE so Markdown shows its characters literally: no emphasis, links, HTML or blocks.

    Values already marked safe (`Markup`: a macro's output, an example text) are content authored
    Markdown and pass through; everything else, profile text above all, is escaped.
    """
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("(not given)")
    if isinstance(value, bool):
        return Markup("yes" if value else "no")
    if isinstance(value, (int, float)):
        return Markup(f"{value:g}" if isinstance(value, float) else str(value))
    text = " ".join(str(value).split())  # no line breaks: a value cannot start a heading or a list
    return Markup(_MD_SPECIAL.sub(r"\\\1", text))


def cite(figure: Any) -> str:
    """A figure's or a date's short citation, marked where the data says it was not verified.

    A figure (a specialty's Step 2 CK mean, say) gives "NRMP 2024" or "NRMP 2024, unverified"; a
    date of the calendar gives its source, or "estimate" when it comes from the yearly pattern.
    """
    if isinstance(figure, dict):  # a group of facts.yaml
        source, verified = figure.get("source", ""), figure.get("verified")
        return source if verified is not False else f"{source}, unverified"
    if getattr(figure, "estimate", False):
        return "estimate from the yearly pattern"
    source = getattr(figure, "source", None) or getattr(figure, "cite", "")
    return source if getattr(figure, "verified", True) else f"{source}, unverified"


def _day(value: Any) -> Any:
    """A calendar event (with `.date`) or a date."""
    return getattr(value, "date", value)


def _long_date(value: Any) -> str:
    return long_date(_day(value))


def _weekday_date(value: Any) -> str:
    return weekday_date(_day(value))


def bucket_name(key: str) -> str:
    return key.replace("_", " ")


def join_and(items: Iterable[Any]) -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class CodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates on disk (see `generator.cache`).

    Compiling is the slowest step of a fresh build (about 0.4 s for the whole library), and the
    templates rarely change. Jinja checks each entry against its template's source; the file name
    adds Jinja's version, this module and the environment's settings. A damaged entry is a miss,
    and an entry that cannot be written is skipped.
    """

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # full or read-only: the build goes on uncached
            pass


_THIS_MODULE = code_stamp(__file__)


def _name(setting: Any) -> Any:
    """A setting as it can be compared between processes (a function by its name, not its address)."""
    return f"{setting.__module__}.{setting.__qualname__}" if callable(setting) else setting


def attach_code_cache(env: jinja2.Environment) -> jinja2.Environment:
    """Give ENV a `CodeCache` of its own in the cache folder, unless caching is off."""
    folder = cache_folder()
    if folder is None:
        return env
    # What the compiled code depends on besides the template: Jinja's version, this module (which
    # sets up both environments and their filters) and the environment's settings.
    settings = repr((
        jinja2.__version__, _THIS_MODULE, type(env).__qualname__, _name(env.autoescape), _name(env.finalize),
        env.optimized, env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.newline_sequence,
        env.block_start_string, env.variable_start_string, env.comment_start_string,
        sorted(env.filters), sorted(env.tests), sorted(env.extensions),
    ))
    env.bytecode_cache = CodeCache(str(folder), f"guidebook-{hashlib.sha1(settings.encode()).hexdigest()[:12]}-%s.cache")
    return env


def content_environment(keeps: dict[str, str], catalog: Any) -> SandboxedEnvironment:
    """The sandboxed environment that renders content files to Markdown."""
    # Autoescape on, so macro output comes back as Markup and is trusted; `finalize` escapes every
    # other printed value for Markdown before Jinja's HTML escaping could touch it.
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        finalize=md_escape,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters.update(
        bucket_name=bucket_name,
        join_and=join_and,
        keep_labels=lambda keys: [keeps.get(k, k.replace("_", " ")) for k in (keys or ())],
        specialty_name=lambda key: catalog[key].name,
        lookup=lambda key, mapping: mapping.get(key, key),
        long_date=_long_date,
        weekday_date=_weekday_date,
        month_name=lambda day: _day(day).strftime("%B %Y"),
        cite=cite,
        competitiveness=lambda specialty, tiers: competitiveness(specialty, tiers),
    )
    return attach_code_cache(env)


def competitiveness(specialty: Any, tiers: dict[str, str]) -> str:
    """How hard a field is to match, in words, with the share of US MD seniors who matched when the data has it."""
    words = tiers.get(specialty.tier, specialty.tier)
    rate = specialty.match_rate_pct
    if rate is None:
        return words[0].upper() + words[1:]
    return f"{words[0].upper() + words[1:]}: {rate.value:g}% of US MD seniors matched ({cite(rate)})"


def page_environment(templates: Path | list[Path]) -> jinja2.Environment:
    """The environment that renders the site's and the workbook's HTML templates, from TEMPLATES (a
    folder, or folders searched in order: an office's overrides before the package's)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "xml", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(bucket_name=bucket_name, join_and=join_and, workbook_links=workbook_links)
    return attach_code_cache(env)


def render_page(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render the layout template NAME; a broken template is a `ContentError` naming its file and line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError(exc.filename or name, f"template error: {exc.message}", exc.lineno or 0) from None
    except jinja2.TemplateNotFound as exc:
        raise ContentError(name, f"template not found: {exc.name}") from None
    except jinja2.TemplateError as exc:
        # Jinja rewrites the traceback so that template frames carry the template's file and line.
        path, line = name, 0
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".j2")):
                path, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
        raise ContentError(path, f"template error: {exc.message or exc}", line) from None


_SITE_LINK = re.compile(r'href="([a-z0-9-]+)\.html(?:#worksheet-([a-z0-9_]+))?"')


def workbook_links(html: str) -> Markup:
    """Point the site's links between sections at the same places inside the workbook."""
    def inside(match: re.Match) -> str:
        section, worksheet = match.groups()
        return f'href="#w-{worksheet}"' if worksheet else f'href="#s-{section}"'

    return Markup(_SITE_LINK.sub(inside, str(html)))


def markdown_renderer() -> MarkdownIt:
    """CommonMark with tables, heading anchors and the callout containers; raw HTML is off."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(["table", "replacements", "smartquotes"])
    # Every link and image reaches `render_markdown`, which refuses what is not safe with a clear
    # message, instead of markdown-it quietly printing it as text.
    md.validateLink = lambda url: True
    md.core.ruler.after("smartquotes", "open_quotes", _close_open_quotes)
    md.use(anchors_plugin, min_level=2, max_level=3, permalink=False)
    # One rule for every `::: name` block (a rule per name would be tried on every line).
    md.use(container_plugin, name="block", validate=_known_block, render=_render_block)
    # Constructs the guide never uses are switched off: the parser has fewer rules to try on each
    # line, and an indented line can never turn into a code block by accident.
    md.disable(["code", "fence", "reference", "html_block", "lheading", "autolink", "html_inline"])
    return md


def _known_block(params: str, markup: str) -> bool:
    return params.strip().split(" ", 1)[0] in (*CONTAINERS, "chart")


_LINK_SCHEMES = ("http://", "https://", "mailto:")


class UnsafeURL(ValueError):
    """A link or image in content that the guide refuses to render."""

    def __init__(self, url: str, message: str):
        super().__init__(message)
        self.url = url


def _check_urls(tokens: list[Any]) -> None:
    """Links may go to the web, to mail, or to a page or anchor of the guide; images only to the guide's own files."""
    for block in tokens:
        for token in [block, *(block.children or [])]:
            if token.type == "image":
                url = str(token.attrs.get("src", ""))
                if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I) or url.startswith(("/", "\\")) or ".." in url:
                    raise UnsafeURL(url, f"refused the image {url!r}: images must be the project's own files, given as a relative path")
            elif token.type == "link_open":
                url = str(token.attrs.get("href", ""))
                if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I) and not url.lower().startswith(_LINK_SCHEMES):
                    raise UnsafeURL(url, f"refused the link {url!r}: links may only use http, https or mailto, or point inside the guide")


def _close_open_quotes(state: Any) -> None:
    """Curl the straight double quotes smartquotes left unpaired.

    A quotation that runs over several paragraphs opens each paragraph and closes only the last,
    so its quote marks cannot pair within one paragraph: a quote at the start of a word opens,
    any other closes.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        previous = " "
        for token in block.children:
            if token.type == "text" and '"' in token.content:
                chars = list(token.content)
                for i, ch in enumerate(chars):
                    if ch == '"':
                        before = chars[i - 1] if i else previous
                        chars[i] = "\u201c" if before.isspace() or before in "([" else "\u201d"
                token.content = "".join(chars)
            if token.type == "text" and token.content:
                previous = token.content[-1]
            elif token.type in ("softbreak", "hardbreak"):
                previous = " "


def _render_block(self: Any, tokens: list[Any], idx: int, options: Any, env: dict[str, Any]) -> str:
    """`::: note` becomes `<div class="note">`; `::: chart NAME` the chart the section drew.

    Nothing is written to the token (the plugin's own renderer adds the class to it), because the
    part cache renders the same tokens many times.
    """
    token = tokens[idx]
    opening = token
    if token.nesting == -1:  # a closing token carries no name: find the block it closes
        opening = next(t for t in reversed(tokens[:idx]) if t.type == "container_block_open" and t.level == token.level)
    name, _, arg = opening.info.strip().partition(" ")
    if name == "chart":
        return str(env.get("charts", {})[arg.strip()]) if token.nesting == 1 else ""
    return f'<div class="{name}">\n' if token.nesting == 1 else "</div>\n"


# A blank line, then a line at the margin that can only start a new top-level block: not a list
# item, a table row, an indented line, a digit (a numbered list) or the close of a `:::` block.
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n(?=::: ?\w|[^\s|:*+\-0-9])")
_OPENS = re.compile(r"^::: ?\w", re.M)
_CLOSES = re.compile(r"^:::[ \t]*$", re.M)


def _split_parts(text: str) -> list[str]:
    """Cut Markdown where a new top-level block starts after a blank line, never inside `:::` blocks.

    Parsed apart, the parts give the same tokens as the whole (a test checks it on every reader):
    no list, table or paragraph continues past a blank line into a line that starts a block.
    """
    parts: list[str] = []
    start = 0
    for match in _BLOCK_BREAK.finditer(text):
        piece = text[start : match.end()]
        if len(_OPENS.findall(piece)) == len(_CLOSES.findall(piece)):  # not inside a `:::` block
            parts.append(piece)
            start = match.end()
    parts.append(text[start:])
    return [p for p in parts if p]


def _parse(md: MarkdownIt, text: str) -> tuple[list[Any], list[tuple[int, str, str]]]:
    """TEXT's tokens, its URLs checked, and the (level, anchor, text) of each heading."""
    tokens = md.parse(text)
    _check_urls(tokens)
    headings = [
        (int(t.tag[1]), str(t.attrs["id"]), tokens[i + 1].content)
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.attrs.get("id")
    ]
    return tokens, headings


@dataclass
class _Part:
    tokens: list[Any]
    headings: list[tuple[int, str, str]]
    html: str | None
    """The rendered HTML; None when the part holds a chart, which differs from reader to reader."""


class _PartCache:
    """Parsed and rendered parts of sections (top-level blocks), most recently used first.

    Most of a section is the same for every reader; only the parts that speak to the reader
    change. Parsing and rendering are the slowest steps of building a site, so a worker keeps the
    parts it saw recently, in a least-recently-used store of bounded size, which keeps memory
    flat over any number of readers. Each Markdown renderer has its own store.
    """

    def __init__(self, md: MarkdownIt, size: int = 1024):
        self.md, self.size = md, size
        self.items: OrderedDict[str, _Part] = OrderedDict()
        self.seen: OrderedDict[str, None] = OrderedDict()
        """Parts met in a text parsed whole; they are cached from their second sight on."""

    def first_sight(self, pieces: list[str]) -> bool:
        """True when most of the text is in pieces never met before (and remember them all)."""
        known = sum(len(p) for p in pieces if p in self.items or p in self.seen)
        if 2 * known >= sum(len(p) for p in pieces):
            return False
        self.seen.update(dict.fromkeys(pieces))
        while len(self.seen) > self.size:
            self.seen.popitem(last=False)
        return True

    def get(self, text: str) -> _Part:
        found = self.items.get(text)
        if found is not None:
            self.items.move_to_end(text)
            return found
        tokens, headings = _parse(self.md, text)
        charted = any(t.type == "container_block_open" and t.info.strip().startswith("chart") for t in tokens)
        part = _Part(tokens, headings, None if charted else self.md.renderer.render(tokens, self.md.options, {}))
        self.items[text] = part
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return part


_caches: WeakKeyDictionary[MarkdownIt, _PartCache] = WeakKeyDictionary()


def render_inline(md: MarkdownIt, text: str) -> Markup:
    """Render one paragraph's worth of inline Markdown (no blocks), refusing unsafe links as `render_markdown` does."""
    tokens = md.parseInline(text, {})
    _check_urls(tokens)
    return Markup(md.renderer.render(tokens, md.options, {}))


def render_markdown(md: MarkdownIt, text: str, charts: dict[str, Markup] | None = None) -> tuple[str, list[tuple[int, str, str]]]:
    """Render TEXT, with the figures of CHARTS; return the HTML and the (level, anchor, text) of each heading."""
    env = {"charts": charts or {}}
    cache = _caches.get(md) or _caches.setdefault(md, _PartCache(md))
    pieces = _split_parts(text)
    # A text mostly made of parts never met is parsed whole, in one pass, which is cheaper than a pass
    # per part; the parts are cached from their second sight on, as in a cohort's second guide.
    # The public edition, which renders each section once, does not pay for the cache.
    parts = None if cache.first_sight(pieces) else [cache.get(piece) for piece in pieces]
    headings = [h for part in parts or () for h in part.headings]
    if parts is None or len({h[1] for h in headings}) != len(headings):  # or two parts gave a heading the same anchor
        tokens, headings = _parse(md, text)
        return md.renderer.render(tokens, md.options, env), headings
    html = "".join(part.html if part.html is not None else md.renderer.render(part.tokens, md.options, env) for part in parts)
    return html, headings
