"""Accounts: users, roles, sign-up, login, sessions that can be ended, password reset."""
