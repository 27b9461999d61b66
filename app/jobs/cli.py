import click
from flask.cli import AppGroup

from app.core.timeutil import utcnow
from app.jobs import services, worker

jobs_cli = AppGroup("jobs", help="Việc chạy nền (RQ trên Redis).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Dừng khi hàng đợi trống (để thử).")
def worker_command(burst):
    """Chạy một worker ở tiền cảnh cho tới khi nhận SIGTERM."""
    try:
        worker.work(burst=burst)
    except RuntimeError as error:
        raise click.ClickException(str(error))


@jobs_cli.command("requeue-stale")
def requeue_stale_command():
    """Đưa lại vào hàng đợi các việc mà worker đã dừng giữa chừng."""
    click.echo(f"Đã đưa lại {len(services.requeue_stale(utcnow()))} việc vào hàng đợi.")


@jobs_cli.command("purge")
def purge_command():
    """Xoá các tệp kết quả đã hết hạn và những gì các chức năng bỏ dở (tệp tải lên dở quá hạn)."""
    click.echo(f"Đã xoá {services.purge_expired(utcnow())} tệp kết quả hết hạn.")
    for name, count in services.run_cleaners(utcnow()).items():
        click.echo(f"Đã xoá {count} {name}.")
