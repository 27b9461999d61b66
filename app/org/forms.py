from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import MultiCheckboxField
from app.org.models import SCHOOL_LEVEL_LABELS, UNIT_KINDS


class UnitForm(FlaskForm):
    kind = SelectField("Loại đơn vị", choices=list(UNIT_KINDS.items()))
    name = StringField("Tên đơn vị", validators=[DataRequired("Nhập tên đơn vị."), Length(max=200)])
    code = StringField("Mã đơn vị / mã trường", validators=[Optional(), Length(max=32)])
    level = SelectField("Cấp học (với trường)", choices=[("", "—")] + list(SCHOOL_LEVEL_LABELS.items()))
    parent_id = SelectField("Đơn vị cấp trên", coerce=int, choices=[])
    address = StringField("Địa chỉ", validators=[Optional(), Length(max=255)])


class MoveForm(FlaskForm):
    parent_id = SelectField("Chuyển đến đơn vị", coerce=int, choices=[])


class ClassForm(FlaskForm):
    name = StringField("Tên lớp", validators=[DataRequired("Nhập tên lớp, ví dụ 10A1."), Length(max=20)])
    grade = IntegerField("Khối", validators=[DataRequired("Chọn khối."),
                                             NumberRange(6, 12, "Khối từ 6 đến 12.")])
    school_year = SelectField("Năm học", coerce=int, choices=[])


class TeachersForm(FlaskForm):
    teacher_ids = MultiCheckboxField("Giáo viên", coerce=int, choices=[])
