"""The audit log: an append-only record of every staff action (who, when, what, before/after)."""
