"""The streaming XLSX writer, read back with openpyxl."""
import io
import tempfile
import tracemalloc
import zipfile

import pytest
from openpyxl import load_workbook

from app.core.xlsx_stream import XlsxStream, column_letter


def _write(build, out=None):
    out = out or io.BytesIO()
    with XlsxStream(out) as book:
        build(book)
    return out.getvalue() if isinstance(out, io.BytesIO) else None


def _one_row(values):
    def build(book):
        with book.sheet("A") as sheet:
            sheet.row(values)
    return build


def test_cells_read_back_with_their_types_styles_and_sheets():
    def build(book):
        with book.sheet("Tổng hợp", widths={1: 42}) as sheet:
            sheet.row(["STT", "Đơn vị & <lớp>", "Tỷ lệ %"], bold=True)
            sheet.row([1, "Trường THPT Nguyễn Đình Chiểu", 66.7])
            sheet.row()
            sheet.row([None, "  lề hai bên  ", "", 3])
        with book.sheet("Trường \"A\" & B") as sheet:
            sheet.row(["=HYPERLINK(\"http://x\",\"A\")", "+1", "-2", "@SUM(A1)", "bell\x07 gone"])

    workbook = load_workbook(io.BytesIO(_write(build)))
    assert workbook.sheetnames == ["Tổng hợp", "Trường \"A\" & B"]
    first, second = workbook.worksheets
    assert [list(r) for r in first.iter_rows(values_only=True)] == [
        ["STT", "Đơn vị & <lớp>", "Tỷ lệ %", None], [1, "Trường THPT Nguyễn Đình Chiểu", 66.7, None],
        [None, None, None, None], [None, "  lề hai bên  ", None, 3]]
    assert first["A1"].font.b and not first["A2"].font.b
    assert first.column_dimensions["B"].width == 42
    cells = list(second.iter_rows())[0]
    assert [c.value for c in cells] == ["=HYPERLINK(\"http://x\",\"A\")", "+1", "-2", "@SUM(A1)", "bell gone"]
    assert all(c.data_type == "s" for c in cells)  # text, not formulas
    assert all(c.quotePrefix for c in cells[:4]) and not cells[4].quotePrefix


def test_the_package_holds_no_shared_strings_and_no_formula():
    data = _write(_one_row(["=1+2"]))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
    assert "xl/sharedStrings.xml" not in names and "<f>" not in sheet and 't="inlineStr"' in sheet


def test_only_text_and_numbers_are_written():
    with pytest.raises(TypeError):
        _write(_one_row([object()]))


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]


def test_memory_does_not_grow_with_the_rows():
    def peak(rows):
        def build(book):
            with book.sheet("S") as sheet:
                for i in range(rows):
                    sheet.row([i, f"Nguyễn Văn {i}", "10A1", 3, 55.5])
        tracemalloc.start()
        with tempfile.TemporaryFile() as out:
            _write(build, out)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(1_000), peak(20_000)
    assert large < small * 1.5 + 256 * 1024, (small, large)


def test_numbers_excel_cannot_hold_stay_empty_and_long_text_is_cut():
    from decimal import Decimal
    workbook = load_workbook(io.BytesIO(_write(_one_row([float("nan"), float("inf"), Decimal("2.5"), "x" * 40000]))))
    assert [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)] == [[None, None, 2.5, "x" * 32767]]


def test_the_zip_headers_carry_no_zip64_fields_for_small_sheets():
    """Local and central headers must agree: Excel refuses a Zip64 local header the
    central directory does not repeat."""
    data = _write(_one_row(["a"]))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        info = package.getinfo("xl/worksheets/sheet1.xml")
    local_extra = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    assert info.extra == b"" and local_extra == 0


def test_a_workbook_without_sheets_is_refused():
    with pytest.raises(ValueError):
        _write(lambda book: None)
