"""The start queue of deadline day: starts beyond START_RATE wait on a page with their
place, in the order they came, keyed by student and round (never by address); a reload
keeps the place, a student never holds two, an admitted place not used expires, and the
attempt's clock starts when it is started, never while its student waits. The clock is
the tests' own (every function takes `now`); with REDIS_URL the queue lives in Redis."""
import re
from datetime import timedelta

import pytest

from app.accounts.services import ensure_student_accounts, set_password
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.quiz.attempts import queue
from app.quiz.attempts import services as quiz
from app.quiz.attempts import views
from app.quiz.models import Attempt

T0 = utcnow().replace(microsecond=0)


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def positions(round_id, students, now):
    return [queue.peek_place(round_id, s, now) for s in students]


# The queue itself ---------------------------------------------------------------------

def test_without_a_rate_there_is_no_queue(app, db):
    assert app.config["START_RATE"] == 0
    assert queue.take_place(1, 1, T0) is None and queue.peek_place(1, 1, T0) is None


def test_places_are_admitted_in_the_order_taken_at_the_rate(start_queue):
    # given 2 starts a second with a one-second burst
    start_queue(rate=2, burst=1, keep=60)
    # when six students of a round ask at the same instant
    places = [queue.take_place(7, student, at(0)) for student in range(1, 7)]
    # then a second's worth goes in at once, and the others wait in order of arrival
    assert [(p.admitted, p.position) for p in places] == [
        (True, 0), (True, 0), (False, 1), (False, 2), (False, 3), (False, 4)]
    assert [p.wait_seconds for p in places[2:]] == pytest.approx([0.0, 0.5, 1.0, 1.5], abs=0.01)
    assert all(p.new for p in places)
    # and the places move up one every half second
    assert [(p.admitted, p.position) for p in positions(7, [3, 4, 5, 6], at(0.25))] == [
        (True, 0), (False, 1), (False, 2), (False, 3)]
    assert [(p.admitted, p.position) for p in positions(7, [4, 5, 6], at(1.0))] == [
        (True, 0), (False, 1), (False, 2)]
    assert [p.admitted for p in positions(7, [5, 6], at(2.0))] == [True, True]


def test_a_student_keeps_one_place_however_often_they_ask(start_queue):
    start_queue(rate=2, burst=1, keep=60)
    for student in (1, 2, 3):
        queue.take_place(7, student, at(0))
    # student 3 waits first in line; asking again, or polling, keeps that place
    again = queue.take_place(7, 3, at(0))
    assert (again.position, again.new) == (1, False)
    assert queue.peek_place(7, 3, at(0)).position == 1
    # so the next student is behind them, not behind a second place of theirs
    assert queue.take_place(7, 4, at(0)).position == 2
    # a place is per round: the same student in another round is another queue entry
    assert queue.take_place(8, 3, at(0)).new


def test_an_admitted_place_not_used_expires_and_the_next_start_queues_again(start_queue):
    start_queue(rate=1, burst=1, keep=10)
    queue.take_place(7, 1, at(0))  # admitted at once, not stored
    waiting = queue.take_place(7, 2, at(0))
    assert (waiting.admitted, waiting.position) == (False, 1)
    # admitted once its slot (1 s) is less than the burst (1 s) ahead, kept ten seconds
    assert queue.peek_place(7, 2, at(0.001)).admitted
    assert queue.peek_place(7, 2, at(9.9)).admitted
    # not used: gone, and a start then takes a new place behind those who came meanwhile
    assert queue.peek_place(7, 2, at(10.1)) is None
    for student in (3, 4, 5):
        queue.take_place(7, student, at(11.5))
    back = queue.take_place(7, 2, at(11.5))
    assert back.new and back.position == 3


def test_using_a_place_gives_it_up(start_queue):
    start_queue(rate=1, burst=1, keep=60)
    queue.take_place(7, 1, at(0))
    place = queue.take_place(7, 2, at(0))
    queue.use_place(7, 2, queue.peek_place(7, 2, at(2)))
    assert queue.peek_place(7, 2, at(2)) is None
    assert place.kept


# Through the services: the clock starts at the start ----------------------------------

def test_the_deadline_counts_from_the_start_after_waiting_never_from_the_wait(start_queue, setup, db):
    round_, mine, other = setup  # a 20-minute round
    start_queue(rate=1, burst=1, keep=60)
    # given another student who took the only slot of the second
    assert quiz.admit_start(other, round_, at(0)) is None
    # when this student asks at the same time, they wait
    place = quiz.admit_start(mine, round_, at(0))
    assert (place.admitted, place.position) == (False, 1)
    assert db.session.query(Attempt).filter_by(student_id=mine.id).count() == 0
    # and when they are admitted 30 s later and start, the 20 minutes count from then
    assert quiz.admit_start(mine, round_, at(30)) is None
    attempt = quiz.start_attempt(mine, round_, at(31))
    assert attempt.started_at == at(31) and attempt.deadline_at == at(31) + timedelta(minutes=20)
    # resuming the attempt never queues
    assert quiz.admit_start(mine, round_, at(32)) is None


def test_a_refused_start_takes_no_place(start_queue, setup, db):
    round_, mine, _ = setup
    start_queue(rate=1, burst=1, keep=60)
    round_.opens_at = at(3600)
    round_.closes_at = at(7200)
    with pytest.raises(DomainError, match="chưa mở"):
        quiz.admit_start(mine, round_, at(0))
    assert queue.peek_place(round_.id, mine.id, at(0)) is None


# Through the web -------------------------------------------------------------------------

@pytest.fixture
def crowd(setup, make_student, make_class, tree, db, TEST_PASSWORD):
    """Four more students of Trường THPT A (one class), with accounts."""
    round_, mine, other = setup
    school_class = make_class(tree.school_a, "10A2")
    students = [make_student(school_class, f"Học sinh {i}") for i in range(4)]
    ensure_student_accounts(None, students, tree.school_a)
    for student in students:
        set_password(student.user, TEST_PASSWORD)
        student.user.must_change_password = False
    db.session.commit()
    return round_, [mine] + students


@pytest.fixture
def clock(monkeypatch):
    """The views' clock, moved by the test."""
    now = {"t": T0}
    monkeypatch.setattr(views, "utcnow", lambda: now["t"])

    def move(seconds):
        now["t"] = at(seconds)
    return move


def log_in_as(app, student, TEST_PASSWORD, address="203.113.1.10"):
    """A client of its own (cookie jar) behind the school's one NAT address."""
    client = app.test_client()
    reply = client.post("/login", data={"username": student.user.username, "password": TEST_PASSWORD},
                        environ_base={"REMOTE_ADDR": address})
    assert reply.status_code == 302
    return client


def press_start(client, round_, address="203.113.1.10"):
    return client.post(f"/rounds/{round_.id}/start", environ_base={"REMOTE_ADDR": address})


def poll(client, round_):
    return client.get(f"/rounds/{round_.id}/cho", headers={"Accept": "application/json"},
                      environ_base={"REMOTE_ADDR": "203.113.1.10"}).get_json()


def test_students_behind_one_address_each_get_their_own_place(app, crowd, start_queue, clock, TEST_PASSWORD):
    round_, students = crowd
    start_queue(rate=1, burst=1, keep=60)
    clients = [log_in_as(app, s, TEST_PASSWORD) for s in students]
    # when five students of one school (one NAT address) press start at once
    replies = [press_start(c, round_) for c in clients]
    # then the first goes in, and each of the others has a place of their own, in order
    assert "/attempts/" in replies[0].headers["Location"]
    assert all(r.headers["Location"].endswith(f"/rounds/{round_.id}/cho") for r in replies[1:])
    assert [poll(c, round_)["position"] for c in clients[1:]] == [1, 2, 3, 4]
    page = clients[2].get(f"/rounds/{round_.id}/cho").get_data(as_text=True)
    assert re.search(r'Em đang ở vị trí <b id="position">2</b>', page)


def test_a_reload_or_a_second_device_keeps_the_place(app, crowd, start_queue, clock, TEST_PASSWORD):
    round_, students = crowd
    start_queue(rate=1, burst=1, keep=60)
    first, second, third = (log_in_as(app, s, TEST_PASSWORD) for s in students[:3])
    press_start(first, round_)
    press_start(second, round_)
    assert poll(second, round_)["position"] == 1
    # the same student reloads the waiting page, presses start again, and logs in on a second phone
    assert second.get(f"/rounds/{round_.id}/cho").status_code == 200
    assert press_start(second, round_).headers["Location"].endswith("/cho")
    phone = log_in_as(app, students[1], TEST_PASSWORD)
    assert press_start(phone, round_).headers["Location"].endswith("/cho")
    assert poll(phone, round_)["position"] == 1 == poll(second, round_)["position"]
    # and the next student is second in line: one student, one place
    press_start(third, round_)
    assert poll(third, round_)["position"] == 2


def test_the_waiting_page_starts_the_attempt_when_admitted_and_the_clock_starts_then(
        app, crowd, start_queue, clock, db, TEST_PASSWORD):
    round_, students = crowd
    start_queue(rate=1, burst=1, keep=60)
    first, second = (log_in_as(app, s, TEST_PASSWORD) for s in students[:2])
    press_start(first, round_)
    press_start(second, round_)
    assert poll(second, round_) == {"gone": False, "admitted": False, "position": 1, "wait_seconds": 1,
                                    "poll_seconds": 1.0}
    # pressing start before the turn only shows the place again
    assert press_start(second, round_).headers["Location"].endswith("/cho")
    # the turn comes 40 s later (the student was away): admitted, the page posts start
    clock(40)
    assert poll(second, round_)["admitted"] is True
    reply = press_start(second, round_)
    attempt_id = int(reply.headers["Location"].rsplit("/", 1)[1])
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.started_at == at(40) and attempt.deadline_at == at(40) + timedelta(minutes=20)
    # the place is used up; the waiting page now leads to the attempt
    assert poll(second, round_) == {"gone": True, "admitted": False, "next": f"/attempts/{attempt_id}"}
    assert second.get(f"/rounds/{round_.id}/cho").headers["Location"].endswith(f"/attempts/{attempt_id}")


def test_an_admitted_place_not_used_expires(app, crowd, start_queue, clock, TEST_PASSWORD):
    round_, students = crowd
    start_queue(rate=1, burst=0.5, keep=30)
    first, second, third = (log_in_as(app, s, TEST_PASSWORD) for s in students[:3])
    press_start(first, round_)
    press_start(second, round_)
    assert poll(second, round_)["position"] == 1
    clock(40)  # admitted at 0.5 s, kept 30 s: gone at 40 s
    assert poll(second, round_)["gone"] is True
    press_start(third, round_)  # came meanwhile: admitted at once (the queue was idle)
    clock(40.1)
    press_start(first, round_)  # resumes: no place taken
    assert press_start(second, round_).headers["Location"].endswith("/cho")
    assert poll(second, round_)["position"] == 1


def test_staff_opening_a_waiting_page_see_the_contest(app, setup, client, login, make_user, tree):
    round_, _, _ = setup
    login(make_user("school_admin", tree.school_a))
    reply = client.get(f"/rounds/{round_.id}/cho")
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/contests/{round_.contest_id}")


@pytest.mark.redis
def test_the_redis_queue_answers_as_the_process_s_own(redis_test_url):
    # given the two backends with the same settings, and one random day of starts, polls and uses
    import random
    import uuid
    settings = queue.Settings(interval=250_000, window=1_000_000, keep=5_000_000)
    memory = queue.MemoryBackend()
    shared = queue.RedisBackend(redis_test_url, f"test-startq-{uuid.uuid4().hex[:8]}:")
    rng = random.Random(1588)
    now = queue.micros(T0)
    try:
        for _ in range(400):
            now += rng.choice([0, 0, 1_000, 50_000, 300_000, 2_000_000])
            key = f"7:{rng.randrange(30)}"
            action = rng.choice(["take", "take", "take", "peek", "drop"])
            if action == "take":
                assert shared.take(key, now, settings) == memory.take(key, now, settings), (key, now)
            elif action == "peek":
                assert shared.peek(key, now, settings) == memory.peek(key, now, settings), (key, now)
            else:
                shared.drop(key)
                memory.drop(key)
    finally:
        shared.clear()
