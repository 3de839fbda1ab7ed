"""Accounts: login and logout, registration, password reset, lockout, last activity."""
