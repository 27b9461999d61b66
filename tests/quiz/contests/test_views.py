"""Staff set up a contest and its rounds through the web, and read the ranking of a
round: everyone's rank among all participants, names of their own students only."""
from datetime import timedelta

import pytest

from app.core.timeutil import to_local, utcnow
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.models import Contest, Round
from app.quiz.banks.services import create_bank, import_questions


@pytest.fixture
def bank(tree, db):
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng")
    import_questions(None, bank, [
        new_question("multichoice", f"Câu {i}?", key=f"k{i}", topic="VNeID" if i % 2 else "Lừa đảo", level="all",
                     difficulty=("easy", "medium", "hard")[i % 3], answers=[answer("Đúng", 1.0), answer("Sai", 0.0)],
                     general_feedback="Vì.", source="Nguồn") for i in range(12)])
    db.session.commit()
    return bank


def test_a_school_admin_creates_a_contest_and_a_round(client, login, make_user, tree, bank, db):
    login(make_user("school_admin", tree.school_a))
    response = client.post("/contests", data={"code": "thi-ta", "name": "Thi cấp trường", "bank_id": bank.id,
                                              "school_year": "2026", "thpt": "y"}, follow_redirects=True)
    assert "Đã tạo cuộc thi" in response.get_data(as_text=True)
    contest = db.session.query(Contest).one()
    assert (contest.code, contest.unit_id, contest.levels) == ("THI-TA", tree.school_a.id, "THPT")
    opens = to_local(utcnow()).strftime("%Y-%m-%dT%H:%M")
    closes = to_local(utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/contests/{contest.id}", data={
        "name": "Vòng 1", "opens_at": opens, "closes_at": closes, "time_limit_minutes": "15", "topic": "VNeID",
        "easy": "2", "medium": "1", "hard": "0", "attempts_allowed": "2", "grading_method": "last",
        "passing_score": "60", "review_policy": "after_submit", "ask_prediction": "y"}, follow_redirects=True)
    assert "Đã thêm đợt thi." in response.get_data(as_text=True)
    round_ = db.session.query(Round).one()
    assert (round_.question_count, round_.time_limit_minutes, round_.grading_method, round_.attempts_allowed) == (
        3, 15, "last", 2)
    assert round_.draw_rules == [{"topic": "VNeID", "difficulty": "easy", "count": 2},
                                 {"topic": "VNeID", "difficulty": "medium", "count": 1}]
    assert round_.closes_at - round_.opens_at == timedelta(days=2)


def test_a_round_closing_before_it_opens_is_refused(client, login, make_user, tree, bank, db):
    contest = create_contest(None, tree.so, bank, code="DVC", name="Thi", school_year=2026)
    login(make_user("department", tree.so))
    page = client.post(f"/contests/{contest.id}", data={
        "name": "Sai", "opens_at": "2026-12-02T08:00", "closes_at": "2026-12-01T08:00", "easy": "1",
        "attempts_allowed": "1", "grading_method": "highest", "review_policy": "after_close"},
        follow_redirects=True).get_data(as_text=True)
    assert "Thời điểm đóng phải sau thời điểm mở." in page
    assert db.session.query(Round).count() == 0


def test_ranking_shows_each_viewer_their_own_students_with_their_rank(client, login, make_user, make_class,
                                                                     make_student, tree, bank, db):
    contest = create_contest(None, tree.so, bank, code="DVC", name="Thi", school_year=2026)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=1),
                       closes_at=utcnow() + timedelta(days=1), question_count=2)
    a = make_student(make_class(tree.school_a, "10A1"), "Nguyễn Văn An")
    b = make_student(make_class(tree.school_b, "10A1"), "Trần Thị Bình")
    for student, right in ((a, False), (b, True)):
        attempt = quiz.start_attempt(student, round_, utcnow())
        for item in attempt.questions:
            choice = next(i for i in item.option_order if (item.version.answers[i]["fraction"] > 0) == right)
            quiz.save_answer(attempt, item.position, {"choices": [choice]}, 1, utcnow())
        quiz.submit_attempt(attempt, utcnow(), prediction=1)
    db.session.commit()
    login(make_user("department", tree.so))
    page = client.get(f"/rounds/{round_.id}/ranking").get_data(as_text=True)
    assert page.index("Trần Thị Bình") < page.index("Nguyễn Văn An")
    login(make_user("school_admin", tree.school_a))
    page = client.get(f"/rounds/{round_.id}/ranking").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Trần Thị Bình" not in page
    assert '<td class="num">2</td>' in page  # An is second of the two participants


def test_published_results_are_public_without_personal_data(client, login, make_user, make_class, make_student,
                                                            tree, bank, db):
    from app.accounts.services import ensure_student_accounts
    contest = create_contest(None, tree.so, bank, code="DVC", name="Thi", school_year=2026)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=2),
                       closes_at=utcnow() + timedelta(hours=1), question_count=2, prizes={"nhat": 1, "kk": 1})
    students = [make_student(make_class(tree.school_a, "10A1"), "Nguyễn Văn An"),
                make_student(make_class(tree.school_b, "11A2"), "Trần Thị Bình")]
    ensure_student_accounts(None, students, tree.school_a)
    for student, right in zip(students, (True, False)):
        attempt = quiz.start_attempt(student, round_, utcnow())
        for item in attempt.questions:
            choice = next(i for i in item.option_order if (item.version.answers[i]["fraction"] > 0) == right)
            quiz.save_answer(attempt, item.position, {"choices": [choice]}, 1, utcnow())
        quiz.submit_attempt(attempt, utcnow(), prediction=1)
    db.session.commit()
    login(make_user("department", tree.so))
    # not before the round closes
    page = client.post(f"/rounds/{round_.id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "sau khi đợt thi kết thúc" in page
    assert client.get(f"/ket-qua/{round_.id}").status_code == 404
    round_.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.post(f"/rounds/{round_.id}/publish")
    client.post("/logout")
    public = client.get(f"/ket-qua/{round_.id}")
    html = public.get_data(as_text=True)
    assert public.status_code == 200
    assert "Nguyễn Văn An" in html and "Giải Nhất" in html and "Trường THPT A" in html and "10A1" in html
    assert "Trần Thị Bình" not in html and "Giải Khuyến khích" not in html  # 0 points wins nothing: not listed
    for student in students:
        assert student.user.username not in html
        assert student.birth_date.strftime("%d/%m/%Y") not in html


def test_schools_rank_by_participation_rate(client, login, make_user, make_class, make_student, tree, bank, db):
    contest = create_contest(None, tree.so, bank, code="DVC", name="Thi", school_year=2026, levels=("THPT",))
    round_ = add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=2),
                       closes_at=utcnow() + timedelta(hours=1), question_count=1)
    class_a, class_b = make_class(tree.school_a, "10A1", year=2026), make_class(tree.school_b, "11A1", year=2026)
    a = [make_student(class_a) for _ in range(4)]
    b = [make_student(class_b) for _ in range(2)]
    make_student(make_class(tree.school_c, "9A1", year=2026))  # THCS: not counted in a THPT contest
    for student in a[:1] + b[:1]:
        quiz.submit_attempt(quiz.start_attempt(student, round_, utcnow()), utcnow(), prediction=0)
    quiz.start_attempt(a[1], round_, utcnow())  # started, not finished: not a participant yet
    db.session.commit()
    login(make_user("department", tree.so))
    page = client.get(f"/contests/{contest.id}/schools").get_data(as_text=True)
    assert page.index("Trường THPT B") < page.index("Trường THPT A")
    assert "50,0 %" in page and "25,0 %" in page
    assert "Trường THCS C" not in page  # no THPT students to count
    login(make_user("school_admin", tree.school_a))
    page = client.get(f"/contests/{contest.id}/schools").get_data(as_text=True)
    assert "Trường THPT A" in page and "Trường THPT B" not in page
