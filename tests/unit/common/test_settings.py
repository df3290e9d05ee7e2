from pathlib import Path

import pytest

from shop.common.settings import DEV_GATEWAY_SECRET, CommonSettings, SecretMissingError


def test_development_runs_with_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("GATEWAY_SECRET", raising=False)
    settings = CommonSettings(shop_env="development")
    assert settings.gateway_secrets == [DEV_GATEWAY_SECRET]


def test_production_refuses_missing_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    with pytest.raises(SecretMissingError, match="JWT_SECRET"):
        CommonSettings(shop_env="production", gateway_secret="a-real-gateway-secret-xyz")


def test_production_refuses_placeholder_gateway_secret() -> None:
    with pytest.raises(SecretMissingError, match="GATEWAY_SECRET"):
        CommonSettings(shop_env="production", jwt_secret="x" * 40)


def test_production_accepts_real_secrets() -> None:
    settings = CommonSettings(
        shop_env="production", jwt_secret="k" * 40, gateway_secret="new-secret-1, old-secret-0"
    )
    assert settings.gateway_secrets == ["new-secret-1", "old-secret-0"]


def test_env_names_are_the_contracts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RABBITMQ_URL", "")
    monkeypatch.setenv("DATA_DIR", "/tmp/shop-data")
    monkeypatch.setenv("PRODUCT_SERVICE_GRPC", "products:50051")
    settings = CommonSettings()
    assert settings.rabbitmq_url is None
    assert settings.data_dir == Path("/tmp/shop-data")
    assert settings.product_service_grpc == "products:50051"
