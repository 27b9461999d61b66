"""Logging in on a phone: the form, real CSRF, where each role lands, the error message."""
import re

from playwright.sync_api import expect

from app.org.services import set_class_teachers


def test_teacher_logs_in_and_lands_on_their_classes(page, log_in, school, teacher, make_class,
                                                    make_student, db):
    own = make_class(school, "10A1")
    make_class(school, "10A2")  # not the teacher's: must not be listed
    for name in ("Nguyễn Văn An", "Lê Thị Ánh", "Trần Văn Bình"):
        make_student(own, name)
    set_class_teachers(None, own, [teacher])

    log_in("gv1.ta")

    expect(page).to_have_url(re.compile(r"/teacher$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp của tôi")
    expect(page.locator("main")).to_contain_text("Trường THPT Châu Văn Liêm - Quận Ninh Kiều")
    cards = page.locator("a.link-card")
    expect(cards).to_have_count(1)
    expect(cards.first.locator("b")).to_have_text("10A1")
    expect(cards.first).to_contain_text("3 học sinh")
    expect(page.locator("main")).not_to_contain_text("10A2")
    expect(page.get_by_role("navigation", name="Chính").get_by_role("link", name="Lớp của tôi")).to_be_visible()
    expect(page.locator(".usermenu summary")).to_have_text("Trần Thị Lan")
    # the card opens the class list
    cards.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp 10A1")
    expect(page.locator("table.students .name")).to_have_count(3)


def test_username_is_forgiving_about_case_and_spaces(page, log_in, school, teacher):
    # phones capitalise the first letter; a stray space comes with autocomplete
    log_in(" Gv1.TA ")
    expect(page).to_have_url(re.compile(r"/teacher$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp của tôi")


def test_wrong_password_shows_the_vietnamese_error_and_stays_logged_out(page, log_in, teacher):
    log_in("gv1.ta", "sai-mat-khau")

    expect(page).to_have_url(re.compile(r"/login$"))
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value("gv1.ta")
    expect(page.get_by_label("Mật khẩu", exact=True)).to_have_value("")  # never sent back
    # still anonymous: a protected page sends back to the login form
    page.goto("/teacher")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fteacher$"))
    expect(page.locator(".flash")).to_have_text("Vui lòng đăng nhập để tiếp tục.")


def test_unknown_user_gets_the_same_message(page, log_in, school, TEST_PASSWORD):
    log_in("khongco.ta", TEST_PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")


def test_login_without_csrf_token_is_refused(page, live_server, teacher, db, TEST_PASSWORD):
    """CSRF is real in the browser: a form posted without the token is rejected."""
    db.session.commit()
    page.goto("/login")
    page.evaluate("() => document.querySelector('input[name=csrf_token]').remove()")
    page.get_by_label("Tên đăng nhập").fill("gv1.ta")
    page.get_by_label("Mật khẩu", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("main")).to_contain_text("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ.")
    page.goto("/teacher")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_login_returns_to_the_page_asked_for(page, log_in, school, teacher, make_class, db, TEST_PASSWORD):
    own = make_class(school, "10A1")
    set_class_teachers(None, own, [teacher])
    db.session.commit()
    page.goto(f"/classes/{own.id}")
    expect(page).to_have_url(re.compile(rf"/login\?next=%2Fclasses%2F{own.id}$"))
    page.get_by_label("Tên đăng nhập").fill("gv1.ta")
    page.get_by_label("Mật khẩu", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(rf"/classes/{own.id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp 10A1")


def test_login_ignores_a_next_pointing_to_another_site(page, log_in, teacher, db, TEST_PASSWORD):
    db.session.commit()
    page.goto("/login?next=//evil.example/phish")
    page.get_by_label("Tên đăng nhập").fill("gv1.ta")
    page.get_by_label("Mật khẩu", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/teacher$"))
