"""The question edit page, for every type: it shows the answer field its type names, filled
with the question, and saving it as shown changes nothing."""
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

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


# What the form does not show stays as it was ------------------------------------------

class _FormFields(HTMLParser):
    """The fields a browser would post for the page's form: inputs (checked boxes only),
    textareas, and each select's chosen option."""

    def __init__(self):
        super().__init__()
        self.fields, self._textarea, self._select, self._first_option = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.fields.append([attrs["name"], attrs.get("value") or ""])
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
            self.fields.append(self._textarea)
        elif tag == "select":
            self._select, self._first_option = attrs["name"], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = [self._select, attrs.get("value", "")]
            if "selected" in attrs:
                self.fields.append([self._select, attrs.get("value", "")])
                self._first_option = False

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea[1] = self._textarea[1].removeprefix("\n")  # as the HTML parser of a browser
            self._textarea = None
        elif tag == "select":
            if self._first_option:
                self.fields.append(self._first_option)
            self._select = None


def form_fields(page):
    start = page.index('<form method="post" novalidate>')  # the edit form (the header has the logout one)
    form = page[start:page.index("</form>", start)]
    parser = _FormFields()
    parser.feed(form)
    return [tuple(field) for field in parser.fields]


APPS = ["VNeID", "VssID", "eTax Mobile", "Zalo", "Momo", "iHanoi", "Smart Banking", "PC-Covid"]

# A question of each type the form edits, with what its answer field does not show.
EXTRAS = [
    new_question("multichoice", "Chọn các ứng dụng của cơ quan nhà nước.", single=False, shuffle=False, answers=[
        answer(name, {"VNeID": 0.5, "PC-Covid": 0.5, "Momo": -1.0}.get(name, 0.0),
               {"PC-Covid": "Ứng dụng đã ngừng.", "Momo": "Ví điện tử tư nhân."}.get(name)) for name in APPS]),
    new_question("multichoice", "Ứng dụng định danh điện tử quốc gia?", answers=[
        answer(name, 1.0 if name == "VNeID" else 0.0, "Đúng." if name == "VNeID" else None) for name in APPS]),
    new_question("truefalse", "Mật khẩu cho mượn được?",
                 answers=truefalse_answers(False, "Không bao giờ cho mượn.", "Đúng: giữ bí mật.")),
    new_question("shortanswer", "Tên ứng dụng?", answers=[
        answer("VNeID", 1.0, "Đúng."), answer("V-NeID", 0.5, "Gần đúng: viết liền."), answer("*", 0.0, "Chưa đúng.")]),
    new_question("numerical", "Cổng Dịch vụ công quốc gia khai trương năm nào?", answers=[
        numeric_answer(2019.0, 0.0, 1.0, "Đúng: ngày 9/12/2019."),
        numeric_answer((2018.5 + 2020.1) / 2, (2020.1 - 2018.5) / 2, 0.5, "Gần đúng."),
        numeric_answer(0.1 + 0.2, 0.0, 1 / 3), numeric_answer(None, None, 0.0, "Chưa đúng.")]),
]


@pytest.mark.parametrize("question", EXTRAS, ids=["multichoice-8", "multichoice-single-8", "truefalse",
                                                  "shortanswer", "numerical"])
def test_saving_an_edit_of_the_stem_keeps_everything_else_of_the_question(client, login, make_user, tree, db,
                                                                          question):
    # given a question with feedback, partial credit, "any other answer" or more than six options
    bank = create_bank(None, tree.so, code="NH-SUA", name="Ngân hàng")
    import_questions(None, bank, [dict(question, **COMMON)])
    db.session.commit()
    stored = db.session.query(Question).one()
    before = stored.current
    login(make_user("department", tree.so))
    # when the teacher changes the stem on the page and saves what the page shows
    fields = [(name, "Câu hỏi đã sửa?" if name == "text" else value)
              for name, value in form_fields(client.get(f"/questions/{stored.id}/edit").get_data(as_text=True))]
    response = client.post(f"/questions/{stored.id}/edit", data=MultiDict(fields), follow_redirects=True)
    # then a new version holds the new stem and everything else as it was
    assert "Đã lưu phiên bản 2." in response.get_data(as_text=True)
    db.session.expire_all()
    after = db.session.get(Question, stored.id).current
    assert after.text == "Câu hỏi đã sửa?"
    assert after.data == before.data
    assert (after.explanation, after.source, after.title, after.text_format) == (
        before.explanation, before.source, before.title, before.text_format)


def test_the_form_has_a_row_for_each_option_and_two_blank_ones_to_add_more(client, login, make_user, tree, db):
    bank = create_bank(None, tree.so, code="NH-SUA", name="Ngân hàng")
    import_questions(None, bank, [dict(EXTRAS[1], **COMMON)])
    db.session.commit()
    stored = db.session.query(Question).one()
    login(make_user("department", tree.so))
    page = client.get(f"/questions/{stored.id}/edit").get_data(as_text=True)
    rows = [value for name, value in form_fields(page) if name.endswith("-text")]
    assert rows == APPS + ["", ""]
    assert 'aria-label="Phương án J"' in page
    # a ninth option typed in a blank row is saved with the others
    fields = [(name, "Bkav" if name == "options-8-text" else value) for name, value in form_fields(page)]
    client.post(f"/questions/{stored.id}/edit", data=MultiDict(fields))
    db.session.expire_all()
    assert [a["text"] for a in db.session.get(Question, stored.id).current.answers] == APPS + ["Bkav"]


def test_a_question_with_more_options_than_the_form_has_rows_is_not_edited_on_the_page(client, login, make_user,
                                                                                       tree, db):
    bank = create_bank(None, tree.so, code="NH-SUA", name="Ngân hàng")
    many = new_question("multichoice", "Chọn một số", answers=[answer(str(i), 1.0 if i == 0 else 0.0)
                                                              for i in range(27)])
    import_questions(None, bank, [dict(many, **COMMON)])
    db.session.commit()
    stored = db.session.query(Question).one()
    login(make_user("department", tree.so))
    page = client.get(f"/questions/{stored.id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "có 27 phương án, trang sửa chỉ chứa 26" in page
    client.post(f"/questions/{stored.id}/edit", data={"topic": "VNeID", "level": "THPT", "difficulty": "medium",
                                                      "text": "Sửa?", "options-0-text": "0", "options-0-right": "y",
                                                      "options-1-text": "1"})
    db.session.expire_all()
    assert db.session.get(Question, stored.id).version == 1
