"""Accepting an emergency receipt (see acks.py for what it holds): a teacher who may see
the student uploads it, and the attempt is finished with the receipt's answers.

A receipt is taken whole or not at all. It is refused, with the reason, when it names
another attempt, when any signature does not verify (an altered answer, seq or time, or
acknowledgements of another attempt copied in: the attempt id is signed), when an
answer does not match its signed digest, when a signed time falls outside the attempt's
window (started_at..deadline), when it names a question the attempt does not have, or
when it holds no signed answer. It is refused too when the student's own submit did
arrive, when a receipt was already accepted for the attempt, and, once results are
published, unless the uploader says they know (and may change published results).

Accepted, it finishes the attempt as the student left it: each signed answer replaces
the saved one unless a newer save is stored (a higher seq: the student went on on
another device), the signed prediction is taken, the finish time is the latest signed
server time (never later than the student proved to be at work), `finished_by` is
"teacher", the marks are recomputed (with the corrections a submit applies) and so is
participation, and the audit log records it.
An attempt the clock had already finished (timeout) is finished again this way."""
from sqlalchemy import select, update

from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import format_datetime
from app.coverage import participation
from app.extensions import db
from app.quiz.attempts import acks, grading
from app.quiz.attempts.services import from_displayed, window_for
from app.quiz.models import Attempt, AttemptQuestion, AttemptReceipt
from app.quiz.qtypes import qtype_of


def results_published_at(attempt):
    """When the attempt's round, or its contest's overall results, were published (None: not yet)."""
    round_ = attempt.round
    return round_.results_published_at or round_.contest.results_published_at


def _label(position):
    return "dự đoán" if position == acks.PREDICTION else f"câu {position}"


def verify(attempt, receipt):
    """The receipt's items, every one checked against the attempt (see the module's
    docstring), each answer with its stored form: [(item, response)], the prediction's
    response being its number. DomainError with the first reason found otherwise."""
    if receipt.attempt_id != attempt.id:
        raise DomainError(f"Biên nhận này là của bài thi số {receipt.attempt_id}, không phải bài thi số "
                          f"{attempt.id} của {attempt.student.full_name}: không nhận.")
    if not receipt.items:
        raise DomainError("Biên nhận không có câu trả lời nào được máy chủ xác nhận: không có gì để nhận.")
    for item in receipt.items:
        if not item.signed_by_server(attempt.id):
            raise DomainError(f"Chữ ký của {_label(item.position)} trong biên nhận không đúng: biên nhận đã bị "
                              "sửa (câu trả lời, thứ tự lưu hay giờ ký) hoặc không do máy chủ cấp cho bài này. "
                              "Không nhận.")
    questions = {item.position: item for item in attempt.questions}
    seen, checked = set(), []
    for item in receipt.items:
        if item.position in seen:
            raise DomainError(f"Biên nhận có hai lần {_label(item.position)}: không nhận.")
        seen.add(item.position)
        if item.position == acks.PREDICTION:
            response = item.raw
            if not isinstance(response, int) or isinstance(response, bool) or response < 0:
                raise DomainError("Dự đoán trong biên nhận không hợp lệ: không nhận.")
        else:
            question = questions.get(item.position)
            if question is None:
                raise DomainError(f"Bài thi không có {_label(item.position)}: không nhận.")
            response = _stored_form(question, item.raw)
        if acks.digest(response) != item.digest:
            what = "Dự đoán" if item.position == acks.PREDICTION else f"Câu trả lời {_label(item.position)}"
            raise DomainError(f"{what} trong biên nhận không khớp với điều máy chủ đã ký: biên nhận đã bị sửa. "
                              "Không nhận.")
        checked.append((item, response))
    end = attempt.deadline_at or window_for(attempt.round, attempt.school_id).closes_at
    start = attempt.started_at.replace(microsecond=attempt.started_at.microsecond // 1000 * 1000)
    for item, _ in checked:
        if not start <= item.time <= end:
            raise DomainError(f"Giờ ký của {_label(item.position)} ({format_datetime(item.time)}) nằm ngoài thời "
                              f"gian làm bài ({format_datetime(attempt.started_at)} – {format_datetime(end)}): "
                              "không nhận.")
    return checked


def _stored_form(question, raw):
    """The response as the answer route stored it from what the page sent."""
    kind = qtype_of(question.version.qtype)
    try:
        return kind.clean(question.version, from_displayed(question.version.qtype, question.option_order, raw))
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - whatever a forged response makes a type's cleaning raise
        raise DomainError(f"Câu trả lời câu {question.position} trong biên nhận không đọc được: không nhận.") from None


def accept_receipt(actor, attempt, text, now, confirm_published=False, may_change_published=False):
    """Finish `attempt` from the receipt in `text` (see the module's docstring); the
    AttemptReceipt recorded. `confirm_published`: the uploader ticked that results are
    already published; `may_change_published`: they manage the contest."""
    receipt = acks.parse_receipt(text)
    if receipt.attempt_id != attempt.id:
        verify(attempt, receipt)  # says which attempt it names
    earlier = db.session.execute(select(AttemptReceipt).where(AttemptReceipt.attempt_id == attempt.id)).scalar()
    if earlier is not None:
        raise DomainError(f"Bài thi này đã được nhận biên nhận lúc {format_datetime(earlier.uploaded_at)}.")
    if attempt.submitted_at is not None and attempt.finished_by == "student":
        raise DomainError(f"Bài thi đã được học sinh nộp lúc {format_datetime(attempt.submitted_at)}: "
                          "không cần biên nhận.")
    published = results_published_at(attempt)
    if published is not None:
        if not may_change_published:
            raise DomainError(f"Kết quả đã công bố lúc {format_datetime(published)}: chỉ người quản lý cuộc thi "
                              "nhận được biên nhận của bài thi này.")
        if not confirm_published:
            raise DomainError(f"Kết quả đã công bố lúc {format_datetime(published)}. Nhận biên nhận sẽ đổi điểm "
                              "của bài này: đánh dấu “Nhận dù kết quả đã công bố” rồi gửi lại, sau đó công bố lại "
                              "kết quả để bảng xếp hạng tính bài này.")
    checked = verify(attempt, receipt)
    return _finish_from(actor, attempt, receipt, checked, now, published)


def _finish_from(actor, attempt, receipt, checked, now, published):
    previous = attempt.finished_by if attempt.submitted_at is not None else None
    finished_at = max(item.time for item, _ in checked)
    claim = update(Attempt).where(Attempt.id == attempt.id)
    if previous is None:
        claim = claim.where(Attempt.submitted_at.is_(None))
    else:
        claim = claim.where(Attempt.submitted_at == attempt.submitted_at, Attempt.finished_by == previous)
    if not db.session.execute(claim.values(submitted_at=finished_at, finished_by="teacher")
                              .execution_options(synchronize_session=False)).rowcount:
        raise DomainError("Bài thi vừa được nộp hoặc thay đổi: thầy cô tải lại trang rồi thử lại.")
    items = {item.position: item for item in db.session.execute(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
        .execution_options(populate_existing=True)).scalars()}
    prediction, changed, answers = None, 0, 0
    for item, response in checked:
        if item.position == acks.PREDICTION:
            prediction = response
            continue
        answers += 1
        row = items[item.position]
        if row.seq > item.seq:
            continue  # a newer save, from another device, stays
        if row.response != response:
            changed += 1
        row.response, row.seq, row.answered_at = response, item.seq, item.time
    rows = [items[position] for position in sorted(items)]
    for row in rows:
        row.mark = grading.mark(row.version, row.response)
    grading.adjust(attempt, rows)  # corrections made since the questions were drawn, as a submit does
    attempt.submitted_at, attempt.finished_by = finished_at, "teacher"  # as claimed above
    attempt.score = round(sum(row.mark for row in rows), 6)
    if prediction is not None:
        attempt.prediction = prediction if attempt.round.ask_prediction else None
    attempt.duration_seconds = max(0, int((finished_at - attempt.started_at).total_seconds()))
    attempt.answered_count = sum(1 for row in items.values() if row.response is not None)
    record = AttemptReceipt(attempt_id=attempt.id, uploaded_by_id=getattr(actor, "id", None), uploaded_at=now,
                            answers=answers, changed=changed, signed_until=finished_at, previous_finish=previous,
                            after_publication=published is not None, digest=receipt.sha256)
    db.session.add(record)
    db.session.flush()
    participation.recount([attempt.student_id], attempt.round.contest_id)
    round_ = attempt.round
    audit.record(actor, "attempt.receipt", "attempt", attempt.id, attempt.school_id,
                 f"{round_.contest.code} {round_.name}: {attempt.student.full_name}, biên nhận {answers} câu "
                 f"({changed} khác bài đã lưu), nộp lúc {format_datetime(finished_at)}"
                 + (f", trước đó {previous}" if previous else "")
                 + (", sau khi kết quả đã công bố" if published else ""))
    return record
