"""The application factory."""
import os

from flask import Flask, render_template
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import BASE_DIR, instance_secret_key, load_config
from app.extensions import csrf, db, login_manager, migrate


def create_app(config=None):
    app = Flask(__name__, template_folder=str(BASE_DIR / "templates"),
                static_folder=str(BASE_DIR / "static"))
    app.config.update(load_config())
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.config["INSTANCE_DIR"])
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"],
                                x_proto=app.config["PROXY_COUNT"])
    _ensure_dirs(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    _larger_uploads_for_entries(app)  # before the CSRF check, which reads the body
    csrf.init_app(app)
    login_manager.init_app(app)
    _import_models()
    with app.app_context():
        from app.extensions import enable_sqlite_foreign_keys
        enable_sqlite_foreign_keys(db.engine)

    from app.accounts.views import bp as accounts_bp
    from app.core.views import bp as core_bp
    from app.org.views import bp as org_bp
    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(org_bp)
    from app.quiz.views import bp as quiz_bp
    app.register_blueprint(quiz_bp)
    from app.quiz.attempt_views import bp as attempt_bp
    app.register_blueprint(attempt_bp)
    from app.quiz.contest_views import bp as contest_bp
    app.register_blueprint(contest_bp)
    from app.quiz.session_views import bp as session_bp
    app.register_blueprint(session_bp)
    from app.coverage.views import bp as coverage_bp
    app.register_blueprint(coverage_bp)
    from app.entries.views import bp as entries_bp
    app.register_blueprint(entries_bp)
    from app.certificates.views import bp as certificates_bp
    app.register_blueprint(certificates_bp)

    from app.accounts.cli import users_cli
    from app.org.cli import demo_command, org_cli
    app.cli.add_command(users_cli)
    app.cli.add_command(org_cli)
    app.cli.add_command(demo_command)
    from app.quiz.cli import quiz_cli
    app.cli.add_command(quiz_cli)
    from app.coverage.cli import coverage_cli
    app.cli.add_command(coverage_cli)
    from app.certificates.cli import certificates_cli
    app.cli.add_command(certificates_cli)

    from app.core import template_helpers
    template_helpers.init_app(app)
    _register_error_pages(app)
    return app

