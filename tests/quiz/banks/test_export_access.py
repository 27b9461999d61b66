"""While a round drawing from a bank is open or scheduled, only the staff of the bank's
own unit (or an admin) download it with its answers; a teacher of a school does not."""
from datetime import timedelta

import pytest

from app.core.timeutil import utcnow
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.banks.services import create_bank, import_questions


@pytest.fixture
def so_bank(tree, db):
    bank = create_bank(None, tree.so, code="SO-BANK", name="Ngân hàng của Sở")
    import_questions(None, bank, [new_question(
        "multichoice", f"Câu {i}?", key=f"k{i}", topic="VNeID", level="all", difficulty="easy",
        answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="Vì.", source="Nguồn") for i in range(3)])
    db.session.commit()
    return bank


def _round(tree, bank, opens, closes):
    contest = create_contest(None, tree.so, bank, code="DVC", name="Thi", school_year=2026)
    return add_round(None, contest, name="Tuần 1", opens_at=opens, closes_at=closes, question_count=2)


@pytest.mark.parametrize("when", ["open", "scheduled"])
def test_a_teacher_cannot_export_a_bank_of_a_round_not_yet_closed(client, login, make_user, tree, so_bank, db,
                                                                  when):
    start = utcnow() - timedelta(hours=1) if when == "open" else utcnow() + timedelta(days=3)
    _round(tree, so_bank, start, start + timedelta(days=7))
    login(make_user("teacher", tree.school_a))
    assert "Xuất GIFT" not in client.get(f"/banks/{so_bank.id}").get_data(as_text=True)
    for fmt in ("gift", "xlsx"):
        response = client.get(f"/banks/{so_bank.id}/export.{fmt}")
        assert response.status_code == 302 and "attachment" not in response.headers.get("Content-Disposition", "")
    page = client.get(f"/banks/{so_bank.id}/export.gift", follow_redirects=True).get_data(as_text=True)
    assert "chỉ cán bộ của Sở GD&amp;ĐT Thử nghiệm" in page and "Câu 0?" in page  # back on the bank page
    for role, unit in (("school_admin", tree.school_a), ("unit", tree.cluster_a)):
        login(make_user(role, unit))
        assert client.get(f"/banks/{so_bank.id}/export.gift").status_code == 302


def test_the_bank_s_own_staff_and_an_admin_export_it_while_a_round_is_open(client, login, make_user, tree, so_bank,
                                                                           db):
    _round(tree, so_bank, utcnow() - timedelta(hours=1), utcnow() + timedelta(days=1))
    for user in (make_user("department", tree.so), make_user("admin")):
        login(user)
        response = client.get(f"/banks/{so_bank.id}/export.gift")
        assert response.status_code == 200 and "Đúng" in response.get_data(as_text=True)
        assert client.get(f"/banks/{so_bank.id}/export.xlsx").status_code == 200


def test_once_every_round_has_closed_a_teacher_exports_again(client, login, make_user, tree, so_bank, db):
    _round(tree, so_bank, utcnow() - timedelta(days=2), utcnow() - timedelta(days=1))
    login(make_user("teacher", tree.school_a))
    response = client.get(f"/banks/{so_bank.id}/export.gift")
    assert response.status_code == 200 and "Câu 0?" in response.get_data(as_text=True)


def test_a_teacher_reads_a_bank_question_without_its_key_while_a_round_may_draw_it(client, login, make_user, tree,
                                                                                  so_bank, db):
    round_ = _round(tree, so_bank, utcnow() - timedelta(hours=1), utcnow() + timedelta(days=1))
    question = so_bank.questions[0]
    login(make_user("teacher", tree.school_a))
    page = client.get(f"/questions/{question.id}").get_data(as_text=True)
    assert question.current.text in page and "choice-right" not in page and "Giải thích" not in page
    assert "Đáp án và giải thích được ẩn" in page
    login(make_user("department", tree.so))
    assert "choice-right" in client.get(f"/questions/{question.id}").get_data(as_text=True)
    # a practice round does not hide anything: its answers are shown to students anyway
    round_.practice = True
    db.session.commit()
    login(make_user("teacher", tree.school_a))
    assert "choice-right" in client.get(f"/questions/{question.id}").get_data(as_text=True)
