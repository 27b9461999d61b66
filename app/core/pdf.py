"""PDF helpers: the embedded Unicode font (DejaVu, shipped in app/core/fonts with its
licence) so that every Vietnamese diacritic prints on any machine."""
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SANS, SANS_BOLD = "DejaVuSans", "DejaVuSans-Bold"
SERIF, SERIF_BOLD = "DejaVuSerif", "DejaVuSerif-Bold"
SERIF_ITALIC, SERIF_BOLD_ITALIC = "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic"


def register_fonts():
    """Register the TTF fonts once; reportlab embeds a subset of the glyphs used."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name in (SANS, SANS_BOLD, SERIF, SERIF_BOLD, SERIF_ITALIC, SERIF_BOLD_ITALIC):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))


def fit_font_size(text, font, size, max_width, min_size=6):
    """The largest size <= `size` at which `text` fits `max_width` points."""
    while size > min_size and pdfmetrics.stringWidth(text, font, size) > max_width:
        size -= 0.5
    return size
