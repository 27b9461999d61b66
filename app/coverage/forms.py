from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional


class TargetForm(FlaskForm):
    stage = SelectField("Cấp học", choices=[("THPT", "THPT"), ("THCS", "THCS"), ("GDTX", "GDTX")])
    year = IntegerField("Áp dụng từ năm học (năm bắt đầu)",
                        validators=[DataRequired("Nhập năm, ví dụ 2025."), NumberRange(2020, 2100, "Từ 2020 đến 2100.")])
    percent = DecimalField("Tỷ lệ mục tiêu (%)", places=1,
                           validators=[Optional(), NumberRange(1, 100, "Tỷ lệ từ 1 đến 100 %.")])
