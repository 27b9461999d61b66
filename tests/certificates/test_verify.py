"""The public verification page and the certificate say who issued it down to the
province, and call a learner of a TTGDNN-GDTX centre a học viên, not a học sinh."""
import html as htmllib
import io
import re

from pypdf import PdfReader

from app.certificates import services
from app.certificates.models import Certificate
from app.core.timeutil import utcnow


def make_certificate(template, student, seq=90):
    """A valid passing certificate of the finished contest's template for a student."""
    cert = Certificate(template_id=template.id, seq=seq, serial=services.serial_of(template, seq),
                       check_code="ABCDEF", key=f"t:pass:s{student.id}", kind="pass", title=template.pass_title,
                       student_id=student.id, school_id=student.school_id, class_id=student.class_id,
                       recipient_name=student.full_name, class_name=student.school_class.name,
                       school_name=student.school.name, achievement=f"Đã đạt yêu cầu {template.contest_title}",
                       issued_on=utcnow().date())
    from app.extensions import db
    db.session.add(cert)
    db.session.flush()
    return cert


def _facts(html):
    """{label: value} of the verification page's facts."""
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html, re.S)
    def text(part):
        return htmllib.unescape(re.sub(r"<[^>]+>", "", part)).strip()
    return {text(k): text(v) for k, v in pairs}


def _pdf_text(data):
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_the_verification_page_names_the_province_of_the_issuing_so(client, finished, tree, db):
    """The default template of a Sở prints its name without the province, which the
    line above it (the People's Committee) gives."""
    tree.so.set_name("Sở Giáo dục và Đào tạo thành phố Cần Thơ")
    default = services.default_template(finished.contest)
    assert (default.issuer_parent, default.issuer_name) == ("Ủy ban nhân dân thành phố Cần Thơ",
                                                            "Sở Giáo dục và Đào tạo")
    finished.template.issuer_parent, finished.template.issuer_name = default.issuer_parent, default.issuer_name
    cert = make_certificate(finished.template, finished.ngoc)
    db.session.commit()
    html = client.get(f"/xac-minh/{cert.serial}?ma={cert.check_code}").get_data(as_text=True)
    assert _facts(html)["Đơn vị cấp"] == "Sở Giáo dục và Đào tạo thành phố Cần Thơ"


def test_a_so_named_with_its_province_in_the_template_is_not_named_twice(client, finished, tree, db):
    cert = make_certificate(finished.template, finished.ngoc)
    cert.template.issuer_parent = "UBND tỉnh An Giang"
    cert.template.issuer_name = "Sở GD&ĐT tỉnh An Giang"
    db.session.commit()
    html = client.get(f"/xac-minh/{cert.serial}?ma={cert.check_code}").get_data(as_text=True)
    assert _facts(html)["Đơn vị cấp"] == "Sở GD&ĐT tỉnh An Giang"
    cert.template.issuer_name = "Sở GD&ĐT"
    db.session.commit()
    html = client.get(f"/xac-minh/{cert.serial}?ma={cert.check_code}").get_data(as_text=True)
    assert _facts(html)["Đơn vị cấp"] == "Sở GD&ĐT tỉnh An Giang"


def test_a_learner_of_a_gdtx_centre_is_a_hoc_vien_on_the_certificate_and_the_page(
        client, login, finished, make_unit, make_class, make_student, tree, db):
    centre = make_unit("school", "Trung tâm GDNN-GDTX Ninh Kiều", parent=tree.so, code="GDTX1", level="GDNN-GDTX")
    learner = make_student(make_class(centre, "10X1", year=2026), "Lê Thị Hoa")
    cert = make_certificate(finished.template, learner)
    db.session.commit()
    facts = _facts(client.get(f"/xac-minh/{cert.serial}?ma={cert.check_code}").get_data(as_text=True))
    assert facts["Học viên"] == "Lê Thị Hoa" and facts["Trung tâm"] == "Trung tâm GDNN-GDTX Ninh Kiều"
    assert "Học sinh" not in facts and "Trường" not in facts
    login(finished.officer)
    text = _pdf_text(client.get(f"/certificates/{cert.id}.pdf").data)
    assert "Học viên lớp 10X1" in text and "Học sinh" not in text


def test_a_school_student_stays_a_hoc_sinh(client, login, finished, db):
    cert = make_certificate(finished.template, finished.ngoc)
    db.session.commit()
    facts = _facts(client.get(f"/xac-minh/{cert.serial}?ma={cert.check_code}").get_data(as_text=True))
    assert facts["Học sinh"] == "Đặng Lê Hoàng Khánh Ngọc" and facts["Trường"] == "Trường THPT A"
    login(finished.officer)
    assert "Học sinh lớp 10A1" in _pdf_text(client.get(f"/certificates/{cert.id}.pdf").data)
