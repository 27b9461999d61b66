from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.vocabulary import Prize
from app.quiz.formats import DIFFICULTY_LABELS, LEVEL_LABELS

OPTION_SLOTS = 6
LEVEL_CHOICES = list(LEVEL_LABELS.items())
DIFFICULTY_CHOICES = list(DIFFICULTY_LABELS.items())


class BankForm(FlaskForm):
    code = StringField("Mã ngân hàng", validators=[DataRequired("Nhập mã, ví dụ DVC-THPTND."), Length(max=32)])
    name = StringField("Tên ngân hàng", validators=[DataRequired("Nhập tên ngân hàng."), Length(max=200)])
    unit_id = SelectField("Thuộc đơn vị", coerce=int, choices=[])


class QuestionImportForm(FlaskForm):
    file = FileField("Tệp câu hỏi (GIFT, Aiken, Excel theo mẫu, YAML)",
                     validators=[FileRequired("Chọn tệp để tải lên.")])
    format = SelectField("Định dạng", choices=[("", "Tự nhận biết"), ("gift", "GIFT (Moodle)"),
                                               ("aiken", "Aiken"), ("xlsx", "Excel theo mẫu"),
                                               ("yaml", "YAML (thư mục quizzes/)")], default="")
    topic = StringField("Chủ đề cho câu chưa có chủ đề", validators=[Optional(), Length(max=200)])
    level = SelectField("Cấp học cho câu chưa ghi cấp học", choices=LEVEL_CHOICES, default="all")
    difficulty = SelectField("Mức độ cho câu chưa ghi mức độ", choices=DIFFICULTY_CHOICES, default="medium")


class OptionForm(Form):
    """One option of a multiple-choice question (a subform: the question form carries the CSRF token)."""
    text = StringField("Phương án", validators=[Optional()])
    right = BooleanField("Đúng")


class QuestionForm(FlaskForm):
    topic = StringField("Chủ đề", validators=[DataRequired("Nhập chủ đề."), Length(max=200)])
    level = SelectField("Cấp học", choices=LEVEL_CHOICES)
    difficulty = SelectField("Mức độ", choices=DIFFICULTY_CHOICES)
    text = TextAreaField("Nội dung câu hỏi", validators=[DataRequired("Nhập nội dung câu hỏi.")])
    truth = SelectField("Đáp án", choices=[("true", "Đúng"), ("false", "Sai")], default="true", validate_choice=False)
    lines = TextAreaField("Đáp án", validators=[Optional()])
    shuffle = BooleanField("Đảo thứ tự phương án khi thi")
    explanation = TextAreaField("Giải thích (hiện cho học sinh sau khi thi)", validators=[Optional()])
    source = StringField("Nguồn", validators=[Optional(), Length(max=500)])
    options = FieldList(FormField(OptionForm), min_entries=OPTION_SLOTS, max_entries=OPTION_SLOTS)


class ContestForm(FlaskForm):
    code = StringField("Mã cuộc thi", validators=[DataRequired("Nhập mã, ví dụ DVC2026."), Length(max=32)])
    name = StringField("Tên cuộc thi", validators=[DataRequired("Nhập tên cuộc thi."), Length(max=300)])
    bank_id = SelectField("Ngân hàng câu hỏi", coerce=int, choices=[])
    school_year = IntegerField("Năm học (năm bắt đầu)", validators=[DataRequired(), NumberRange(2020, 2100)])
    thcs = BooleanField("THCS", default=True)
    thpt = BooleanField("THPT", default=True)
    gdtx = BooleanField("GDTX (giáo dục thường xuyên)")


PRIZE_FIELDS = tuple(Prize.choices())


def _prize_count(prize):
    return IntegerField(prize.label, default=0, validators=[Optional(), NumberRange(0, 1000, "Từ 0 đến 1000.")])


class PrizeCountsForm(Form):
    """How many of each prize, best first; the field names are the Prize vocabulary's keys."""
    nhat = _prize_count(Prize.FIRST)
    nhi = _prize_count(Prize.SECOND)
    ba = _prize_count(Prize.THIRD)
    kk = _prize_count(Prize.CONSOLATION)


def prize_counts(prizes):
    """The counts a PrizeCountsForm field gives, a blank one as 0."""
    return {key: count or 0 for key, count in prizes.data.items()}


def set_prize_counts(prizes, counts):
    for field in prizes:
        field.data = (counts or {}).get(field.short_name, 0)


class RoundForm(FlaskForm):
    name = StringField("Tên đợt", validators=[DataRequired("Nhập tên đợt, ví dụ Tuần 1."), Length(max=200)])
    opens_at = DateTimeLocalField("Mở lúc", format="%Y-%m-%dT%H:%M", validators=[DataRequired("Chọn thời điểm mở.")])
    closes_at = DateTimeLocalField("Đóng lúc", format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired("Chọn thời điểm đóng.")])
    time_limit_minutes = IntegerField("Thời gian làm bài (phút)", default=20, validators=[Optional(), NumberRange(1, 600)])
    topic = SelectField("Chủ đề", choices=[], validate_choice=False)
    easy = IntegerField("Số câu dễ", default=8, validators=[Optional(), NumberRange(0, 200)])
    medium = IntegerField("Số câu trung bình", default=8, validators=[Optional(), NumberRange(0, 200)])
    hard = IntegerField("Số câu khó", default=4, validators=[Optional(), NumberRange(0, 200)])
    attempts_allowed = IntegerField("Số lần làm bài", default=1, validators=[DataRequired(), NumberRange(1, 20)])
    grading_method = SelectField("Điểm tính theo", choices=[])
    passing_score = IntegerField("Điểm đạt (%)", default=50, validators=[Optional(), NumberRange(0, 100)])
    ask_prediction = BooleanField("Hỏi câu dự đoán khi nộp bài", default=True)
    review_policy = SelectField("Hiện đáp án và giải thích", choices=[])
    shuffle_questions = BooleanField("Đảo thứ tự câu hỏi", default=True)
    shuffle_options = BooleanField("Đảo thứ tự phương án", default=True)
    practice = BooleanField("Đợt luyện tập (không tính giờ, không xếp hạng)")
    prizes = FormField(PrizeCountsForm)


class ContestEditForm(FlaskForm):
    name = StringField("Tên cuộc thi", validators=[DataRequired("Nhập tên cuộc thi."), Length(max=300)])
    description = TextAreaField("Giới thiệu", validators=[Optional()])
    thcs = BooleanField("THCS")
    thpt = BooleanField("THPT")
    gdtx = BooleanField("GDTX (giáo dục thường xuyên)")
    published = BooleanField("Học sinh thấy cuộc thi")
    participation_rule = RadioField("Một học sinh được tính là đã tham gia khi", default="finished", choices=[
        ("finished", "đã nộp ít nhất một bài thi (không tính đợt luyện tập)"),
        ("passed", "có bài đạt điểm đạt của đợt")])
    prizes = FormField(PrizeCountsForm)
    school_prizes = FormField(PrizeCountsForm)
    unit_prizes = FormField(PrizeCountsForm)
