"""`flask demo` (app/demo.py) loads only into an empty database; the whole load is
driven in the browser test of certificates (tests/e2e/test_certificates.py)."""
from sqlalchemy import func, select

from app.org.models import Unit


def test_demo_leaves_a_database_with_data_alone(app, make_unit, db):
    make_unit("department", "Sở GD&ĐT có sẵn", code="SO-X")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0 and result.output == "Đã có dữ liệu: không nạp lại dữ liệu mẫu.\n"
    assert db.session.execute(select(func.count(Unit.id))).scalar_one() == 1
