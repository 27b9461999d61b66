"""A certificate template per contest (quiz or creative) and the certificates issued
from it. A certificate keeps what it says (name, class, school, achievement) as
issued, so a later roster change never rewrites a paper already handed out; only
revocation changes it."""
from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text

from app.core.timeutil import utcnow
from app.core.vocabulary import Vocabulary
from app.extensions import db



class CertificateKind(Vocabulary):
    PASS = "pass", "Chứng nhận đạt"
    PRIZE = "prize", "Giải cá nhân"
    COLLECTIVE = "collective", "Giải tập thể"
    ENTRY = "entry", "Giải sáng tạo"
    ENTRY_PASS = "entry_pass", "Tham gia vòng tỉnh"


KINDS = CertificateKind.labels()
PRIZE_KINDS = (CertificateKind.PRIZE, CertificateKind.COLLECTIVE, CertificateKind.ENTRY)


def learner_of(school_level):
    return "Học viên" if school_level == "GDNN-GDTX" else "Học sinh"


class CertificateTemplate(db.Model):
    """How a contest's certificates look and who signs them: of one quiz contest or
    one creative contest."""

    __tablename__ = "certificate_template"
    __table_args__ = (
        CheckConstraint("(contest_id IS NULL) <> (creative_contest_id IS NULL)", name="one_contest"),
    )

    id = db.Column(db.Integer, primary_key=True)
    contest_id = db.Column(db.Integer, db.ForeignKey("contest.id", ondelete="CASCADE"), unique=True)
    creative_contest_id = db.Column(db.Integer, db.ForeignKey("creative_contest.id", ondelete="CASCADE"),
                                    unique=True)
    code = db.Column(db.String(32), nullable=False)  # the serials' prefix: the contest's code
    school_year = db.Column(db.Integer, nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False)
    issuer_parent = db.Column(db.String(200), nullable=False, default="")  # ỦY BAN NHÂN DÂN THÀNH PHỐ ...
    issuer_name = db.Column(db.String(200), nullable=False)  # SỞ GIÁO DỤC VÀ ĐÀO TẠO
    granter = db.Column(db.String(200), nullable=False, default="")  # GIÁM ĐỐC SỞ ... (above "TẶNG")
    prize_title = db.Column(db.String(60), nullable=False, default="GIẤY KHEN")
    pass_title = db.Column(db.String(60), nullable=False, default="GIẤY CHỨNG NHẬN")
    contest_title = db.Column(db.String(300), nullable=False)  # as written after "Đã đạt giải Nhất ..."
    place = db.Column(db.String(80), nullable=False)
    issue_date = db.Column(db.Date)  # None: the day of issue
    signer_title = db.Column(db.String(120), nullable=False)  # one line per row: "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    signer_name = db.Column(db.String(120), nullable=False, default="")
    reference = db.Column(db.String(200), nullable=False, default="")  # "Quyết định số .../QĐ-SGDĐT ..."
    include_pass = db.Column(db.Boolean, nullable=False, default=True)  # giấy chứng nhận for passing
    logo_name = db.Column(db.String(80))
    background_name = db.Column(db.String(80))
    signature_name = db.Column(db.String(80))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    contest = db.relationship("Contest")
    creative_contest = db.relationship("CreativeContest")
    unit = db.relationship("Unit")

    @property
    def owner(self):
        return self.contest or self.creative_contest


class Certificate(db.Model):
    """One certificate: its serial, a secret check code printed beside the QR (the
    serials are sequential, the code keeps them from being walked), the recipient
    as written, and the revocation if any. `key` says what it was issued for
    (e.g. "r12:prize:s345"): one valid certificate per key, which makes issuing
    again idempotent."""

    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("template_id", "seq", name="uq_certificate_seq"),
        Index("uq_certificate_valid_key", "template_id", "key", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
        Index("ix_certificate_student", "student_id"),
        Index("ix_certificate_school", "template_id", "school_id", "class_name"),
        CertificateKind.check("kind"),
    )

    id = db.Column(db.Integer, primary_key=True)
    template_id = db.Column(db.Integer, db.ForeignKey("certificate_template.id", ondelete="CASCADE"), nullable=False)
    seq = db.Column(db.Integer, nullable=False)
    serial = db.Column(db.String(60), nullable=False, unique=True)
    check_code = db.Column(db.String(12), nullable=False)
    key = db.Column(db.String(80), nullable=False)
    kind = db.Column(db.String(12), nullable=False)
    title = db.Column(db.String(60), nullable=False)  # GIẤY KHEN / GIẤY CHỨNG NHẬN
    student_id = db.Column(db.Integer, db.ForeignKey("student.id", ondelete="SET NULL"))
    recipient_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="SET NULL"))  # collective
    school_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="SET NULL"))  # whose staff download it
    class_id = db.Column(db.Integer, db.ForeignKey("school_class.id", ondelete="SET NULL"))
    recipient_name = db.Column(db.String(200), nullable=False)
    class_name = db.Column(db.String(20), nullable=False, default="")
    school_name = db.Column(db.String(200), nullable=False, default="")
    achievement = db.Column(db.Text, nullable=False)  # "Đã đạt Giải Nhất ..."; **...** marks the prize
    issued_on = db.Column(db.Date, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    revoked_at = db.Column(db.DateTime)
    revoked_reason = db.Column(db.Text)
    revoked_by = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    replaces_id = db.Column(db.Integer, db.ForeignKey("certificate.id", ondelete="SET NULL"))

    template = db.relationship("CertificateTemplate")
    replaces = db.relationship("Certificate", remote_side=[id])
    school = db.relationship("Unit", foreign_keys=[school_id])

    @property
    def learner(self):
        """What the recipient is called: a học viên at a TTGDNN-GDTX centre, else a học sinh."""
        return learner_of(self.school.level if self.school is not None else None)

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)

    @property
    def is_prize(self):
        return self.kind in PRIZE_KINDS

    @property
    def collective(self):
        return self.kind == "collective"
