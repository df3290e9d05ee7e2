"""Settings read once from the environment, with the contract's names and embedded defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Placeholders let a fresh clone run with no configuration; production refuses them.
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"
DEV_GATEWAY_SECRET = "dev-only-gateway-secret-change-me"
_PLACEHOLDERS = {DEV_JWT_SECRET, DEV_GATEWAY_SECRET, "", "changeme", "secret"}


class SecretMissingError(RuntimeError):
    """A required secret is unset (or a placeholder) in production mode."""


class CommonSettings(BaseSettings):
    """What every process reads; each service extends it with its own fields."""

    # A blank variable means unset (the default applies): compose files and shells export
    # `VAR=` for "not configured", and every service wants that read the same way.
    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    shop_env: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    data_dir: Path = Path("./var")

    jwt_secret: str = DEV_JWT_SECRET
    gateway_secret: str = DEV_GATEWAY_SECRET

    rabbitmq_url: str | None = "amqp://guest:guest@127.0.0.1:5672/"
    redis_url: str | None = None

    user_service_url: str = "http://127.0.0.1:3001"
    product_service_url: str = "http://127.0.0.1:3002"
    order_service_url: str = "http://127.0.0.1:3003"
    user_service_grpc: str = "127.0.0.1:50053"
    product_service_grpc: str = "127.0.0.1:50051"
    order_service_grpc: str = "127.0.0.1:50052"

    # How long the outbox relay waits between polls when nothing woke it.
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    # Published outbox rows are kept this long (for inspection), then deleted.
    outbox_retention_hours: float = Field(default=24.0, ge=0)

    @field_validator("rabbitmq_url", "redis_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _blank_broker_turns_publishing_off(self) -> CommonSettings:
        # The one documented exception to "blank means unset": RABBITMQ_URL= switches
        # publishing off (events wait in the outboxes). env_ignore_empty drops the blank
        # value before validation, so it is read here.
        if os.environ.get("RABBITMQ_URL") == "":
            self.rabbitmq_url = None
        return self

    @property
    def gateway_secrets(self) -> list[str]:
        """Every accepted gateway secret; the first is the one this process sends."""
        return [s.strip() for s in self.gateway_secret.split(",") if s.strip()]

    @property
    def is_production(self) -> bool:
        return self.shop_env == "production"

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> CommonSettings:
        if not self.is_production:
            return self
        if self.jwt_secret in _PLACEHOLDERS or len(self.jwt_secret) < 32:
            raise SecretMissingError("JWT_SECRET must be set to a real secret of 32+ characters")
        secrets = self.gateway_secrets
        if not secrets or any(s in _PLACEHOLDERS for s in secrets):
            raise SecretMissingError("GATEWAY_SECRET must be set to a real secret")
        return self

    def sqlite_url(self, name: str) -> str:
        """The embedded default database for a process: a SQLite file under DATA_DIR."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{name}.db').resolve()}"
