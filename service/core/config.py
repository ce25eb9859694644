"""The one settings object. Every value comes from ONBOARD_* environment variables."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.core import files

_PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "changethis",
    "secret",
    "please-change",
    "dev",
    "test",
}
_MIN_SECRET_LENGTH = 32
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(RuntimeError):
    """Settings that must not be used (a placeholder secret in production, say)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONBOARD_", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = None
    secret_key: SecretStr | None = None
    redis_url: str | None = None

    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Sign-in throttling (service/accounts/throttle.py): free failures per account+address,
    # then locks of login_lock_base_seconds doubling up to login_lock_max_seconds; a much
    # higher number per account from addresses it never signed in from; failures are
    # remembered login_window_seconds after the last one.
    login_max_failures: int = Field(default=5, ge=1)
    login_account_max_failures: int = Field(default=50, ge=1)
    login_lock_base_seconds: float = Field(default=1.0, gt=0)
    login_lock_max_seconds: float = Field(default=15 * 60, gt=0)
    login_window_seconds: int = Field(default=24 * 3600, ge=1)
    # Proxies whose X-Forwarded-For is believed (comma list of IPs/CIDRs); nobody else's.
    trusted_proxies: str = ""
    page_size_max: int = Field(default=100, ge=1)
    log_level: str = "INFO"
    issuer: str = "onboard"

    proof_key_dir: Path | None = None  # default: <data_dir>/proof-keys
    proof_issuer: str = Field(default="RU", min_length=1, max_length=16)
    proof_ttl_days: int = Field(default=7, ge=1, le=90)
    status_list_ttl_seconds: int = Field(default=300, ge=10)
    status_list_valid_hours: int = Field(default=24, ge=1)
    # Offline checks uploaded later (POST /api/v1/scans): how old a check may be, and how far
    # ahead of the server's clock a device's clock may run.
    offline_scan_max_age_days: int = Field(default=30, ge=1, le=365)
    offline_scan_clock_skew_seconds: int = Field(default=300, ge=0, le=3600)
    # The in-memory trust data (service/proofs/live.py) asks for card changes this often; a
    # change made on another worker reaches this one within about this time.
    status_feed_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    # ...and reads every card again this often, a safety net for changes made by hand in
    # the database without an event (0: never).
    status_full_reload_seconds: int = Field(default=600, ge=0)
    # How long an authenticated caller is remembered per worker on the verification path:
    # a disabled account or revoked API key keeps verifying for at most this long.
    auth_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    max_image_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    # POST /decode: images decoded at once per process; how long a request waits for a slot
    # before it is refused with 503 and Retry-After.
    decode_slots: int = Field(default=2, ge=1, le=16)
    decode_wait_seconds: float = Field(default=5.0, ge=0, le=60)
    policy_dir: Path | None = None  # default: the repository's content/policy
    reminder_days: list[int] = Field(default=[7, 3, 1])  # days before each deadline
    webhook_max_attempts: int = Field(default=8, ge=1, le=30)
    webhook_backoff_seconds: float = Field(default=5.0, gt=0)
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    # Tests with a receiver on loopback only: production refuses to start with it.
    webhook_allow_private_targets: bool = False
    pdf_font: Path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    rate_limit_enabled: bool = True
    rate_limit_per_key_per_minute: int = Field(default=1200, ge=1)
    rate_limit_per_address_per_minute: int = Field(default=2400, ge=1)
    # The bot's key speaks for every worker using the bot (who are throttled by the bot).
    rate_limit_bot_key_per_minute: int = Field(default=60_000, ge=1)

    # The adaptation course lives in <content_dir>/adaptation_course (see its FORMAT.md).
    content_dir: Path = Path(__file__).resolve().parents[2] / "content"
    stats_min_cell: int = Field(default=10, ge=1)  # statistics hide cells of fewer people
    # Shown card counts are rounded to this base, so two overlapping ranges cannot be
    # subtracted to reveal a hidden cell (service/stats/disclosure.py). 1 turns it off.
    stats_round_base: int = Field(default=5, ge=1)
    # Fold new cards into the daily statistics roll-up this often (service/stats/rollup.py).
    stats_fold_seconds: int = Field(default=300, ge=0)
    # /stats/course answers from a snapshot (service/course/snapshot.py): when attempts were
    # added, one older than this is computed again (0: always exact; the API's background
    # loop refreshes it too).
    stats_refresh_seconds: int = Field(default=300, ge=0)
    # Serve the Telegram bot's webhook from the API process (at ONBOARD_BOT_WEBHOOK_PATH) when
    # the bot's settings ask for webhook mode; the bot still reaches the API over HTTP.
    bot_webhook_in_api: bool = False
    # GET /metrics needs an API key of scope metrics:read (or an admin's token) unless true.
    metrics_public: bool = False
    # /docs (Swagger UI) and /openapi.json; production may turn them off.
    docs_enabled: bool = True

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.env == "production" and self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if value.strip().lower() in _PLACEHOLDERS or len(value) < _MIN_SECRET_LENGTH:
                raise SettingsError(
                    "ONBOARD_SECRET_KEY is a placeholder or shorter than "
                    f"{_MIN_SECRET_LENGTH} characters; refusing to start in production"
                )
        if self.env == "production" and self.webhook_allow_private_targets:
            raise SettingsError(
                "ONBOARD_WEBHOOK_ALLOW_PRIVATE_TARGETS=true lets webhooks reach private and "
                "loopback addresses (for tests only); refusing to start in production"
            )
        try:
            self.trusted_proxy_networks  # noqa: B018 - parsed here to fail at start
        except ValueError as exc:
            raise SettingsError(f"ONBOARD_TRUSTED_PROXIES: {exc}") from exc
        return self

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'onboard.db').resolve()}"

    @property
    def resolved_proof_key_dir(self) -> Path:
        return self.proof_key_dir or self.data_dir / "proof-keys"

    def token_secret(self) -> str:
        """The access-token secret: configured, or generated once into the data dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _read_or_create_secret(self.data_dir / "secret_key")


def _read_or_create_secret(path: Path) -> str:
    if path.exists():
        value = path.read_text().strip()
        if len(value) >= _MIN_SECRET_LENGTH:
            return value
    # Not replacing: if another worker won the race, its secret is everybody's.
    files.write_private(path, secrets.token_urlsafe(48) + "\n", replace=False)
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
