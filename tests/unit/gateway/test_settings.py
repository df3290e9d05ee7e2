"""Gateway settings: defaults, derived values and start-up validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shop.gateway.settings import GatewaySettings


def test_defaults() -> None:
    settings = GatewaySettings(redis_url=None)
    assert settings.gateway_port == 3000
    assert settings.rate_limit_default == "600/minute"
    assert settings.rate_limit_auth == "30/minute"
    assert settings.rate_limit_storage_uri == "async+memory://"
    assert settings.cors_origin_list == ["*"]
    # Longer than common client pools keep idle connections (httpx and aiohttp: ~5 s).
    assert settings.gateway_keepalive_seconds >= 60


def test_redis_url_becomes_async_storage_uri() -> None:
    settings = GatewaySettings(redis_url="redis://127.0.0.1:6379/0")
    assert settings.rate_limit_storage_uri == "async+redis://127.0.0.1:6379/0"


def test_env_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "3100")
    monkeypatch.setenv("RATE_LIMIT_DEFAULT", "10/second")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("UPSTREAM_TIMEOUT_SECONDS", "3.5")
    settings = GatewaySettings()
    assert settings.gateway_port == 3100
    assert settings.rate_limit_default == "10/second"
    assert settings.cors_origin_list == ["https://a.example", "https://b.example"]
    assert settings.upstream_timeout_seconds == 3.5


def test_malformed_limit_is_a_start_up_error() -> None:
    with pytest.raises(ValidationError):
        GatewaySettings(rate_limit_default="lots")
