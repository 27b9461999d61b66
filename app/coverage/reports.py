"""The participation report in the official layout, as XLSX and as PDF: the issuing
unit and the national motto, place and date, the title, the table (STT, Đơn vị,
Tổng số HS, Số HS tham gia, Tỷ lệ %, Số lượt thi, Số HS đạt, Số giải) with its
totals, and the signature block. The XLSX can carry a sheet per school listing its
students; it is written row by row (streamed, to a temporary file), so a province
does not sit in memory."""
import re
import tempfile
from io import BytesIO
from itertools import groupby
from xml.sax.saxutils import escape as _escape

from sqlalchemy import func, select

from app.core.template_helpers import score_cell
from app.core.text import nfc
from app.core.timeutil import to_local
from app.core.xlsx_stream import XlsxStream
from app.coverage.models import Participation
from app.extensions import db
from app.org.models import SchoolClass, Student, Unit

HEADER = ["STT", "Đơn vị", "Tổng số HS", "Số HS tham gia", "Tỷ lệ %", "Số lượt thi", "Số HS đạt", "Số giải"]
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def place_of(unit, root):
    """Where a report is signed: the province or city in the Sở's name (…tỉnh X, …thành phố X)."""
    for name in (unit.address or "", root.name if root else "", unit.name):
        match = re.search(r"(?:tỉnh|thành phố|TP\.?)\s+(.+)$", name, flags=re.IGNORECASE)
        if match:
            return match.group(1).strip()
    return ""


def superior_of(unit, parent):
    """The line above the issuing unit: its parent, or for a Sở the provincial People's Committee."""
    if parent is not None:
        return parent.name.upper()
    match = re.search(r"((?:tỉnh|thành phố)\s+.+)$", unit.name, flags=re.IGNORECASE)
    return f"UBND {match.group(1)}".upper() if match else ""


def issuer_of(unit, parent):
    """The issuing unit's name as the header prints it (a Sở without its province, which the line above gives)."""
    name = unit.name
    if parent is None:
        name = re.sub(r"\s+(?:tỉnh|thành phố)\s+.+$", "", name, flags=re.IGNORECASE)
    return name.upper()


def dated_line(place, now):
    day = to_local(now)
    return f"{place + ', ' if place else ''}ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def title_of(selection):
    what = f"cuộc thi {selection.contest.name}" if selection.contest is not None else \
        "các cuộc thi tìm hiểu về dịch vụ công trực tuyến"
    return f"BÁO CÁO KẾT QUẢ TỔ CHỨC {what.upper()}", _period(selection)


def _period(selection):
    year = f"Năm học {selection.school_year}-{selection.school_year + 1}"
    if selection.date_from or selection.date_to:
        start = selection.date_from.strftime("%d/%m/%Y") if selection.date_from else "đầu năm học"
        end = selection.date_to.strftime("%d/%m/%Y") if selection.date_to else "nay"
        return f"{year}, từ {start} đến {end}"
    return year


def table_rows(rows, total):
    """The report's table: one line per row, then the totals (rates as numbers, 1 decimal)."""
    lines = []
    for number, row in enumerate(rows, start=1):
        lines.append(_line(number, row.name, row.fig))
    lines.append(_line("", "Tổng cộng", total))
    return lines


def _line(number, name, fig):
    rate = round(fig.rate, 1) if fig.rate is not None else None
    return [number, name, fig.enrolled, fig.participants, rate, fig.attempts, fig.passed, fig.prizes]


def xlsx_report(unit, parent, selection, rows, total, now, detail_schools=None):
    """A file object holding the XLSX. `detail_schools`: a query of school ids whose
    students get a sheet each (staff only), or None. Rows are streamed into the file
    (app.core.xlsx_stream), so memory stays flat however large the province."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    with XlsxStream(out) as book:
        with book.sheet("Tổng hợp", widths={1: 42}) as sheet:
            sheet.row([superior_of(unit, parent), "", "", "", MOTTO[0]], bold=True)
            sheet.row([issuer_of(unit, parent), "", "", "", MOTTO[1]], bold=True)
            sheet.row(["", "", "", "", dated_line(place_of(unit, parent), now)])
            sheet.row()
            title, period = title_of(selection)
            sheet.row([title], bold=True)
            sheet.row([period])
            sheet.row()
            sheet.row(HEADER, bold=True)
            lines = table_rows(rows, total)
            for values in lines[:-1]:
                sheet.row(values)
            sheet.row(lines[-1], bold=True)
            sheet.row()
            sheet.row(["Nơi nhận:", "", "Người lập biểu", "", "Thủ trưởng đơn vị"], bold=True)
            sheet.row(["- Như trên;", "", "(Ký, ghi rõ họ tên)", "", "(Ký tên, đóng dấu)"])
            sheet.row(["- Lưu: VT."])
        if detail_schools is not None:
            _detail_sheets(book, selection, detail_schools)
    out.seek(0)
    return out


def _detail_sheets(book, selection, schools):
    """A sheet per school: its students (name, class, attempts, best score), streamed
    in school, class, name order."""
    per_student = (select(Participation.student_id, func.sum(Participation.attempts).label("attempts"),
                          func.max(Participation.best_percent).label("best"))
                   .where(Participation.contest_id.in_(selection.contest_ids))
                   .group_by(Participation.student_id).subquery())
    query = (select(Unit.id, Unit.name, SchoolClass.name, Student.full_name, per_student.c.attempts,
                    per_student.c.best)
             .join(SchoolClass, SchoolClass.id == Student.class_id).join(Unit, Unit.id == SchoolClass.school_id)
             .outerjoin(per_student, per_student.c.student_id == Student.id)
             .where(SchoolClass.school_year == selection.school_year, Unit.id.in_(schools))
             .order_by(Unit.sort_key, Unit.id, SchoolClass.sort_key, Student.sort_key)
             .execution_options(yield_per=2000))
    used = set()
    for (_, school), students in groupby(db.session.execute(query), key=lambda r: (r[0], r[1])):
        with book.sheet(_sheet_title(school, used), widths={1: 32}) as sheet:
            sheet.row([school])
            sheet.row(["STT", "Họ và tên", "Lớp", "Số lượt thi", "Điểm cao nhất (%)"], bold=True)
            for number, (_, _, class_name, name, attempts, best) in enumerate(students, start=1):
                sheet.row([number, name, class_name, attempts or 0, score_cell(best)])


def _sheet_title(name, used):
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the file."""
    base = re.sub(r"[\[\]:*?/\\]", " ", nfc(name))[:28].strip() or "Trường"
    title, n = base, 2
    while title.lower() in used:
        title, n = f"{base[:26]} {n}", n + 1
    used.add(title.lower())
    return title


def pdf_report(unit, parent, selection, rows, total, now):
    """The report as A4 PDF bytes, with the embedded DejaVu fonts."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from app.core.pdf import SERIF, SERIF_BOLD, register_fonts

    register_fonts()
    normal = ParagraphStyle("n", fontName=SERIF, fontSize=10, leading=13)
    center = ParagraphStyle("c", parent=normal, alignment=TA_CENTER)
    center_bold = ParagraphStyle("cb", parent=center, fontName=SERIF_BOLD)
    italic_right = ParagraphStyle("ir", parent=normal, alignment=TA_RIGHT, fontSize=10)
    cell = ParagraphStyle("cell", parent=normal, fontSize=9, leading=11)
    cell_bold = ParagraphStyle("cellb", parent=cell, fontName=SERIF_BOLD)
    title, period = title_of(selection)
    width = A4[0] - 30 * mm

    def p(text, style):
        return Paragraph(_escape(text), style)

    head = Table([[p(superior_of(unit, parent), center), p(MOTTO[0], center_bold)],
                  [Paragraph(f"<b><u>{_escape(issuer_of(unit, parent))}</u></b>", center),
                   Paragraph(f"<b><u>{MOTTO[1]}</u></b>", center)]],
                 colWidths=[width * 0.45, width * 0.55])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story = [head, Spacer(1, 4 * mm), p(dated_line(place_of(unit, parent), now), italic_right), Spacer(1, 6 * mm),
             p(title, ParagraphStyle("t", parent=center_bold, fontSize=12, leading=15)), p(period, center),
             Spacer(1, 5 * mm)]
    data = [[p(h, ParagraphStyle("h", parent=cell_bold, alignment=TA_CENTER)) for h in HEADER]]
    for values in table_rows(rows, total):
        style = cell_bold if values[0] == "" else cell
        data.append([p(_fmt(v), style if i == 1 else ParagraphStyle("r", parent=style, alignment=TA_RIGHT))
                     for i, v in enumerate(values)])
    table = Table(data, colWidths=[12 * mm, width - 12 * mm - 6 * 19 * mm] + [19 * mm] * 6, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    story += [table, Spacer(1, 8 * mm)]
    small = ParagraphStyle("s", parent=normal, fontSize=9, leading=11)
    sign = Table([[Paragraph("<b><i>Nơi nhận:</i></b>", small), p("Người lập biểu", center_bold),
                   p("Thủ trưởng đơn vị", center_bold)],
                  [p("- Như trên;", small), Paragraph("<i>(Ký, ghi rõ họ tên)</i>", center),
                   Paragraph("<i>(Ký tên, đóng dấu)</i>", center)],
                  [p("- Lưu: VT.", small), "", ""]], colWidths=[width * 0.3, width * 0.35, width * 0.35])
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(sign)
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title.capitalize(), author=unit.name)
    doc.build(story)
    return out.getvalue()


def _fmt(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)

