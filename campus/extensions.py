"""Flask extensions, created unbound here and bound to the app in create_app()."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from campus.models import Base
from campus.schema_migrations import LazyMigrate


class SharedLimiter(Limiter):
    """Flask-Limiter, with its in-memory fallback reachable by code that counts on its own.

    Flask-Limiter switches to the fallback (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) when its
    own checks of a request's limits find the storage down, and back when the storage
    answers again. The login throttle counts with ``limiter.limiter`` directly, outside
    those checks, so on a storage error it calls storage_failed() to make the same switch.
    """

    def storage_failed(self, error: Exception) -> bool:
        """Switch to the in-memory fallback; False when none is configured (re-raise then)."""
        if not self._in_memory_fallback_enabled:
            return False
        if not self._storage_dead:
            self.logger.warning("Rate limit storage unreachable (%s): counting in memory", error)
            self._storage_dead = True
        return True

    @property
    def counts_in_memory(self) -> bool:
        """True while the fallback counts in place of the shared storage."""
        return self._storage_dead


def client_address() -> str:
    """The caller's address; ProxyFix has already applied TRUSTED_PROXIES."""
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate(compare_type=True, render_as_batch=True)  # Flask-Migrate, on first use
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = SharedLimiter(key_func=client_address)
