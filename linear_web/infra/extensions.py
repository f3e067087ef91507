"""Extension instances only; create_app binds them."""
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

from .net import client_address

naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming))
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
sock = Sock()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True)


def autocommit_engine():
    """A second, small engine for single read-only statements on hot paths (the cached list check).

    Autocommit, so a statement is one round trip: no BEGIN before it, no ROLLBACK when the
    connection goes back to the pool. No pre-ping either: a dead pooled connection fails the
    statement, SQLAlchemy invalidates the pool, and the caller falls back to the ordinary path.
    Created lazily per app and process (after a gunicorn fork). Small: a check holds its
    connection for a fraction of a millisecond, and admission control runs few requests at once."""
    from flask import current_app
    from sqlalchemy import create_engine
    engine = current_app.extensions.get("linear_web_autocommit_engine")
    if engine is None:
        engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False,
                               pool_size=4, max_overflow=4, pool_recycle=3600)
        from .database import tune_sqlite
        tune_sqlite(engine)
        if engine.dialect.name == "postgresql":
            from sqlalchemy import event
            from ..services.access import SESSION_TEAM_PREPARE

            @event.listens_for(engine, "connect")
            def _prepare(dbapi_conn, _record):
                with dbapi_conn.cursor() as cur:
                    cur.execute(SESSION_TEAM_PREPARE)
        engine = current_app.extensions.setdefault("linear_web_autocommit_engine", engine)
    return engine
