"""The Excel template: one row a question. Users download it from the app, fill it in
Excel, and upload it; a bank exports to the same layout.

Columns: Mã câu hỏi, Loại, Chủ đề, Cấp học, Mức độ, Nội dung câu hỏi, Phương án A-F,
Đáp án đúng, Giải thích, Nguồn, Đảo phương án. A question with more options takes
more columns, up to Phương án Z: the reader takes any of them, and an export has as
many as its longest question needs (no fewer than A-F). "Đáp án đúng" holds, by type:
trắc nghiệm `A` or `A, C` (or weights `A:50; C:50; D:-100`), đúng/sai `Đúng` or
`Sai`, trả lời ngắn the accepted answers separated by `|`, số `3,14 ± 0,01` or
`1..5`; ghép đôi puts its pairs `trái -> phải` in the option columns.
"""
import io
import re

from app.core.errors import DomainError
from app.core.spreadsheet import cell_text, find_header, header_key, is_blank, read_rows, text_cell
from app.core.text import fold
from app.quiz.banks.formats.common import (
    DIFFICULTY_LABELS,
    LEVEL_LABELS,
    TYPE_LABELS,
    Invalid,
    ParseError,
    answer,
    check_question,
    clean_text,
    new_question,
    parse_numeric_answer,
    percent_to_fraction,
    reader_of,
    truefalse_answers,
    writer_of,
)

OPTION_COUNT = 6  # the option columns of the template and of an export without longer questions
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # the most option columns a sheet has


def headers(option_count=OPTION_COUNT):
    return (["Mã câu hỏi", "Loại", "Chủ đề", "Cấp học", "Mức độ", "Nội dung câu hỏi"]
            + [f"Phương án {letter}" for letter in LETTERS[:option_count]]
            + ["Đáp án đúng", "Giải thích", "Nguồn", "Đảo phương án"])


FIELDS = (["key", "type", "topic", "level", "difficulty", "text"] + [f"option_{letter}" for letter in LETTERS]
          + ["right", "explanation", "source", "shuffle"])
ALIASES = {field: {header_key(header)} for field, header in zip(FIELDS, headers(len(LETTERS)))}
ALIASES["key"] |= {"ma", "ma cau", "key", "id"}
ALIASES["type"] |= {"loai cau hoi", "kieu", "type"}
ALIASES["topic"] |= {"chu de", "topic", "category"}
ALIASES["level"] |= {"cap", "level", "khoi"}
ALIASES["difficulty"] |= {"do kho", "muc do", "difficulty"}
ALIASES["text"] |= {"cau hoi", "noi dung", "question", "text"}
ALIASES["right"] |= {"dap an", "dap an dung", "answer", "right"}
ALIASES["explanation"] |= {"giai thich", "explanation", "phan hoi chung"}
ALIASES["source"] |= {"nguon", "can cu", "source"}
for letter in LETTERS:
    ALIASES[f"option_{letter}"] |= {letter.lower(), f"phuong an {letter.lower()}", f"dap an {letter.lower()}",
                                    f"option {letter.lower()}"}

_TYPE_NAMES = {fold(label): qtype for qtype, label in TYPE_LABELS.items()}
_TYPE_NAMES.update({qtype: qtype for qtype in TYPE_LABELS})
_TYPE_NAMES.update({"mot dap an": "multichoice", "nhieu dap an": "multichoice", "trac nghiem nhieu dap an":
                    "multichoice", "dung sai": "truefalse", "dung/sai": "truefalse", "tra loi so": "numerical",
                    "ghep noi": "matching", "match": "matching"})
_LEVEL_NAMES = {"thcs": "THCS", "thpt": "THPT", "all": "all", "ca hai": "all", "thcs va thpt": "all",
                "thcs, thpt": "all", "thcs/thpt": "all", "": None}
_DIFFICULTY_NAMES = {fold(label): key for key, label in DIFFICULTY_LABELS.items()}
_DIFFICULTY_NAMES.update({key: key for key in DIFFICULTY_LABELS} | {"tb": "medium", "": None,
                          "nhan biet": "easy", "thong hieu": "medium", "van dung": "hard"})
_TRUE = {"dung", "d", "true", "t", "đ"}
_FALSE = {"sai", "s", "false", "f"}


def parse_xlsx(data):
    try:
        rows = read_rows(data)
    except DomainError as exc:
        raise ParseError([(None, exc.message)]) from None
    header_row, columns = find_header(rows, ALIASES, needed=("text",))
    if header_row is None or "text" not in columns:
        raise ParseError([(None, "không tìm thấy dòng tiêu đề có cột “Nội dung câu hỏi” "
                                 "(hãy dùng tệp mẫu tải từ trang ngân hàng câu hỏi)")])
    questions, errors = [], []
    for number, values in rows:
        if number <= header_row or is_blank(values):
            continue
        cells = {field: cell_text(values[index]) if index < len(values) else ""
                 for field, index in columns.items()}
        try:
            question = _question(cells, values, columns)
        except Invalid as exc:
            errors.append((number, exc.message))
            continue
        errors.extend((number, problem) for problem in check_question(question))
        question["line"] = number
        questions.append(question)
    if errors:
        raise ParseError(errors)
    if not questions:
        raise ParseError([(None, "tệp không có câu hỏi nào dưới dòng tiêu đề")])
    return questions


def _lookup(table, value, what):
    key = fold(value)
    if key not in table:
        raise Invalid(f"{what} “{value}” không hợp lệ")
    return table[key]


def _question(cells, values, columns):
    options = [clean_text(cells.get(f"option_{letter}", "")) for letter in LETTERS]
    while options and not options[-1]:
        options.pop()
    right = cells.get("right", "").strip()
    qtype = _lookup(_TYPE_NAMES, cells.get("type", ""), "loại câu hỏi") if cells.get("type") else (
        "multichoice" if options else "essay")
    question = new_question(
        qtype, clean_text(cells.get("text", "")),
        key=cells.get("key") or None, topic=cells.get("topic") or None,
        level=_lookup(_LEVEL_NAMES, cells.get("level", ""), "cấp học"),
        difficulty=_lookup(_DIFFICULTY_NAMES, cells.get("difficulty", ""), "mức độ"),
        general_feedback=clean_text(cells.get("explanation")) or None, source=cells.get("source") or None,
        shuffle=fold(cells.get("shuffle", "")) not in ("khong", "no", "false", "0"),
    )
    raw_right = values[columns["right"]] if "right" in columns and columns["right"] < len(values) else None
    reader_of(_READ, qtype, "Excel")(question, options, right, raw_right)
    return question


# Each type's answers, from the option cells, the "Đáp án đúng" cell as text and as
# the spreadsheet holds it (a boolean for an Excel TRUE/FALSE).

def _read_multichoice(question, options, right, raw_right):
    question["answers"], question["single"] = _choices(options, right)


def _read_truefalse(question, options, right, raw_right):
    question["answers"] = truefalse_answers(_truth(raw_right, right))


def _read_shortanswer(question, options, right, raw_right):
    accepted = [clean_text(a) for a in right.split("|") if a.strip()] or [o for o in options if o]
    if not accepted:
        raise Invalid("câu trả lời ngắn cần các đáp án được chấp nhận ở cột “Đáp án đúng” (cách nhau bởi |)")
    question["answers"] = [answer(a, 1.0) for a in accepted]


def _read_numerical(question, options, right, raw_right):
    question["answers"] = [parse_numeric_answer(part) for part in right.split("|") if part.strip()]
    if not question["answers"]:
        raise Invalid("câu hỏi số cần đáp án ở cột “Đáp án đúng”, ví dụ 3,14 ± 0,01 hoặc 1..5")


def _read_matching(question, options, right, raw_right):
    for index, option in enumerate(options):
        if "->" not in option:
            raise Invalid(f"phương án {LETTERS[index]} của câu ghép đôi phải có dạng “vế trái -> vế phải”")
        left, _, right_side = option.partition("->")
        question["pairs"].append([clean_text(left), clean_text(right_side)])


def _read_text_only(question, options, right, raw_right):
    """Essay and description: the text is the whole question."""


_READ = {"multichoice": _read_multichoice, "truefalse": _read_truefalse, "shortanswer": _read_shortanswer,
         "numerical": _read_numerical, "matching": _read_matching, "essay": _read_text_only,
         "description": _read_text_only}


def _truth(raw, right):
    if isinstance(raw, bool):
        return raw
    key = fold(right)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise Invalid("câu đúng/sai cần “Đúng” hoặc “Sai” ở cột “Đáp án đúng”")


def _choices(options, right):
    if len(options) < 2:
        raise Invalid("câu trắc nghiệm cần ít nhất 2 phương án")
    if any(not o for o in options):
        raise Invalid("có phương án để trống giữa các phương án")
    if not right:
        raise Invalid("thiếu “Đáp án đúng” (ví dụ A hoặc A, C)")
    fractions = [0.0] * len(options)
    weighted = ":" in right or "%" in right
    parts = [p.strip() for p in re.split(r"[;,]" if not weighted else r";", right) if p.strip()]
    for part in parts:
        letter, _, weight = part.partition(":")
        letter = letter.strip().upper()
        if len(letter) != 1 or letter not in LETTERS[:len(options)]:
            raise Invalid(f"đáp án “{letter}” không có trong các phương án A-{LETTERS[len(options) - 1]}")
        index = LETTERS.index(letter)
        if weighted:
            try:
                fractions[index] = percent_to_fraction(weight.replace("%", ""))
            except ValueError:
                raise Invalid(f"trọng số “{weight}” của phương án {letter} không phải là số") from None
        else:
            fractions[index] = 1.0 / len(parts)
    single = sum(1 for f in fractions if f > 0) == 1 and max(fractions) >= 0.999
    return [answer(o, f) for o, f in zip(options, fractions)], single


# Writing ---------------------------------------------------------------------------

def _fmt_number(value):
    return f"{value:g}".replace(".", ",")


def _option_cells(q):
    """A question's option cells and its "Đáp án đúng" cell; refuses a question with more
    options than the sheet has columns, rather than cut it."""
    options = _option_count(q)
    if options > len(LETTERS):
        raise DomainError(f"Câu “{q['text'][:80]}” có {options} phương án, mẫu Excel chỉ có {len(LETTERS)} cột "
                          f"phương án (A-{LETTERS[-1]}): hãy xuất ngân hàng dạng GIFT.")
    return writer_of(_WRITE, q["type"], "Excel")(q)


def _option_count(q):
    if q["type"] == "matching":
        return len(q.get("pairs") or [])
    return len(q.get("answers") or []) if q["type"] == "multichoice" else 0


def _row(q, option_count=OPTION_COUNT):
    options, right = _option_cells(q)
    options = (options + [""] * option_count)[:option_count]
    return [q.get("key") or "", TYPE_LABELS[q["type"]], q.get("topic") or q.get("category") or "",
            LEVEL_LABELS.get(q.get("level"), "") if q.get("level") != "all" else "Cả hai",
            DIFFICULTY_LABELS.get(q.get("difficulty"), ""), q["text"], *options, right,
            q.get("general_feedback") or "", q.get("source") or "",
            "Không" if q.get("shuffle") is False else ""]


# Each type's option cells and "Đáp án đúng" cell.

def _write_multichoice(q):
    right = [(LETTERS[i], a["fraction"]) for i, a in enumerate(q["answers"]) if a["fraction"] != 0]
    positive = [f for _, f in right if f > 0]
    if all(f > 0 and abs(f - 1 / len(positive)) < 1e-6 for _, f in right):
        cell = ", ".join(letter for letter, _ in right)
    else:
        cell = "; ".join(f"{letter}:{f * 100:.7g}" for letter, f in right)
    return [a["text"] for a in q["answers"]], cell


def _write_truefalse(q):
    return [], "Đúng" if q["answers"][0]["fraction"] > 0 else "Sai"


def _write_shortanswer(q):
    return [], " | ".join(a["text"] for a in q["answers"] if a["fraction"] > 0)


def _write_numerical(q):
    return [], " | ".join(f"{_fmt_number(a['value'])} ± {_fmt_number(a['tolerance'])}" if a["tolerance"]
                          else _fmt_number(a["value"]) for a in q["answers"] if a["value"] is not None)


def _write_matching(q):
    return [f"{left} -> {right}" for left, right in q["pairs"]], ""


def _write_text_only(q):
    return [], ""


_WRITE = {"multichoice": _write_multichoice, "truefalse": _write_truefalse, "shortanswer": _write_shortanswer,
          "numerical": _write_numerical, "matching": _write_matching, "essay": _write_text_only,
          "description": _write_text_only}


EXAMPLES = [
    new_question("multichoice", "Ứng dụng định danh điện tử quốc gia có tên là gì?", key="vd-001",
                 topic="VNeID và định danh điện tử", level="all", difficulty="easy",
                 answers=[answer("VNeID", 1.0), answer("VssID", 0.0), answer("eTax Mobile", 0.0)],
                 general_feedback="VNeID là ứng dụng định danh điện tử quốc gia do Bộ Công an phát triển.",
                 source="Nghị định 69/2024/NĐ-CP"),
    new_question("truefalse", "Ngày Chuyển đổi số quốc gia là ngày 10 tháng 10 hằng năm.", key="vd-002",
                 topic="Ngày Chuyển đổi số quốc gia", level="THCS", difficulty="easy",
                 answers=truefalse_answers(True), source="Quyết định 505/QĐ-TTg ngày 22/4/2022",
                 general_feedback="Quyết định 505/QĐ-TTg lấy ngày 10/10 hằng năm là Ngày Chuyển đổi số quốc gia."),
]


def write_xlsx(questions, *, examples=()):
    """The template layout filled with questions; `examples` go to a second sheet
    that import does not read. Write-only workbook; text cells stay text (no formula
    runs from a question that starts with =)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    _question_sheet(workbook, "Câu hỏi", questions)
    if examples:
        _question_sheet(workbook, "Ví dụ", examples)
    guide = workbook.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 110
    for line in GUIDE:
        guide.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _question_sheet(workbook, name, questions):
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    # As many option columns as the longest question needs; a type Excel cannot write, or a
    # question longer than the widest sheet, is refused before the sheet is begun.
    option_count = max([OPTION_COUNT] + [_option_count(q) for q in questions])
    rows = [_row(q, option_count) for q in questions]
    sheet = workbook.create_sheet(name)
    widths = [12, 14, 24, 10, 11, 60] + [24] * option_count + [14, 50, 30, 10]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    head = []
    for header in headers(option_count):
        cell = text_cell(sheet, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        head.append(cell)
    sheet.append(head)
    wrap = Alignment(wrap_text=True, vertical="top")
    for values in rows:
        row = []
        for value in values:
            cell = text_cell(sheet, value)
            cell.alignment = wrap
            row.append(cell)
        sheet.append(row)


GUIDE = [
    "Hướng dẫn điền mẫu nhập câu hỏi",
    "",
    "Mỗi dòng của trang “Câu hỏi” là một câu hỏi. Giữ nguyên dòng tiêu đề. Trang “Ví dụ” chỉ để tham khảo, không được nhập.",
    "Mã câu hỏi: không bắt buộc; có mã thì nhập lại tệp sẽ cập nhật đúng câu đó thay vì thêm câu mới.",
    "Loại: Trắc nghiệm, Đúng/Sai, Trả lời ngắn, Số, Ghép đôi, Tự luận, Mô tả (để trống = Trắc nghiệm).",
    "Cấp học: THCS, THPT hoặc Cả hai. Mức độ: Dễ, Trung bình, Khó.",
    "Phương án A-F: các lựa chọn của câu trắc nghiệm; với câu ghép đôi, mỗi ô một cặp “vế trái -> vế phải”.",
    "    Cần hơn 6 phương án: thêm cột “Phương án G”, “Phương án H”, … (tối đa đến “Phương án Z”) trước cột "
    "“Đáp án đúng”.",
    "Đáp án đúng: trắc nghiệm một đáp án: A; nhiều đáp án: A, C; có trọng số: A:50; C:50; D:-100.",
    "    Đúng/Sai: Đúng hoặc Sai. Trả lời ngắn: các đáp án chấp nhận, cách nhau bởi dấu | .",
    "    Số: 3,14 ± 0,01 (giá trị ± sai số) hoặc 1..5 (khoảng).",
    "Giải thích: hiện cho học sinh sau khi nộp bài hoặc sau khi đợt thi kết thúc.",
    "Nguồn: văn bản hoặc trang thông tin chính thức làm căn cứ cho câu hỏi.",
    "Đảo phương án: ghi “Không” nếu thứ tự phương án phải giữ nguyên (ví dụ có phương án “Cả A và B”).",
]
