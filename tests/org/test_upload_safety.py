"""Hostile spreadsheets sent to the real upload pages: a clear refusal, quickly, and no
copy of the refused file left in the storage."""
import io
import time

import pytest
from sqlalchemy import func, select

from app.core.storage import get_storage
from app.org import roster
from app.org.models import Student, Unit

FAST = 3.0  # seconds for the whole request; a bomb held a worker for 30 s


@pytest.fixture
def teacher(tree, make_user, make_class, db):
    from app.org.services import set_class_teachers
    user = make_user("teacher", tree.school_a, username="gv.lan")
    user.class_10a1 = make_class(tree.school_a, "10A1")
    set_class_teachers(None, user.class_10a1, [user])
    db.session.commit()
    return user


def pending_files():
    return set(get_storage().list_keys("pending"))


def upload(client, url, data, name="ds.xlsx", **fields):
    started = time.perf_counter()
    response = client.post(url, data={"file": (io.BytesIO(data), name), **fields}, content_type="multipart/form-data")
    return response, time.perf_counter() - started


BOMBS = [
    ("inflates-to-100-MB", lambda bombs: bombs.huge_member_xlsx(100), "khi giải nén lớn quá"),
    ("5000-members", lambda bombs: bombs.many_members_xlsx(5000), "quá nhiều thành phần"),
    ("billion-laughs", lambda bombs: dict(bombs.entity_payloads())["billion-laughs-in-sheet"], "DOCTYPE/ENTITY"),
    ("xxe", lambda bombs: dict(bombs.entity_payloads())["xxe-in-workbook"], "DOCTYPE/ENTITY"),
    ("lying-size", lambda bombs: bombs.lying_size_xlsx(60), "khai sai kích thước"),
]


@pytest.mark.parametrize("name,make,message", BOMBS, ids=[b[0] for b in BOMBS])
def test_a_roster_bomb_is_refused_quickly_and_leaves_no_pending_file(name, make, message, teacher, login, app, db,
                                                                     bombs):
    client, data, before = login(teacher), make(bombs), pending_files()
    response, seconds = upload(client, f"/classes/{teacher.class_10a1.id}/roster", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert seconds < FAST
    assert pending_files() == before
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 0


def test_an_upload_whose_preview_crashes_leaves_no_pending_file(teacher, login, app, monkeypatch, messy_class_roster):
    def crash(*args, **kwargs):
        raise RuntimeError("worker killed mid-preview")
    monkeypatch.setattr(roster, "preview_roster", crash)
    client, before = login(teacher), pending_files()
    with pytest.raises(RuntimeError):
        upload(client, f"/classes/{teacher.class_10a1.id}/roster", messy_class_roster())
    assert pending_files() == before


def test_a_previewed_roster_is_kept_until_confirmed(teacher, login, app, db, messy_class_roster):
    client, before = login(teacher), pending_files()
    url = f"/classes/{teacher.class_10a1.id}/roster"
    response, _ = upload(client, url, messy_class_roster())
    kept = pending_files() - before
    assert len(kept) == 1
    token = kept.pop().removesuffix(".bin").split("-", 1)[1]
    assert client.post(url, data={"token": token, "action": "commit"}).status_code == 302
    assert db.session.execute(select(func.count(Student.id))).scalar_one() == 4
    assert pending_files() == before


@pytest.mark.parametrize("name,make,message", BOMBS[:3], ids=[b[0] for b in BOMBS[:3]])
def test_the_schools_import_page_refuses_a_bomb(name, make, message, tree, make_user, login, db, bombs):
    client = login(make_user("department", tree.so))
    response, seconds = upload(client, "/units/import", make(bombs), root_id=tree.so.id)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert seconds < FAST
    assert db.session.execute(select(func.count(Unit.id))).scalar_one() == 6  # the tree only
