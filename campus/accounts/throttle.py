"""Login throttling that slows a guesser, never locks out the owner (OWASP's device cookies).

Each login attempt is counted BEFORE the password is checked, against one of two budgets:

- a device the account has signed in from before (a signed, long-lived "known device"
  cookie naming the account) spends that device's own budget;
- any other client spends the budget of the (account, address) pair.

A guesser therefore exhausts only their own pair (or their own device), while the owner on a
device they have used before, or from another address, still signs in. Each budget is a
ladder of limits (LOGIN_ATTEMPT_LIMITS), so the wait grows with the number of guesses. A
successful sign-in clears the budget it spent.

The counts live in the rate limiter's storage (Redis in production), not the database: an
atomic increment there is one round trip, shared by every worker, expires on its own and
costs the database nothing when someone floods the login form.

While that storage is unreachable, the counts move to the limiter's in-memory fallback
(each process counts the same ladder on its own) rather than failing open or closed. Failing
open would let a guesser try without limit for as long as Redis is down; failing closed would
lock every owner out. The fallback keeps both promises, only looser: a guesser gets at most
the ladder once per process during the outage, and an owner still signs in.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many
from limits.errors import StorageError

from campus.extensions import client_address, limiter

DEVICE_SALT = "campus.known-device"


@dataclass(frozen=True)
class Budget:
    key: str

    def spend(self) -> bool:
        """Count one attempt; False once any limit of the ladder is used up."""
        if not limiter.enabled:
            return True
        # Every rung is hit (no short-circuit) so each counts the attempt.
        allowed = _counted(lambda counter: [counter.hit(limit, self.key) for limit in _ladder()])
        return all(allowed)

    def retry_after(self) -> int:
        """Seconds until the exhausted rungs of the ladder allow another attempt."""

        def waits(counter):
            return [
                counter.get_window_stats(limit, self.key).reset_time - time.time()
                for limit in _ladder()
                if not counter.test(limit, self.key)
            ]

        return max(1, math.ceil(max(_counted(waits), default=1)))

    def clear(self) -> None:
        if not limiter.enabled:
            return
        _counted(lambda counter: [counter.clear(limit, self.key) for limit in _ladder()])


def _counted(count):
    """count(the limiter's counter), on the in-memory fallback if the shared storage fails."""
    try:
        return count(limiter.limiter)
    except StorageError as error:
        if not limiter.storage_failed(error):
            raise
        return count(limiter.limiter)


def _ladder():
    return parse_many(current_app.config["LOGIN_ATTEMPT_LIMITS"])


def _digest(value: str) -> str:
    # Emails and addresses are hashed so the limiter's storage holds no personal data.
    key = current_app.config["SECRET_KEY"].encode()
    return hashlib.blake2b(value.encode(), key=key[:64], digest_size=16).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def known_device(user_id: int | None) -> str | None:
    """The id of this browser's known-device cookie when it was issued to user_id."""
    raw = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if not raw or user_id is None:
        return None
    try:
        data = _serializer().loads(raw, max_age=current_app.config["DEVICE_COOKIE_MAX_AGE"])
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("uid") != user_id:
        return None
    device = data.get("d")
    return device if isinstance(device, str) else None


def budget_for(email: str, user_id: int | None) -> Budget:
    """The budget this attempt spends: its known device's, else its (account, address) pair's."""
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    device = known_device(user_id)
    if device is not None:
        return Budget(f"{prefix}/login-device:{device}")
    return Budget(f"{prefix}/login-pair:{_digest(email)}:{_digest(client_address())}")


def set_device_cookie(response, user_id: int) -> None:
    """Remember this browser as a device the account has signed in from."""
    config = current_app.config
    device = known_device(user_id) or secrets.token_urlsafe(16)
    response.set_cookie(
        config["DEVICE_COOKIE_NAME"],
        _serializer().dumps({"uid": user_id, "d": device}),
        max_age=config["DEVICE_COOKIE_MAX_AGE"],
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/",
    )
