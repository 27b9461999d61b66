"""`flask certificates issue` and `flask certificates export`: a whole province's
certificates from the server, one merged PDF per school (bundles.py writes them and
resumes an interrupted run), with a progress bar."""
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.certificates import bundles, services
from app.core.errors import DomainError
from app.entries.models import CreativeContest
from app.extensions import db
from app.quiz.models import Contest

certificates_cli = AppGroup("certificates", help="Giấy chứng nhận, giấy khen.")


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
    files = bundles.school_files(template)
    try:
        with _progress_bar("Xuất giấy", [f.name for f in files]) as progress:
            result = bundles.write_school_files(template, files, Path(out_dir), progress)
    except DomainError as error:  # a template image gone from the storage, say
        raise click.ClickException(error.message) from None
    click.echo(f"Đã ghi {result['written']} tệp, giữ nguyên {result['skipped']} tệp đã có "
               f"({result['certificates']} giấy) vào {out_dir}.")


@contextmanager
def _progress_bar(label, names):
    """click's progress bar as a `progress(done, total)` callback: the files done and the
    name of the one being written, drawn as click draws a bar it iterates over."""
    with click.progressbar(length=len(names), label=label, show_pos=True,
                           item_show_func=lambda i: names[i] if i is not None else "") as bar:
        def progress(done, total):
            bar.update(done - bar.pos)
            if done < total:
                bar.current_item = done
            else:
                bar.finish()
            bar.render_progress()
        yield progress
