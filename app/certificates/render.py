"""Drawing certificates with reportlab: landscape A4, the issuing unit and the national
motto, the title, the recipient, the achievement, place and date, the signer, and
a QR code to the public verification page beside the serial and its check code.

Every page of one file shares the embedded font subset and the template's images,
so a class's merged PDF stays small. Text is NFC before it is drawn: the font has
the precomposed Vietnamese letters, not a way to stack combining marks. An image the
template names but the storage does not have stops the rendering with a DomainError:
a certificate printed without its seal is worse than none."""
import io
import re
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

import segno
from reportlab.lib.colors import Color, white
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import registerFontFamily, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from app.core.errors import DomainError
from app.core.pdf import SERIF, SERIF_BOLD, fit_font_size, register_fonts
from app.core.storage import StorageMissing, get_storage, join_key
from app.core.text import nfc

WIDTH, HEIGHT = landscape(A4)
RED = Color(0.70, 0.08, 0.10)
GOLD = Color(0.76, 0.60, 0.25)
NAVY = Color(0.07, 0.19, 0.45)
INK = Color(0.10, 0.10, 0.12)
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
LEFT_X, RIGHT_X, MIDDLE_X = 210, 615, WIDTH / 2
TEXT_WIDTH = 640
NAME_SIZES = (28, 17)  # one line from 28 pt down to 17, then two lines
QR_MASK = 4
_BOLD_MARK = re.compile(r"\*\*(.+?)\*\*")
MISSING_IMAGE = {  # per image slot of a template
    "logo": "Thiếu ảnh biểu trưng (logo) của mẫu giấy chứng nhận, hãy tải lại.",
    "background": "Thiếu ảnh nền của mẫu giấy chứng nhận, hãy tải lại.",
    "signature": "Thiếu ảnh chữ ký, con dấu của mẫu giấy chứng nhận, hãy tải lại.",
}


@dataclass
class Sheet:
    """What one page says; a Certificate row has the same attributes."""
    title: str
    recipient_name: str
    achievement: str
    issued_on: date
    serial: str
    check_code: str
    class_name: str = ""
    school_name: str = ""
    is_prize: bool = True
    collective: bool = False
    revoked_at: object = None
    learner: str = "Học sinh"  # "Học viên" at a TTGDNN-GDTX centre


def vietnamese_date(place, day):
    return f"{nfc(place)}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def achievement_markup(text):
    """The achievement as paragraph markup: escaped, with **the prize** in bold red."""
    return _BOLD_MARK.sub(r'<font color="#b3141a"><b>\1</b></font>', escape(nfc(text)))


def _template_image(image_dir, slot, name):
    try:
        return get_storage().read_bytes(join_key(image_dir, name))
    except StorageMissing:
        raise DomainError(MISSING_IMAGE[slot]) from None


class CertificateRenderer:
    """Draws the certificates of one template. `verify_url(sheet)` gives the address
    the QR code opens; `image_dir` is the folder of the template's uploaded images in the
    storage (app.core.storage); without it the images are left out (an unsaved template has none)."""

    def __init__(self, template, verify_url, image_dir=None, qr=True):
        register_fonts()
        registerFontFamily(SERIF, normal=SERIF, bold=SERIF_BOLD, italic=SERIF, boldItalic=SERIF_BOLD)
        self.template = template
        self.verify_url = verify_url
        self.qr = qr
        self.images = {}
        for slot in ("logo", "background", "signature"):
            stored = getattr(template, f"{slot}_name", None)
            if stored and image_dir:
                self.images[slot] = ImageReader(io.BytesIO(_template_image(image_dir, slot, stored)))
        self.style = ParagraphStyle("achievement", fontName=SERIF, fontSize=16, leading=22, alignment=TA_CENTER,
                                    textColor=INK)
        self._achievements = {}  # the same achievement on many pages is laid out once per size

    def write(self, sheets, out, title=None, progress=None):
        """Draw one page per sheet into `out` (a path or a binary file); `progress(done,
        total)` after each page."""
        t = self.template
        canvas = Canvas(out, pagesize=(WIDTH, HEIGHT), pageCompression=1)
        canvas.setTitle(nfc(title or (f"{sheets[0].title} {sheets[0].serial}" if len(sheets) == 1
                                      else f"Giấy chứng nhận, giấy khen - {t.contest_title}")))
        canvas.setAuthor(nfc(t.issuer_name))
        canvas.setSubject(nfc(t.contest_title))
        canvas.setCreator("Cuộc thi tìm hiểu dịch vụ công trực tuyến")
        for done, sheet in enumerate(sheets, 1):
            self.draw_page(canvas, sheet)
            canvas.showPage()
            if progress:
                progress(done, len(sheets))
        canvas.save()

    # -- one page

    def draw_page(self, c, sheet):
        self._frame(c)
        self._header(c)
        y = self._title(c, sheet)
        y = self._recipient(c, sheet, y)
        self._achievement(c, sheet, y)
        self._signature(c, sheet)
        self._serial(c, sheet)
        if sheet.revoked_at:
            self._revoked(c)

    def _frame(self, c):
        if "background" in self.images:
            c.drawImage(self.images["background"], 0, 0, WIDTH, HEIGHT, preserveAspectRatio=False, mask="auto")
            return
        c.setFillColor(Color(1, 0.985, 0.95))
        c.rect(0, 0, WIDTH, HEIGHT, stroke=0, fill=1)
        c.setStrokeColor(RED)
        c.setLineWidth(6)
        c.rect(16, 16, WIDTH - 32, HEIGHT - 32)
        c.setStrokeColor(GOLD)
        c.setLineWidth(1.6)
        c.rect(25, 25, WIDTH - 50, HEIGHT - 50)
        c.setLineWidth(0.6)
        c.rect(29, 29, WIDTH - 58, HEIGHT - 58)
        c.setFillColor(GOLD)
        for x, y in ((29, 29), (WIDTH - 29, 29), (29, HEIGHT - 29), (WIDTH - 29, HEIGHT - 29)):
            path = c.beginPath()
            path.moveTo(x, y - 9)
            path.lineTo(x + 9, y)
            path.lineTo(x, y + 9)
            path.lineTo(x - 9, y)
            path.close()
            c.drawPath(path, stroke=0, fill=1)

    def _header(self, c):
        t = self.template
        c.setFillColor(INK)
        lines = [(nfc(t.issuer_parent).upper(), SERIF), (nfc(t.issuer_name).upper(), SERIF_BOLD)]
        lines = [line for line in lines if line[0]]
        y = 542
        for text, font in lines:
            size = fit_font_size(text, font, 11.5, 310)
            c.setFont(font, size)
            c.drawCentredString(LEFT_X, y, text)
            y -= 15
        c.setLineWidth(0.7)
        c.setStrokeColor(INK)
        c.line(LEFT_X - 40, y + 9, LEFT_X + 40, y + 9)
        c.setFont(SERIF_BOLD, 11.5)
        c.drawCentredString(RIGHT_X, 542, MOTTO[0])
        c.setFont(SERIF_BOLD, 12.5)
        c.drawCentredString(RIGHT_X, 526, MOTTO[1])
        half = stringWidth(MOTTO[1], SERIF_BOLD, 12.5) / 2
        c.line(RIGHT_X - half, 521, RIGHT_X + half, 521)
        if "logo" in self.images:
            c.drawImage(self.images["logo"], MIDDLE_X - 32, 478, 64, 64, preserveAspectRatio=True, anchor="c",
                        mask="auto")

    def _title(self, c, sheet):
        y = 462 if sheet.is_prize else 448  # without the granter's lines, the block sits lower
        if sheet.is_prize and self.template.granter:
            granter = nfc(self.template.granter).upper()
            c.setFillColor(INK)
            c.setFont(SERIF_BOLD, fit_font_size(granter, SERIF_BOLD, 14, TEXT_WIDTH))
            c.drawCentredString(MIDDLE_X, y, granter)
            c.setFont(SERIF_BOLD, 13)
            c.drawCentredString(MIDDLE_X, y - 18, "TẶNG")
            y -= 18
        title = nfc(sheet.title).upper()
        size = fit_font_size(title, SERIF_BOLD, 42, TEXT_WIDTH, min_size=20)
        c.setFillColor(RED)
        c.setFont(SERIF_BOLD, size)
        c.drawCentredString(MIDDLE_X, y - 50, title)
        return y - 50

    def _recipient(self, c, sheet, y):
        name = nfc(sheet.recipient_name)
        prefix = "" if sheet.collective else "Em: "
        y -= 50
        size = NAME_SIZES[0]
        while size > NAME_SIZES[1] and self._name_width(prefix, name, size) > TEXT_WIDTH:
            size -= 0.5
        if self._name_width(prefix, name, size) <= TEXT_WIDTH:
            self._name_line(c, prefix, name, size, y)
        else:  # two lines, split where the halves are most even, each shrunk to fit
            first, second = _balanced_split(name)
            size = min(20, *(fit_font_size(part, SERIF_BOLD, 20, TEXT_WIDTH - 40, min_size=8)
                             for part in (first, second)))
            self._name_line(c, prefix, first, size, y + 6)
            self._name_line(c, "", second, size, y - 18)
            y -= 18
        line = _class_and_school(sheet)
        if line:
            c.setFillColor(INK)
            c.setFont(SERIF, fit_font_size(line, SERIF, 15, TEXT_WIDTH, min_size=8))
            c.drawCentredString(MIDDLE_X, y - 28, line)
            y -= 28
        return y

    @staticmethod
    def _name_width(prefix, name, size):
        return stringWidth(prefix, SERIF, size * 0.6) + stringWidth(name, SERIF_BOLD, size)

    def _name_line(self, c, prefix, name, size, y):
        x = MIDDLE_X - self._name_width(prefix, name, size) / 2
        if prefix:
            c.setFillColor(INK)
            c.setFont(SERIF, size * 0.6)
            c.drawString(x, y, prefix)
            x += stringWidth(prefix, SERIF, size * 0.6)
        c.setFillColor(NAVY)
        c.setFont(SERIF_BOLD, size)
        c.drawString(x, y, name)

    def _achievement(self, c, sheet, y):
        top, bottom = y - 12, 196
        paragraph, height = self._laid_out(sheet.achievement, top - bottom)
        paragraph.drawOn(c, MIDDLE_X - TEXT_WIDTH / 2, top - height)
        reference = nfc(self.template.reference)
        if reference:
            c.setFillColor(INK)
            c.setFont(SERIF, fit_font_size(f"({reference})", SERIF, 10.5, TEXT_WIDTH, min_size=6))
            c.drawCentredString(MIDDLE_X, max(top - height - 18, bottom - 14), f"({reference})")

    def _laid_out(self, text, room):
        """The achievement paragraph at the largest size that fits `room` points of height."""
        cached = self._achievements.get((text, room))
        if cached:
            return cached
        size = 16
        while True:
            style = ParagraphStyle(f"a{size}", parent=self.style, fontSize=size, leading=size * 1.35)
            paragraph = Paragraph(achievement_markup(text), style)
            _, height = paragraph.wrap(TEXT_WIDTH, room)
            if height <= room or size <= 8:
                break
            size -= 1
        self._achievements[(text, room)] = (paragraph, height)
        return paragraph, height

    def _signature(self, c, sheet):
        t = self.template
        c.setFillColor(INK)
        when = vietnamese_date(t.place, sheet.issued_on)
        c.setFont(SERIF, fit_font_size(when, SERIF, 12.5, 300))
        c.drawCentredString(RIGHT_X, 170, when)
        y = 152
        c.setFont(SERIF_BOLD, 12.5)
        for line in [nfc(part).upper() for part in (t.signer_title or "").splitlines() if part.strip()][:3]:
            c.setFont(SERIF_BOLD, fit_font_size(line, SERIF_BOLD, 12.5, 300))
            c.drawCentredString(RIGHT_X, y, line)
            y -= 15
        if "signature" in self.images:
            c.drawImage(self.images["signature"], RIGHT_X - 80, 66, 160, y - 66 + 4, preserveAspectRatio=True,
                        anchor="c", mask="auto")
        name = nfc(t.signer_name)
        if name:
            c.setFont(SERIF_BOLD, fit_font_size(name, SERIF_BOLD, 14, 300))
            c.drawCentredString(RIGHT_X, 50, name)

    def _serial(self, c, sheet):
        x, y, side = 56, 46, 80
        if self.qr:
            url = self.verify_url(sheet)
            draw_qr(c, url, x, y, side)
            text_x = x + side + 10
        else:
            url, text_x = "", x
        c.setFillColor(INK)
        c.setFont(SERIF_BOLD, 10)
        c.drawString(text_x, y + 58, f"Số: {sheet.serial}")
        c.setFont(SERIF, 10)
        c.drawString(text_x, y + 44, f"Mã xác minh: {sheet.check_code}")
        if url:
            c.setFont(SERIF, 8)
            c.drawString(text_x, y + 30, "Quét mã QR hoặc nhập số và mã tại")
            c.drawString(text_x, y + 19, url.split("?")[0].rsplit("/", 1)[0])

    def _revoked(self, c):
        c.saveState()
        c.setFillColor(RED)
        c.setFillAlpha(0.28)
        c.translate(MIDDLE_X, HEIGHT / 2)
        c.rotate(24)
        c.setFont(SERIF_BOLD, 82)
        c.drawCentredString(0, -20, "ĐÃ THU HỒI")
        c.restoreState()


def draw_qr(c, data, x, y, side):
    """The QR code of `data` as vector squares, one rectangle per run of dark modules."""
    # a fixed mask: every mask gives a valid code, and searching for the best one is
    # two thirds of a certificate's drawing time
    matrix = segno.make(data, error="m", micro=False, mask=QR_MASK).matrix
    count = len(matrix)
    quiet = 2
    module = side / (count + 2 * quiet)
    c.setFillColor(white)
    c.rect(x, y, side, side, stroke=0, fill=1)
    c.setFillColor(INK)
    path = c.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + side - (row_index + quiet + 1) * module
        start = None
        for col, dark in enumerate(list(row) + [0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                path.rect(x + (start + quiet) * module, top, (col - start) * module, module)
                start = None
    c.drawPath(path, stroke=0, fill=1)


def _class_and_school(sheet):
    if sheet.collective:
        return nfc(sheet.school_name)
    parts = [f"{sheet.learner} lớp {nfc(sheet.class_name)}" if sheet.class_name else "", nfc(sheet.school_name)]
    return ", ".join(p for p in parts if p)


def _balanced_split(name):
    words = name.split()
    if len(words) < 2:
        half = len(name) // 2
        return name[:half], name[half:]
    best = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return " ".join(words[:best]), " ".join(words[best:])
