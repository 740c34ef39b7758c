"""Records an auditor asks for: the audit packet of a course and date range.

This layer reads every course layer below it (progress, assessment, certificates), so it
sits above completion and districts (docs/architecture.md).
"""
