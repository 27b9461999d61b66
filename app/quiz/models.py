"""Question banks. A question keeps every version it has had: an edit adds a version,
and attempts point at the version they were given, so retiring or editing a
question never changes a past attempt."""
from sqlalchemy import CheckConstraint, Index, UniqueConstraint, and_
from sqlalchemy.orm import foreign

from app.core.text import fold, text_sort_key
from app.core.vocabulary import Prize, Vocabulary
from app.core.timeutil import utcnow
from app.extensions import db
from app.quiz.qtypes import TYPE_LABELS, TYPES

_TYPES_SQL = ", ".join(f"'{t}'" for t in TYPES)


# The vocabularies of a question's metadata (the formats read and write them too).
class TextFormat(Vocabulary):
    """How a question's text is written (Moodle's text formats)."""

    MOODLE = "moodle"
    HTML = "html"
    MARKDOWN = "markdown"
    PLAIN = "plain"


class QuestionLevel(Vocabulary):
    """Who a question is for."""

    THCS = "THCS", "THCS"
    THPT = "THPT", "THPT"
    ALL = "all", "THCS và THPT"


class Difficulty(Vocabulary):
    EASY = "easy", "Dễ"
    MEDIUM = "medium", "Trung bình"
    HARD = "hard", "Khó"


TEXT_FORMATS = TextFormat.values()
LEVELS = QuestionLevel.values()
DIFFICULTIES = Difficulty.values()

LEVEL_LABELS = QuestionLevel.labels()
DIFFICULTY_LABELS = Difficulty.labels()


class QuestionBank(db.Model):
    """A bank belongs to a unit (a Sở's bank, a school's bank); everyone in that
    unit's part of the tree can use it, its staff can change it."""

    __tablename__ = "question_bank"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(32), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    description = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    unit = db.relationship("Unit")


class Question(db.Model):
    """What a round draws by: topic, level, difficulty, type; the text lives in versions."""

    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("bank_id", "key", name="uq_question_bank_key"),
        CheckConstraint(f"qtype IN ({_TYPES_SQL})", name="qtype"),
        QuestionLevel.check("level"),
        Difficulty.check("difficulty"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_question_draw", "bank_id", "retired_at", "topic", "difficulty"),
        Index("ix_question_bank_hash", "bank_id", "content_hash"),
    )

    id = db.Column(db.Integer, primary_key=True)
    bank_id = db.Column(db.Integer, db.ForeignKey("question_bank.id", ondelete="CASCADE"), nullable=False)
    key = db.Column(db.String(64))
    topic = db.Column(db.String(200), nullable=False)
    level = db.Column(db.String(8), nullable=False, default="all")
    difficulty = db.Column(db.String(8), nullable=False, default="medium")
    qtype = db.Column(db.String(20), nullable=False)
    version = db.Column(db.Integer, nullable=False, default=1)  # the current version's number
    content_hash = db.Column(db.String(64), nullable=False)
    search_text = db.Column(db.Text, nullable=False, default="")
    sort_key = db.Column(db.String(1200), nullable=False, default="")
    retired_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    bank = db.relationship("QuestionBank", backref=db.backref("questions", lazy="dynamic"))
    current = db.relationship(
        "QuestionVersion", uselist=False, viewonly=True, lazy="joined",
        primaryjoin=lambda: and_(foreign(QuestionVersion.question_id) == Question.id,
                                 foreign(QuestionVersion.number) == Question.version),
    )
    versions = db.relationship("QuestionVersion", order_by="QuestionVersion.number",
                               back_populates="question", cascade="all, delete-orphan")

    @property
    def type_label(self):
        return TYPE_LABELS.get(self.qtype, self.qtype)

    @property
    def level_label(self):
        return LEVEL_LABELS.get(self.level, self.level)

    @property
    def difficulty_label(self):
        return DIFFICULTY_LABELS.get(self.difficulty, self.difficulty)

    def index_text(self, text):
        self.search_text = fold(" ".join(filter(None, [self.key, self.topic, text])))
        self.sort_key = text_sort_key(text[:300])


class QuestionVersion(db.Model):
    """One version of a question, never changed once an attempt may use it."""

    __tablename__ = "question_version"
    __table_args__ = (
        UniqueConstraint("question_id", "number", name="uq_question_version_number"),
        CheckConstraint(f"qtype IN ({_TYPES_SQL})", name="qtype"),
        TextFormat.check("text_format"),
    )

    id = db.Column(db.Integer, primary_key=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), nullable=False)
    number = db.Column(db.Integer, nullable=False)
    qtype = db.Column(db.String(20), nullable=False)
    title = db.Column(db.String(255))
    text = db.Column(db.Text, nullable=False)
    text_format = db.Column(db.String(10), nullable=False, default="moodle")
    # answers / pairs / single / shuffle, as in the format dicts (app.quiz.banks.formats).
    data = db.Column(db.JSON, nullable=False)
    explanation = db.Column(db.Text)
    source = db.Column(db.Text)
    # The question's difficulty label when this version was made (None before it was kept)
    # and why the version was made when it is not an edit (a calibration from a round).
    difficulty = db.Column(db.String(8))
    note = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))

    question = db.relationship("Question", back_populates="versions")
    created_by = db.relationship("User")

    @property
    def answers(self):
        return self.data.get("answers", [])

    @property
    def pairs(self):
        return self.data.get("pairs", [])

    @property
    def single(self):
        return self.data.get("single", True)

    @property
    def shuffle(self):
        return self.data.get("shuffle", True)




# Contests -----------------------------------------------------------------------------

class GradingMethod(Vocabulary):
    """Which attempt of a student counts in a round."""

    HIGHEST = "highest", "Điểm cao nhất"
    FIRST = "first", "Lần đầu"
    LAST = "last", "Lần cuối"
    AVERAGE = "average", "Trung bình"


class ReviewPolicy(Vocabulary):
    """When a student sees the answers and explanations of an attempt."""

    AFTER_SUBMIT = "after_submit", "Ngay sau khi nộp"
    AFTER_CLOSE = "after_close", "Sau khi đợt thi kết thúc"
    NEVER = "never", "Không hiện"


class FinishedBy(Vocabulary):
    """Who finished an attempt: the student's submit, the deadline, or the teacher (a class session)."""

    STUDENT = "student", "Học sinh nộp"
    TIMEOUT = "timeout", "Hết giờ"
    TEACHER = "teacher", "Giáo viên kết thúc"


GRADING_METHODS = GradingMethod.labels()
REVIEW_POLICIES = ReviewPolicy.labels()


class Contest(db.Model):
    """A cuộc thi tìm hiểu of a unit (a whole Sở, or one school), for some school levels."""

    __tablename__ = "contest"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(32), nullable=False, unique=True)
    name = db.Column(db.String(300), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    bank_id = db.Column(db.Integer, db.ForeignKey("question_bank.id", ondelete="RESTRICT"), nullable=False)
    levels = db.Column(db.String(60), nullable=False, default="THCS,THPT")  # stages: THCS, THPT, GDTX
    school_year = db.Column(db.Integer, nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    published = db.Column(db.Boolean, nullable=False, default=True)  # students see it
    # Overall individual prizes across the ranked rounds: {"nhat": 1, "nhi": 2, "ba": 3, "kk": 5}.
    prizes = db.Column(db.JSON, nullable=False, default=dict, server_default=db.text("'{}'"))
    # Collective prizes by participation rate: {"schools": {"nhat": 1, ...}, "units": {...}}.
    collective_prizes = db.Column(db.JSON, nullable=False, default=dict, server_default=db.text("'{}'"))
    results_published_at = db.Column(db.DateTime)  # the overall and collective results are public
    # Who counts as taking part: a finished attempt ("finished") or one reaching the passing score ("passed").
    participation_rule = db.Column(db.String(10), nullable=False, default="finished", server_default="finished")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    unit = db.relationship("Unit")
    bank = db.relationship("QuestionBank")
    rounds = db.relationship("Round", order_by="Round.number", back_populates="contest",
                             cascade="all, delete-orphan")

    @property
    def level_list(self):
        return [level for level in self.levels.split(",") if level]


class Round(db.Model):
    """An đợt of a contest: its window, time limit, the draw, attempts and grading."""

    __tablename__ = "round"
    __table_args__ = (
        UniqueConstraint("contest_id", "number", name="uq_round_contest_number"),
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("time_limit_minutes IS NULL OR time_limit_minutes > 0", name="time_limit_positive"),
        CheckConstraint("attempts_allowed >= 1", name="attempts_positive"),
        CheckConstraint("question_count >= 1", name="question_count_positive"),
        GradingMethod.check("grading_method"),
        ReviewPolicy.check("review_policy"),
        CheckConstraint("passing_score >= 0 AND passing_score <= 100", name="passing_score_range"),
    )

    id = db.Column(db.Integer, primary_key=True)
    contest_id = db.Column(db.Integer, db.ForeignKey("contest.id", ondelete="CASCADE"), nullable=False)
    number = db.Column(db.Integer, nullable=False)
    name = db.Column(db.String(200), nullable=False)
    opens_at = db.Column(db.DateTime, nullable=False)
    closes_at = db.Column(db.DateTime, nullable=False)
    time_limit_minutes = db.Column(db.Integer)  # None: untimed (practice)
    question_count = db.Column(db.Integer, nullable=False, default=20)
    # [{"topic": str|None, "difficulty": str|None, "count": int}]; empty: any active question.
    draw_rules = db.Column(db.JSON, nullable=False, default=list)
    shuffle_questions = db.Column(db.Boolean, nullable=False, default=True)
    shuffle_options = db.Column(db.Boolean, nullable=False, default=True)
    attempts_allowed = db.Column(db.Integer, nullable=False, default=1)
    grading_method = db.Column(db.String(10), nullable=False, default="highest")
    passing_score = db.Column(db.Float, nullable=False, default=50.0)  # percent
    ask_prediction = db.Column(db.Boolean, nullable=False, default=True)
    review_policy = db.Column(db.String(15), nullable=False, default="after_close")
    practice = db.Column(db.Boolean, nullable=False, default=False)
    # {stage: [[[question_id, version_id], ...] per draw rule]}: frozen at the first start.
    pool = db.Column(db.JSON)
    # How many of each prize: {"nhat": 1, "nhi": 2, "ba": 3, "kk": 5}.
    prizes = db.Column(db.JSON, nullable=False, default=dict, server_default=db.text("'{}'"))
    results_published_at = db.Column(db.DateTime)

    contest = db.relationship("Contest", back_populates="rounds")


class Attempt(db.Model):
    """One student's attempt at a round. The deadline is fixed at start by the server."""

    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("round_id", "student_id", "number", name="uq_attempt_round_student_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        FinishedBy.check("finished_by", nullable=True),
        Index("ix_attempt_round_submitted", "round_id", "submitted_at"),
        Index("ix_attempt_student", "student_id", "round_id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.Integer, db.ForeignKey("round.id", ondelete="CASCADE"), nullable=False)
    student_id = db.Column(db.Integer, db.ForeignKey("student.id", ondelete="CASCADE"), nullable=False)
    school_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    started_at = db.Column(db.DateTime, nullable=False)
    deadline_at = db.Column(db.DateTime)  # None: untimed and the round never closes it
    extra_seconds = db.Column(db.Integer, nullable=False, default=0)
    submitted_at = db.Column(db.DateTime)
    finished_by = db.Column(db.String(10))
    score = db.Column(db.Float)  # sum of question marks, set at submit
    max_score = db.Column(db.Float, nullable=False)
    prediction = db.Column(db.Integer)
    duration_seconds = db.Column(db.Integer)
    answered_count = db.Column(db.Integer, nullable=False, default=0)
    session_id = db.Column(db.Integer, db.ForeignKey("class_session.id", ondelete="SET NULL"), index=True)

    round = db.relationship("Round")
    student = db.relationship("Student")
    questions = db.relationship("AttemptQuestion", order_by="AttemptQuestion.position", back_populates="attempt",
                                cascade="all, delete-orphan")

    @property
    def finished(self):
        return self.submitted_at is not None

    @property
    def percent(self):
        return 100.0 * (self.score or 0) / self.max_score if self.max_score else 0.0


class AttemptQuestion(db.Model):
    """A question drawn for an attempt, in the version it was given, with the answer saved."""

    __tablename__ = "attempt_question"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_attempt_question_position"),)

    id = db.Column(db.Integer, primary_key=True)
    attempt_id = db.Column(db.Integer, db.ForeignKey("attempt.id", ondelete="CASCADE"), nullable=False)
    position = db.Column(db.Integer, nullable=False)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="RESTRICT"), nullable=False,
                            index=True)
    version_id = db.Column(db.Integer, db.ForeignKey("question_version.id", ondelete="RESTRICT"), nullable=False)
    option_order = db.Column(db.JSON, nullable=False, default=list)  # indexes into the version's answers
    response = db.Column(db.JSON)  # None: not answered
    seq = db.Column(db.Integer, nullable=False, default=0)  # the client's counter: older saves are ignored
    answered_at = db.Column(db.DateTime)
    mark = db.Column(db.Float)  # 0..1, set at submit

    attempt = db.relationship("Attempt", back_populates="questions")
    version = db.relationship("QuestionVersion", lazy="joined", innerjoin=True)  # always needed with it


class RoundUnitWindow(db.Model):
    """"Giờ mở theo đơn vị": a round's own opening time (and, if set, closing time) for the
    schools of one unit, so that a province does not start all at once. A school takes
    the row of its nearest unit that has one (itself, its cluster, ...); the times are
    kept inside the round's window (`attempts.services.window_for`)."""

    __tablename__ = "round_unit_window"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", name="uq_round_unit_window"),
        CheckConstraint("closes_at IS NULL OR closes_at > opens_at", name="window"),
    )

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.Integer, db.ForeignKey("round.id", ondelete="CASCADE"), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False, index=True)
    opens_at = db.Column(db.DateTime, nullable=False)
    closes_at = db.Column(db.DateTime)  # None: the round's

    round = db.relationship("Round", backref=db.backref("unit_windows", cascade="all, delete-orphan",
                                                        passive_deletes=True, order_by="RoundUnitWindow.opens_at"))
    unit = db.relationship("Unit")


class AttemptReceipt(db.Model):
    """An emergency receipt accepted for an attempt: the final submit could not reach the
    server, the page gave the student the server's signed acknowledgements of their
    answers, and a teacher uploaded them (`attempts.receipts.accept_receipt`). One per
    attempt."""

    __tablename__ = "attempt_receipt"

    id = db.Column(db.Integer, primary_key=True)
    attempt_id = db.Column(db.Integer, db.ForeignKey("attempt.id", ondelete="CASCADE"), nullable=False,
                           unique=True)
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at = db.Column(db.DateTime, nullable=False)
    answers = db.Column(db.Integer, nullable=False)  # signed answers in the receipt
    changed = db.Column(db.Integer, nullable=False)  # of those, how many differed from the saved ones
    signed_until = db.Column(db.DateTime, nullable=False)  # the latest signed server time: the finish time
    previous_finish = db.Column(db.String(10))  # how the attempt had been finished before (timeout), if it had
    after_publication = db.Column(db.Boolean, nullable=False, default=False)
    digest = db.Column(db.String(64), nullable=False)  # sha256 of the receipt's code

    attempt = db.relationship("Attempt")
    uploaded_by = db.relationship("User")


class ClassSession(db.Model):
    """A teacher running a round with a class: a short join code to show on the
    projector, a live board, and closing it finishes the attempts made through it."""

    __tablename__ = "class_session"
    __table_args__ = (Index("ix_class_session_code_open", "code", "closed_at"),)

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.Integer, db.ForeignKey("round.id", ondelete="CASCADE"), nullable=False, index=True)
    class_id = db.Column(db.Integer, db.ForeignKey("school_class.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    teacher_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    code = db.Column(db.String(8), nullable=False)
    opened_at = db.Column(db.DateTime, nullable=False)
    closed_at = db.Column(db.DateTime)

    round = db.relationship("Round")
    school_class = db.relationship("SchoolClass")
    teacher = db.relationship("User")

    @property
    def is_open(self):
        return self.closed_at is None


class SessionJoin(db.Model):
    """A student let into a class session by name and birth date, without a password:
    a login for that session's attempt only, shown on the board, which the teacher may
    refuse (the login ends; the attempt begun through the join is deleted)."""

    __tablename__ = "class_session_join"
    __table_args__ = (Index("ix_class_session_join_session_student", "session_id", "student_id"),)

    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.Integer, db.ForeignKey("class_session.id", ondelete="CASCADE"), nullable=False)
    student_id = db.Column(db.Integer, db.ForeignKey("student.id", ondelete="CASCADE"), nullable=False, index=True)
    attempt_id = db.Column(db.Integer, db.ForeignKey("attempt.id", ondelete="SET NULL"), index=True)
    joined_at = db.Column(db.DateTime, nullable=False)
    refused_at = db.Column(db.DateTime)
    refused_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))

    session = db.relationship("ClassSession")
    student = db.relationship("Student")


class Award(db.Model):
    """A prize as published: of a round (round_id) or of the whole contest (round_id
    None), to a student or, for a collective prize, to a unit."""

    __tablename__ = "award"
    __table_args__ = (
        CheckConstraint("(student_id IS NULL) <> (unit_id IS NULL)", name="one_recipient"),
        Prize.check("prize"),
        Index("ix_award_contest", "contest_id", "round_id"),
        Index("ix_award_student", "student_id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    contest_id = db.Column(db.Integer, db.ForeignKey("contest.id", ondelete="CASCADE"), nullable=False)
    round_id = db.Column(db.Integer, db.ForeignKey("round.id", ondelete="CASCADE"))
    student_id = db.Column(db.Integer, db.ForeignKey("student.id", ondelete="CASCADE"))
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"))
    prize = db.Column(db.String(4), nullable=False)  # a Prize
    label = db.Column(db.String(40), nullable=False)
    rank = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Ranking(db.Model):
    """A ranking as published: of a round, or of the whole contest (round_id None), stored
    by `publish_results` / `publish_contest_results` so that results pages read a page of
    rows instead of ranking every participant again. Publishing again replaces it."""

    __tablename__ = "ranking"
    __table_args__ = (
        UniqueConstraint("round_id", name="uq_ranking_round"),
        # one overall ranking per contest (a round's has its round_id)
        Index("uq_ranking_contest_overall", "contest_id", unique=True,
              sqlite_where=db.text("round_id IS NULL"), postgresql_where=db.text("round_id IS NULL")),
        CheckConstraint("participants >= 0 AND full_marks >= 0 AND winners >= 0", name="counts"),
    )

    id = db.Column(db.Integer, primary_key=True)
    contest_id = db.Column(db.Integer, db.ForeignKey("contest.id", ondelete="CASCADE"), nullable=False)
    round_id = db.Column(db.Integer, db.ForeignKey("round.id", ondelete="CASCADE"))
    participants = db.Column(db.Integer, nullable=False)
    full_marks = db.Column(db.Integer, nullable=False)  # the answer to the prediction question (rounds)
    winners = db.Column(db.Integer, nullable=False)  # rows with a prize
    stored_at = db.Column(db.DateTime, nullable=False)


class RankingRow(db.Model):
    """One student's line of a stored ranking. `position` is the row's place in the
    ranking's order (1, 2, 3, ... with ties in the order the ranking gave them) and
    `rank` the rank shown (ties share one: 1, 1, 3); `school_id` is the school the
    result was made in; `prize` the prize it won, if any."""

    __tablename__ = "ranking_row"
    __table_args__ = (
        UniqueConstraint("ranking_id", "position", name="uq_ranking_row_position"),  # pages in order
        UniqueConstraint("ranking_id", "student_id", name="uq_ranking_row_student"),  # a student's own line
        Index("ix_ranking_row_school", "ranking_id", "school_id", "position"),  # a school's lines in order
        Index("ix_ranking_row_student", "student_id"),  # a student's lines; deleting a student
        Prize.check("prize", nullable=True),
        CheckConstraint("position >= 1 AND rank >= 1 AND rank <= position", name="places"),
    )

    id = db.Column(db.Integer, primary_key=True)
    ranking_id = db.Column(db.Integer, db.ForeignKey("ranking.id", ondelete="CASCADE"), nullable=False)
    position = db.Column(db.Integer, nullable=False)
    rank = db.Column(db.Integer, nullable=False)
    student_id = db.Column(db.Integer, db.ForeignKey("student.id", ondelete="CASCADE"), nullable=False)
    school_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False)
    score = db.Column(db.Float, nullable=False)
    max_score = db.Column(db.Float, nullable=False)
    prediction_error = db.Column(db.Integer)
    duration_seconds = db.Column(db.Integer, nullable=False)
    submitted_at = db.Column(db.DateTime, nullable=False)
    prize = db.Column(db.String(4))  # a Prize

    @property
    def prize_label(self):
        return Prize.label_of(self.prize) if self.prize else None


class CollectiveRow(db.Model):
    """A school's or a unit's line of a contest's stored collective ranking (by
    participation rate), with its collective prize, if any."""

    __tablename__ = "collective_row"
    __table_args__ = (
        UniqueConstraint("ranking_id", "kind", "position", name="uq_collective_row_position"),
        CheckConstraint("kind IN ('school', 'unit')", name="kind"),
        Prize.check("prize", nullable=True),
    )

    id = db.Column(db.Integer, primary_key=True)
    ranking_id = db.Column(db.Integer, db.ForeignKey("ranking.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(6), nullable=False)  # school, or a unit right under the contest's unit
    position = db.Column(db.Integer, nullable=False)
    rank = db.Column(db.Integer, nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False)
    enrolled = db.Column(db.Integer, nullable=False)
    participants = db.Column(db.Integer, nullable=False)
    prize = db.Column(db.String(4))  # a Prize

    unit = db.relationship("Unit", lazy="joined", innerjoin=True)  # its name, in the same SELECT

    @property
    def name(self):
        return self.unit.name

    @property
    def rate(self):
        return 100.0 * self.participants / self.enrolled if self.enrolled else 0.0

    @property
    def prize_label(self):
        return Prize.label_of(self.prize) if self.prize else None
