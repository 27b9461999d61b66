"""Published results: anonymous visitors see the prize winners only, never for search
engines; a student sees their own rank and score; staff the whole ranking of the
students of their part of the tree, page by page."""
import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from app.core.timeutil import utcnow
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.banks.services import create_bank, import_questions

WINNER, LOSERS = "Nguyễn Văn An", ("Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung")


def _finish(student, round_, right, when):
    attempt = quiz.start_attempt(student, round_, when)
    for item in attempt.questions:
        choice = next(i for i in item.option_order if (item.version.answers[i]["fraction"] > 0) == right)
        quiz.save_answer(attempt, item.position, {"choices": [choice]}, 1, when)
    quiz.submit_attempt(attempt, when + timedelta(seconds=30), prediction=1)
    return attempt


@pytest.fixture
def published(tree, make_class, make_student, db, TEST_PASSWORD):
    """A closed round with published results and one prize: An (school A) wins it; Bình
    (A), Cường and Dung (B) take part and win nothing."""
    from app.accounts.services import ensure_student_accounts, set_password
    bank = create_bank(None, tree.so, code="DVC-P", name="Ngân hàng")
    import_questions(None, bank, [new_question(
        "multichoice", f"Câu {i}?", key=f"k{i}", topic="VNeID", level="all", difficulty="easy",
        answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="Vì.", source="Nguồn") for i in range(4)])
    contest = create_contest(None, tree.so, bank, code="DVC", name="Tìm hiểu DVC", school_year=2026,
                             levels=("THPT",))
    contest.prizes = {"nhat": 1}
    start = utcnow() - timedelta(hours=3)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=start, closes_at=start + timedelta(hours=2),
                       question_count=2, prizes={"nhat": 1})
    class_a, class_b = make_class(tree.school_a, "10A1", year=2026), make_class(tree.school_b, "11A2", year=2026)
    an, binh = make_student(class_a, WINNER), make_student(class_a, LOSERS[0])
    cuong, dung = make_student(class_b, LOSERS[1]), make_student(class_b, LOSERS[2])
    for student, right, minute in ((an, True, 1), (binh, False, 2), (cuong, False, 3), (dung, False, 4)):
        _finish(student, round_, right, start + timedelta(minutes=minute))
    ensure_student_accounts(None, [an, binh], tree.school_a)
    for student in (an, binh):
        set_password(student.user, TEST_PASSWORD)
    now = utcnow()
    round_.results_published_at = now
    contest.results_published_at = now
    db.session.commit()
    return SimpleNamespace(contest=contest, round=round_, an=an, binh=binh, cuong=cuong, dung=dung)


def test_anonymous_visitors_see_the_prize_winners_only_and_search_engines_are_told_not_to_index(
        client, published):
    response = client.get(f"/ket-qua/{published.round.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert WINNER in html and "Giải Nhất" in html and "10A1" in html and "Trường THPT A" in html
    for name in LOSERS:
        assert name not in html
    assert "11A2" not in html and "Trường THPT B" not in html
    assert '<meta name="robots" content="noindex">' in html
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "Các em bằng nhau ở mọi tiêu chí được xếp cùng hạng và cùng giải" in html
    overall = client.get(f"/ket-qua/cuoc-thi/{published.contest.id}")
    assert overall.headers["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in overall.get_data(as_text=True)


def test_a_student_sees_their_own_rank_and_score_and_the_winners(client, login, published):
    login(published.binh.user)
    response = client.get(f"/ket-qua/{published.round.id}")
    html = response.get_data(as_text=True)
    # Bình, Cường and Dung have 0 points, equal predictions and durations: Bình submitted first
    assert "Kết quả của em" in html and "Hạng <b>2</b>/4" in html and "<b>0</b>/2 điểm" in html
    assert LOSERS[0] in html and WINNER in html
    assert LOSERS[1] not in html and LOSERS[2] not in html
    assert "no-store" in response.headers["Cache-Control"]


def test_staff_see_the_ranking_of_their_own_schools_only(client, login, make_user, tree, published):
    login(make_user("school_admin", tree.school_a))
    html = client.get(f"/ket-qua/{published.round.id}").get_data(as_text=True)
    assert "Bảng xếp hạng học sinh của đơn vị" in html and LOSERS[0] in html
    assert LOSERS[1] not in html and LOSERS[2] not in html
    login(make_user("department", tree.so))
    html = client.get(f"/ket-qua/{published.round.id}").get_data(as_text=True)
    assert all(name in html for name in LOSERS)


def test_rankings_come_in_pages(client, login, make_user, make_class, make_student, tree, published, db):
    school_class = make_class(tree.school_b, "12A9", year=2026)
    when = published.round.opens_at + timedelta(minutes=10)
    for number in range(60):
        _finish(make_student(school_class, f"Học Sinh Số {number:03d}"), published.round, False,
                when + timedelta(seconds=number))
    db.session.commit()
    login(make_user("department", tree.so))
    for url in (f"/ket-qua/{published.round.id}", f"/rounds/{published.round.id}/ranking",
                f"/contests/{published.contest.id}/ranking"):
        first = client.get(url).get_data(as_text=True)
        rows = re.findall(r"Học Sinh Số \d{3}", first)
        assert 40 <= len(set(rows)) <= 50, url  # one page: 50 rows, 4 of them the first students
        assert "Trang 1/2" in first and f"page=2" in first
        second = client.get(f"{url}?page=2").get_data(as_text=True)
        assert "Trang 2/2" in second and "Học Sinh Số 059" in second and "Học Sinh Số 000" not in second


def _links(html):
    for href in re.findall(r'href="([^"]+)"', html):
        parts = urlsplit(href.replace("&amp;", "&"))
        if not parts.netloc or parts.netloc == "localhost":
            if parts.path and not parts.path.startswith("/static/"):
                yield parts.path + (f"?{parts.query}" if parts.query else "")


def _published_gallery(tree, published, db):
    """A creative contest with published results: An's poster won a prize, Dung's was
    scored in the provincial round and won nothing; both are in the gallery."""
    from app.entries import services
    from app.entries.models import Entry, EntryMember
    now = utcnow()
    creative = services.create_contest(
        None, tree.so, code="AP", name="Áp phích", school_year=2026, levels=("THPT",), categories=("poster",),
        submit_opens_at=now - timedelta(days=9), submit_closes_at=now - timedelta(days=5),
        approval_closes_at=now - timedelta(days=4))
    creative.results_published_at = now
    for student, score, prize in ((published.an, 90.0, "Giải Nhất"), (published.dung, 40.0, None)):
        entry = Entry(contest_id=creative.id, school_id=student.school_id, category="poster",
                      title=f"Áp phích {student.id}", status="approved", final_score=score, prize_label=prize,
                      prize="nhat" if prize else None)
        entry.members.append(EntryMember(student_id=student.id))
        db.session.add(entry)
    db.session.commit()
    return creative


def test_an_anonymous_crawl_of_a_published_contest_finds_no_name_but_the_winners(client, tree, published, db):
    """Start from every public page and follow every link an anonymous visitor can open."""
    _published_gallery(tree, published, db)
    start = [f"/ket-qua/{published.round.id}", f"/ket-qua/cuoc-thi/{published.contest.id}", "/trien-lam",
             f"/trien-lam?contest={published.contest.id}", "/xac-minh", "/join", "/", "/login"]
    seen, queue, opened = set(), list(start), []
    while queue and len(seen) < 200:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow_redirects=True)
        if response.status_code != 200 or not response.mimetype.startswith("text/"):
            continue
        html = response.get_data(as_text=True)
        opened.append(url)
        for name in LOSERS:
            assert name not in html, url
        queue.extend(link for link in _links(html) if link not in seen)
    assert f"/ket-qua/{published.round.id}" in opened and f"/ket-qua/cuoc-thi/{published.contest.id}" in opened
    assert sum(1 for url in opened if url.startswith("/trien-lam/")) == 2  # both entries' pages were read
