"""Configuration classes, read from the environment.

`create_app()` picks the class named by CCHC_CONFIG (development, production, testing) unless a
class or mapping is passed in explicitly.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(
    os.environ.get("CCHC_INSTANCE_DIR", Path(__file__).resolve().parents[2] / "instance")
)


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'cchc.db'}"


def normalise_database_url(url: str) -> str:
    """Let operators write the usual postgres:// URL while we always use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and parents) readable by this account only; tighten it if it exists.

    The instance folder holds the SQLite database, the uploads, the secret key and the demo
    signing key: nobody else on the server has any business reading them.
    """
    folder = Path(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_uid == os.getuid() and folder.stat().st_mode & 0o077:
        folder.chmod(0o700)
    return folder


def _persistent_dev_secret() -> str:
    # A development server must keep sessions across restarts without asking for a key.
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        private_dir(INSTANCE_DIR)
        # Created owner-only from the first byte (no window with the default umask).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value not in ("0", "false", "no", "off")


def engine_options(uri: str, config: dict) -> dict:
    """SQLAlchemy engine options that bound every wait on the database.

    PostgreSQL: a connection attempt gives up after DB_CONNECT_TIMEOUT seconds; a statement
    after DB_STATEMENT_TIMEOUT_MS; waiting for a row or table lock after DB_LOCK_TIMEOUT_MS;
    a transaction left open and idle is ended after DB_IDLE_IN_TRANSACTION_TIMEOUT_MS. Waiting
    for a pooled connection gives up after DB_POOL_TIMEOUT seconds. SQLite: a writer waits
    DB_BUSY_TIMEOUT seconds for the file lock (the driver's ``timeout`` is SQLite's
    busy_timeout); a file has no server to lose, so no ping before each checkout.
    """
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        options.pop("pool_pre_ping", None)
        connect_args = {**options.get("connect_args", {}), "timeout": config["DB_BUSY_TIMEOUT"]}
        return {**options, "connect_args": connect_args}
    if uri.startswith("postgresql"):
        server_settings = {
            "statement_timeout": config["DB_STATEMENT_TIMEOUT_MS"],
            "lock_timeout": config["DB_LOCK_TIMEOUT_MS"],
            "idle_in_transaction_session_timeout": config["DB_IDLE_IN_TRANSACTION_TIMEOUT_MS"],
        }
        connect_args = {
            **options.get("connect_args", {}),
            "connect_timeout": config["DB_CONNECT_TIMEOUT"],
            "options": " ".join(f"-c {name}={value}" for name, value in server_settings.items()),
            "application_name": "cchc-web",
        }
        options.setdefault("pool_timeout", config["DB_POOL_TIMEOUT"])
        options.setdefault("pool_size", config["DB_POOL_SIZE"])
        options.setdefault("max_overflow", config["DB_MAX_OVERFLOW"])
        return {**options, "connect_args": connect_args}
    return options


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", _sqlite_default())
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}  # see engine_options()
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # Each evidence file is limited to 20 MB by the storage service; a form may carry several.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 110 * 1024 * 1024))
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a form left open all morning must still save
    TIMEZONE = "Asia/Ho_Chi_Minh"
    PAGE_SIZE = 25
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hash method, slow on purpose
    PASSWORD_MIN_LENGTH = 12  # noqa: S105 - a length, not a password

    # -- bounded waits (config.engine_options; gunicorn.conf.py's timeout is above these) --
    DB_CONNECT_TIMEOUT = _env_int("DB_CONNECT_TIMEOUT", 5)  # seconds
    DB_STATEMENT_TIMEOUT_MS = _env_int("DB_STATEMENT_TIMEOUT_MS", 15_000)
    DB_LOCK_TIMEOUT_MS = _env_int("DB_LOCK_TIMEOUT_MS", 5_000)
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = _env_int("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 60_000)
    DB_POOL_TIMEOUT = _env_int("DB_POOL_TIMEOUT", 10)  # seconds waiting for a free connection
    DB_POOL_SIZE = _env_int("DB_POOL_SIZE", 10)  # >= gunicorn's threads per worker
    DB_MAX_OVERFLOW = _env_int("DB_MAX_OVERFLOW", 5)
    # SQLite serialises writers; 20 simultaneous Decision approvals, each signing a PDF, need
    # more than the driver's 5 s.
    DB_BUSY_TIMEOUT = _env_int("DB_BUSY_TIMEOUT", 30)  # seconds
    # What a 503 page asks the browser to wait before trying again.
    RETRY_AFTER_SECONDS = _env_int("RETRY_AFTER_SECONDS", 10)

    # -- reminder e-mails (flask send-reminders, admin/reminders.py) ---------------------------
    # No SMTP_HOST: the command says so and sends nothing; the inbox on / works regardless.
    SMTP_HOST = os.environ.get("SMTP_HOST", "").strip()
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _env_flag("SMTP_STARTTLS", False)
    SMTP_TIMEOUT = _env_int("SMTP_TIMEOUT", 20)  # seconds for each connection and command
    MAIL_FROM = os.environ.get("MAIL_FROM", "cchc@localhost")

    # -- behind a reverse proxy / HTTPS ---------------------------------------------------------
    # How many proxies in front of gunicorn set X-Forwarded-For/-Proto/-Host (nginx: 1). 0 trusts
    # none: the client address is then the socket's, which behind a proxy is the proxy's.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    # Strict-Transport-Security max-age in seconds; 0 sends no header (plain-HTTP intranets).
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 0)

    # -- login throttling (auth/throttle.py) -----------------------------------------------------
    # Failures allowed before delays start, per account from one address, per address (many
    # people may share one), per account from addresses it never signed in from.
    LOGIN_FREE_FAILURES = 5
    LOGIN_ADDRESS_FREE_FAILURES = 30
    LOGIN_ACCOUNT_FREE_FAILURES = 10
    LOGIN_DELAY_BASE = timedelta(seconds=30)  # doubled at each further failure ...
    LOGIN_DELAY_MAX = timedelta(minutes=15)  # ... up to this
    LOGIN_FORGET_AFTER = timedelta(hours=1)  # a counter restarts after this long without failure
    LOGIN_KNOWN_ADDRESS_DAYS = 90  # an address a user signed in from recently is "theirs"

    # -- sessions ---------------------------------------------------------------------------------
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)

    # -- rate limits (Flask-Limiter; redis://127.0.0.1:6379 to share them between workers) -------
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "cchc")
    RATELIMIT_HEADERS_ENABLED = True
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "10 per minute; 60 per hour")

    # -- /verify: what an uploaded PDF may cost (decisions/guard.py) ------------------------------
    # A one-page Decision is about 100 KB, one with the largest appendix (2,000 rows) 463 KB and
    # checked in 25 ms: 4 MB and 1 s leave room for any Decision this system issues.
    VERIFY_MAX_BYTES = 4 * 1024 * 1024
    VERIFY_TIME_LIMIT = 1.0  # seconds of signature validation, in a child process
    VERIFY_MEMORY_LIMIT_MB = 256  # address space the child may add

    # -- evidence files --------------------------------------------------------------------------
    STORAGE_GC_GRACE_HOURS = 24  # storage-gc leaves younger unreferenced files alone
    # Where they live (core/filestores.py): "local" (UPLOAD_DIR, one server or a shared mount),
    # "database" (rows of stored_files: every app server reads them) or "s3" (an S3-compatible
    # object store; credentials the boto3 way, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_PREFIX = os.environ.get("S3_PREFIX", "evidence/")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_REGION = os.environ.get("S3_REGION", "")

    # -- production safety -------------------------------------------------------------------
    # Refuse to start without the commune's real signing certificate (CCHC_SIGNING_P12).
    REQUIRE_SIGNING_CERTIFICATE = False
    # The address printed in documents (the QR code of a signed Decision leads to its /verify
    # page): taken from here only, never from a request's Host header. Required in production.
    CCHC_PUBLIC_URL = os.environ.get("CCHC_PUBLIC_URL", "http://127.0.0.1:5000")
    # The satisfaction survey (sipas/): answers a kiosk may send per minute (per device), and
    # wrong receipt codes one address may try (guessing a 12-letter code is hopeless anyway).
    SIPAS_KIOSK_RATE_LIMIT = os.environ.get("SIPAS_KIOSK_RATE_LIMIT", "6 per minute")
    SIPAS_CODE_RATE_LIMIT = os.environ.get("SIPAS_CODE_RATE_LIMIT", "20 per minute")
    # Seconds without a touch after which the kiosk returns to its first screen.
    SIPAS_KIOSK_IDLE_SECONDS = int(os.environ.get("SIPAS_KIOSK_IDLE_SECONDS", 60))
    # The Commune defaults used by `init-commune` and `seed-demo`.
    COMMUNE_NAME = os.environ.get("COMMUNE_NAME", "Xã Chí Minh")
    COMMUNE_PROVINCE = os.environ.get("COMMUNE_PROVINCE", "Thành phố Hải Phòng")


class DevelopmentConfig(Config):
    DEBUG = False  # never show the Werkzeug debugger on an intranet
    SECRET_KEY = Config.SECRET_KEY or _persistent_dev_secret()


class ProductionConfig(Config):
    CCHC_PUBLIC_URL = os.environ.get("CCHC_PUBLIC_URL", "")
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") != "0"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SESSION_COOKIE_NAME = "__Host-cchc" if SESSION_COOKIE_SECURE else "cchc"
    PREFERRED_URL_SCHEME = "https"
    REQUIRE_SIGNING_CERTIFICATE = _env_flag("REQUIRE_SIGNING_CERTIFICATE", True)


class TestingConfig(Config):
    TESTING = True
    CCHC_PUBLIC_URL = "https://cchc.chiminh.example.vn"
    SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only
    # The suite creates hundreds of accounts; scrypt costs 0.2 s a hash on CI's machine.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a hash method
    RATELIMIT_STORAGE_URI = "memory://"
    SMTP_HOST = ""  # a test that sends mail starts its own server and says where
    # The suite posts to /verify from one address far more than a person would; the limit
    # itself is pinned by tests/test_verify_bounded.py with a lower value.
    VERIFY_RATE_LIMIT = "10000 per minute"
    VERIFY_TIME_LIMIT = 5.0  # a busy CI machine must not turn a real check into a refusal
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite://")
    )


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}
