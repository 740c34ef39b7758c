"""Organisations: districts that buy seats, their managers, and the invites they send."""
