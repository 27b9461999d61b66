"""The coverage targets a Sở sets over the national ones (Decision 1588: 80 % of THPT
from 2025, 100 % from 2030): one row per stage and school year from which it holds;
every change is audited like any other staff change."""
from sqlalchemy import select

from app.core import audit
from app.core.errors import DomainError
from app.coverage.models import STAGES, CoverageTarget
from app.extensions import db


def set_target(actor, root_id, stage, year, percent):
    """Set (a percent) or remove (None or 0) the Sở's target for a stage from a school
    year. Returns the message to show."""
    if stage not in STAGES:
        raise DomainError("Cấp học không hợp lệ.")
    row = db.session.execute(select(CoverageTarget).where(
        CoverageTarget.unit_id == root_id, CoverageTarget.stage == stage,
        CoverageTarget.year == year)).scalar_one_or_none()
    if percent:
        if row is None:
            row = CoverageTarget(unit_id=root_id, stage=stage, year=year)
            db.session.add(row)
        row.percent = float(percent)
        db.session.flush()
        message = f"Đã đặt mục tiêu {stage} từ năm học {year}: {row.percent:g} %."
    elif row is not None:
        db.session.delete(row)
        message = f"Đã bỏ mục tiêu {stage} từ năm học {year}."
    else:
        return f"Chưa có mục tiêu {stage} từ năm học {year} để bỏ."
    audit.record(actor, "coverage.target", "coverage_target", row.id, root_id, message)
    return message


def targets_of(root_id):
    """The Sở's own rows and the national ones, by stage and year."""
    return db.session.execute(select(CoverageTarget).where(
        (CoverageTarget.unit_id == root_id) | CoverageTarget.unit_id.is_(None))
        .order_by(CoverageTarget.stage, CoverageTarget.year, CoverageTarget.unit_id)).scalars().all()
