"""The bank checker finds each cue on a small file made to have it, and stays quiet on
the same file with the cue taken out."""
import pytest
import yaml

from app.quiz.banks.check import _chi2_sf, check_questions, source_is_specific
from app.quiz.banks.formats import parse
from app.quiz.banks.services import create_bank, import_questions

SOURCE = "Nghị định 69/2024/NĐ-CP, Điều 7"


def mc(key, text, options, right="B", explanation=None, source=SOURCE, level="all"):
    explanation = explanation or f"Đáp án: {options['ABCDEF'.index(right)]}."
    return {"key": key, "level": level, "difficulty": "easy", "text": text, "options": options, "right": right,
            "explanation": explanation, "source": source}


def tf(key, text, right, explanation, source=SOURCE):
    return {"key": key, "type": "truefalse", "level": "all", "difficulty": "easy", "text": text, "right": right,
            "explanation": explanation, "source": source}


def bank(*questions):
    """The questions written as a YAML bank file and read back as the import reads it."""
    document = {"topic": "Thử", "questions": list(questions)}
    return parse(yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode(), "yaml")


def codes(questions, label=None):
    report = check_questions(questions)
    return {f.code for f in report.findings if label is None or f.label == label}


GOOD = mc("t-001", "Ứng dụng định danh quốc gia của Bộ Công an tên là gì?", ["VssID", "VNeID", "eTax", "Zalo"])


def test_a_clean_question_has_no_warning():
    report = check_questions(bank(GOOD))
    assert report.findings == [] and report.warnings == 0
    assert report.summary() == "1 câu: không có cảnh báo."


def test_a_key_much_longer_than_the_other_options():
    long_key = mc("t-002", "Khi nhận mã OTP, em nên làm gì?",
                  ["Đọc cho người gọi", "Không đưa mã OTP cho bất kỳ ai, kể cả người tự xưng là nhân viên ngân hàng",
                   "Gửi qua Zalo", "Đăng lên mạng"])
    assert "key-length" in codes(bank(long_key))
    even = mc("t-002", "Khi nhận mã OTP, em nên làm gì?",
              ["Đọc mã cho người gọi tự xưng nhân viên", "Không đưa mã cho bất kỳ ai, kể cả người quen",
               "Gửi mã qua Zalo cho người gọi kiểm tra", "Đăng mã lên mạng để hỏi ý kiến bạn bè"])
    assert "key-length" not in codes(bank(even))


@pytest.mark.parametrize("option", ["Tất cả các đáp án trên", "Cả A và B đều đúng", "Cả A, B và C",
                                    "Không có đáp án nào đúng", "Cả ba ý trên", "Tất cả đều đúng"])
def test_all_of_the_above(option):
    q = mc("t-003", "Giấy tờ nào cấp cho công dân?", ["Thẻ căn cước", "Hộ chiếu", "Giấy khai sinh", option], right="D",
           explanation=f"{option}: thẻ căn cước, hộ chiếu và giấy khai sinh đều cấp cho công dân.")
    assert "all-above" in codes(bank(q))


def test_an_option_that_only_starts_like_all_of_the_above_is_not_one():
    q = mc("t-003", "Ai phải làm thẻ căn cước?", ["Trẻ mới sinh", "Tất cả công dân từ đủ 14 tuổi",
                                                  "Người trên 70 tuổi", "Học sinh lớp 6"])
    assert "all-above" not in codes(bank(q))


def test_the_key_echoing_the_stem():
    echo = mc("t-004", "Tài khoản định danh điện tử mức độ 2 được cấp ở đâu?",
              ["Tại cửa hàng điện thoại", "Tại cơ quan cấp tài khoản định danh điện tử", "Tại ngân hàng", "Tại bưu điện"])
    assert "stem-echo" in codes(bank(echo))
    plain = mc("t-004", "Tài khoản định danh điện tử mức độ 2 được cấp ở đâu?",
               ["Tại cửa hàng điện thoại", "Tại cơ quan Công an", "Tại ngân hàng", "Tại bưu điện"])
    assert "stem-echo" not in codes(bank(plain))


@pytest.mark.parametrize("source, specific", [
    ("Nghị định 69/2024/NĐ-CP, Điều 7", True),
    ("Quyết định 1588/QĐ-TTg, mục II", True),
    ("Bộ luật Hình sự 2015, Điều 174", True),
    ("Luật Căn cước số 26/2023/QH15", True),
    ("Công văn 623/TTg-KSTT", True),
    ("dichvucong.gov.vn — Hướng dẫn thanh toán trực tuyến", True),
    ("https://vneid.gov.vn", False),
    ("Cổng Dịch vụ công quốc gia", False),
    ("Cảnh báo của Công an thành phố về website giả mạo (2025)", False),
    ("Báo Tuổi Trẻ, 12/3/2025", False),
])
def test_sources(source, specific):
    assert source_is_specific(source) is specific
    q = mc("t-005", "Ứng dụng định danh quốc gia của Bộ Công an tên là gì?", ["VssID", "VNeID", "eTax", "Zalo"],
           source=source)
    assert ("vague-source" in codes(bank(q))) is not specific


def test_a_question_without_source_or_explanation():
    questions = bank(GOOD)
    questions[0]["source"] = None
    questions[0]["general_feedback"] = None
    assert codes(questions) == {"no-source", "no-explanation"}


def test_an_explanation_that_does_not_mention_the_key():
    q = mc("t-006", "Ứng dụng định danh quốc gia của Bộ Công an tên là gì?", ["VssID", "VNeID", "eTax", "Zalo"],
           explanation="Đây là ứng dụng do Bộ Công an phát triển.")
    assert "explanation-key" in codes(bank(q))


def test_true_false_explanations_begin_with_the_truth():
    def statement(right, explanation):
        return bank(tf("t-007", "Đúng hay sai: VNeID do Bộ Công an phát triển.", right, explanation))
    assert codes(statement(True, "Đúng. VNeID do Bộ Công an phát triển.")) == set()
    assert "explanation-truth" in codes(statement(False, "Đúng. VNeID do Bộ Công an phát triển."))
    assert "explanation-truth" in codes(statement(True, "VNeID do Bộ Công an phát triển."))


def test_a_long_stem_for_thcs():
    stem = "Em " + " ".join(["đọc"] * 40) + " gì?"
    q = mc("t-008", stem, ["VssID", "VNeID", "eTax", "Zalo"], level="THCS")
    assert "thcs-long" in codes(bank(q))
    q = mc("t-008", stem, ["VssID", "VNeID", "eTax", "Zalo"], level="THPT")
    assert "thcs-long" not in codes(bank(q))


def test_near_duplicates_are_found_across_the_questions():
    a = mc("t-010", "Theo Luật Căn cước, công dân từ bao nhiêu tuổi phải làm thẻ căn cước?",
           ["Từ đủ 6 tuổi", "Từ đủ 14 tuổi", "Từ đủ 16 tuổi", "Từ đủ 18 tuổi"])
    b = mc("t-011", "Theo Luật Căn cước, công dân từ đủ bao nhiêu tuổi phải làm thẻ căn cước?",
           ["Từ đủ 10 tuổi", "Từ đủ 14 tuổi", "Từ đủ 15 tuổi", "Từ đủ 18 tuổi"])
    found = [f for f in check_questions(bank(a, b)).findings if f.code == "duplicate"]
    assert [(f.label, "t-010" in f.message) for f in found] == [("t-011", True)]
    other = mc("t-011", "Mã OTP ngân hàng gửi về điện thoại dùng để làm gì?",
               ["Đăng nhập Zalo", "Xác thực giao dịch", "Mở khóa màn hình", "Tra cứu số dư"])
    assert "duplicate" not in codes(bank(a, other))


def test_a_stem_that_states_the_answer_of_another_question():
    asks = mc("t-020", "Ứng dụng định danh điện tử quốc gia do Bộ Công an phát triển có tên là gì?",
              ["VssID", "VNeID", "eTax Mobile", "iHanoi"])
    tells = mc("t-021", "Trên ứng dụng định danh điện tử quốc gia VNeID do Bộ Công an phát triển, "
                        "tài khoản mức độ 2 được cấp ở đâu?",
               ["Tại ngân hàng", "Tại cơ quan Công an", "Tại bưu điện", "Tại trường học"])
    found = [f for f in check_questions(bank(asks, tells)).findings if f.code == "give-away"]
    assert [f.label for f in found] == ["t-021"] and "t-020" in found[0].message and "VNeID" in found[0].message
    # The same word in a stem on another subject gives nothing away.
    unrelated = mc("t-021", "Muốn xem thẻ bảo hiểm y tế trên VNeID, em cần làm gì trước?",
                   ["Mua thẻ mới", "Tích hợp thẻ vào tài khoản", "Đến bệnh viện", "Gọi tổng đài"])
    assert "give-away" not in codes(bank(asks, unrelated))


def test_a_multi_answer_key_stated_elsewhere():
    asks = mc("t-030", "Chọn các đáp án đúng. Đề án 1588 giao tổ chức những cuộc thi nào cho học sinh, sinh viên?",
              ["Thiết kế áp phích", "Thi chạy bộ", "Làm video đa phương tiện", "Thi hát"], right=["A", "C"],
              explanation="Thiết kế áp phích và làm video đa phương tiện.")
    tells = tf("t-031", "Đúng hay sai: Theo Đề án 1588, cuộc thi làm video đa phương tiện cho học sinh, "
                        "sinh viên do nhà trường tổ chức.", True, "Đúng. Nhà trường tổ chức.")
    found = [f for f in check_questions(bank(asks, tells)).findings if f.code == "give-away"]
    assert [f.label for f in found] == ["t-031"]


def _mcs(keys, lengths=None):
    questions = []
    for i, key in enumerate(keys):
        options = ["Phương án một", "Phương án hai", "Phương án ba", "Phương án bốn"]
        if lengths and lengths[i]:
            index = "ABCD".index(key)
            options[index] = "Phương án đúng và dài hơn"
        questions.append(mc(f"t-{100 + i}", f"Câu hỏi số {i} về chủ đề {i * 7}?", options, right=key,
                            explanation=f"Đáp án: {options['ABCD'.index(key)]}."))
    return bank(*questions)


def test_key_positions_in_total():
    even = check_questions(_mcs("ABCD" * 5))
    assert even.positions == {"A": 5, "B": 5, "C": 5, "D": 5} and even.totals == []
    skewed = check_questions(_mcs("A" * 14 + "BCDB" + "CD"))
    assert [f.code for f in skewed.totals] == ["key-position"]
    assert "A 14" in skewed.totals[0].message


def test_the_share_of_unique_longest_keys_in_total():
    few = check_questions(_mcs("ABCD" * 5, lengths=[1, 0, 0, 0] * 5))
    assert few.unique_longest == 5 and few.longest_share == 0.25 and few.totals == []
    many = check_questions(_mcs("ABCD" * 5, lengths=[1, 1, 0, 0] * 5))
    assert many.unique_longest == 10 and [f.code for f in many.totals] == ["longest-share"]
    assert "10/20" in many.totals[0].message


def test_chi_square_tail():
    # Known values: chi2(3 df) = 7.815 at p = 0.05, chi2(1 df) = 3.841 at p = 0.05, chi2(5 df) = 20.515 at 0.001.
    assert _chi2_sf(7.815, 3) == pytest.approx(0.05, abs=2e-4)
    assert _chi2_sf(3.841, 1) == pytest.approx(0.05, abs=2e-4)
    assert _chi2_sf(20.515, 5) == pytest.approx(0.001, abs=2e-5)
    assert _chi2_sf(0.0, 3) == 1.0


def test_the_check_command_on_files_and_on_a_bank(app, tree, db, tmp_path):
    clean = tmp_path / "sach.yaml"
    clean.write_text(yaml.safe_dump({"topic": "Thử", "questions": [GOOD]}, allow_unicode=True), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["quiz", "check", str(clean)])
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "1 câu: không có cảnh báo."
    vague = mc("t-002", "Ứng dụng định danh quốc gia của Bộ Công an tên là gì?", ["VssID", "VNeID", "eTax", "Zalo"],
               source="Cổng Dịch vụ công quốc gia")
    other = tmp_path / "mo-ho.yaml"
    other.write_text(yaml.safe_dump({"topic": "Thử", "questions": [vague]}, allow_unicode=True), encoding="utf-8")
    # Two files are checked together, as one bank: the second repeats the first.
    result = runner.invoke(args=["quiz", "check", str(clean), str(other)])
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and lines[0] == "2 câu: 2 cảnh báo, 1 câu cần xem lại."
    assert any(line.startswith("t-002: Nguồn chưa rõ") for line in lines)
    assert any(line.startswith("t-002: Gần trùng với câu t-001") for line in lines)

    bank = create_bank(None, tree.so, code="KT", name="Kiểm tra")
    import_questions(None, bank, parse(other.read_bytes(), "yaml"))
    db.session.commit()
    result = runner.invoke(args=["quiz", "check", "--bank", "KT"])
    assert result.exit_code == 1 and result.stdout.splitlines()[0] == "1 câu: 1 cảnh báo, 1 câu cần xem lại."
    assert runner.invoke(args=["quiz", "check"]).exit_code == 2  # neither files nor a bank


def test_typed_answers_are_named_in_the_explanation():
    def numeric(explanation):
        return bank({"key": "t-040", "type": "numerical", "level": "all", "difficulty": "easy",
                     "text": "Ngày Chuyển đổi số quốc gia là ngày 10 tháng mấy?", "right": 10,
                     "explanation": explanation, "source": "Quyết định 505/QĐ-TTg"})
    assert codes(numeric("Ngày 10/10 hằng năm (Quyết định 505/QĐ-TTg).")) == set()
    assert codes(numeric("Theo Quyết định 505/QĐ-TTg.")) == {"explanation-key"}

    def short(explanation):
        return bank({"key": "t-041", "type": "shortanswer", "level": "all", "difficulty": "easy",
                     "text": "Tên ứng dụng định danh điện tử quốc gia là gì?", "answers": ["VNeID", "VN eID"],
                     "explanation": explanation, "source": SOURCE})
    assert codes(short("Đó là VNeID của Bộ Công an.")) == set()
    assert codes(short("Ứng dụng của Bộ Công an.")) == {"explanation-key"}


def test_a_matching_question_needs_a_source_but_names_no_key():
    q = bank({"key": "t-050", "type": "matching", "level": "all", "difficulty": "easy",
              "text": "Nối mỗi ứng dụng với cơ quan của nó.", "pairs": [["VNeID", "Bộ Công an"], ["VssID", "BHXH"]],
              "explanation": "Mỗi ứng dụng do một cơ quan làm.", "source": "Cổng thông tin"})
    assert codes(q) == {"vague-source"}
