"""Reading the spreadsheets schools send (XLSX or CSV, title rows above the header,
header names that vary) and writing cells that are safe to open."""
import csv
import io
import re
import zipfile
from datetime import date, datetime

from app.core.errors import DomainError
from app.core.text import fold, nfc

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_ROWS = 20000
HEADER_SEARCH_ROWS = 30


def read_rows(data, filename=""):
    """[(row_number, [cell, ...])] from XLSX or CSV bytes, chosen by content, not name.
    Row numbers are those the user sees in Excel (1-based)."""
    if data.startswith(OLE_MAGIC):
        raise DomainError("Tệp Excel 97-2003 (.xls) chưa đọc được: hãy mở tệp và lưu lại dạng .xlsx.")
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DomainError("Tệp không phải bảng tính XLSX hay CSV.")
    return _read_csv(data)


def _read_xlsx(data):
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DomainError("Không đọc được tệp XLSX (tệp hỏng hoặc không phải Excel).") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS:
                raise DomainError(f"Tệp có quá {MAX_ROWS} dòng.")
            rows.append((number, list(values)))
        return rows
    finally:
        workbook.close()


def _decode(data):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old Vietnamese Windows exports.
        return data.decode("cp1258", errors="replace")


def _read_csv(data):
    text = _decode(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for number, values in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        if number > MAX_ROWS:
            raise DomainError(f"Tệp có quá {MAX_ROWS} dòng.")
        rows.append((number, values))
    return rows


_HEADER_NOISE = re.compile(r"\(.*?\)|[*:.\"'’]")


def header_key(value):
    """'Ngày sinh (dd/mm/yyyy)*' -> 'ngay sinh'."""
    if value is None:
        return ""
    return " ".join(_HEADER_NOISE.sub(" ", fold(str(value))).split())


def find_header(rows, aliases, needed):
    """The header row and the column of each field. `aliases` maps a field to the
    folded names it may have; the header is the first row (among the first 30) that
    has one of the `needed` fields and at least two known fields."""
    lookup = {alias: field for field, names in aliases.items() for alias in names}
    for number, values in rows[:HEADER_SEARCH_ROWS]:
        columns = {}
        for index, value in enumerate(values):
            field = lookup.get(header_key(value))
            if field and field not in columns:
                columns[field] = index
        if len(columns) >= 2 and any(field in columns for field in needed):
            return number, columns
    return None, {}


def cell_text(value):
    """A cell as clean NFC text: numbers that are codes lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


def is_blank(values):
    return all(cell_text(v) == "" for v in values)


def safe_cell(value):
    """Text that Excel would run as a formula (= + - @, tab, CR) is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def text_cell(sheet, value):
    """A cell of a write-only sheet whose text stays text: a string starting with
    = + - @ is stored as a string (not a formula) and marked so Excel shows it as
    typed, so the exported value reads back unchanged."""
    from openpyxl.cell import WriteOnlyCell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            cell.quotePrefix = True
    return cell


def simple_workbook(title, lines, header, rows):
    """An XLSX of one sheet: a few lines of heading, a bold header row, then rows
    (streamed, text cells kept as text)."""
    from app.core.xlsx_stream import XlsxStream

    buffer = io.BytesIO()
    with XlsxStream(buffer) as book:
        with book.sheet(title[:31]) as sheet:
            for line in lines:
                sheet.row([line])
            sheet.row()
            sheet.row(header, bold=True)
            for row in rows:
                sheet.row(row)
    return buffer.getvalue()
