"""Finish the workbook's form fields after WeasyPrint, so that every PDF viewer shows and keeps them.

WeasyPrint writes each worksheet field as a flat field named `<worksheet>.<field>`, with no appearance
stream, and asks viewers to draw the values themselves (NeedAppearances). Viewers that never do
(macOS Preview, iOS, some print paths) then show the prefilled values as blank. This step, on the
finished PDF:

- nests the fields as the PDF field hierarchy wants them: one parent field per worksheet (`autopsy`),
  its fields as kids (`programs_applied`), so the full name stays `autopsy.programs_applied`;
- sets every text field in one fully embedded font, DejaVu Sans, at the fixed size WeasyPrint chose,
  so a viewer that redraws a field has a glyph for whatever the reader types in any script the font
  covers;
- draws each text field's value into an appearance stream, wrapping multi-line fields on the lines
  of the worksheet, and gives each checkbox an appearance for both of its states.

Nothing else in the file changes: the widgets stay the same objects, so the tags that point at them
(the PDF/UA structure tree) still do.
"""

from __future__ import annotations

import io
import re
import unicodedata
from functools import cached_property
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont
from pikepdf import Array, ContentStreamInstruction, Dictionary, Name, Operator, String

from generator.errors import BuildError

FONT_FAMILY = "DejaVu Sans"
FONT_RESOURCE = "/DejaVuSans"
"""The name the fields' default appearance (/DA) and appearance streams give the form font."""

INSET = 2.0
"""Points between a text field's left and right edges and its text, as viewers leave when they redraw
a field; a value fits its field when its widest line fits between the insets."""

DEFAULT_SIZE = 10
"""The font size of the form's default appearance, for a field that has none of its own."""

MULTILINE = 1 << 12
"""The field flag (/Ff) of a multi-line text field."""


class FormFont:
    """A TrueType font embedded whole: its metrics, to lay text out, and its PDF font objects."""

    def __init__(self, data: bytes):
        self.data = data
        font = TTFont(io.BytesIO(data), lazy=True)
        order = font.getGlyphOrder()
        index = {name: gid for gid, name in enumerate(order)}
        self.name = font["name"].getDebugName(6)
        self.units = font["head"].unitsPerEm
        self.gids = {codepoint: index[name] for codepoint, name in font.getBestCmap().items()}
        self.advances = [font["hmtx"][name][0] for name in order]
        self.ascent = font["hhea"].ascent / self.units
        self.descent = -font["hhea"].descent / self.units
        head = font["head"]
        self.bbox = [self._thousandths(v) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        self.cap_height = self._thousandths(font["glyf"][font.getBestCmap()[ord("H")]].yMax)
        self.italic_angle = float(font["post"].italicAngle)

    @classmethod
    def system(cls, family: str = FONT_FAMILY) -> FormFont:
        """The FAMILY font that fontconfig finds on this machine, as WeasyPrint finds the workbook's type."""
        return cls(Path(_font_file(family)).read_bytes())

    def _thousandths(self, units: float) -> int:
        """Font UNITS in the thousandths of an em that PDF font dictionaries use."""
        return round(units * 1000 / self.units)

    def glyphs(self, text: str) -> list[int]:
        """The glyph of each character of TEXT; the replacement character's for one the font lacks
        (PDF/UA forbids showing the missing glyph, .notdef)."""
        missing = self.gids.get(0xFFFD, 0)
        return [self.gids.get(ord(char), missing) for char in unicodedata.normalize("NFC", text)]

    def width(self, text: str, size: float) -> float:
        """The width in points of TEXT set at SIZE."""
        return sum(self.advances[gid] for gid in self.glyphs(text)) * size / self.units

    def encode(self, text: str) -> bytes:
        """TEXT as the two-byte glyph codes of the Identity-H encoding."""
        return b"".join(gid.to_bytes(2, "big") for gid in self.glyphs(text))

    @cached_property
    def widths(self) -> list[int]:
        """The advance of every glyph, in thousandths of an em, for the /W array."""
        return [self._thousandths(advance) for advance in self.advances]

    @cached_property
    def to_unicode(self) -> bytes:
        """A ToUnicode CMap from every glyph back to its character, so text copied from a field is text."""
        chars: dict[int, int] = {}
        for codepoint, gid in sorted(self.gids.items()):
            chars.setdefault(gid, codepoint)
        entries = [f"<{gid:04X}> <{chr(cp).encode('utf-16-be').hex().upper()}>" for gid, cp in sorted(chars.items())]
        blocks = []
        for start in range(0, len(entries), 100):
            block = entries[start : start + 100]
            blocks.append(f"{len(block)} beginbfchar\n" + "\n".join(block) + "\nendbfchar")
        return "\n".join(
            [
                "/CIDInit /ProcSet findresource begin",
                "12 dict begin",
                "begincmap",
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
                "/CMapName /Adobe-Identity-UCS def",
                "/CMapType 2 def",
                "1 begincodespacerange",
                "<0000> <FFFF>",
                "endcodespacerange",
                *blocks,
                "endcmap",
                "CMapName currentdict /CMap defineresource pop",
                "end",
                "end",
            ]
        ).encode("ascii")

    def add_to(self, pdf: pikepdf.Pdf) -> pikepdf.Object:
        """Embed the whole font in PDF as a Type 0 font with Identity-H glyph codes; its reference."""
        descriptor = Dictionary(
            Type=Name.FontDescriptor,
            FontName=Name("/" + self.name),
            Flags=4,  # symbolic: glyphs outside the standard Latin set
            FontBBox=Array(self.bbox),
            ItalicAngle=self.italic_angle,
            Ascent=round(self.ascent * 1000),
            Descent=-round(self.descent * 1000),
            CapHeight=self.cap_height,
            StemV=80,
            FontFile2=pdf.make_stream(self.data, Length1=len(self.data)),
        )
        cid_font = Dictionary(
            Type=Name.Font,
            Subtype=Name.CIDFontType2,
            BaseFont=Name("/" + self.name),
            CIDSystemInfo=Dictionary(Registry=String("Adobe"), Ordering=String("Identity"), Supplement=0),
            FontDescriptor=pdf.make_indirect(descriptor),
            W=Array([0, Array(self.widths)]),
            CIDToGIDMap=Name.Identity,
        )
        font = Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name("/" + self.name),
            Encoding=Name("/Identity-H"),
            DescendantFonts=Array([pdf.make_indirect(cid_font)]),
            ToUnicode=pdf.make_stream(self.to_unicode),
        )
        return pdf.make_indirect(font)


def _font_file(family: str) -> str:
    """The file of the regular FAMILY font, asked of fontconfig through WeasyPrint's bindings."""
    from weasyprint.text.ffi import ffi, fontconfig

    pattern = fontconfig.FcPatternCreate()
    try:
        fontconfig.FcPatternAddString(pattern, b"family", family.encode("utf-8"))
        fontconfig.FcConfigSubstitute(ffi.NULL, pattern, fontconfig.FcMatchPattern)
        fontconfig.FcDefaultSubstitute(pattern)
        match = fontconfig.FcFontMatch(ffi.NULL, pattern, ffi.new("FcResult *"))
    finally:
        fontconfig.FcPatternDestroy(pattern)
    if match == ffi.NULL:
        raise BuildError(f"no font found for the workbook's form fields: install {family} (Debian: fonts-dejavu-core)")
    try:
        value = ffi.new("FcChar8 **")
        found = {}
        for key in (b"family", b"file"):
            if fontconfig.FcPatternGetString(match, key, 0, value) == fontconfig.FcResultMatch:
                found[key] = ffi.string(value[0]).decode("utf-8")
    finally:
        fontconfig.FcPatternDestroy(match)
    if found.get(b"family") != family or b"file" not in found:
        raise BuildError(f"the workbook's form fields are set in {family}, which this machine lacks (Debian: fonts-dejavu-core)")
    return found[b"file"]


def wrap(text: str, font: FormFont, size: float, width: float) -> list[str]:
    """The lines TEXT takes in WIDTH points at SIZE: each paragraph broken after a space or a hyphen,
    and a word wider than the field broken where it must."""
    lines = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = ""
        for piece in re.split(r"(?<=[ -])", paragraph):
            if font.width((line + piece).rstrip(), size) <= width:
                line += piece
                continue
            if line:
                lines.append(line.rstrip())
            line = piece
            while len(line) > 1 and font.width(line.rstrip(), size) > width:
                cut = 1
                while font.width(line[: cut + 1], size) <= width:
                    cut += 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


def finish_forms(data: bytes, line_heights: dict[str, float], font: FormFont) -> bytes:
    """DATA, a WeasyPrint PDF with form fields, with its fields nested, set in FONT and drawn.

    LINE_HEIGHTS gives the height in points of the lines of each multi-line field, by full name (the
    worksheet's ruled lines). The same DATA always gives the same bytes.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        form = pdf.Root.AcroForm
        resources = pdf.make_indirect(Dictionary(Font=Dictionary({FONT_RESOURCE: font.add_to(pdf)})))
        fields = list(form.Fields)
        for field in fields:
            _normalise_rect(field)
            if field.get("/FT") == Name.Tx:
                _draw_text_field(pdf, field, font, resources, line_heights.get(str(field.T)))
            elif field.get("/FT") == Name.Btn:
                _complete_check_box(pdf, field)
        form.Fields = _nest(pdf, fields)
        form.DR = resources
        form.DA = String(f"{FONT_RESOURCE} {DEFAULT_SIZE} Tf 0 g")
        if Name.NeedAppearances in form:
            del form.NeedAppearances
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _normalise_rect(widget: pikepdf.Dictionary) -> None:
    """Write WIDGET's rectangle lower-left corner first (WeasyPrint writes the top first)."""
    x1, y1, x2, y2 = (float(v) for v in widget.Rect)
    widget.Rect = Array([min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)])


def _size(widget: pikepdf.Dictionary) -> tuple[float, float]:
    """The width and height of WIDGET in points."""
    x1, y1, x2, y2 = (float(v) for v in widget.Rect)
    return x2 - x1, y2 - y1


def _font_size_and_colour(pdf: pikepdf.Pdf, field: pikepdf.Dictionary) -> tuple[float, list]:
    """The font size and the fill colour operands of FIELD's default appearance from WeasyPrint."""
    size, colour = float(DEFAULT_SIZE), [0, 0, 0]
    if "/DA" in field:
        for operands, operator in pikepdf.parse_content_stream(pdf.make_stream(bytes(field.DA))):
            if operator == Operator("Tf") and float(operands[1]) > 0:
                size = float(operands[1])
            elif operator == Operator("rg"):
                colour = [round(float(v), 3) for v in operands]
    return size, colour


def _draw_text_field(
    pdf: pikepdf.Pdf, field: pikepdf.Dictionary, font: FormFont, resources: pikepdf.Object, line_height: float | None
) -> None:
    """Give text FIELD a default appearance in FONT at a fixed size, and an appearance stream of its value
    that uses RESOURCES (the form's, where FONT is)."""
    size, colour = _font_size_and_colour(pdf, field)
    field.DA = String(f"{FONT_RESOURCE} {size:g} Tf {' '.join(f'{v:g}' for v in colour)} rg")
    width, height = _size(field)
    value = str(field.get("/V", ""))
    if int(field.get("/Ff", 0)) & MULTILINE:
        lines, leading = wrap(value, font, size, width - 2 * INSET), line_height or 1.2 * size
    else:
        lines, leading = [" ".join(value.splitlines())], height
    content = _text_content(font, size, colour, lines, leading, width, height)
    stream = pdf.make_stream(content, Type=Name.XObject, Subtype=Name.Form, BBox=Array([0, 0, width, height]), Resources=resources)
    field.AP = Dictionary(N=stream)


def _text_content(font: FormFont, size: float, colour: list, lines: list[str], leading: float, width: float, height: float) -> bytes:
    """The content stream that shows LINES in a WIDTH x HEIGHT field, one line each LEADING points.

    Each line sits in its line box as CSS sets it (the half-leading above and below), so multi-line
    text stands on the worksheet's ruled lines; one line is centred in the field's height.
    """
    first_baseline = height - (leading - (font.ascent + font.descent) * size) / 2 - font.ascent * size
    ops = [
        ([Name.Tx], "BMC"),
        ([], "q"),
        ([1, 0, round(width - 2, 3), round(height, 3)], "re"),
        ([], "W"),
        ([], "n"),
        ([], "BT"),
        ([Name(FONT_RESOURCE), size], "Tf"),
        (colour, "rg"),
    ]
    for number, line in enumerate(lines):
        move = [INSET, round(first_baseline, 3)] if number == 0 else [0, round(-leading, 3)]
        ops += [(move, "Td"), ([String(font.encode(line))], "Tj")]
    ops += [([], "ET"), ([], "Q"), ([], "EMC")]
    return pikepdf.unparse_content_stream([ContentStreamInstruction(operands, Operator(op)) for operands, op in ops])


def _complete_check_box(pdf: pikepdf.Pdf, box: pikepdf.Dictionary) -> None:
    """Give check BOX an appearance for its off state too (WeasyPrint draws only the ticked one)."""
    if Name.Off not in box.AP.N:
        box.AP.N.Off = pdf.make_stream(b"", Type=Name.XObject, Subtype=Name.Form, BBox=Array([0, 0, *_size(box)]))


def _nest(pdf: pikepdf.Pdf, fields: list[pikepdf.Dictionary]) -> pikepdf.Array:
    """Nest FIELDS, named `a.b.c`, under parent fields `a` and `a.b`; the top-level fields, in order."""
    top = Array()
    parents: dict[tuple[str, ...], pikepdf.Dictionary] = {}

    def parent_of(path: tuple[str, ...]) -> pikepdf.Dictionary | None:
        """The parent field named PATH (None for the top), made the first time it is asked for."""
        if path and path not in parents:
            parents[path] = pdf.make_indirect(Dictionary(T=String(path[-1]), Kids=Array()))
            _adopt(top, parent_of(path[:-1]), parents[path])
        return parents.get(path)

    for field in fields:
        *path, leaf = str(field.T).split(".")
        field.T = String(leaf)
        _adopt(top, parent_of(tuple(path)), field)
    return top


def _adopt(top: pikepdf.Array, parent: pikepdf.Dictionary | None, child: pikepdf.Dictionary) -> None:
    """Make CHILD a kid of PARENT, or a top-level field when PARENT is None."""
    if parent is None:
        top.append(child)
    else:
        child.Parent = parent
        parent.Kids.append(child)
