"""How fast certificates render, against plain reportlab in the same run.

  baseline     reportlab drawing one landscape A4 page with the same text (the same
               embedded TTF fonts, centred lines, no QR code, no border, no paragraph
               layout), 1,000 times, one file each;
  single       the certificate renderer, 1,000 certificates, one file each (what a
               student's download and a class ZIP do);
  merged       the same 1,000 certificates as one merged PDF (what a class or school
               download and `flask certificates export` do).

The names are generated Vietnamese names, every tenth one far too long for a line,
so the shrinking and wrapping paths are timed too. Prints each figure, its ratio
to the baseline and the file sizes, then one line of JSON.
Usage: .venv/bin/python bench/certificates.py [--count 1000]
"""
import argparse
import io
import json
import random
import sys
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from app.certificates.render import HEIGHT, WIDTH, CertificateRenderer, Sheet  # noqa: E402
from app.core.pdf import SERIF, SERIF_BOLD, register_fonts  # noqa: E402

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Thị", "Văn", "Hoàng", "Minh", "Ngọc", "Phương", "Khánh", "Thanh", "Đức", "Bảo", "Gia", "Mỹ"]
GIVEN = ["Thảo", "Ngọc", "Anh", "Khoa", "Vy", "Quyên", "Hưng", "Tường", "Duyên", "Lộc", "Nhung", "Khang", "Yến"]
TEMPLATE = SimpleNamespace(
    issuer_parent="Ủy ban nhân dân thành phố Cần Thơ", issuer_name="Sở Giáo dục và Đào tạo",
    granter="Giám đốc Sở Giáo dục và Đào tạo thành phố Cần Thơ", prize_title="GIẤY KHEN",
    contest_title="Cuộc thi tìm hiểu dịch vụ công trực tuyến năm học 2026-2027", place="Cần Thơ",
    signer_title="KT. Giám đốc\nPhó Giám đốc", signer_name="Trần Thị Hồng Nhung",
    reference="Quyết định số 1234/QĐ-SGDĐT ngày 20/11/2026", logo_name=None, background_name=None, signature_name=None)


def sheets(count, seed=1588):
    rng = random.Random(seed)
    out = []
    for n in range(1, count + 1):
        words = [rng.choice(FAMILY)] + rng.sample(MIDDLE, 6 if n % 10 == 0 else rng.randint(1, 2)) + [rng.choice(GIVEN)]
        prize = n % 7 == 0
        out.append(Sheet(
            title="GIẤY KHEN" if prize else "GIẤY CHỨNG NHẬN", recipient_name=" ".join(words),
            class_name=f"{rng.randint(6, 12)}A{rng.randint(1, 12)}", school_name=f"Trường THPT số {n % 40 + 1} Cần Thơ",
            achievement=(f"Đã đạt **Giải {rng.choice(['Nhất', 'Nhì', 'Ba', 'Khuyến khích'])}** " if prize
                         else "Đã hoàn thành và đạt yêu cầu ") + f"Đợt 1 - {TEMPLATE.contest_title}",
            issued_on=date(2026, 11, 23), serial=f"DVC2026-2026-{n:05d}", check_code="K7QF9P", is_prize=prize))
    return out


def baseline_page(sheet, out):
    """Plain reportlab: the same lines of text, centred, in the same fonts; no QR, no layout."""
    c = Canvas(out, pagesize=(WIDTH, HEIGHT), pageCompression=1)
    c.setFont(SERIF, 11.5)
    c.drawCentredString(210, 542, TEMPLATE.issuer_parent.upper())
    c.setFont(SERIF_BOLD, 11.5)
    c.drawCentredString(210, 527, TEMPLATE.issuer_name.upper())
    c.drawCentredString(615, 542, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawCentredString(615, 526, "Độc lập - Tự do - Hạnh phúc")
    c.drawCentredString(WIDTH / 2, 462, TEMPLATE.granter.upper())
    c.setFont(SERIF_BOLD, 42)
    c.drawCentredString(WIDTH / 2, 394, sheet.title)
    c.setFont(SERIF_BOLD, 28)
    c.drawCentredString(WIDTH / 2, 344, sheet.recipient_name)
    c.setFont(SERIF, 15)
    c.drawCentredString(WIDTH / 2, 316, f"Học sinh lớp {sheet.class_name}, {sheet.school_name}")
    c.drawCentredString(WIDTH / 2, 280, sheet.achievement.replace("**", ""))
    c.setFont(SERIF, 12.5)
    c.drawCentredString(615, 170, f"{TEMPLATE.place}, ngày 23 tháng 11 năm 2026")
    c.setFont(SERIF_BOLD, 12.5)
    c.drawCentredString(615, 152, "KT. GIÁM ĐỐC")
    c.drawCentredString(615, 50, TEMPLATE.signer_name)
    c.setFont(SERIF, 10)
    c.drawString(56, 104, f"Số: {sheet.serial}")
    c.showPage()
    c.save()


def url(sheet):
    return f"https://thi.sogd.cantho.gov.vn/xac-minh/{sheet.serial}?ma={sheet.check_code}"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    register_fonts()
    pages = sheets(args.count)
    renderer = CertificateRenderer(TEMPLATE, url)

    def each(draw):
        sizes = []
        for sheet in pages:
            out = io.BytesIO()
            draw(sheet, out)
            sizes.append(len(out.getvalue()))
        return sizes

    def merged():
        out = io.BytesIO()
        renderer.write(pages, out)
        return len(out.getvalue())

    each(baseline_page)  # warm-up: font parsing, imports
    base_s, base_sizes = timed(lambda: each(baseline_page))
    single_s, single_sizes = timed(lambda: each(lambda sheet, out: renderer.write([sheet], out)))
    merged_s, merged_size = timed(merged)
    n = args.count
    figures = {
        "count": n,
        "baseline_per_s": round(n / base_s, 1),
        "single_per_s": round(n / single_s, 1),
        "merged_per_s": round(n / merged_s, 1),
        "single_vs_baseline": round(single_s / base_s, 2),
        "merged_vs_baseline": round(merged_s / base_s, 2),
        "single_file_kb_mean": round(sum(single_sizes) / n / 1024, 1),
        "single_file_kb_max": round(max(single_sizes) / 1024, 1),
        "baseline_file_kb_mean": round(sum(base_sizes) / n / 1024, 1),
        "merged_file_mb": round(merged_size / 1024 / 1024, 2),
    }
    print(f"baseline (plain reportlab page, no QR): {n} files in {base_s:.2f} s = {figures['baseline_per_s']}/s, "
          f"{figures['baseline_file_kb_mean']} KB each")
    print(f"certificates, one file each: {single_s:.2f} s = {figures['single_per_s']}/s "
          f"(x{figures['single_vs_baseline']} the baseline), {figures['single_file_kb_mean']} KB mean, "
          f"{figures['single_file_kb_max']} KB max")
    print(f"certificates, one merged file: {merged_s:.2f} s = {figures['merged_per_s']}/s "
          f"(x{figures['merged_vs_baseline']} the baseline), {figures['merged_file_mb']} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
