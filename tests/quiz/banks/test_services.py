"""Question banks: Excel and YAML formats, idempotent import with versions, and the
web flow (upload -> preview -> confirm, search, edit, retire, export)."""
import io
import re

import pytest
from openpyxl import load_workbook

from app.quiz.banks.formats import ParseError, answer, new_question, numeric_answer, parse, truefalse_answers
from app.quiz.banks.formats.gift import write_gift
from app.quiz.banks.formats.xlsx import write_xlsx
from app.quiz.banks.formats.yaml_bank import write_yaml
from app.quiz.models import Question, QuestionVersion
from app.quiz.banks.services import create_bank, export_questions, import_questions, retire_question

CONTENT = ("type", "text", "general_feedback", "single", "answers", "key", "topic", "level", "difficulty",
           "source", "shuffle")


def content(q):
    result = {k: q.get(k) for k in CONTENT}
    if q["type"] == "matching":
        result["pairs"] = [list(p) for p in q["pairs"]]
    return result


def sample_questions():
    common = dict(level="THPT", difficulty="medium", topic="VNeID", source="Nghị định 69/2024/NĐ-CP")
    return [
        new_question("multichoice", "Ứng dụng định danh điện tử quốc gia là gì?", key="t-001",
                     answers=[answer("VNeID", 1.0), answer("VssID", 0.0), answer("eTax Mobile", 0.0)],
                     general_feedback="VNeID do Bộ Công an phát triển.", **common),
        new_question("multichoice", "Chọn các đáp án đúng: tài khoản mức độ 2 dùng được để", key="t-002",
                     single=False, shuffle=False,
                     answers=[answer("đăng nhập Cổng DVC quốc gia", 0.5), answer("xuất trình thẻ BHYT", 0.5),
                              answer("rút tiền ATM không cần thẻ ngân hàng", 0.0)],
                     general_feedback="Hai việc đầu dùng VNeID.", **common),
        new_question("truefalse", "Mật khẩu VNeID có thể cho bạn bè mượn.", key="t-003",
                     answers=truefalse_answers(False), general_feedback="Không bao giờ chia sẻ.", **common),
        new_question("shortanswer", "Ứng dụng định danh của Bộ Công an tên là gì?", key="t-004",
                     answers=[answer("VNeID", 1.0), answer("V-NeID", 1.0)], general_feedback="VNeID.", **common),
        new_question("numerical", "Ngày Chuyển đổi số quốc gia là ngày nào của tháng 10?", key="t-005",
                     answers=[numeric_answer(10.0, 0.0)], general_feedback="10/10.", **common),
        new_question("matching", "Ghép ứng dụng với cơ quan", key="t-006",
                     pairs=[["VNeID", "Bộ Công an"], ["VssID", "BHXH Việt Nam"], ["eTax Mobile", "Tổng cục Thuế"]],
                     general_feedback="Mỗi cơ quan một ứng dụng.", **common),
        new_question("multichoice", "=1+1 bằng bao nhiêu? (ô bắt đầu bằng dấu = không thành công thức)",
                     key="t-007", answers=[answer("=2", 1.0), answer("-2", 0.0), answer("@3", 0.0)],
                     general_feedback="+ Phép cộng.", **common),
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "gift", "yaml"])
def test_export_then_import_gives_the_same_questions(fmt):
    questions = sample_questions()
    writer = {"xlsx": write_xlsx, "gift": lambda qs: write_gift(qs).encode(),
              "yaml": lambda qs: write_yaml(qs).encode()}[fmt]
    again = parse(writer(questions), fmt)
    assert [content(q) for q in again] == [content(q) for q in questions]


def test_excel_export_keeps_formula_like_text_as_text():
    data = write_xlsx(sample_questions())
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "t-007")
    text_cells = [cell for cell in row if isinstance(cell.value, str) and cell.value[:1] in "=-+@"]
    assert {c.value for c in text_cells} >= {"=1+1 bằng bao nhiêu? (ô bắt đầu bằng dấu = không thành công thức)",
                                             "=2", "-2", "@3", "+ Phép cộng."}
    assert all(c.data_type == "s" for c in text_cells)


def _sheet(rows):
    from openpyxl import Workbook
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SỞ GIÁO DỤC VÀ ĐÀO TẠO"])
    sheet.append(["NGÂN HÀNG CÂU HỎI"])
    sheet.append([])
    sheet.append(["Loại", "Chủ đề", "Cấp học", "Mức độ", "NỘI DUNG CÂU HỎI", "A", "B", "C", "D", "Đáp án",
                  "Giải thích", "Nguồn"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_excel_as_teachers_fill_it_title_rows_short_headers_and_vietnamese_values():
    data = _sheet([
        ["Trắc nghiệm", "VNeID", "THCS", "Dễ", "VNeID là ứng dụng của cơ quan nào? ", "Bộ Công an", "Bộ Y tế",
         "Bộ Tài chính", "", "a", "Giải thích", "Nguồn"],
        [],
        ["Đúng/Sai", "VNeID", "Cả hai", "Khó", "Căn cước điện tử có trên VNeID.", "", "", "", "", "Đúng", "", ""],
        ["Số", "CĐS", "THPT", "Trung bình", "Tháng mấy?", "", "", "", "", "10", "", ""],
    ])
    questions = parse(data, "xlsx")
    assert [(q["type"], q["level"], q["difficulty"], q["line"]) for q in questions] == [
        ("multichoice", "THCS", "easy", 5), ("truefalse", "all", "hard", 7), ("numerical", "THPT", "medium", 8)]
    assert questions[0]["text"] == "VNeID là ứng dụng của cơ quan nào?"
    assert [a["fraction"] for a in questions[0]["answers"]] == [1.0, 0.0, 0.0]
    assert questions[1]["answers"][0] == {"text": "true", "fraction": 1.0, "feedback": None}
    assert questions[2]["answers"] == [{"value": 10.0, "tolerance": 0.0, "fraction": 1.0, "feedback": None}]


def test_excel_errors_name_their_rows_and_nothing_is_returned():
    data = _sheet([
        ["Trắc nghiệm", "VNeID", "THCS", "Dễ", "Câu đúng", "X", "Y", "", "", "A", "", ""],
        ["Trắc nghiệm", "VNeID", "THCS", "Dễ", "Đáp án ngoài phương án", "X", "Y", "", "", "E", "", ""],
        ["Trắc nghiệm", "VNeID", "Tiểu học", "Dễ", "Cấp học sai", "X", "Y", "", "", "A", "", ""],
        ["Trắc nghiệm", "VNeID", "THCS", "Dễ", "Thiếu đáp án", "X", "Y", "", "", "", "", ""],
        ["Số", "VNeID", "THCS", "Dễ", "Số sai", "", "", "", "", "mười", "", ""],
    ])
    with pytest.raises(ParseError) as caught:
        parse(data, "xlsx")
    rows = [line for line, _ in caught.value.errors]
    assert rows == [6, 7, 8, 9]
    messages = " | ".join(m for _, m in caught.value.errors)
    assert "“E”" in messages and "Tiểu học" in messages and "Đáp án đúng" in messages and "mười" in messages


def long_questions():
    """More options than the template's six columns: right ones past F, weights, feedback-free."""
    common = dict(level="THCS", difficulty="easy", topic="VNeID", source="Nghị định 69/2024/NĐ-CP")
    apps = ["VNeID", "VssID", "eTax Mobile", "Zalo", "Momo", "iHanoi", "Smart Banking", "PC-Covid"]
    return [
        new_question("multichoice", "Ứng dụng định danh điện tử quốc gia?", key="d-001", shuffle=False,
                     answers=[answer(name, 1.0 if name == "Smart Banking" else 0.0) for name in apps], **common),
        new_question("multichoice", "Chọn hai ứng dụng của cơ quan nhà nước", key="d-002", single=False,
                     answers=[answer(name, {"VNeID": 0.5, "PC-Covid": 0.5, "Momo": -1.0}.get(name, 0.0))
                              for name in apps], **common),
        new_question("matching", "Ghép", key="d-003",
                     pairs=[[name, f"Cơ quan {i}"] for i, name in enumerate(apps[:7])] + [["", "Thừa"]], **common),
        sample_questions()[0],
    ]


def test_excel_export_has_as_many_option_columns_as_the_longest_question_and_reads_back():
    data = write_xlsx(long_questions())
    header = [c.value for c in load_workbook(io.BytesIO(data)).worksheets[0][1]]
    assert header[5:16] == ["Nội dung câu hỏi"] + [f"Phương án {letter}" for letter in "ABCDEFGH"] + [
        "Đáp án đúng", "Giải thích"]
    again = parse(data, "xlsx")
    assert [content(q) for q in again] == [content(q) for q in long_questions()]


def test_excel_export_of_short_questions_keeps_the_template_s_six_option_columns():
    header = [c.value for c in load_workbook(io.BytesIO(write_xlsx(sample_questions()))).worksheets[0][1]]
    assert [h for h in header if h.startswith("Phương án")] == [f"Phương án {letter}" for letter in "ABCDEF"]


def test_a_teacher_s_sheet_with_option_columns_past_f_reads_them():
    from openpyxl import Workbook
    workbook = Workbook()
    workbook.active.append(["Nội dung câu hỏi", "A", "B", "C", "D", "E", "F", "Phương án G", "Phương án H",
                            "Đáp án đúng"])
    workbook.active.append(["Chọn?", "1", "2", "3", "4", "5", "6", "7", "8", "H"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    (question,) = parse(buffer.getvalue(), "xlsx")
    assert [a["text"] for a in question["answers"]] == list("12345678")
    assert [a["fraction"] for a in question["answers"]] == [0.0] * 7 + [1.0]


def test_a_question_with_more_options_than_the_widest_sheet_is_refused_by_name(client, login, make_user, tree,
                                                                               bank, db):
    from app.core.errors import DomainError
    many = new_question("multichoice", "Chọn một số", level="THCS", difficulty="easy", topic="Số",
                        answers=[answer(str(i), 1.0 if i == 0 else 0.0) for i in range(27)])
    with pytest.raises(DomainError) as info:
        write_xlsx([many])
    assert "“Chọn một số” có 27 phương án" in info.value.message and "GIFT" in info.value.message
    # the export page says so instead of failing; GIFT still exports it
    import_questions(None, bank, [many])
    db.session.commit()
    login(make_user("department", tree.so))
    response = client.get(f"/banks/{bank.id}/export.xlsx")
    assert response.status_code == 302 and response.location.endswith(f"/banks/{bank.id}")
    with client.session_transaction() as session:
        assert any("có 27 phương án" in message for _, message in session["_flashes"])
    assert len(parse(client.get(f"/banks/{bank.id}/export.gift").data, "gift")[0]["answers"]) == 27


def test_yaml_errors_name_their_lines():
    text = """topic: Thử
questions:
  - key: a-1
    level: THCS
    difficulty: easy
    text: Câu một
    options: [X, Y]
    right: C
    explanation: x
    source: y
  - key: a-1
    level: THCS
    difficulty: easy
    text: Câu hai
    options: [X, Y]
    right: A
    source: y
"""
    with pytest.raises(ParseError) as caught:
        parse(text.encode(), "yaml")
    assert caught.value.errors == [
        (3, "đáp án “C” không có trong các phương án A-B"),
        (11, "thiếu “explanation”"),
        (11, "key “a-1” trùng với câu ở dòng 3"),
    ]


# Import into a bank ---------------------------------------------------------------

@pytest.fixture
def bank(tree, db):
    bank = create_bank(None, tree.so, code="DVC-TEST", name="Ngân hàng thử")
    db.session.commit()
    return bank


def test_importing_the_same_file_twice_changes_nothing(bank, db):
    first = import_questions(None, bank, sample_questions())
    db.session.commit()
    second = import_questions(None, bank, sample_questions())
    db.session.commit()
    assert (first.new, first.updated, first.unchanged) == (7, 0, 0)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 7)
    assert db.session.query(QuestionVersion).count() == 7


def test_questions_without_keys_are_matched_by_content(bank, db):
    gift = "Ai? {=An ~Bình}\n\nKhi nào? {=Nay ~Mai}\n"
    import_questions(None, bank, parse(gift.encode(), "gift"))
    # other spacing is the same question; other case too, whose new text becomes version 2
    again = import_questions(None, bank, parse("ai?{ =an ~ Bình }\n\nKhi nào?{\n=Nay\n~Mai\n}".encode(), "gift"))
    assert (again.new, again.updated, again.unchanged) == (0, 1, 1)
    first = db.session.query(Question).order_by(Question.id).first()
    assert [v.text for v in first.versions] == ["Ai?", "ai?"]


def test_an_updated_file_adds_a_version_and_keeps_the_old_one(bank, db):
    import_questions(None, bank, sample_questions())
    db.session.commit()
    changed = sample_questions()
    changed[0]["text"] = "Ứng dụng định danh điện tử quốc gia có tên là gì?"
    changed[2]["difficulty"] = "hard"
    result = import_questions(None, bank, changed)
    db.session.commit()
    assert (result.new, result.updated, result.unchanged) == (0, 2, 5)
    first = db.session.query(Question).filter_by(key="t-001").one()
    assert first.version == 2
    assert [v.text for v in first.versions] == ["Ứng dụng định danh điện tử quốc gia là gì?",
                                                "Ứng dụng định danh điện tử quốc gia có tên là gì?"]
    assert first.current.text == changed[0]["text"]
    third = db.session.query(Question).filter_by(key="t-003").one()
    assert (third.version, third.difficulty) == (1, "hard")


def test_a_file_with_duplicate_keys_imports_nothing(bank, db):
    questions = sample_questions()
    questions[1]["key"] = "t-001"
    with pytest.raises(Exception, match="t-001"):
        import_questions(None, bank, questions)
    db.session.rollback()
    assert db.session.query(Question).count() == 0


# The content hash ---------------------------------------------------------------------

ANY_OTHER = [
    "::Q::Năm? {#2025:0 =%0%*}",
    "::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}",  # as Moodle's export writes it
    "Năm nào? {#\n=2025#Đúng.\n=%50%2024..2026#Gần đúng.\n=%0%*#Sai rồi.\n}",
    "Năm nào? {#=2025 =%50%2024:1 ~#Sai}",
]


@pytest.mark.parametrize("source", ANY_OTHER)
def test_a_numerical_question_with_any_other_answer_imports_once_then_is_unchanged(bank, db, source):
    # given a numerical question that has a value and an "any other answer" (no value)
    first = import_questions(None, bank, parse(source.encode(), "gift"))
    db.session.commit()
    # imported again, it is the same question
    again = import_questions(None, bank, parse(source.encode(), "gift"))
    db.session.commit()
    assert (first.new, first.updated, first.unchanged) == (1, 0, 0)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
    stored = db.session.query(Question).one()
    assert stored.version == 1 and any(a["value"] is None for a in stored.current.answers)


def test_the_content_hash_of_any_other_answer_does_not_depend_on_where_it_stands():
    from app.quiz.banks.services import content_hash
    last, first = (parse(source.encode(), "gift")[0] for source in
                   ("Năm? {#=2025 =%50%2024:1 =%0%*#Sai}", "Năm? {#=%0%*#Sai =%50%2024:1 =2025}"))
    assert content_hash(last) == content_hash(first)
    assert content_hash(last) != content_hash(parse("Năm? {#=2025 =%50%2024:1}".encode(), "gift")[0])


def test_the_content_hashes_rows_already_hold_stay_the_same():
    # written by the hash before it knew "any other answer": stored rows match their files again
    from app.quiz.banks.services import content_hash
    assert [content_hash(q) for q in sample_questions()] == [
        "a5c70ea3056adb2d47cca1c2b7e7f360aaa50362260d00389334530882c7e2b2",
        "cb2cda79273faf7c87dfb7550605f5b0aee16f216763201dfb88b63b46352822",
        "8b267aaa8bb186fec6b35d3876b0d0fd99262cdb50b736bd5b7f42d07d6d1d00",
        "b1afba36ad5ff2040bad4c88d81aeb1daaa6575b6f701c7ddd24f264c53ba434",
        "752b313cfcd9ea416bd1d9db449335e55393fec586ed9f1eb83e71392ee53983",
        "52bba98c014ac1338726f8eb54c06156147dc29c34cd40088cc259854534ddec",
        "8287b254a71d82ee6d705cc5984c266a0553b9b2668b89341179476cfa1a54db",
    ]
    assert content_hash(parse("Số? {#=1822:0 =%50%1822:2}".encode(), "gift")[0]) == (
        "5daa6baf9ec857855913b5d8cdfe9ef5038e8857a87009535e357390b7dd37b3")


# The web flow -----------------------------------------------------------------------

GIFT_FILE = """// Ngân hàng của trường
$CATEGORY: $course$/top/An toàn trên mạng

::Mật khẩu::Có nên cho bạn mượn mã OTP không?{F#Sai rồi: OTP là bí mật.#Đúng: không bao giờ cho.}

::VNeID::Ứng dụng định danh điện tử quốc gia là {=VNeID ~VssID ~Zalo} của Bộ Công an.

::Năm::Cổng Dịch vụ công quốc gia khai trương năm nào?{#2019####Ngày 9/12/2019.}
""".replace("\n", "\r\n").encode("utf-8-sig")


@pytest.fixture
def school_bank(tree, db):
    bank = create_bank(None, tree.school_a, code="NH-TA", name="Ngân hàng trường A")
    db.session.commit()
    return bank


def upload(client, bank, data, filename="cau-hoi.txt", **fields):
    return client.post(f"/banks/{bank.id}/import", data={"file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def test_teacher_imports_gift_through_preview_and_confirm(client, login, make_user, tree, school_bank, db):
    teacher = make_user("teacher", tree.school_a)
    login(teacher)
    preview = upload(client, school_bank, GIFT_FILE, level="THCS", difficulty="easy")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Xem trước: 3 câu hỏi" in page
    assert "Ứng dụng định danh điện tử quốc gia là _____ của Bộ Công an." in page
    assert "An toàn trên mạng" in page
    assert db.session.query(Question).count() == 0  # nothing written before confirming
    token = re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', page).group(1)
    done = client.post(f"/banks/{school_bank.id}/import", data={
        "token": token, "fmt": "gift", "filename": "cau-hoi.txt", "topic": "", "level": "THCS",
        "difficulty": "easy", "action": "commit"}, follow_redirects=True)
    assert "3 câu mới" in done.get_data(as_text=True)
    stored = db.session.query(Question).order_by(Question.id).all()
    assert [(q.qtype, q.topic, q.level, q.difficulty) for q in stored] == [
        ("truefalse", "An toàn trên mạng", "THCS", "easy"), ("multichoice", "An toàn trên mạng", "THCS", "easy"),
        ("numerical", "An toàn trên mạng", "THCS", "easy")]
    assert stored[2].current.explanation == "Ngày 9/12/2019."


def test_a_bad_file_shows_errors_by_line_and_writes_nothing(client, login, make_user, tree, school_bank, db):
    login(make_user("school_admin", tree.school_a))
    bad = "Câu tốt {=A ~B}\n\n// chú thích\nCâu thiếu ngoặc {=A ~B\n\nCâu một đáp án {=A}\n".encode()
    page = upload(client, school_bank, bad, fmt="gift").get_data(as_text=True)
    assert "Tệp có lỗi, chưa nhập câu nào" in page
    assert "Dòng 4: thiếu dấu { hoặc }" in page
    assert db.session.query(Question).count() == 0


def test_teacher_uses_the_so_bank_but_changes_only_the_school_bank(client, login, make_user, tree, bank,
                                                                   school_bank, db):
    import_questions(None, bank, sample_questions()[:1])
    other = create_bank(None, tree.school_b, code="NH-TB", name="Ngân hàng trường B")
    db.session.commit()
    login(make_user("teacher", tree.school_a))
    listing = client.get("/banks").get_data(as_text=True)
    assert "DVC-TEST" in listing and "NH-TA" in listing and "NH-TB" not in listing
    assert client.get(f"/banks/{bank.id}").status_code == 200
    assert client.get(f"/banks/{bank.id}/import").status_code == 404
    assert client.get(f"/banks/{other.id}").status_code == 404
    question = db.session.query(Question).filter_by(bank_id=bank.id).one()
    assert client.get(f"/questions/{question.id}/edit").status_code == 404
    assert client.get(f"/banks/{school_bank.id}/import").status_code == 200


def test_search_ignores_accents_and_filters_combine(client, login, make_user, tree, bank, db):
    import_questions(None, bank, sample_questions())
    login(make_user("department", tree.so))

    def keys(query):
        page = client.get(f"/banks/{bank.id}?{query}").get_data(as_text=True)
        return re.findall(r"<code>(t-\d+)</code>", page)

    assert keys("q=dinh+danh+DIEN+TU") == ["t-001"]
    assert sorted(keys("qtype=truefalse")) == ["t-003"]
    assert sorted(keys("q=vneid&qtype=shortanswer")) == ["t-004"]
    assert keys("level=THCS") == []  # all are THPT


def test_edit_makes_a_new_version_and_retire_hides_the_question(client, login, make_user, tree, bank, db):
    import_questions(None, bank, sample_questions()[:1])
    db.session.commit()
    question = db.session.query(Question).one()
    login(make_user("department", tree.so))
    response = client.post(f"/questions/{question.id}/edit", data={
        "topic": "VNeID", "level": "all", "difficulty": "easy", "text": "Tên ứng dụng định danh quốc gia?",
        "options-0-text": "VNeID", "options-0-right": "y", "options-1-text": "VssID", "options-2-text": "Zalo",
        "shuffle": "y",
        "explanation": "VNeID của Bộ Công an.", "source": "Nghị định 69/2024/NĐ-CP"}, follow_redirects=True)
    assert "Đã lưu phiên bản 2." in response.get_data(as_text=True)
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert [v.number for v in question.versions] == [1, 2]
    assert question.versions[0].text == "Ứng dụng định danh điện tử quốc gia là gì?"
    assert [a["text"] for a in question.current.answers] == ["VNeID", "VssID", "Zalo"]
    assert (question.level, question.difficulty) == ("all", "easy")

    client.post(f"/questions/{question.id}/retire")
    page = client.get(f"/banks/{bank.id}").get_data(as_text=True)
    assert "0 câu hỏi" in page
    retired = client.get(f"/banks/{bank.id}?status=retired").get_data(as_text=True)
    assert "Tên ứng dụng định danh quốc gia?" in retired


def test_a_question_without_a_right_option_is_refused_on_edit(client, login, make_user, tree, bank, db):
    import_questions(None, bank, sample_questions()[:1])
    db.session.commit()
    question = db.session.query(Question).one()
    login(make_user("department", tree.so))
    page = client.post(f"/questions/{question.id}/edit", data={
        "topic": "VNeID", "level": "all", "difficulty": "easy", "text": "Sửa?",
        "options-0-text": "X", "options-1-text": "Y",
    }, follow_redirects=True).get_data(as_text=True)
    assert "không có phương án đúng" in page
    db.session.expire_all()
    assert db.session.get(Question, question.id).version == 1


def test_web_export_reimports_as_the_same_questions(client, login, make_user, tree, bank, db):
    import_questions(None, bank, sample_questions() + long_questions()[:3])
    db.session.commit()
    login(make_user("department", tree.so))
    for fmt in ("gift", "xlsx"):
        response = client.get(f"/banks/{bank.id}/export.{fmt}")
        assert response.status_code == 200
        again = parse(response.data, fmt)
        assert [content(q) for q in again] == [content(q) for q in export_questions(bank)]


def test_retired_questions_are_not_exported(bank, db):
    result = import_questions(None, bank, sample_questions())
    retire_question(None, result.questions[0])
    db.session.commit()
    assert [q["key"] for q in export_questions(bank)] == ["t-002", "t-003", "t-004", "t-005", "t-006", "t-007"]


def test_template_download_has_the_headers_and_examples_that_import_ignores(client, login, make_user, tree):
    login(make_user("teacher", tree.school_a))
    response = client.get("/banks/template.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Câu hỏi", "Ví dụ", "Hướng dẫn"]
    assert [c.value for c in workbook["Câu hỏi"][1]][:6] == ["Mã câu hỏi", "Loại", "Chủ đề", "Cấp học", "Mức độ",
                                                            "Nội dung câu hỏi"]
    assert workbook["Ví dụ"].max_row == 3
    with pytest.raises(ParseError, match="không có câu hỏi"):
        parse(response.data, "xlsx")


def test_the_import_command_is_one_transaction_and_idempotent(app, bank, tmp_path, db):
    good = tmp_path / "cau-hoi.gift"
    good.write_bytes(GIFT_FILE)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["quiz", "import", str(good), "--bank", "DVC-TEST", "--level", "THCS"])
    again = runner.invoke(args=["quiz", "import", str(good), "--bank", "DVC-TEST", "--level", "THCS"])
    assert first.exit_code == 0 and "3 câu mới" in first.stdout
    assert again.exit_code == 0 and "0 câu mới, 0 câu cập nhật, 3 câu không đổi" in again.stdout
    bad = tmp_path / "loi.gift"
    bad.write_text("Câu mới tốt {=A ~B}\n\nCâu hỏng {=A ~B\n", encoding="utf-8")
    failed = runner.invoke(args=["quiz", "import", str(bad), "--bank", "DVC-TEST"])
    assert failed.exit_code == 1 and "Dòng 3:" in failed.stderr
    db.session.expire_all()
    assert db.session.query(Question).count() == 3  # the good question of the bad file was not imported


def test_parse_command_reads_the_excel_template(app, tmp_path):
    path = tmp_path / "mau.xlsx"
    path.write_bytes(write_xlsx(sample_questions()))
    result = app.test_cli_runner().invoke(args=["quiz", "parse", str(path), "--format", "xlsx"])
    import json
    parsed = json.loads(result.stdout)
    assert [q["key"] for q in parsed] == [f"t-00{i}" for i in range(1, 8)]
    assert parsed[4]["answers"] == [{"value": 10.0, "tolerance": 0.0, "fraction": 1.0, "feedback": None}]


# Hostile question files -------------------------------------------------------------

def _pending(app):
    from pathlib import Path
    return set((Path(app.config["UPLOAD_DIR"]) / "pending").glob("*"))


def _refused(data, fmt):
    import time
    started = time.perf_counter()
    with pytest.raises(ParseError) as caught:
        parse(data, fmt)
    return " | ".join(m for _, m in caught.value.errors), time.perf_counter() - started


def yaml_alias_bomb(levels=7):
    """Billion laughs in YAML: each level repeats the one before ten times; `text: *top`
    would expand to 10**levels strings."""
    lines = ['l0: &l0 "lol"']
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    lines += ["questions:", "  - key: bom-1", f"    text: *l{levels}", "    options: [A, B]", "    right: A"]
    return "\n".join(lines).encode()


def test_a_yaml_alias_bomb_is_refused_quickly():
    message, seconds = _refused(yaml_alias_bomb(), "yaml")
    assert "tham chiếu" in message
    assert seconds < 1


def test_yaml_nested_too_deep_is_refused_not_a_crash():
    message, _ = _refused(b"questions: " + b"[" * 5000 + b"]" * 5000, "yaml")
    assert "lồng nhau quá sâu" in message


def test_yaml_python_tags_stay_refused():
    message, _ = _refused(b"questions: !!python/object/apply:os.system ['true']", "yaml")
    assert "YAML không hợp lệ" in message


@pytest.mark.parametrize("fmt", ["gift", "aiken", "yaml"])
def test_a_text_bank_over_the_size_cap_is_refused_before_reading(fmt):
    from app.quiz.banks.formats import MAX_TEXT_BYTES
    data = ("Câu hỏi {=A ~B}\n\n" * (MAX_TEXT_BYTES // 10)).encode()
    message, seconds = _refused(data, fmt)
    assert "lớn quá" in message and "MB" in message
    assert seconds < 1


@pytest.mark.parametrize("data", [b"C\xe2u h\xe1i {=A ~B}\n", "Câu {=A ~B}".encode("utf-16")[:-1] + b"\xd8"],
                         ids=["latin-1", "broken-utf-16"])
def test_text_that_is_not_utf8_is_refused_with_a_clear_message(data):
    message, _ = _refused(data, "gift")
    assert "UTF-8" in message


def test_an_xlsx_bomb_through_the_import_page_is_refused_and_not_kept(client, login, make_user, tree, school_bank,
                                                                      app, db, bombs):
    import time

    login(make_user("teacher", tree.school_a))
    before = _pending(app)
    for data, message in [(bombs.huge_member_xlsx(100), "khi giải nén lớn quá"),
                          (dict(bombs.entity_payloads())["billion-laughs-in-sheet"], "DOCTYPE/ENTITY")]:
        started = time.perf_counter()
        page = upload(client, school_bank, data, filename="cau-hoi.xlsx")
        assert time.perf_counter() - started < 3
        assert page.status_code == 200 and message in page.get_data(as_text=True)
    page = upload(client, school_bank, yaml_alias_bomb(), filename="bom.yaml")
    assert page.status_code == 200 and "tham chiếu" in page.get_data(as_text=True)
    assert _pending(app) == before
    assert db.session.query(Question).count() == 0


def test_a_bank_upload_whose_preview_crashes_leaves_no_pending_file(client, login, make_user, tree, school_bank,
                                                                    app, monkeypatch):
    from app.quiz.banks import services

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed mid-preview")
    monkeypatch.setattr(services, "prepare", crash)
    login(make_user("teacher", tree.school_a))
    before = _pending(app)
    with pytest.raises(RuntimeError):
        upload(client, school_bank, GIFT_FILE)
    assert _pending(app) == before


def test_a_file_that_repeats_a_question_without_key_imports_it_once(tree, db):
    bank = create_bank(None, tree.so, code="LAP", name="Câu lặp")
    text = "Câu lặp lại {=VNeID ~VssID ~eTax}\n\nCâu lặp lại {=VNeID ~VssID ~eTax}\n\nCâu khác {=A ~B}\n"
    result = import_questions(None, bank, parse(text.encode(), "gift"))
    db.session.commit()
    assert (result.new, result.updated, result.unchanged) == (2, 0, 1)
    assert db.session.query(Question).filter_by(bank_id=bank.id).count() == 2
