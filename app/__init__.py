"""The application factory."""
import os

from flask import Flask, render_template
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import BASE_DIR, engine_options, instance_secret_key, load_config
from app.core import storage
from app.extensions import cache, csrf, db, login_manager, migrate


def create_app(config=None):
    app = Flask(__name__, template_folder=str(BASE_DIR / "templates"),
                static_folder=str(BASE_DIR / "static"))
    app.config.update(load_config())
    if config:
        app.config.update(config)
    # the pool and statement timeout of the database actually used (a test's may differ from DATABASE_URL's)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"], os.environ))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.config["INSTANCE_DIR"])
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"],
                                x_proto=app.config["PROXY_COUNT"])
    _ensure_dirs(app)
    storage.init_app(app)  # every stored file, on this host's disk or shared by all hosts

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    _larger_uploads_for_entries(app)  # before the CSRF check, which reads the body
    csrf.init_app(app)
    login_manager.init_app(app)
    cache.init_app(app)
    _import_models()
    with app.app_context():
        from app.extensions import enable_sqlite_foreign_keys
        enable_sqlite_foreign_keys(db.engine)

    # Inside the factory, so importing the `app` package (extensions, config, migrations) loads no feature.
    from app.accounts.views import bp as accounts_bp
    from app.certificates.views import bp as certificates_bp
    from app.core.views import bp as core_bp
    from app.corrections.views import bp as corrections_bp
    from app.coverage.views import bp as coverage_bp
    from app.entries.views import bp as entries_bp
    from app.home.views import bp as home_bp
    from app.jobs.views import bp as jobs_bp
    from app.org.views import bp as org_bp
    from app.quiz.attempts.views import bp as attempts_bp
    from app.quiz.banks.views import bp as banks_bp
    from app.quiz.contests.views import bp as contests_bp
    from app.quiz.sessions.views import bp as sessions_bp
    for blueprint in (core_bp, accounts_bp, org_bp, banks_bp, attempts_bp, contests_bp, sessions_bp,
                      coverage_bp, entries_bp, certificates_bp, home_bp, jobs_bp, corrections_bp):
        app.register_blueprint(blueprint)
    # Marks corrected after a round began also reach the attempts finished afterwards.
    from app.corrections.services import adjust_finished
    from app.quiz.attempts import grading
    grading.register_adjuster(app, adjust_finished)

    from app.accounts.cli import users_cli
    from app.demo import demo_command
    from app.org.cli import org_cli
    app.cli.add_command(users_cli)
    app.cli.add_command(org_cli)
    app.cli.add_command(demo_command)
    from app.quiz.cli import quiz_cli
    app.cli.add_command(quiz_cli)
    from app.coverage.cli import coverage_cli
    app.cli.add_command(coverage_cli)
    from app.certificates.cli import certificates_cli
    app.cli.add_command(certificates_cli)
    from app.jobs.cli import jobs_cli
    app.cli.add_command(jobs_cli)

    from app.core import template_helpers
    template_helpers.init_app(app)
    from app.quiz.qtypes import qtype_of
    # A question's type class: its macros (`qtype_of(v.qtype).template`) and its edit form's answer field.
    app.jinja_env.globals["qtype_of"] = qtype_of
    _register_error_pages(app)
    _security_headers(app)
    from app.core import actions
    actions.init_app(app)  # one transaction per request
    return app


# No inline script (the JS is in static/js); inline style="" attributes stay allowed
# for the bars and charts sized from data, but not <style> elements. YouTube's
# privacy-friendly player is the only frame (entries' video links). Stored files come
# from this site, or from the storage's signed URLs when it redirects to them.
def content_security_policy(files_origin=None):
    files = f" {files_origin}" if files_origin else ""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "style-src-elem 'self'",
        f"img-src 'self' data:{files}",
        f"media-src 'self'{files}",
        "frame-src https://www.youtube-nocookie.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def _security_headers(app):
    policy = content_security_policy(app.extensions["storage"].served_from)

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if app.config["APP_ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if app.config["INSTANCE_NAME"]:
            headers["X-Instance"] = app.config["INSTANCE_NAME"]
        return response


def _larger_uploads_for_entries(app):
    """Only the upload of a contest entry's file (a video may be 200 MB) goes past
    MAX_CONTENT_LENGTH."""
    from flask import request

    @app.before_request
    def allow_entry_files():
        if request.endpoint == "entries.file_upload":
            request.max_content_length = app.config["ENTRY_UPLOAD_MB"] * 1024 * 1024


def _import_models():
    # Every model module, so that Alembic and relationships see all tables.
    from app.accounts import models as _accounts  # noqa: F401
    from app.certificates import models as _certificates  # noqa: F401
    from app.core import audit as _core  # noqa: F401
    from app.corrections import models as _corrections  # noqa: F401
    from app.coverage import models as _coverage  # noqa: F401
    from app.entries import models as _entries  # noqa: F401
    from app.jobs import models as _jobs  # noqa: F401
    from app.org import models as _org  # noqa: F401
    from app.quiz import models as _quiz  # noqa: F401


def _ensure_dirs(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        os.makedirs(os.path.dirname(uri[len("sqlite:///"):]) or ".", exist_ok=True)
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)


def _register_error_pages(app):
    from flask_wtf.csrf import CSRFError

    messages = {
        400: "Yêu cầu không hợp lệ.",
        403: "Bạn không có quyền thực hiện thao tác này.",
        404: "Không tìm thấy trang hoặc bạn không có quyền xem nội dung này.",
        405: "Thao tác không được hỗ trợ.",
        413: "Tệp tải lên quá lớn.",
        500: "Hệ thống gặp lỗi. Vui lòng thử lại sau ít phút.",
    }

    def render(code, message):
        # A failed statement leaves the transaction aborted (PostgreSQL): roll back first,
        # or the page, which reads the database too, fails in its turn.
        db.session.rollback()
        return render_template("core/error.html", code=code, message=message), code

    for code, message in messages.items():
        app.register_error_handler(code, lambda exc, c=code, m=message: render(c, m))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                           "Vui lòng tải lại trang và thử lại.")
