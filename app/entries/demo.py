"""Demo creative contests: a poster and model contest of this school year already
judged and published (so the gallery has work to show), and a poster and video
contest open for entries now, with a few entries at each step of the school round.
Posters are drawn here with Pillow and go through the same upload checks as a
student's file."""
import io
import random
from datetime import timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.roles import Role
from app.core.timeutil import school_year_of, to_local, utcnow
from app.entries import judging, services
from app.entries.models import DEFAULT_RUBRIC, Assignment, Entry
from app.extensions import db
from app.org.models import SchoolClass, Student, Unit

FONT = Path(__file__).resolve().parent.parent / "core" / "fonts" / "DejaVuSans-Bold.ttf"
PALETTES = [((0, 94, 184), (255, 205, 0)), ((200, 16, 46), (255, 255, 255)), ((0, 122, 94), (250, 240, 200)),
            ((38, 50, 120), (120, 200, 255)), ((240, 120, 0), (30, 30, 30)), ((90, 40, 140), (255, 230, 120))]
POSTERS = [
    ("Một chạm, vạn dịch vụ", "Nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia"),
    ("VNeID: giấy tờ trong túi", "Định danh điện tử mức 2, không cần mang giấy tờ"),
    ("Không giấy tờ, không xếp hàng", "Đăng ký khai sinh, thường trú qua mạng"),
    ("Thanh toán trực tuyến an toàn", "Nộp phí, lệ phí ngay trên điện thoại"),
    ("Em giúp ông bà dùng dịch vụ công", "Học sinh là cầu nối số của gia đình"),
    ("Bảo vệ tài khoản định danh", "Không chia sẻ mã OTP cho bất kỳ ai"),
    ("Cổng dịch vụ công trong tầm tay", "dichvucong.gov.vn, mọi lúc, mọi nơi"),
    ("Chuyển đổi số bắt đầu từ em", "Đề án 1588: kỹ năng dịch vụ công cho học sinh"),
]
VIDEO_LINKS = ["https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://youtu.be/9bZkp7q19f0"]


def poster_png(title, subtitle, palette, size=(1000, 1414)):
    """A simple poster: a coloured ground, a band, the title and a line of text."""
    ground, accent = palette
    image = Image.new("RGB", size, ground)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((0, int(height * 0.62), width, int(height * 0.78)), fill=accent)
    draw.ellipse((width * 0.55, height * 0.08, width * 0.95, height * 0.36), outline=accent, width=18)
    big, small = ImageFont.truetype(str(FONT), 72), ImageFont.truetype(str(FONT), 38)
    y = int(height * 0.40)
    for line in _wrap(draw, title.upper(), big, width - 120):
        draw.text((60, y), line, font=big, fill=(255, 255, 255) if sum(ground) < 400 else (20, 20, 20))
        y += 86
    y = int(height * 0.66)
    for line in _wrap(draw, subtitle, small, width - 120):
        draw.text((60, y), line, font=small, fill=ground)
        y += 48
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _wrap(draw, text, font, width):
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width:
            line = trial
        else:
            lines.append(line)
            line = word
    return lines + [line]


def _teams(school_codes, rng, size=2):
    """[(school, advisor, [students])] from the demo schools: classmates, a teacher."""
    teams = []
    for code in school_codes:
        school = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()
        advisor = db.session.execute(select(User).where(User.unit_id == school.id, User.role == Role.TEACHER)
                                     .order_by(User.username)).scalars().first()
        classes = db.session.execute(select(SchoolClass).where(SchoolClass.school_id == school.id)
                                     .order_by(SchoolClass.sort_key)).scalars().all()
        school_class = classes[rng.randrange(len(classes))]
        students = db.session.execute(select(Student).where(Student.class_id == school_class.id)
                                      .order_by(Student.sort_key)).scalars().all()
        # the README's demo student stays free to make their own entry
        students = [s for s in students if s.user is None or s.user.username != "anhnt.thptnd"]
        teams.append((school, advisor, rng.sample(students, min(size, len(students)))))
    return teams


def load_demo_creative(so, seed=1588):
    """Both demo contests; returns (published contest, open contest)."""
    rng = random.Random(seed)
    now = utcnow().replace(second=0, microsecond=0)
    year = school_year_of(to_local(now).date())
    judges = db.session.execute(select(User).where(User.role == Role.JUDGE).order_by(User.username)).scalars().all()
    published = _published_contest(so, year, now, judges, rng)
    open_contest = _open_contest(so, year, now, rng)
    return published, open_contest


def _published_contest(so, year, now, judges, rng):
    start = now - timedelta(days=60)
    contest = services.create_contest(
        None, so, code=f"AP{year}", name="Cuộc thi thiết kế áp phích, mô hình về dịch vụ công trực tuyến",
        school_year=year, levels=("THCS", "THPT"), categories=("poster", "model"), submit_opens_at=start,
        submit_closes_at=start + timedelta(days=30), approval_closes_at=start + timedelta(days=40),
        judges_per_entry=2, prizes={"poster": {"nhat": 1, "nhi": 1, "ba": 2, "kk": 2}, "model": {"nhat": 1, "nhi": 1}},
        description="Học sinh thiết kế áp phích hoặc làm mô hình giới thiệu dịch vụ công trực tuyến.")
    during = start + timedelta(days=10)
    codes = ["THPT-ND", "THPT-LQD", "THPT-TP", "THPT-PBC", "THCS-NT", "THCS-LL", "THCS-CVA", "LC-DTD"]
    for index, (school, advisor, team) in enumerate(_teams(codes, rng)):
        title, subtitle = POSTERS[index % len(POSTERS)]
        entry = services.create_entry(advisor, contest, category="poster", title=title, description=subtitle,
                                      member_ids=[s.id for s in team], now=during)
        services.add_file(None, entry, io.BytesIO(poster_png(title, subtitle, PALETTES[index % len(PALETTES)])),
                          f"ap-phich-{index + 1}.png", now=during)
        services.submit_entry(advisor, entry, now=during)
        services.review_entry(None, entry, approve=True, now=during + timedelta(days=1))
    for index, (school, advisor, team) in enumerate(_teams(["THPT-ND", "THCS-NT", "THPT-PBC"], rng)):
        entry = services.create_entry(advisor, contest, category="model", title=f"Mô hình ki-ốt dịch vụ công số {index + 1}",
                                      description="Mô hình bằng bìa cứng và đèn LED: ki-ốt tra cứu thủ tục hành chính "
                                                  "đặt ở nhà văn hóa ấp, kích thước 60 × 40 × 50 cm.",
                                      member_ids=[s.id for s in team], now=during)
        for photo in range(2):
            palette = PALETTES[(index + photo + 2) % len(PALETTES)]
            services.add_file(None, entry, io.BytesIO(poster_png("Mô hình", f"Ảnh {photo + 1}", palette, (1200, 900))),
                              f"mo-hinh-{photo + 1}.png", now=during)
        services.submit_entry(advisor, entry, now=during)
        services.review_entry(None, entry, approve=True, now=during + timedelta(days=1))
    judging_day = start + timedelta(days=45)
    for category in ("poster", "model"):
        judging.set_panel(None, contest, category, [j.id for j in judges], head_id=judges[0].id if judges else None)
        judging.assign_entries(None, contest, category, now=judging_day)
    rubric = {c["key"]: c["max"] for c in DEFAULT_RUBRIC}
    for assignment in db.session.execute(select(Assignment).join(Entry).where(
            Entry.contest_id == contest.id).order_by(Assignment.id)).scalars():
        scores = {key: round(top * rng.uniform(0.55, 0.98) * 2) / 2 for key, top in rubric.items()}
        judging.save_scores(assignment.judge, assignment, scores, "Ý tưởng rõ, trình bày đẹp.", submit=True,
                            now=judging_day)
    judging.publish_results(None, contest, now=start + timedelta(days=50))
    return contest


def _open_contest(so, year, now, rng):
    contest = services.create_contest(
        None, so, code=f"VD{year}", name="Cuộc thi video, áp phích “Học sinh với dịch vụ công trực tuyến”",
        school_year=year, levels=("THCS", "THPT"), categories=("poster", "video"),
        submit_opens_at=now - timedelta(days=7), submit_closes_at=now + timedelta(days=28),
        approval_closes_at=now + timedelta(days=40), judges_per_entry=2,
        prizes={"poster": {"nhat": 1, "nhi": 2}, "video": {"nhat": 1, "nhi": 2}},
        file_rules={"video": {"links": True}},  # the demo shows link entries: not blind, as the form says
        description="Video đến 5 phút hoặc áp phích; nộp trước hạn, nhà trường duyệt, Sở chấm vòng tỉnh.")
    for index, (school, advisor, team) in enumerate(_teams(["THPT-ND", "THPT-TP", "THCS-CVA"], rng)):
        entry = services.create_entry(advisor, contest, category="video", title=f"Dịch vụ công trong 60 giây ({index + 1})",
                                      member_ids=[s.id for s in team], video_url=VIDEO_LINKS[index % 2])
        services.submit_entry(advisor, entry)
        if index == 0:
            admin = db.session.execute(select(User).where(User.unit_id == school.id, User.role == Role.SCHOOL_ADMIN)
                                       ).scalars().first()
            services.review_entry(admin, entry, approve=True)
    return contest
