"""Forms every feature uses: a POST with only the CSRF token, a file upload, the
confirmation of a previewed import, and a list of checkboxes."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectMultipleField
from wtforms.validators import DataRequired, Regexp
from wtforms.widgets import CheckboxInput, ListWidget


class EmptyForm(FlaskForm):
    """A POST with only the CSRF token (confirm, delete, reset)."""


class UploadForm(FlaskForm):
    file = FileField("Tệp danh sách (XLSX hoặc CSV)", validators=[FileRequired("Chọn tệp để tải lên.")])


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
