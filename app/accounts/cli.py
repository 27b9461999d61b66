import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts import services
from app.accounts.roles import Role
from app.core.errors import DomainError
from app.extensions import db
from app.org.models import Unit

users_cli = AppGroup("users", help="Tài khoản người dùng.")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--name", "full_name", required=True, help="Họ và tên")
@click.option("--role", type=click.Choice([value for value, _ in Role.staff_choices()]), required=True)
@click.option("--unit", "unit_code", help="Mã đơn vị / mã trường (không cần với admin)")
@click.password_option("--password", help="Mật khẩu (ít nhất 8 ký tự)")
@click.option("--no-change", is_flag=True, help="Không bắt đổi mật khẩu khi đăng nhập lần đầu")
def create_user_command(username, full_name, role, unit_code, password, no_change):
    """Tạo tài khoản (quản trị, cán bộ Sở/Phòng, quản trị trường, giáo viên, giám khảo)."""
    unit = None
    if unit_code:
        unit = db.session.execute(select(Unit).where(Unit.code == unit_code)).scalar_one_or_none()
        if unit is None:
            raise click.ClickException(f"Không có đơn vị mã {unit_code}.")
    try:
        user = services.create_user(None, username=username, password=password, full_name=full_name,
                                    role=role, unit=unit, must_change_password=not no_change)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Đã tạo {user.username} ({Role(role).label}).")


@users_cli.command("purge-login-attempts")
@click.option("--days", default=30, show_default=True)
def purge_login_attempts_command(days):
    """Xoá nhật ký đăng nhập cũ và các phiên đăng nhập đã kết thúc hoặc bỏ không quá số ngày."""
    attempts, logins = services.purge_login_attempts(days)
    click.echo(f"Đã xoá {attempts} dòng nhật ký đăng nhập và {logins} phiên đăng nhập cũ.")
