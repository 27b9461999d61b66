"""Login cards for a class: ten to an A4 page, to cut and hand out."""
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from app.core.pdf import SANS, SANS_BOLD, fit_font_size, register_fonts

COLUMNS, ROWS = 2, 5
MARGIN = 10 * mm


def login_cards_pdf(school_class, rows, *, login_url):
    """rows: [(student, username, password or None)]. Returns a BytesIO."""
    register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"Thẻ đăng nhập lớp {school_class.name}")
    pdf.setAuthor(school_class.school.name)
    page_w, page_h = A4
    card_w = (page_w - 2 * MARGIN) / COLUMNS
    card_h = (page_h - 2 * MARGIN) / ROWS
    for index, (student, username, password) in enumerate(rows):
        slot = index % (COLUMNS * ROWS)
        if index and slot == 0:
            pdf.showPage()
        x = MARGIN + (slot % COLUMNS) * card_w
        y = page_h - MARGIN - (slot // COLUMNS + 1) * card_h
        _card(pdf, x, y, card_w, card_h, school_class, student, username, password, login_url)
    pdf.save()
    buffer.seek(0)
    return buffer


def _card(pdf, x, y, w, h, school_class, student, username, password, login_url):
    pad = 5 * mm
    inner = w - 2 * pad
    pdf.setDash(3, 3)
    pdf.setStrokeGray(0.6)
    pdf.rect(x, y, w, h)
    pdf.setDash()
    top = y + h - pad
    school_line = f"{school_class.school.name} · Lớp {school_class.name}"
    pdf.setFillGray(0.35)
    pdf.setFont(SANS, fit_font_size(school_line, SANS, 8.5, inner))
    pdf.drawString(x + pad, top - 8, school_line)
    pdf.setFillGray(0)
    size = fit_font_size(student.full_name, SANS_BOLD, 14, inner)
    pdf.setFont(SANS_BOLD, size)
    pdf.drawString(x + pad, top - 26, student.full_name)
    pdf.setFont(SANS, 9)
    pdf.drawString(x + pad, top - 44, "Tên đăng nhập:")
    pdf.drawString(x + pad, top - 62, "Mật khẩu:")
    pdf.setFont(SANS_BOLD, fit_font_size(username, SANS_BOLD, 12, inner - 28 * mm))
    pdf.drawString(x + pad + 28 * mm, top - 44, username)
    if password:
        pdf.setFont(SANS_BOLD, 12)
        pdf.drawString(x + pad + 28 * mm, top - 62, password)
        note = "Đăng nhập lần đầu, em sẽ đặt mật khẩu mới của mình."
    else:
        pdf.setFont(SANS, 9)
        pdf.drawString(x + pad + 28 * mm, top - 62, "(em đã tự đặt mật khẩu)")
        note = "Quên mật khẩu: nhờ thầy cô cấp lại."
    pdf.setFont(SANS, 7.5)
    pdf.setFillGray(0.35)
    pdf.drawString(x + pad, y + pad + 10, note)
    pdf.drawString(x + pad, y + pad, fit_text(login_url, inner))
    pdf.setFillGray(0)


def fit_text(text, width, font=SANS, size=7.5):
    while text and stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text
