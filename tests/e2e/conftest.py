"""Browser tests: the app served on a free localhost port from a background thread,
driven by Debian's Chromium through Playwright at a 360 x 740 phone viewport.

The live server runs its own app on the session's database (SQLite file or the
PostgreSQL that DATABASE_URL names), with real CSRF and without SERVER_NAME, so
requests to 127.0.0.1:PORT are routed. Tests create their data with the factories
of tests/plugins and must commit it before the browser acts: the server thread
has its own connections and sees only committed rows.
"""
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from flask import got_request_exception
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from app import create_app
from app.accounts.services import ensure_student_accounts, set_password
from app.core.timeutil import utcnow
from app.extensions import db as _db
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.banks.services import create_bank, import_questions

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 360, "height": 740}
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "screenshots"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def live_app(app):
    live = create_app({
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "STORAGE_URL": app.config["STORAGE_URL"],
        "WTF_CSRF_ENABLED": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # plain http on localhost, whatever the environment says
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "PROXY_COUNT": 0,
    })
    assert live.config.get("SERVER_NAME") is None
    yield live
    with live.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL of the app served by werkzeug on 127.0.0.1 and a port the OS picks."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def server_errors(live_app):
    """Unhandled exceptions raised in the server thread during the test."""
    errors = []

    def on_exception(sender, exception, **extra):
        errors.append(exception)

    got_request_exception.connect(on_exception, live_app)
    yield errors
    got_request_exception.disconnect(on_exception, live_app)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's Chromium (`make chromium`)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def js_errors():
    """Uncaught JavaScript errors of the test's page (a test that expects one clears it)."""
    return []


@pytest.fixture
def page(browser, live_server, server_errors, js_errors):
    """A fresh phone-sized browser context (no cookies) on the live server. Fails the
    test if the server raised or the page threw a JavaScript error."""
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, screen=PHONE, device_scale_factor=1,
        is_mobile=True, has_touch=True, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    tab = context.new_page()
    tab.on("pageerror", lambda error: js_errors.append(error))
    yield tab
    context.close()
    assert not server_errors, f"server raised: {server_errors!r}"
    assert not js_errors, f"JavaScript errors: {js_errors!r}"


@pytest.fixture
def log_in(page, db, TEST_PASSWORD):
    """Log in through the login form, as a person would; commits the test's data first."""
    def do(username, password=TEST_PASSWORD):
        db.session.commit()
        page.goto("/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu", exact=True).fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state()
        return page
    return do


@pytest.fixture
def screenshot():
    """Full-page screenshot into /work/main/screenshots/<name>.png; returns the path."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)

    def take(page, name):
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return take


@pytest.fixture
def assert_fits_phone():
    """Assert the page does not scroll sideways at 360 px (scrollWidth <= 361) and names
    the elements that stick out. (With a mobile viewport Chromium also zooms out to show
    wide content, so innerWidth grows too.)"""
    def check(page):
        page.wait_for_load_state("load")  # the stylesheet is in: measure the page as it is shown
        width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if width > PHONE["width"] + 1 or inner != PHONE["width"]:
            wide = page.evaluate("""(limit) => Array.from(document.querySelectorAll('body *'))
                .filter(e => e.getBoundingClientRect().right > limit)
                .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                                       + ' right=' + Math.round(e.getBoundingClientRect().right))""",
                                 PHONE["width"] + 1)
            raise AssertionError(f"{page.url}: scrollWidth {width}, innerWidth {inner} at a "
                                 f"{PHONE['width']} px viewport; too wide: {wide}")
        return width
    return check


# Data shared by the browser tests: one school with its staff.

@pytest.fixture
def school(tree, db):
    """Trường THPT A (code TA) under Cụm A, with the kind of long name schools have."""
    school = tree.school_a
    school.set_name("Trường THPT Châu Văn Liêm - Quận Ninh Kiều")
    db.session.flush()
    return school


@pytest.fixture
def teacher(school, make_user):
    user = make_user("teacher", unit=school, username="gv1.ta")
    user.full_name = "Trần Thị Lan"
    return user


@pytest.fixture
def school_admin(school, make_user):
    user = make_user("school_admin", unit=school, username="bgh.ta")
    user.full_name = "Lê Minh Tuấn"
    return user


@pytest.fixture
def student(school, make_class, make_student, tree, db, TEST_PASSWORD):
    """Nguyễn Hoàng Bảo Ngọc, 10A1 of the school, with an account and an open round of three questions."""
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng")
    import_questions(None, bank, [
        new_question("multichoice", f"Câu hỏi số {i}: ứng dụng định danh điện tử quốc gia là gì?", key=f"k{i}",
                     topic="VNeID", level="all", difficulty="easy", general_feedback="VNeID của Bộ Công an.",
                     source="Nghị định 69/2024/NĐ-CP",
                     answers=[answer("VNeID", 1.0), answer("VssID", 0.0), answer("Zalo", 0.0)]) for i in range(3)])
    contest = create_contest(None, tree.so, bank, code="DVC2026", name="Tìm hiểu dịch vụ công trực tuyến 2026",
                             school_year=2026)
    add_round(None, contest, name="Tuần 1", opens_at=utcnow() - timedelta(hours=1),
              closes_at=utcnow() + timedelta(days=1), time_limit_minutes=20, question_count=3,
              review_policy="after_submit")
    pupil = make_student(make_class(school, "10A1"), "Nguyễn Hoàng Bảo Ngọc")
    ensure_student_accounts(None, [pupil], school)
    set_password(pupil.user, TEST_PASSWORD)
    pupil.user.must_change_password = False
    db.session.commit()
    return pupil


# Accessibility: axe-core from the npm registry (package-lock.json; `make test` runs npm ci).

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_SEVERE = ("serious", "critical")


@pytest.fixture
def check_axe():
    """Run axe-core on the page as it is; returns one readable line per serious or
    critical violation (rule, impact, the elements, axe's summary). Missing axe-core
    fails under CI and skips with the reason elsewhere."""
    if not AXE_JS.exists():
        reason = f"{AXE_JS} missing: run `npm ci --no-audit --no-fund` (make test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)

    def check(page):
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # evaluated through the DevTools protocol: the page's CSP (script-src 'self') does not apply
            page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
        result = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']}).then(r =>
            r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n =>
                ({target: n.target.join(' '), impact: n.impact, summary: n.failureSummary}))})))""")
        problems = []
        for violation in result:
            for node in violation["nodes"]:
                if (node["impact"] or violation["impact"]) in AXE_SEVERE:
                    summary = " ".join((node["summary"] or "").split())
                    problems.append(f"{page.url}: {violation['id']} ({node['impact'] or violation['impact']}) "
                                    f"at {node['target']}: {violation['help']}. {summary}")
        return problems
    return check
