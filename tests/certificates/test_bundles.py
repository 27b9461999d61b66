"""The bundles service on its own: which certificates a bundle holds, what its files
are called, the files in print order, the progress it reports while writing, and an
empty selection refused before anything is written."""
import io
import re
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.certificates import access, bundles, services
from app.certificates.models import Certificate
from app.core import scope
from app.core.errors import DomainError

# the round's and the contest's certificates in print order: the schools' collective prizes
# (school name "Cụm A", "Cụm B") first, then school, class and given name; serials as issued
PRINT_ORDER = ["Truong_THPT_A_DVC2026-2026-00004.pdf", "Truong_THPT_B_DVC2026-2026-00005.pdf",
               "10A1/10A1_Dang_Le_Hoang_Khanh_Ngoc_DVC2026-2026-00001.pdf",
               "10A1/10A1_Dang_Le_Hoang_Khanh_Ngoc_DVC2026-2026-00006.pdf",
               "10A1/10A1_Nguyen_Thi_Phuong_Thao_DVC2026-2026-00002.pdf",
               "10A1/10A1_Nguyen_Thi_Phuong_Thao_DVC2026-2026-00007.pdf",
               "11B1/11B1_Pham_Duc_Anh_DVC2026-2026-00003.pdf", "11B1/11B1_Pham_Duc_Anh_DVC2026-2026-00008.pdf"]


@pytest.fixture
def issued(finished, db):
    """The round's three certificates: Ngọc and Thảo in 10A1 of school A, Đức Anh in 11B1 of school B."""
    services.issue(None, finished.template, finished.round)
    db.session.commit()
    return finished


def _recorder():
    calls = []
    return calls, lambda done, total: calls.append((done, total))


def _everything(template, **narrowing):
    return bundles.valid_certificates(template, select(Certificate), **narrowing)


def _page_texts(data):
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def _cert(db, student):
    return db.session.execute(select(Certificate).where(Certificate.student_id == student.id)).scalar_one()


@pytest.fixture
def issued_all(issued, db):
    """Then the contest's: its prize, the passes and the schools' collective prizes."""
    services.issue(None, issued.template, None)
    db.session.commit()
    return issued


def test_a_zip_holds_one_pdf_each_in_print_order_and_reports_each_one(issued_all):
    calls, progress = _recorder()
    out = io.BytesIO()
    count = bundles.write_bundle(issued_all.template, _everything(issued_all.template), "zip", out, progress)
    archive = zipfile.ZipFile(out)
    assert count == 8 and archive.namelist() == PRINT_ORDER
    assert "Phạm Đức Anh" in _page_texts(archive.read(PRINT_ORDER[-1]))[0]
    assert calls == [(done, 8) for done in range(9)]


def test_a_merged_pdf_has_a_page_each_in_print_order_and_reports_each_page(issued_all):
    calls, progress = _recorder()
    out = io.BytesIO()
    bundles.write_bundle(issued_all.template, _everything(issued_all.template), "pdf", out, progress)
    serials = [re.search(r"DVC2026-2026-\d{5}", page).group() for page in _page_texts(out.getvalue())]
    assert [f"{serial}.pdf" for serial in serials] == [name[-22:] for name in PRINT_ORDER]
    assert calls == [(done, 8) for done in range(9)]


def test_an_empty_selection_is_refused_before_anything_is_written(issued, tree):
    calls, progress = _recorder()
    out = io.BytesIO()
    with pytest.raises(DomainError) as refused:
        bundles.write_bundle(issued.template, _everything(issued.template, school_id=tree.school_c.id), "zip",
                             out, progress)
    assert refused.value.message == bundles.NOTHING_TO_DOWNLOAD
    assert out.getvalue() == b"" and calls == []


def test_the_selection_is_the_valid_certificates_the_user_sees_narrowed_by_school_or_class(issued, db, tree):
    template = issued.template

    def serials(visible, **narrowing):
        return [c.serial[-5:] for c in bundles.load(bundles.valid_certificates(template, visible, **narrowing))]

    everything = select(Certificate)
    assert serials(everything) == ["00001", "00002", "00003"]
    assert serials(everything, school_id=tree.school_b.id) == ["00003"]
    assert serials(everything, class_id=issued.c10a1.id) == ["00001", "00002"]
    assert serials(everything, school_id=tree.school_b.id, class_id=issued.c10a1.id) == []
    # the teacher of 10A1 asking for the whole contest still gets the class only
    assert serials(access.certificates_query(issued.teacher)) == ["00001", "00002"]
    services.revoke(None, _cert(db, issued.ngoc), "Nhập nhầm kết quả")
    assert serials(everything, class_id=issued.c10a1.id) == ["00002"]


def test_file_names_have_no_diacritics_and_a_collective_prize_has_no_class_folder(finished, db, tree):
    services.issue(None, finished.template, None)  # the contest: its prize, passes and the schools' collective prize
    db.session.commit()
    certs = bundles.load(_everything(finished.template))
    collective = next(c for c in certs if not c.class_name)
    assert bundles.zip_member_name(collective) == bundles.certificate_file_name(collective) \
        == f"Truong_THPT_A_{collective.serial}.pdf"
    thao = next(c for c in certs if c.student_id == finished.thao.id)
    assert bundles.certificate_file_name(thao) == f"10A1_Nguyen_Thi_Phuong_Thao_{thao.serial}.pdf"
    assert bundles.zip_member_name(thao) == f"10A1/10A1_Nguyen_Thi_Phuong_Thao_{thao.serial}.pdf"
    assert bundles.bundle_name("DVC2026") == "DVC2026"
    assert bundles.bundle_name("DVC2026", tree.school_a.id, finished.c10a1.id) == "DVC2026_10A1_TA"
    assert bundles.bundle_name("DVC2026", 999999) == "DVC2026_999999"


def test_download_groups_count_what_their_narrowing_downloads(issued, db, tree):
    services.revoke(None, _cert(db, issued.ngoc), "Nhập nhầm kết quả")
    visible = access.certificates_query(issued.officer)
    groups = bundles.download_groups(issued.template, visible)
    assert [(g["school"], g["label"], g["valid"], g["revoked"], g["narrowing"]) for g in groups] == [
        ("Trường THPT A", "10A1", 1, 1, {"class_id": issued.c10a1.id}),
        ("Trường THPT B", "11B1", 1, 0, {"class_id": issued.duc_anh.class_id}),
    ]
    per_school = bundles.download_groups(issued.template, visible, by_class=False)
    assert [(g["label"], g["whole"], g["narrowing"]) for g in per_school] == [
        ("Cả trường", True, {"school_id": tree.school_a.id}), ("Cả trường", True, {"school_id": tree.school_b.id})]
    for group in groups + per_school:
        chosen = bundles.valid_certificates(issued.template, visible, **group["narrowing"])
        assert scope.count_rows(chosen) == group["valid"]


def test_a_print_run_writes_a_file_per_school_reports_each_file_and_skips_what_is_up_to_date(issued, db, tmp_path):
    files = bundles.school_files(issued.template)
    assert [(f.name, [s[-5:] for s in f.serials]) for f in files] == [
        ("TA_Truong_THPT_A.pdf", ["00001", "00002"]), ("TB_Truong_THPT_B.pdf", ["00003"])]
    calls, progress = _recorder()
    counts = bundles.write_school_files(issued.template, files, tmp_path, progress)
    assert counts == {"written": 2, "skipped": 0, "certificates": 3}
    assert calls == [(0, 2), (1, 2), (2, 2)]
    pages = _page_texts((tmp_path / "TA_Truong_THPT_A.pdf").read_bytes())
    assert ["Ngọc" in pages[0], "Thảo" in pages[1]] == [True, True]
    calls, progress = _recorder()
    again = bundles.write_school_files(issued.template, bundles.school_files(issued.template), tmp_path, progress)
    assert again == {"written": 0, "skipped": 2, "certificates": 3} and calls == [(0, 2), (1, 2), (2, 2)]
    assert {p.name for p in tmp_path.iterdir()} == {bundles.MANIFEST, "TA_Truong_THPT_A.pdf", "TB_Truong_THPT_B.pdf"}


def test_units_prizes_have_their_own_file_after_the_schools(issued, db, tree):
    first = bundles.load(_everything(issued.template))[0]
    db.session.add(Certificate(
        template_id=issued.template.id, seq=99, serial=services.serial_of(issued.template, 99), check_code="ABCDEF",
        key=f"c:unit:u{tree.cluster_a.id}", kind="collective", title=issued.template.prize_title,
        recipient_unit_id=tree.cluster_a.id, recipient_name=tree.cluster_a.name,
        achievement="Đã đạt **Giải Nhất tập thể**", issued_on=first.issued_on))
    db.session.commit()
    files = bundles.school_files(issued.template)
    assert [(f.name, f.school_id, len(f.ids)) for f in files] == [
        ("TA_Truong_THPT_A.pdf", tree.school_a.id, 2), ("TB_Truong_THPT_B.pdf", tree.school_b.id, 1),
        ("don-vi-tap-the.pdf", None, 1)]
    assert bundles.school_file_name(tree.school_a.id, None) == f"{tree.school_a.id}.pdf"  # a school since deleted
