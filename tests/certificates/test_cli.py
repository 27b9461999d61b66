"""The province's print run from the server: issue, then one merged PDF per school;
a second run skips what is up to date and redoes a school whose certificates changed."""
import re

from pypdf import PdfReader
from sqlalchemy import select

from app.certificates import services
from app.certificates.models import Certificate


def test_issue_then_export_one_pdf_per_school_and_resume(app, finished, db, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "issue", "dvc2026", "--round", "1"])
    assert result.exit_code == 0, result.output
    assert "Đã cấp 3 giấy mới" in result.output
    again = runner.invoke(args=["certificates", "issue", "DVC2026", "--round", "1"])
    assert "Đã cấp 0 giấy mới, 3 giấy đã có giữ nguyên" in again.output
    out = tmp_path / "giay"
    result = runner.invoke(args=["certificates", "export", "DVC2026", "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.glob("*.pdf"))
    assert files == ["TA_Truong_THPT_A.pdf", "TB_Truong_THPT_B.pdf"]
    assert len(PdfReader(out / "TA_Truong_THPT_A.pdf").pages) == 2
    assert "Đã ghi 2 tệp, giữ nguyên 0 tệp" in result.output
    stamp_b = (out / "TB_Truong_THPT_B.pdf").stat().st_mtime_ns
    # one certificate of school A is revoked: the next run redoes A only
    cert = db.session.execute(select(Certificate).where(Certificate.student_id == finished.ngoc.id)).scalar_one()
    services.revoke(None, cert, "Nhập nhầm kết quả")
    db.session.commit()
    result = runner.invoke(args=["certificates", "export", "DVC2026", "--out", str(out)])
    assert "Đã ghi 1 tệp, giữ nguyên 1 tệp" in result.output
    assert len(PdfReader(out / "TA_Truong_THPT_A.pdf").pages) == 1
    assert (out / "TB_Truong_THPT_B.pdf").stat().st_mtime_ns == stamp_b
    assert not list(out.glob("*.part"))


def test_unknown_contest_or_round_is_a_clear_message(app, finished):
    runner = app.test_cli_runner()
    assert "Không có cuộc thi mã XYZ" in runner.invoke(args=["certificates", "issue", "XYZ"]).output
    assert "không có đợt số 9" in runner.invoke(args=["certificates", "issue", "DVC2026", "--round", "9"]).output


def test_export_on_a_terminal_shows_the_files_done_and_the_one_being_written(app, finished, db, tmp_path, monkeypatch):
    services.issue(None, finished.template, finished.round)
    db.session.commit()
    monkeypatch.setattr("click._termui_impl.isatty", lambda stream: True)  # click draws the bar only on a terminal
    result = app.test_cli_runner().invoke(args=["certificates", "export", "DVC2026", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    frames = [re.search(r"Xuất giấy  \[[#-]+\]  (\d/\d) *(\S*\.pdf)?", frame) for frame in result.output.split("\r")[1:]]
    assert [(f.group(1), f.group(2)) for f in frames] == [
        ("0/2", None), ("0/2", "TA_Truong_THPT_A.pdf"), ("1/2", "TA_Truong_THPT_A.pdf"),
        ("1/2", "TB_Truong_THPT_B.pdf"), ("2/2", "TB_Truong_THPT_B.pdf"), ("2/2", None)]
    assert result.output.rstrip().endswith("Đã ghi 2 tệp, giữ nguyên 0 tệp đã có (3 giấy) vào " + str(tmp_path) + ".")
