"""Configuration read from the environment (and an optional .env file)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret"}


class ConfigError(RuntimeError):
    """Raised when the app is asked to start with unsafe or missing settings."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return default if value is None else int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        seconds = default if value is None else float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if not seconds > 0:
        raise ConfigError(f"{name} must be more than 0 seconds, not {value!r}")
    return seconds


def _default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'campus.sqlite3'}"


def load_config(instance_path: Path) -> dict:
    """Build the Flask config mapping from environment variables.

    Every variable is documented in the README's configuration table.
    """
    debug = _bool("FLASK_DEBUG", False)
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or _default_database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # campus.database turns these into PostgreSQL connection settings.
        "DATABASE_CONNECT_TIMEOUT": _seconds("DATABASE_CONNECT_TIMEOUT", 3),
        "DATABASE_STATEMENT_TIMEOUT": _seconds("DATABASE_STATEMENT_TIMEOUT", 5),
        "DATABASE_LOCK_TIMEOUT": _seconds("DATABASE_LOCK_TIMEOUT", 3),
        "DATABASE_RETRY_AFTER": _int("DATABASE_RETRY_AFTER", 5),
        "CONTENT_DIR": os.environ.get("CONTENT_DIR", str(PROJECT_ROOT / "content")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "campus@localhost"),
        "MAIL_DIR": os.environ.get("MAIL_DIR", str(instance_path / "mail")),
        "JOBS_URL": os.environ.get("JOBS_URL", ""),
        "JOBS_QUEUE_NAME": os.environ.get("JOBS_QUEUE_NAME", "campus"),
        "JOBS_WORKERS": _int("JOBS_WORKERS", 2),
        "JOBS_LEASE_SECONDS": _int("JOBS_LEASE_SECONDS", 300),
        "JOBS_MAX_ATTEMPTS": _int("JOBS_MAX_ATTEMPTS", 8),
        "JOBS_RETRY_DELAY": _int("JOBS_RETRY_DELAY", 30),
        "FORUM_DIGEST_CRON": os.environ.get("FORUM_DIGEST_CRON", "0 13 * * *"),
        "FORUM_EMAIL_RETRY_CRON": os.environ.get("FORUM_EMAIL_RETRY_CRON", "*/10 * * * *"),
        # Audit packets (course/records) may be purged this many days after they were
        # asked for: 7 years, the longest retention a board asks of CE records.
        "PACKET_RETENTION_DAYS": _int("PACKET_RETENTION_DAYS", 7 * 365 + 2),
        "PACKET_PURGE_CRON": os.environ.get("PACKET_PURGE_CRON", "30 3 * * *"),
        "SEAT_EXPIRY_CRON": os.environ.get("SEAT_EXPIRY_CRON", "30 6 * * *"),
        "SEAT_EXPIRY_NOTICE_DAYS": _int("SEAT_EXPIRY_NOTICE_DAYS", 14),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "campus"),
        "RATELIMIT_SINGLE_PROCESS": _bool("RATELIMIT_SINGLE_PROCESS", False),
        # While the shared storage (Redis) is unreachable, each process counts the same limits
        # in its own memory instead of failing every limited request (see apply_storage_options).
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": _bool("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True),
        "RATELIMIT_STORAGE_TIMEOUT": _seconds("RATELIMIT_STORAGE_TIMEOUT", 0.5),
        "LOGIN_ATTEMPT_LIMITS": os.environ.get(
            "LOGIN_ATTEMPT_LIMITS", "5 per 15 minutes; 10 per hour; 30 per day"
        ),
        "DEVICE_COOKIE_NAME": os.environ.get("DEVICE_COOKIE_NAME", "campus_device"),
        "DEVICE_COOKIE_MAX_AGE": _int("DEVICE_COOKIE_MAX_AGE", 60 * 60 * 24 * 365),
        "PROGRESS_RATE_LIMIT": os.environ.get("PROGRESS_RATE_LIMIT", "240 per minute"),
        "PROGRESS_SESSION_RATE_LIMIT": os.environ.get("PROGRESS_SESSION_RATE_LIMIT", "20 per hour"),
        "CODE_REDEEM_RATE_LIMIT": os.environ.get("CODE_REDEEM_RATE_LIMIT", "10 per 15 minutes"),
        "MEDIA_ACCEL_REDIRECT_PREFIX": os.environ.get("MEDIA_ACCEL_REDIRECT_PREFIX", ""),
        "MEDIA_URL_PREFIX": os.environ.get("MEDIA_URL_PREFIX", ""),
        "MEDIA_URL_SECRET": os.environ.get("MEDIA_URL_SECRET", ""),
        "MEDIA_URL_LIFETIME": _int("MEDIA_URL_LIFETIME", 4 * 60 * 60),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        "STORAGE_DIR": os.environ.get("STORAGE_DIR", str(instance_path / "storage")),
        "STORAGE_S3_BUCKET": os.environ.get("STORAGE_S3_BUCKET", ""),
        "STORAGE_S3_PREFIX": os.environ.get("STORAGE_S3_PREFIX", ""),
        "STORAGE_S3_ENDPOINT_URL": os.environ.get("STORAGE_S3_ENDPOINT_URL", ""),
        "STORAGE_S3_REGION": os.environ.get("STORAGE_S3_REGION", ""),
        "STORAGE_S3_ACCESS_KEY_ID": os.environ.get("STORAGE_S3_ACCESS_KEY_ID", ""),
        "STORAGE_S3_SECRET_ACCESS_KEY": os.environ.get("STORAGE_S3_SECRET_ACCESS_KEY", ""),
        "STORAGE_DOWNLOAD_LIFETIME": _int("STORAGE_DOWNLOAD_LIFETIME", 300),
        "PASSWORD_RESET_MAX_AGE": _int("PASSWORD_RESET_MAX_AGE", 3600),
        "INVITE_MAX_AGE": _int("INVITE_MAX_AGE", 14 * 24 * 3600),
        "EMAIL_CONFIRM_MAX_AGE": _int("EMAIL_CONFIRM_MAX_AGE", 3 * 24 * 60 * 60),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "WTF_CSRF_TIME_LIMIT": None,
        # create_app adds the __Host- prefix to these names when cookies are Secure.
        "SESSION_COOKIE_NAME": "session",
        "REMEMBER_COOKIE_NAME": "remember_token",
        "SESSION_IDLE_TIMEOUT": _int("SESSION_IDLE_TIMEOUT", 60 * 60),
        "SESSION_ABSOLUTE_LIFETIME": _int("SESSION_ABSOLUTE_LIFETIME", 12 * 60 * 60),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not debug and _bool("SECURE_COOKIES", True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not debug and _bool("SECURE_COOKIES", True),
        "REMEMBER_COOKIE_DURATION": _int("SESSION_ABSOLUTE_LIFETIME", 12 * 60 * 60),
        "HSTS_ENABLED": not debug and _bool("SECURE_COOKIES", True),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "DEFAULT_TIME_ZONE": os.environ.get("DEFAULT_TIME_ZONE", "America/New_York"),
        "FORUM_POSTS_PER_PAGE": _int("FORUM_POSTS_PER_PAGE", 25),
        "FORUM_THREADS_PER_PAGE": _int("FORUM_THREADS_PER_PAGE", 30),
        "LEARNERS_PER_PAGE": _int("LEARNERS_PER_PAGE", 50),
        "FORUM_POSTS_PER_WINDOW": _int("FORUM_POSTS_PER_WINDOW", 5),
        "FORUM_EDITS_PER_WINDOW": _int("FORUM_EDITS_PER_WINDOW", 10),
        "FORUM_POST_WINDOW_SECONDS": _int("FORUM_POST_WINDOW_SECONDS", 60),
    }


def dev_secret_key(instance_path: Path) -> str:
    """A random key kept in instance/ so a development server keeps its sessions."""
    path = instance_path / ".dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def check_time_zone(config: dict) -> None:
    """Refuse an unknown DEFAULT_TIME_ZONE: it decides the dates on certificates."""
    from campus.timezones import is_zone

    if not is_zone(config.get("DEFAULT_TIME_ZONE")):
        raise ConfigError(
            f"DEFAULT_TIME_ZONE {config.get('DEFAULT_TIME_ZONE')!r} is not an IANA time zone "
            "name. Use one such as America/New_York or America/Los_Angeles."
        )


def check_public_base_url(config: dict) -> None:
    """Outside debug and testing, links in emails and QR codes need the site's real address."""
    if config.get("TESTING") or config.get("DEBUG"):
        return
    base = config.get("PUBLIC_BASE_URL") or ""
    if not base.startswith(("https://", "http://")):
        raise ConfigError(
            "PUBLIC_BASE_URL is missing. Password-reset and forum emails and the QR code on "
            "certificates link to it, and they must never take their address from a request's "
            "Host header. Set it to the site's public address, e.g. https://ce.example.org"
        )


def check_rate_limit_storage(config: dict) -> None:
    """Outside debug and testing, in-memory limits only where one process is intended.

    With memory:// every worker counts alone, so each limit is multiplied by the number of
    workers (by 4 with the README's gunicorn line): the login budget among them.
    """
    if config.get("TESTING") or config.get("DEBUG") or not config.get("RATELIMIT_ENABLED"):
        return
    uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://") and not config.get("RATELIMIT_SINGLE_PROCESS"):
        raise ConfigError(
            "RATELIMIT_STORAGE_URI is memory://, so each worker process would count rate "
            "limits (sign-in attempts among them) on its own. Set it to a shared store, e.g. "
            "redis://127.0.0.1:6379/0, or set RATELIMIT_SINGLE_PROCESS=1 if this server "
            "really runs one process."
        )


def check_media_urls(config: dict) -> None:
    """Signed media links need a real secret: with a short or empty one anyone could sign."""
    if not config.get("MEDIA_URL_PREFIX"):
        return
    if len(config.get("MEDIA_URL_SECRET") or "") < 16:
        raise ConfigError(
            "MEDIA_URL_PREFIX is set but MEDIA_URL_SECRET is missing or shorter than 16 "
            "characters. Lesson videos are sent to signed links under that prefix; set the "
            "same long random secret here and in the web server or CDN that checks them."
        )
    if config["MEDIA_URL_LIFETIME"] <= 0:
        raise ConfigError("MEDIA_URL_LIFETIME must be a positive number of seconds.")


def apply_storage_options(config: dict) -> None:
    """The in-memory fallback only for a shared storage. For Redis, socket timeouts, so a
    frozen Redis costs a request at most RATELIMIT_STORAGE_TIMEOUT before the fallback takes
    over (redis-py waits for ever by default), and storage errors raised as limits'
    StorageError, the one type the login throttle catches."""
    uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if not uri.startswith(("redis://", "rediss://", "redis+unix://")):
        # Nothing to fall back from; and Flask-Limiter would take any error of a limit check
        # (a key function's) for its storage failing, and log it so.
        config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = False
        return
    timeout = config["RATELIMIT_STORAGE_TIMEOUT"]
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    config["RATELIMIT_STORAGE_OPTIONS"] = {
        **options,
        "wrap_exceptions": True,
        **config.get("RATELIMIT_STORAGE_OPTIONS", {}),
    }


def apply_cookie_prefix(config: dict) -> None:
    """The __Host- prefix (Secure, Path=/, no Domain: no subdomain can set or shadow the
    cookie) on the session, remember-me and known-device cookies, only when they are Secure:
    browsers refuse a __Host- cookie without it."""
    for name_key, secure_key in (
        ("SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE"),
        ("REMEMBER_COOKIE_NAME", "REMEMBER_COOKIE_SECURE"),
        ("DEVICE_COOKIE_NAME", "SESSION_COOKIE_SECURE"),
    ):
        name = config[name_key].removeprefix("__Host-")
        config[name_key] = "__Host-" + name if config[secure_key] else name


def check_secret_key(config: dict) -> None:
    """Refuse to run outside debug and testing with a missing or default SECRET_KEY."""
    if config.get("TESTING") or config.get("DEBUG"):
        return
    key = config.get("SECRET_KEY") or ""
    if key.strip().lower() in DEFAULT_SECRET_KEYS or len(key) < 16:
        raise ConfigError(
            "SECRET_KEY is missing, a known default, or shorter than 16 characters. "
            "Sessions, CSRF tokens and password-reset links are signed with it, so campus "
            "will not start without a real one. Set SECRET_KEY in the environment or in .env, "
            'for example: SECRET_KEY="$(python -c "import secrets; print(secrets.token_hex(32))")"'
        )
