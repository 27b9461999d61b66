"""The PDF itself: Vietnamese names come back out of the file exactly (long ones, and
ones typed in decomposed Unicode), nothing runs off the page, the QR code decodes to
the verification address, the metadata names the issuer, and files stay small."""
import io
import unicodedata
from datetime import date
from types import SimpleNamespace

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from app.certificates.render import HEIGHT, WIDTH, CertificateRenderer, Sheet

TEMPLATE = SimpleNamespace(
    issuer_parent="Ủy ban nhân dân thành phố Cần Thơ", issuer_name="Sở Giáo dục và Đào tạo",
    granter="Giám đốc Sở Giáo dục và Đào tạo thành phố Cần Thơ", prize_title="GIẤY KHEN",
    contest_title="Cuộc thi tìm hiểu dịch vụ công trực tuyến năm học 2026-2027", place="Cần Thơ",
    signer_title="KT. Giám đốc\nPhó Giám đốc", signer_name="Trần Thị Hồng Nhung",
    reference="Quyết định số 1234/QĐ-SGDĐT ngày 20/11/2026", logo_name=None, background_name=None, signature_name=None)
NAMES = [
    "Nguyễn Thị Phương Thảo",
    "Đặng Lê Hoàng Khánh Ngọc",
    unicodedata.normalize("NFD", "Huỳnh Thị Diễm Hương"),  # as some phones and old Excel files type it
    "Tôn Nữ Hoàng Thị Mỹ Lệ Quyên Công Tằng Tôn Nữ Thị Bảo Châu Nguyễn Phước",  # far too long for one line
    "Ư Ữ Ỵ Ỷ Ằ Ẵ Ặ Ẩ Ỡ Ợ Ở Ỗ Ổ Ộ",  # the stacked marks that fonts most often lack
]


def url(sheet):
    return f"https://thi.sogd.example.vn/xac-minh/{sheet.serial}?ma={sheet.check_code}"


def sheet(name, n=1, **kwargs):
    values = dict(title="GIẤY KHEN", recipient_name=name, class_name="10A1", school_name="Trường THPT Nguyễn Du",
                  achievement="Đã đạt **Giải Nhất** Đợt 1 - Cuộc thi tìm hiểu dịch vụ công trực tuyến",
                  issued_on=date(2026, 11, 23), serial=f"DVC2026-2026-{n:05d}", check_code="K7QF9P")
    values.update(kwargs)
    return Sheet(**values)


def render(sheets, template=TEMPLATE):
    out = io.BytesIO()
    CertificateRenderer(template, url).write(sheets, out)
    return out.getvalue()


def flat(text):
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.mark.parametrize("name", NAMES)
def test_the_name_comes_back_out_of_the_pdf_in_nfc(name):
    data = render([sheet(name)])
    text = flat(PdfReader(io.BytesIO(data)).pages[0].extract_text())
    expected = unicodedata.normalize("NFC", name)
    # a name too long for one line is cut between two words
    assert expected in text or all(word in text for word in expected.split())
    assert "Học sinh lớp 10A1, Trường THPT Nguyễn Du" in text
    assert "Đã đạt Giải Nhất Đợt 1" in text
    assert "Cần Thơ, ngày 23 tháng 11 năm 2026" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: DVC2026-2026-00001" in text and "K7QF9P" in text


def _char_boxes(data):
    pdf = pypdfium2.PdfDocument(data)
    page = pdf[0]
    textpage = page.get_textpage()
    boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())
             if not textpage.get_text_range(i, 1).isspace()]
    return boxes


@pytest.mark.parametrize("name", NAMES[3:4] + ["Trường Phổ thông Dân tộc Nội trú Trung học cơ sở và Trung học phổ "
                                               "thông huyện Vĩnh Thạnh thành phố Cần Thơ"])
def test_long_names_and_achievements_stay_inside_the_border(name):
    long_achievement = "Đã đạt **Giải Khuyến khích** thể loại Áp phích " + "với tác phẩm rất dài " * 20
    data = render([sheet(name, achievement=long_achievement, school_name=name)])
    boxes = _char_boxes(data)
    assert boxes
    for left, bottom, right, top in boxes:
        assert 30 <= left and right <= WIDTH - 30 and 30 <= bottom and top <= HEIGHT - 30


def test_the_qr_code_decodes_to_the_verification_address():
    data = render([sheet("Nguyễn Thị Phương Thảo", n=12)])
    image = pypdfium2.PdfDocument(data)[0].render(scale=200 / 72).to_pil().convert("L")
    found = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert found == ["https://thi.sogd.example.vn/xac-minh/DVC2026-2026-00012?ma=K7QF9P"]


def test_metadata_names_the_issuer_and_files_stay_small():
    data = render([sheet("Nguyễn Thị Phương Thảo")])
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta.author == "Sở Giáo dục và Đào tạo"
    assert meta.title == "GIẤY KHEN DVC2026-2026-00001"
    assert "dịch vụ công" in meta.subject
    assert len(data) < 150_000
    # the font subsets are shared by the pages of a merged file: each more page adds only its text and QR code
    many = render([sheet(f"Nguyễn Văn {chr(0x41 + i % 26)}{i}", n=i) for i in range(40)])
    assert len(many) < len(data) + 39 * 8_000
    fonts = {str(f) for page in PdfReader(io.BytesIO(many)).pages
             for f in page["/Resources"]["/Font"].get_object().values()}
    assert len(fonts) <= 4  # shared across pages, not embedded again per page


def test_a_revoked_certificate_says_so_on_the_page():
    text = flat(PdfReader(io.BytesIO(render([sheet("Lê Văn Cường", revoked_at=date(2026, 11, 24))]))).pages[0]
                .extract_text())
    assert "ĐÃ THU HỒI" in text


def test_a_collective_prize_names_the_school_without_em():
    text = flat(PdfReader(io.BytesIO(render([sheet("Trường THPT Nguyễn Du", collective=True, class_name="",
                                                   school_name="Phòng GD&ĐT quận Ninh Kiều")]))).pages[0]
                .extract_text())
    assert "Trường THPT Nguyễn Du" in text and "Em:" not in text and "Phòng GD&ĐT quận Ninh Kiều" in text
