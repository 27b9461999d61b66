"""Issuing from published results: who qualifies, serials in print order, running
again changes nothing, revocation and reissue, corrected results, collective and
creative prizes, and verification by serial and check code."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.certificates import services
from app.certificates.models import Certificate, CertificateTemplate
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.quiz.models import Award, Round
from app.extensions import db as _db


def _valid(template):
    return _db.session.execute(select(Certificate).where(Certificate.template_id == template.id,
                                                         Certificate.revoked_at.is_(None))
                               .order_by(Certificate.seq)).scalars().all()


def test_a_round_gives_a_giay_khen_to_its_winner_and_a_giay_chung_nhan_to_those_who_passed(finished, db):
    result = services.issue(None, finished.template, finished.round)
    db.session.commit()
    assert result.created == 3 and result.kept == 0
    certs = _valid(finished.template)
    # print order: school, class, then the Vietnamese name order (given name first: Ngọc before Thảo)
    assert [(c.serial, c.recipient_name, c.title) for c in certs] == [
        ("DVC2026-2026-00001", "Đặng Lê Hoàng Khánh Ngọc", "GIẤY CHỨNG NHẬN"),
        ("DVC2026-2026-00002", "Nguyễn Thị Phương Thảo", "GIẤY KHEN"),
        ("DVC2026-2026-00003", "Phạm Đức Anh", "GIẤY CHỨNG NHẬN"),
    ]
    thao = certs[1]
    assert thao.achievement.startswith("Đã đạt **Giải Nhất** Đợt 1 - Cuộc thi tìm hiểu dịch vụ công trực tuyến")
    assert (thao.class_name, thao.school_name, thao.class_id) == ("10A1", "Trường THPT A", finished.c10a1.id)
    assert finished.binh.id not in {c.student_id for c in certs}  # failed: nothing
    assert len({c.check_code for c in certs}) == 3 and all(len(c.check_code) == 6 for c in certs)


def test_issuing_again_creates_nothing_and_keeps_every_serial(finished, db):
    services.issue(None, finished.template, finished.round)
    before = [(c.serial, c.check_code, c.key) for c in _valid(finished.template)]
    again = services.issue(None, finished.template, finished.round)
    assert (again.created, again.kept, again.changed, again.stale) == (0, 3, [], [])
    assert [(c.serial, c.check_code, c.key) for c in _valid(finished.template)] == before


def test_a_revoked_certificate_is_replaced_by_a_new_serial_and_verifies_as_revoked(finished, db):
    services.issue(None, finished.template, finished.round)
    old = next(c for c in _valid(finished.template) if c.student_id == finished.thao.id)
    with pytest.raises(DomainError, match="lý do"):
        services.revoke(None, old, "x")
    new = services.revoke(None, old, "Điều chỉnh kết quả sau phúc khảo", reissue=True)
    db.session.commit()
    assert new.serial == "DVC2026-2026-00004" and new.replaces_id == old.id and new.key == old.key
    assert services.find_for_verification(old.serial, old.check_code).revoked_at is not None
    assert services.find_for_verification(new.serial, new.check_code.lower()).revoked_at is None
    with pytest.raises(DomainError, match="đã bị thu hồi"):
        services.revoke(None, old, "Lần nữa thì sao")
    # issuing again finds every key covered
    assert services.issue(None, finished.template, finished.round).created == 0


def test_a_corrected_result_is_reported_not_silently_rewritten(finished, db):
    services.issue(None, finished.template, finished.round)
    award = db.session.execute(select(Award).where(Award.round_id == finished.round.id)).scalar_one()
    award.label = "Giải Nhì"  # the round's results were corrected and published again
    result = services.issue(None, finished.template, finished.round)
    assert result.created == 0 and [c.recipient_name for c in result.changed] == ["Nguyễn Thị Phương Thảo"]
    assert "thu hồi rồi cấp lại" in result.message
    award.student_id = finished.binh.id  # and if the prize went to someone else
    award.label = "Giải Nhất"
    result = services.issue(None, finished.template, finished.round)
    # Bình gets the giấy khen; Thảo's is reported for revocation, and she gets the passing one she now earns
    assert [c.recipient_name for c in result.stale] == ["Nguyễn Thị Phương Thảo"]
    new = _valid(finished.template)[-2:]
    assert {(c.recipient_name, c.kind) for c in new} == {("Trần Văn Bình", "prize"), ("Nguyễn Thị Phương Thảo", "pass")}


def test_the_whole_contest_gives_overall_collective_and_passing_certificates(finished, db):
    result = services.issue(None, finished.template)
    by_kind = {}
    for c in _valid(finished.template):
        by_kind.setdefault(c.kind, []).append(c)
    assert result.created == len(_valid(finished.template))
    assert [c.recipient_name for c in by_kind["prize"]] == ["Nguyễn Thị Phương Thảo"]
    assert sorted(c.recipient_name for c in by_kind["pass"]) == ["Phạm Đức Anh", "Đặng Lê Hoàng Khánh Ngọc"]
    collective = by_kind["collective"]
    assert collective and all(c.title == "GIẤY KHEN" and "Giải Nhất tập thể" in c.achievement for c in collective)
    assert collective[0].recipient_unit_id == collective[0].school_id  # a school: its staff download it


def test_nothing_is_issued_before_the_results_are_published(finished, db):
    finished.round.results_published_at = None
    finished.contest.results_published_at = None
    with pytest.raises(DomainError, match="chưa công bố"):
        services.issue(None, finished.template, finished.round)
    with pytest.raises(DomainError, match="chưa công bố"):
        services.issue(None, finished.template)


def test_without_passing_certificates_only_winners_get_one(finished, db):
    finished.template.include_pass = False
    services.issue(None, finished.template, finished.round)
    assert [c.recipient_name for c in _valid(finished.template)] == ["Nguyễn Thị Phương Thảo"]


def test_each_member_of_a_winning_creative_team_gets_a_giay_khen(tree, school_people, creative, db):
    from app.entries.models import Entry, EntryMember
    thao, binh, chau = school_people.students
    winner = Entry(contest_id=creative.id, school_id=tree.school_a.id, category="poster", title="Dịch vụ công",
                   status="approved", prize="nhat", prize_label="Giải Nhất")
    other = Entry(contest_id=creative.id, school_id=tree.school_a.id, category="poster", title="Một chạm",
                  status="approved")
    draft = Entry(contest_id=creative.id, school_id=tree.school_a.id, category="poster", title="Nháp")
    db.session.add_all([winner, other, draft])
    db.session.flush()
    db.session.add_all([EntryMember(entry_id=winner.id, student_id=thao.id, position=0),
                        EntryMember(entry_id=winner.id, student_id=binh.id, position=1),
                        EntryMember(entry_id=other.id, student_id=chau.id, position=0),
                        EntryMember(entry_id=draft.id, student_id=school_people.b_student.id, position=0)])
    template = services.save_template(None, creative, services.default_template(creative), {})
    with pytest.raises(DomainError, match="chưa công bố"):
        services.issue(None, template)
    creative.results_published_at = utcnow() - timedelta(minutes=1)
    services.issue(None, template)
    certs = {c.recipient_name: c for c in _valid(template)}
    assert set(certs) == {thao.full_name, binh.full_name, chau.full_name}
    assert certs[thao.full_name].title == "GIẤY KHEN" and certs[binh.full_name].kind == "entry"
    assert "“Dịch vụ công” (thể loại Áp phích)" in certs[thao.full_name].achievement
    assert certs[chau.full_name].title == "GIẤY CHỨNG NHẬN" and "vòng chung khảo" in certs[chau.full_name].achievement
    assert certs[thao.full_name].serial.startswith("AP2026-2026-")


def test_verification_needs_the_serial_and_its_code(finished, db):
    services.issue(None, finished.template, finished.round)
    cert = _valid(finished.template)[0]
    assert services.find_for_verification(cert.serial, cert.check_code) == cert
    typed = " ".join(cert.check_code.lower())  # spaced out, lower case
    assert services.find_for_verification(cert.serial.lower(), typed) == cert
    wrong = cert.check_code[:-1] + ("A" if cert.check_code[-1] != "A" else "B")
    assert services.find_for_verification(cert.serial, wrong) is None
    assert services.find_for_verification(cert.serial, "") is None
    assert services.find_for_verification("DVC2026-2026-99999", cert.check_code) is None


def test_the_default_template_is_the_so_s_with_its_province(finished):
    t = services.default_template(finished.contest)
    assert t.code == "DVC2026" and t.school_year == 2026
    assert "năm học 2026-2027" in t.contest_title
    assert t.signer_title and t.issuer_name and t.place


def test_the_preview_uses_the_longest_name_school_and_class_in_the_data(finished, make_student, db):
    make_student(finished.c10a1, "Tôn Nữ Hoàng Thị Mỹ Lệ Quyên Công Tằng Tôn Nữ")
    sheets = services.sample_sheets(finished.template)
    assert sheets[0].recipient_name == "Tôn Nữ Hoàng Thị Mỹ Lệ Quyên Công Tằng Tôn Nữ"
    assert sheets[0].school_name in ("Trường THPT A", "Trường THPT B") and sheets[0].class_name in ("10A1", "11B1")
    assert [s.is_prize for s in sheets] == [True, False, True] and sheets[2].collective


def test_print_order_is_school_then_class_by_number_then_vietnamese_name():
    from types import SimpleNamespace
    rows = [SimpleNamespace(school_name="Trường A", class_name=cls, recipient_name=name, seq=n)
            for n, (cls, name) in enumerate([("10A1", "Lê Văn Bình"), ("9A2", "Trần Thị Ánh"),
                                             ("10A10", "Nguyễn An"), ("10A1", "Đỗ Văn An")])]
    assert [(r.class_name, r.recipient_name) for r in services.print_order(rows)] == [
        ("9A2", "Trần Thị Ánh"), ("10A1", "Đỗ Văn An"), ("10A1", "Lê Văn Bình"), ("10A10", "Nguyễn An")]


def test_two_hosts_issuing_at_once_both_succeed_with_unique_serials(finished, db, monkeypatch, at_once):
    """The serial is max + 1: without a lock two issues at once number the same
    certificates alike (UniqueViolation on PostgreSQL). They take turns on the template."""
    import time

    template_id, round_id = finished.template.id, finished.round.id
    original = services.candidates

    def slow_candidates(*args, **kwargs):
        found = original(*args, **kwargs)
        time.sleep(0.3)  # reading the results takes a while: room for the other host
        return found

    monkeypatch.setattr(services, "candidates", slow_candidates)

    def issue_round():
        template = _db.session.get(CertificateTemplate, template_id)
        created = services.issue(None, template, _db.session.get(Round, round_id)).created
        _db.session.commit()
        return created

    outcomes = at_once(issue_round, issue_round)
    certificates = db.session.execute(select(Certificate).where(Certificate.template_id == template_id)).scalars().all()
    serials = [c.serial for c in certificates]
    assert sorted(outcomes, key=str) == sorted([len(certificates), 0], key=str)  # one issued all, the other none
    assert len(certificates) >= 3 and len(set(serials)) == len(serials)
    assert sorted(c.seq for c in certificates) == list(range(1, len(certificates) + 1))
