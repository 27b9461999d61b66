"""Accessibility (WCAG 2.1 AA) at 360 px: axe-core, injected into Chromium, finds no
serious or critical violation on the main pages of every role, and the keyboard
focus ring is drawn on every interactive element with at least 3:1 against the
colours around it.

The world: the Sở's contest whose Đợt 1 is published (certificates issued) and whose
Đợt 2 is open, with Thảo in the middle of it and her teacher's class session open;
a poster contest judged and published, so the gallery shows work."""
import io
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.accounts.services import set_password
from app.certificates import services as certificates
from app.certificates.models import Certificate
from app.core.timeutil import utcnow
from app.entries import judging
from app.entries import services as entries
from app.entries.models import DEFAULT_RUBRIC, Assignment
from app.quiz.models import Attempt
from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round
from app.quiz.sessions.services import open_session

KEYS = tuple(criterion["key"] for criterion in DEFAULT_RUBRIC)


@pytest.fixture
def world(finished, creative, tree, make_user, db, TEST_PASSWORD, png_bytes):  # noqa: F811
    f = finished
    thao = f.thao
    set_password(thao.user, TEST_PASSWORD)
    # Đợt 2 is open: Thảo has started it, her teacher runs it in class
    round2 = add_round(None, f.contest, name="Đợt 2", opens_at=utcnow() - timedelta(hours=1),
                       closes_at=utcnow() + timedelta(days=1), time_limit_minutes=20, question_count=2)
    attempt = quiz.start_attempt(thao, round2, utcnow())
    session = open_session(f.teacher, f.c10a1, round2, utcnow())
    # certificates of Đợt 1, one to verify
    certificates.issue(None, f.template, f.round)
    cert = db.session.query(Certificate).filter_by(student_id=thao.id).first()
    # the poster contest: two approved posters, judged by two judges from no school, published
    admin_a = make_user("school_admin", tree.school_a, username="bgh.ta")
    admin_b = make_user("school_admin", tree.school_b)
    teacher_b = make_user("teacher", tree.school_b)
    posters = []
    for student, advisor, admin in ((thao, f.teacher, admin_a), (f.duc_anh, teacher_b, admin_b)):
        entry = entries.create_entry(advisor, creative, category="poster", title=f"Áp phích của {student.full_name}",
                                     member_ids=[student.id])
        entries.add_file(None, entry, io.BytesIO(png_bytes()), "p.png")
        entries.submit_entry(advisor, entry)
        entries.review_entry(admin, entry, approve=True)
        posters.append(entry)
    judges = [make_user("judge", username="gk.mot"), make_user("judge", username="gk.hai")]
    judging.set_panel(None, creative, "poster", [j.id for j in judges], head_id=judges[0].id)
    later = creative.approval_closes_at + timedelta(hours=1)
    judging.assign_entries(None, creative, "poster", now=later)
    assignments = db.session.query(Assignment).order_by(Assignment.id).all()
    for assignment in assignments:
        judging.save_scores(assignment.judge, assignment, dict.fromkeys(KEYS, 8), submit=True, now=later)
    judging.publish_results(None, creative, now=later)
    db.session.commit()
    return type("World", (), dict(f=f, round2=round2, attempt=attempt, session=session, cert=cert,
                                  creative=creative, admin=admin_a, posters=posters, assignment=assignments[0],
                                  result=_finished_attempt(thao, f.round)))


def _finished_attempt(student, round_):
    from app.extensions import db
    return db.session.query(Attempt).filter(Attempt.student_id == student.id, Attempt.round_id == round_.id,
                                            Attempt.submitted_at.is_not(None)).first()


def _pages_of(page, urls, check_axe):
    """axe over each URL (or (URL, a selector its content must show): the page is swept with
    its data on it); the problems of all of them, so one run names every failure."""
    problems = []
    for url in urls:
        url, shows = url if isinstance(url, tuple) else (url, None)
        response = page.goto(url)
        assert response.status == 200, f"{url}: HTTP {response.status}"
        if shows:
            expect(page.locator(shows).first).to_be_visible()
        problems += check_axe(page)
    return problems


def test_anonymous_pages(page, world, check_axe):
    w = world
    problems = _pages_of(page, ["/login", f"/ket-qua/{w.f.round.id}", f"/ket-qua/cuoc-thi/{w.f.contest.id}",
                                ("/trien-lam", ".gallery-item"), f"/trien-lam/{w.posters[0].id}",
                                "/xac-minh", f"/xac-minh/{w.cert.serial}?ma={w.cert.check_code}"], check_axe)
    assert not problems, "\n".join(problems)


def test_student_pages(page, log_in, world, check_axe):
    w = world
    log_in(w.f.thao.user.username)
    problems = _pages_of(page, ["/me", "/creative", f"/creative/{w.creative.id}",
                                (f"/attempts/{w.result.id}/result", ".review"), "/join", "/password"], check_axe)
    assert not problems, "\n".join(problems)


def test_student_attempt_page(page, log_in, world, check_axe):
    w = world
    log_in(w.f.thao.user.username)
    problems = _pages_of(page, [(f"/attempts/{w.attempt.id}", ".tq")], check_axe)
    assert not problems, "\n".join(problems)


def test_teacher_pages(page, log_in, world, check_axe):
    w = world
    log_in(w.f.teacher.username)
    problems = _pages_of(page, ["/teacher", f"/classes/{w.f.c10a1.id}", f"/classes/{w.f.c10a1.id}/roster",
                                f"/classes/{w.f.c10a1.id}/sessions", "/contests"], check_axe)
    assert not problems, "\n".join(problems)


def test_teacher_session_board(page, log_in, world, check_axe):
    w = world
    log_in(w.f.teacher.username)
    problems = _pages_of(page, [(f"/sessions/{w.session.id}", ".join-code")], check_axe)
    assert not problems, "\n".join(problems)


def test_school_admin_pages(page, log_in, world, check_axe):
    w = world
    school = w.f.c10a1.school_id
    log_in(w.admin.username)
    problems = _pages_of(page, [f"/schools/{school}", f"/schools/{school}/roster",
                                f"/creative/{w.creative.id}/school-entries"], check_axe)
    assert not problems, "\n".join(problems)


def test_so_officer_pages(page, log_in, world, tree, check_axe):
    w = world
    contest = w.f.contest
    log_in(w.f.officer.username)
    problems = _pages_of(page, [f"/units/{tree.so.id}", f"/contests/{contest.id}", f"/banks/{contest.bank_id}",
                                f"/coverage/units/{tree.so.id}", (f"/contests/{contest.id}/certificates", ".tag-ok"),
                                f"/rounds/{w.f.round.id}/ranking", f"/rounds/{w.f.round.id}/statistics",
                                f"/creative/{w.creative.id}/results", f"/creative/{w.creative.id}/panels",
                                "/units", "/contests", "/banks", "/coverage", "/certificates",
                                f"/contests/{contest.id}/certificates/template", "/users", "/audit",
                                f"/questions/{contest.bank.questions[0].id}"],
                         check_axe)
    assert not problems, "\n".join(problems)


def test_judge_pages(page, log_in, world, check_axe):
    w = world
    log_in(w.assignment.judge.username)
    problems = _pages_of(page, [("/judging", ".tag-ok"), f"/judging/{w.assignment.id}"], check_axe)
    assert not problems, "\n".join(problems)


# The focus ring: Tab through a page as a keyboard user does; each element that takes focus
# shows a solid ring at least 2 px wide whose colour has 3:1 or more against the colours
# beside it (the background around the element; its own when the ring touches it).

FOCUSED = """() => {
  let el = document.activeElement;
  if (!el || el === document.body) return null;
  // a hidden radio or checkbox shows its focus on its label (the answer options)
  if (getComputedStyle(el).opacity === '0' && el.closest('label')) el = el.closest('label');
  const rgba = c => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const over = (top, under) => top.map((v, i) => i < 3 ? v * top[3] + under[i] * (1 - top[3]) : 1);
  const background = start => {  // the colour painted under an element: its own and its ancestors' blended
    const layers = [];
    for (let e = start; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] === 1) break;
    }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const s = getComputedStyle(el);
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
  const offset = parseFloat(s.outlineOffset) || 0;
  const beside = [background(el.parentElement)];
  if (offset < 2) beside.push(background(el));
  return {name, style: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0, color: rgba(s.outlineColor), beside};
}"""


def _luminance(rgb):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _focus_problems(page, most=80):
    """Tab through the page (at most `most` stops); one line per element whose ring fails."""
    page.wait_for_load_state("load")
    page.evaluate("""() => document.querySelector(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]').focus()""")
    page.keyboard.press("Tab")  # and back: the first element too is reached from the keyboard
    page.keyboard.press("Shift+Tab")
    problems, seen = [], []
    for step in range(most):
        if step:
            page.keyboard.press("Tab")
        ring = page.evaluate(FOCUSED)
        if ring is None or ring["name"] in seen[:1]:  # back to the start
            break
        seen.append(ring["name"])
        worst = min(contrast(ring["color"], colour) for colour in ring["beside"])
        if ring["style"] in ("none", "auto") or ring["width"] < 2 or worst < 3:
            colour = tuple(round(c) for c in ring["color"][:3])
            problems.append(f"{page.url}: {ring['name']}: outline {ring['style']} {ring['width']}px rgb{colour}, "
                            f"{worst:.2f}:1 against the colours beside it")
    assert len(seen) > 3, f"{page.url}: Tab reached only {seen}"
    return problems


def test_the_focus_ring_shows_on_every_interactive_element_with_3_to_1(page, log_in, world, tree):
    w = world
    problems = []
    for url in ("/login", f"/xac-minh/{w.cert.serial}?ma={w.cert.check_code}", "/trien-lam"):
        page.goto(url)
        problems += _focus_problems(page)
    log_in(w.f.officer.username)
    page.locator(".usermenu summary").click()  # open: its links take focus too
    problems += _focus_problems(page)
    for url in (f"/contests/{w.f.contest.id}", f"/coverage/units/{tree.so.id}", f"/rounds/{w.f.round.id}/ranking"):
        page.goto(url)
        problems += _focus_problems(page)
    page.context.clear_cookies()
    log_in(w.f.thao.user.username)
    for url in ("/me", f"/attempts/{w.attempt.id}"):
        page.goto(url)
        problems += _focus_problems(page)
    assert not problems, "\n".join(problems)
