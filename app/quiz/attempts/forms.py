"""The teacher's form for an emergency receipt."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, TextAreaField

MAX_RECEIPT_BYTES = 256 * 1024


class ReceiptForm(FlaskForm):
    file = FileField("Tệp biên nhận (.json) học sinh đã tải về")
    code = TextAreaField("Hoặc dán mã biên nhận (chữ trong mã QR, bắt đầu bằng R1.)")
    confirm_published = BooleanField("Nhận dù kết quả đã công bố (sau đó cần công bố lại kết quả)")

    def receipt_text(self):
        """What was uploaded or pasted ('' when neither)."""
        if self.file.data:
            return self.file.data.read(MAX_RECEIPT_BYTES).decode("utf-8", errors="replace")
        return (self.code.data or "").strip()
