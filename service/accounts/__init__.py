"""Accounts (people who sign in), API keys (systems), and who may do what."""
