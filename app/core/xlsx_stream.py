"""A small XLSX writer that streams: each sheet's rows go straight into the zip entry
as they come, text written inline (no shared-strings table), so memory does not grow
with the rows, and it is fast enough for a province's students (a report of 40,000
rows takes well under a second to write).

Text is always a text cell, never a formula; text starting with = + - @ is also
marked "quote prefix", so Excel keeps showing it as typed when the cell is edited.

    with XlsxStream(fileobj) as book:
        with book.sheet("Tổng hợp", widths={1: 42}) as sheet:
            sheet.row(["STT", "Đơn vị"], bold=True)
            sheet.row([1, "Trường THPT A"])
"""
import math
import re
import zipfile
from contextlib import contextmanager
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
RISKY = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32767  # Excel's limit for one cell
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
# cellXfs: font (0 regular, 1 bold, 2 italic, 3 bold italic) + 4 if quote prefix + 8 if centred (and wrapped)
# + 16 if shown with two decimals (Excel's built-in format 2, "0.00")
FONTS = {"regular": 0, "bold": 1, "italic": 2, "bold_italic": 3}
_FONT_TAGS = ("", "<b/>", "<i/>", "<b/><i/>")
_XFS = "".join(
    f'<xf numFmtId="{2 if xf & 16 else 0}" fontId="{xf % 4}" fillId="0" borderId="0" xfId="0"'
    + (' applyFont="1"' if xf % 4 else "") + (' applyNumberFormat="1"' if xf & 16 else "")
    + (' quotePrefix="1"' if xf & 4 else "")
    + (' applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
       if xf & 8 else "/>")
    for xf in range(32))
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}"><fonts count="4">{"".join(
    f'<font>{tag}<sz val="11"/><name val="Calibri"/><family val="2"/></font>' for tag in _FONT_TAGS)}</fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="32">{_XFS}</cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""


class TwoDecimals(float):
    """A number Excel shows with two decimals (its built-in format 0.00), e.g. a score."""


def _style_attr(xf):
    return f' s="{xf}"' if xf else ""


def column_letter(index):
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value):
    value = _ILLEGAL.sub("", value)[:MAX_CELL_TEXT]
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<is><t{space}>{escape(value)}</t></is>"


class Sheet:
    def __init__(self, out):
        self._out = out
        self.rows = 0
        self.merged = []

    def row(self, values=(), bold=False, fonts=None, center=(), height=None):
        """Append a row: str as text, int/float as numbers, None or "" as an empty cell.
        `fonts`: a FONTS name per cell (None: bold or regular as `bold` says); `center`:
        the indexes of the cells centred and wrapped (True: all); `height` in points
        (Excel does not grow a row for wrapped text in merged cells)."""
        self.rows += 1
        number = self.rows
        cells = []
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = f"{column_letter(index)}{number}"
            font = fonts[index] if fonts and index < len(fonts) and fonts[index] else ("bold" if bold else "regular")
            xf = FONTS[font] + (8 if center is True or index in center else 0)
            if isinstance(value, str):
                xf += 4 if value.startswith(RISKY) else 0
                cells.append(f'<c r="{ref}" t="inlineStr"{_style_attr(xf)}>{_text(value)}</c>')
            elif isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
                raise TypeError(f"cannot write {type(value).__name__} to a cell")
            elif math.isfinite(value):  # Excel has no NaN or infinity: those cells stay empty
                xf += 16 if isinstance(value, TwoDecimals) else 0
                cells.append(f'<c r="{ref}"{_style_attr(xf)}><v>{float(value)!r}</v></c>'
                             if isinstance(value, (Decimal, TwoDecimals)) else
                             f'<c r="{ref}"{_style_attr(xf)}><v>{value!r}</v></c>')
        size = f' ht="{height}" customHeight="1"' if height else ""
        self._out.write(f'<row r="{number}"{size}>{"".join(cells)}</row>'.encode())

    def merge(self, first, last):
        """Merge the cells of the current row from column index `first` to `last`."""
        if last > first:
            self.merged.append(f"{column_letter(first)}{self.rows}:{column_letter(last)}{self.rows}")


class XlsxStream:
    def __init__(self, fileobj):
        self._zip = zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, compresslevel=5)
        self._titles = []

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.close()
        else:
            self._zip.close()

    @contextmanager
    def sheet(self, title, widths=None):
        """A new sheet, written until the block ends (one sheet at a time). `title`
        must already be a valid, unique sheet name; `widths`: {column index: width}."""
        self._titles.append(title)
        with self._zip.open(f"xl/worksheets/sheet{len(self._titles)}.xml", "w") as raw:
            raw.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}">'
                      .encode())
            if widths:
                cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
                               for i, w in sorted(widths.items()))
                raw.write(f"<cols>{cols}</cols>".encode())
            raw.write(b"<sheetData>")
            sheet = Sheet(raw)
            yield sheet
            raw.write(b"</sheetData>")
            if sheet.merged:
                cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in sheet.merged)
                raw.write(f'<mergeCells count="{len(sheet.merged)}">{cells}</mergeCells>'.encode())
            raw.write(b"</worksheet>")

    def close(self):
        count = len(self._titles)
        if not count:
            self._zip.close()
            raise ValueError("a workbook needs at least one sheet")
        sheets = "".join(f'<sheet name={quoteattr(t)} sheetId="{i}" r:id="rId{i}"/>'
                         for i, t in enumerate(self._titles, start=1))
        head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        self._zip.writestr("xl/workbook.xml", f'{head}<workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
                                              f"<sheets>{sheets}</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{i}" Type="{RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, count + 1))
        rels += f'<Relationship Id="rId{count + 1}" Type="{RELS}/styles" Target="styles.xml"/>'
        self._zip.writestr("xl/_rels/workbook.xml.rels", f'{head}<Relationships xmlns="{PKG_RELS}">{rels}'
                                                         "</Relationships>")
        self._zip.writestr("xl/styles.xml", STYLES)
        self._zip.writestr("_rels/.rels", f'{head}<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" '
                                          f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CONTENT}.worksheet+xml"/>'
                            for i in range(1, count + 1))
        self._zip.writestr("[Content_Types].xml", (
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{CONTENT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{CONTENT}.styles+xml"/>{overrides}</Types>'))
        self._zip.close()
