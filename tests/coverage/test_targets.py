"""The Sở's coverage targets (app/coverage/targets.py): set, changed and removed, each
change in the audit log like any other staff change."""
import pytest
from sqlalchemy import select

from app.core.audit import AuditLog
from app.core.errors import DomainError
from app.coverage.rollup import targets
from app.coverage.targets import set_target


def test_setting_changing_and_removing_a_target_is_audited(make_user, tree, db):
    officer = make_user("department", tree.so)
    assert set_target(officer, tree.so.id, "THCS", 2026, 70) == "Đã đặt mục tiêu THCS từ năm học 2026: 70 %."
    set_target(officer, tree.so.id, "THCS", 2026, 75)
    assert targets(tree.so.id, 2026)["THCS"] == 75.0
    assert set_target(officer, tree.so.id, "THCS", 2026, None) == "Đã bỏ mục tiêu THCS từ năm học 2026."
    assert "THCS" not in targets(tree.so.id, 2026)
    db.session.commit()
    log = db.session.execute(select(AuditLog).where(AuditLog.action == "coverage.target")
                             .order_by(AuditLog.id)).scalars().all()
    assert [(row.username, row.unit_id) for row in log] == [(officer.username, tree.so.id)] * 3
    assert [row.summary for row in log][1] == "Đã đặt mục tiêu THCS từ năm học 2026: 75 %."
    assert log[0].object_id == log[1].object_id is not None


def test_removing_a_target_that_is_not_there_changes_nothing(make_user, tree, db):
    officer = make_user("department", tree.so)
    assert "Chưa có mục tiêu" in set_target(officer, tree.so.id, "THPT", 2030, None)
    db.session.commit()
    assert db.session.execute(select(AuditLog).where(AuditLog.action == "coverage.target")).first() is None


def test_a_stage_outside_the_vocabulary_is_refused(make_user, tree, db):
    with pytest.raises(DomainError):
        set_target(make_user("department", tree.so), tree.so.id, "ĐH", 2026, 50)


def test_the_web_form_writes_the_audit_row(client, login, make_user, tree, db):
    login(make_user("department", tree.so))
    client.post("/coverage/targets", data={"stage": "THPT", "year": "2027", "percent": "90"})
    db.session.expire_all()
    assert db.session.execute(select(AuditLog.summary).where(AuditLog.action == "coverage.target")).scalar_one() \
        == "Đã đặt mục tiêu THPT từ năm học 2027: 90 %."
