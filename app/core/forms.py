"""Forms every feature uses: a POST with only the CSRF token, a file upload, the
confirmation of a previewed import, a list of checkboxes, and the prize counts of a
contest (quiz and creative contests alike)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import Form, HiddenField, IntegerField, SelectMultipleField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.vocabulary import Prize


class EmptyForm(FlaskForm):
    """A POST with only the CSRF token (confirm, delete, reset)."""


class UploadForm(FlaskForm):
    file = FileField("Tệp danh sách (XLSX hoặc CSV)", validators=[FileRequired("Chọn tệp để tải lên.")])


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


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
