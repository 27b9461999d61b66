from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.entries.models import CATEGORIES
from app.quiz.forms import _prize_fields


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _when(label):
    return DateTimeLocalField(label, format="%Y-%m-%dT%H:%M", validators=[DataRequired(f"Chọn {label.lower()}.")])


class CreativeContestForm(FlaskForm):
    code = StringField("Mã cuộc thi", validators=[DataRequired("Nhập mã, ví dụ AP2026."), Length(max=32)])
    name = StringField("Tên cuộc thi", validators=[DataRequired("Nhập tên cuộc thi."), Length(max=300)])
    description = TextAreaField("Thể lệ tóm tắt", validators=[Optional()])
    school_year = IntegerField("Năm học (năm bắt đầu)", validators=[DataRequired(), NumberRange(2020, 2100)])
    levels = MultiCheckboxField("Dành cho", choices=[("THCS", "THCS"), ("THPT", "THPT"), ("GDTX", "GDTX")],
                                default=["THCS", "THPT"])
    categories = MultiCheckboxField("Thể loại", choices=list(CATEGORIES.items()), default=list(CATEGORIES))
    submit_opens_at = _when("Mở nhận bài lúc")
    submit_closes_at = _when("Hạn nộp bài")
    approval_closes_at = _when("Kết thúc vòng trường")
    max_team_size = IntegerField("Số học sinh tối đa một nhóm", default=3, validators=[NumberRange(1, 10)])
    advisor_required = BooleanField("Bắt buộc có giáo viên hướng dẫn", default=True)
    judges_per_entry = IntegerField("Số giám khảo chấm mỗi bài", default=2, validators=[NumberRange(1, 15)])
    drop_extremes = BooleanField("Từ 5 giám khảo: bỏ điểm cao nhất và thấp nhất", default=True)
    disagreement_points = IntegerField("Đánh dấu bài khi điểm các giám khảo lệch quá (điểm, thang 100)", default=20,
                                       validators=[NumberRange(1, 100)])
    published = BooleanField("Học sinh thấy cuộc thi", default=True)


# File rules: (category, rule, label, lowest, highest)
FILE_RULE_FIELDS = (
    ("poster", "max_mb", "Áp phích: dung lượng tối đa (MB)", 1, 100),
    ("poster", "min_long_side", "Áp phích: cạnh dài tối thiểu (điểm ảnh)", 0, 10000),
    ("model", "max_photos", "Mô hình: số ảnh tối đa", 1, 10),
    ("model", "max_mb", "Mô hình: dung lượng mỗi ảnh (MB)", 1, 50),
    ("video", "max_mb", "Video: dung lượng tối đa (MB)", 1, 200),
    ("video", "max_seconds", "Video: thời lượng tối đa (giây)", 10, 3600),
)
for _category in CATEGORIES:
    _prize_fields(CreativeContestForm, f"{_category}_")
for _category, _rule, _label, _low, _high in FILE_RULE_FIELDS:
    setattr(CreativeContestForm, f"rule_{_category}_{_rule}",
            IntegerField(_label, validators=[Optional(), NumberRange(_low, _high, f"Từ {_low} đến {_high}.")]))
CreativeContestForm.rule_video_links = BooleanField(
    "Video: nhận cả đường liên kết (YouTube, Facebook, TikTok, Drive…), không chấm ẩn danh các bài này", default=False)


class EntryForm(FlaskForm):
    category = SelectField("Thể loại", choices=[])
    title = StringField("Tên bài dự thi", validators=[DataRequired("Nhập tên bài dự thi."), Length(max=200)])
    description = TextAreaField("Mô tả (ý tưởng, cách làm; với mô hình: vật liệu, kích thước)",
                                validators=[Optional(), Length(max=5000)])
    members = MultiCheckboxField("Thành viên nhóm", coerce=int, choices=[])
    advisor_id = SelectField("Giáo viên hướng dẫn", coerce=int, choices=[])
    video_url = StringField("Đường liên kết video (YouTube, Google Drive, Facebook, TikTok, Vimeo)",
                            validators=[Optional(), Length(max=500)])


class ReviewForm(FlaskForm):
    reason = TextAreaField("Lý do trả lại (bắt buộc khi trả lại)", validators=[Optional(), Length(max=2000)])


class PanelForm(FlaskForm):
    judges = MultiCheckboxField("Giám khảo", coerce=int, choices=[])
    head_id = SelectField("Trưởng ban", coerce=int, choices=[])
