"""linear_web: a fast, self-hosted issue tracker (Flask + htmx)."""
import logging

from flask import Flask

from .config import INSTANCE, ROOT, Config


def create_app(config=None) -> Flask:
    """Build the app: config, extensions, blueprints, hooks, CLI."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(INSTANCE))
    app.config.from_object(config or Config())
    from .infra.json_provider import OrjsonProvider
    app.json = OrjsonProvider(app)
    logging.basicConfig(level=logging.INFO)
    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    from .demo.cli import register as register_cli
    register_cli(app)
    if not app.testing:
        # Each server process sends the outbox (mail, webhooks) from threads of its own, started
        # by its first request: after gunicorn forks, and never in CLI commands.
        from .services import outbox

        @app.before_request
        def _start_outbox_sender():
            outbox.start_sender(app)
    if app.config.get("REQUEST_CONCURRENCY"):
        from .infra.admission import AdmissionControl
        app.wsgi_app = AdmissionControl(app.wsgi_app, app.config["REQUEST_CONCURRENCY"])
    return app


def _init_extensions(app: Flask) -> None:
    from . import events, list_cache
    from .services import rollups
    from .infra.database import check_postgres_on_checkout, fast_uuid_results, prepare_marked, tune_sqlite
    from .infra.extensions import csrf, db, limiter, login_manager, migrate, sock
    db.init_app(app)
    with app.app_context():
        tune_sqlite(db.engine)
        check_postgres_on_checkout(db.engine)
        fast_uuid_results(db.engine)
        prepare_marked(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    csrf.init_app(app)
    limiter.init_app(app)
    sock.init_app(app)
    events.install(app)
    rollups.install_planning(app)  # then the list cache's commit hook, then the rollups' writing
    list_cache.install(app)
    rollups.install_writing(app)
    # Last: webhook deliveries are built from the rows as the hooks above leave them.
    from .services import outbox, webhooks
    outbox.install()
    webhooks.install()

    from flask import g
    from .services.auth import session_user

    @login_manager.user_loader
    def _load(session_id):
        """The session's user; their teams and unread count (the sidebar's) come in the same statement."""
        user, memberships, unread = session_user(session_id)
        if user is not None:
            g.my_memberships, g.inbox_unread = memberships, unread
        return user


def _register_blueprints(app: Flask) -> None:
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .infra.extensions import csrf
    from .realtime import bp as realtime_bp
    from .web import bp as web_bp
    app.register_blueprint(auth_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(realtime_bp)
    csrf.exempt(api_bp)  # the API takes Bearer tokens only, never the session cookie


def _register_hooks(app: Flask) -> None:
    """Response hooks, and error handlers that answer in JSON on /api/ URLs and as pages elsewhere."""
    import logging
    from flask import request
    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import OperationalError
    from werkzeug.exceptions import HTTPException
    from .api import errors as api_errors
    from .infra import http
    from .services.errors import ServiceError
    from .web import hooks as web_errors
    http.install(app)
    web_errors.install(app)
    log = logging.getLogger(__name__)

    def both(name: str, logged: str | None = None):
        def handler(err):
            if logged:
                log.exception(logged)
            if logged or isinstance(err, OperationalError):
                web_errors.rollback()
            as_json = http.is_api() or (isinstance(err, RecursionError) and request.is_json)
            return getattr(api_errors if as_json else web_errors, name)(err)
        return handler

    app.register_error_handler(ServiceError, both("service_error"))
    app.register_error_handler(CSRFError, both("csrf_error"))
    app.register_error_handler(HTTPException, both("http_error"))
    app.register_error_handler(OperationalError, both("database_unavailable", "database error"))
    app.register_error_handler(Exception, both("server_error", "unhandled error"))
