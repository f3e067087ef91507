"""Configuration from the environment (see shared/API.md, "Running the server")."""
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
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads"))
        self.MAX_UPLOAD_MB = _int("MAX_UPLOAD_MB", 25, 1)
        self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_MB * 1024 * 1024
        self.MAX_FORM_PARTS = 1000
        self.ACCESS_TOKEN_EXPIRE_MINUTES = _int("ACCESS_TOKEN_EXPIRE_MINUTES", 30, 1)
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
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
        # Ordinary requests running Python at once per worker process (0: no limit); see admission.py.
        self.REQUEST_CONCURRENCY = _int("REQUEST_CONCURRENCY", 4, 0)
        self.JSON_SORT_KEYS = False


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
