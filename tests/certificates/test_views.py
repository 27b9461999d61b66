"""Certificates through the web: the officer designs the template and previews it,
issues for a round; the student downloads their own; the teacher their class as a
merged PDF or a ZIP; the public verification page shows only what it should, and
says when a certificate is revoked."""
import io
import re
import zipfile

from pypdf import PdfReader
from sqlalchemy import select

from app.certificates import services
from app.certificates.models import Certificate
from app.core.storage import get_storage, join_key


def _issue(client, finished):
    return client.post(f"/contests/{finished.contest.id}/certificates", data={"scope": str(finished.round.id)},
                       follow_redirects=True)


def _cert(db, student):
    return db.session.execute(select(Certificate).where(Certificate.student_id == student.id,
                                                        Certificate.revoked_at.is_(None))).scalar_one()


def _pdf_text(data):
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_the_officer_edits_the_template_previews_it_and_issues_for_the_round(client, login, finished, db):
    login(finished.officer)
    page = client.get(f"/contests/{finished.contest.id}/certificates/template")
    assert page.status_code == 200 and "Mẫu giấy chứng nhận" in page.get_data(as_text=True)
    response = client.post(f"/contests/{finished.contest.id}/certificates/template", data={
        "issuer_parent": "Ủy ban nhân dân thành phố Cần Thơ", "issuer_name": "Sở Giáo dục và Đào tạo",
        "granter": "Giám đốc Sở Giáo dục và Đào tạo thành phố Cần Thơ", "prize_title": "GIẤY KHEN",
        "pass_title": "GIẤY CHỨNG NHẬN", "contest_title": "Cuộc thi tìm hiểu dịch vụ công trực tuyến năm 2026",
        "place": "Cần Thơ", "issue_date": "2026-11-20", "signer_title": "KT. GIÁM ĐỐC\r\nPHÓ GIÁM ĐỐC",
        "signer_name": "Trần Thị Hồng Nhung", "reference": "", "include_pass": "y"}, follow_redirects=True)
    assert "Đã lưu mẫu giấy" in response.get_data(as_text=True)
    preview = client.get(f"/contests/{finished.contest.id}/certificates/preview.pdf")
    assert preview.mimetype == "application/pdf"
    text = _pdf_text(preview.data)
    # the longest name in the data, the signer on two lines, the date chosen
    assert "Đặng Lê Hoàng Khánh Ngọc" in text and "PHÓ GIÁM ĐỐC" in text and "Trần Thị Hồng Nhung" in text
    assert "Cần Thơ, ngày 20 tháng 11 năm 2026" in text
    page = _issue(client, finished).get_data(as_text=True)
    assert "Đã cấp 3 giấy mới" in page and "DVC2026-2026-00002" in page
    page = _issue(client, finished).get_data(as_text=True)
    assert "Đã cấp 0 giấy mới, 3 giấy đã có giữ nguyên" in page
    listing = client.get("/certificates").get_data(as_text=True)
    row = listing[listing.index("DVC2026"):]
    assert re.search(r'<td class="num">3</td>', row[:600]) and "Xem, tải giấy" in row[:900]


def test_a_template_image_is_checked_by_content(client, login, finished, db, png_bytes):
    login(finished.officer)
    url = f"/contests/{finished.contest.id}/certificates/template/signature"
    page = client.post(url, data={"image": (io.BytesIO(b"<html><script>alert(1)</script>"), "ky.png")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "không phải" in page or "không đọc được" in page or "Chỉ nhận" in page
    assert finished.template.signature_name is None
    page = client.post(url, data={"image": (io.BytesIO(png_bytes((600, 300))), "ky.png")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Đã tải lên" in page
    db.session.refresh(finished.template)
    assert finished.template.signature_name.endswith(".png")
    assert get_storage().exists(join_key(services.image_dir(finished.template), finished.template.signature_name))
    # the preview still renders with the image on it
    assert client.get(f"/contests/{finished.contest.id}/certificates/preview.pdf").status_code == 200


def test_the_student_downloads_their_own_certificate_and_no_one_else_s(client, login, finished, db, TEST_PASSWORD):
    services.issue(None, finished.template, finished.round)
    db.session.commit()
    thao, ngoc = _cert(db, finished.thao), _cert(db, finished.ngoc)
    from app.accounts.services import set_password
    set_password(finished.thao.user, TEST_PASSWORD)
    login(finished.thao.user)
    home = client.get("/me").get_data(as_text=True)
    assert "Giấy chứng nhận, giấy khen" in home and thao.serial in home and ngoc.serial not in home
    response = client.get(f"/certificates/{thao.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Nguyen_Thi_Phuong_Thao" in response.headers["Content-Disposition"]
    assert "Nguyễn Thị Phương Thảo" in _pdf_text(response.data)
    assert client.get(f"/certificates/{ngoc.id}.pdf").status_code == 404
    assert client.get(f"/contests/{finished.contest.id}/certificates").status_code == 404


def test_the_teacher_downloads_the_class_as_one_pdf_or_a_zip_named_without_diacritics(client, login, finished, db):
    services.issue(None, finished.template, finished.round)
    db.session.commit()
    login(finished.teacher)
    page = client.get(f"/contests/{finished.contest.id}/certificates").get_data(as_text=True)
    assert "Nguyễn Thị Phương Thảo" in page and "Phạm Đức Anh" not in page  # another school's student
    assert "Thu hồi" not in page  # teachers do not revoke
    merged = client.get(f"/contests/{finished.contest.id}/certificates/download.pdf?class_id={finished.c10a1.id}")
    reader = PdfReader(io.BytesIO(merged.data))
    assert len(reader.pages) == 2
    assert "Đặng Lê Hoàng Khánh Ngọc" in reader.pages[0].extract_text().replace("\n", " ")
    archive = client.get(f"/contests/{finished.contest.id}/certificates/download.zip?class_id={finished.c10a1.id}")
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert sorted(names) == ["10A1/10A1_Dang_Le_Hoang_Khanh_Ngoc_DVC2026-2026-00001.pdf",
                             "10A1/10A1_Nguyen_Thi_Phuong_Thao_DVC2026-2026-00002.pdf"]
    inside = zipfile.ZipFile(io.BytesIO(archive.data)).read(names[1])
    assert "Nguyễn Thị Phương Thảo" in _pdf_text(inside)
    # the whole contest, asked by a teacher, still holds only the teacher's class
    everything = client.get(f"/contests/{finished.contest.id}/certificates/download.zip")
    assert len(zipfile.ZipFile(io.BytesIO(everything.data)).namelist()) == 2


def test_verification_shows_only_the_certificate_and_says_when_it_is_revoked(client, login, finished, db):
    services.issue(None, finished.template, finished.round)
    db.session.commit()
    cert = _cert(db, finished.thao)
    client.post("/logout")
    page = client.get(f"/xac-minh/{cert.serial}?ma={cert.check_code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Giấy hợp lệ" in html
    assert "Nguyễn Thị Phương Thảo" in html and "Trường THPT A" in html and "Giải Nhất" in html
    student = finished.thao
    for private in (student.code, student.user.username, student.birth_date.strftime("%d/%m/%Y"), "10A1"):
        assert private not in html
    wrong = client.get(f"/xac-minh/{cert.serial}?ma=AAAAAA")
    assert wrong.status_code == 404 and "Nguyễn Thị Phương Thảo" not in wrong.get_data(as_text=True)
    typed = client.get(f"/xac-minh?serial={cert.serial.lower()}&ma={cert.check_code.lower()}")
    assert typed.status_code == 302 and cert.serial in typed.headers["Location"]
    login(finished.officer)
    form = client.get(f"/certificates/{cert.id}/revoke").get_data(as_text=True)
    assert cert.serial in form
    done = client.post(f"/certificates/{cert.id}/revoke", data={"reason": "Điều chỉnh kết quả sau phúc khảo"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"Đã thu hồi giấy {cert.serial}" in done
    client.post("/logout")
    html = client.get(f"/xac-minh/{cert.serial}?ma={cert.check_code}").get_data(as_text=True)
    assert "đã bị thu hồi" in html and "Điều chỉnh kết quả sau phúc khảo" in html


def test_only_the_contest_s_staff_revoke(client, login, finished, make_user, tree, db):
    services.issue(None, finished.template, finished.round)
    db.session.commit()
    cert = _cert(db, finished.thao)
    login(make_user("school_admin", tree.school_a))  # sees it, may download it, may not revoke it
    assert client.get(f"/certificates/{cert.id}.pdf").status_code == 200
    assert client.post(f"/certificates/{cert.id}/revoke", data={"reason": "Không được phép"}).status_code == 404
    assert client.get(f"/contests/{finished.contest.id}/certificates/template").status_code == 404
    db.session.refresh(cert)
    assert cert.revoked_at is None


def test_the_officer_opens_one_school_s_certificates_by_class(client, login, finished, tree, db):
    services.issue(None, finished.template, finished.round)
    db.session.commit()
    login(finished.officer)
    overview = f"/contests/{finished.contest.id}/certificates"
    page = client.get(overview).get_data(as_text=True)
    assert f"{overview}?school_id={tree.school_a.id}" in page  # the school's "theo lớp" link
    response = client.get(f"{overview}?school_id={tree.school_a.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "‹ Mọi trường" in html
    assert "Nguyễn Thị Phương Thảo" in html and "Phạm Đức Anh" not in html
