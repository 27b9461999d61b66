from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.accounts.roles import Role


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Nhập tên đăng nhập."), Length(max=64)])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Nhập mật khẩu."), Length(max=200)])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Nhập mật khẩu hiện tại.")])
    new = PasswordField("Mật khẩu mới", validators=[DataRequired("Nhập mật khẩu mới."), Length(max=200)])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[DataRequired("Nhập lại mật khẩu mới.")])


class UserForm(FlaskForm):
    full_name = StringField("Họ và tên", validators=[DataRequired("Nhập họ và tên."), Length(max=120)])
    username = StringField("Tên đăng nhập", validators=[DataRequired("Nhập tên đăng nhập."), Length(max=64)])
    role = SelectField("Vai trò", choices=Role.staff_choices())
    unit_id = SelectField("Đơn vị", coerce=int, choices=[])
    password = PasswordField("Mật khẩu ban đầu", validators=[DataRequired("Nhập mật khẩu ban đầu."),
                                                             Length(max=200)])
