from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.entries.models import CATEGORIES
from app.core.forms import PrizeCountsForm


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _when(label):
    return DateTimeLocalField(label, format="%Y-%m-%dT%H:%M", validators=[DataRequired(f"Chọn {label.lower()}.")])


def _file_rule(label, lowest, highest):
    return IntegerField(label, validators=[Optional(), NumberRange(lowest, highest, f"Từ {lowest} đến {highest}.")])


class PosterRulesForm(Form):
    max_mb = _file_rule("Áp phích: dung lượng tối đa (MB)", 1, 100)
    min_long_side = _file_rule("Áp phích: cạnh dài tối thiểu (điểm ảnh)", 0, 10000)


class ModelRulesForm(Form):
    max_photos = _file_rule("Mô hình: số ảnh tối đa", 1, 10)
    max_mb = _file_rule("Mô hình: dung lượng mỗi ảnh (MB)", 1, 50)


class VideoRulesForm(Form):
    max_mb = _file_rule("Video: dung lượng tối đa (MB)", 1, 200)
    max_seconds = _file_rule("Video: thời lượng tối đa (giây)", 10, 3600)
    links = BooleanField("Video: nhận cả đường liên kết (YouTube, Facebook, TikTok, Drive…), "
                         "không chấm ẩn danh các bài này", default=False)


class FileRulesForm(Form):
    """The file rules a contest may change, by category (the keys of DEFAULT_FILE_RULES)."""
    poster = FormField(PosterRulesForm)
    model = FormField(ModelRulesForm)
    video = FormField(VideoRulesForm)


class CategoryPrizesForm(Form):
    """The prize counts of each category (the EntryCategory vocabulary)."""
    poster = FormField(PrizeCountsForm)
    model = FormField(PrizeCountsForm)
    video = FormField(PrizeCountsForm)


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
    file_rules = FormField(FileRulesForm)
    prizes = FormField(CategoryPrizesForm)


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
