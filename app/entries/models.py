"""Creative contests (áp phích, mô hình, video) and their entries, files, judging
panels, assignments and scores.

A contest has a submission window and a school round: until `approval_closes_at`
each school approves or returns its entries; approved entries then form the
provincial round, which panels of judges score blind against the category's
rubric. An entry's status is stored for what people do (draft, submitted,
returned, approved); "in the provincial round" and "prize" follow from the dates
and the published results."""
from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from app.core.timeutil import utcnow
from app.core.vocabulary import Prize, Vocabulary
from app.extensions import db



class EntryCategory(Vocabulary):
    POSTER = "poster", "Áp phích"
    MODEL = "model", "Mô hình"
    VIDEO = "video", "Video / sản phẩm đa phương tiện"


class EntryStatus(Vocabulary):
    """What people did with an entry; the provincial round and prizes follow from dates and results."""

    DRAFT = "draft", "Nháp"
    SUBMITTED = "submitted", "Đã nộp"
    RETURNED = "returned", "Bị trả lại"
    APPROVED = "approved", "Trường duyệt"


class FileKind(Vocabulary):
    IMAGE = "image", "Ảnh"
    PDF = "pdf", "PDF"
    VIDEO = "video", "Video"


class UploadState(Vocabulary):
    """Where a chunked upload stands (app.entries.uploads)."""

    RECEIVING = "receiving", "Đang tải lên"
    FINISHING = "finishing", "Đang xử lý"  # complete: its job checks, converts and attaches it
    DONE = "done", "Đã xong"


CATEGORIES = EntryCategory.labels()
STATUSES = EntryStatus.labels()
# Default rubric (weights sum to 100, each criterion scored up to its max points).
DEFAULT_RUBRIC = [
    {"key": "noi_dung", "name": "Nội dung", "weight": 40, "max": 10},
    {"key": "sang_tao", "name": "Sáng tạo", "weight": 30, "max": 10},
    {"key": "tham_my", "name": "Thẩm mỹ / kỹ thuật", "weight": 20, "max": 10},
    {"key": "lan_toa", "name": "Tính lan tỏa", "weight": 10, "max": 10},
]
# File rules per category; sizes in MB, lengths in seconds, sides in pixels.
DEFAULT_FILE_RULES = {
    "poster": {"max_mb": 20, "min_long_side": 1000},
    "model": {"max_mb": 10, "min_photos": 1, "max_photos": 10, "min_long_side": 800},
    "video": {"max_mb": 200, "max_seconds": 300, "links": False},
}
# Judging is blind, and a video site's page shows the channel or account that posted the video
# (YouTube's unlisted videos too): links are taken only when a contest says so, knowing that.
BLIND_LINK_REFUSAL = ("Cuộc thi này chấm ẩn danh nên chỉ nhận tệp video MP4, không nhận đường liên kết: trang "
                      "YouTube, Facebook, TikTok, Google Drive… hiện tên kênh hoặc tài khoản người đăng, giám khảo "
                      "sẽ biết tác giả.")


class CreativeContest(db.Model):
    __tablename__ = "creative_contest"
    __table_args__ = (
        CheckConstraint("submit_closes_at > submit_opens_at", name="submit_window"),
        CheckConstraint("approval_closes_at >= submit_closes_at", name="approval_after_submit"),
        CheckConstraint("max_team_size >= 1", name="team_size_positive"),
        CheckConstraint("judges_per_entry >= 1", name="judges_positive"),
    )

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(32), nullable=False, unique=True)
    name = db.Column(db.String(300), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    school_year = db.Column(db.Integer, nullable=False)
    levels = db.Column(db.String(60), nullable=False, default="THCS,THPT")
    categories = db.Column(db.String(60), nullable=False, default="poster,model,video")
    description = db.Column(db.Text, nullable=False, default="")
    submit_opens_at = db.Column(db.DateTime, nullable=False)
    submit_closes_at = db.Column(db.DateTime, nullable=False)
    approval_closes_at = db.Column(db.DateTime, nullable=False)  # the school round ends
    max_team_size = db.Column(db.Integer, nullable=False, default=3)
    advisor_required = db.Column(db.Boolean, nullable=False, default=True)
    file_rules = db.Column(db.JSON, nullable=False, default=dict)  # {category: {...}} over DEFAULT_FILE_RULES
    rubrics = db.Column(db.JSON, nullable=False, default=dict)  # {category: [criterion, ...]}
    judges_per_entry = db.Column(db.Integer, nullable=False, default=2)
    drop_extremes = db.Column(db.Boolean, nullable=False, default=True)  # with 5+ judges
    disagreement_points = db.Column(db.Float, nullable=False, default=20.0)  # on the 100-point scale
    prizes = db.Column(db.JSON, nullable=False, default=dict)  # {category: {"nhat": 1, ...}}
    published = db.Column(db.Boolean, nullable=False, default=True)  # students see it
    results_published_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    unit = db.relationship("Unit")

    @property
    def category_list(self):
        return [c for c in self.categories.split(",") if c in CATEGORIES]

    @property
    def level_list(self):
        return [level for level in self.levels.split(",") if level]

    def rules_for(self, category):
        return {**DEFAULT_FILE_RULES.get(category, {}), **(self.file_rules or {}).get(category, {})}

    def rubric_for(self, category):
        return (self.rubrics or {}).get(category) or DEFAULT_RUBRIC


class Entry(db.Model):
    __tablename__ = "entry"
    __table_args__ = (
        EntryStatus.check("status"),
        EntryCategory.check("category"),
        Prize.check("prize", nullable=True),
        Index("ix_entry_contest_school", "contest_id", "school_id"),
        Index("ix_entry_contest_category", "contest_id", "category", "status"),
    )

    id = db.Column(db.Integer, primary_key=True)
    contest_id = db.Column(db.Integer, db.ForeignKey("creative_contest.id", ondelete="CASCADE"), nullable=False)
    school_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False)
    category = db.Column(db.String(10), nullable=False)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    video_url = db.Column(db.String(500))
    advisor_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    status = db.Column(db.String(10), nullable=False, default="draft")
    return_reason = db.Column(db.Text)
    submitted_at = db.Column(db.DateTime)
    reviewed_at = db.Column(db.DateTime)
    reviewed_by = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_by = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    # Set when the results are published.
    final_score = db.Column(db.Float)
    rank = db.Column(db.Integer)
    prize = db.Column(db.String(4))  # a Prize
    prize_label = db.Column(db.String(40))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    contest = db.relationship("CreativeContest")
    school = db.relationship("Unit")
    advisor = db.relationship("User", foreign_keys=[advisor_id])
    members = db.relationship("EntryMember", cascade="all, delete-orphan", order_by="EntryMember.position")
    files = db.relationship("EntryFile", cascade="all, delete-orphan", order_by="EntryFile.position")

    @property
    def blind_code(self):
        """What judges see instead of names: the category's letter and the entry number."""
        return f"{self.category[0].upper()}-{self.id:04d}"


class EntryMember(db.Model):
    __tablename__ = "entry_member"
    __table_args__ = (Index("ix_entry_member_student", "student_id"),)

    entry_id = db.Column(db.Integer, db.ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    student_id = db.Column(db.Integer, db.ForeignKey("student.id", ondelete="CASCADE"), primary_key=True)
    position = db.Column(db.Integer, nullable=False, default=0)

    student = db.relationship("Student")


class EntryFile(db.Model):
    """A checked file of an entry, stored under entries/<contest id>/ in the storage (app.core.storage)."""

    __tablename__ = "entry_file"
    __table_args__ = (
        FileKind.check("kind"),
        Index("ix_entry_file_entry", "entry_id", "position"),
    )

    id = db.Column(db.Integer, primary_key=True)
    entry_id = db.Column(db.Integer, db.ForeignKey("entry.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(8), nullable=False)
    mime = db.Column(db.String(40), nullable=False)
    stored_name = db.Column(db.String(80), nullable=False, unique=True)
    thumb_name = db.Column(db.String(80))
    original_name = db.Column(db.String(255), nullable=False, default="")
    size = db.Column(db.Integer, nullable=False)
    width = db.Column(db.Integer)
    height = db.Column(db.Integer)
    duration = db.Column(db.Float)
    pages = db.Column(db.Integer)
    position = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class EntryUpload(db.Model):
    """A file coming to an entry in chunks, so that a phone whose connection drops goes on
    where it stopped (app.entries.uploads). The parts are in the storage, shared by every
    app host, under entry-uploads/<id>/; `received` counts the bytes taken so far. Once
    complete, a job (`entries.upload`) checks the file, converts a phone video, and adds
    it to the entry. Only the user who began it may send to it."""

    __tablename__ = "entry_upload"
    __table_args__ = (
        UploadState.check("state"),
        CheckConstraint("received >= 0 AND received <= size", name="received_within_size"),
        CheckConstraint("chunk_size > 0", name="chunk_size_positive"),
        Index("ix_entry_upload_entry_user", "entry_id", "user_id"),
        Index("ix_entry_upload_updated", "updated_at"),
    )

    id = db.Column(db.String(32), primary_key=True)  # random hex: it names the upload in its URL
    entry_id = db.Column(db.Integer, db.ForeignKey("entry.id", ondelete="CASCADE"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    filename = db.Column(db.String(255), nullable=False, default="")
    fingerprint = db.Column(db.String(64), nullable=False, default="")  # the browser's size and date of the file
    size = db.Column(db.BigInteger, nullable=False)
    chunk_size = db.Column(db.Integer, nullable=False)
    received = db.Column(db.BigInteger, nullable=False, default=0)
    state = db.Column(db.String(10), nullable=False, default=UploadState.RECEIVING)
    job_id = db.Column(db.String(32), db.ForeignKey("job.id", ondelete="SET NULL"))
    file_id = db.Column(db.Integer, db.ForeignKey("entry_file.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)  # the last chunk taken
    received_at = db.Column(db.DateTime)  # when the last byte came: the entry's deadline is checked then

    entry = db.relationship("Entry")
    user = db.relationship("User")
    job = db.relationship("Job")


class Panel(db.Model):
    """The judges of one category of a contest; the head sees flagged disagreements."""

    __tablename__ = "judging_panel"
    __table_args__ = (
        UniqueConstraint("contest_id", "category", name="uq_panel_category"),
        EntryCategory.check("category"),
    )

    id = db.Column(db.Integer, primary_key=True)
    contest_id = db.Column(db.Integer, db.ForeignKey("creative_contest.id", ondelete="CASCADE"), nullable=False)
    category = db.Column(db.String(10), nullable=False)
    head_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))

    contest = db.relationship("CreativeContest")
    judges = db.relationship("PanelJudge", cascade="all, delete-orphan")


class PanelJudge(db.Model):
    __tablename__ = "panel_judge"

    panel_id = db.Column(db.Integer, db.ForeignKey("judging_panel.id", ondelete="CASCADE"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)

    user = db.relationship("User")


class Assignment(db.Model):
    """An entry given to a judge, with the judge's scores: {criterion key: points}."""

    __tablename__ = "judge_assignment"
    __table_args__ = (
        UniqueConstraint("entry_id", "judge_id", name="uq_assignment_entry_judge"),
        Index("ix_assignment_judge", "judge_id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    entry_id = db.Column(db.Integer, db.ForeignKey("entry.id", ondelete="CASCADE"), nullable=False)
    judge_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    scores = db.Column(db.JSON, nullable=False, default=dict)
    comment = db.Column(db.Text, nullable=False, default="")
    submitted_at = db.Column(db.DateTime)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    entry = db.relationship("Entry")
    judge = db.relationship("User")
