"""Enrollment: the kernel's record of who takes which course (models, queries, services)."""
