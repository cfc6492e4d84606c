"""The same inputs give the same workbook bytes: two builds in two processes, seconds apart, with no
SOURCE_DATE_EPOCH, and fonts subset by fontTools, whose timestamp would otherwise be the clock's."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pypdf
from fontTools.misc.timeTools import timestampSinceEpoch
from fontTools.ttLib import TTFont

from generator.commands.build import prepare

from conftest import AS_OF, PROFILES

PROFILE = PROFILES / "sam-okafor.yaml"


def build(out, cache) -> bytes:
    """`guidebook build` in a new process, with SOURCE_DATE_EPOCH taken out of its environment."""
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    env["GUIDEBOOK_CACHE_DIR"] = str(cache)
    guidebook = Path(sys.executable).with_name("guidebook")  # the command the project installs
    command = [str(guidebook), "build", "--as-of", AS_OF.isoformat(), str(PROFILE), "-o", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return (out / PROFILE.stem / "workbook.pdf").read_bytes()


def test_two_builds_seconds_apart_give_the_same_workbook(tmp_path):
    first = build(tmp_path / "first", tmp_path / "cache")
    time.sleep(2.5)
    second = build(tmp_path / "second", tmp_path / "cache")
    assert first == second


def embedded_fonts(data: bytes) -> dict[str, TTFont]:
    """The TrueType programs embedded in DATA, by base font name."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"].get_object().get("/Font", {}).values():
            font = font.get_object()
            if "/DescendantFonts" not in font:
                continue
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            if "/FontFile2" in descriptor:
                fonts[str(font["/BaseFont"])] = TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))
    return fonts


def test_fonts_subset_by_fonttools_carry_the_guides_date_not_the_clocks(kit, monkeypatch):
    """Where HarfBuzz cannot subset fonts, WeasyPrint uses fontTools, which dates each font it writes.
    Builds an hour apart on such a machine give the same bytes, every font dated the guide's day."""
    import weasyprint.pdf.fonts

    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    guide = prepare(PROFILE, kit, as_of=AS_OF)
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    first = kit.workbook.render(guide)
    monkeypatch.setattr(time, "time", lambda: 1_800_003_600.0)
    second = kit.workbook.render(guide)
    assert first == second
    midnight = dt.datetime.combine(AS_OF, dt.time(), dt.timezone.utc).timestamp()
    dates = {font["head"].modified for font in embedded_fonts(first).values()}
    assert timestampSinceEpoch(midnight) in dates, "the fonts fontTools wrote are dated the guide's day"
    assert not dates & {timestampSinceEpoch(1_800_000_000), timestampSinceEpoch(1_800_003_600)}
    assert "SOURCE_DATE_EPOCH" not in os.environ, "the renderer puts the environment back"
