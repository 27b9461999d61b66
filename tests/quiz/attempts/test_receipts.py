"""Emergency receipts: every stored answer is acknowledged with the server's signature
(X-Answer-Ack), the page keeps the latest of each question, and when the submit never
arrived a teacher who may see the student uploads them. The server finishes the attempt
with those answers only if every signature verifies, the answers match the signed
digests and the signed times fall inside the attempt; an altered answer, an altered
time, a receipt of another attempt, or acknowledgements replayed on another attempt are
refused with the reason."""
import io
import json
from datetime import timedelta

import pytest

from app.core.audit import AuditLog
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.org.services import set_class_teachers
from app.quiz.attempts import acks, receipts
from app.quiz.attempts import services as quiz
from app.quiz.models import Attempt, AttemptReceipt
from app.coverage.models import Participation


def answer(client, attempt_id, position, response, seq):
    """Save an answer as the page does; the acknowledgement as the page keeps it (an Item)."""
    reply = client.post(f"/attempts/{attempt_id}/answer", json={"position": position, "response": response,
                                                               "seq": seq})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    header = reply.headers.get("X-Answer-Ack")
    if header is None:
        return None
    time_ms, digest, signature = header.split(".")
    return acks.Item(position, seq, int(time_ms), digest, signature, response)


def predict(client, attempt_id, value, seq):
    reply = client.post(f"/attempts/{attempt_id}/prediction", json={"prediction": value, "seq": seq})
    assert reply.status_code == 200 and reply.get_json() == {"seq": seq}
    time_ms, digest, signature = reply.headers["X-Answer-Ack"].split(".")
    return acks.Item(acks.PREDICTION, seq, int(time_ms), digest, signature, value)


def replace(item, **changes):
    fields = dict(position=item.position, seq=item.seq, time_ms=item.time_ms, digest=item.digest,
                  signature=item.signature, raw=item.raw)
    fields.update(changes)
    return acks.Item(**fields)


@pytest.fixture
def taken(setup, client, login, start, right_choice, db):
    """The student of Trường THPT A answered the three questions (two right, one wrong),
    typed the prediction 7, and the submit never arrived: the attempt, the page's acks."""
    round_, mine, _ = setup
    login(mine.user)
    attempt_id = start(client, round_)
    items = []
    for position in (1, 2, 3):
        right = right_choice(db, attempt_id, position)
        choice = right if position < 3 else 1 - right
        items.append(answer(client, attempt_id, position, {"choices": [choice]}, position))
    items.append(predict(client, attempt_id, 7, 1))
    return db.session.get(Attempt, attempt_id), items


@pytest.fixture
def class_teacher(setup, make_user, tree, db):
    """The teacher of the student's class."""
    _, mine, _ = setup
    user = make_user("teacher", tree.school_a, username="gv.an")
    set_class_teachers(None, mine.school_class, [user])
    db.session.commit()
    return user


def upload(client, url, code=None, file=None, **fields):
    data = dict(fields)
    if file is not None:
        data["file"] = (io.BytesIO(file.encode("utf-8")), "bien-nhan.json")
    if code is not None:
        data["code"] = code
    return client.post(url, data=data, content_type="multipart/form-data", follow_redirects=True)


def receipt_file(attempt, items):
    """The file the page downloads: the code, and the same answers spelled out for people."""
    return json.dumps({"ma_bien_nhan": acks.encode(attempt.id, items), "bai_thi": attempt.id,
                       "cau_tra_loi": [{"cau": i.position, "tra_loi": i.raw} for i in items]})


# Acknowledgements --------------------------------------------------------------------

def test_each_stored_answer_is_acknowledged_with_a_signature_over_what_was_stored(taken, client, right_choice, db):
    attempt, items = taken
    item = items[0]
    stored = attempt.questions[0].response
    assert item.digest == acks.digest(stored)
    assert item.signed_by_server(attempt.id)
    assert not item.signed_by_server(attempt.id + 1)
    # a retry of the same save (its reply was lost) is acknowledged again; an older one is not
    assert answer(client, attempt.id, 1, item.raw, item.seq).digest == item.digest
    assert answer(client, attempt.id, 1, {"choices": [1 - item.raw["choices"][0]]}, item.seq) is None


def test_a_receipt_reads_from_its_file_its_code_or_its_qr_link(taken):
    attempt, items = taken
    code = acks.encode(attempt.id, items)
    for text in (code, receipt_file(attempt, items), f"https://thi.example.vn/attempts/{attempt.id}/bien-nhan#{code}",
                 code[:40] + "\n" + code[40:]):
        receipt = acks.parse_receipt(text)
        assert receipt.attempt_id == attempt.id and receipt.items == tuple(items)
    for text in ("", "R2." + code[3:], code[:-3] + "!!!", '{"ma_bien_nhan": 3}', "{not json", code.replace(".", ":")):
        with pytest.raises(DomainError, match="không phải biên nhận"):
            acks.parse_receipt(text)


# Accepting ---------------------------------------------------------------------------

def test_a_teacher_uploads_the_receipt_and_the_attempt_is_finished_with_its_answers(
        taken, client, login, class_teacher, db):
    attempt, items = taken
    login(class_teacher)
    page = client.get(f"/attempts/{attempt.id}/bien-nhan")
    assert page.status_code == 200 and "Nhận biên nhận bài thi" in page.get_data(as_text=True)
    reply = upload(client, f"/attempts/{attempt.id}/bien-nhan", file=receipt_file(attempt, items))
    text = reply.get_data(as_text=True)
    assert "Đã nhận biên nhận" in text and "3 câu trả lời đã ký, điểm 2/3" in text
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    last = max(item.time for item in items)
    assert (attempt.finished_by, attempt.submitted_at, attempt.score, attempt.prediction) == ("teacher", last, 2.0, 7)
    assert [q.mark for q in attempt.questions] == [1.0, 1.0, 0.0]
    assert attempt.duration_seconds == int((last - attempt.started_at).total_seconds())
    record = db.session.query(AttemptReceipt).one()
    assert (record.answers, record.changed, record.previous_finish, record.after_publication) == (3, 0, None, False)
    assert record.uploaded_by_id == class_teacher.id
    audit = db.session.query(AuditLog).filter_by(action="attempt.receipt").one()
    assert audit.object_id == attempt.id and "biên nhận 3 câu" in audit.summary
    assert db.session.query(Participation).filter_by(student_id=attempt.student_id).one().attempts == 1
    # the round's receipt page lists it; a second upload is refused
    assert "Biên nhận đã nhận" in client.get(f"/rounds/{attempt.round_id}/bien-nhan").get_data(as_text=True)
    again = upload(client, f"/attempts/{attempt.id}/bien-nhan", file=receipt_file(attempt, items))
    assert "đã được nhận biên nhận lúc" in again.get_data(as_text=True)


def test_an_attempt_the_clock_finished_is_finished_again_from_the_receipt(taken, db, class_teacher):
    attempt, items = taken
    quiz.close_expired_attempts(attempt.deadline_at + timedelta(seconds=1))
    db.session.refresh(attempt)
    assert (attempt.finished_by, attempt.prediction) == ("timeout", None)
    record = receipts.accept_receipt(class_teacher, attempt, acks.encode(attempt.id, items), utcnow())
    assert record.previous_finish == "timeout"
    assert (attempt.finished_by, attempt.submitted_at, attempt.prediction) == (
        "teacher", max(i.time for i in items), 7)
    assert db.session.query(Participation).filter_by(student_id=attempt.student_id).one().attempts == 1


def test_the_receipt_s_answers_replace_older_saved_ones_never_newer(taken, client, db, class_teacher, right_choice):
    attempt, items = taken
    # the server lost question 2's answer (a restore), and question 3 was changed later on another device
    item2 = attempt.questions[1]
    item2.response, item2.seq = None, 0
    newer = answer(client, attempt.id, 3, {"choices": [right_choice(db, attempt.id, 3)]}, 9)
    assert newer is not None
    db.session.commit()
    record = receipts.accept_receipt(class_teacher, attempt, acks.encode(attempt.id, items), utcnow())
    assert record.changed == 1
    db.session.commit()
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert [(q.response is not None, q.mark) for q in attempt.questions] == [(True, 1.0), (True, 1.0), (True, 1.0)]
    assert attempt.questions[2].seq == 9 and attempt.score == 3.0


@pytest.mark.parametrize("alter, reason", [
    ("answer", "Câu trả lời câu 3 trong biên nhận không khớp với điều máy chủ đã ký"),
    ("answer_and_digest", "Chữ ký của câu 3"),
    ("time", "Chữ ký của câu 3"),
    ("seq", "Chữ ký của câu 3"),
    ("prediction", "Dự đoán trong biên nhận không khớp"),
    ("signature", "Chữ ký của câu 3"),
])
def test_an_altered_receipt_is_refused_with_the_reason(taken, client, login, class_teacher, db, alter, reason):
    attempt, items = taken
    third, prediction = items[2], items[3]
    wrong = 1 - third.raw["choices"][0]
    altered = {
        "answer": replace(third, raw={"choices": [wrong]}),
        "answer_and_digest": replace(third, raw={"choices": [wrong]},
                                     digest=acks.digest(attempt.questions[2].version and
                                                        {"choices": [attempt.questions[2].option_order[wrong]]})),
        "time": replace(third, time_ms=third.time_ms - 60_000),
        "seq": replace(third, seq=third.seq + 5),
        "signature": replace(third, signature="A" * 22),
    }
    receipt_items = items[:2] + [altered.get(alter, third)] + [prediction]
    if alter == "prediction":
        receipt_items[3] = replace(prediction, raw=123)
    login(class_teacher)
    reply = upload(client, f"/attempts/{attempt.id}/bien-nhan", code=acks.encode(attempt.id, receipt_items))
    assert reason in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).submitted_at is None
    assert db.session.query(AttemptReceipt).count() == 0


def test_a_receipt_of_another_attempt_and_acks_replayed_on_another_attempt_are_refused(
        taken, setup, client, login, class_teacher, db, make_student, start, TEST_PASSWORD):
    from app.accounts.services import ensure_student_accounts, set_password
    attempt, items = taken
    round_, mine, _ = setup
    # given a classmate's attempt, open
    classmate = make_student(mine.school_class, "Lê Thị Cúc")
    ensure_student_accounts(None, [classmate], mine.school)
    set_password(classmate.user, TEST_PASSWORD)
    classmate.user.must_change_password = False
    login(classmate.user)
    other_id = start(client, round_)
    login(class_teacher)
    # the first student's receipt uploaded on the classmate's attempt: it names another attempt
    reply = upload(client, f"/attempts/{other_id}/bien-nhan", code=acks.encode(attempt.id, items))
    assert f"Biên nhận này là của bài thi số {attempt.id}, không phải bài thi số {other_id}" in reply.get_data(
        as_text=True)
    # the same acknowledgements relabelled for the classmate's attempt: the signatures name the first one
    reply = upload(client, f"/attempts/{other_id}/bien-nhan", code=acks.encode(other_id, items))
    assert "Chữ ký của câu 1 trong biên nhận không đúng" in reply.get_data(as_text=True)
    # on the round's page, the receipt goes to the attempt it names, of a student the teacher sees
    reply = upload(client, f"/rounds/{round_.id}/bien-nhan", code=acks.encode(other_id, items))
    assert "Chữ ký của câu 1" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attempt, other_id).submitted_at is None
    assert db.session.query(AttemptReceipt).count() == 0
    reply = upload(client, f"/rounds/{round_.id}/bien-nhan", code=acks.encode(attempt.id, items))
    assert "Đã nhận biên nhận" in reply.get_data(as_text=True)


def test_a_signed_time_outside_the_attempt_is_refused(taken, app, class_teacher):
    attempt, items = taken
    # (the server only signs inside the attempt: a signature made with the key at another time)
    late = attempt.deadline_at + timedelta(minutes=1)
    forged = acks.sign_ack(attempt.id, 1, attempt.questions[0].response, items[0].seq, late)
    item = replace(items[0], time_ms=forged["t"], signature=forged["m"])
    with pytest.raises(DomainError, match="nằm ngoài thời gian làm bài"):
        receipts.accept_receipt(class_teacher, attempt, acks.encode(attempt.id, [item] + items[1:]), utcnow())


def test_who_may_upload_and_when(taken, setup, client, login, make_user, tree, class_teacher, db):
    attempt, items = taken
    code = acks.encode(attempt.id, items)
    # another school's staff and the student do not reach the page
    login(make_user("school_admin", tree.school_b))
    assert client.get(f"/attempts/{attempt.id}/bien-nhan").status_code == 404
    assert upload(client, f"/rounds/{attempt.round_id}/bien-nhan", code=code).status_code == 200
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).submitted_at is None
    login(attempt.student.user)
    assert client.get(f"/attempts/{attempt.id}/bien-nhan").status_code == 404
    # results already published: a teacher cannot; the contest's manager only when they say they know
    attempt.round.results_published_at = utcnow()
    db.session.commit()
    login(class_teacher)
    reply = upload(client, f"/attempts/{attempt.id}/bien-nhan", code=code)
    assert "chỉ người quản lý cuộc thi" in reply.get_data(as_text=True)
    officer = make_user("department", tree.so)
    login(officer)
    reply = upload(client, f"/attempts/{attempt.id}/bien-nhan", code=code)
    assert "Nhận dù kết quả đã công bố" in reply.get_data(as_text=True)
    reply = upload(client, f"/attempts/{attempt.id}/bien-nhan", code=code, confirm_published="y")
    assert "cần công bố lại" in reply.get_data(as_text=True)
    assert db.session.query(AttemptReceipt).one().after_publication is True


def test_a_submit_that_arrived_needs_no_receipt(taken, client, class_teacher):
    attempt, items = taken
    reply = client.post(f"/attempts/{attempt.id}/submit", data={"prediction": "7", "confirmed": "1"},
                        headers={"Accept": "application/json"})
    assert reply.get_json() == {"next": f"/attempts/{attempt.id}/result", "submitted": True}
    with pytest.raises(DomainError, match="đã được học sinh nộp"):
        receipts.accept_receipt(class_teacher, attempt, acks.encode(attempt.id, items), utcnow())
