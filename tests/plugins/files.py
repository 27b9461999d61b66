"""Files as people send them: images (`png_bytes`), class rosters with everything
schools get wrong (`messy_class_roster` and its expected rows, built in
rosterfiles.py) and hostile spreadsheets (`bombs`, the module spreadsheetbombs.py)."""
import io
import os

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
