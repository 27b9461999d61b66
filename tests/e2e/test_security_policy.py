"""The Content-Security-Policy breaks pages silently when it refuses something they
use: the main pages of each role, opened in Chromium, raise no CSP violation, the
school's year select still submits itself (now from app.js), the quiz's autosave
(attempt.js) still saves, and logout ends the login on the server."""
import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def violations(page):
    """CSP violations reported by the page: the console message and the DOM event."""
    seen = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script("""document.addEventListener('securitypolicyviolation', e =>
        console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));""")
    return seen


def visit(page, paths):
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, (path, response.status)
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}, path
        page.wait_for_load_state("load")


def test_staff_pages_raise_no_csp_violation(page, log_in, school, school_admin, teacher, make_class,
                                           make_student, violations, db):
    own = make_class(school, "10A1")
    make_student(own, "Nguyễn Văn An")
    make_class(school, "11A1", year=own.school_year - 1)  # a second year to pick
    db.session.commit()
    log_in("bgh.ta")
    visit(page, [f"/schools/{school.id}", "/users", "/audit", "/contests", "/banks", "/coverage",
                 "/creative", "/certificates", f"/classes/{own.id}", "/password"])
    # the year select submits its form without an inline handler
    page.goto(f"/schools/{school.id}")
    page.select_option("select#year", str(own.school_year - 1))
    page.wait_for_url(re.compile(rf"year={own.school_year - 1}"))
    expect(page.locator("main")).to_contain_text("11A1")
    assert violations == []


def test_student_takes_a_question_and_public_pages_raise_no_csp_violation(page, log_in, student,  # noqa: F811
                                                                         violations, db):
    visit(page, ["/login", "/trien-lam"])
    log_in(student.user.username)
    page.goto("/me")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.locator("#cau-1 label.choice").first.click()
    expect(page.locator("#net")).to_have_text("Đã lưu.")
    assert violations == []


def test_logout_in_the_browser_ends_the_copied_session(page, browser, live_server, log_in, teacher, db):
    log_in("gv1.ta")
    cookies = page.context.cookies()
    thief = browser.new_context(base_url=live_server)
    thief.add_cookies(cookies)
    stolen = thief.new_page()
    stolen.goto("/teacher")
    expect(stolen).to_have_url(re.compile(r"/teacher$"))
    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    stolen.goto("/teacher")
    expect(stolen).to_have_url(re.compile(r"/login"))
    thief.close()
