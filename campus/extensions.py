"""Flask extensions, created unbound here and bound to the app in create_app()."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter, RateLimitExceeded
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

    def _check_request_limit(self, callable_name=None, in_middleware: bool = True) -> None:
        """Flask-Limiter's check, safe when threads meet a storage outage together.

        Its own handler switches to the fallback only if no one has yet: a second thread whose
        Redis call failed just after the first thread switched re-raised its error, a 500 for
        one request in a few hundred (the Redis outage drill). That thread counts in memory
        like the rest instead."""
        try:
            super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)
        except RateLimitExceeded:
            raise
        except Exception:
            if not (self._in_memory_fallback_enabled and self._storage_dead):
                raise
            self.context.seen_limits.clear()
            super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

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
