from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.quiz.banks.formats import DIFFICULTY_LABELS, LEVEL_LABELS

OPTION_SLOTS = 6  # option rows the edit form shows at least
SPARE_OPTION_ROWS = 2  # blank rows below a question's options, to add one
MAX_OPTIONS = 26  # rows A-Z: the most the edit form (and the Excel template) carries
OPTION_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LEVEL_CHOICES = list(LEVEL_LABELS.items())
DIFFICULTY_CHOICES = list(DIFFICULTY_LABELS.items())


class BankForm(FlaskForm):
    code = StringField("Mã ngân hàng", validators=[DataRequired("Nhập mã, ví dụ DVC-THPTND."), Length(max=32)])
    name = StringField("Tên ngân hàng", validators=[DataRequired("Nhập tên ngân hàng."), Length(max=200)])
    unit_id = SelectField("Thuộc đơn vị", coerce=int, choices=[])


class QuestionImportForm(FlaskForm):
    file = FileField("Tệp câu hỏi (GIFT, Aiken, Excel theo mẫu, Word, YAML)",
                     validators=[FileRequired("Chọn tệp để tải lên.")])
    format = SelectField("Định dạng", choices=[("", "Tự nhận biết"), ("gift", "GIFT (Moodle)"),
                                               ("aiken", "Aiken"), ("xlsx", "Excel theo mẫu"), ("docx", "Word (.docx)"),
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
    options = FieldList(FormField(OptionForm), min_entries=OPTION_SLOTS, max_entries=MAX_OPTIONS)

    def add_spare_option_rows(self):
        """Every option of the question has its row, and a few blank ones follow."""
        filled = sum(1 for entry in self.options if entry.form.text.data)
        while len(self.options) < min(MAX_OPTIONS, max(OPTION_SLOTS, filled + SPARE_OPTION_ROWS)):
            self.options.append_entry()
