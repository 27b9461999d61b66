from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class TemplateForm(FlaskForm):
    issuer_parent = StringField("Cơ quan chủ quản (dòng trên)", validators=[Optional(), Length(max=200)])
    issuer_name = StringField("Đơn vị cấp", validators=[DataRequired("Nhập đơn vị cấp."), Length(max=200)])
    granter = StringField("Người tặng giấy khen (trên chữ TẶNG)", validators=[Optional(), Length(max=200)])
    prize_title = StringField("Tên giấy cho giải thưởng", validators=[DataRequired(), Length(max=60)])
    pass_title = StringField("Tên giấy cho người đạt yêu cầu", validators=[DataRequired(), Length(max=60)])
    contest_title = StringField("Tên cuộc thi trên giấy", validators=[DataRequired("Nhập tên cuộc thi."),
                                                                     Length(max=300)])
    place = StringField("Địa danh", validators=[DataRequired("Nhập địa danh, ví dụ Cần Thơ."), Length(max=80)])
    issue_date = DateField("Ngày ký (để trống: ngày cấp)", validators=[Optional()])
    signer_title = TextAreaField("Chức danh người ký (mỗi dòng một dòng in)",
                                 validators=[DataRequired("Nhập chức danh người ký."), Length(max=120)])
    signer_name = StringField("Họ tên người ký", validators=[Optional(), Length(max=120)])
    reference = StringField("Căn cứ (ví dụ Quyết định số .../QĐ-SGDĐT)", validators=[Optional(), Length(max=200)])
    include_pass = BooleanField("Cấp giấy chứng nhận cho học sinh đạt yêu cầu (không chỉ người đạt giải)")


class ImageForm(FlaskForm):
    image = FileField("Ảnh PNG hoặc JPEG")


class IssueForm(FlaskForm):
    scope = SelectField("Cấp cho", choices=[])


class RevokeForm(FlaskForm):
    reason = TextAreaField("Lý do thu hồi", validators=[DataRequired("Hãy ghi lý do thu hồi."), Length(min=5, max=1000)])
    reissue = BooleanField("Cấp giấy mới theo kết quả hiện tại (nếu vẫn đủ điều kiện)", default=True)


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a public GET lookup that changes nothing

    serial = StringField("Số hiệu", validators=[DataRequired("Nhập số hiệu in trên giấy."), Length(max=60)])
    ma = StringField("Mã xác minh", validators=[DataRequired("Nhập mã xác minh in cạnh mã QR."), Length(max=20)])
