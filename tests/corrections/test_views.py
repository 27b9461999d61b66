"""Corrections on the web: reporting from the review and the question's page (one open
report per person and question; only one's own attempt), the staff's lists with
reporters' names only for those who may see the student, the correction form, the dry
run page and "Áp dụng"; who may do what; the notes on the results pages."""
import re

from sqlalchemy import func, select

from app.corrections.models import Correction, QuestionReport
from app.org.services import set_class_teachers


def _text(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _round_is_reviewable(w, db):
    w.round.review_policy = "after_submit"
    db.session.commit()


def test_a_student_reports_a_question_of_their_review_once(client, login, wrong_key, db):
    w = wrong_key
    _round_is_reviewable(w, db)
    login(w.an.user)
    page = _text(client, f"/attempts/{w.attempts.an.id}/result")
    assert "Báo lỗi câu hỏi" in page and 'id="cau-1"' in page
    # when An sends a reason for question 1 (the wrong one: no shuffling)
    response = client.post(f"/attempts/{w.attempts.an.id}/report", data={"position": "1",
                                                                         "reason": "Đáp án đúng phải là VNeID ạ."})
    assert response.status_code == 302 and response.headers["Location"].endswith("#cau-1")
    report = db.session.execute(select(QuestionReport)).scalar_one()
    assert (report.question_id, report.student_id, report.round_id) == (w.question.id, w.an.id, w.round.id)
    assert "Em đã báo lỗi câu này" in _text(client, f"/attempts/{w.attempts.an.id}/result")
    # a second report of the same question is refused
    again = client.post(f"/attempts/{w.attempts.an.id}/report", data={"position": "1", "reason": "Lần nữa ạ"},
                        headers={"Referer": f"http://localhost/attempts/{w.attempts.an.id}/result"})
    assert again.status_code == 302
    assert db.session.execute(select(func.count()).select_from(QuestionReport)).scalar() == 1


def test_a_student_cannot_report_another_students_attempt(client, login, wrong_key, db):
    w = wrong_key
    _round_is_reviewable(w, db)
    login(w.an.user)
    response = client.post(f"/attempts/{w.attempts.binh.id}/report", data={"position": "1", "reason": "Sai đáp án"})
    assert response.status_code == 404
    assert db.session.execute(select(QuestionReport)).first() is None


def test_staff_read_the_reports_with_names_only_of_the_students_they_may_see(
        client, login, wrong_key, make_user, tree, db):
    w = wrong_key
    _round_is_reviewable(w, db)
    for who, attempt, reason in ((w.an, w.attempts.an, "VNeID mới đúng"), (w.cuong, w.attempts.cuong, "Sai đáp án")):
        login(who.user)
        client.post(f"/attempts/{attempt.id}/report", data={"position": "1", "reason": reason})
    # the Sở's officer sees both names and reasons, on the question and in the bank's list
    login(w.officer)
    page = _text(client, f"/questions/{w.question.id}")
    assert "2</b> báo lỗi đang chờ" in page and "VNeID mới đúng" in page
    assert "Nguyễn Văn An (học sinh lớp 10A1, Trường THPT A)" in page and "Phạm Quốc Cường (học sinh" in page
    listing = _text(client, f"/banks/{w.bank.id}/reports")
    assert re.search(r"<b>2</b></td><td class=\"num\">2</td>", listing)
    assert "2</b> báo lỗi đang chờ xử lý" in _text(client, f"/banks/{w.bank.id}")
    # had the bank been cluster A's (a contest of the Sở may use it), its officer would read
    # school A's student by name and school B's without
    w.bank.unit_id = tree.cluster_a.id
    cluster = make_user("unit", tree.cluster_a)
    login(cluster)
    page = _text(client, f"/questions/{w.question.id}")
    assert "Nguyễn Văn An (học sinh" in page and "Phạm Quốc Cường" not in page
    assert "Một học sinh ngoài phạm vi của bạn" in page and "Sai đáp án" in page


def test_a_teacher_of_another_unit_cannot_see_reports_or_correct(client, login, wrong_key, make_user, tree, db):
    w = wrong_key
    teacher_b = make_user("teacher", tree.school_b)
    login(teacher_b)
    page = _text(client, f"/questions/{w.question.id}")  # the Sở's bank serves school B: the question is visible
    assert "Điều chỉnh đáp án" not in page and "Báo lỗi câu hỏi này" in page
    for url in (f"/questions/{w.question.id}/correction", f"/questions/{w.question.id}/correction/dry-run?kind=key&right=1&reason=abcdef",
                f"/banks/{w.bank.id}/reports"):
        _text(client, url, 404)
    response = client.post(f"/questions/{w.question.id}/correction",
                           data={"kind": "key", "right": "1", "reason": "VNeID mới đúng", "base": "1"})
    assert response.status_code == 404
    assert client.post(f"/questions/{w.question.id}/reports/dismiss").status_code == 404
    assert db.session.execute(select(Correction)).first() is None and w.question.version == 1


def test_a_teacher_of_the_banks_own_school_sees_the_dry_run_but_cannot_apply(client, login, wrong_key, make_user,
                                                                            tree, db):
    w = wrong_key
    w.bank.unit_id = tree.school_a.id
    teacher = make_user("teacher", tree.school_a)
    login(teacher)
    page = _text(client, f"/questions/{w.question.id}/correction/dry-run?kind=key&right=1&reason=VNeID+m%E1%BB%9Bi+%C4%91%C3%BAng")
    assert "Học sinh thay đổi giải" in page and ">Áp dụng<" not in page
    response = client.post(f"/questions/{w.question.id}/correction",
                           data={"kind": "key", "right": "1", "reason": "VNeID mới đúng", "base": "1"})
    assert response.status_code == 403 and w.question.version == 1


def test_the_officer_runs_the_dry_run_then_applies_and_the_results_pages_say_so(app, client, login, wrong_key, db):
    w = wrong_key
    visitor = app.test_client()  # anonymous: the public page is cached for everyone
    before = _text(visitor, f"/ket-qua/{w.round.id}")
    assert "Điều chỉnh đáp án" not in before and "Lê Thị Bình" in before.split("Giải Nhất")[1].split("Giải Nhì")[0]
    login(w.officer)
    form = _text(client, f"/questions/{w.question.id}/correction")
    assert 'name="kind" value="key"' in form and "đáp án đang lưu" in form
    # a proposal that changes nothing goes back to the form with the reason
    same = client.get(f"/questions/{w.question.id}/correction/dry-run?kind=key&right=0&reason=Gi%E1%BB%AF+nguy%C3%AAn")
    assert same.status_code == 302 and "/correction?" in same.headers["Location"]
    url = f"/questions/{w.question.id}/correction/dry-run?kind=key&right=1&reason=VNeID+m%E1%BB%9Bi+%C4%91%C3%BAng"
    page = _text(client, url)
    table = page.split('id="thay-doi-giai"')[1]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("</tbody>")[0].split("<tbody>")[1], flags=re.S)
    assert len(rows) == 2 and len(re.findall(r"<tbody>(.*?)</tbody>", table, flags=re.S)) == 2
    assert "Nguyễn Văn An" in rows[0] and re.search(r"Giải Nhì</span> → <span class=\"tag tag-ok\">Giải Nhất", rows[0])
    assert "Cường" not in table
    assert db.session.execute(select(Correction)).first() is None  # the dry run wrote nothing
    # Áp dụng
    response = client.post(f"/questions/{w.question.id}/correction",
                           data={"kind": "key", "right": "1", "reason": "VNeID mới đúng", "base": "1"})
    assert response.status_code == 302
    page = _text(client, f"/questions/{w.question.id}")
    assert "Đã áp dụng điều chỉnh" in page and "thu hồi 4 và cấp 6 giấy" in page
    # the public pages name the correction, quoting the question: its bank serves no open
    # round; the cached copy was dropped when the results were stored again
    public = _text(visitor, f"/ket-qua/{w.round.id}")
    assert "Điều chỉnh đáp án" in public and "đã sửa đáp án câu “Ứng dụng nào là ứng dụng định danh" in public
    assert "Nguyễn Văn An" in public.split("Danh sách đạt giải")[1].split("Giải Nhì")[0]  # first prize now
    contest_page = _text(visitor, f"/ket-qua/cuoc-thi/{w.contest.id}")
    assert "đã sửa đáp án câu" in contest_page and "(Đợt 1)" in contest_page


def test_the_note_does_not_quote_a_question_its_bank_may_still_ask(client, login, wrong_key, db):
    from datetime import timedelta

    from app.core.timeutil import utcnow
    from app.quiz.contests.services import add_round
    w = wrong_key
    add_round(None, w.contest, name="Đợt 2", opens_at=utcnow() + timedelta(days=1),
              closes_at=utcnow() + timedelta(days=2), question_count=3)
    login(w.officer)
    client.post(f"/questions/{w.question.id}/correction",
                data={"kind": "void_full", "reason": "Câu hỏi có hai đáp án đúng", "base": "1"})
    client.post("/logout")
    public = _text(client, f"/ket-qua/{w.round.id}")
    assert "đã hủy một câu hỏi của Đợt 1: mọi bài làm có câu này được tính điểm câu đó" in public
    assert "Ứng dụng nào" not in public


def test_the_review_marks_the_corrected_question(client, login, wrong_key, db):
    w = wrong_key
    _round_is_reviewable(w, db)
    login(w.officer)
    client.post(f"/questions/{w.question.id}/correction",
                data={"kind": "key", "right": "1", "reason": "VNeID mới đúng", "base": "1"})
    login(w.an.user)
    page = _text(client, f"/attempts/{w.attempts.an.id}/result")
    assert "<b>3</b>/3" in page and "Đáp án đã được điều chỉnh ngày" in page


def test_staff_report_from_the_question_page_and_the_bank_staff_dismiss(client, login, wrong_key, make_user, tree, db):
    w = wrong_key
    teacher = make_user("teacher", tree.school_b)
    set_class_teachers(None, w.cuong.school_class, [teacher])
    login(teacher)
    assert client.post(f"/questions/{w.question.id}/report", data={"reason": "Đáp án sai"}).status_code == 302
    assert "Bạn đã báo lỗi câu này" in _text(client, f"/questions/{w.question.id}")
    login(w.officer)
    page = _text(client, f"/questions/{w.question.id}")
    assert "Người dùng teacher · Trường THPT B" in page
    client.post(f"/questions/{w.question.id}/reports/dismiss")
    report = db.session.execute(select(QuestionReport)).scalar_one()
    assert report.resolution == "dismissed" and report.closed_by_id == w.officer.id
