"""Hostile spreadsheets, built here: a small .xlsx whose archive or XML would take a
worker down if read naively."""
import io
import struct
import zipfile

from openpyxl import Workbook

MB = 1024 * 1024


def good_xlsx(rows=(("Họ và tên", "Ngày sinh", "Lớp"), ("Nguyễn Thị Ánh", "05/09/2010", "10A1"))):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rebuilt(replace=None, add=(), base=None):
    """A copy of a good workbook with some parts replaced ({name: bytes or a writer
    function}) and extra parts added ([(name, bytes)])."""
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(base or good_xlsx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = replace.get(info.filename, source.read(info.filename))
            if callable(content):
                with archive.open(info.filename, "w") as stream:
                    content(stream)
            else:
                archive.writestr(info.filename, content)
        for name, content in add:
            archive.writestr(name, content)
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def huge_member_xlsx(megabytes=100):
    """A worksheet of `megabytes` of blanks between two cells: well-formed, compresses ~1000:1."""
    def write(stream):
        stream.write(SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>')
        block = b" " * MB
        for _ in range(megabytes):
            stream.write(block)
        stream.write(b"</sheetData></worksheet>")
    return rebuilt({SHEET: write})


def many_members_xlsx(count=5000):
    return rebuilt(add=[(f"xl/media/pad{n}.bin", b"x") for n in range(count)])


def high_ratio_xlsx():
    """One 6 MB part (under the size limit) that compresses more than any sheet does."""
    return rebuilt(add=[("xl/media/blank.bin", b"\0" * (6 * MB))])


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
          + b"".join(b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                     for n in range(1, 10))
          + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
          b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')

XXE_WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE workbook [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                b'<sheets><sheet name="&x;" sheetId="1" r:id="rId1"/></sheets></workbook>')


def entity_payloads():
    """(name, workbook bytes): DOCTYPE / ENTITY in the parts openpyxl reads."""
    utf16_types = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE Types [<!ENTITY t "x">]>\n'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
                   ).encode("utf-16")
    return [
        ("billion-laughs-in-sheet", rebuilt({SHEET: LAUGHS})),
        ("xxe-in-workbook", rebuilt({"xl/workbook.xml": XXE_WORKBOOK})),
        ("doctype-in-content-types", rebuilt({"[Content_Types].xml": b'<?xml version="1.0"?><!DOCTYPE Types>'
                                              b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                                              b'content-types"/>'})),
        ("utf16-entity", rebuilt({"[Content_Types].xml": utf16_types})),
        ("ebcdic-declared", rebuilt({"xl/styles.xml": b'<?xml version="1.0" encoding="cp500"?>'
                                     + "<styleSheet/>".encode("cp500")})),
    ]


def lying_size_xlsx(megabytes=60):
    """The sheet's headers (central directory and local) claim 1 000 bytes; it inflates to 60 MB."""
    data = bytearray(huge_member_xlsx(megabytes))
    name = SHEET.encode()
    central, start = -1, 0
    while True:
        start = data.find(b"PK\x01\x02", start)
        if start < 0:
            break
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if bytes(data[start + 46:start + 46 + name_length]) == name:
            central = start
            break
        start += 4
    assert central >= 0
    struct.pack_into("<I", data, central + 24, 1000)
    local = struct.unpack_from("<I", data, central + 42)[0]
    struct.pack_into("<I", data, local + 22, 1000)
    return bytes(data)


def wide_dimension_xlsx(rows=3000):
    """A tiny sheet that declares A1:XFD<rows> and fills its last cell: a reader that pads
    every row to the declared width builds rows x 16 384 cells."""
    sheet = (SHEET_HEAD + b'<dimension ref="A1:XFD%d"/><sheetData>' % rows
             + b'<row r="1"><c r="A1" t="inlineStr"><is><t>H\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan</t></is></c></row>'
             + b'<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>' % (rows, rows)
             + b"</sheetData></worksheet>")
    return rebuilt({SHEET: sheet})


def long_cell_xlsx(chars=40000):
    """Written as raw XML: openpyxl itself would cut the cell to Excel's 32 767."""
    sheet = (SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Ten</t></is></c></row>'
             + b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"A" * chars + b"</t></is></c></row>"
             + b"</sheetData></worksheet>")
    return rebuilt({SHEET: sheet})
