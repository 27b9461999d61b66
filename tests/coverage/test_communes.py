"""The two-level local government (from 1/7/2025: no more districts): wards and communes
(xã/phường) as the middle level of the unit tree. `flask demo --communes` builds such a
province, and the coverage pages and reports call the middle level "Xã/phường"."""
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from app.accounts.models import User
from app.org.models import Unit, UnitKind, kinds_label


def test_the_middle_level_s_label():
    assert UnitKind.COMMUNE.label == "Xã/phường"
    assert kinds_label(["commune"]) == "Xã/phường"
    assert kinds_label(["commune", "school"]) == "Xã/phường, trường"
    assert kinds_label(["cluster", "school"]) is None and kinds_label(["office"]) is None
    assert kinds_label(["commune", "cluster"]) is None and kinds_label(["school"]) is None


def _cells(data):
    book = load_workbook(io.BytesIO(data))
    return [[v for v in row if v is not None] for row in book.worksheets[0].iter_rows(values_only=True)]


def test_the_demo_with_communes_builds_and_its_pages_say_xa_phuong(app, client, login, db):
    result = app.test_cli_runner().invoke(args=["demo", "--communes"])
    assert result.exit_code == 0, result.output
    assert "Đã nạp dữ liệu mẫu: 1 Sở, 2 xã/phường, 10 trường" in result.output
    units = {u.code: u for u in db.session.execute(select(Unit)).scalars()}
    assert {u.kind for u in units.values()} == {"department", "commune", "school"}
    ward = units["P-NINHKIEU"]
    assert ward.name == "Phường Ninh Kiều" and ward.parent_id == units["SO-CT"].id
    # the wards manage the THCS schools; the Sở its THPT schools and centres directly
    assert units["THCS-NT"].parent_id == ward.id and units["THCS-CVA"].parent_id == units["P-CAIRANG"].id
    assert units["THPT-ND"].parent_id == units["SO-CT"].id and units["GDTX-CT"].parent_id == units["SO-CT"].id

    so = db.session.execute(select(User).where(User.username == "so.cantho")).scalar_one()
    login(so, "Demo@2025")
    html = client.get(f"/coverage/units/{units['SO-CT'].id}").get_data(as_text=True)
    assert "<th>Xã/phường, trường</th>" in html and "Phường Ninh Kiều" in html and "Phòng/cụm" not in html
    assert "Xã/phường trực thuộc" in client.get(f"/units/{units['SO-CT'].id}").get_data(as_text=True)
    html = client.get(f"/coverage/units/{ward.id}").get_data(as_text=True)
    assert "Phường Ninh Kiều (Xã/phường) ·" in html and "Người ký (Xã/phường)" in html
    html = client.get(f"/coverage/units/{units['THCS-NT'].id}").get_data(as_text=True)
    crumbs = re.search(r'<nav class="crumbs">(.*?)</nav>', html, re.S).group(1)
    assert f'<a href="/coverage/units/{ward.id}?year=' in crumbs and 'title="Xã/phường">Phường Ninh Kiều</a>' in crumbs

    # the reports: the Sở's table by ward and school; a ward reports as its People's Committee
    rows = _cells(client.get(f"/coverage/units/{units['SO-CT'].id}/report.xlsx").data)
    assert ["STT", "Xã/phường, trường", "Tổng số HS"] == next(r for r in rows if r and r[0] == "STT")[:3]
    rows = _cells(client.get(f"/coverage/units/{ward.id}/report.xlsx").data)
    assert rows[0][0] == "UBND THÀNH PHỐ CẦN THƠ" and rows[1][0] == "UBND PHƯỜNG NINH KIỀU"
    assert rows[2][0] == "Số:        /BC-UBND" and ["Nơi nhận:", "CHỦ TỊCH"] in rows
    assert ["- Sở Giáo dục và Đào tạo thành phố Cần Thơ (để báo cáo);"] in [r[:1] for r in rows]
    rows = _cells(client.get(f"/coverage/units/{units['THCS-NT'].id}/report.xlsx").data)
    assert rows[0][0] == "UBND PHƯỜNG NINH KIỀU" and ["- UBND Phường Ninh Kiều (để báo cáo);"] in [r[:1] for r in rows]

    # the ward's officer lands on the ward
    officer = db.session.execute(select(User).where(User.username == "phuong.ninhkieu")).scalar_one()
    login(officer, "Demo@2025")
    response = client.get("/coverage")
    assert response.headers["Location"].endswith(f"/coverage/units/{ward.id}")
