"""Onboard's Telegram bot: an HTTP client of the service's API (it never imports `service`).

Entry points: ``python -m bot`` (``bot.__main__.main``), ``bot.app.build_dispatcher`` and
``bot.app.build_bot`` for tests and hosts, ``bot.webhook.WebhookApp`` to mount the webhook.
"""
