"""Reading the spreadsheets schools send (XLSX or CSV, title rows above the header,
header names that vary) and writing cells that are safe to open.

Every uploaded spreadsheet goes through `read_rows`, which refuses hostile files
before openpyxl sees them: an archive that inflates too far (declared sizes, then a
capped read that catches lying headers), too many parts, XML with a DOCTYPE or
entities (billion laughs, XXE), then reads with caps on rows, columns and cell size."""
import codecs
import csv
import io
import re
import zipfile
from datetime import date, datetime

from app.core.errors import DomainError
from app.core.text import fold, nfc
from app.core.xlsx_stream import XlsxStream

XLSX_MAGIC = b"PK\x03\x04"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_ROWS = 20000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 32767          # Excel's own limit for a cell
HEADER_SEARCH_ROWS = 30
# A roster of 20 000 rows is under 1 MB as XLSX (9 MB of XML inside) and 2 MB as CSV.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_XLSX_MEMBERS = 1000
MAX_XLSX_UNCOMPRESSED = 32 * 1024 * 1024
MAX_XLSX_RATIO = 150            # sheets compress 10-50 times; bombs, hundreds to millions
RATIO_FROM_BYTES = 1024 * 1024  # small parts can compress oddly without harm
_CHUNK = 1024 * 1024
_MB = 1024 * 1024

BROKEN_XLSX = "Không đọc được tệp XLSX (tệp hỏng hoặc không phải Excel)."
_MARKERS = tuple(word.encode(encoding) for word in ("<!DOCTYPE", "<!ENTITY")
                 for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
_LONGEST_MARKER = max(len(marker) for marker in _MARKERS)
_DECLARED_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_SAFE_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be", "us-ascii", "ascii"}


def read_rows(data, filename=""):
    """[(row_number, [cell, ...])] from XLSX or CSV bytes, chosen by content, not name.
    Row numbers are those the user sees in Excel (1-based). Raises DomainError for a
    file it will not read."""
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(f"Tệp lớn quá {MAX_FILE_BYTES // _MB} MB: hãy chia danh sách thành nhiều tệp nhỏ hơn.")
    if data.startswith(OLE_MAGIC):
        raise DomainError("Tệp Excel 97-2003 (.xls) chưa đọc được: hãy mở tệp và lưu lại dạng .xlsx.")
    if data.startswith(XLSX_MAGIC):
        check_xlsx(data)
        return _read_xlsx(data)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DomainError("Tệp không phải bảng tính XLSX hay CSV.")
    return _read_csv(data)


def check_xlsx(data):
    """Refuse an XLSX archive that is a decompression bomb or carries XML entities,
    reading every part once with a cap (the declared sizes may lie)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise DomainError(BROKEN_XLSX) from exc
    with archive:
        if len(members) > MAX_XLSX_MEMBERS:
            raise DomainError(f"Tệp XLSX có quá nhiều thành phần bên trong ({len(members)}), không giống một "
                              "bảng tính: không đọc tệp này.")
        if sum(member.file_size for member in members) > MAX_XLSX_UNCOMPRESSED:
            raise _too_big()
        for member in members:
            if member.file_size > RATIO_FROM_BYTES and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
                raise DomainError(f"Tệp XLSX có phần bị nén bất thường (tỉ lệ nén hơn {MAX_XLSX_RATIO} lần), "
                                  "có thể là “bom nén”: không đọc tệp này.")
        budget = MAX_XLSX_UNCOMPRESSED
        for member in members:
            budget -= _check_member(archive, member, budget)


def _too_big():
    return DomainError(f"Tệp XLSX khi giải nén lớn quá {MAX_XLSX_UNCOMPRESSED // _MB} MB: hãy chia thành "
                       "nhiều tệp nhỏ hơn (hoặc mở bằng Excel, xoá các trang và ô thừa rồi lưu lại).")


def _check_member(archive, member, budget):
    """Inflate one part in chunks, never past its declared size nor the budget left;
    an XML part must not declare a DOCTYPE or entities, nor an unusual encoding."""
    size, tail, is_xml = 0, b"", None
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > member.file_size:
                    raise DomainError(_LYING)
                if size > budget:
                    raise _too_big()
                if is_xml is None:
                    is_xml = _looks_like_xml(chunk)
                    if is_xml:
                        _check_encoding(chunk)
                window = tail + chunk
                if is_xml and any(marker in window for marker in _MARKERS):
                    raise DomainError("Tệp XLSX có khai báo DOCTYPE/ENTITY trong phần XML, dấu hiệu của tệp "
                                      "độc hại: không đọc tệp này. Hãy mở tệp bằng Excel và lưu lại.")
                tail = window[-_LONGEST_MARKER:]
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        # zipfile stops at the declared size and then finds the CRC wrong.
        raise DomainError(_LYING) from exc
    return size


_LYING = "Tệp XLSX bị hỏng hoặc khai sai kích thước bên trong: không đọc tệp này."


def _looks_like_xml(head):
    """What expat would parse: a part starting with a BOM or '<' (a part that does
    not fails to parse, harmlessly)."""
    if head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")):
        return True
    return head.lstrip(b" \t\r\n")[:1] == b"<"


def _check_encoding(head):
    """Only UTF-8 and UTF-16: another declared encoding (EBCDIC, ...) would hide the
    DOCTYPE from the byte search above."""
    head = head[:512]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    elif head.startswith(b"<\x00"):
        text = head.decode("utf-16-le", errors="ignore")
    elif head.startswith(b"\x00<"):
        text = head.decode("utf-16-be", errors="ignore")
    else:
        text = head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf")
    match = _DECLARED_ENCODING.match(text)
    if match and match.group(1).strip().lower() not in _SAFE_ENCODINGS:
        raise DomainError(f"Tệp XLSX có phần XML dùng bảng mã lạ ({match.group(1)[:20]}): hãy mở tệp bằng "
                          "Excel và lưu lại.")


def _cells(number, values):
    """A row as a list without its trailing empty cells; a cell past Excel's limit is refused."""
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    for value in values:
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise DomainError(f"Dòng {number}: có ô dài quá {MAX_CELL_CHARS} ký tự (giới hạn của Excel).")
    return values


def _read_xlsx(data):
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a malformed upload makes openpyxl raise
        raise DomainError(BROKEN_XLSX) from exc
    try:
        if not workbook.worksheets:
            raise DomainError(BROKEN_XLSX)
        sheet = workbook.worksheets[0]
        # A declared size (A1:XFD1048576) would pad every row to 16 384 cells.
        sheet.reset_dimensions()
        rows = []
        for number, values in enumerate(sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS,
                                                        values_only=True), start=1):
            if number > MAX_ROWS:
                raise DomainError(f"Tệp có quá {MAX_ROWS} dòng.")
            rows.append((number, _cells(number, values)))
        return rows
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise DomainError(BROKEN_XLSX) from exc
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
    reader = enumerate(csv.reader(io.StringIO(text), dialect), start=1)
    number = 0
    try:
        for number, values in reader:
            if number > MAX_ROWS:
                raise DomainError(f"Tệp có quá {MAX_ROWS} dòng.")
            rows.append((number, _cells(number, values[:MAX_COLUMNS])))
    except csv.Error as exc:
        # The csv module's own field limit (131 072) is past Excel's.
        raise DomainError(f"Dòng {number + 1}: có ô dài quá {MAX_CELL_CHARS} ký tự (giới hạn của Excel) "
                          "hoặc tệp CSV hỏng.") from exc
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
