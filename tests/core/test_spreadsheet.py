"""The shared spreadsheet reader refuses hostile files quickly, with a message a
person can act on, before openpyxl reads them."""
import time

import pytest

from app.core import spreadsheet
from app.core.errors import DomainError
from app.core.spreadsheet import read_rows

FAST = 2.0  # seconds; the bombs below took a worker 30 s or a 500 before


def refused(data):
    started = time.perf_counter()
    with pytest.raises(DomainError) as caught:
        read_rows(data, "ds.xlsx")
    return caught.value.message, time.perf_counter() - started


def test_a_good_workbook_still_reads(bombs):
    assert read_rows(bombs.good_xlsx()) == [(1, ["Họ và tên", "Ngày sinh", "Lớp"]),
                                            (2, ["Nguyễn Thị Ánh", "05/09/2010", "10A1"])]


def test_a_member_that_inflates_past_the_limit_is_refused_from_its_declared_size(bombs):
    data = bombs.huge_member_xlsx(100)
    assert len(data) < 1024 * 1024
    message, seconds = refused(data)
    assert "giải nén" in message and "MB" in message
    assert seconds < FAST


def test_too_many_members_are_refused(bombs):
    message, seconds = refused(bombs.many_members_xlsx(5000))
    assert "quá nhiều thành phần" in message
    assert seconds < FAST


def test_a_compression_ratio_no_spreadsheet_has_is_refused(bombs):
    message, seconds = refused(bombs.high_ratio_xlsx())
    assert "tỉ lệ nén" in message
    assert seconds < FAST


def test_a_lying_size_header_is_caught_while_reading_with_a_cap(bombs):
    message, seconds = refused(bombs.lying_size_xlsx(60))
    assert "khai sai kích thước" in message
    assert seconds < FAST


@pytest.mark.entity_payloads
def test_xml_with_a_doctype_or_entities_is_refused_not_a_crash(name, data):
    message, seconds = refused(data)
    assert "DOCTYPE" in message or "bảng mã" in message
    assert seconds < FAST


def test_a_declared_sheet_size_does_not_pad_rows_to_16384_cells(bombs):
    started = time.perf_counter()
    rows = read_rows(bombs.wide_dimension_xlsx(3000))
    assert time.perf_counter() - started < FAST
    assert max(len(values) for _, values in rows) <= spreadsheet.MAX_COLUMNS
    assert rows[0] == (1, ["Họ và tên"])


def test_a_cell_longer_than_excel_allows_is_refused_with_its_row(bombs):
    message, _ = refused(bombs.long_cell_xlsx(40000))
    assert message.startswith("Dòng 2:") and "32767" in message


def test_too_many_rows_are_refused(monkeypatch, bombs):
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 50)
    rows = [("Họ và tên", "Ngày sinh")] + [(f"Học sinh {n}", "05/09/2010") for n in range(60)]
    message, _ = refused(bombs.good_xlsx(rows))
    assert "quá 50 dòng" in message


def test_a_file_over_the_size_limit_is_refused_before_reading():
    message, seconds = refused(b"PK\x03\x04" + b"\0" * (spreadsheet.MAX_FILE_BYTES + 1))
    assert "lớn quá" in message
    assert seconds < FAST


def test_a_csv_with_a_huge_field_is_refused_not_a_crash():
    data = ("Họ và tên,Ngày sinh\n\"" + "A" * 200000 + "\",05/09/2010\n").encode()
    message, _ = refused(data)
    assert "32767" in message


def test_a_corrupt_archive_is_a_refusal(bombs):
    data = bombs.good_xlsx()
    message, _ = refused(data[:len(data) // 2])
    assert "XLSX" in message
