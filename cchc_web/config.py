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
    os.environ.get("CCHC_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance")
)


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'cchc.db'}"


def normalise_database_url(url: str) -> str:
    """Let operators write the usual postgres:// URL while we always use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _persistent_dev_secret() -> str:
    # A development server must keep sessions across restarts without asking for a key.
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", _sqlite_default())
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
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
    # Whole reading pages cached per user and data version (page_cache.py).
    PAGE_CACHE = os.environ.get("PAGE_CACHE", "1").strip().lower() not in ("0", "false", "no")
    PAGE_CACHE_BYTES = 16 * 1024 * 1024  # per worker
    PAGE_CACHE_SECONDS = 300
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hash method, slow on purpose
    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW = timedelta(minutes=15)
    # The address printed in documents (the QR code of a signed Decision leads to its /verify
    # page): taken from here only, never from a request's Host header. Required in production.
    CCHC_PUBLIC_URL = os.environ.get("CCHC_PUBLIC_URL", "http://127.0.0.1:5000")
    # Rate limits (ratelimit.py). memory:// counts per process; redis://127.0.0.1:6379 shares
    # the counts between gunicorn workers (production).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "cchc")
    RATELIMIT_HEADERS_ENABLED = True
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


class TestingConfig(Config):
    TESTING = True
    RATELIMIT_STORAGE_URI = "memory://"
    CCHC_PUBLIC_URL = "https://cchc.chiminh.example.vn"
    SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only
    # The suite creates hundreds of accounts; scrypt costs 0.2 s a hash on CI's machine.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a hash method
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite://")
    )


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}
