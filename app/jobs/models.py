from sqlalchemy import Index

from app.core.timeutil import utcnow
from app.core.vocabulary import Vocabulary
from app.extensions import db


class JobStatus(Vocabulary):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang chạy"
    DONE = "done", "Đã xong"
    FAILED = "failed", "Không thành công"


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (
        JobStatus.check("status"),
        Index("ix_job_status_heartbeat", "status", "heartbeat_at"),
        Index("ix_job_user_created", "user_id", "created_at"),
    )

    id = db.Column(db.String(32), primary_key=True)  # random hex: a job page's address is not guessable
    kind = db.Column(db.String(50), nullable=False)
    title = db.Column(db.String(300), nullable=False, default="")
    params = db.Column(db.JSON, nullable=False, default=dict)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"))
    status = db.Column(db.String(10), nullable=False, default=JobStatus.QUEUED)
    done = db.Column(db.Integer, nullable=False, default=0)
    total = db.Column(db.Integer)
    message = db.Column(db.Text, nullable=False, default="")  # the outcome in Vietnamese, or the error
    tries = db.Column(db.Integer, nullable=False, default=0)
    result_key = db.Column(db.String(300))  # the result file in storage
    result_name = db.Column(db.String(200))
    result_mimetype = db.Column(db.String(100))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    started_at = db.Column(db.DateTime)
    heartbeat_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)
    expires_at = db.Column(db.DateTime)  # the result file is removed after this

    user = db.relationship("User")

    @property
    def status_label(self):
        return JobStatus.label_of(self.status)

    @property
    def percent(self):
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.done / self.total))

    def as_json(self):
        return {"status": self.status, "progress": self.percent, "done": self.done, "total": self.total,
                "message": self.message, "has_file": bool(self.result_key)}
