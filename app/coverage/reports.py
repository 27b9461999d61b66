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

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import func, select

from app.core.pdf import SERIF, SERIF_BOLD, SERIF_BOLD_ITALIC, SERIF_ITALIC, register_fonts
from app.core.template_helpers import score_cell
from app.core.text import nfc
from app.core.timeutil import to_local
from app.core.xlsx_stream import XlsxStream
from app.coverage.models import STAGES, Participation
from app.coverage.rollup import students_short, target_gap
from app.extensions import db
from app.org.models import SchoolClass, Student, Unit, student_stage
from app.org.services import children_label

HEADER = ["STT", "Đơn vị", "Tổng số HS", "Số HS tham gia", "Tỷ lệ %", "Số lượt thi", "Số HS đạt", "Số giải"]
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
NUMBER_BLANK = " " * 8  # the document number is written in by the clerk (văn thư)
NBSP = "\u00a0"
LEFT, RIGHT = (0, 2), 4  # XLSX: the agency block spans A:C, the motto block E to the last column


def governing_unit(unit):
    """The unit a unit answers to: its parent, passing over clusters (a cụm groups schools
    for contests and reports but governs none)."""
    parent = unit.parent
    while parent is not None and parent.kind == "cluster":
        parent = parent.parent
    return parent


def _region(name, words=("tỉnh", "thành phố")):
    """'Sở GD&ĐT thành phố Cần Thơ' -> 'thành phố Cần Thơ' (None if the name has none)."""
    match = re.search(rf"((?:{'|'.join(words)})\s+.+)$", name or "", flags=re.IGNORECASE)
    return match.group(1) if match else None


def place_of(unit, root):
    """Where a report is signed: the province or city in the unit's address or the Sở's name."""
    for name in (unit.address or "", root.name if root else "", unit.name):
        match = re.search(r"(?:tỉnh|thành phố|TP\.?)\s+(.+)$", name, flags=re.IGNORECASE)
        if match:
            return match.group(1).strip()
    return ""


def superior_of(unit):
    """The governing agency above the issuing one (Nghị định 30/2020, appendix I): for a
    Sở, and for a commune (xã/phường: two-level local government from 1/7/2025), the
    provincial People's Committee; for a Phòng its district's; else the unit it answers
    to (a commune's People's Committee for its schools)."""
    if unit.kind in ("department", "office", "commune"):
        words = ("quận", "huyện", "thị xã", "thành phố") if unit.kind == "office" else ("tỉnh", "thành phố")
        region = _region((_root(unit) if unit.kind == "commune" else unit).name, words)
        if region:
            return f"UBND {region}".upper()
    parent = governing_unit(unit)
    return agency_name(parent).upper() if parent is not None else ""


def agency_name(unit):
    """A unit as an agency: a commune is its People's Committee ('Phường Ninh Kiều' ->
    'UBND Phường Ninh Kiều'), the others their name."""
    if unit.kind == "commune" and not re.match(r"(UBND|Ủy ban|Uỷ ban)\b", nfc(unit.name), flags=re.IGNORECASE):
        return f"UBND {unit.name}"
    return unit.name


def issuer_of(unit):
    """The issuing unit's name as the header prints it (a Sở without its province, which the line above gives)."""
    name = agency_name(unit)
    if unit.kind == "department":
        name = re.sub(r"\s+(?:tỉnh|thành phố)\s+.+$", "", name, flags=re.IGNORECASE)
    return name.upper()


def abbreviation_of(unit):
    """The issuer in the document number (Số: .../BC-SGDĐT): Sở and Phòng as usual, other
    units by their name's initials, words already in capitals kept (Trường THPT A: THPTA)."""
    if unit.kind == "department":
        return "SGDĐT"
    if unit.kind == "office":
        return "PGDĐT"
    if unit.kind == "commune":
        return "UBND"
    name = re.sub(r"^(Trường)\s+", "", nfc(unit.name).split(" - ")[0], flags=re.IGNORECASE)  # no "- Quận X"
    name = re.sub(r"^Trung tâm\s+", "TT ", name, flags=re.IGNORECASE)
    letters = []
    for word in name.split():
        word = re.sub(r"[^\w]", "", word)
        letters.append(word if word.isupper() or word.isdigit() else word[:1].upper())
    return "".join(letters)


def position_of(unit):
    """Who signs for the unit (quyền hạn, chức vụ của người ký)."""
    if unit.kind == "school":
        return "GIÁM ĐỐC" if unit.level == "GDNN-GDTX" else "HIỆU TRƯỞNG"
    return {"department": "GIÁM ĐỐC", "office": "TRƯỞNG PHÒNG", "cluster": "TRƯỞNG CỤM",
            "commune": "CHỦ TỊCH"}.get(unit.kind, "THỦ TRƯỞNG ĐƠN VỊ")


def recipients_of(unit):
    """The 'Nơi nhận' list: the units reported to, and the file copy."""
    if unit.kind == "department":
        region = _region(unit.name)
        above = ["Bộ GD&ĐT"] + ([f"UBND {region}"] if region else [])
    else:
        parent = governing_unit(unit)
        above = [agency_name(parent)] if parent is not None else []
    return [f"- {name} (để báo cáo);" for name in above] + ["- Lưu: VT."]


def dated_line(place, now):
    """'Cần Thơ, ngày 05 tháng 3 năm 2026': a day below 10 and the months 1 and 2 with a leading 0."""
    day = to_local(now)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place + ', ' if place else ''}ngày {day.day:02d} tháng {month} năm {day.year}"


def contest_phrase(selection):
    """'cuộc thi Tìm hiểu DVC': the contest named once, whether or not its name starts with 'Cuộc thi'."""
    if selection.contest is None:
        return "các cuộc thi tìm hiểu về dịch vụ công trực tuyến"
    name = nfc(selection.contest.name).strip()
    if name.lower().startswith("cuộc thi"):
        return "cuộc thi" + name[len("cuộc thi"):]
    return f"cuộc thi {name}"


def title_of(selection):
    """The document type, its summary line (trích yếu) and the period covered."""
    return "BÁO CÁO", f"Kết quả tổ chức {contest_phrase(selection)}", _period(selection)


def _period(selection):
    year = f"Năm học {selection.school_year}-{selection.school_year + 1}"
    if selection.date_from or selection.date_to:
        start = selection.date_from.strftime("%d/%m/%Y") if selection.date_from else "đầu năm học"
        end = selection.date_to.strftime("%d/%m/%Y") if selection.date_to else "nay"
        return f"{year}, từ {start} đến {end}"
    return year


def target_stages(total, stage_targets):
    """The stages with a target that the report has students of, as a label ("THPT")."""
    return ", ".join(stage for stage in STAGES if stage in (stage_targets or {}) and total.stages.get(stage, (0,))[0])


def column_of(unit):
    """The table's second column: "Xã/phường" (", trường") for a Sở whose middle units are
    communes, else "Đơn vị"."""
    return (None if unit.is_school else children_label(unit)) or HEADER[1]


def header_of(total, stage_targets, column=HEADER[1]):
    stages = target_stages(total, stage_targets)
    head = [HEADER[0], column, *HEADER[2:]]
    if not stages:
        return head
    return head + [f"Mục tiêu {stages} %", f"Tỷ lệ {stages} %", "Chênh lệch (điểm %)", f"Số HS {stages} còn thiếu"]


def table_rows(rows, total, stage_targets=None):
    """The report's table: one line per row, then the totals (rates as numbers, 1 decimal);
    with targets, the target, the rate of its stages, the gap in points and the students short."""
    with_targets = bool(target_stages(total, stage_targets))
    lines = []
    for number, row in enumerate(rows, start=1):
        lines.append(_line(number, row.name, row.fig, stage_targets if with_targets else None))
    lines.append(_line("", "Tổng cộng", total, stage_targets if with_targets else None))
    return lines


def _line(number, name, fig, stage_targets):
    rate = round(fig.rate, 1) if fig.rate is not None else None
    line = [number, name, fig.enrolled, fig.participants, rate, fig.attempts, fig.passed, fig.prizes]
    if stage_targets is not None:
        target, target_rate, gap = target_gap(fig, stage_targets)
        line += [_round(target), _round(target_rate), _round(gap), students_short(fig, stage_targets)]
    return line


def _round(value):
    return round(value, 1) if value is not None else None


def target_summary(selection, total, stage_targets):
    """One sentence under the table: the target, the rate reached and how far from it."""
    stages = target_stages(total, stage_targets)
    if not stages:
        return ""
    target, rate, gap = target_gap(total, stage_targets)
    text = (f"Mục tiêu {stages} năm học {selection.school_year}-{selection.school_year + 1}: {_num(target, None)} %; "
            f"đạt {_num(rate)} %")
    if gap < 0:
        short = students_short(total, stage_targets)
        return f"{text}, còn thiếu {_num(-gap)} điểm phần trăm ({f'{short:,}'.replace(',', '.')} học sinh)."
    return f"{text}, đã đạt mục tiêu."


def _num(value, digits=1):
    text = f"{value:g}" if digits is None else f"{value:.{digits}f}"
    return text.replace(".", ",")


def xlsx_report(unit, selection, rows, total, now, *, stage_targets=None, signer="", detail_schools=None):
    """A file object holding the XLSX. `detail_schools`: a query of school ids whose
    students get a sheet each (staff only), or None. Rows are streamed into the file
    (app.core.xlsx_stream), so memory stays flat however large the province."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    header = header_of(total, stage_targets, column_of(unit))
    last = len(header) - 1
    with XlsxStream(out) as book:
        with book.sheet("Tổng hợp", widths={0: 6, 1: 36, **{i: 13 for i in range(2, last + 1)}}) as sheet:
            def pair(left, right, fonts):
                lines = max(1, -(-len(left) // 36))  # about 36 capitals fit across A:C
                sheet.row([left, "", "", "", right], fonts=[fonts[0], None, None, None, fonts[1]], center=True,
                          height=15 * lines if lines > 1 else None)
                sheet.merge(*LEFT)
                sheet.merge(RIGHT, last)

            pair(superior_of(unit), MOTTO[0], ["regular", "bold"])
            pair(issuer_of(unit), MOTTO[1], ["bold", "bold"])
            pair(f"Số:{NUMBER_BLANK}/BC-{abbreviation_of(unit)}",
                 dated_line(place_of(unit, _root(unit)), now), ["regular", "italic"])
            sheet.row()
            doc_type, summary_line, period = title_of(selection)
            for text, bold in ((doc_type, True), (summary_line, True), (period, False)):
                sheet.row([text], bold=bold, center=True)
                sheet.merge(0, last)
            sheet.row()
            sheet.row(header, bold=True, center=True)
            lines = table_rows(rows, total, stage_targets)
            for values in lines[:-1]:
                sheet.row(values)
            sheet.row(lines[-1], bold=True)
            summary = target_summary(selection, total, stage_targets)
            if summary:
                sheet.row()
                sheet.row([summary])
            sheet.row()
            recipients = recipients_of(unit)
            sheet.row(["Nơi nhận:", "", "", "", position_of(unit)], fonts=["bold_italic", None, None, None, "bold"],
                      center={RIGHT})
            sheet.merge(RIGHT, last)
            for index, line in enumerate(recipients):
                hint = "" if signer or index else "(Ký, ghi rõ họ tên, đóng dấu)"
                sheet.row([line, "", "", "", hint], fonts=[None, None, None, None, "italic"], center={RIGHT})
                sheet.merge(RIGHT, last)
            for _ in range(max(0, 4 - len(recipients))):
                sheet.row()
            if signer:
                sheet.row(["", "", "", "", signer], bold=True, center={RIGHT})
                sheet.merge(RIGHT, last)
        if detail_schools is not None:
            _detail_sheets(book, selection, detail_schools)
    out.seek(0)
    return out


def _root(unit):
    while unit.parent is not None:
        unit = unit.parent
    return unit


def _detail_sheets(book, selection, schools):
    """A sheet per school: its students (name, class, attempts, best score), streamed
    in school, class, name order; the students the summary counts, of the stages the
    selection covers (a TTGDNN-GDTX centre's learners only for a contest open to GDTX)."""
    per_student = (select(Participation.student_id, func.sum(Participation.attempts).label("attempts"),
                          func.max(Participation.best_percent).label("best"))
                   .where(Participation.contest_id.in_(selection.contest_ids))
                   .group_by(Participation.student_id).subquery())
    query = (select(Unit.id, Unit.name, SchoolClass.name, Student.full_name, per_student.c.attempts,
                    per_student.c.best, Unit.level, SchoolClass.grade)
             .join(SchoolClass, SchoolClass.id == Student.class_id).join(Unit, Unit.id == SchoolClass.school_id)
             .outerjoin(per_student, per_student.c.student_id == Student.id)
             .where(SchoolClass.school_year == selection.school_year, Unit.id.in_(schools),
                    Student.left_at.is_(None))
             .order_by(Unit.sort_key, Unit.id, SchoolClass.sort_key, Student.sort_key)
             .execution_options(yield_per=2000))
    stages = set(selection.stages)
    counted = (row for row in db.session.execute(query) if student_stage(row[6], row[7]) in stages)
    used = set()
    for (_, school), students in groupby(counted, key=lambda r: (r[0], r[1])):
        with book.sheet(_sheet_title(school, used), widths={1: 32}) as sheet:
            sheet.row([school])
            sheet.row(["STT", "Họ và tên", "Lớp", "Số lượt thi", "Điểm cao nhất (%)"], bold=True)
            for number, (_, _, class_name, name, attempts, best, _, _) in enumerate(students, start=1):
                sheet.row([number, name, class_name, attempts or 0, score_cell(best)])


def _sheet_title(name, used):
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the file."""
    base = re.sub(r"[\[\]:*?/\\]", " ", nfc(name))[:28].strip() or "Trường"
    title, n = base, 2
    while title.lower() in used:
        title, n = f"{base[:26]} {n}", n + 1
    used.add(title.lower())
    return title


def pdf_report(unit, selection, rows, total, now, *, stage_targets=None, signer=""):
    """The report as A4 PDF bytes in the layout of Nghị định 30/2020/NĐ-CP, appendix I,
    with the embedded DejaVu fonts."""
    class Rule(Flowable):
        """A solid line of a given length, centred under the line above it."""

        def __init__(self, length):
            super().__init__()
            self.length = length

        def wrap(self, available_width, available_height):
            self.available = available_width
            return available_width, 5

        def draw(self):  # clear of the letters' descenders above
            left = (self.available - self.length) / 2
            self.canv.setLineWidth(0.6)
            self.canv.line(left, 1, left + self.length, 1)

    register_fonts()
    normal = ParagraphStyle("n", fontName=SERIF, fontSize=10, leading=13)
    center = ParagraphStyle("c", parent=normal, alignment=TA_CENTER)
    center_bold = ParagraphStyle("cb", parent=center, fontName=SERIF_BOLD)
    center_italic = ParagraphStyle("ci", parent=center, fontName=SERIF_ITALIC)
    cell = ParagraphStyle("cell", parent=normal, fontSize=8, leading=10)
    cell_bold = ParagraphStyle("cellb", parent=cell, fontName=SERIF_BOLD)
    doc_type, summary_line, period = title_of(selection)
    width = A4[0] - 35 * mm  # margins: left 20 mm, right 15 mm (Nghị định 30)
    left_width, right_width = width * 0.42, width * 0.58

    def p(text, style):
        return Paragraph(_escape(text), style)

    def rule_under(text, font, size, column, share):
        return Rule(min(stringWidth(text, font, size), column - 6) * share)

    issuer = issuer_of(unit)
    agency = [p(superior_of(unit), center), p(issuer, center_bold), rule_under(issuer, SERIF_BOLD, 10, left_width, 0.4),
              Spacer(1, 2 * mm), p(f"Số:{NUMBER_BLANK.replace(' ', NBSP)}/BC-{abbreviation_of(unit)}", center)]
    motto = [p(MOTTO[0], center_bold), p(MOTTO[1], ParagraphStyle("m", parent=center_bold, fontSize=11)),
             rule_under(MOTTO[1], SERIF_BOLD, 11, right_width, 1), Spacer(1, 2 * mm),
             p(dated_line(place_of(unit, _root(unit)), now), center_italic)]
    head = Table([[agency, motto]], colWidths=[left_width, right_width])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story = [head, Spacer(1, 8 * mm), p(doc_type, ParagraphStyle("t", parent=center_bold, fontSize=13, leading=16)),
             p(summary_line, ParagraphStyle("s", parent=center_bold, fontSize=11, leading=14)),
             p(period, center), Spacer(1, 5 * mm)]
    header = header_of(total, stage_targets, column_of(unit))
    numeric = len(header) - 2
    data = [[p(h, ParagraphStyle("h", parent=cell_bold, alignment=TA_CENTER)) for h in header]]
    for values in table_rows(rows, total, stage_targets):
        style = cell_bold if values[0] == "" else cell
        data.append([p(_fmt(v), style if i == 1 else ParagraphStyle("r", parent=style, alignment=TA_RIGHT))
                     for i, v in enumerate(values)])
    number_width = 12.5 * mm if numeric > 6 else 17 * mm
    table = Table(data, colWidths=[9 * mm, width - 9 * mm - numeric * number_width] + [number_width] * numeric,
                  repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    story += [table, Spacer(1, 4 * mm)]
    summary = target_summary(selection, total, stage_targets)
    if summary:
        story += [p(summary.replace(" %", NBSP + "%"), normal), Spacer(1, 4 * mm)]
    story.append(Spacer(1, 4 * mm))
    small = ParagraphStyle("sm", parent=normal, fontSize=9, leading=11)
    received = [p("Nơi nhận:", ParagraphStyle("nn", parent=small, fontName=SERIF_BOLD_ITALIC, fontSize=10))]
    received += [p(line, small) for line in recipients_of(unit)]
    signature = [p(position_of(unit), center_bold)]
    if not signer:
        signature.append(p("(Ký, ghi rõ họ tên, đóng dấu)", ParagraphStyle("h2", parent=center_italic, fontSize=9)))
    signature += [Spacer(1, 22 * mm), p(signer, center_bold)] if signer else [Spacer(1, 22 * mm)]
    sign = Table([[received, signature]], colWidths=[width * 0.5, width * 0.5])
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(sign)
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=15 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=f"{doc_type} {summary_line}".capitalize(), author=unit.name)
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

