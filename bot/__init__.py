"""Onboard Telegram bot (an HTTP client of the service; built in a later issue)."""
