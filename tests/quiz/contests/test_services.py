"""Changing a contest after it is set up: edit and delete rounds (what stays fixed once
students have started), overall prizes, collective prizes by participation rate, and
publishing the overall results."""
from datetime import timedelta

import pytest

from app.core.errors import DomainError
from app.core.timeutil import to_local, utcnow
from app.coverage import participation
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round, create_contest, update_round
from app.quiz.banks.formats import answer, new_question
from app.quiz.models import Attempt, Contest, Round
from app.quiz.contests.ranking import award_collective, school_participation, unit_participation
from app.quiz.banks.services import create_bank, import_questions


@pytest.fixture
def bank(tree, db):
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng")
    import_questions(None, bank, [
        new_question("multichoice", f"Câu {i}?", key=f"k{i}", topic="VNeID", level="all",
                     difficulty=("easy", "medium")[i % 2], answers=[answer("Đúng", 1.0), answer("Sai", 0.0)],
                     general_feedback="Vì.", source="Nguồn") for i in range(8)])
    db.session.commit()
    return bank


@pytest.fixture
def contest(tree, bank, db):
    contest = create_contest(None, tree.so, bank, code="DVC", name="Thi", school_year=2026, levels=("THPT",))
    db.session.commit()
    return contest


def _local(value):
    return to_local(value).strftime("%Y-%m-%dT%H:%M")


def _form(round_, **changes):
    """The edit form as the page fills it, with some fields changed."""
    data = {"name": round_.name, "opens_at": _local(round_.opens_at), "closes_at": _local(round_.closes_at),
            "time_limit_minutes": str(round_.time_limit_minutes or ""), "topic": "", "easy": "1", "medium": "1",
            "hard": "0", "attempts_allowed": str(round_.attempts_allowed), "grading_method": round_.grading_method,
            "passing_score": str(int(round_.passing_score)), "review_policy": round_.review_policy,
            "ask_prediction": "y", "shuffle_questions": "y", "shuffle_options": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _round(contest, **kwargs):
    values = dict(name="Tuần 1", opens_at=utcnow() - timedelta(hours=1), closes_at=utcnow() + timedelta(days=1),
                  draw_rules=[{"topic": None, "difficulty": "easy", "count": 1},
                              {"topic": None, "difficulty": "medium", "count": 1}])
    values.update(kwargs)
    return add_round(None, contest, **values)


def test_the_edit_page_shows_the_round_as_it_is_and_saves_every_change_before_anyone_starts(
        client, login, make_user, tree, contest, db):
    round_ = _round(contest, time_limit_minutes=20, prizes={"nhat": 1})
    db.session.commit()
    login(make_user("department", tree.so))
    page = client.get(f"/rounds/{round_.id}/edit").get_data(as_text=True)
    assert 'value="Tuần 1"' in page and f'value="{_local(round_.closes_at)}"' in page and "Xóa đợt thi" in page
    later = round_.opens_at + timedelta(hours=5)
    response = client.post(f"/rounds/{round_.id}/edit", data=_form(
        round_, name="Tuần 1 (sửa)", opens_at=_local(later), time_limit_minutes="30", easy="2", medium="0",
        shuffle_questions=None, **{"prizes-nhat": "2", "prizes-ba": "3"}), follow_redirects=True)
    assert "Đã lưu đợt thi." in response.get_data(as_text=True)
    db.session.refresh(round_)
    assert (round_.name, round_.time_limit_minutes, round_.question_count, round_.shuffle_questions) == (
        "Tuần 1 (sửa)", 30, 2, False)
    assert round_.draw_rules == [{"topic": None, "difficulty": "easy", "count": 2}]
    assert round_.prizes == {"nhat": 2, "ba": 3}
    assert _local(round_.opens_at) == _local(later)


def test_after_a_start_the_draw_and_timing_stay_and_a_later_close_moves_cut_short_deadlines(
        client, login, make_user, make_class, make_student, tree, contest, db):
    now = utcnow()
    round_ = _round(contest, time_limit_minutes=20, closes_at=now + timedelta(minutes=10))
    student = make_student(make_class(tree.school_a, "10A1", year=2026))
    attempt = quiz.start_attempt(student, round_, now)
    db.session.commit()
    assert attempt.deadline_at == round_.closes_at  # the close cut the 20 minutes short
    login(make_user("department", tree.so))
    page = client.get(f"/rounds/{round_.id}/edit").get_data(as_text=True)
    assert "Đã có học sinh làm bài" in page and "Xóa đợt thi" not in page
    for changes in ({"time_limit_minutes": "30"}, {"easy": "2"}, {"shuffle_options": None},
                    {"opens_at": _local(round_.opens_at - timedelta(days=1))}):
        page = client.post(f"/rounds/{round_.id}/edit", data=_form(round_, **changes),
                           follow_redirects=True).get_data(as_text=True)
        assert "không đổi được thời điểm mở, thời gian làm bài" in page, changes
    page = client.post(f"/rounds/{round_.id}/edit", data=_form(round_, closes_at=_local(now + timedelta(minutes=5))),
                       follow_redirects=True).get_data(as_text=True)
    assert "chỉ lùi được giờ đóng" in page
    db.session.refresh(round_)
    assert (round_.time_limit_minutes, round_.question_count) == (20, 2)
    # What can change: name, a later close, more attempts, grading, passing score, prizes.
    later = now + timedelta(days=2)
    page = client.post(f"/rounds/{round_.id}/edit", data=_form(
        round_, name="Tuần 1 gia hạn", closes_at=_local(later), attempts_allowed="2", grading_method="last",
        passing_score="70", **{"prizes-kk": "4"}), follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu đợt thi." in page
    db.session.refresh(round_)
    db.session.refresh(attempt)
    assert (round_.name, round_.attempts_allowed, round_.grading_method, round_.passing_score, round_.prizes) == (
        "Tuần 1 gia hạn", 2, "last", 70.0, {"kk": 4})
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=20)  # its own limit now
    page = client.post(f"/rounds/{round_.id}/edit", data=_form(round_, attempts_allowed="1"),
                       follow_redirects=True).get_data(as_text=True)
    assert "chỉ tăng được số lần làm bài" in page


def test_an_unchanged_form_saves_even_when_the_stored_times_have_seconds(contest, make_class, make_student,
                                                                        tree, db):
    round_ = _round(contest, opens_at=utcnow().replace(second=17) - timedelta(hours=1))
    quiz.start_attempt(make_student(make_class(tree.school_a, "10A1", year=2026)), round_, utcnow())
    opens, closes = round_.opens_at, round_.closes_at
    update_round(None, round_, name="Tuần 1", opens_at=opens.replace(second=0, microsecond=0),
                 closes_at=closes.replace(second=0, microsecond=0), time_limit_minutes=round_.time_limit_minutes,
                 draw_rules=round_.draw_rules)
    assert (round_.opens_at, round_.closes_at) == (opens, closes)
    with pytest.raises(DomainError):
        update_round(None, round_, name="Tuần 1", opens_at=opens, closes_at=closes, time_limit_minutes=5,
                     draw_rules=round_.draw_rules)


def test_a_round_nobody_started_can_be_deleted_and_one_with_attempts_cannot(
        client, login, make_user, make_class, make_student, tree, contest, db):
    first, second = _round(contest, name="Tuần 1"), _round(contest, name="Tuần 2")
    quiz.start_attempt(make_student(make_class(tree.school_a, "10A1", year=2026)), first, utcnow())
    db.session.commit()
    first_id, second_id = first.id, second.id
    login(make_user("department", tree.so))
    page = client.post(f"/rounds/{second_id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "Đã xóa đợt thi “Tuần 2”." in page
    page = client.post(f"/rounds/{first_id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "không xóa được" in page
    db.session.expire_all()
    assert [r.id for r in db.session.query(Round)] == [first_id]
    assert db.session.query(Attempt).count() == 1
    # numbers continue after a deletion: no clash with the remaining round
    assert _round(db.session.get(Contest, contest.id), name="Tuần 3").number == 2


def test_only_the_contest_s_staff_may_edit_delete_or_publish(client, login, make_user, tree, contest, db):
    round_ = _round(contest)
    db.session.commit()
    for user in (make_user("school_admin", tree.school_a), make_user("teacher", tree.school_a)):
        login(user)
        assert client.get(f"/rounds/{round_.id}/edit").status_code == 404
        assert client.post(f"/rounds/{round_.id}/delete").status_code == 404
        assert client.get(f"/contests/{contest.id}/edit").status_code == 404
        assert client.post(f"/contests/{contest.id}/publish").status_code == 404
    assert db.session.query(Round).count() == 1 and contest.results_published_at is None


def test_the_contest_edit_page_sets_levels_visibility_and_the_prize_counts(client, login, make_user, tree,
                                                                          contest, db):
    login(make_user("department", tree.so))
    page = client.get(f"/contests/{contest.id}/edit").get_data(as_text=True)
    assert 'value="Thi"' in page
    response = client.post(f"/contests/{contest.id}/edit", data={
        "name": "Tìm hiểu DVC", "thcs": "y", "thpt": "y", "published": "y", "prizes-nhat": "1", "prizes-nhi": "2",
        "school_prizes-nhat": "1", "school_prizes-kk": "3", "unit_prizes-nhat": "1", "participation_rule": "passed"},
        follow_redirects=True)
    assert "Đã lưu cuộc thi." in response.get_data(as_text=True)
    db.session.refresh(contest)
    assert (contest.name, contest.levels, contest.published) == ("Tìm hiểu DVC", "THCS,THPT", True)
    assert contest.participation_rule == "passed"
    assert '<input checked id="participation_rule-1"' in client.get(f"/contests/{contest.id}/edit").get_data(as_text=True)
    assert contest.prizes == {"nhat": 1, "nhi": 2}
    assert contest.collective_prizes == {"schools": {"nhat": 1, "kk": 3}, "units": {"nhat": 1}}
    page = client.post(f"/contests/{contest.id}/edit", data={"name": "X"}, follow_redirects=True).get_data(
        as_text=True)
    assert "Chọn ít nhất một cấp học." in page
    db.session.refresh(contest)
    assert contest.levels == "THCS,THPT"


def test_collective_ranking_and_prizes_of_schools_and_clusters(make_class, make_student, tree, contest, db, finish_attempt):
    """By hand: A 1/4 = 25 %, B 1/2 = 50 %, C (THCS) not counted; so B first, A second;
    clusters: Cụm B 50 %, Cụm A 25 %. One first prize and one second prize each."""
    round_ = _round(contest)
    class_a, class_b = make_class(tree.school_a, "10A1", year=2026), make_class(tree.school_b, "11A1", year=2026)
    a = [make_student(class_a) for _ in range(4)]
    b = [make_student(class_b) for _ in range(2)]
    make_student(make_class(tree.school_c, "9A1", year=2026))
    finish_attempt(a[0], round_, True)
    finish_attempt(b[0], round_, False)
    schools = school_participation(contest)
    assert [(r.name, r.enrolled, r.participants, r.rank) for r in schools] == [
        ("Trường THPT B", 2, 1, 1), ("Trường THPT A", 4, 1, 2)]
    units = unit_participation(contest, schools)
    assert [(r.name, r.enrolled, r.participants, r.rank) for r in units] == [("Cụm B", 2, 1, 1), ("Cụm A", 4, 1, 2)]
    assert award_collective(schools, {"nhat": 1, "nhi": 1}) == {tree.school_b.id: "Giải Nhất",
                                                                 tree.school_a.id: "Giải Nhì"}
    # a tie shares the better prize; a unit with nobody taking part wins nothing
    finish_attempt(a[1], round_, True)
    schools = school_participation(contest)
    assert [r.rank for r in schools] == [1, 1]
    assert award_collective(schools, {"nhat": 1, "nhi": 1}) == {tree.school_b.id: "Giải Nhất",
                                                                 tree.school_a.id: "Giải Nhất"}
    db.session.query(Attempt).delete()
    participation.rebuild(contest.id)
    assert award_collective(school_participation(contest), {"nhat": 1}) == {}


def test_overall_prizes_are_published_with_the_collective_ranking_once_every_round_has_closed(
        client, login, make_user, make_class, make_student, tree, contest, db, finish_attempt):
    from app.accounts.services import ensure_student_accounts
    contest.prizes = {"nhat": 1, "nhi": 1}
    contest.collective_prizes = {"schools": {"nhat": 1}}
    first = _round(contest, name="Tuần 1")
    second = _round(contest, name="Tuần 2")
    an = make_student(make_class(tree.school_a, "10A1", year=2026), "Nguyễn Văn An")
    binh = make_student(make_class(tree.school_b, "11A1", year=2026), "Trần Thị Bình")
    cuong = make_student(make_class(tree.school_b, "11A2", year=2026), "Lê Văn Cường")
    ensure_student_accounts(None, [an], tree.school_a)
    # An: 2 + 2, Bình: 2 + 0, Cường: 0 (one round): An first, Bình second, Cường no prize
    finish_attempt(an, first, True), finish_attempt(an, second, True)
    finish_attempt(binh, first, True), finish_attempt(binh, second, False)
    finish_attempt(cuong, first, False)
    db.session.commit()
    login(make_user("department", tree.so))
    page = client.get(f"/contests/{contest.id}/ranking").get_data(as_text=True)
    assert page.index("Nguyễn Văn An") < page.index("Trần Thị Bình") < page.index("Lê Văn Cường")
    assert page.count("Giải Nhất") == 1 and page.count("Giải Nhì") == 1
    page = client.post(f"/contests/{contest.id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "mọi đợt thi chính thức đã kết thúc" in page
    assert client.get(f"/ket-qua/cuoc-thi/{contest.id}").status_code == 404
    for round_ in (first, second):
        round_.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.post(f"/contests/{contest.id}/publish")
    client.post("/logout")
    html = client.get(f"/ket-qua/cuoc-thi/{contest.id}").get_data(as_text=True)
    assert "Nguyễn Văn An" in html and "Trần Thị Bình" in html and "Lê Văn Cường" not in html
    assert "4/4" in html and "10A1" in html
    # collective: B has 2 of 2 students taking part, A 1 of 1: a tie at 100 %, both first
    assert html.count("Giải Nhất") == 1 + 2
    assert an.user.username not in html and an.birth_date.strftime("%d/%m/%Y") not in html
