"""Aiken reader: Moodle's documented example (docs.moodle.org "Aiken format"), Vietnamese
questions, several questions separated by blank lines, and errors with their line numbers."""
import json

import pytest

from app.quiz.banks.formats import ParseError, parse, to_json

SPEC_KEYS = ("type", "title", "text", "format", "category", "general_feedback", "single", "answers")


def mc(text, options, right):
    """The expected JSON of an Aiken question: options in order, `right` the 0-based right one."""
    return {"type": "multichoice", "title": None, "text": text, "format": "moodle", "category": None,
            "general_feedback": None, "single": True,
            "answers": [{"text": option, "fraction": 1.0 if i == right else 0.0, "feedback": None}
                        for i, option in enumerate(options)]}


def aiken(source):
    if isinstance(source, str):
        source = source.encode("utf-8")
    result = []
    for question in parse(source, "aiken"):
        data = to_json(question)
        missing = [k for k in SPEC_KEYS if k not in data]
        assert not missing, f"missing keys {missing} in {data}"
        for ans in data["answers"]:
            assert isinstance(ans["fraction"], float)
        result.append({k: data[k] for k in SPEC_KEYS})
    return result


def error_lines(source):
    if isinstance(source, str):
        source = source.encode("utf-8")
    with pytest.raises(ParseError) as info:
        parse(source, "aiken")
    for line, message in info.value.errors:
        assert isinstance(message, str) and message.strip()
    return [line for line, _ in info.value.errors]


MOODLE_EXAMPLE = """What is the correct answer to this question?
A. Is it this one?
B. Maybe this answer?
C. Possibly this one?
D. Must be this one!
ANSWER: D

Which LMS has the most quiz import formats?
A) Moodle
B) ATutor
C) Claroline
D) Blackboard
E) WebCT
F) Ilias
ANSWER: A
"""


def test_moodle_documented_example():
    assert aiken(MOODLE_EXAMPLE) == [
        mc("What is the correct answer to this question?",
           ["Is it this one?", "Maybe this answer?", "Possibly this one?", "Must be this one!"], 3),
        mc("Which LMS has the most quiz import formats?",
           ["Moodle", "ATutor", "Claroline", "Blackboard", "WebCT", "Ilias"], 0),
    ]


def test_answer_b_with_period_options():
    source = "Cơ quan nào phát triển ứng dụng VNeID?\nA. Bộ Y tế\nB. Bộ Công an\nC. Bộ Tài chính\nANSWER: B\n"
    assert aiken(source) == [
        mc("Cơ quan nào phát triển ứng dụng VNeID?", ["Bộ Y tế", "Bộ Công an", "Bộ Tài chính"], 1),
    ]


def test_several_vietnamese_questions_separated_by_blank_lines():
    source = ("Thủ đô của Việt Nam là thành phố nào?\n"
              "A) Thành phố Hồ Chí Minh\n"
              "B) Hà Nội\n"
              "C) Đà Nẵng\n"
              "D) Huế\n"
              "ANSWER: B\n"
              "\n"
              "\n"
              "Ngày Chuyển đổi số quốc gia là ngày nào?\n"
              "A. 2 tháng 9\n"
              "B. 1 tháng 6\n"
              "C. 10 tháng 10\n"
              "ANSWER: C\n"
              "\n"
              "Sông nào dài nhất chảy qua lãnh thổ Việt Nam?\n"
              "A. Sông Mê Kông\n"
              "B. Sông Hồng\n"
              "ANSWER: A\n")
    assert aiken(source) == [
        mc("Thủ đô của Việt Nam là thành phố nào?", ["Thành phố Hồ Chí Minh", "Hà Nội", "Đà Nẵng", "Huế"], 1),
        mc("Ngày Chuyển đổi số quốc gia là ngày nào?", ["2 tháng 9", "1 tháng 6", "10 tháng 10"], 2),
        mc("Sông nào dài nhất chảy qua lãnh thổ Việt Nam?", ["Sông Mê Kông", "Sông Hồng"], 0),
    ]


def test_every_question_is_single_answer_with_one_right_option():
    for question in aiken(MOODLE_EXAMPLE):
        assert question["single"] is True
        assert sorted(a["fraction"] for a in question["answers"]) == [0.0] * (len(question["answers"]) - 1) + [1.0]


def test_text_and_options_are_trimmed():
    source = "   Câu hỏi có khoảng trắng?   \nA.   Phương án một   \nB)\tPhương án hai\t\nANSWER:   A  \n"
    assert aiken(source) == [mc("Câu hỏi có khoảng trắng?", ["Phương án một", "Phương án hai"], 0)]


def test_crlf_and_utf8_bom():
    source = ("Mật khẩu VNeID có nên cho người khác mượn không?\r\n"
              "A. Có\r\n"
              "B. Không\r\n"
              "ANSWER: B\r\n"
              "\r\n"
              "Ứng dụng nào dùng để nộp thuế?\r\n"
              "A. eTax Mobile\r\n"
              "B. VssID\r\n"
              "ANSWER: A\r\n")
    assert aiken(b"\xef\xbb\xbf" + source.encode("utf-8")) == [
        mc("Mật khẩu VNeID có nên cho người khác mượn không?", ["Có", "Không"], 1),
        mc("Ứng dụng nào dùng để nộp thuế?", ["eTax Mobile", "VssID"], 0),
    ]


# Errors, with line numbers

def test_answer_letter_not_among_the_options_reports_the_answer_line():
    source = ("Câu một?\n"      # 1
              "A. Một\n"        # 2
              "B. Hai\n"        # 3
              "ANSWER: A\n"     # 4
              "\n"              # 5
              "Câu hai?\n"      # 6
              "A. Một\n"        # 7
              "B. Hai\n"        # 8
              "C. Ba\n"         # 9
              "ANSWER: E\n")    # 10
    assert error_lines(source) == [10]


def test_missing_answer_line_in_the_last_question():
    source = ("Câu một?\n"      # 1
              "A. Một\n"        # 2
              "B. Hai\n"        # 3
              "ANSWER: B\n"     # 4
              "\n"              # 5
              "Câu hai?\n"      # 6
              "A. Một\n"        # 7
              "B. Hai\n")       # 8
    lines = error_lines(source)
    assert len(lines) == 1
    assert 6 <= lines[0] <= 8


def test_missing_answer_line_in_a_question_followed_by_another():
    # The error must point into the question that lacks its ANSWER line (lines 1-3),
    # not at the next, valid question.
    source = ("Câu một thiếu đáp án?\n"   # 1
              "A. Một\n"                  # 2
              "B. Hai\n"                  # 3
              "\n"                        # 4
              "Câu hai?\n"                # 5
              "A. Một\n"                  # 6
              "B. Hai\n"                  # 7
              "ANSWER: A\n")              # 8
    lines = error_lines(source)
    assert len(lines) == 1
    assert 1 <= lines[0] <= 3


def test_fewer_than_two_options():
    source = ("Câu một?\n"      # 1
              "A. Một\n"        # 2
              "B. Hai\n"        # 3
              "ANSWER: B\n"     # 4
              "\n"              # 5
              "Câu hai?\n"      # 6
              "A. Chỉ một\n"    # 7
              "ANSWER: A\n")    # 8
    lines = error_lines(source)
    assert len(lines) == 1
    assert 6 <= lines[0] <= 8


def test_one_bad_question_among_good_ones_rejects_the_file():
    source = MOODLE_EXAMPLE + "\nCâu ba?\nA. Một\nB. Hai\nANSWER: Z\n"
    # MOODLE_EXAMPLE has 15 lines; the bad ANSWER line is line 20.
    assert error_lines(source) == [20]


def test_cli_parse_aiken(app, tmp_path):
    path = tmp_path / "aiken.txt"
    path.write_text(MOODLE_EXAMPLE, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["quiz", "parse", str(path), "--format", "aiken"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert [{k: x[k] for k in SPEC_KEYS} for x in printed] == [
        mc("What is the correct answer to this question?",
           ["Is it this one?", "Maybe this answer?", "Possibly this one?", "Must be this one!"], 3),
        mc("Which LMS has the most quiz import formats?",
           ["Moodle", "ATutor", "Claroline", "Blackboard", "WebCT", "Ilias"], 0),
    ]


def test_cli_parse_aiken_bad_file(app, tmp_path):
    path = tmp_path / "aiken-loi.txt"
    path.write_text("Câu một?\nA. Một\nB. Hai\nANSWER: C\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["quiz", "parse", str(path), "--format", "aiken"])
    assert result.exit_code == 1
    assert f"{path}: Dòng 4:" in result.stderr
    assert result.stdout.strip() == ""


# Moodle's own Aiken files (../shared/fixtures/formats/aiken) -----------------------

@pytest.mark.format_cases("aiken")
def test_moodle_aiken_fixtures_read_as_moodle_reads_them(path, expected, differences):
    assert differences(path, expected) == []


@pytest.mark.parametrize("line", ["ANSWER: B.", "ANSWER: B)", "ANSWER:B", "ANSWER: b", "ANSWER: B. Bộ Công an",
                                  "ANSWER: B - Bộ Công an"])
def test_the_answer_letter_is_the_first_character_as_moodle_takes_it(line):
    # format.php: trim what follows "ANSWER:", then substr($ans, 0, 1).
    source = f"Cơ quan nào phát triển ứng dụng VNeID?\nA. Bộ Y tế\nB. Bộ Công an\nC. Bộ Tài chính\n{line}\n"
    assert aiken(source) == [mc("Cơ quan nào phát triển ứng dụng VNeID?", ["Bộ Y tế", "Bộ Công an", "Bộ Tài chính"], 1)]


@pytest.mark.parametrize("line", ["ANSWER: A, C", "ANSWER: AC", "ANSWER: A C", "ANSWER:"])
def test_several_letters_or_none_are_refused_where_moodle_would_keep_only_the_first(line):
    source = f"Câu hỏi?\nA. Một\nB. Hai\nC. Ba\n{line}\n"
    assert error_lines(source) == [5]
