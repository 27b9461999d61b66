"""`flask demo`: a demo province across every feature (units, schools, classes and
students; the shipped bank and a contest with a published round and an open one;
creative contests; certificate templates), loaded only into an empty database. It
sits above the features because it uses them all."""
import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.certificates.demo import load_demo_templates
from app.entries.demo import load_demo_creative
from app.extensions import db
from app.org.demo import load_demo
from app.org.models import Unit
from app.quiz.cli import import_shipped
from app.quiz.demo import load_demo_attempts, load_demo_contest


@click.command("demo")
@click.option("--communes", is_flag=True,
              help="Cấp giữa là xã/phường (chính quyền địa phương hai cấp từ 1/7/2025) thay cho cụm trường.")
@with_appcontext
def demo_command(communes):
    """Nạp dữ liệu mẫu một tỉnh (chỉ một lần: chạy lại giữ nguyên dữ liệu)."""
    if db.session.execute(select(Unit.id).limit(1)).first():
        click.echo("Đã có dữ liệu: không nạp lại dữ liệu mẫu.")
        return
    summary = load_demo(communes=communes)
    so = db.session.execute(select(Unit).where(Unit.code == "SO-CT")).scalar_one()
    bank, result = import_shipped(so)
    contest = load_demo_contest(so, bank)
    attempts = load_demo_attempts(contest)
    published, open_contest = load_demo_creative(so)
    load_demo_templates(contest, published)
    db.session.commit()
    click.echo(summary)
    click.echo(f"Ngân hàng câu hỏi {bank.code}: {result.message}")
    click.echo(f"Cuộc thi mẫu {contest.code}: đợt 1 đã kết thúc và công bố kết quả ({attempts} bài), đợt 2 đang mở; "
               f"mẫu giấy khen đã có, cấp giấy tại /contests/{contest.id}/certificates.")
    click.echo(f"Cuộc thi sáng tạo {published.code} đã công bố kết quả (xem /trien-lam); {open_contest.code} đang nhận bài.")
