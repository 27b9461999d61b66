"""Word reader: .docx files made here with python-docx in each convention Vietnamese
teachers use (question numbering, options on their own lines or several on a line, the
right option underlined, bold, red or highlighted, an "Đáp án" line, a key at the end as
text or as a Word table, Đúng/Sai statements, explanations), and each error with the
number of its question."""
import io
import json
import re
import zipfile

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import parse_xml
from docx.shared import RGBColor

from app.quiz.banks.formats import ParseError, detect_format, parse, to_json
from app.quiz.banks.formats import docx as docx_format
from app.quiz.banks.formats.docx import EXAMPLES, write_template
from app.quiz.qtypes import TYPES

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


# Building documents: a block is a paragraph (a string, or a list of strings and formatted
# pieces), a table (Table(rows)), or a function given the python-docx document.

def U(text):
    return text, {"underline": True}


def B(text):
    return text, {"bold": True}


def RED(text, rgb="FF0000"):
    return text, {"color": rgb}


def HL(text):
    return text, {"highlight": True}


def SHADE(text):
    return text, {"shade": "FFFF00"}


class Table:
    def __init__(self, rows):
        self.rows = rows


def build(*blocks):
    document = Document()
    for block in blocks:
        if isinstance(block, Table):
            table = document.add_table(rows=len(block.rows), cols=max(len(r) for r in block.rows))
            for row, values in zip(table.rows, block.rows):
                for cell, value in zip(row.cells, values):
                    cell.text = value
        elif callable(block):
            block(document)
        else:
            paragraph = document.add_paragraph()
            for piece in block if isinstance(block, list) else [block]:
                text, style = (piece, {}) if isinstance(piece, str) else piece
                run = paragraph.add_run(text)
                run.bold = style.get("bold")
                run.underline = style.get("underline")
                if "color" in style:
                    run.font.color.rgb = RGBColor.from_string(style["color"])
                if style.get("highlight"):
                    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
                if "shade" in style:
                    run._r.get_or_add_rPr().append(parse_xml(
                        f'<w:shd {W_NS} w:val="clear" w:color="auto" w:fill="{style["shade"]}"/>'))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def read(*blocks):
    return parse(build(*blocks), "docx")


def errors(*blocks):
    with pytest.raises(ParseError) as info:
        read(*blocks)
    for line, message in info.value.errors:
        assert line is None and message.strip()
    return [message for _, message in info.value.errors]


def rights(question):
    return [a["text"] for a in question["answers"] if a["fraction"] > 0]


def texts(question):
    return [a["text"] for a in question["answers"]]


OPTIONS = ["Bộ Công an", "Bộ Y tế", "Bộ Tài chính", "Bộ Xây dựng"]


def options(right=None, mark=U, on="letter"):
    """Four option lines "A. Bộ Công an" …, the `right` letter marked by `mark` on its letter or text."""
    lines = []
    for letter, text in zip("ABCD", OPTIONS):
        if letter == right:
            lines.append([mark(f"{letter}."), f" {text}"] if on == "letter" else [f"{letter}. ", mark(text)])
        else:
            lines.append(f"{letter}. {text}")
    return lines


STEM = "Ứng dụng VNeID do cơ quan nào phát triển?"


# Numbering and options --------------------------------------------------------------------

def test_question_numbers_in_every_common_style():
    questions = read(
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "ĐỀ ÔN TẬP CHUYỂN ĐỔI SỐ",  # above the first question: not read
        f"Câu 1: {STEM}", *options("A"),
        f"Câu 2. {STEM}", *options("B"),
        f"Câu 3) {STEM}", *options("C"),
        [B("Câu 4"), f" {STEM}"], *options("D"),
        f"CÂU 5 (NB): {STEM}", *options("A"),
        f"Câu 6 (VD) - {STEM}", *options("A"),
    )
    assert [q["label"] for q in questions] == [f"Câu {n}" for n in range(1, 7)]
    assert all(q["text"] == STEM for q in questions)
    assert [rights(q) for q in questions] == [["Bộ Công an"], ["Bộ Y tế"], ["Bộ Tài chính"], ["Bộ Xây dựng"],
                                              ["Bộ Công an"], ["Bộ Công an"]]
    assert [q["difficulty"] for q in questions] == [None, None, None, None, "easy", "hard"]
    assert all(q["type"] == "multichoice" and q["single"] for q in questions)


def test_a_plain_line_beginning_with_cau_and_a_number_is_part_of_the_stem():
    [question] = read(f"Câu 1: {STEM}", "Câu 2 trong đề cương nhắc lại điều này.", *options("A"))
    assert question["text"] == f"{STEM}\nCâu 2 trong đề cương nhắc lại điều này."


def test_options_on_their_own_lines_on_one_line_and_two_a_line():
    questions = read(
        f"Câu 1: {STEM}", ["A. Bộ Công an\tB. Bộ Y tế\t", U("C."), " Bộ Tài chính\tD. Bộ Xây dựng"],
        f"Câu 2: {STEM}", ["A. Bộ Công an    B. Bộ Y tế    C. Bộ Tài chính    ", U("D."), " Bộ Xây dựng"],
        f"Câu 3: {STEM}", [U("A."), " Bộ Công an B. Bộ Y tế C. Bộ Tài chính D. Bộ Xây dựng"],
        f"Câu 4: {STEM}", ["A) Bộ Công an\t", U("B)"), " Bộ Y tế"], "C) Bộ Tài chính\tD) Bộ Xây dựng",
        f"Câu 5: {STEM}", "a. Bộ Công an", "b. Bộ Y tế", ["c. ", RED("Bộ Tài chính")], "d. Bộ Xây dựng",
        f"Câu 6: {STEM}", ["A. Bộ Công an\nB. Bộ Y tế\n", U("C."), " Bộ Tài chính\nD. Bộ Xây dựng"],
    )
    assert [texts(q) for q in questions] == [OPTIONS] * 6
    assert [rights(q) for q in questions] == [["Bộ Tài chính"], ["Bộ Xây dựng"], ["Bộ Công an"], ["Bộ Y tế"],
                                              ["Bộ Tài chính"], ["Bộ Tài chính"]]


def test_a_long_option_goes_on_over_the_next_line():
    [question] = read(f"Câu 1: {STEM}", *options("B")[:3], "D. Bộ Xây dựng,", "và các sở của tỉnh")
    assert texts(question)[3] == "Bộ Xây dựng,\nvà các sở của tỉnh"


def test_a_single_letter_inside_an_option_does_not_split_it():
    [question] = read("Câu 1: Ai viết?", [U("A."), " C. Mác và Ph. Ăng-ghen"], "B. Lê-nin", "C. Hồ Chí Minh",
                      "D. Tô Hoài")
    assert texts(question) == ["C. Mác và Ph. Ăng-ghen", "Lê-nin", "Hồ Chí Minh", "Tô Hoài"]


def test_statements_a_b_in_the_stem_then_options_a_to_d():
    [question] = read("Câu 1: Cho các phát biểu sau:", "a) VNeID do Bộ Công an phát triển.",
                      "b) Mã OTP có thể đọc cho người khác.", "Có bao nhiêu phát biểu đúng?",
                      "A. 0", [U("B."), " 1"], "C. 2", "D. 3")
    assert question["type"] == "multichoice"
    assert question["text"] == ("Cho các phát biểu sau:\na) VNeID do Bộ Công an phát triển.\n"
                                "b) Mã OTP có thể đọc cho người khác.\nCó bao nhiêu phát biểu đúng?")
    assert texts(question) == ["0", "1", "2", "3"] and rights(question) == ["1"]


# Marking the right option -------------------------------------------------------------------

@pytest.mark.parametrize("mark, on", [
    (U, "letter"), (U, "text"), (B, "letter"), (B, "text"), (RED, "letter"), (RED, "text"),
    (lambda text: RED(text, "C00000"), "text"), (HL, "letter"), (HL, "text"), (SHADE, "text"),
], ids=["underline letter", "underline text", "bold letter", "bold text", "red letter", "red text",
        "dark red text", "highlight letter", "highlight text", "shading text"])
def test_each_way_of_marking_the_right_option(mark, on):
    [question] = read(f"Câu 1: {STEM}", *options("C", mark, on))
    assert rights(question) == ["Bộ Tài chính"]
    assert [a["fraction"] for a in question["answers"]] == [0.0, 0.0, 1.0, 0.0]


def test_formatting_every_option_has_is_layout_not_a_mark():
    bold_letters = [[B(f"{letter}."), f" {text}"] for letter, text in zip("ABCD", OPTIONS)]
    bold_letters[1] = [B("B."), " ", U("Bộ Y tế")]
    [question] = read(f"Câu 1: {STEM}", *bold_letters)
    assert rights(question) == ["Bộ Y tế"]
    # the right text bold as well as every letter
    bold_letters[1] = [B("B."), " ", B("Bộ Y tế")]
    [question] = read(f"Câu 1: {STEM}", *bold_letters)
    assert rights(question) == ["Bộ Y tế"]


def test_a_word_in_bold_inside_an_option_is_emphasis_not_a_mark():
    [question] = read(f"Câu 1: {STEM}", "A. Bộ Công an", ["B. ", B("Không"), " cơ quan nào"], "C. Bộ Y tế",
                      "D. Bộ Tài chính", "Đáp án: A")
    assert rights(question) == ["Bộ Công an"]


def test_orange_is_not_red():
    [message] = errors(f"Câu 1: {STEM}", *options("A", lambda text: RED(text, "E36C09"), "text"))
    assert message.startswith("Câu 1: không có phương án nào được đánh dấu")


def test_the_dap_an_line_and_its_variants():
    questions = read(
        f"Câu 1: {STEM}", *options(), "Đáp án: B",
        f"Câu 2: {STEM}", *options(), "Đáp án đúng là C. Bộ Tài chính",
        f"Câu 3: {STEM}", *options(), "ĐÁP ÁN: D",
        f"Câu 4: {STEM}", *options(), "Đáp án:", "A",
        f"Câu 5: {STEM}", *options(), "Lời giải:", "Chọn B", "Bộ Y tế quản lý hồ sơ sức khoẻ.",
        f"Câu 6: {STEM}", *options(), "Lời giải: Chọn D vì Bộ Xây dựng cấp phép xây dựng.",
    )
    assert [rights(q) for q in questions] == [["Bộ Y tế"], ["Bộ Tài chính"], ["Bộ Xây dựng"], ["Bộ Công an"],
                                              ["Bộ Y tế"], ["Bộ Xây dựng"]]
    assert questions[4]["general_feedback"] == "Bộ Y tế quản lý hồ sơ sức khoẻ."
    assert questions[5]["general_feedback"] == "Chọn D vì Bộ Xây dựng cấp phép xây dựng."


def test_a_key_line_agreeing_with_the_marked_option_is_fine_and_a_different_one_is_an_error():
    [question] = read(f"Câu 1: {STEM}", *options("A"), "Đáp án: A")
    assert rights(question) == ["Bộ Công an"]
    [message] = errors(f"Câu 1: {STEM}", *options("A"), "Đáp án: C")
    assert message == "Câu 1: dòng Đáp án ghi C nhưng phương án được đánh dấu là A"


def test_an_explanation_that_names_an_option_is_not_a_key():
    [question] = read(f"Câu 1: {STEM}", *options("A"), "Giải thích:", "Đáp án B sai vì Bộ Y tế lo việc khác.",
                      "A. đúng: Bộ Công an.")
    assert rights(question) == ["Bộ Công an"]
    assert question["general_feedback"] == "Đáp án B sai vì Bộ Y tế lo việc khác.\nA. đúng: Bộ Công an."


def test_explanations_after_each_heading():
    questions = read(
        f"Câu 1: {STEM}", *options("A"), "Lời giải: VNeID do Bộ Công an phát triển.",
        f"Câu 2: {STEM}", *options("A"), "Giải thích:", "Dòng một.", "Dòng hai.",
        f"Câu 3: {STEM}", *options("A"), "Hướng dẫn giải: Xem Nghị định 69/2024/NĐ-CP.",
        f"Câu 4: {STEM}", *options("A"),
    )
    assert [q["general_feedback"] for q in questions] == [
        "VNeID do Bộ Công an phát triển.", "Dòng một.\nDòng hai.", "Xem Nghị định 69/2024/NĐ-CP.", None]


def test_an_end_line_closes_the_last_question():
    [question] = read(f"Câu 1: {STEM}", *options("A"), "----------- HẾT -----------",
                      "Giám thị không giải thích gì thêm.")
    assert texts(question) == OPTIONS


def test_an_underlined_link_is_not_a_mark():
    def link_option(document):
        paragraph = document.add_paragraph("B. ")
        paragraph._p.append(parse_xml(
            f'<w:hyperlink {W_NS} w:anchor="x"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/><w:u w:val="single"/>'
            '</w:rPr><w:t>dichvucong.gov.vn</w:t></w:r></w:hyperlink>'))

    [question] = read("Câu 1: Cổng Dịch vụ công quốc gia có địa chỉ nào?", "A. dichvucong.vn", link_option,
                      "C. dichvucong.com", "D. dvc.vn", "Đáp án: B")
    assert rights(question) == ["dichvucong.gov.vn"]


def test_hidden_and_deleted_text_is_not_read():
    def tracked(document):
        paragraph = document.add_paragraph("B. Bộ ")
        paragraph._p.append(parse_xml(f'<w:del {W_NS} w:id="1" w:author="GV"><w:r><w:delText>Tư pháp</w:delText>'
                                      '</w:r></w:del>'))
        paragraph._p.append(parse_xml(f'<w:ins {W_NS} w:id="2" w:author="GV"><w:r><w:t>Y tế</w:t></w:r></w:ins>'))
        hidden = document.add_paragraph("C. Bộ Tài chính").add_run(" (ghi chú ẩn)")
        hidden.font.hidden = True

    [question] = read(f"Câu 1: {STEM}", *options("A")[:1], tracked, "D. Bộ Xây dựng")
    assert texts(question) == OPTIONS


def test_a_dap_an_va_loi_giai_line_inside_a_question_explains_it():
    questions = read(f"Câu 1: {STEM}", *options(), "Đáp án và lời giải: Chọn B. Bộ Y tế quản lý khám chữa bệnh.",
                     f"Câu 2: {STEM}", *options("D"))
    assert [rights(q) for q in questions] == [["Bộ Y tế"], ["Bộ Xây dựng"]]
    assert questions[0]["general_feedback"] == "Chọn B. Bộ Y tế quản lý khám chữa bệnh."


def test_lowercase_options_of_a_question_asking_which_statement_is_right_stay_one_question():
    [question] = read("Câu 1: Phát biểu nào sau đây đúng?", "a. VNeID do Bộ Y tế phát triển.",
                      ["b. ", U("VNeID do Bộ Công an phát triển.")], "c. VNeID là mạng xã hội.", "d. VNeID thu phí.")
    assert question["type"] == "multichoice" and rights(question) == ["VNeID do Bộ Công an phát triển."]


# A key at the end of the file ---------------------------------------------------------------

def test_a_key_written_as_pairs_at_the_end():
    questions = read(f"Câu 1: {STEM}", *options(), f"Câu 2: {STEM}", *options(), f"Câu 3: {STEM}", *options(),
                     f"Câu 4: {STEM}", *options(), "1-B 2.C", "3: D   4A")
    assert [rights(q) for q in questions] == [["Bộ Y tế"], ["Bộ Tài chính"], ["Bộ Xây dựng"], ["Bộ Công an"]]


def test_a_key_section_with_explanations():
    questions = read(f"Câu 1: {STEM}", *options(), f"Câu 2: {STEM}", *options(),
                     "ĐÁP ÁN VÀ LỜI GIẢI CHI TIẾT", "Câu 1: B", "Bộ Y tế quản lý khám chữa bệnh.",
                     "Câu 2. Chọn C", "Lời giải: Bộ Tài chính.")
    assert [rights(q) for q in questions] == [["Bộ Y tế"], ["Bộ Tài chính"]]
    assert [q["general_feedback"] for q in questions] == ["Bộ Y tế quản lý khám chữa bệnh.", "Bộ Tài chính."]


def test_a_key_table_then_explanations_by_question():
    questions = read(f"Câu 1: {STEM}", *options(), f"Câu 2: {STEM}", *options(), "1-B 2-C",
                     "LỜI GIẢI CHI TIẾT", "Câu 1: Bộ Y tế quản lý khám chữa bệnh.", "Câu 2:", "Bộ Tài chính thu thuế.")
    assert [rights(q) for q in questions] == [["Bộ Y tế"], ["Bộ Tài chính"]]
    assert [q["general_feedback"] for q in questions] == ["Bộ Y tế quản lý khám chữa bệnh.",
                                                          "Bộ Tài chính thu thuế."]
    questions = read(f"Câu 1: {STEM}", *options(), f"Câu 2: {STEM}", *options(), "BẢNG ĐÁP ÁN", "1-B 2-C",
                     "Câu 1:", "Bộ Y tế quản lý khám chữa bệnh.", "Câu 2:", "Lời giải: Bộ Tài chính thu thuế.")
    assert [q["general_feedback"] for q in questions] == ["Bộ Y tế quản lý khám chữa bệnh.",
                                                          "Bộ Tài chính thu thuế."]


def test_a_key_table_with_cau_and_dap_an_columns():
    questions = read(f"Câu 1: {STEM}", *options(), f"Câu 2: {STEM}", *options(), f"Câu 3: {STEM}", *options(),
                     "BẢNG ĐÁP ÁN",
                     Table([["Câu", "Đáp án", "Câu", "Đáp án"], ["1", "D", "2", "A"], ["3", "B", "", ""]]))
    assert [rights(q) for q in questions] == [["Bộ Xây dựng"], ["Bộ Công an"], ["Bộ Y tế"]]


def test_a_key_table_in_rows_without_a_heading():
    questions = read(f"Câu 1: {STEM}", *options(), f"Câu 2: {STEM}", *options(),
                     Table([["Câu", "1", "2"], ["Đáp án", "C", "B"]]))
    assert [rights(q) for q in questions] == [["Bộ Tài chính"], ["Bộ Y tế"]]


def test_the_ministry_s_key_tables_chon_row_and_lenh_hoi_columns():
    questions = read(
        "PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn.", f"Câu 1: {STEM}", *options(),
        "PHẦN II. Câu trắc nghiệm đúng sai. Trong mỗi ý a), b), c), d) ở mỗi câu, thí sinh chọn đúng hoặc sai.",
        f"Câu 1: {TF_STEM}", *statements(), f"Câu 2: {TF_STEM}", *statements(),
        "ĐÁP ÁN", "PHẦN I", Table([["Câu", "1"], ["Chọn", "C"]]),
        "PHẦN II",
        Table([["Câu", "Lệnh hỏi", "Đáp án (Đ/S)", "Câu", "Lệnh hỏi", "Đáp án (Đ/S)"],
               ["1", "a)", "Đ", "2", "a)", "S"], ["", "b)", "S", "", "b)", "S"],
               ["", "c)", "Đ", "", "c)", "S"], ["", "d)", "S", "", "d)", "Đ"]]),
    )
    assert rights(questions[0]) == ["Bộ Tài chính"]
    assert truths(questions[1:]) == [True, False, True, False, False, False, False, True]


def test_the_types_a_word_file_holds():
    assert set(docx_format._READ) == {"multichoice", "truefalse"}
    assert set(docx_format._READ) < set(TYPES)


def test_a_key_for_a_question_the_file_does_not_have():
    assert errors(f"Câu 1: {STEM}", *options(), "1-B 2-C") == [
        "Phần đáp án có câu 2 nhưng không có “Câu 2” trong tệp"]


def test_a_key_table_that_disagrees_with_the_dap_an_line():
    [message] = errors(f"Câu 1: {STEM}", *options(), "Đáp án: B", Table([["Câu", "Đáp án"], ["1", "C"]]))
    assert message == "Câu 1: đáp án ghi sau câu hỏi (B) khác đáp án ở phần đáp án cuối tệp (C)"


# Đúng/Sai ------------------------------------------------------------------------------------

TF_STEM = "Về tài khoản định danh điện tử, mỗi ý sau đúng hay sai?"
STATEMENTS = ["VNeID do Bộ Công an phát triển.", "Có thể cho bạn mượn tài khoản.",
              "Mã OTP chỉ chủ tài khoản được biết.", "Mật khẩu nên là ngày sinh."]


def statements(marks=(), mark=RED):
    return [[f"{letter}) ", mark(text)] if letter in marks else f"{letter}) {text}"
            for letter, text in zip("abcd", STATEMENTS)]


def truths(questions):
    return [q["answers"][0]["fraction"] == 1.0 for q in questions]


def test_dung_sai_with_a_dap_an_line_gives_four_true_false_questions():
    questions = read("PHẦN II. Câu trắc nghiệm đúng sai", f"Câu 1: {TF_STEM}", *statements(),
                     "Đáp án: a) Đ b) S c) Đ d) S", "Lời giải: Không cho ai mượn tài khoản.")
    assert [q["type"] for q in questions] == ["truefalse"] * 4
    assert [q["label"] for q in questions] == ["Câu 1a", "Câu 1b", "Câu 1c", "Câu 1d"]
    assert truths(questions) == [True, False, True, False]
    assert questions[1]["text"] == f"{TF_STEM}\nb) Có thể cho bạn mượn tài khoản."
    assert all(q["general_feedback"] == "Không cho ai mượn tài khoản." for q in questions)
    assert [to_json(q)["answers"] for q in questions][0] == [
        {"text": "true", "fraction": 1.0, "feedback": None}, {"text": "false", "fraction": 0.0, "feedback": None}]


@pytest.mark.parametrize("mark", [RED, U, B, HL], ids=["red", "underline", "bold", "highlight"])
def test_dung_sai_with_the_true_statements_marked(mark):
    questions = read("PHẦN II. Câu trắc nghiệm đúng sai", f"Câu 1: {TF_STEM}", *statements("ac", mark))
    assert truths(questions) == [True, False, True, False]


def test_dung_sai_recognised_by_its_stem_and_keys_in_other_forms():
    questions = read("Câu 1: Xét tính đúng sai của các nhận định sau.", *statements("d"), f"Câu 2: {TF_STEM}",
                     *statements(),
                     "Đáp án: ĐSSĐ", f"Câu 3: {TF_STEM}", *statements(), "Đáp án: a) Sai b) Sai c) Sai d) Sai")
    assert truths(questions) == [False, False, False, True, True, False, False, True, False, False, False, False]


def test_dung_sai_and_single_answer_questions_numbered_again_in_each_part_with_one_key_table():
    questions = read(
        "PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn", f"Câu 1: {STEM}", *options(), f"Câu 2: {STEM}",
        *options(),
        "PHẦN II. Câu trắc nghiệm đúng sai", f"Câu 1: {TF_STEM}", *statements(),
        "ĐÁP ÁN", "PHẦN I", Table([["Câu", "1", "2"], ["Đáp án", "B", "D"]]),
        "PHẦN II", Table([["Câu", "a", "b", "c", "d"], ["1", "Đ", "Đ", "S", "S"]]),
    )
    assert [rights(q) for q in questions[:2]] == [["Bộ Y tế"], ["Bộ Xây dựng"]]
    assert truths(questions[2:]) == [True, True, False, False]
    assert [q["label"] for q in questions] == ["Câu 1 (đoạn 2)", "Câu 2"] + [
        f"Câu 1 (đoạn 13), ý {letter}" for letter in "abcd"]


def test_a_dung_sai_key_that_does_not_fit_its_statements():
    [message] = errors(f"Câu 1: {TF_STEM}", *statements(), "Đáp án: a) Đ b) S c) Đ")
    assert message == "Câu 1: dòng Đáp án (a) Đ b) S c) Đ) không khớp các ý a, b, c, d"


def test_dung_sai_with_nothing_marked_asks_for_the_key():
    [message] = errors("PHẦN II. Câu trắc nghiệm đúng sai", f"Câu 1: {TF_STEM}", *statements())
    assert message.startswith("Câu 1: câu Đúng/Sai không có ý nào được đánh dấu đúng")


def test_a_multi_answer_question_says_so_in_its_stem():
    [question] = read("Câu 1: Chọn các đáp án đúng về VNeID.", *options("A")[:2], ["C. ", U("Bộ Tài chính")],
                      "D. Bộ Xây dựng")
    assert not question["single"]
    assert [a["fraction"] for a in question["answers"]] == [0.5, 0.0, 0.5, 0.0]
    [question] = read(f"Câu 1: {STEM}", *options(), "Đáp án: A, C")
    assert not question["single"] and rights(question) == ["Bộ Công an", "Bộ Tài chính"]


def test_options_that_name_other_options_keep_their_order():
    [question] = read(f"Câu 1: {STEM}", "A. Bộ Công an", "B. Bộ Y tế", "C. Bộ Tài chính",
                      [U("D."), " Cả A và B đều đúng"])
    assert question["shuffle"] is False and texts(question)[3] == "Cả A và B đều đúng"
    [question] = read(f"Câu 1: {STEM}", "A. Bộ Công an", "B. Bộ Y tế", "C. Bộ Tài chính",
                      [U("D."), " Cả A, B, C đều đúng"])
    assert question["shuffle"] is False
    [question] = read(f"Câu 1: {STEM}", *options("A"))
    assert question["shuffle"] is True


# Errors, each with its question's number ------------------------------------------------------

def test_no_marked_answer():
    assert errors(f"Câu 1: {STEM}", *options("A"), f"Câu 2: {STEM}", *options()) == [
        "Câu 2: không có phương án nào được đánh dấu là đáp án đúng (gạch chân, in đậm, chữ đỏ hoặc tô nền chữ cái "
        "hay nội dung phương án; hoặc thêm dòng “Đáp án: B” sau câu hỏi)"]


def test_two_marked_answers_in_a_single_answer_question():
    lines = options("A")
    lines[2] = ["C. ", RED("Bộ Tài chính")]
    [message] = errors(f"Câu 7: {STEM}", *lines)
    assert message == ("Câu 7: câu một đáp án nhưng có 2 phương án được đánh dấu: A (gạch chân); C (chữ đỏ). "
                       "Nếu câu có nhiều đáp án, hãy ghi “Chọn các đáp án đúng” trong câu hỏi")


@pytest.mark.parametrize("letters, message", [
    ("ABD", "các phương án A, B, D: thiếu phương án C"),
    ("ABCC", "các phương án A, B, C, C: phương án C lặp lại"),
    ("ACBD", "các phương án A, C, B, D: không đúng thứ tự A, B, C, D"),
    ("A", "câu hỏi cần ít nhất 2 phương án A., B."),
])
def test_an_option_list_that_breaks_the_pattern(letters, message):
    lines = [[U(f"{letter}.") if i == 0 else f"{letter}.", f" {OPTIONS[i]}"] for i, letter in enumerate(letters)]
    assert errors(f"Câu 3: {STEM}", *lines) == [f"Câu 3: {message}"]


def test_options_that_do_not_begin_at_a():
    [message] = errors(f"Câu 2: {STEM}", "B. Bộ Y tế", "C. Bộ Tài chính")
    assert message == "Câu 2: các phương án phải bắt đầu từ A. (dòng “B. Bộ Y tế”)"


def test_a_question_without_options():
    [message] = errors(f"Câu 4: {STEM}", "Đáp án: Bộ Công an")
    assert message.startswith("Câu 4: không tìm thấy các phương án A. B. C. D.")


OMML = ('<m:oMath xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"><m:r><m:t>x</m:t></m:r>'
        '</m:oMath>')
TEXTBOX = (f'<w:r {W_NS}><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent>'
           '<w:p><w:r><w:t>trong hộp</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>')


def paragraph_with(xml, text="Câu 2: Tính"):
    def add(document):
        paragraph = document.add_paragraph(text)
        paragraph._p.append(parse_xml(xml))
    return add


def test_content_that_cannot_be_kept(png_bytes):
    def picture(document):
        document.add_paragraph("Câu 4: Biểu tượng nào dưới đây là của VNeID?")
        document.add_paragraph().add_run().add_picture(io.BytesIO(png_bytes()))

    found = errors(
        f"Câu 1: {STEM}", *options("A"),
        paragraph_with(OMML), *options("A"),
        f"Câu 3: {STEM}", Table([["Cột 1", "Cột 2"], ["x", "y"]]), *options("A"),
        picture, *options("A"),
        paragraph_with(TEXTBOX, "Câu 5: Đọc đoạn sau"), *options("A"),
        f"Câu 6: {STEM}", *options("A"), paragraph_with(OMML, "Lời giải:"),
    )
    assert found == [
        "Câu 2: có công thức Equation, nền tảng chưa hiển thị được công thức: hãy gõ lại bằng chữ (ví dụ x^2 + 1)",
        "Câu 3: có bảng trong câu hỏi, nền tảng chưa hiển thị được bảng: hãy viết nội dung thành các dòng chữ "
        "(mỗi phương án một dòng)",
        "Câu 4: có hình ảnh, nền tảng chưa lưu và hiển thị được hình trong câu hỏi: hãy bỏ hình hoặc thay bằng "
        "lời mô tả",
        "Câu 5: có hộp văn bản (Text Box): hãy chép chữ trong hộp ra thành dòng chữ thường",
        "Câu 6: có công thức Equation, nền tảng chưa hiển thị được công thức: hãy gõ lại bằng chữ (ví dụ x^2 + 1)",
    ]


def test_a_file_with_errors_is_refused_whole_with_every_error_in_order():
    found = errors(f"Câu 1: {STEM}", *options(), f"Câu 2: {STEM}", *options("B"), f"Câu 3: {STEM}", "A. x", "B. y",
                   "D. z", "Đáp án: A")
    assert [message.split(":")[0] for message in found] == ["Câu 1", "Câu 3"]


def test_a_logo_and_a_table_above_the_first_question_are_not_read(png_bytes):
    def logo(document):
        document.add_paragraph().add_run().add_picture(io.BytesIO(png_bytes()))

    [question] = read(logo, Table([["SỞ GD&ĐT", "ĐỀ KIỂM TRA"]]), f"Câu 1: {STEM}", *options("A"))
    assert rights(question) == ["Bộ Công an"]


def test_a_file_without_questions():
    assert errors("Đây là một văn bản bình thường.") == [
        "Không tìm thấy câu hỏi nào: mỗi câu cần bắt đầu bằng “Câu 1:”, “Câu 2.” … ở đầu dòng, các phương án "
        "A. B. C. D. ở các dòng sau (xem tệp mẫu Word)."]


def test_legacy_vietnamese_fonts_are_named():
    def legacy(document):
        run = document.add_paragraph().add_run("C©u 1: Øng dông nµo?")
        run.font.name = ".VnTime"

    assert any("TCVN3/VNI (.VnTime)" in message for message in errors(legacy, f"Câu 1: {STEM}", *options("A")))

    def unused_legacy_style(document):
        document.styles.add_style("Cu", 1).font.name = ".VnTime"

    [question] = read(unused_legacy_style, f"Câu 1: {STEM}", *options("A"))
    assert rights(question) == ["Bộ Công an"]

    def legacy_style(document):
        document.styles.add_style("Cu", 1).font.name = "VNI-Times"
        document.add_paragraph("Caâu 1: ÖÙng duïng", style="Cu")

    assert any("TCVN3/VNI (VNI-Times)" in message for message in errors(legacy_style, f"Câu 1: {STEM}",
                                                                        *options("A")))


# Word's automatic numbering -------------------------------------------------------------------

NUMBERING = (f'<w:abstractNum {W_NS} w:abstractNumId="90">'
             '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="Câu %1:"/>'
             '</w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="upperLetter"/>'
             '<w:lvlText w:val="%2."/></w:lvl></w:abstractNum>')


def auto_numbered(document):
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(NUMBERING))
    numbering.append(parse_xml(f'<w:num {W_NS} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for stem, right in ((STEM, 1), ("Cơ quan nào quản lý Cổng Dịch vụ công quốc gia?", 0)):
        for level, text in [(0, stem)] + [(1, option) for option in OPTIONS]:
            paragraph = document.add_paragraph()
            run = paragraph.add_run(text)
            if level == 1 and text == OPTIONS[right]:
                run.underline = True
            paragraph._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {W_NS}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))


def test_automatic_numbering_of_questions_and_options():
    questions = read(auto_numbered)
    assert [q["label"] for q in questions] == ["Câu 1", "Câu 2"]
    assert [texts(q) for q in questions] == [OPTIONS, OPTIONS]
    assert [rights(q) for q in questions] == [["Bộ Y tế"], ["Bộ Công an"]]


# The file itself: detection, hostile archives, the template, the CLI --------------------------

def test_word_and_excel_files_are_told_apart_by_content(xlsx_bytes):
    word = build(f"Câu 1: {STEM}", *options("A"))
    assert detect_format("cau-hoi.xlsx", word) == "docx"
    assert detect_format("cau-hoi.docx", xlsx_bytes([["Nội dung câu hỏi"], ["x"]])) == "xlsx"
    assert detect_format("cau-hoi.doc", b"\xd0\xcf\x11\xe0" + b"\0" * 100) == "docx"


def test_an_old_doc_file_and_a_broken_one_are_refused_with_a_reason():
    with pytest.raises(ParseError, match="Word 97-2003"):
        parse(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "docx")
    with pytest.raises(ParseError, match="Không đọc được tệp Word"):
        parse(b"PK\x03\x04 not really a zip", "docx")


MB = 1024 * 1024


def test_hostile_archives_are_refused_before_they_are_read(bombs):
    base = build(f"Câu 1: {STEM}", *options("A"))

    def huge(stream):
        stream.write(b'<?xml version="1.0"?><w:document ' + W_NS.encode() + b"><w:body><w:p><w:r><w:t>")
        for _ in range(100):
            stream.write(b" " * MB)
        stream.write(b"</w:t></w:r></w:p></w:body></w:document>")

    doctype = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "lol">]><w:document ' + W_NS.encode()
               + b"><w:body/></w:document>")
    cases = {
        "bomb": bombs.rebuilt({"word/document.xml": huge}, base=base),
        "ratio": bombs.rebuilt(add=[("word/media/blank.bin", b"\0" * (6 * MB))], base=base),
        "members": bombs.rebuilt(add=[(f"word/media/p{n}.bin", b"x") for n in range(1500)], base=base),
        "entities": bombs.rebuilt({"word/document.xml": doctype}, base=base),
    }
    messages = {}
    for name, data in cases.items():
        assert detect_format("x", data) == "docx"
        with pytest.raises(ParseError) as info:
            parse(data, "docx")
        [(_, messages[name])] = info.value.errors
        assert "Word" in messages[name] and "XLSX" not in messages[name] and "Excel" not in messages[name]
    assert "lớn quá 32 MB" in messages["bomb"]
    assert "bom nén" in messages["ratio"]
    assert "quá nhiều thành phần" in messages["members"]
    assert "DOCTYPE/ENTITY" in messages["entities"]


def test_a_document_too_long_to_read_is_refused(monkeypatch):
    data = build(f"Câu 1: {STEM}", *options("A"))
    size = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size
    monkeypatch.setattr(docx_format, "MAX_DOCUMENT_XML", size - 1)
    with pytest.raises(ParseError, match="Nội dung tệp Word lớn quá"):
        parse(data, "docx")


def test_the_template_reads_back_as_its_examples():
    data = write_template()
    assert detect_format("mau.docx", data) == "docx"
    questions = parse(data, "docx")
    assert [to_json(q) for q in questions] == [to_json(q) for q in EXAMPLES]
    assert [q["label"] for q in questions] == ["Câu 1", "Câu 2", "Câu 3", "Câu 4a", "Câu 4b", "Câu 4c", "Câu 4d"]


def test_the_template_download(client, login, make_user, tree):
    login(make_user("teacher", unit=tree.school_a))
    response = client.get("/banks/template.docx")
    assert response.status_code == 200
    assert response.mimetype == docx_format.DOCX_MIMETYPE
    assert "mau-nhap-cau-hoi.docx" in response.headers["Content-Disposition"]
    assert [to_json(q) for q in parse(response.data, "docx")] == [to_json(q) for q in EXAMPLES]


def test_flask_quiz_parse_prints_the_same_json(app, tmp_path):
    path = tmp_path / "de.docx"
    path.write_bytes(build(f"Câu 1: {STEM}", *options("B"), "Lời giải: Bộ Y tế."))
    result = app.test_cli_runner().invoke(args=["quiz", "parse", str(path), "--format", "docx"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{
        "type": "multichoice", "title": None, "text": STEM, "format": "moodle", "category": None,
        "general_feedback": "Bộ Y tế.", "single": True,
        "answers": [{"text": text, "fraction": 1.0 if text == "Bộ Y tế" else 0.0, "feedback": None}
                    for text in OPTIONS]}]
    auto = app.test_cli_runner().invoke(args=["quiz", "parse", str(path)])
    assert auto.output == result.output
    bad = tmp_path / "loi.docx"
    bad.write_bytes(build(f"Câu 9: {STEM}", *options()))
    failed = app.test_cli_runner().invoke(args=["quiz", "parse", str(bad)])
    assert failed.exit_code == 1
    assert "Câu 9: không có phương án nào được đánh dấu" in failed.output


def test_import_page_shows_errors_by_question_then_previews_and_imports(client, login, make_user, tree, db):
    from app.quiz.banks.services import create_bank
    from app.quiz.models import Question

    bank = create_bank(None, tree.school_a, code="NH-TA", name="Ngân hàng trường A")
    db.session.commit()
    login(make_user("teacher", tree.school_a))

    def upload(data, **fields):
        return client.post(f"/banks/{bank.id}/import", data={"file": (io.BytesIO(data), "de-on-tap.docx"), **fields},
                           content_type="multipart/form-data").get_data(as_text=True)

    page = upload(build(f"Câu 1: {STEM}", *options("A"), f"Câu 2: {STEM}", *options()))
    assert "Tệp có lỗi, chưa nhập câu nào" in page and "Định dạng: DOCX. Sửa các câu sau" in page
    assert "Câu 2: không có phương án nào được đánh dấu là đáp án đúng" in page
    assert db.session.query(Question).count() == 0

    fixed = build(f"Câu 1 (NB): {STEM}", *options("A"), f"Câu 2: {TF_STEM}", *statements(),
                  "Đáp án: a) Đ b) S c) Đ d) S")
    page = upload(fixed, level="THCS")
    assert "Xem trước: 5 câu hỏi" in page and "định dạng DOCX" in page
    assert '<span class="muted">Câu 1</span>' in page and '<span class="muted">Câu 2d</span>' in page
    token = re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', page).group(1)
    done = client.post(f"/banks/{bank.id}/import", data={
        "token": token, "fmt": "docx", "filename": "de-on-tap.docx", "topic": "de-on-tap", "level": "THCS",
        "difficulty": "medium", "action": "commit"}, follow_redirects=True)
    assert "5 câu mới" in done.get_data(as_text=True)
    stored = db.session.query(Question).order_by(Question.id).all()
    assert [(q.qtype, q.level, q.difficulty, q.topic) for q in stored] == [
        ("multichoice", "THCS", "easy", "de-on-tap")] + [("truefalse", "THCS", "medium", "de-on-tap")] * 4
