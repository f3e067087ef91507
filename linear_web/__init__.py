"""linear_web: a fast, self-hosted issue tracker (Flask + htmx)."""
import logging

from flask import Flask

from .config import INSTANCE, ROOT, Config


def create_app(config=None) -> Flask:
    """Build the app: config, extensions, blueprints, hooks, CLI."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(INSTANCE))
    app.config.from_object(config or Config())
    logging.basicConfig(level=logging.INFO)
    _init_extensions(app)
    _register_blueprints(app)
    from . import hooks
    hooks.install(app)
    from .cli import register as register_cli
    register_cli(app)
    if app.config.get("REQUEST_CONCURRENCY"):
        from .admission import AdmissionControl
        app.wsgi_app = AdmissionControl(app.wsgi_app, app.config["REQUEST_CONCURRENCY"])
    return app


def _init_extensions(app: Flask) -> None:
    from . import events
    from .extensions import csrf, db, limiter, login_manager, migrate, sock
    db.init_app(app)
    with app.app_context():
        tune_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    sock.init_app(app)
    events.install(app)

    from .services.auth import load_session_user

    @login_manager.user_loader
    def _load(session_id):
        return load_session_user(session_id)


def tune_sqlite(engine) -> None:
    """SQLite: enforce foreign keys (cascades), WAL for concurrent readers, wait on locks."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def _register_blueprints(app: Flask) -> None:
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .extensions import csrf
    from .realtime import bp as realtime_bp
    from .web import bp as web_bp
    app.register_blueprint(auth_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(realtime_bp)
    csrf.exempt(api_bp)  # the API takes Bearer tokens only, never the session cookie
