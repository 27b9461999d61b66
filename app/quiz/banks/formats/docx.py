"""Word (.docx) files the way Vietnamese teachers write them.

    Câu 1: Ứng dụng định danh điện tử quốc gia có tên là gì?
    A. VNeID        B. VssID        C. eTax Mobile        D. Sổ sức khoẻ điện tử
    Lời giải: VNeID là ứng dụng định danh điện tử quốc gia do Bộ Công an phát triển.

Questions: a line beginning "Câu 1:", "Câu 1.", "Câu 1)" or a bold "Câu 1" (also
"Câu 1 (NB):", whose tag NB/TH/VD/VDC gives the difficulty; Word's automatic "Câu %1:"
numbering is read too). Options: "A." to "D." (or "A)", or lowercase), one a line or
several on a line separated by tabs or spaces. The right option is marked by underline,
bold, red text (any strongly red colour) or highlight (or shading) of its letter or its
whole text; or by a line "Đáp án: B" (also "Chọn B") after the question; or by a key at
the end: a line "1-B 2-C 3.A …", a section "ĐÁP ÁN" with such lines or "Câu 1: B", or a
Word table with Câu / Đáp án columns (or rows). Formatting that every option of the file
(or every option of a question) carries, such as bold letters, is layout, not a mark.
An explanation follows "Lời giải:", "Giải thích:" or "Hướng dẫn giải:".

Đúng/Sai questions (the 2025 exam's part II): statements a), b), c), d), each true or
false, keyed "Đáp án: a) Đ b) S c) Đ d) S" (or "ĐSĐS", or a table) or by marking the
true statements the ways above. A question is read as Đúng/Sai when its key says so,
when it stands in a part whose heading says "đúng sai" ("PHẦN II. … đúng sai"), or when
its statements are lowercase and its stem says "đúng sai" ("đúng hay sai", "xét tính
đúng sai"). A single-answer question with two marks is an error unless its stem asks for
several ("Chọn các đáp án đúng") or its key names several ("Đáp án: A, C").

Each statement becomes a true/false question of its own, the stem above it. Why: the
platform's multi-answer multiple choice ("chọn các ý đúng") cannot hold a set with no
true statement, and grades all or nothing without negative weights (one slip loses the
four statements); with negative weights, what a wrong tick costs depends on how many
statements are true, so the same slip scores differently from one question to the next.
The exam's own scale (0.1/0.25/0.5/1 for 1-4 right) is not linear and no type has it.
Four true/false questions grade each decision the student makes alike, one mark each, in
every kind of round, and a round that draws one statement alone still shows its stem; the
cost is that the group counts as four questions in a round.

Not marks: the underline of a link, formatting in hidden text; deleted text (tracked
changes) is not read. A "HẾT" line ends the last question.

What the platform cannot keep is an error of its question, as every other error, so a
file is taken whole or not at all: images (question text is shown as escaped plain
text, and questions store no files, so a picture would silently vanish), equations
(OMML) and embedded objects (MathType), text boxes, drawings, symbols inserted from a
symbol font, and tables inside a question. Headers, footers and what comes before the
first question (the school, the title, a logo) are not read. Errors name the question
("Câu 7: …"); where two questions share a number (parts numbered from 1 again), the
paragraph too.

Hostile archives are refused before python-docx parses anything: the checks of
`app.core.spreadsheet.check_xlsx` (parts, sizes, ratios, lying sizes, DOCTYPE and
entities), with their messages speaking of Word, and a cap on word/document.xml.
"""
import io
import re
import unicodedata
import zipfile
from collections import Counter

from app.core.errors import DomainError
from app.core.spreadsheet import OLE_MAGIC, check_xlsx
from app.core.text import fold
from app.quiz.banks.formats.common import (
    Invalid,
    ParseError,
    answer,
    check_question,
    clean_text,
    new_question,
    reader_of,
    truefalse_answers,
)

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENT_PART = "word/document.xml"
_MB = 1024 * 1024
# 1,000 questions are about 1 MB of document.xml (more with heavy formatting) and 50 KB zipped,
# read in 0.4 s; at the cap, 9,000 plain questions take 3 s and 110 MB more memory.
MAX_DOCX_BYTES = 20 * _MB
MAX_DOCUMENT_XML = 8 * _MB

BROKEN_DOCX = "Không đọc được tệp Word (.docx): tệp hỏng hoặc không phải tệp Word."
OLD_DOC = ("Tệp Word 97-2003 (.doc) chưa đọc được: hãy mở tệp bằng Word, chọn Lưu thành (Save As) "
           "kiểu “Word Document (.docx)” rồi tải lên lại.")

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag):
    return f"{{{_W}}}{tag}"


W_P, W_R, W_T, W_TBL, W_TR, W_TC = (_w(t) for t in ("p", "r", "t", "tbl", "tr", "tc"))
W_PPR, W_RPR, W_PSTYLE, W_RSTYLE, W_NUMPR, W_VAL = (_w(t) for t in ("pPr", "rPr", "pStyle", "rStyle", "numPr", "val"))
_CONTAINERS = {_w(t) for t in ("hyperlink", "ins", "smartTag", "fldSimple", "customXml", "moveTo", "sdt",
                               "sdtContent", "dir", "bdo")}
_MATH = {f"{{{_M}}}oMath", f"{{{_M}}}oMathPara"}
W_HYPERLINK = _w("hyperlink")
_LINK_STYLES = ("Hyperlink", "FollowedHyperlink")
_ALTERNATE = f"{{{_MC}}}AlternateContent"
_BREAKS = {_w("br"), _w("cr")}
_OBJECTS = {_w("drawing"), _w("pict"), _w("object"), _ALTERNATE}

# Formatting that can mark an answer, as bits of a character's flags.
BOLD, UNDERLINE, RED, HIGHLIGHT = 1, 2, 4, 8
HIDDEN = 16
MARK_KINDS = ((UNDERLINE, "gạch chân"), (BOLD, "in đậm"), (RED, "chữ đỏ"), (HIGHLIGHT, "tô nền"))
MARK_BITS = BOLD | UNDERLINE | RED | HIGHLIGHT
# A mark every option of the file carries this often is layout (bold letters, say).
LAYOUT_SHARE = 0.9

PROBLEMS = {
    "image": "có hình ảnh, nền tảng chưa lưu và hiển thị được hình trong câu hỏi: hãy bỏ hình hoặc thay bằng "
             "lời mô tả",
    "equation": "có công thức Equation, nền tảng chưa hiển thị được công thức: hãy gõ lại bằng chữ (ví dụ x^2 + 1)",
    "object": "có đối tượng nhúng (công thức MathType, biểu đồ, tệp đính kèm…): hãy gõ lại nội dung bằng chữ",
    "textbox": "có hộp văn bản (Text Box): hãy chép chữ trong hộp ra thành dòng chữ thường",
    "drawing": "có hình vẽ hoặc biểu đồ, nền tảng chưa hiển thị được: hãy bỏ hoặc thay bằng lời mô tả",
    "symbol": "có ký hiệu chèn bằng Insert Symbol (phông Symbol/Wingdings): hãy gõ lại bằng ký tự thường",
    "table": "có bảng trong câu hỏi, nền tảng chưa hiển thị được bảng: hãy viết nội dung thành các dòng chữ "
             "(mỗi phương án một dòng)",
}
LEGACY_FONT = ("Tệp dùng phông chữ cũ TCVN3/VNI ({fonts}): chữ tiếng Việt sẽ sai. Hãy chuyển mã sang Unicode "
               "(Unikey: Công cụ chuyển mã, từ TCVN3 hoặc VNI sang Unicode) rồi tải lên lại.")


def parse_docx(data):
    document = _open(data)
    reader = _Document(document)
    parser = _Parser()
    for item in reader.blocks():
        parser.feed(item)
    parser.close()
    errors = []
    if reader.legacy_fonts:
        errors.append((None, LEGACY_FONT.format(fonts=", ".join(sorted(reader.legacy_fonts)[:3]))))
    questions = parser.finish(errors)
    if not questions and not errors:
        hint = (" Câu hỏi đặt trong bảng chưa đọc được: hãy viết mỗi câu thành các dòng, hoặc dùng tệp mẫu Excel."
                if reader.tables else "")
        errors.append((None, "Không tìm thấy câu hỏi nào: mỗi câu cần bắt đầu bằng “Câu 1:”, “Câu 2.” … ở đầu "
                             "dòng, các phương án A. B. C. D. ở các dòng sau (xem tệp mẫu Word)." + hint))
    if errors:
        raise ParseError(errors)
    return questions


# Opening: refuse what is not a safe Word file before python-docx reads it -------------

_WORDING = (("Tệp XLSX", "Tệp Word (.docx)"), ("tệp XLSX", "tệp Word (.docx)"), ("bằng Excel", "bằng Word"),
            ("không phải Excel", "không phải Word"), ("một bảng tính", "một văn bản Word"),
            (", xoá các trang và ô thừa rồi lưu lại", " và lưu lại"))


def _word_message(message):
    """check_xlsx's refusal, said of a Word file (the checks are the same for any OOXML)."""
    for spreadsheet, word in _WORDING:
        message = message.replace(spreadsheet, word)
    if "XLSX" in message or "Excel" in message or "bảng tính" in message:
        return "Tệp Word (.docx) bị hỏng hoặc có cấu trúc bất thường: không đọc tệp này."
    return message


def _open(data):
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    if data.startswith(OLE_MAGIC):
        raise ParseError([(None, OLD_DOC)])
    if len(data) > MAX_DOCX_BYTES:
        raise ParseError([(None, f"Tệp Word lớn quá {MAX_DOCX_BYTES // _MB} MB: hãy bỏ bớt hình ảnh hoặc chia "
                                 "thành nhiều tệp nhỏ hơn.")])
    if not is_docx(data):
        raise ParseError([(None, BROKEN_DOCX)])
    try:
        check_xlsx(data)
    except DomainError as exc:
        raise ParseError([(None, _word_message(exc.message))]) from None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if archive.getinfo(DOCUMENT_PART).file_size > MAX_DOCUMENT_XML:  # sizes were checked against the content
            raise ParseError([(None, f"Nội dung tệp Word lớn quá ({MAX_DOCUMENT_XML // _MB} MB văn bản XML): hãy "
                                     "chia thành nhiều tệp nhỏ hơn.")])
    try:
        return Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ParseError([(None, BROKEN_DOCX)]) from exc
    except Exception as exc:  # lxml's XMLSyntaxError and python-docx's own errors on a broken part
        if type(exc).__module__.startswith(("lxml", "docx")):
            raise ParseError([(None, BROKEN_DOCX)]) from exc
        raise


def zip_names(data):
    """The part names of a ZIP archive, or () for what is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return ()


def is_docx(data):
    """A Word document by content: a ZIP holding word/document.xml (an XLSX holds xl/workbook.xml)."""
    return data[:4] == b"PK\x03\x04" and DOCUMENT_PART in zip_names(data)


# Reading the document into lines of text with their formatting ------------------------

class _Line:
    """One line as Word shows it (a paragraph, or its part between manual line breaks):
    the text, each character's flags, the paragraph's number in the body and the
    content that cannot be kept found on it."""

    __slots__ = ("text", "flags", "paragraph", "problems")

    def __init__(self, paragraph):
        self.text, self.flags, self.paragraph, self.problems = "", bytearray(), paragraph, []

    def add(self, text, flags):
        text = unicodedata.normalize("NFC", text).replace("\u200b", "").replace("\ufeff", "")
        self.text += text
        self.flags.extend(bytes([flags & MARK_BITS]) * len(text))


class _Table:
    __slots__ = ("rows", "paragraph")

    def __init__(self, rows, paragraph):
        self.rows, self.paragraph = rows, paragraph


def _on(element):
    value = element.get(W_VAL)
    return value is None or value.lower() not in ("0", "false", "off", "none")


def _is_red(value):
    if not value or len(value) != 6:
        return False
    try:
        red, green, blue = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return False
    return red >= 0x99 and green <= 0x50 and blue <= 0x50


_LEGACY = re.compile(r"^(\.vn|vni[- ])", re.IGNORECASE)


def _run_properties(rpr):
    """(flags set, flags cleared) by a rPr element."""
    on = off = 0
    if rpr is None:
        return on, off
    for child in rpr:
        tag = child.tag
        if tag == _w("b"):
            if _on(child):
                on |= BOLD
            else:
                off |= BOLD
        elif tag == _w("u"):
            if (child.get(W_VAL) or "single") != "none":
                on |= UNDERLINE
            else:
                off |= UNDERLINE
        elif tag == _w("color"):
            if _is_red(child.get(W_VAL)):
                on |= RED
            else:
                off |= RED
        elif tag == _w("highlight"):
            if (child.get(W_VAL) or "none") != "none":
                on |= HIGHLIGHT
            else:
                off |= HIGHLIGHT
        elif tag == _w("shd"):
            fill = (child.get(_w("fill")) or "auto").lower()
            if fill not in ("auto", "ffffff"):
                on |= HIGHLIGHT
        elif tag == _w("vanish"):
            if _on(child):
                on |= HIDDEN
            else:
                off |= HIDDEN
    return on, off


def _font(rpr):
    """The legacy (TCVN3, VNI) font a rPr element names, "" for another font, None for none."""
    fonts = rpr.find(_w("rFonts")) if rpr is not None else None
    if fonts is None:
        return None
    names = [fonts.get(_w(attribute)) for attribute in ("ascii", "hAnsi")]
    return next((name for name in names if name and _LEGACY.match(name)), "" if any(names) else None)


def _apply(flags, change):
    on, off = change
    return (flags & ~off) | on


def _kind_of_object(element):
    """What a drawing, VML picture, embedded object or alternate content holds; None for
    a horizontal rule (Word's "Horizontal Line")."""
    names = {child.tag.rsplit("}", 1)[-1] for child in element.iter() if isinstance(child.tag, str)}
    if any(value == "t" and name.endswith("}hr") for child in element.iter() if isinstance(child.tag, str)
           for name, value in child.attrib.items()) and not names & {"imagedata", "txbx", "textbox"}:
        return None
    if "OLEObject" in names or element.tag == _w("object"):
        return "object"
    if names & {"txbx", "textbox", "txbxContent"}:
        return "textbox"
    if names & {"oMath", "oMathPara"}:
        return "equation"
    if names & {"pic", "imagedata", "blip"}:
        return "image"
    return "drawing"


class _Styles:
    """Run formatting of paragraph and character styles, through their basedOn chains."""

    def __init__(self, document):
        self.raw, self.resolved, self.default_paragraph = {}, {}, None
        self.numbering = {}
        try:
            element = document.styles.element
        except (KeyError, NotImplementedError, AttributeError):
            element = None
        for style in (element.findall(_w("style")) if element is not None else ()):
            style_id = style.get(_w("styleId"))
            based = style.find(_w("basedOn"))
            self.raw[style_id] = (based.get(W_VAL) if based is not None else None,
                                  _run_properties(style.find(W_RPR)), _font(style.find(W_RPR)))
            numpr = style.find(f"{W_PPR}/{W_NUMPR}")
            if numpr is not None:
                self.numbering[style_id] = numpr
            if style.get(_w("type")) == "paragraph" and _on_default(style):
                self.default_paragraph = style_id

    def change(self, style_id, seen=()):
        """(set, cleared) by a style and the styles it is based on."""
        if style_id in self.resolved:
            return self.resolved[style_id]
        if style_id not in self.raw or style_id in seen:
            return 0, 0
        based, (on, off), _ = self.raw[style_id]
        base_on, base_off = self.change(based, (*seen, style_id)) if based else (0, 0)
        result = ((base_on & ~off) | on, (base_off & ~on) | off)
        self.resolved[style_id] = result
        return result

    def font(self, style_id, seen=()):
        """The legacy font a style (or one it is based on) sets, "" or None as `_font`."""
        if style_id not in self.raw or style_id in seen:
            return None
        based, _, font = self.raw[style_id]
        return font if font is not None or not based else self.font(based, (*seen, style_id))


def _on_default(style):
    value = style.get(_w("default"))
    return value is not None and value.lower() in ("1", "true", "on")


MAX_NUMBER = 9999  # a list's count, as Word shows it; a file saying more is not believed


def _int(value, default):
    """A number attribute of the numbering part, within 0..MAX_NUMBER (default when it is none)."""
    try:
        return max(0, min(int(value), MAX_NUMBER))
    except (TypeError, ValueError):
        return default


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _roman(number):
    result = ""
    for value, letters in _ROMAN:
        while number >= value:
            result += letters
            number -= value
    return result


def _letters(number):
    return chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1) if number > 0 else ""


def _format_number(number, fmt):
    if fmt == "upperLetter":
        return _letters(number).upper()
    if fmt == "lowerLetter":
        return _letters(number)
    if fmt == "upperRoman":
        return _roman(number).upper()
    if fmt == "lowerRoman":
        return _roman(number)
    if fmt == "decimalZero":
        return f"{number:02d}"
    return str(number)


class _Numbering:
    """Word's automatic numbering ("Câu %1:", "%1."): the label a numbered paragraph shows,
    counted per list as Word counts it."""

    def __init__(self, document):
        self.levels, self.nums, self.counters = {}, {}, {}
        try:
            element = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for abstract in element.findall(_w("abstractNum")):
            levels = {}
            for level in abstract.findall(_w("lvl")):
                def value(tag, default, level=level):
                    found = level.find(_w(tag))
                    return found.get(W_VAL, default) if found is not None else default
                levels[_int(level.get(_w("ilvl")), 0)] = (
                    value("numFmt", "decimal"), value("lvlText", ""), _int(value("start", "1"), 1),
                    value("suff", "tab"), _run_properties(level.find(W_RPR)))
            self.levels[abstract.get(_w("abstractNumId"))] = levels
        for num in element.findall(_w("num")):
            abstract = num.find(_w("abstractNumId"))
            starts = {}
            for override in num.findall(_w("lvlOverride")):
                start = override.find(_w("startOverride"))
                if start is not None:
                    starts[_int(override.get(_w("ilvl")), 0)] = _int(start.get(W_VAL), 1)
            self.nums[num.get(_w("numId"))] = (abstract.get(W_VAL) if abstract is not None else None, starts)

    def label(self, numpr):
        """(text, run properties) of the number a paragraph shows, or None."""
        if numpr is None:
            return None
        num_id = numpr.find(_w("numId"))
        level = numpr.find(_w("ilvl"))
        num_id = num_id.get(W_VAL) if num_id is not None else None
        ilvl = _int(level.get(W_VAL), 0) if level is not None else 0
        if num_id in (None, "0") or num_id not in self.nums:
            return None
        abstract, starts = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return None
        counters = self.counters.setdefault(num_id, {})
        start = starts.get(ilvl, levels[ilvl][2])
        counters[ilvl] = min(counters[ilvl] + 1, MAX_NUMBER) if ilvl in counters else start
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        fmt, text, _, suffix, properties = levels[ilvl]
        if fmt in ("bullet", "none"):
            return None
        for index in range(9):
            if f"%{index + 1}" in text:
                fmt_k = levels.get(index, ("decimal", "", 1))[0]
                count = counters.get(index, starts.get(index, levels.get(index, ("", "", 1))[2]))
                text = text.replace(f"%{index + 1}", _format_number(count, fmt_k))
        return text + {"tab": "\t", "space": " "}.get(suffix, ""), properties


class _Document:
    """The body of a document as lines and tables, in order."""

    def __init__(self, document):
        self.legacy_fonts = set()
        self.document = document
        self.styles = _Styles(document)
        self.numbering = _Numbering(document)
        self.paragraphs = 0
        self.tables = 0

    def blocks(self):
        body = self.document.element.body
        if body is not None:
            yield from self._blocks(body)

    def _blocks(self, parent):
        for child in parent:
            if child.tag == W_P:
                self.paragraphs += 1
                yield from self._paragraph(child, self.paragraphs)
            elif child.tag == W_TBL:
                self.tables += 1
                yield _Table(_table_rows(child), self.paragraphs + 1)
            elif child.tag in _CONTAINERS:
                yield from self._blocks(child)

    def _paragraph(self, paragraph, number):
        ppr = paragraph.find(W_PPR)
        style = ppr.find(W_PSTYLE) if ppr is not None else None
        style_id = style.get(W_VAL) if style is not None else self.styles.default_paragraph
        base = _apply(0, self.styles.change(style_id))
        lines = [_Line(number)]
        numpr = ppr.find(W_NUMPR) if ppr is not None else None
        label = self.numbering.label(numpr if numpr is not None else self.styles.numbering.get(style_id))
        if label:
            text, properties = label
            mark = ppr.find(W_RPR) if ppr is not None else None
            lines[-1].add(text, _apply(_apply(base, properties), _run_properties(mark)))
        self._inline(paragraph, (base, style_id), lines)
        return lines

    def _inline(self, parent, base, lines, link=False):
        for child in parent:
            tag = child.tag
            if tag == W_R:
                self._run(child, base, lines, link)
            elif tag in _CONTAINERS:
                self._inline(child, base, lines, link or tag == W_HYPERLINK)
            elif tag in _MATH:
                lines[-1].problems.append("equation")
            elif tag == _ALTERNATE and _kind_of_object(child):
                lines[-1].problems.append(_kind_of_object(child))

    def _run(self, run, base, lines, link):
        """A run's text with its flags; `base` is (the paragraph style's flags, its id)."""
        flags, paragraph_style = base
        rpr = run.find(W_RPR)
        font = _font(rpr)
        style = rpr.find(W_RSTYLE) if rpr is not None else None
        if style is not None:
            flags = _apply(flags, self.styles.change(style.get(W_VAL)))
            link = link or style.get(W_VAL) in _LINK_STYLES
            font = font if font is not None else self.styles.font(style.get(W_VAL))
        flags = _apply(flags, _run_properties(rpr))
        if flags & HIDDEN:
            return
        font = font if font is not None else self.styles.font(paragraph_style)
        if font and any((t.text or "").strip() for t in run.iter(W_T)):
            self.legacy_fonts.add(font)
        if link:  # a link is underlined to look like one
            flags &= ~UNDERLINE
        for child in run:
            tag = child.tag
            if tag == W_T:
                lines[-1].add(child.text or "", flags)
            elif tag == _w("tab"):
                lines[-1].add("\t", flags)
            elif tag in _BREAKS:
                lines.append(_Line(lines[-1].paragraph))
            elif tag == _w("noBreakHyphen"):
                lines[-1].add("-", flags)
            elif tag == _w("sym"):
                lines[-1].problems.append("symbol")
            elif tag in _OBJECTS and _kind_of_object(child):
                lines[-1].problems.append(_kind_of_object(child))


def _table_rows(table):
    """The text of each cell, row by row (a nested table's text stays in its cell)."""
    rows = []
    for row in table.iter(W_TR):
        if row.getparent() is not table:
            continue
        cells = []
        for cell in row.findall(W_TC):
            paragraphs = ["".join(t.text or "" for t in p.iter(W_T)) for p in cell.iter(W_P)]
            cells.append(unicodedata.normalize("NFC", "\n".join(paragraphs)).strip())
        rows.append(cells)
    return rows


# Recognising the lines ----------------------------------------------------------------

def _fold(text):
    """Lower case without diacritics, one character for one, so positions stay."""
    out = []
    for char in text.lower():
        base = unicodedata.normalize("NFD", char)[:1] or char
        out.append("d" if base == "đ" else base)
    return "".join(out)


_QUESTION = re.compile(r"^\s*c[aâ]u(?:\s*h[oỏ]i)?\s*(\d{1,4})\s*(?:[(\[]\s*([^)\]]{0,40}?)\s*[)\]])?"
                       r"\s*([:.)]|[-–—](?=\s))?\s*", re.IGNORECASE)
_TAGS = {"nb": "easy", "nhan biet": "easy", "th": "medium", "thong hieu": "medium", "vd": "hard",
         "van dung": "hard", "vdc": "hard", "van dung cao": "hard"}
_OPTION = re.compile(r"^\s*([A-Ha-h])\s?[.)]\s*")
_NEXT_OPTION = re.compile(r"(\s+)([A-Ha-h])\s?[.)](?=\s|$)")
_KEY_LINE = re.compile(r"^\s*(?:dap an\b|da(?=\s*:))(?:\s+dung)?(?:\s+la)?\s*[:.\-–]?\s*")
_CHOOSE = re.compile(r"^\s*chon\s*(?:dap an|phuong an)?\s*:?\s*(?=[a-h](?![a-z0-9]))")
_EXPLANATION = re.compile(r"^\s*(?:(?:dap an\s*(?:va|&)\s*)?(?:loi giai|giai thich|huong dan giai|huong dan)|hdg|hd|"
                          r"giai)(?:\s+chi tiet)?\s*(?:[:.]\s*|$)")
_PART = re.compile(r"^\s*phan\s+(?:i{1,3}|iv|v|vi|[1-6])(?![a-z0-9])\s*([.:\-–])?")
_END = re.compile(r"^[\s\-_=*.…]*het[\s\-_=*.…!]*$")
_TF_STEM = re.compile(r"\bdung\s*(?:hay|hoac|/|-|,)?\s*sai\b|\(d/s\)")
_MULTI_STEM = re.compile(r"\b(?:chon (?:cac|nhieu|tat ca)(?: (?:dap an|phuong an|y|cau tra loi))? (?:dung|phu hop)|"
                         r"nhieu dap an|nhieu phuong an dung|cac (?:dap an|phuong an|y) dung)\b")
_REFERS = re.compile(r"\b(?:ca [a-h](?:\s*,\s*[a-h])*\s*(?:va|,)\s*[a-h]|[a-h] va [a-h] (?:deu )?dung|tat ca (?:cac )?(?:dap an|phuong an|y)|"
                     r"ca (?:ba|bon|hai|2|3|4) (?:dap an|phuong an|y)|(?:cac )?(?:dap an|phuong an|y) tren|"
                     r"khong co (?:dap an|phuong an|y) nao)\b")

_TRUTH_ITEM = re.compile(r"([a-h])\s*[).:\-–]?\s*(đúng|sai|đ|s)(?![\w])", re.IGNORECASE)
_TRUTH_COMPACT = re.compile(r"^(?:[ĐS]\s*[-,;/]?\s*){2,8}$", re.IGNORECASE)
_LETTERS = re.compile(r"^([A-Ha-h])((?:\s*(?:,|;|&|\+|/|và)\s*[A-Ha-h](?![\w]))*)(?=$|[\s.):;,])")
_PAIR = re.compile(r"(?:c[aâ]u\s*)?(\d{1,4})\s*[-.:)=]?\s*([A-H]|[ĐS]{2,8})(?![\w])", re.IGNORECASE)
_PAIR_GAP = re.compile(r"^[\s,;|.]*$")
_TRUTH_WORDS = {"đúng": True, "đ": True, "sai": False, "s": False}


def _parse_key(text):
    """(key, what follows it) of a key as written after "Đáp án": ('letters', ['A', 'C'])
    or ('truth', {'a': True, …}); (None, text) when it is none."""
    text = text.strip()
    bare = text.rstrip(".;").strip()
    if not bare:
        return None, text
    matches = list(_TRUTH_ITEM.finditer(bare))
    if len(matches) >= 2 and _only_gaps(bare, matches):
        return ("truth", {m.group(1).lower(): _TRUTH_WORDS[m.group(2).lower()] for m in matches}), ""
    if _TRUTH_COMPACT.match(bare):
        values = [char for char in bare.upper() if char in "ĐS"]
        return ("truth", {chr(ord("a") + i): value == "Đ" for i, value in enumerate(values)}), ""
    match = _LETTERS.match(text)
    if match:
        letters = [match.group(1).upper()] + [m.upper() for m in re.findall(r"[A-Ha-h](?![\w])", match.group(2))]
        return ("letters", letters), text[match.end():]
    return None, text


_REASON = re.compile(r"^(?:vi|do|boi|nen)\b")


def _key_of(text, choose=False):
    """The key of the rest of an "Đáp án:" line ("Chọn" line with `choose`): only what
    reads as a key alone, or followed by the option's text ("B. Bộ Công an", "B (…)"),
    so "Đáp án A sai vì …" in an explanation is not taken for a key."""
    key, rest = _parse_key(text)
    rest = rest.strip()
    if key is None:
        return None
    if not rest or rest[0] in ".):;,–-(" or (choose and _REASON.match(_fold(rest))):
        return key
    return None


def _part_heading(text, folded):
    """The mode a part's heading sets: "tf" for "PHẦN II. Câu trắc nghiệm đúng sai", "mc"
    for another part ("PHẦN I", "Phần 1."); None when the line is no part heading."""
    match = _PART.match(folded)
    if not match or not (text.lstrip()[:4].isupper() or match.group(1)):
        return None
    return "tf" if re.search(r"dung\s*[-/,]?\s*sai", folded) else "mc"


def _key_section(line, in_question):
    """A heading that opens the key at the end: "ĐÁP ÁN", "BẢNG ĐÁP ÁN", "Hướng dẫn chấm",
    "ĐÁP ÁN VÀ LỜI GIẢI CHI TIẾT" (in capitals or bold when it follows a question, which may
    have its own "Đáp án và lời giải: …"); not a key line ("Đáp án: B"), nor "Đáp án:" whose
    key is on the next line, nor a sentence that begins "Đáp án nào …"."""
    text = line.text
    stripped = text.strip().rstrip(":.").strip()
    lead = _fold(stripped)
    if not re.match(r"^(?:bang |phan )?(?:dap an|huong dan cham)\b", lead):
        return False
    if lead.startswith(("bang", "phan", "huong")):
        return True
    rest = stripped[_KEY_LINE.match(lead).end():] if _KEY_LINE.match(lead) else stripped[len("đáp án"):]
    if _parse_key(rest)[0] is not None:
        return False
    if not rest.strip():
        return stripped.isupper() or not in_question
    bold = all(flags & BOLD for char, flags in zip(text, line.flags) if not char.isspace())
    return stripped.isupper() or (bool(re.match(r"^(?:va|&|chi tiet|tham khao|de|cua|phan|trac nghiem)\b",
                                                _fold(rest).strip())) and (bold or not in_question))


def _only_gaps(text, matches):
    position = 0
    for match in matches:
        if not _PAIR_GAP.match(text[position:match.start()]):
            return False
        position = match.end()
    return bool(_PAIR_GAP.match(text[position:]))


def _key_pairs(text):
    """[(number, key)] when a line is only "1-B 2-C 3.A …" (a key written as text), else None."""
    matches = list(_PAIR.finditer(text))
    if not matches or not _only_gaps(text, matches):
        return None
    pairs = []
    for match in matches:
        value = match.group(2)
        key = _parse_key(value)[0] if len(value) > 1 else ("letters", [value.upper()])
        if key is None:
            return None
        pairs.append((int(match.group(1)), key))
    return pairs


def _question_start(line):
    """(number, difficulty, where the stem begins) of a "Câu N:" line, or None. Without
    punctuation after the number, "Câu N" must be bold (or tagged, "Câu 1 (NB)")."""
    match = _QUESTION.match(line.text)
    if not match:
        return None
    if match.group(3) is None and match.group(2) is None:
        head = [line.flags[i] for i in range(match.end(1)) if not line.text[i].isspace()]
        if not head or not all(flags & BOLD for flags in head):
            return None
        if match.end() < len(line.text) and not line.text[match.end() - 1].isspace():
            return None
    tag = fold(match.group(2) or "")
    return int(match.group(1)), _TAGS.get(tag), match.end()


def _options_in(line, start=0):
    """[(letter, index of the letter, start of the text, end)] of a line that begins with
    an option: further options on it follow a tab or two spaces, or one space when they
    are the next letter."""
    text = line.text
    first = _OPTION.match(text, start)
    if not first:
        return None
    found = [[first.group(1), first.start(1), first.end()]]
    upper = first.group(1).isupper()
    for match in _NEXT_OPTION.finditer(text, first.end()):
        letter, gap = match.group(2), match.group(1)
        if letter.isupper() != upper:
            continue
        expected = chr(ord(found[-1][0]) + 1)
        if "\t" in gap or len(gap) >= 2 or letter == expected:
            found.append([letter, match.start(2), match.end()])
    options = []
    for index, (letter, at, begin) in enumerate(found):
        end = found[index + 1][1] if index + 1 < len(found) else len(text)
        options.append((letter, at, begin, end))
    return options


# Building questions -------------------------------------------------------------------

class _Option:
    __slots__ = ("letter", "letter_flags", "text", "flags", "raw")

    def __init__(self, letter, letter_flags, text, flags, raw):
        self.letter, self.letter_flags, self.text, self.flags, self.raw = letter, letter_flags, text, flags, raw

    def extend(self, text, flags, raw):
        self.text += "\n" + text
        self.flags += b"\0" + flags
        self.raw += "\n" + raw

    def marks(self):
        """The (mark, part) pairs of this option: on its letter, or on every character of its text."""
        found = {(bit, "letter") for bit, _ in MARK_KINDS if self.letter_flags & bit}
        shown = [flags for char, flags in zip(self.text, self.flags) if not char.isspace()]
        if shown:
            every = MARK_BITS
            for flags in shown:
                every &= flags
            found |= {(bit, "text") for bit, _ in MARK_KINDS if every & bit}
        return found


class _Question:
    def __init__(self, number, difficulty, paragraph, part, mode):
        self.number, self.difficulty, self.paragraph, self.part, self.mode = number, difficulty, paragraph, part, mode
        self.stem, self.options, self.explanation, self.problems = [], [], [], []
        self.key, self.key_from, self.table_key = None, None, None
        self.state, self.pending_key = "stem", False
        self.label = f"Câu {number}"

    def add_problem(self, kind):
        if kind not in self.problems:
            self.problems.append(kind)

    def tf_like(self):
        """Read as Đúng/Sai without a key saying so."""
        if self.mode == "tf":
            return True
        lower = self.options and all(o.letter.islower() for o in self.options)
        return bool(lower and _TF_STEM.search(fold(" ".join(self.stem))))


class _Parser:
    """Walks the lines and tables once: questions, their keys, explanations, and a key
    at the end (a section, lines of pairs, or a table)."""

    def __init__(self):
        self.questions, self.current = [], None
        self.mode, self.part = None, 0
        self.in_keys, self.key_part, self.key_entry = False, 0, None
        self.keys = []  # [(part, number, key, entry's explanation lines)]
        self.errors = []

    def feed(self, item):
        if isinstance(item, _Table):
            self._table(item)
        elif self.in_keys:
            self._key_area(item)
        else:
            self._line(item)

    def close(self):
        self._close()

    def _close(self):
        if self.current is not None:
            self.questions.append(self.current)
        self.current = None

    # The questions' part of the file.

    def _line(self, line):
        text = line.text
        q = self.current
        if not text.strip():
            if q is not None:
                for kind in line.problems:
                    q.add_problem(kind)
            return
        folded = _fold(text)
        started = q is not None or bool(self.questions)
        pairs = _key_pairs(text) if started else None
        if pairs:
            self._close()
            self.in_keys = True
            self._add_pairs(pairs, None)
            return
        part = _part_heading(text, folded)
        if part is not None:
            self._close()
            self.part += 1
            self.mode = part
            return
        if _key_section(line, q is not None):
            self._close()
            self.in_keys = True
            return
        if _END.match(folded):
            self._close()
            return
        start = _question_start(line)
        if start:
            self._close()
            number, difficulty, at = start
            q = self.current = _Question(number, difficulty, line.paragraph, self.part, self.mode)
            for kind in line.problems:
                q.add_problem(kind)
            if text[at:].strip():
                q.stem.append(text[at:].strip())
            return
        if q is None:
            return
        for kind in line.problems:
            q.add_problem(kind)
        if q.pending_key:
            q.pending_key = False
            key = _key_of(text)
            if key:
                self._set_key(q, key, "dòng Đáp án")
                return
            self.errors.append((q, "dòng “Đáp án:” không ghi đáp án đọc được (ví dụ “Đáp án: B” hoặc "
                                   "“Đáp án: a) Đ b) S c) Đ d) S”)"))
        key_line = _KEY_LINE.match(folded)
        if key_line or (q.options and _CHOOSE.match(folded)):
            rest = text[(key_line or _CHOOSE.match(folded)).end():]
            key = _key_of(rest, choose=not key_line)
            if key:
                self._set_key(q, key, "dòng Đáp án")
                if q.options and q.state != "explanation":
                    q.state = "after"
                if not key_line and len(rest.strip()) > 3:  # "Chọn B vì …": the reason explains
                    q.explanation.append(text.strip())
                return
            if key_line and not rest.strip():
                q.pending_key = True
                return
        explanation = _EXPLANATION.match(folded)
        if explanation and q.options:
            q.state = "explanation"
            rest = text[explanation.end():].strip()
            choose = _CHOOSE.match(_fold(rest))
            key = _key_of(rest[choose.end():], choose=True) if choose else None
            if key:
                self._set_key(q, key, "dòng Đáp án")
            if rest and not (key and len(rest[choose.end():].strip()) <= 3):
                q.explanation.append(rest)
            return
        if q.state in ("explanation", "after"):
            q.explanation.append(text.strip())
            return
        options = _options_in(line)
        if options and (q.state == "options" or options[0][0] in "Aa"):
            self._add_options(q, line, options)
            return
        if q.state == "options":
            begin = len(text) - len(text.lstrip())
            q.options[-1].extend(text.strip(), bytes(line.flags[begin:begin + len(text.strip())]), text.strip())
            return
        q.stem.append(text.strip())

    def _add_options(self, q, line, options):
        if q.options and all(o.letter.islower() for o in q.options) and options[0][0].isupper():
            # "a) … b) …" were items of the stem ("Có bao nhiêu phát biểu đúng?"): the options begin now.
            q.stem.extend(o.raw for o in q.options)
            q.options = []
        for letter, at, begin, end in options:
            text = line.text[begin:end]
            stripped = text.strip()
            offset = begin + len(text) - len(text.lstrip())
            q.options.append(_Option(letter, line.flags[at], stripped,
                                     bytes(line.flags[offset:offset + len(stripped)]),
                                     line.text[at:end].strip()))
        q.state = "options"

    def _set_key(self, q, key, where):
        if q.key is not None and q.key != key:
            self.errors.append((q, "có hai đáp án khác nhau được ghi cho câu này"))
        q.key, q.key_from = key, where

    # The key at the end of the file.

    def _key_area(self, line):
        text = line.text
        if not text.strip():
            return
        folded = _fold(text)
        if _PART.match(folded):
            self.key_part += 1
            self.key_entry = None
            return
        pairs = _key_pairs(text)
        if pairs:
            self._add_pairs(pairs, self.key_part or None)
            if len(pairs) == 1 and _QUESTION.match(text):  # "Câu 1: B", its explanation below
                self.key_entry = self.keys[-1]
            return
        match = _QUESTION.match(text)
        if match:
            rest = text[match.end():]
            choose = _CHOOSE.match(_fold(rest)) or _KEY_LINE.match(_fold(rest))
            key = _parse_key(rest[choose.end():] if choose else rest)[0]
            explained = [rest.strip()] if key is None and rest.strip() else []
            self.key_entry = [self.key_part or None, int(match.group(1)), key, explained]
            self.keys.append(self.key_entry)
            return
        if self.key_entry is None:
            return
        choose = _CHOOSE.match(folded) or _KEY_LINE.match(folded)
        if choose and self.key_entry[2] is None:
            key = _key_of(text[choose.end():], choose=True)
            if key:
                self.key_entry[2] = key
                return
        explanation = _EXPLANATION.match(folded)
        rest = text[explanation.end():] if explanation else text
        if rest.strip():
            self.key_entry[3].append(rest.strip())

    def _add_pairs(self, pairs, part):
        self.key_entry = None
        for number, key in pairs:
            self.keys.append([part, number, key, []])

    def _table(self, table):
        if self.current is None and not self.questions:
            return  # the school and the title above the questions
        pairs = _key_table(table.rows)
        if pairs is not None:
            self._close()
            self.in_keys = True
            self._add_pairs(pairs, self.key_part or None)
            return
        if self.current is not None:
            self.current.add_problem("table")

    # After the last line.

    def finish(self, errors):
        """The format dicts of the file's questions; the errors (each question's, named by
        its number, then the key's) go to `errors`."""
        key_errors = []
        self._apply_keys(key_errors)
        questions = []
        numbers = Counter(q.number for q in self.questions)
        for q in self.questions:
            if numbers[q.number] > 1:
                q.label = f"Câu {q.number} (đoạn {q.paragraph})"
        layout = _layout_marks(self.questions)
        problems = {}
        for q, message in self.errors:
            problems.setdefault(id(q), []).append(message)
        for q in self.questions:
            messages = list(problems.get(id(q), []))
            messages += [PROBLEMS[kind] for kind in q.problems]
            built = []
            if not messages:
                try:
                    built = _build(q, layout)
                except Invalid as exc:
                    messages.append(exc.message)
            for question in built:
                messages += check_question(question)
            if messages:
                errors.extend((None, f"{q.label}: {message}") for message in dict.fromkeys(messages))
            else:
                questions.extend(built)
        errors.extend(key_errors)
        return questions

    def _apply_keys(self, errors):
        """Keys from the end of the file, matched by number (and part, and kind, where
        numbers repeat); a "Câu N" there with only an explanation explains a question
        keyed elsewhere."""
        seen = {}
        for part, number, key, explanation in sorted(self.keys, key=lambda entry: entry[2] is None):
            candidates = [q for q in self.questions if q.number == number]
            if len(candidates) > 1 and part is not None:
                candidates = [q for q in candidates if q.part == part] or candidates
            if len(candidates) > 1 and key is not None:
                truth = key[0] == "truth"
                candidates = [q for q in candidates if q.tf_like() == truth] or candidates
            if not candidates:
                errors.append((None, f"Phần đáp án có câu {number} nhưng không có “Câu {number}” trong tệp"))
                continue
            if len(candidates) > 1:
                errors.append((None, f"Phần đáp án, câu {number}: có nhiều câu cùng số {number}, không biết đáp án "
                                     "thuộc câu nào. Hãy ghi đáp án ngay sau từng câu (“Đáp án: B”)."))
                continue
            q = candidates[0]
            if key is None:
                if q.key is None:
                    errors.append((None, f"Phần đáp án, câu {number}: không đọc được đáp án (ví dụ “Câu {number}: B”)"))
                elif explanation and not q.explanation:
                    q.explanation = list(explanation)
                continue
            if id(q) in seen and seen[id(q)] != key:
                errors.append((None, f"Phần đáp án ghi hai đáp án khác nhau cho câu {number}"))
                continue
            seen[id(q)] = key
            if q.key is not None and q.key != key:
                self.errors.append((q, f"đáp án ghi sau câu hỏi ({_key_text(q.key)}) khác đáp án ở phần đáp án "
                                       f"cuối tệp ({_key_text(key)})"))
                continue
            q.key, q.key_from = key, "phần đáp án"
            if explanation and not q.explanation:
                q.explanation = list(explanation)


def _key_text(key):
    kind, value = key
    if kind == "letters":
        return ", ".join(value)
    return " ".join(f"{letter}) {'Đ' if truth else 'S'}" for letter, truth in sorted(value.items()))


_KEY_HEADS = ("dap an", "da", "chon")


def _key_table(rows):
    """[(number, key)] of a table that is an answer key, else None: a "Câu" column (or
    several) with an "Đáp án" (or "Chọn") column beside it, and between them a "Lệnh hỏi"
    column of statements a)-d) as in the ministry's Đúng/Sai keys (the number written once,
    its cell merged down); a "Câu" row above an "Đáp án" row; a "Câu | a | b | c | d"
    header over Đ/S cells; or cells that are each "1-B" pairs."""
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return None
    heads = [[fold(cell) for cell in row] for row in rows]
    for index, head in enumerate(heads):
        groups = []
        for i, cell in enumerate(head):
            if not cell.startswith("cau"):
                continue
            if i + 1 < len(head) and head[i + 1].startswith(_KEY_HEADS):
                groups.append((i, None, i + 1))
            elif i + 2 < len(head) and re.match(r"(?:lenh hoi|y|nhan dinh)\b", head[i + 1]) \
                    and head[i + 2].startswith(_KEY_HEADS):
                groups.append((i, i + 1, i + 2))
        letters = [i for i, cell in enumerate(head) if re.fullmatch(r"(?:y\s*)?[a-h]\)?", cell)]
        if groups:
            return _key_columns(rows[index + 1:], groups) or None
        if head and head[0].startswith("cau") and len(letters) >= 2:
            return _key_statement_columns(rows[index + 1:], head, letters) or None
    # Rows: a "Câu" row above an "Đáp án" row.
    for index, head in enumerate(heads[:-1]):
        if head and head[0].startswith("cau") and heads[index + 1] and heads[index + 1][0].startswith(_KEY_HEADS):
            number_row, key_row = rows[index], rows[index + 1]
            pairs = [_table_pair([number_row[column], key_row[column]], 0, 1)
                     for column in range(1, min(len(number_row), len(key_row)))]
            return [pair for pair in pairs if pair] or None
    # Cells holding "1-B" each.
    cells = [cell for row in rows for cell in row if cell.strip()]
    found = [_key_pairs(cell) for cell in cells]
    if cells and all(found):
        return [pair for cell_pairs in found for pair in cell_pairs]
    return None


def _key_columns(rows, groups):
    pairs, truths, last = [], {}, {}
    for row in rows:
        for number_at, statement_at, key_at in groups:
            if statement_at is None:
                pair = _table_pair(row, number_at, key_at)
                if pair:
                    pairs.append(pair)
                continue
            if key_at >= len(row):
                continue
            number = re.fullmatch(r"\s*(?:c[aâ]u\s*)?(\d{1,4})\s*[.:]?\s*", row[number_at], re.IGNORECASE)
            if number:
                last[number_at] = int(number.group(1))
            letter = re.fullmatch(r"\s*([a-h])\s*[).]?\s*", row[statement_at], re.IGNORECASE)
            value = fold(row[key_at])
            if number_at in last and letter and value in ("d", "s", "dung", "sai"):
                key = truths.setdefault(last[number_at], ("truth", {}))
                key[1][letter.group(1).lower()] = value in ("d", "dung")
    return pairs + list(truths.items())


def _key_statement_columns(rows, head, letters):
    pairs = []
    for row in rows:
        number = re.search(r"\d+", row[0]) if row else None
        values = {re.search(r"[a-h]", head[i].replace("y", "", 1)).group(): fold(row[i])
                  for i in letters if i < len(row)}
        if number and values and all(v in ("d", "s", "dung", "sai") for v in values.values()):
            pairs.append((int(number.group()), ("truth", {k: v in ("d", "dung") for k, v in values.items()})))
    return pairs


def _table_pair(row, number_at, key_at):
    if key_at >= len(row):
        return None
    number = re.fullmatch(r"\s*(?:c[aâ]u\s*)?(\d{1,4})\s*[.:]?\s*", row[number_at], re.IGNORECASE)
    key = _parse_key(row[key_at])[0]
    if number and key:
        return int(number.group(1)), key
    return None


def _layout_marks(questions):
    """The (mark, part) pairs that nearly every option of the file carries: layout."""
    options = [o for q in questions for o in q.options]
    if not options:
        return set()
    counts = {}
    for option in options:
        for mark in option.marks():
            counts[mark] = counts.get(mark, 0) + 1
    return {mark for mark, count in counts.items() if count >= LAYOUT_SHARE * len(options)}


def _marked(q, layout, per_question):
    """{letter: [mark names]} of the options marked as right."""
    marks = {o.letter: o.marks() - layout for o in q.options}
    if per_question and len(q.options) > 1:
        shared = set.intersection(*marks.values())
        marks = {letter: found - shared for letter, found in marks.items()}
    names = dict(MARK_KINDS)
    return {letter: sorted({names[bit] for bit, _ in found}) for letter, found in marks.items() if found}


def _check_letters(q):
    """The options' letters run A, B, C, … (or a, b, c, …) with none missing or repeated."""
    letters = [o.letter.upper() for o in q.options]
    shown = ", ".join(o.letter for o in q.options)
    if len(set(letters)) != len(letters):
        repeated = sorted({letter for letter in letters if letters.count(letter) > 1})
        raise Invalid(f"các phương án {shown}: phương án {', '.join(repeated)} lặp lại")
    expected = [chr(ord("A") + i) for i in range(len(letters))]
    if letters != expected:
        missing = [letter for letter in (chr(ord("A") + i) for i in range(ord(max(letters)) - ord("A") + 1))
                   if letter not in letters]
        detail = f"thiếu phương án {', '.join(missing)}" if missing else "không đúng thứ tự A, B, C, D"
        raise Invalid(f"các phương án {shown}: {detail}")
    if len(letters) < 2:
        raise Invalid("câu hỏi cần ít nhất 2 phương án A., B.")
    empty = [o.letter for o in q.options if not o.text.strip()]
    if empty:
        raise Invalid(f"phương án {', '.join(empty)} để trống")


def _build(q, layout):
    """The format dicts of a parsed question (one, or one per Đúng/Sai statement)."""
    if not q.options:
        stray = [line for line in q.stem if _OPTION.match(line)]
        if stray:
            raise Invalid(f"các phương án phải bắt đầu từ A. (dòng “{stray[0][:40]}”)")
        raise Invalid("không tìm thấy các phương án A. B. C. D. (định dạng Word nhận câu trắc nghiệm và câu "
                      "Đúng/Sai có các ý a), b), c), d))")
    if q.key is not None:
        qtype = "truefalse" if q.key[0] == "truth" else "multichoice"
    else:
        qtype = "truefalse" if q.tf_like() else "multichoice"
    _check_letters(q)
    return reader_of(_READ, qtype, "Word")(q, layout)


def _explanation(q):
    return clean_text("\n".join(q.explanation)) or None


def _read_multichoice(q, layout):
    stem = clean_text("\n".join(q.stem))
    letters = [o.letter.upper() for o in q.options]
    marked = _marked(q, layout, per_question=True)
    multi = bool(_MULTI_STEM.search(fold(stem)))
    if q.key is not None:
        right = q.key[1]
        unknown = [letter for letter in right if letter not in letters]
        if unknown:
            raise Invalid(f"đáp án {', '.join(unknown)} không có trong các phương án {', '.join(letters)}")
        marked_letters = sorted(letter.upper() for letter in marked)
        if marked_letters and marked_letters != sorted(right):
            raise Invalid(f"{q.key_from} ghi {', '.join(right)} nhưng phương án được đánh dấu là "
                          f"{', '.join(marked_letters)}")
        multi = multi or len(right) > 1
    else:
        right = [letter.upper() for letter in marked]
        if not right:
            raise Invalid("không có phương án nào được đánh dấu là đáp án đúng (gạch chân, in đậm, chữ đỏ hoặc tô "
                          "nền chữ cái hay nội dung phương án; hoặc thêm dòng “Đáp án: B” sau câu hỏi)")
        if len(right) > 1 and not multi:
            shown = "; ".join(f"{letter} ({', '.join(names)})" for letter, names in marked.items())
            raise Invalid(f"câu một đáp án nhưng có {len(right)} phương án được đánh dấu: {shown}. Nếu câu có "
                          "nhiều đáp án, hãy ghi “Chọn các đáp án đúng” trong câu hỏi")
    fraction = 1.0 / len(right)
    answers = [answer(clean_text(o.text), fraction if o.letter.upper() in right else 0.0) for o in q.options]
    shuffle = not any(_REFERS.search(fold(o.text)) for o in q.options)
    question = new_question("multichoice", stem, answers=answers, single=not multi,
                            general_feedback=_explanation(q), difficulty=q.difficulty, shuffle=shuffle)
    question["label"] = q.label
    return [question]


def _read_truefalse(q, layout):
    stem = clean_text("\n".join(q.stem))
    letters = [o.letter.lower() for o in q.options]
    if q.key is not None:
        truth = q.key[1]
        missing = [letter for letter in letters if letter not in truth]
        extra = [letter for letter in truth if letter not in letters]
        if missing or extra:
            raise Invalid(f"{q.key_from} ({_key_text(q.key)}) không khớp các ý {', '.join(letters)}")
        marked = {letter.lower() for letter in _marked(q, layout, per_question=False)}
        if marked and marked != {letter for letter, value in truth.items() if value}:
            raise Invalid(f"{q.key_from} ghi {_key_text(q.key)} nhưng các ý được đánh dấu đúng là "
                          f"{', '.join(sorted(marked))}")
    else:
        marked = {letter.lower() for letter in _marked(q, layout, per_question=False)}
        if not marked:
            raise Invalid("câu Đúng/Sai không có ý nào được đánh dấu đúng: đánh dấu các ý đúng, hoặc thêm dòng "
                          "“Đáp án: a) Đ b) S c) Đ d) S” (nhất là khi không có ý nào đúng)")
        truth = {letter: letter in marked for letter in letters}
    questions = []
    for option in q.options:
        letter = option.letter.lower()
        question = new_question("truefalse", clean_text(f"{stem}\n{letter}) {option.text}"),
                                answers=truefalse_answers(truth[letter]), general_feedback=_explanation(q),
                                difficulty=q.difficulty)
        question["label"] = f"{q.label}{letter}" if "(" not in q.label else f"{q.label}, ý {letter}"
        questions.append(question)
    return questions


# The question types a Word file holds: the 4-option questions and the Đúng/Sai statements.
_READ = {"multichoice": _read_multichoice, "truefalse": _read_truefalse}


# The template ---------------------------------------------------------------------------

GUIDE = [
    "Mỗi câu bắt đầu ở đầu dòng bằng “Câu 1:”, “Câu 2.” …; có thể ghi mức độ: “Câu 3 (NB):”, (TH), (VD).",
    "Các phương án A. B. C. D. mỗi phương án một dòng, hoặc nhiều phương án trên một dòng cách nhau bằng phím Tab.",
    "Đáp án đúng: gạch chân, in đậm, tô chữ đỏ hoặc tô nền chữ cái (hay cả nội dung) của phương án đúng; hoặc "
    "thêm dòng “Đáp án: B” sau câu; hoặc bảng đáp án cuối tệp (các cặp 1-B 2-C …, hay bảng có cột Câu và Đáp án).",
    "Câu Đúng/Sai: các ý a), b), c), d); đánh dấu các ý đúng hoặc thêm dòng “Đáp án: a) Đ b) S c) Đ d) S”. "
    "Mỗi ý được nhập thành một câu Đúng/Sai riêng, kèm phần dẫn.",
    "Lời giải: viết sau dòng “Lời giải:” (hoặc “Giải thích:”, “Hướng dẫn giải:”), học sinh thấy sau khi nộp bài.",
    "Chưa nhận: hình ảnh, công thức Equation/MathType, bảng và hộp văn bản trong câu hỏi. Tệp có lỗi sẽ không "
    "được nhập câu nào; trang nhập câu hỏi chỉ rõ câu nào cần sửa.",
    "Ví dụ dưới đây: câu 1 đánh dấu bằng gạch chân chữ cái, câu 2 ghi dòng “Đáp án”, câu 3 tô chữ đỏ, câu 4 là câu "
    "Đúng/Sai. Xoá các câu ví dụ rồi soạn câu hỏi của bạn theo cùng cách.",
]

_VNEID_STEM = "Ứng dụng định danh điện tử quốc gia có tên là gì?"
_VNEID_WHY = "VNeID là ứng dụng định danh điện tử quốc gia do Bộ Công an phát triển và quản lý."
_DAY_STEM = "Ngày Chuyển đổi số quốc gia là ngày nào hằng năm?"
_DAY_WHY = "Quyết định 505/QĐ-TTg ngày 22/4/2022 lấy ngày 10 tháng 10 hằng năm là Ngày Chuyển đổi số quốc gia."
_PORTAL_STEM = "Người dân nộp hồ sơ thủ tục hành chính trực tuyến ở đâu?"
_PORTAL_WHY = "Cổng Dịch vụ công quốc gia (dichvucong.gov.vn) là đầu mối nộp hồ sơ trực tuyến."
_TF_STEM_TEXT = "Bạn An mới kích hoạt tài khoản định danh điện tử. Mỗi ý sau đúng hay sai?"
_TF_WHY = ("Mã OTP và mật khẩu chỉ chủ tài khoản được biết; không cho ai mượn tài khoản, kể cả người tự xưng "
           "là nhân viên hỗ trợ.")
_TF_ITEMS = [("Không đọc mã OTP cho người gọi điện tự xưng là nhân viên hỗ trợ.", True),
             ("Có thể cho bạn cùng lớp mượn tài khoản để nộp hồ sơ giúp.", False),
             ("Nên đặt mật khẩu riêng, không dùng ngày sinh của mình.", True),
             ("Chụp màn hình mã QR định danh gửi vào nhóm lớp là an toàn.", False)]

# The template's questions, as the reader gives them back (tests/…/test_docx.py reads the template).
EXAMPLES = [
    new_question("multichoice", _VNEID_STEM, difficulty="easy", general_feedback=_VNEID_WHY,
                 answers=[answer("VNeID", 1.0), answer("VssID", 0.0), answer("eTax Mobile", 0.0),
                          answer("Sổ sức khoẻ điện tử", 0.0)]),
    new_question("multichoice", _DAY_STEM, difficulty="easy", general_feedback=_DAY_WHY,
                 answers=[answer("Ngày 1 tháng 10", 0.0), answer("Ngày 10 tháng 10", 1.0),
                          answer("Ngày 2 tháng 9", 0.0), answer("Ngày 20 tháng 11", 0.0)]),
    new_question("multichoice", _PORTAL_STEM, difficulty="medium", general_feedback=_PORTAL_WHY,
                 answers=[answer("Trang Facebook của xã", 0.0), answer("Nhóm Zalo của tổ dân phố", 0.0),
                          answer("Cổng Dịch vụ công quốc gia", 1.0), answer("Thư điện tử gửi cán bộ", 0.0)]),
] + [new_question("truefalse", f"{_TF_STEM_TEXT}\n{letter}) {text}", answers=truefalse_answers(truth),
                  general_feedback=_TF_WHY)
     for letter, (text, truth) in zip("abcd", _TF_ITEMS)]


def write_template():
    """The downloadable Word template: a short guide, then example questions, each marked
    one of the ways the reader knows. python-docx, built at request time."""
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt, RGBColor

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(13)
    heading = document.add_paragraph()
    heading.add_run("MẪU NHẬP CÂU HỎI TỪ WORD").bold = True
    for line in GUIDE:
        document.add_paragraph("– " + line)

    def question(number, tag, stem):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"Câu {number}{tag}: ").bold = True
        paragraph.add_run(stem)

    def option(paragraph, letter, text, right=None):
        label = paragraph.add_run(f"{letter}. " if letter.isupper() else f"{letter}) ")
        label.bold = True
        body = paragraph.add_run(text)
        if right == "underline":
            label.underline = True
        elif right == "red":
            body.font.color.rgb = RGBColor(0xFF, 0x00, 0x00)
        elif right == "highlight":
            label.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return paragraph

    def lines(*texts):
        for text in texts:
            document.add_paragraph(text)

    question(1, " (NB)", _VNEID_STEM)
    for letter, text in zip("ABCD", ("VNeID", "VssID", "eTax Mobile", "Sổ sức khoẻ điện tử")):
        option(document.add_paragraph(), letter, text, "underline" if letter == "A" else None)
    lines("Lời giải: " + _VNEID_WHY)

    question(2, " (NB)", _DAY_STEM)
    row = document.add_paragraph()
    for index, (letter, text) in enumerate(zip("ABCD", ("Ngày 1 tháng 10", "Ngày 10 tháng 10", "Ngày 2 tháng 9",
                                                        "Ngày 20 tháng 11"))):
        if index:
            row.add_run("\t")
        option(row, letter, text)
    lines("Đáp án: B", "Giải thích: " + _DAY_WHY)

    question(3, " (TH)", _PORTAL_STEM)
    for letter, text in zip("ABCD", ("Trang Facebook của xã", "Nhóm Zalo của tổ dân phố", "Cổng Dịch vụ công quốc gia",
                                     "Thư điện tử gửi cán bộ")):
        option(document.add_paragraph(), letter, text, "red" if letter == "C" else None)
    lines("Hướng dẫn giải:", _PORTAL_WHY)

    question(4, "", _TF_STEM_TEXT)
    for letter, (text, _) in zip("abcd", _TF_ITEMS):
        option(document.add_paragraph(), letter, text)
    lines("Đáp án: a) Đ b) S c) Đ d) S", "Lời giải: " + _TF_WHY)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
