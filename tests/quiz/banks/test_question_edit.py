"""The question edit page, for every type: it shows the answer field its type names, filled
with the question, and saving it as shown changes nothing."""
import pytest

from app.quiz.banks.formats import answer, new_question, numeric_answer, truefalse_answers
from app.quiz.banks.services import create_bank, import_questions
from app.quiz.models import Question
from app.quiz.qtypes import TYPES

COMMON = dict(topic="VNeID", level="THPT", difficulty="medium", general_feedback="Giải thích.", source="NĐ 69")

# (question, what the page shows, the answer field as the page posts it back)
CASES = [
    (new_question("multichoice", "Ứng dụng nào?", shuffle=False, answers=[answer("VNeID", 1.0), answer("VssID", 0.0)]),
     ['value="VNeID"', 'name="options-0-right" type="checkbox" value="y"', 'value="VssID"'],
     {"options-0-text": "VNeID", "options-0-right": "y", "options-1-text": "VssID"}),
    (new_question("truefalse", "Mật khẩu cho mượn được?", answers=truefalse_answers(False)),
     ['<option selected value="false">Sai</option>'], {"truth": "false"}),
    (new_question("shortanswer", "Tên ứng dụng?", answers=[answer("VNeID", 1.0), answer("V-NeID", 1.0)]),
     ["VNeID\nV-NeID</textarea>", "Mỗi dòng một đáp án được chấp nhận"], {"lines": "VNeID\r\nV-NeID"}),
    (new_question("numerical", "Số?", answers=[numeric_answer(1234567.0, 0.5)]),
     ["1234567 ± 0.5</textarea>", "giá trị ± sai số"], {"lines": "1234567 ± 0.5"}),
    (new_question("matching", "Ghép", pairs=[["VNeID", "Bộ Công an"], ["VssID", "BHXH"], ["", "Thuế"]]),
     ["VNeID -&gt; Bộ Công an\nVssID -&gt; BHXH\n -&gt; Thuế</textarea>", "vế trái -&gt; vế phải"],
     {"lines": "VNeID -> Bộ Công an\r\nVssID -> BHXH\r\n -> Thuế"}),
    (new_question("essay", "Viết về VNeID."), [], {}),
    (new_question("description", "Đọc đoạn sau."), [], {}),
]


def test_the_cases_cover_every_type():
    assert [question["type"] for question, _, _ in CASES] == list(TYPES)


@pytest.mark.parametrize("question, shown, posted", CASES, ids=[case[0]["type"] for case in CASES])
def test_the_edit_page_shows_the_type_s_answer_field_and_saving_it_unchanged_changes_nothing(
        client, login, make_user, tree, db, question, shown, posted):
    # given a bank question of this type
    bank = create_bank(None, tree.so, code="NH-SUA", name="Ngân hàng")
    import_questions(None, bank, [dict(question, **COMMON)])
    db.session.commit()
    stored = db.session.query(Question).one()
    login(make_user("department", tree.so))
    # the page shows the type's answer field, filled with the question
    page = client.get(f"/questions/{stored.id}/edit").get_data(as_text=True)
    for text in shown:
        assert text in page, text
    widgets = {"options": 'name="options-0-text"', "truth": 'name="truth"', "lines": 'name="lines"'}
    drawn = {widget for widget, marker in widgets.items() if marker in page}
    assert len(drawn) == (1 if shown else 0)
    # posted back as shown, it saves no new version
    response = client.post(f"/questions/{stored.id}/edit", data={
        "topic": "VNeID", "level": "THPT", "difficulty": "medium", "text": question["text"],
        "explanation": "Giải thích.", "source": "NĐ 69", **posted}, follow_redirects=True)
    assert "Không có thay đổi." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, stored.id).version == 1
