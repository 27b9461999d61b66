from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.accounts import services
from app.accounts.forms import ChangePasswordForm, LoginForm, UserForm
from app.accounts.models import User
from app.accounts.roles import Role
from app.core import scope
from app.core.actions import run_action
from app.core.audit import AuditLog
from app.core.forms import EmptyForm
from app.extensions import db, login_manager
from app.org import access as org_access
from app.org.models import Unit

bp = Blueprint("accounts", __name__)

# Pages a user who must change the first password may still open.
# A student with a first password (or who joined a class session by birth date) can
# take the round in class at once; the password change comes after.
_OPEN_WITH_FIRST_PASSWORD = {"accounts.change_password", "accounts.logout", "static", "attempts.take",
                             "attempts.answer", "attempts.submit", "attempts.result", "sessions.join"}


def claimed_login(session_id):
    """(user id, login token) a session's id claims (`User.start_login`), or None. The
    claim holds only while that login is open and the user active."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    return int(user_id), token


def session_login():
    """The claim of this request's session, read without loading the user: the answer
    save checks it in its own query (`quiz.attempts.save_answer_for_login`)."""
    return claimed_login(session.get("_user_id"))


def log_out_this_device():
    """End this session's login record on the server (a copied cookie dies with it; the
    user's other devices stay logged in), then the Flask-Login session."""
    claim = session_login()
    if claim is not None:
        services.end_login(claim[1])
    logout_user()


@login_manager.user_loader
def load_user(session_id):
    claim = claimed_login(session_id)
    if claim is None:
        return None
    return services.user_of_login(*claim)


@bp.before_app_request
def require_own_password():
    # The endpoint first: the pages open with a first password do not need the user loaded.
    if (request.endpoint not in _OPEN_WITH_FIRST_PASSWORD and current_user.is_authenticated
            and current_user.must_change_password):
        return redirect(url_for("accounts.change_password"))
    return None


def _safe_next(target):
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_url(user):
    role = user.role_enum
    if role.sees_all:
        return url_for("org.tree")
    if role.oversees_units:
        return url_for("org.unit_detail", unit_id=user.unit_id)
    if role.teaches_classes:
        return url_for("org.teacher_home")
    if role.runs_own_school:
        return url_for("org.school_detail", school_id=user.unit_id)
    if role.takes_quizzes:
        return url_for("home.student_home")
    return url_for("entries.judge_list")


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = run_action(lambda: services.authenticate(form.username.data, form.password.data,
                                                        request.remote_addr or "unknown"))
        if user is None:
            return render_template("accounts/login.html", form=form), 200
        login_user(user)
        return redirect(_safe_next(form.next.data) or home_url(user))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    log_out_this_device()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if run_action(lambda: services.change_own_password(current_user, form.current.data, form.new.data,
                                                           form.confirm.data)):
            login_user(current_user._get_current_object())  # the change ended every login: a new one here
            flash("Đã đổi mật khẩu.", "success")
            return redirect(home_url(current_user))
    return render_template("accounts/change_password.html", form=form)


def _require_user_manager():
    if not current_user.role_enum.manages_accounts:
        abort(404)


def _unit_choices(user):
    units = db.session.execute(org_access.units_query(user).order_by(Unit.sort_key)).scalars()
    return [(u.id, f"{u.name}" + (f" ({u.code})" if u.code else "")) for u in units]


def _role_choices(user):
    return [(role.value, role.label) for role in user.role_enum.account_roles_created]


@bp.route("/users")
@login_required
def user_list():
    _require_user_manager()
    query = org_access.users_query(current_user).where(User.role != Role.STUDENT).order_by(User.role, User.username)
    users = db.session.execute(query).scalars().all()
    return render_template("accounts/users.html", users=users, form=EmptyForm())


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_create():
    _require_user_manager()
    form = UserForm()
    form.role.choices = _role_choices(current_user)
    form.unit_id.choices = ([(0, "— (quản trị hệ thống / giám khảo độc lập)")]
                            if current_user.role_enum.sees_all else []) + _unit_choices(current_user)
    if request.method == "GET" and current_user.unit_id:
        form.unit_id.data = current_user.unit_id
    if form.validate_on_submit():
        unit = org_access.get_unit_or_404(current_user, form.unit_id.data) if form.unit_id.data else None
        if run_action(lambda: services.create_user(current_user, username=form.username.data,
                                                   password=form.password.data, full_name=form.full_name.data,
                                                   role=form.role.data, unit=unit),
                      lambda user: f"Đã tạo tài khoản {user.username}. "
                                   "Người dùng sẽ phải đổi mật khẩu khi đăng nhập lần đầu."):
            return redirect(url_for("accounts.user_list"))
    return render_template("accounts/user_form.html", form=form)


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@login_required
def user_reset(user_id):
    _require_user_manager()
    user = org_access.get_user_or_404(current_user, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    password = services.reset_password(current_user, user)
    flash(f"Mật khẩu mới của {user.username}: {password} (người dùng sẽ phải đổi khi đăng nhập).", "success")
    return redirect(url_for("accounts.user_list"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@login_required
def user_toggle_active(user_id):
    _require_user_manager()
    user = org_access.get_user_or_404(current_user, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash("Không thể tự khoá tài khoản của mình.", "error")
    else:
        services.set_active(current_user, user, not user.active)
        flash(f"Đã {'mở' if user.active else 'khoá'} tài khoản {user.username}.", "success")
    return redirect(url_for("accounts.user_list"))


@bp.route("/audit")
@login_required
def audit_log():
    if not current_user.role_enum.reads_audit_log:
        abort(404)
    query = select(AuditLog).where(scope.in_subtree(current_user, AuditLog.unit_id))
    query = query.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(300)
    entries = db.session.execute(query).scalars().all()
    return render_template("accounts/audit.html", entries=entries)
