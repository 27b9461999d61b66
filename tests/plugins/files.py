"""Files as people send them: images (`png_bytes`), phone videos (`phone_video`: a MOV,
3GP or MP4 made by ffmpeg's test source), posters as PDF (`pdf_poster`), class rosters
with everything schools get wrong (`messy_class_roster` and its expected rows, built in
rosterfiles.py) and hostile spreadsheets (`bombs`, the module spreadsheetbombs.py)."""
import io
import os
import subprocess
import tempfile

import pytest
from PIL import Image

from tests.plugins import rosterfiles, spreadsheetbombs


def png_bytes(size=(400, 300), color=(30, 120, 200), noise=False):
    """A PNG of one colour, or with `noise` of random pixels (it does not compress: a
    1000x700 one is about 2 MB)."""
    out = io.BytesIO()
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise else Image.new("RGB", size, color)
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(name="png_bytes")
def png_bytes_fixture():
    return png_bytes


VIDEO_CODECS = {  # what phones record: iPhone H.264 or HEVC in MOV, HEVC in MP4, old Android 3GP
    "h264": ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
    "hevc": ["-c:v", "libx265", "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-x265-params", "log-level=error"],
    "mpeg4": ["-c:v", "mpeg4"],
}


def phone_video(suffix=".mov", seconds=1, codec="h264", size="320x240", audio=True, metadata=True, lossless=False):
    """A short video as a phone would send it, made by ffmpeg (the test needs the `ffmpeg`
    marker): ffmpeg's test pattern, a tone, and the place and author a phone writes in the
    file's metadata. `lossless` H.264 makes a large file quickly (1080p: about 4 MB a second)."""
    source = f"testsrc2=duration={seconds}:size={size}:rate=25"
    with tempfile.TemporaryDirectory() as work:
        target = os.path.join(work, "clip" + suffix)
        command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source]
        if audio:
            command += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
        command += VIDEO_CODECS[codec] + (["-preset", "ultrafast", "-qp", "0"] if lossless else [])
        if audio:
            command += ["-c:a", "aac", "-shortest"]
        if metadata:
            command += ["-metadata", "location=+10.0299+105.7720/", "-metadata", "artist=Nguyễn Thị Phương Thảo"]
        subprocess.run(command + ["-t", str(seconds), target], check=True)
        with open(target, "rb") as f:
            return f.read()


@pytest.fixture(name="phone_video")
def phone_video_fixture():
    return phone_video


def pdf_poster(pages=1, title="Một chạm, vạn dịch vụ"):
    """An A4 poster PDF drawn by reportlab, in the app's DejaVu font: a blue page with a yellow band and a title."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from app.core.pdf import SANS, register_fonts
    register_fonts()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    for number in range(pages):
        page.setFillColorRGB(0, 0.37, 0.72)
        page.rect(0, 0, width, height, fill=1, stroke=0)
        page.setFillColorRGB(1, 0.8, 0)
        page.rect(0, height * 0.6, width, height * 0.2, fill=1, stroke=0)
        page.setFillColorRGB(0, 0, 0)
        page.setFont(SANS, 28)
        page.drawString(40, height * 0.68, f"{title} ({number + 1})")
        page.showPage()
    page.save()
    return out.getvalue()


@pytest.fixture(name="pdf_poster")
def pdf_poster_fixture():
    return pdf_poster


def pytest_generate_tests(metafunc):
    # parametrized at collection, so a test module need not import the builders
    if metafunc.definition.get_closest_marker("entity_payloads"):
        payloads = spreadsheetbombs.entity_payloads()
        metafunc.parametrize("name,data", payloads, ids=[name for name, _ in payloads])


@pytest.fixture
def bombs():
    return spreadsheetbombs


@pytest.fixture
def xlsx_bytes():
    return rosterfiles.xlsx_bytes


@pytest.fixture
def nfd():
    return rosterfiles.nfd


@pytest.fixture
def messy_class_roster():
    return rosterfiles.messy_class_roster


@pytest.fixture(name="TITLE_BLOCK")
def title_block():
    return rosterfiles.TITLE_BLOCK


@pytest.fixture(name="MESSY_GOOD_CODES")
def messy_good_codes():
    return rosterfiles.MESSY_GOOD_CODES


@pytest.fixture(name="MESSY_ERROR_ROWS")
def messy_error_rows():
    return rosterfiles.MESSY_ERROR_ROWS
