"""`flask certificates issue` and `flask certificates export`: a whole province's
certificates from the server, one merged PDF per school, with a progress bar.

Export can resume: each school's file is written beside its final name and moved
into place when complete, and a manifest records which certificates (and which
revocations) each file holds; a second run skips the files that are still up to
date and redoes the rest."""
import hashlib
import json
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.certificates import services
from app.certificates.models import Certificate
from app.certificates.render import CertificateRenderer
from app.core.errors import DomainError
from app.core.text import file_safe
from app.entries.models import CreativeContest
from app.extensions import db
from app.org.models import Unit
from app.quiz.models import Contest

certificates_cli = AppGroup("certificates", help="Giấy chứng nhận, giấy khen.")
MANIFEST = "manifest.json"


def _template(code):
    code = code.strip().upper()
    owner = (db.session.execute(select(Contest).where(Contest.code == code)).scalar_one_or_none()
             or db.session.execute(select(CreativeContest).where(CreativeContest.code == code)).scalar_one_or_none())
    if owner is None:
        raise click.ClickException(f"Không có cuộc thi mã {code}.")
    template = services.template_of(owner)
    if template is None:
        raise click.ClickException(f"Cuộc thi {code} chưa có mẫu giấy: hãy thiết kế mẫu trên trang Giấy khen.")
    return owner, template


@certificates_cli.command("issue")
@click.argument("code")
@click.option("--round", "round_number", type=int, default=None, help="Số thứ tự đợt (bỏ trống: cả cuộc thi).")
def issue_command(code, round_number):
    """Cấp giấy theo kết quả đã công bố (chạy lại không cấp trùng)."""
    owner, template = _template(code)
    round_ = None
    if round_number is not None:
        round_ = next((r for r in getattr(owner, "rounds", []) if r.number == round_number), None)
        if round_ is None:
            raise click.ClickException(f"Cuộc thi {owner.code} không có đợt số {round_number}.")
    try:
        result = services.issue(None, template, round_)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(result.message)


@certificates_cli.command("export")
@click.argument("code")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Thư mục ghi các tệp PDF.")
def export_command(code, out_dir):
    """Xuất mọi giấy còn hiệu lực: mỗi trường một tệp PDF gộp (chạy lại thì làm tiếp)."""
    owner, template = _template(code)
    if not current_app.config.get("PUBLIC_URL"):
        click.echo("Chú ý: chưa đặt PUBLIC_URL, mã QR sẽ trỏ tới http://127.0.0.1:5000. "
                   "Đặt PUBLIC_URL=https://<địa chỉ trang thi> rồi chạy lại.", err=True)
    result = export(template, Path(out_dir), progress=True)
    click.echo(f"Đã ghi {result['written']} tệp, giữ nguyên {result['skipped']} tệp đã có "
               f"({result['certificates']} giấy) vào {out_dir}.")


def export(template, out_dir, progress=False):
    """Write one merged PDF per school (and one for units' collective prizes) into
    out_dir; skip files the manifest shows up to date. Returns counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    groups = db.session.execute(
        select(Certificate.school_id, Certificate.serial, Certificate.id).where(
            Certificate.template_id == template.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.school_id, Certificate.seq)).all()
    by_school = {}
    for school_id, serial, cert_id in groups:
        by_school.setdefault(school_id, []).append((serial, cert_id))
    schools = {row.id: row for row in db.session.execute(select(Unit.id, Unit.code, Unit.name).where(
        Unit.id.in_([s for s in by_school if s is not None]))).all()}
    renderer = CertificateRenderer(template, services.verify_url, services.image_dir(template))
    counts = {"written": 0, "skipped": 0, "certificates": len(groups)}
    items = sorted(by_school.items(), key=lambda item: (item[0] is None, _file_name(item[0], schools)))
    bar = click.progressbar(items, label="Xuất giấy", show_pos=True,
                            item_show_func=lambda item: _file_name(item[0], schools) if item else "") \
        if progress else _Quiet(items)
    with bar as steps:
        for school_id, certs in steps:
            name = _file_name(school_id, schools)
            fingerprint = hashlib.sha256("\n".join(serial for serial, _ in certs).encode()).hexdigest()
            if manifest.get(name) == fingerprint and (out_dir / name).exists():
                counts["skipped"] += 1
                continue
            rows = db.session.execute(select(Certificate).where(
                Certificate.id.in_([cert_id for _, cert_id in certs]))).scalars().all()
            partial = out_dir / (name + ".part")
            renderer.write(services.print_order(rows), str(partial))
            os.replace(partial, out_dir / name)
            manifest[name] = fingerprint
            manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
            for row in rows:  # a province is large: keep the session small
                db.session.expunge(row)
            counts["written"] += 1
    return counts


def _file_name(school_id, schools):
    if school_id is None:
        return "don-vi-tap-the.pdf"
    school = schools.get(school_id)
    return f"{file_safe(school.code or str(school_id), 20)}_{file_safe(school.name, 60)}.pdf" if school \
        else f"{school_id}.pdf"


class _Quiet:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False
