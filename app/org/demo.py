"""A demo province: a Sở, two clusters, ten schools, classes of about 35 students
with real-looking Vietnamese names, and staff of every role. Deterministic, so the
README can name demo logins.

With `communes` the middle level is the two-level local government's (from 1/7/2025:
no more districts): two wards (phường) manage the THCS schools, while the Sở keeps
the THPT schools, the combined THCS-THPT school and the GDNN-GDTX centre directly."""
import random
import re
from datetime import date, timedelta

from app.accounts.models import User
from app.accounts.roles import Role
from app.accounts.services import ensure_student_accounts, hash_password
from app.core.timeutil import local_today, school_year_of
from app.extensions import db
from app.org.models import Student
from app.org.services import create_class, create_unit, set_class_teachers

STAFF_PASSWORD = "Demo@2025"
STUDENT_PASSWORD = "hocsinh2025"

SURNAMES = ["Nguyễn"] * 8 + ["Trần"] * 4 + ["Lê"] * 3 + ["Phạm"] * 2 + [
    "Huỳnh", "Hoàng", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Lâm"]
MIDDLE = {"Nam": ["Văn", "Minh", "Quốc", "Gia", "Đức", "Hữu", "Thành", "Hoàng", "Anh", "Trọng", "Tuấn"],
          "Nữ": ["Thị", "Ngọc", "Thu", "Thanh", "Bảo", "Khánh", "Phương", "Thị Mỹ", "Hoài", "Minh", "Kim"]}
GIVEN = {"Nam": ["An", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hiếu", "Huy", "Khang", "Khoa", "Kiên",
                 "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Phát", "Phúc", "Quân", "Sơn", "Tài", "Thắng",
                 "Thịnh", "Toàn", "Trí", "Tuấn", "Việt", "Vinh", "Vũ", "Bảo", "Đạt", "Hùng"],
         "Nữ": ["An", "Anh", "Ánh", "Châu", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hân", "Hương",
                "Lan", "Linh", "Mai", "My", "Ngân", "Ngọc", "Nhi", "Như", "Oanh", "Phương", "Quỳnh",
                "Tâm", "Thảo", "Thư", "Trang", "Trâm", "Uyên", "Vy", "Yến", "Ý"]}

CLUSTERS = [("CUM-NK", "Cụm trường Ninh Kiều - Bình Thủy"), ("CUM-CR", "Cụm trường Cái Răng - Phong Điền")]
# The same places as wards of the two-level local government: (code, name, officer's username).
COMMUNES = [("P-NINHKIEU", "Phường Ninh Kiều", "phuong.ninhkieu"), ("P-CAIRANG", "Phường Cái Răng", "phuong.cairang")]
# (code, name, level, cluster index or None for directly under the Sở, classes)
SCHOOLS = [
    ("THPT-ND", "Trường THPT Nguyễn Du", "THPT", 0, ["10A1", "10A2", "11A1", "12A1"]),
    ("THPT-LQD", "Trường THPT Lê Quý Đôn", "THPT", 0, ["10A1", "11A1", "12A1"]),
    ("THPT-TP", "Trường THPT Trần Phú", "THPT", 1, ["10A1", "10A2", "11A1"]),
    ("THPT-PBC", "Trường THPT Phan Bội Châu", "THPT", 1, ["10A1", "11A1", "12A1"]),
    ("THCS-NT", "Trường THCS Nguyễn Trãi", "THCS", 0, ["6A1", "7A1", "8A1", "9A1"]),
    ("THCS-LL", "Trường THCS Lê Lợi", "THCS", 0, ["6A1", "8A1", "9A1"]),
    ("THCS-CVA", "Trường THCS Chu Văn An", "THCS", 1, ["7A1", "8A1", "9A1"]),
    ("THCS-VTS", "Trường THCS Võ Thị Sáu", "THCS", 1, ["6A1", "9A1", "9A2"]),
    ("LC-DTD", "Trường THCS và THPT Đoàn Thị Điểm", "THCS-THPT", None, ["9A1", "10A1", "12A1"]),
    ("GDTX-CT", "Trung tâm GDNN-GDTX quận Ninh Kiều", "GDNN-GDTX", None, ["10A1", "11A1", "12A1"]),
]


def _name(rng):
    gender = rng.choice(["Nam", "Nữ"])
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}", gender


def _staff(username, full_name, role, unit, password_hash):
    user = User(username=username, full_name=full_name, role=role, unit_id=unit.id if unit else None,
                password_hash=password_hash, must_change_password=False)
    db.session.add(user)
    return user


def load_demo(seed=1588, communes=False):
    """The demo province; `communes`: wards (xã/phường) as the middle level instead of clusters."""
    rng = random.Random(seed)
    year = school_year_of(local_today())
    staff_hash = hash_password(STAFF_PASSWORD)
    student_hash = hash_password(STUDENT_PASSWORD)
    so = create_unit(None, kind="department", name="Sở Giáo dục và Đào tạo thành phố Cần Thơ", code="SO-CT")
    if communes:
        middle = [create_unit(None, kind="commune", name=name, code=code, parent=so) for code, name, _ in COMMUNES]
        officers = [("phuong.ninhkieu", "Lê Thị Hồng"), ("phuong.cairang", "Phạm Quốc Bảo")]
    else:
        middle = [create_unit(None, kind="cluster", name=name, code=code, parent=so) for code, name in CLUSTERS]
        officers = [("cum.ninhkieu", "Lê Thị Hồng"), ("cum.cairang", "Phạm Quốc Bảo")]
    _staff("admin", "Quản trị hệ thống", Role.ADMIN, None, staff_hash)
    _staff("so.cantho", "Trần Minh Tâm", Role.DEPARTMENT, so, staff_hash)
    for (username, full_name), unit in zip(officers, middle):
        _staff(username, full_name, Role.UNIT, unit, staff_hash)
    _staff("giamkhao1", "Võ Thanh Hải", Role.JUDGE, None, staff_hash)
    _staff("giamkhao2", "Lâm Ngọc Trâm", Role.JUDGE, None, staff_hash)
    student_count = 0
    for code, name, level, cluster, class_names in SCHOOLS:
        if communes and level != "THCS":
            cluster = None  # after 1/7/2025 the Sở manages upper secondary schools and GDNN-GDTX centres
        parent = so if cluster is None else middle[cluster]
        school = create_unit(None, kind="school", name=name, code=code, level=level, parent=parent)
        slug = code.lower().replace("-", "")
        _staff(f"bgh.{slug}", _name(rng)[0], Role.SCHOOL_ADMIN, school, staff_hash)
        teachers = [_staff(f"gv{n}.{slug}", _name(rng)[0], Role.TEACHER, school, staff_hash) for n in (1, 2)]
        db.session.flush()
        for index, class_name in enumerate(class_names):
            grade = int(re.match(r"\d+", class_name).group())
            school_class = create_class(None, school, name=class_name, grade=grade, school_year=year)
            set_class_teachers(None, school_class, [teachers[index % 2]])
            students = []
            for number in range(rng.randint(32, 38)):
                full_name, gender = _name(rng)
                if code == "THPT-ND" and class_name == "10A1" and number == 0:
                    full_name, gender = "Nguyễn Thị Ánh", "Nữ"
                born = date(year - grade - 5, 1, 1) + timedelta(days=rng.randrange(365))
                student = Student(school_id=school.id, class_id=school_class.id, birth_date=born, gender=gender,
                                  code=f"{7900000000 + student_count:010d}")
                student.set_name(full_name)
                db.session.add(student)
                students.append(student)
                student_count += 1
            db.session.flush()
            for user in ensure_student_accounts(None, students, school):
                user.password_hash = student_hash
                user.must_change_password = False
    db.session.commit()
    return (f"Đã nạp dữ liệu mẫu: 1 Sở, {len(middle)} {'xã/phường' if communes else 'cụm'}, {len(SCHOOLS)} trường, "
            f"{student_count} học sinh, năm học {year}-{year + 1}.")
