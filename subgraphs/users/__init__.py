"""Accounts, profiles, passwords, sessions and token signing."""
