"""Forms of contests and rounds, with their prize counts."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, FormField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import PrizeCountsForm


class ContestForm(FlaskForm):
    code = StringField("Mã cuộc thi", validators=[DataRequired("Nhập mã, ví dụ DVC2026."), Length(max=32)])
    name = StringField("Tên cuộc thi", validators=[DataRequired("Nhập tên cuộc thi."), Length(max=300)])
    bank_id = SelectField("Ngân hàng câu hỏi", coerce=int, choices=[])
    school_year = IntegerField("Năm học (năm bắt đầu)", validators=[DataRequired(), NumberRange(2020, 2100)])
    thcs = BooleanField("THCS", default=True)
    thpt = BooleanField("THPT", default=True)
    gdtx = BooleanField("GDTX (giáo dục thường xuyên)")


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


class UnitWindowForm(FlaskForm):
    """A row of "giờ mở theo đơn vị": a unit (or school) and its own opening time."""
    unit_id = SelectField("Đơn vị hoặc trường", coerce=int, choices=[])
    opens_at = DateTimeLocalField("Mở lúc", format="%Y-%m-%dT%H:%M", validators=[DataRequired("Chọn giờ mở.")])
    closes_at = DateTimeLocalField("Đóng lúc (để trống: theo đợt thi)", format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])
