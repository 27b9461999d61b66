"""Roster files as schools send them, written with openpyxl: a title block, varying
headers, text and Excel dates, decomposed Unicode, trailing spaces, empty rows."""
import io
import unicodedata
from datetime import datetime

from openpyxl import Workbook


def nfd(text):
    return unicodedata.normalize("NFD", text)


def xlsx_bytes(rows, date_format_cells=()):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    for ref in date_format_cells:
        sheet[ref].number_format = "dd/mm/yyyy"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


TITLE_BLOCK = [
    ["SỞ GIÁO DỤC VÀ ĐÀO TẠO", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["TRƯỜNG THPT A", None, None, "Độc lập - Tự do - Hạnh phúc"],
    [],
    ["DANH SÁCH HỌC SINH LỚP 10A1 - NĂM HỌC 2026-2027"],
    [],
]


def messy_class_roster():
    """Header on row 6. Rows 7.. hold good and bad students; see the expectations in tests."""
    rows = TITLE_BLOCK + [
        ["STT", "HỌ VÀ TÊN ", "Ngày sinh (dd/mm/yyyy)", "Giới tính", "Lớp", "Mã học sinh"],      # 6
        [1, nfd("Nguyễn Thị Ánh  "), "05/09/2010", "Nữ", "10a1", 7900000001],                   # 7 text date, NFD
        [2, "Trần Văn Bình", datetime(2010, 1, 15), "Nam", "10A1", "7900000002"],               # 8 Excel date
        [],                                                                                     # 9 empty
        [3, "Lê Đức", 40299, "nam", "Lớp 10A1", "7900000003"],                                  # 10 serial 2010-05-01
        [4, None, "01/01/2010", "Nam", "10A1", "7900000004"],                                   # 11 missing name
        [5, "Phạm Thị Dung", "31/02/2010", "Nữ", "10A1", "7900000005"],                         # 12 bad date
        [6, "Hồ Văn Dũng", "12/12/2010", "Nam", "10A1", "7900000002"],                          # 13 duplicate code
        [7, "Võ Thị Hà", "03/03/2010", "Nữ", "10A9", "7900000007"],                             # 14 unknown class
        [8, "  Đặng   Minh Khang ", "7-8-2010", "Nam", "10A1", "7900000008"],                    # 15 spaces
        [],
        [None, None, None, "Người lập biểu"],                                                   # 17 footer
    ]
    return xlsx_bytes(rows, date_format_cells=["C8"])


MESSY_GOOD_CODES = {"7900000001", "7900000002", "7900000003", "7900000008"}
MESSY_ERROR_ROWS = {11: "thiếu họ và tên", 12: "ngày sinh không tồn tại", 13: "trùng với dòng 8",
                    14: "không có lớp “10A9”"}
