"""The bot's one settings object. Every value comes from ONBOARD_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API = "https://api.telegram.org"
_PLACEHOLDERS = {"", "changeme", "change-me", "changethis", "secret", "dev", "test"}


class SettingsError(RuntimeError):
    """Settings that must not be used (a placeholder secret in production, say)."""


def _default_locales_dir() -> Path:
    """The repository's locales/ in a checkout, else ./locales (the image's /app/locales)."""
    beside = Path(__file__).resolve().parents[1] / "locales"
    return beside if beside.is_dir() else Path("locales").resolve()


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONBOARD_", extra="ignore")

    env: Literal["development", "production"] = "development"
    telegram_bot_token: SecretStr | None = None
    # A self-hosted Bot API server (or a test double); requests go to <base>/bot<token>/<method>.
    telegram_api_base: str = TELEGRAM_API
    api_url: str = "http://127.0.0.1:8000"
    bot_api_key: SecretStr | None = None
    redis_url: str | None = None

    # Registration answers are personal data: they expire from FSM storage after this long
    # without activity (Redis TTL, and checked by the flow itself with any storage).
    bot_fsm_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    bot_redis_prefix: str = Field(default="onboard:bot", min_length=1, max_length=64)
    bot_api_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    bot_api_connections: int = Field(default=16, ge=1, le=1000)
    # Updates handled at once (long polling); more wait in Telegram's queue.
    bot_max_concurrent_updates: int = Field(default=64, ge=1, le=10_000)
    bot_profile_cache_seconds: float = Field(default=60.0, ge=0)
    bot_default_language: Literal["ru", "en", "uz", "tg", "ky", "kk"] = "ru"
    bot_locales_dir: Path = Field(default_factory=_default_locales_dir)
    # Per-user token bucket: a burst of this many updates, refilled at this rate per second.
    bot_throttle_burst: int = Field(default=8, ge=1)
    bot_throttle_rate: float = Field(default=2.0, gt=0)
    # Deadline reminders: claimed from the service this often (the service decides what is
    # due, and never at night); off for a bot replica that should only answer users.
    bot_reminders_enabled: bool = True
    bot_reminder_interval_seconds: float = Field(default=60.0, ge=1, le=3600)
    # Webhook mode when a public URL is set; the secret is checked on every call.
    bot_webhook_url: str | None = None
    bot_webhook_secret: SecretStr | None = None
    bot_webhook_path: str = "/telegram/webhook"
    bot_webhook_host: str = "127.0.0.1"
    bot_webhook_port: int = Field(default=8081, ge=1, le=65535)

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> BotSettings:
        if self.env != "production":
            return self
        for name in ("bot_api_key", "bot_webhook_secret"):
            value: SecretStr | None = getattr(self, name)
            if value is not None and value.get_secret_value().strip().lower() in _PLACEHOLDERS:
                raise SettingsError(f"ONBOARD_{name.upper()} is a placeholder; refusing to start")
        if self.bot_webhook_url and (
            self.bot_webhook_secret is None or len(self.bot_webhook_secret.get_secret_value()) < 16
        ):
            raise SettingsError("webhook mode needs ONBOARD_BOT_WEBHOOK_SECRET (16+ characters)")
        return self

    @property
    def webhook_mode(self) -> bool:
        return bool(self.bot_webhook_url)
