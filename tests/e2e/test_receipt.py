"""Deadline day in the browser: the network drops just as the student submits, the page
offers the emergency receipt (a file and a QR code of the teacher's link), the student
downloads it, and their teacher uploads it: the attempt is finished with the signed
answers. The page's QR encoder draws the same modules as segno. And a queued start waits
on its page and goes in by itself when admitted."""
import json
import random
import re
import string
from datetime import timedelta

import pytest
import segno
import segno.encoder
from playwright.sync_api import expect

from app.accounts.services import ensure_student_accounts, set_password
from app.org.services import set_class_teachers
from app.quiz.attempts import queue
from app.quiz.models import Attempt, AttemptQuestion, AttemptReceipt


def pick_right(page, db, position):
    db.session.rollback()
    item = db.session.query(AttemptQuestion).filter_by(position=position).one()
    right = next(shown for shown, i in enumerate(item.option_order) if item.version.answers[i]["fraction"] > 0)
    page.locator(f'#cau-{position} label.choice:has(input[value="{right}"])').click()


def kept(page):
    """What the attempt page keeps in localStorage."""
    return page.evaluate("() => JSON.parse(localStorage.getItem(Object.keys(localStorage)[0]))")


def test_the_network_drops_at_submit_and_the_teacher_uploads_the_receipt(
        page, browser, live_server, log_in, student, teacher, db, tmp_path, screenshot, assert_fits_phone,
        TEST_PASSWORD):
    set_class_teachers(None, student.school_class, [teacher])
    # the student answers the three questions and the prediction, each acknowledged by the server
    log_in(student.user.username)
    page.goto("/me")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    for position in (1, 2, 3):
        page.locator(f'.qmap button[data-go="{position}"]').click()
        pick_right(page, db, position)
        expect(page.locator("#net")).to_have_text("Đã lưu.")
    page.get_by_label("Câu hỏi dự đoán").fill("25")
    page.wait_for_function("() => Object.values(localStorage).some(v => (JSON.parse(v).acks || {})[0])")
    acks = kept(page)["acks"]
    assert sorted(acks) == ["0", "1", "2", "3"] and acks["0"]["r"] == 25
    # the Wi-Fi drops as "Nộp bài" is pressed: the receipt is offered instead of an error page
    page.context.set_offline(True)
    page.get_by_role("button", name="Nộp bài").click()
    receipt = page.locator("#receipt")
    expect(receipt).to_be_visible()
    expect(page.locator("#receipt-summary")).to_contain_text("3/3 câu trả lời máy chủ đã ký và dự đoán 25")
    expect(page.locator("#receipt-pending")).to_be_hidden()
    expect(page.locator("#receipt-qr svg")).to_have_count(1)
    assert_fits_phone(page)
    screenshot(page, "26-take-receipt-360")
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải biên nhận").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    db.session.rollback()
    attempt = db.session.query(Attempt).one()
    assert path.name == f"bien-nhan-bai-{attempt.id}.json"
    assert data["bai_thi"] == attempt.id and data["du_doan"] == 25 and len(data["cau_tra_loi"]) == 3
    assert attempt.submitted_at is None  # the submit never arrived
    # the QR code holds the teacher's link with the same code after '#'
    link = f"{live_server}/attempts/{attempt.id}/bien-nhan#{data['ma_bien_nhan']}"
    drawn = page.evaluate("""(link) => {
        const shown = document.querySelector('#receipt-qr svg path').getAttribute('d');
        return shown === QR.svg(link, {level: 'L'}).querySelector('path').getAttribute('d');
    }""", link)
    assert drawn
    page.context.set_offline(False)

    # the teacher scans it on a phone where they are logged in: the code is in the form
    staff = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = staff.new_page()
    phone.goto("/login")
    phone.get_by_label("Tên đăng nhập").fill(teacher.username)
    phone.get_by_label("Mật khẩu", exact=True).fill(TEST_PASSWORD)
    phone.get_by_role("button", name="Đăng nhập").click()
    phone.goto(link)
    expect(phone.get_by_label("Hoặc dán mã biên nhận")).to_have_value(data["ma_bien_nhan"])
    assert "#" not in phone.url  # the code leaves the address bar
    # and uploads the file the student brought
    phone.get_by_label("Hoặc dán mã biên nhận").fill("")
    phone.get_by_label("Tệp biên nhận").set_input_files(str(path))
    phone.get_by_role("button", name="Nhận biên nhận").click()
    expect(phone.locator(".flash-success")).to_contain_text("Đã nhận biên nhận")
    staff.close()
    db.session.rollback()
    attempt = db.session.query(Attempt).one()
    assert (attempt.finished_by, attempt.score, attempt.prediction) == ("teacher", 3.0, 25)
    assert db.session.query(AttemptReceipt).one().answers == 3


def test_something_that_is_no_receipt_is_refused_in_the_browser(page, log_in, student, teacher, db):
    from app.quiz.models import Round
    set_class_teachers(None, student.school_class, [teacher])
    round_ = db.session.query(Round).one()
    log_in(teacher.username)
    page.goto(f"/rounds/{round_.id}/bien-nhan")
    page.get_by_label("Hoặc dán mã biên nhận").fill("R1.999.1.1.abc.def.ghi")
    page.get_by_role("button", name="Nhận biên nhận").click()
    expect(page.locator(".flash-error")).to_contain_text("không phải biên nhận bài thi")


@pytest.mark.parametrize("level", ["L", "M"])
def test_the_page_s_qr_codes_are_segno_s(page, live_server, level, monkeypatch):
    # segno adds a zero codeword when the data already ends on a byte boundary; ISO/IEC 18004
    # 7.4.10 adds padding bits only when it does not (so do the page and most encoders)
    pad = segno.encoder.write_padding_bits
    monkeypatch.setattr(segno.encoder, "write_padding_bits",
                        lambda buff, version, length: pad(buff, version, length) if length % 8 else None)
    page.goto("/login")
    page.add_script_tag(url="/static/js/qr.js")
    rng = random.Random(1588)
    alphabet = string.ascii_letters + string.digits + "-_.~#/:"
    for size in (1, 20, 60, 150, 400, 900, 1500, 2300):
        text = "".join(rng.choice(alphabet) for _ in range(size))
        for mask in range(8):
            try:
                expected = segno.make(text, mode="byte", error=level.lower(), mask=mask, boost_error=False,
                                      micro=False)
            except segno.DataOverflowError:
                assert page.evaluate("([t, l]) => QR.matrix(t, {level: l})", [text, level]) is None
                break
            got = page.evaluate("""([t, l, m]) => { const q = QR.matrix(t, {level: l, mask: m});
                return {version: q.version, rows: q.rows().map(r => r.map(b => b ? 1 : 0).join(''))}; }""",
                                [text, level, mask])
            assert got["version"] == expected.version, (size, mask)
            assert got["rows"] == ["".join(str(b) for b in row) for row in expected.matrix], (size, mask)


@pytest.fixture
def queue_on(live_app):
    """The live server's start queue at one start every 3 seconds."""
    before = {k: live_app.config.get(k) for k in ("START_RATE", "START_BURST_SECONDS", "START_PLACE_SECONDS")}
    live_app.config.update(START_RATE=1 / 3, START_BURST_SECONDS=1, START_PLACE_SECONDS=60,
                           START_QUEUE_PREFIX="e2e-startq:")
    with live_app.app_context():
        queue.clear()
    yield
    with live_app.app_context():
        queue.clear()
    live_app.config.update(before)


def test_a_queued_start_waits_its_turn_and_goes_in_by_itself(page, log_in, student, school, make_class, make_student,
                                                            queue_on, db, screenshot, assert_fits_phone,
                                                            TEST_PASSWORD):
    # given a classmate who started just before
    classmate = make_student(student.school_class, "Phan Thị Mai")
    ensure_student_accounts(None, [classmate], school)
    set_password(classmate.user, TEST_PASSWORD)
    classmate.user.must_change_password = False
    log_in(classmate.user.username)
    page.goto("/me")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator("#timer")).to_be_visible()
    page.context.clear_cookies()
    # when the student presses start, they wait with their place, and no clock runs
    log_in(student.user.username)
    page.goto("/me")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator("#place")).to_have_text(re.compile(r"Em đang ở vị trí\s*1"))
    assert_fits_phone(page)
    screenshot(page, "27-waiting-360")
    db.session.rollback()
    assert db.session.query(Attempt).count() == 1
    # then the page goes into the attempt by itself when admitted, the 20 minutes whole
    expect(page.locator("#timer")).to_have_text(re.compile(r"^(20:00|19:5\d)$"), timeout=8000)
    db.session.rollback()
    mine = db.session.query(Attempt).filter_by(student_id=student.id).one()
    assert mine.deadline_at - mine.started_at == timedelta(minutes=20)
