"""The workbook's form fields, read back with pypdf: nested names, an appearance stream for every
field in a fully embedded font at a fixed size, the tags kept; then filled by two real engines,
PDFium (Chrome, Edge) and pdf.js (Firefox), and every value they typed read back."""

from __future__ import annotations

import ctypes
import io
import json
import os
import re
import shutil
import subprocess
import unicodedata

import pypdf
import pytest
from fontTools.ttLib import TTFont
from pypdf.generic import ContentStream

from generator.commands.build import prepare
from generator.rendering.pdf_forms import INSET

from conftest import AS_OF, EXAMPLES, PROFILES, ROOT

PDFJS = ROOT / "tests" / "pdfjs"
TYPED = "Zoë Ñúñez – 5/5"
"""What the engines type into every text field (followed by the field's number, to tell them apart)."""
BEYOND_WESTERN_EUROPE = "Łódź Ğ İ Ş Ő Ř Ω Ж Đặng"
"""Names a reader may type that a WinAnsi font could not show; the form font has glyphs for them."""
FLAG_MULTILINE = 1 << 12


def unavailable(reason: str):
    """Skip here; fail in CI, where every engine must be installed (.ci/run installs them)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def jordan(kit):
    guide = prepare(PROFILES / "jordan-rivera.yaml", kit, as_of=AS_OF)
    return guide, kit.workbook.render(guide)


def reader_of(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def terminal_fields(reader: pypdf.PdfReader) -> dict[str, pypdf.generic.DictionaryObject]:
    """The fields that hold values (the widgets), by fully qualified name, in document order."""
    found = {}

    def walk(field, prefix):
        field = field.get_object()
        name = f"{prefix}{field['/T']}"
        if "/Kids" in field:
            for kid in field["/Kids"]:
                walk(kid, name + ".")
        else:
            found[name] = field

    for field in reader.trailer["/Root"]["/AcroForm"]["/Fields"]:
        walk(field, "")
    return found


def font_size(field) -> float:
    match = re.search(r"/\S+ ([\d.]+) Tf", str(field["/DA"]))
    assert match, field["/DA"]
    return float(match.group(1))


class EmbeddedFont:
    """The font program a text field's appearance stream uses, read with fontTools."""

    def __init__(self, font):
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        self.font = TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))
        self.units = self.font["head"].unitsPerEm
        self.cmap = self.font.getBestCmap()
        order = self.font.getGlyphOrder()
        index = {name: gid for gid, name in enumerate(order)}
        self.gids = {cp: index[name] for cp, name in self.cmap.items()}
        self.chars = {gid: chr(cp) for cp, gid in sorted(self.gids.items(), reverse=True)}
        self.advances = [self.font["hmtx"][name][0] for name in order]
        self.ascent = self.font["hhea"].ascent / self.units
        self.descent = -self.font["hhea"].descent / self.units

    def width(self, glyphs: list[int], size: float) -> float:
        return sum(self.advances[g] for g in glyphs) * size / self.units

    def text_width(self, text: str, size: float) -> float:
        return self.width([self.gids[ord(c)] for c in unicodedata.normalize("NFC", text)], size)

    def text(self, glyphs: list[int]) -> str:
        return "".join(self.chars[g] for g in glyphs)


def shown_lines(field) -> list[tuple[float, float, list[int]]]:
    """(x, baseline, glyphs) of every line a text field's appearance stream shows."""
    appearance = field["/AP"]["/N"].get_object()
    lines, x, y = [], 0.0, 0.0
    for operands, operator in ContentStream(appearance, None).operations:
        if operator == b"Td":
            x, y = x + float(operands[0]), y + float(operands[1])
        elif operator == b"Tj":
            data = bytes(operands[0].original_bytes if hasattr(operands[0], "original_bytes") else operands[0])
            lines.append((x, y, [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]))
    return lines


def form_font(reader: pypdf.PdfReader, field) -> EmbeddedFont:
    name = re.search(r"(/\S+) [\d.]+ Tf", str(field["/DA"])).group(1)
    return EmbeddedFont(reader.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"][name].get_object())


def width_and_height(field) -> tuple[float, float]:
    x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
    return abs(x2 - x1), abs(y2 - y1)


# The fields as written.


def test_fields_nest_under_one_parent_per_worksheet(jordan):
    guide, data = jordan
    root = reader_of(data).trailer["/Root"]["/AcroForm"]
    worksheets = [ws for s in guide.sections for ws in s.worksheets]
    parents = [p.get_object() for p in root["/Fields"]]
    assert [str(p["/T"]) for p in parents] == [ws.id for ws in worksheets]
    for parent, ws in zip(parents, worksheets):
        assert "/FT" not in parent and "/Rect" not in parent, "a worksheet's parent field is no widget"
        kids = [k.get_object() for k in parent["/Kids"]]
        assert [f"{ws.id}.{k['/T']}" for k in kids] == [name for name, _ in ws.field_names()]
        for kid in kids:
            assert "." not in str(kid["/T"]), "a period inside a field's name is the field hierarchy's"
            assert kid["/Parent"].get_object() is parent
            assert kid["/Subtype"] == "/Widget"


def test_text_fields_are_set_at_a_fixed_size_in_a_fully_embedded_font(jordan):
    _, data = jordan
    reader = reader_of(data)
    form = reader.trailer["/Root"]["/AcroForm"]
    assert not form.get("/NeedAppearances", False), "every field has its appearance: no viewer needs to redraw"
    texts = [f for f in terminal_fields(reader).values() if f["/FT"] == "/Tx"]
    assert texts
    fonts = {re.search(r"(/\S+) [\d.]+ Tf", str(f["/DA"])).group(1) for f in texts}
    assert len(fonts) == 1
    assert all(font_size(f) > 0 for f in texts), "a size of 0 would let viewers shrink the text to fit"
    font = form["/DR"]["/Font"][fonts.pop()].get_object()
    assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H" and "/ToUnicode" in font
    assert "+" not in font["/BaseFont"], "a subset font lacks the glyphs a reader may type"
    embedded = EmbeddedFont(font)
    assert embedded.font["maxp"].numGlyphs > 5000
    assert all(ord(c) in embedded.cmap for c in TYPED + BEYOND_WESTERN_EUROPE if c != " ")


def test_every_field_shows_its_value_in_its_appearance_stream(jordan):
    _, data = jordan
    reader = reader_of(data)
    fields = terminal_fields(reader)
    font = form_font(reader, next(f for f in fields.values() if f["/FT"] == "/Tx"))
    shown = 0
    for name, field in fields.items():
        assert "/N" in field["/AP"], name
        if field["/FT"] == "/Btn":
            states = field["/AP"]["/N"]
            assert "/Off" in states and len(states) == 2, name
            assert field["/AS"] == field["/V"] and field["/AS"] in states, name
            continue
        # Lines break at spaces and after hyphens: compare the characters shown, less the spaces.
        text = "".join(font.text(glyphs) for _, _, glyphs in shown_lines(field))
        assert "".join(text.split()) == "".join(str(field.get("/V", "")).split()), name
        shown += bool(text.strip())
    assert shown >= 20, "the profile fills in many fields"


def test_the_widgets_stay_tagged_in_the_structure_tree(jordan):
    _, data = jordan
    reader = reader_of(data)
    root = reader.trailer["/Root"]
    referenced = {}

    def walk(node, parent):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/Type") == "/OBJR":
                referenced[node.raw_get("/Obj").idnum] = parent
                return
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                walk(kid, node)

    walk(root["/StructTreeRoot"], None)
    parent_tree = dict(zip(*[iter(root["/StructTreeRoot"]["/ParentTree"]["/Nums"])] * 2))
    for name, field in terminal_fields(reader).items():
        element = referenced.get(field.indirect_reference.idnum)
        assert element is not None and element["/S"] == "/Form", f"{name} is not tagged"
        assert parent_tree[field["/StructParent"]].get_object() is element, name
    assert root["/Lang"] == "en" and root["/MarkInfo"]["/Marked"]
    assert re.search(r"pdfuaid:part[^0-9]*1", root["/Metadata"].get_object().get_data().decode("utf-8"))


# Every prefilled value in every example fits its field.

def overflows(data: bytes) -> list[str]:
    """The fields of a workbook whose prefilled value does not fit, with by how much."""
    reader = reader_of(data)
    fields = terminal_fields(reader)
    texts = {name: f for name, f in fields.items() if f["/FT"] == "/Tx" and str(f.get("/V", "")).strip()}
    font = form_font(reader, next(iter(texts.values()))) if texts else None
    found = []
    for name, field in texts.items():
        width, height = width_and_height(field)
        size, room = font_size(field), width - 2 * INSET
        if not int(field.get("/Ff", 0)) & FLAG_MULTILINE:
            wide = font.text_width(str(field["/V"]), size)
            if wide > room:
                found.append(f"{name} ({wide:.0f} of {room:.0f} pt wide)")
            continue
        lines = shown_lines(field)
        widest = max(font.width(glyphs, size) for _, _, glyphs in lines)
        lowest = min(y for _, y, _ in lines) - font.descent * size
        if widest > room or lowest < 0:
            found.append(f"{name} ({len(lines)} lines, {widest:.0f} of {room:.0f} pt wide, {height - lowest:.0f} of {height:.0f} pt high)")
    return found


def test_every_prefilled_value_fits_its_field(kit):
    """Every prefilled value of every example fits its field at the fixed size: one line within the
    field's width less the insets, several lines within its height too. The failure lists them all."""
    found = {}
    for path in EXAMPLES:
        if bad := overflows(kit.workbook.render(prepare(path, kit, as_of=AS_OF))):
            found[path.stem] = bad
    assert not found, json.dumps(found, indent=1)


# Two engines fill every field, and pypdf reads back what they typed.


def typed_values(data: bytes) -> dict[str, str]:
    """A new value, not ASCII, for every text field of the workbook DATA, by full name."""
    names = [n for n, f in terminal_fields(reader_of(data)).items() if f["/FT"] == "/Tx"]
    return {name: f"{TYPED} {number}" for number, name in enumerate(names, 1)}


def assert_filled(data: bytes, values: dict[str, str]) -> None:
    """Every text field of DATA holds its value from VALUES, and has an appearance stream to show it."""
    fields = terminal_fields(reader_of(data))
    assert {n for n, f in fields.items() if f["/FT"] == "/Tx"} == set(values)
    for name, value in values.items():
        field = fields[name]
        assert field.get("/V") == value, name
        assert field["/AP"]["/N"].get_object().get_data(), f"{name} has no appearance of its value"


def fill_with_pdfium(pdfium, data: bytes, values: dict[str, str]) -> bytes:
    """Type VALUES into the text fields through PDFium's form-fill environment, as a reader in Chrome
    does: focus the field, select all, replace the selection, leave the field; then save."""
    raw = pdfium.raw
    pdf = pdfium.PdfDocument(data)
    pdf.init_forms()
    form = pdf.formenv.raw
    typed = set()
    for index in range(len(pdf)):
        page = pdf[index]
        for number in range(raw.FPDFPage_GetAnnotCount(page.raw)):
            annot = raw.FPDFPage_GetAnnot(page.raw, number)
            if raw.FPDFAnnot_GetFormFieldType(form, annot) == raw.FPDF_FORMFIELD_TEXTFIELD:
                name = pdfium_field_name(raw, form, annot)
                assert raw.FORM_SetFocusedAnnot(form, annot), name
                assert raw.FORM_SelectAllText(form, page.raw), name
                text = ctypes.create_string_buffer(values[name].encode("utf-16-le") + b"\0\0")
                raw.FORM_ReplaceSelection(form, page.raw, ctypes.cast(text, raw.FPDF_WIDESTRING))
                assert raw.FORM_ForceToKillFocus(form), name
                typed.add(name)
            raw.FPDFPage_CloseAnnot(annot)
        page.close()
    assert typed == set(values)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def pdfium_field_name(raw, form, annot) -> str:
    """The fully qualified name of the field of widget ANNOT, as PDFium gives it."""
    length = raw.FPDFAnnot_GetFormFieldName(form, annot, None, 0)
    buffer = ctypes.create_string_buffer(length)
    raw.FPDFAnnot_GetFormFieldName(form, annot, ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)), length)
    return buffer.raw[: length - 2].decode("utf-16-le")


def test_pdfium_fills_every_field_and_pypdf_reads_it_back(jordan):
    try:
        import pypdfium2
        import pypdfium2.raw  # noqa: F401
    except ImportError:
        unavailable("pypdfium2 is not installed: pip install -c constraints.txt -e '.[test]'")
    _, data = jordan
    values = typed_values(data)
    assert_filled(fill_with_pdfium(pypdfium2, data, values), values)


def test_pdfjs_fills_every_field_and_pypdf_reads_it_back(jordan, tmp_path):
    node = shutil.which("node")
    if node is None or not (PDFJS / "node_modules" / "pdfjs-dist").is_dir():
        unavailable("pdf.js is not installed: npm ci --prefix tests/pdfjs (Node 20.19 or later)")
    _, data = jordan
    values = typed_values(data)
    (tmp_path / "in.pdf").write_bytes(data)
    (tmp_path / "values.json").write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [node, str(PDFJS / "fill.mjs"), str(tmp_path / "in.pdf"), str(tmp_path / "out.pdf"), str(tmp_path / "values.json")],
        capture_output=True, text=True, timeout=300, cwd=PDFJS,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(json.loads(done.stdout.splitlines()[-1])) == sorted(values)
    assert_filled((tmp_path / "out.pdf").read_bytes(), values)
