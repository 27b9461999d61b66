"""Published results are stored with their prizes when they are published, and the
results pages read one page of them: the same statements at 30 and at 300
participants, the same rows as the live ranking (ties included), replaced whole by a
new publication; anonymous visitors share a cached copy that a new publication
replaces at once."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update

from app.core.prizes import award_prizes
from app.core.timeutil import utcnow
from app.coverage import participation
from app.extensions import cache, db
from app.org.models import Student
from app.quiz.banks.services import create_bank
from app.quiz.contests import results
from app.quiz.contests.ranking import collective_ranking, contest_ranking, round_ranking
from app.quiz.contests.services import add_round, create_contest, publish_contest_results, publish_results
from app.quiz.models import Attempt, CollectiveRow, Ranking, RankingRow

CLOSED = utcnow() - timedelta(days=1)


@pytest.fixture
def contest(tree, db):
    bank = create_bank(None, tree.so, code="DVC-S", name="Ngân hàng")
    contest = create_contest(None, tree.so, bank, code="DVCS", name="Tìm hiểu DVC", school_year=2026,
                             levels=("THPT",))
    db.session.commit()
    return contest


def closed_round(contest, number=1, prizes=None, passing_score=0.0):
    return add_round(None, contest, name=f"Tuần {number}", opens_at=CLOSED - timedelta(days=7), closes_at=CLOSED,
                     question_count=10, prizes=prizes or {}, passing_score=passing_score)


def take_part(round_, school_class, results_, prefix="Học Sinh"):
    """Students of the class with one finished attempt each, written straight to the
    tables (and their participation counted): (score, prediction, duration seconds,
    minutes after the opening) per student."""
    students = []
    for number in range(len(results_)):
        student = Student(school_id=school_class.school_id, class_id=school_class.id,
                          code=f"{prefix[:2].upper()}{round_.id}-{school_class.id}-{number:04d}")
        student.set_name(f"{prefix} {number:04d}")
        students.append(student)
    db.session.add_all(students)
    db.session.flush()
    db.session.execute(insert(Attempt), [dict(
        round_id=round_.id, student_id=s.id, school_id=s.school_id, number=1, started_at=round_.opens_at,
        submitted_at=round_.opens_at + timedelta(minutes=minute), finished_by="student", score=score,
        max_score=10.0, prediction=prediction, duration_seconds=duration, answered_count=10)
        for s, (score, prediction, duration, minute) in zip(students, results_)])
    participation.recount([s.id for s in students], round_.contest_id)
    return students


def spread(count):
    """Distinct results, all above zero: one full mark, then lower scores and later submits."""
    return [(10.0 - 9.0 * i / count, 1, 300 + i, i) for i in range(count)]


def stored_rows(round_=None, contest=None):
    condition = Ranking.round_id == round_.id if round_ is not None else (
        (Ranking.contest_id == contest.id) & Ranking.round_id.is_(None))
    return db.session.execute(select(RankingRow).join(Ranking, Ranking.id == RankingRow.ranking_id)
                              .where(condition).order_by(RankingRow.position)).scalars().all()


# Stored as the live ranking ranks -------------------------------------------------------

def test_the_stored_rows_are_the_live_ranking_with_its_ties_and_shared_prizes(contest, tree, make_class, db):
    round_ = closed_round(contest, prizes={"nhat": 1, "nhi": 1, "ba": 2})
    # Two pairs equal on every key (score, prediction, duration, submit time) share rank and prize.
    take_part(round_, make_class(tree.school_a, "10A1"), [
        (9.0, 0, 300, 5), (9.0, 0, 300, 5), (8.0, 0, 300, 6), (7.0, 2, 200, 1), (7.0, 2, 200, 1), (0.0, 0, 100, 1)])
    live = round_ranking(round_)
    prizes = award_prizes(live, round_.prizes, round_.passing_score)
    publish_results(None, round_, utcnow())
    db.session.commit()

    rows = stored_rows(round_)
    assert [(r.position, r.rank, r.student_id, r.school_id, r.score, r.max_score, r.prediction_error,
             r.duration_seconds, r.submitted_at, r.prize_label) for r in rows] == [
        (i, r.rank, r.student_id, r.school_id, r.score, r.max_score, r.prediction_error, r.duration_seconds,
         r.submitted_at, prizes.get(r.student_id)) for i, r in enumerate(live, start=1)]
    assert [r.rank for r in rows] == [1, 1, 3, 4, 4, 6]
    # no Giải Nhì (the first place is shared); two Giải Ba reach rank 4, which two share
    assert [r.prize_label for r in rows] == ["Giải Nhất", "Giải Nhất", "Giải Ba", "Giải Ba", "Giải Ba", None]
    header = db.session.execute(select(Ranking).where(Ranking.round_id == round_.id)).scalar_one()
    assert (header.participants, header.full_marks, header.winners) == (6, 0, 5)


def test_a_contest_stores_its_overall_and_collective_rankings_as_computed(contest, tree, make_class, db):
    contest.prizes = {"nhat": 1, "kk": 2}
    contest.collective_prizes = {"schools": {"nhat": 1}, "units": {"nhat": 1}}
    first, second = closed_round(contest, 1), closed_round(contest, 2)
    class_a, class_b = make_class(tree.school_a, "10A1", year=2026), make_class(tree.school_b, "11A1", year=2026)
    take_part(first, class_a, [(8.0, 1, 300, 1), (6.0, 1, 300, 2)], "Lớp A")
    take_part(first, class_b, [(9.0, 1, 300, 1)], "Lớp B")
    db.session.flush()
    live, (schools, units, collective) = contest_ranking(contest), collective_ranking(contest)
    prizes = award_prizes(live, contest.prizes)
    publish_contest_results(None, contest, utcnow())
    db.session.commit()

    assert [(r.rank, r.student_id, r.score, r.prize_label) for r in stored_rows(contest=contest)] == [
        (r.rank, r.student_id, r.score, prizes.get(r.student_id)) for r in live]
    stored_schools, stored_units = results.collective_results(contest)
    assert [(r.rank, r.unit_id, r.name, r.enrolled, r.participants, r.prize_label) for r in stored_schools] == [
        (r.rank, r.unit_id, r.name, r.enrolled, r.participants, collective.get(r.unit_id)) for r in schools]
    assert [(r.rank, r.unit_id, r.prize_label) for r in stored_units] == [
        (r.rank, r.unit_id, collective.get(r.unit_id)) for r in units]
    assert any(r.prize_label for r in stored_schools) and any(r.prize_label for r in stored_units)


def test_publishing_again_replaces_the_stored_rows_in_one_go(contest, tree, make_class, db):
    round_ = closed_round(contest, prizes={"nhat": 1})
    school_class = make_class(tree.school_a, "10A1")
    first = take_part(round_, school_class, spread(5))
    publish_results(None, round_, utcnow())
    db.session.commit()
    header_id = db.session.execute(select(Ranking.id).where(Ranking.round_id == round_.id)).scalar_one()

    # A correction: the last student's attempt was marked wrongly, and two more attempts are counted.
    db.session.execute(update(Attempt).where(Attempt.student_id == first[-1].id).values(score=10.0, prediction=2))
    take_part(round_, school_class, [(3.0, 1, 300, 50), (2.0, 1, 300, 51)], "Bổ Sung")
    publish_results(None, round_, utcnow())
    db.session.commit()

    rows = stored_rows(round_)
    assert len(rows) == 7 and [r.position for r in rows] == list(range(1, 8))
    assert rows[0].student_id == first[-1].id and rows[0].prize_label == "Giải Nhất"
    assert sum(1 for r in rows if r.prize_label) == 1
    assert db.session.execute(select(func.count()).select_from(RankingRow)).scalar() == 7  # nothing left over
    header = db.session.execute(select(Ranking).where(Ranking.round_id == round_.id)).scalar_one()
    assert (header.id, header.participants, header.full_marks) == (header_id, 7, 2)


def test_a_refused_publication_leaves_the_stored_ranking_as_it_was(contest, tree, make_class, db):
    round_ = closed_round(contest, prizes={"nhat": 1})
    take_part(round_, make_class(tree.school_a, "10A1"), spread(3))
    publish_results(None, round_, utcnow())
    db.session.commit()
    before = [(r.student_id, r.rank) for r in stored_rows(round_)]
    round_.closes_at = utcnow() + timedelta(days=1)  # reopened: publishing is refused
    with pytest.raises(Exception):
        publish_results(None, round_, utcnow())
    db.session.rollback()
    assert [(r.student_id, r.rank) for r in stored_rows(round_)] == before


# Pages: a constant number of statements -----------------------------------------------

PRIZES_FOR_PAGES = {"nhat": 1, "nhi": 2, "ba": 3, "kk": 244}  # 250 winners out of 300: five pages


@pytest.fixture
def published_of_size(contest, tree, make_class, make_user, db):
    """`make(n)`: a published round of n participants in two schools, every one of them
    scoring, up to 250 winning a prize; its contest published too."""
    def make(count):
        round_ = closed_round(contest, number=count, prizes=PRIZES_FOR_PAGES)
        half = count // 2
        take_part(round_, make_class(tree.school_a, f"10A{count}", year=2026), spread(count)[:half], "Trường A")
        take_part(round_, make_class(tree.school_b, f"11A{count}", year=2026), spread(count)[half:], "Trường B")
        publish_results(None, round_, utcnow())
        db.session.commit()
        return round_
    return make


def _get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_public_page_costs_the_same_statements_at_30_and_at_300_participants(
        client, published_of_size, count_statements):
    small, large = published_of_size(30), published_of_size(300)
    counts = {}
    for label, url in (("30, page 1", f"/ket-qua/{small.id}"), ("300, page 1", f"/ket-qua/{large.id}"),
                       ("300, page 3", f"/ket-qua/{large.id}?page=3")):
        cache.clear()  # the publication time too
        with count_statements() as made:
            html = _get(client, url)
        with count_statements() as cached:
            assert _get(client, url) == html
        counts[label] = (len(made), len(cached))
    assert counts["30, page 1"] == counts["300, page 1"] == counts["300, page 3"], counts
    # made: the publication time, the round, the ranking, a page of winners, their names, the
    # notes of corrections (app.corrections); cached: nothing
    assert counts["30, page 1"] == (6, 0), counts


def test_the_public_pages_list_the_winners_a_page_at_a_time(client, published_of_size):
    round_ = published_of_size(300)
    first = _get(client, f"/ket-qua/{round_.id}")
    assert "Trang 1/5 · 250 học sinh đạt giải" in first and f"/ket-qua/{round_.id}?page=2" in first
    assert first.count("Giải Khuyến khích") == 50 - 6 and "Giải Nhất" in first
    third = _get(client, f"/ket-qua/{round_.id}?page=3")
    assert "Trang 3/5" in third and third.count("Giải Khuyến khích") == 50
    names_first, names_third = set(re.findall(r"Trường [AB] \d{4}", first)), set(re.findall(r"Trường [AB] \d{4}", third))
    assert len(names_first) == len(names_third) == 50 and not names_first & names_third
    _get(client, f"/ket-qua/{round_.id}?page=6", status=404)  # past the last page: nothing to cache
    assert "Trang 5/5" in _get(client, f"/ket-qua/{round_.id}?page=5")


def test_staff_and_student_pages_cost_the_same_statements_at_30_and_at_300_participants(
        client, login, make_user, tree, published_of_size, count_statements, db):
    from app.accounts.services import ensure_student_accounts, set_password
    small, large = published_of_size(30), published_of_size(300)
    department, school_admin = make_user("department", tree.so), make_user("school_admin", tree.school_a)
    pupils = {}
    for round_ in (small, large):  # the last student of each ranking, in school B
        student = db.session.get(Student, stored_rows(round_)[-1].student_id)
        ensure_student_accounts(None, [student], tree.school_b)
        set_password(student.user, "Matkhau@123")
        student.user.must_change_password = False
        pupils[round_.id] = student.user
    db.session.commit()

    def count(user, url):
        login(user)
        with count_statements() as made:
            _get(client, url)
        return len(made)

    for user in (department, school_admin):
        public = {(round_.id, page): count(user, f"/ket-qua/{round_.id}?page={page}")
                  for round_, page in ((small, 1), (large, 1), (large, 3))}
        assert len(set(public.values())) == 1, (user.role, public)
        ranking = {(round_.id, page): count(user, f"/rounds/{round_.id}/ranking?page={page}")
                   for round_, page in ((small, 1), (large, 1), (large, 3))}
        assert len(set(ranking.values())) == 1, (user.role, ranking)
    own = {round_.id: count(pupils[round_.id], f"/ket-qua/{round_.id}") for round_ in (small, large)}
    assert len(set(own.values())) == 1, own
    login(pupils[large.id])
    assert "Hạng <b>300</b>/300" in _get(client, f"/ket-qua/{large.id}")


def test_staff_page_the_winners_and_their_ranking_each_with_its_own_pager(
        client, login, make_user, tree, published_of_size):
    round_ = published_of_size(300)
    login(make_user("department", tree.so))
    html = _get(client, f"/ket-qua/{round_.id}?page=2&giai=3")
    assert "Trang 3/5 · 250 học sinh đạt giải" in html and "Trang 2/6 · 300 dòng" in html
    assert f"/ket-qua/{round_.id}?page=2&amp;giai=4" in html  # the winners' next page keeps the ranking's
    assert f"/ket-qua/{round_.id}?giai=3&amp;page=3" in html  # and the other way round
    _get(client, f"/ket-qua/{round_.id}?giai=6", status=404)


def test_staff_see_the_stored_ranking_of_their_part_of_the_tree_with_ranks_among_all(
        client, login, make_user, tree, published_of_size, db):
    round_ = published_of_size(120)
    login(make_user("school_admin", tree.school_b))
    html = _get(client, f"/ket-qua/{round_.id}")
    assert "60 học sinh trong phạm vi của thầy cô; hạng tính trên tất cả 120 học sinh" in html
    own_rows = html.split("Bảng xếp hạng học sinh của đơn vị")[1]
    assert "Trường B 0000" in own_rows and "Trường A" not in own_rows
    second = _get(client, f"/rounds/{round_.id}/ranking?page=2")
    ranks = [int(rank) for rank in re.findall(r'<td class="num">(\d+)</td>', second)]
    assert ranks == list(range(111, 121)) and "Trường A" not in second.split("<tbody>")[1]
    login(make_user("department", tree.so))
    assert "Trang 1/3 · 120 dòng" in _get(client, f"/rounds/{round_.id}/ranking")


# The cache and corrections ------------------------------------------------------------

def test_a_correction_republished_replaces_the_cached_public_page(client, login, make_user, tree, contest,
                                                                  make_class, db):
    round_ = closed_round(contest, prizes={"nhat": 1})
    first, second = take_part(round_, make_class(tree.school_a, "10A1"), [(9.0, 1, 300, 1), (8.0, 1, 300, 2)],
                              "Thí Sinh")
    publish_results(None, round_, utcnow())
    db.session.commit()
    url = f"/ket-qua/{round_.id}"
    before = _get(client, url)
    assert "Thí Sinh 0000" in before and "Thí Sinh 0001" not in before

    # The second student's paper was marked wrongly: the attempt is corrected, nothing is shown until published.
    db.session.execute(update(Attempt).where(Attempt.student_id == second.id).values(score=10.0))
    db.session.commit()
    assert _get(client, url) == before
    old_key = results.page_key("round", round_.id, round_.results_published_at, 1)
    assert cache.get(old_key) == before

    login(make_user("department", tree.so))
    assert client.post(f"/rounds/{round_.id}/publish").status_code == 302
    client.post("/logout")
    assert cache.get(old_key) is None  # deleted once the publication was committed
    after = _get(client, url)
    assert "Thí Sinh 0001" in after and "Thí Sinh 0000" not in after


def test_another_worker_shows_a_new_publication_once_its_copy_of_the_publication_time_expires(
        client, tree, contest, make_class, db, monkeypatch):
    """Without Redis each gunicorn worker caches in its own memory, where the publishing
    worker's deletes cannot reach: the publication time it keeps a few seconds
    (RESULTS_VERSION_SECONDS) names its pages, so the new results come when that expires."""
    round_ = closed_round(contest, prizes={"nhat": 1})
    first, second = take_part(round_, make_class(tree.school_a, "10A1"), [(9.0, 1, 300, 1), (8.0, 1, 300, 2)],
                              "Thí Sinh")
    publish_results(None, round_, utcnow())
    db.session.commit()
    before = _get(client, f"/ket-qua/{round_.id}")
    monkeypatch.setattr(cache, "delete_many", lambda *keys: None)  # this process plays "another worker"
    db.session.execute(update(Attempt).where(Attempt.student_id == second.id).values(score=10.0))
    publish_results(None, round_, utcnow())
    db.session.commit()
    assert _get(client, f"/ket-qua/{round_.id}") == before
    cache.delete(f"results:round:{round_.id}:published")  # its few seconds are over
    after = _get(client, f"/ket-qua/{round_.id}")
    assert after != before and "Thí Sinh 0001" in after and "Thí Sinh 0000" not in after


def test_a_cached_copy_keeps_the_headers_of_a_public_page_and_logged_in_viewers_never_get_one(
        client, login, make_user, tree, published_of_size):
    round_ = published_of_size(30)
    for _ in range(2):
        response = client.get(f"/ket-qua/{round_.id}")
        assert response.headers["X-Robots-Tag"] == "noindex" and "no-store" not in response.headers.get(
            "Cache-Control", "")
    login(make_user("department", tree.so))
    response = client.get(f"/ket-qua/{round_.id}")
    assert "Bảng xếp hạng học sinh của đơn vị" in response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"] and response.headers["X-Robots-Tag"] == "noindex"


def test_the_public_contest_page_reads_the_stored_overall_and_collective_results(
        client, contest, tree, make_class, db, count_statements):
    contest.prizes = {"nhat": 1}
    contest.collective_prizes = {"schools": {"nhat": 1}}
    round_ = closed_round(contest)
    take_part(round_, make_class(tree.school_a, "10A1", year=2026), [(9.0, 1, 300, 1), (5.0, 1, 300, 2)], "Cá Nhân")
    publish_contest_results(None, contest, utcnow())
    db.session.commit()
    db.session.execute(update(Attempt).values(score=1.0))  # after publication: the page does not move
    with count_statements() as made:
        html = _get(client, f"/ket-qua/cuoc-thi/{contest.id}")
    assert "Cá Nhân 0000" in html and "Cá Nhân 0001" not in html and "Trường THPT A" in html
    assert not any("attempt" in statement for statement in made)  # nothing ranked on the visit
    assert "Cụm A" in html  # the collective rows: school A and its cluster (the others enrol nobody)
    assert db.session.execute(select(func.count()).select_from(CollectiveRow)).scalar() == 2


def test_the_cache_is_redis_when_redis_url_is_set(monkeypatch):
    from app.config import load_config
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert load_config()["CACHE_TYPE"] == "SimpleCache"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    config = load_config()
    assert (config["CACHE_TYPE"], config["CACHE_REDIS_URL"]) == ("RedisCache", "redis://127.0.0.1:6379/3")
