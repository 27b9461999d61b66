"""The province of the coverage tests (`province`, or `build_province` for a test that
adds to it), with its figures counted by hand (the browser test uses it too).

The province (2026-2027, contest for THCS and THPT, 2 questions, passing 50 %):
- Trường THPT A (Cụm A): 10A1 with 4 students: 100 %; 50 %; 0 % then 100 %; none.
  11A1 with 2 students: none. So 6 enrolled, 3 took part, 4 attempts, 3 passed,
  best scores 100, 50, 100: mean 83.3, median 100. Rate 50 %, THPT target 80 %: -30.
- Trường THPT B (Cụm B): 10B1 with 5 students: one at 100 %. Rate 20 %: -60.
- Trường THCS C (under the Sở): 9C1 with 3 students: 0 % and 50 %. Rate 66.7 %,
  2 attempts, 1 passed, mean 25, median 25; no THCS target.
Total: 14 enrolled, 6 participants, 7 attempts, 5 passed."""
from datetime import timedelta

import pytest

from app.core.timeutil import utcnow
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.banks.services import create_bank, import_questions

YEAR = 2026


def answer_round(student, round_, marks, when):
    attempt = quiz.start_attempt(student, round_, when)
    for item, right in zip(attempt.questions, marks):
        choice = next(i for i in item.option_order if (item.version.answers[i]["fraction"] > 0) == right)
        quiz.save_answer(attempt, item.position, {"choices": [choice]}, 1, when)
    quiz.submit_attempt(attempt, when + timedelta(minutes=1), prediction=0)
    return attempt


def build_province(tree, make_class, make_student, db):
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng")
    import_questions(None, bank, [
        new_question("multichoice", f"Câu {i}?", key=f"k{i}", topic="VNeID", level="all", difficulty="easy",
                     answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="Vì.", source="Nguồn")
        for i in range(4)])
    contest = create_contest(None, tree.so, bank, code="DVC", name="Tìm hiểu DVC", school_year=YEAR,
                             levels=("THCS", "THPT"))
    now = utcnow()
    round_ = add_round(None, contest, name="Tuần 1", opens_at=now - timedelta(days=30),
                       closes_at=now + timedelta(days=1), question_count=2, attempts_allowed=2, passing_score=50)
    classes = {name: make_class(school, name, year=YEAR) for school, name in (
        (tree.school_a, "10A1"), (tree.school_a, "11A1"), (tree.school_b, "10B1"), (tree.school_c, "9C1"))}
    people = {name: [make_student(c, f"Học sinh {name} {i}") for i in range(n)]
              for (name, c), n in zip(classes.items(), (4, 2, 5, 3))}
    early = now - timedelta(days=20)
    answer_round(people["10A1"][0], round_, (True, True), now)
    answer_round(people["10A1"][1], round_, (True, False), early)
    answer_round(people["10A1"][2], round_, (False, False), now)
    answer_round(people["10A1"][2], round_, (True, True), now)
    answer_round(people["10B1"][0], round_, (True, True), now)
    answer_round(people["9C1"][0], round_, (False, False), now)
    answer_round(people["9C1"][1], round_, (True, False), now)
    db.session.commit()
    return type("Province", (), dict(contest=contest, round=round_, classes=classes, people=people, early=early))


@pytest.fixture(name="YEAR")
def year():
    return YEAR


@pytest.fixture(name="answer_round")
def answer_round_fixture():
    return answer_round


@pytest.fixture(name="build_province")
def build_province_fixture():
    return build_province


@pytest.fixture
def province(tree, make_class, make_student, db):
    return build_province(tree, make_class, make_student, db)


@pytest.fixture
def fetch_report():
    """`fetch(client, url)`: the bytes of a coverage report. The XLSX with every student
    (`detail=1`) is made by a job: the GET page offers the button, its POST starts the job
    (run at once without Redis) and the job's page gives the file."""
    def fetch(client, url):
        if "detail=1" not in url:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response.data
        page = client.get(url)
        assert page.status_code == 200 and "Tạo tệp Excel" in page.get_data(as_text=True)
        started = client.post(url, data={})
        assert started.status_code == 302 and "/jobs/" in started.headers["Location"], started.status_code
        job_url = started.headers["Location"]
        state = client.get(job_url, headers={"Accept": "application/json"}).get_json()
        assert state["status"] == "done", state
        response = client.get(job_url.rstrip("/") + "/file")
        assert response.status_code == 200
        return response.data
    return fetch
