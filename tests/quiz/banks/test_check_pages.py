"""The checker on the web: in the import preview (the file against itself and against the
bank's questions), on the bank page and on its own page, which names keys and so follows
the export rule."""
import io
from datetime import timedelta

import yaml

from app.core.timeutil import utcnow
from app.quiz.banks.formats import parse
from app.quiz.banks.services import create_bank, import_questions
from app.quiz.contests.services import add_round, create_contest
from app.quiz.models import Question

SOURCE = "Nghị định 69/2024/NĐ-CP, Điều 7"
ASKS = {"key": "v-001", "level": "all", "difficulty": "easy",
        "text": "Ứng dụng định danh điện tử quốc gia do Bộ Công an phát triển có tên là gì?",
        "options": ["VssID", "VNeID", "eTax Mobile", "iHanoi"], "right": "B",
        "explanation": "VNeID là ứng dụng của Bộ Công an.", "source": SOURCE}
TELLS = {"key": "v-002", "level": "all", "difficulty": "easy",
         "text": "Trên ứng dụng định danh điện tử quốc gia VNeID do Bộ Công an phát triển, tài khoản mức độ 2 "
                 "được cấp ở đâu?",
         "options": ["Tại ngân hàng", "Tại cơ quan Công an", "Tại bưu điện", "Tại trường học"], "right": "B",
         "explanation": "Tại cơ quan Công an.", "source": "Báo địa phương"}


def yaml_bytes(*questions):
    return yaml.safe_dump({"topic": "VNeID", "questions": list(questions)}, allow_unicode=True).encode()


def make_bank(tree, db, *questions, code="NH-KT"):
    bank = create_bank(None, tree.so, code=code, name="Ngân hàng kiểm tra")
    if questions:
        import_questions(None, bank, parse(yaml_bytes(*questions), "yaml"))
    db.session.commit()
    return bank


def test_the_import_preview_shows_warnings_against_the_file_and_the_bank(client, login, make_user, tree, db):
    bank = make_bank(tree, db, ASKS)
    login(make_user("department", tree.so))
    response = client.post(f"/banks/{bank.id}/import", data={"file": (io.BytesIO(yaml_bytes(TELLS)), "moi.yaml")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Xem trước: 1 câu hỏi" in page
    assert "1 câu: 2 cảnh báo, 1 câu cần xem lại." in page
    assert "Nguồn chưa rõ" in page
    # The give-away is with a question already in the bank.
    assert "Câu hỏi để lộ đáp án của câu v-001 (trong ngân hàng) (“VNeID”)." in page
    assert db.session.query(Question).count() == 1  # a preview writes nothing


def test_a_file_that_replaces_the_bank_s_question_is_not_compared_with_its_old_version(client, login, make_user,
                                                                                      tree, db):
    bank = make_bank(tree, db, ASKS)
    login(make_user("department", tree.so))
    page = client.post(f"/banks/{bank.id}/import", data={"file": (io.BytesIO(yaml_bytes(ASKS)), "cu.yaml")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "1 câu: không có cảnh báo." in page


def test_the_bank_page_counts_the_warnings_and_the_check_page_lists_them(client, login, make_user, tree, db):
    bank = make_bank(tree, db, ASKS, TELLS)
    login(make_user("department", tree.so))
    page = client.get(f"/banks/{bank.id}").get_data(as_text=True)
    assert "Kiểm tra chất lượng: <b>2 câu: 2 cảnh báo, 1 câu cần xem lại.</b>" in page
    assert page.count("tag tag-warn\">2 cảnh báo") == 1
    detail = client.get(f"/banks/{bank.id}/check").get_data(as_text=True)
    tells = db.session.query(Question).filter_by(key="v-002").one()
    assert f'href="/questions/{tells.id}">v-002</a>' in detail
    assert "Câu hỏi để lộ đáp án của câu v-001 (“VNeID”)." in detail
    # Editing the question clears the warning: the cached figures follow the bank's version.
    client.post(f"/questions/{tells.id}/edit", data={
        "topic": "VNeID", "level": "all", "difficulty": "easy",
        "text": "Tài khoản định danh điện tử mức độ 2 được cấp ở đâu?",
        "explanation": "Tại cơ quan Công an.", "source": SOURCE,
        "options-0-text": "Tại ngân hàng", "options-1-text": "Tại cơ quan Công an", "options-1-right": "y",
        "options-2-text": "Tại bưu điện", "options-3-text": "Tại trường học"})
    db.session.expire_all()
    assert db.session.get(Question, tells.id).version == 2
    page = client.get(f"/banks/{bank.id}").get_data(as_text=True)
    assert "Kiểm tra chất lượng: <b>2 câu: không có cảnh báo.</b>" in page


def test_while_a_round_may_draw_the_bank_a_teacher_sees_no_check(client, login, make_user, tree, db):
    bank = make_bank(tree, db, ASKS, TELLS)
    contest = create_contest(None, tree.so, bank, code="DVC", name="Thi", school_year=2026)
    add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=1),
              closes_at=utcnow() + timedelta(days=1), question_count=2)
    db.session.commit()
    login(make_user("teacher", tree.school_a))
    assert "Kiểm tra chất lượng" not in client.get(f"/banks/{bank.id}").get_data(as_text=True)
    response = client.get(f"/banks/{bank.id}/check")
    assert response.status_code == 302
    assert "để lộ đáp án" not in client.get(f"/banks/{bank.id}/check", follow_redirects=True).get_data(as_text=True)
    login(make_user("department", tree.so))
    assert "để lộ đáp án" in client.get(f"/banks/{bank.id}/check").get_data(as_text=True)
