"""The audit log of staff actions."""
from sqlalchemy import Index

from app.core.timeutil import utcnow
from app.extensions import db


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_unit_at", "unit_id", "at"),
        Index("ix_audit_log_at", "at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime, nullable=False, default=utcnow)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    username = db.Column(db.String(64))  # kept when the account is deleted
    action = db.Column(db.String(50), nullable=False)
    object_type = db.Column(db.String(30), nullable=False)
    object_id = db.Column(db.Integer)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="SET NULL"))
    summary = db.Column(db.Text, nullable=False, default="")

    user = db.relationship("User")


def record(actor, action, obj_type, obj_id=None, unit_id=None, summary=""):
    """Add an audit row to the current transaction; the caller commits."""
    db.session.add(AuditLog(
        user_id=getattr(actor, "id", None),
        username=getattr(actor, "username", None) or "cli",
        action=action, object_type=obj_type, object_id=obj_id,
        unit_id=unit_id, summary=summary[:2000],
    ))
