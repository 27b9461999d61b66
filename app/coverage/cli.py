import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.coverage import participation
from app.extensions import db
from app.quiz.models import Contest

coverage_cli = AppGroup("coverage", help="Số liệu tham gia.")


@coverage_cli.command("rebuild")
@click.option("--contest", "code", default=None, help="Mã cuộc thi (bỏ trống: mọi cuộc thi).")
def rebuild_command(code):
    """Tính lại bảng tham gia từ các bài đã nộp."""
    contest_id = None
    if code:
        contest_id = db.session.execute(select(Contest.id).where(Contest.code == code.strip().upper())).scalar()
        if contest_id is None:
            raise click.ClickException(f"Không có cuộc thi mã {code}.")
    count = participation.rebuild(contest_id, commit=db.session.commit)
    click.echo(f"Đã tính lại: {count} học sinh tham gia.")
