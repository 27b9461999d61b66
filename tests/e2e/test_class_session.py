"""A teacher runs a round in class: opens a session, shows the code and a QR code that
scans from a screenshot of the board (laptop and phone width); one student joins
logged in with the code, another without a password by picking her name and birth
date (a login for that attempt only, marked on the board); a third one's birth-date
join is refused by the teacher; the teacher's board follows them live without
losing the keyboard focus, gives extra time, and after they submit the ranking
shows both."""
import re
from datetime import date, timedelta

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from app.accounts.services import ensure_student_accounts, set_password
from app.core.timeutil import utcnow
from app.org.services import set_class_teachers
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.models import Attempt, AttemptQuestion
from app.quiz.banks.services import create_bank, import_questions


@pytest.fixture
def lop(school, teacher, tree, make_class, make_student, db, TEST_PASSWORD):
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng")
    import_questions(None, bank, [
        new_question("multichoice", f"Câu {i}: đâu là ứng dụng định danh điện tử quốc gia?", key=f"k{i}",
                     topic="VNeID", level="all", difficulty="easy", general_feedback="VNeID.", source="NĐ 69",
                     answers=[answer("VNeID", 1.0), answer("VssID", 0.0)]) for i in range(2)])
    contest = create_contest(None, tree.so, bank, code="DVC2026", name="Tìm hiểu DVC 2026", school_year=2026)
    add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=1),
              closes_at=utcnow() + timedelta(days=1), time_limit_minutes=15, question_count=2,
              review_policy="after_submit")
    school_class = make_class(school, "10A1")
    set_class_teachers(None, school_class, [teacher])
    an = make_student(school_class, "Nguyễn Văn An")
    binh = make_student(school_class, "Trần Thị Bình", birth_date=date(2010, 9, 5))
    cuong = make_student(school_class, "Lê Văn Cường", birth_date=date(2010, 3, 14))
    ensure_student_accounts(None, [an, binh, cuong], school)
    set_password(an.user, TEST_PASSWORD)
    an.user.must_change_password = False
    db.session.commit()
    return school_class, an, binh, cuong


def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    context.set_default_timeout(10000)
    return context, context.new_page()


def answer_all(page, db, student):
    for position in (1, 2):
        db.session.rollback()
        item = db.session.query(AttemptQuestion).join(Attempt).filter(
            Attempt.student_id == student.id, AttemptQuestion.position == position).one()
        right = next(shown for shown, i in enumerate(item.option_order) if item.version.answers[i]["fraction"] > 0)
        page.locator(f'.qmap button[data-go="{position}"]').click()
        page.locator(f'#cau-{position} label.choice:has(input[value="{right}"])').click()
        expect(page.locator("#net")).to_have_text("Đã lưu.")


def decoded_qr(path):
    return [result.text for result in zxingcpp.read_barcodes(Image.open(path).convert("L"))]


def join_by_birth_date(browser, live_server, code, name, birth_date):
    context, student_page = phone(browser, live_server)
    student_page.goto(f"/j/{code}")
    student_page.get_by_label("Họ và tên").select_option(label=name)
    student_page.get_by_label("Ngày sinh").fill(birth_date)
    student_page.get_by_role("button", name="Vào thi").click()
    return context, student_page


def test_teacher_runs_a_class_session(page, browser, live_server, log_in, lop, screenshot, db, TEST_PASSWORD):
    school_class, an, binh, cuong = lop
    page.set_viewport_size({"width": 1100, "height": 800})
    log_in("gv1.ta")
    page.goto(f"/classes/{school_class.id}")
    page.get_by_role("link", name="Thi trên lớp").click()
    page.get_by_role("button", name="Mở phòng thi, hiện mã cho lớp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phòng thi lớp 10A1 · Tuần 1")
    code = page.locator(".join-code").inner_text().split()[-1]  # after its hidden label
    assert re.fullmatch(r"[A-Z2-9]{6}", code)
    expect(page.locator(".qr svg")).to_be_visible()
    expect(page.locator("#board-rows tr")).to_have_count(3)

    # the QR code scans from a screenshot of the board, on a laptop and at phone width
    join_url = f"{live_server}/j/{code}"
    assert decoded_qr(screenshot(page, "24a-session-board-qr-laptop")) == [join_url]
    page.set_viewport_size({"width": 360, "height": 740})
    assert decoded_qr(screenshot(page, "24b-session-board-qr-phone")) == [join_url]
    page.set_viewport_size({"width": 1100, "height": 800})

    # An joins logged in, with the code
    an_context, an_page = phone(browser, live_server)
    an_page.goto("/login")
    an_page.get_by_label("Tên đăng nhập").fill(an.user.username)
    an_page.get_by_label("Mật khẩu", exact=True).fill(TEST_PASSWORD)
    an_page.get_by_role("button", name="Đăng nhập").click()
    an_page.goto("/join")
    an_page.get_by_label("Mã phòng thi").fill(code.lower())
    an_page.get_by_role("button", name="Vào").click()
    expect(an_page.locator("#timer")).to_be_visible()

    # Bình has no password with her: the QR link, her name and birth date
    binh_context, binh_page = join_by_birth_date(browser, live_server, code, "Trần Thị Bình", "01/01/2010")
    expect(binh_page.locator(".flash-error")).to_have_text("Ngày sinh không khớp với danh sách lớp.")
    binh_page.get_by_label("Họ và tên").select_option(label="Trần Thị Bình")
    binh_page.get_by_label("Ngày sinh").fill("05/09/2010")
    binh_page.get_by_role("button", name="Vào thi").click()
    expect(binh_page.locator("#timer")).to_be_visible()
    screenshot(binh_page, "23-session-student-360")
    attempt_url = binh_page.url
    # her login opens this attempt only: her home page leads back to it
    binh_page.goto("/me")
    assert binh_page.url == attempt_url

    # the board shows both answering, by itself, and marks Bình's join by birth date
    expect(page.locator("#board-rows .st-answering")).to_have_count(2, timeout=12000)
    expect(page.locator("#board-rows tr", has_text="Trần Thị Bình")).to_contain_text("vào bằng ngày sinh")
    expect(page.locator("#board-rows tr", has_text="Nguyễn Văn An")).not_to_contain_text("vào bằng ngày sinh")

    # the teacher tabs to a button of the board: the refreshes leave the focus on it
    focused = page.locator("#board-rows tr", has_text="Nguyễn Văn An").get_by_role("button", name="+5 phút")
    focused.focus()
    focused.evaluate("button => { button.dataset.probe = 'kept'; }")
    page.evaluate("() => { document.getElementById('board-updated').textContent = ''; }")
    cuong_context, cuong_page = join_by_birth_date(browser, live_server, code, "Lê Văn Cường", "14/03/2010")
    expect(cuong_page.locator("#timer")).to_be_visible()
    expect(page.locator("#board-updated")).to_contain_text("Cập nhật lúc", timeout=12000)
    expect(page.locator("#board-rows tr", has_text="Lê Văn Cường")).to_contain_text("vào bằng ngày sinh",
                                                                                 timeout=12000)
    assert page.evaluate("() => document.activeElement.dataset.probe") == "kept"

    # Cường's join was someone else's: the teacher refuses it, and his login ends
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#board-rows tr", has_text="Lê Văn Cường").get_by_role("button", name="Từ chối").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã từ chối lượt vào bằng ngày sinh của Lê Văn Cường")
    expect(page.locator("#board-rows tr", has_text="Lê Văn Cường")).to_contain_text("Đã từ chối")
    db.session.rollback()
    assert db.session.query(Attempt).filter_by(student_id=cuong.id).count() == 0
    cuong_page.reload()
    expect(cuong_page.locator(".flash-error")).to_contain_text("từ chối")
    assert cuong_page.url.endswith("/join")
    cuong_context.close()
    page.locator("#board-rows tr", has_text="Trần Thị Bình").get_by_role("button", name="+5 phút").click()
    expect(page.locator(".flash-success")).to_contain_text("thêm 5 phút")
    db.session.rollback()
    extra = db.session.query(Attempt).filter_by(student_id=binh.id).one()
    assert extra.deadline_at - extra.started_at == timedelta(minutes=20)

    answer_all(an_page, db, an)
    an_page.get_by_label("Câu hỏi dự đoán").fill("1")
    an_page.get_by_role("button", name="Nộp bài").click()
    expect(an_page.locator(".big-score b")).to_have_text("2")
    answer_all(binh_page, db, binh)
    expect(page.locator("#board-rows .st-submitted")).to_have_count(1, timeout=12000)
    expect(page.locator("#board-rows tr", has_text="Trần Thị Bình")).to_contain_text("2/2")
    screenshot(page, "24-session-board-desktop")

    # the teacher closes the room: Bình's attempt is finished with what she saved
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Đóng phòng thi").click()
    expect(page.locator(".flash-success")).to_contain_text("1 bài đang làm")
    db.session.rollback()
    closed = db.session.query(Attempt).filter_by(student_id=binh.id).one()
    assert (closed.finished_by, closed.score) == ("teacher", 2.0)
    an_context.close()
    binh_context.close()

    page.goto("/contests")
    page.get_by_role("link", name="DVC2026").click()
    page.get_by_role("link", name="Bảng xếp hạng").click()
    expect(page.locator("table.ranking tbody tr")).to_have_count(2)
    expect(page.locator("table.ranking tbody tr").first).to_contain_text("Nguyễn Văn An")
