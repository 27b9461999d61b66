"""The start queue on two app hosts for real (tests/plugins/cluster.py: gunicorn in
production mode, one database, one Redis): places are one queue for the deployment,
whichever host a start or a poll goes through."""
import uuid

import pytest

from app.accounts.services import ensure_student_accounts, set_password

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.usefixtures("on_hosts")]


@pytest.fixture(scope="module", autouse=True)
def slow_start_queue():
    """The hosts admit one start every 5 s (set before they start)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("START_RATE", "0.2")
        patch.setenv("START_BURST_SECONDS", "1")
        patch.setenv("START_QUEUE_PREFIX", f"test-hosts-startq-{uuid.uuid4().hex[:8]}:")
        yield


def test_starts_through_both_hosts_wait_in_one_queue(hosts, setup, make_student, db, Browser, TEST_PASSWORD):
    round_, mine, other = setup
    more = [make_student(mine.school_class, f"Học sinh {i}") for i in range(2)]
    ensure_student_accounts(None, more, mine.school)
    for student in more:
        set_password(student.user, TEST_PASSWORD)
        student.user.must_change_password = False
    db.session.commit()
    students = [mine, other] + more
    bases = [hosts.a, hosts.b, hosts.a, hosts.b]
    browsers = []
    for student, base in zip(students, bases):
        browser = Browser()
        assert browser.login(base, student.user.username, TEST_PASSWORD).status_code == 302
        browsers.append(browser)
    # when four students press start in turn, through one host and the other
    answers = []
    for browser, base in zip(browsers, bases):
        token = browser.form_token(f"{base}/me")
        answers.append(browser.post(f"{base}/rounds/{round_.id}/start", data={"csrf_token": token},
                                    allow_redirects=False))
    # then the first goes in, and the others wait one behind the other, whatever the host
    assert "/attempts/" in answers[0].headers["Location"]
    assert [a.headers["Location"].endswith(f"/rounds/{round_.id}/cho") for a in answers[1:]] == [True] * 3
    assert {a.headers["X-Instance"] for a in answers} == {"web1", "web2"}
    polled = [browser.get(f"{base}/rounds/{round_.id}/cho", headers={"Accept": "application/json"}).json()
              for browser, base in zip(browsers[1:], [hosts.a, hosts.b, hosts.a])]  # each through the other host
    assert [p["position"] for p in polled] == [1, 2, 3]
