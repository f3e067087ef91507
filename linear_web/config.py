"""Configuration from the environment: every setting the code reads is declared here (README, "Configuration")."""
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))


def database_url(url: str | None) -> str:
    """Map user-written URLs to the drivers we ship (psycopg2 for PostgreSQL)."""
    if not url:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE / 'linear_web.db'}"
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def is_sqlite(url: str | None) -> bool:
    """True for the embedded default (no DATABASE_URL) and for sqlite:// URLs."""
    return not url or url.startswith("sqlite")


def server_workers(environ=os.environ, cpus: int | None = None) -> int:
    """gunicorn worker processes: WEB_CONCURRENCY, else one on SQLite and the CPU count (at least
    two) on PostgreSQL. Several processes on SQLite are refused: live events travel through an
    in-process broker there, so pages served by another process would never update."""
    raw = (environ.get("WEB_CONCURRENCY") or "").strip()
    sqlite = is_sqlite(environ.get("DATABASE_URL"))
    if not raw:
        return 1 if sqlite else max(2, cpus or os.cpu_count() or 1)
    if not raw.isdigit() or int(raw) < 1:
        raise RuntimeError(f"WEB_CONCURRENCY must be a whole number of at least 1, got {raw!r}")
    if sqlite and int(raw) > 1:
        raise RuntimeError(f"WEB_CONCURRENCY={raw} with SQLite: live updates need a single process on "
                           "SQLite. Set DATABASE_URL to PostgreSQL to run several workers, or use 1.")
    return int(raw)


WORKER_CLASSES = ("gevent", "gthread")


def server_worker_class(environ=os.environ) -> str:
    """gunicorn's worker class: GUNICORN_WORKER_CLASS, else gevent on PostgreSQL (an open socket is
    a greenlet, not a thread: thousands per worker) and gthread on SQLite. gevent on SQLite is
    refused: sqlite3 waits for the write lock without yielding, so two requests of one worker
    writing at once would stall the whole worker until the busy timeout."""
    raw = (environ.get("GUNICORN_WORKER_CLASS") or "").strip()
    sqlite = is_sqlite(environ.get("DATABASE_URL"))
    if not raw:
        return "gthread" if sqlite else "gevent"
    if raw not in WORKER_CLASSES:
        raise RuntimeError(f"GUNICORN_WORKER_CLASS must be one of {', '.join(WORKER_CLASSES)}, got {raw!r}")
    if sqlite and raw == "gevent":
        raise RuntimeError("GUNICORN_WORKER_CLASS=gevent with SQLite: sqlite3 blocks the whole worker while "
                           "it waits for a lock. Use gthread, or PostgreSQL for gevent.")
    return raw


def server_bind(environ=os.environ) -> str:
    """The address gunicorn listens on: HOST (default 0.0.0.0) and PORT (default 8000)."""
    return f"{environ.get('HOST') or '0.0.0.0'}:{environ.get('PORT') or '8000'}"


def secret_key() -> str:
    """SECRET_KEY from the environment, else one made once and kept in instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
        log.warning("SECRET_KEY is not set: generated one in %s", path)
    return path.read_text().strip()


def _int(name: str, default: int, minimum: int = 0) -> int:
    """A whole-number setting; a clear startup error names the variable when it is not one."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise RuntimeError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


class Config:
    """Production defaults, read from the environment at import time of create_app."""

    def __init__(self):
        self.SECRET_KEY = secret_key()
        self.SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
        # No pool_pre_ping: infra/database.check_postgres_on_checkout sees closed connections
        # without a round trip.
        self.SQLALCHEMY_ENGINE_OPTIONS = {}
        self.UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads"))
        self.MAX_UPLOAD_MB = _int("MAX_UPLOAD_MB", 25, 1)
        self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_MB * 1024 * 1024
        self.MAX_FORM_PARTS = 1000
        self.ACCESS_TOKEN_EXPIRE_MINUTES = _int("ACCESS_TOKEN_EXPIRE_MINUTES", 30, 1)
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        # flask-login's session protection: a session seen from another address or browser is
        # marked non-fresh (nothing here needs a fresh login); list_cache.py relies on that.
        self.SESSION_PROTECTION = "basic"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None
        self.WTF_CSRF_SSL_STRICT = False
        self.BCRYPT_ROUNDS = _int("BCRYPT_ROUNDS", 12, 4)
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0, 0)
        self.SOCK_SERVER_OPTIONS = {"ping_interval": 25}
        self.WS_MAX_PER_USER = _int("WS_MAX_PER_USER", 20, 1)
        self.WS_QUEUE_SIZE = _int("WS_QUEUE_SIZE", 200, 1)
        # How often an idle socket checks its client (flooding, presence), and whether
        # permessage-deflate is offered. Events and a worker's stop wake a socket at once.
        self.WS_POLL_SECONDS = float(_int("WS_POLL_SECONDS", 5, 1))
        self.WS_COMPRESSION = _bool("WS_COMPRESSION")
        # Ordinary requests running Python at once per worker process (0: no limit); see admission.py.
        self.REQUEST_CONCURRENCY = _int("REQUEST_CONCURRENCY", 4, 0)
        self.JSON_SORT_KEYS = False
        # Mail (services/mail.py): off unless SMTP_URL and MAIL_FROM are set. smtp://user:pass@host:587
        # uses STARTTLS (also smtp+starttls://), smtps:// TLS from the start, port 25 plain.
        self.SMTP_URL = os.environ.get("SMTP_URL", "")
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "")
        # Where links in mail point (the address people open the app at).
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
        # Notifications of one person within this many seconds go out as one mail.
        self.MAIL_BATCH_SECONDS = _int("MAIL_BATCH_SECONDS", 120, 0)
        # The outbox sender's pause between looks for due messages (services/outbox.py).
        self.OUTBOX_POLL_SECONDS = float(_int("OUTBOX_POLL_SECONDS", 5, 1))
        # Threads per process sending the outbox: a slow webhook receiver holds one of them.
        self.OUTBOX_WORKERS = _int("OUTBOX_WORKERS", 16, 1)
        # 1: webhooks may target loopback and private addresses (tests, intranets); else refused.
        self.WEBHOOK_ALLOW_PRIVATE = _bool("WEBHOOK_ALLOW_PRIVATE")


class TestConfig(Config):
    """Fast hashing, a fixed long secret; the database comes from the test harness."""

    TESTING = True

    def __init__(self, database_uri: str, upload_dir: str):
        os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-hs256-0123456789")
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = database_url(database_uri)
        self.UPLOAD_DIR = upload_dir
        self.BCRYPT_ROUNDS = 4
        self.RATELIMIT_STORAGE_URI = "memory://"
