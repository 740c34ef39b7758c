"""Password rules: long passphrases welcome, common passwords refused (NIST SP 800-63B)."""

from __future__ import annotations

from functools import cache

MIN_LENGTH = 10
MAX_LENGTH = 256


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships a ranked list of the 30,000 most common leaked passwords.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Return why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters; a phrase of a few words works well."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        return "That password is too common; choose something less guessable."
    personal = {email.lower(), email.lower().split("@")[0], name.lower().replace(" ", "")}
    if lowered.replace(" ", "") in personal - {""}:
        return "Don't use your name or email address as your password."
    return None
