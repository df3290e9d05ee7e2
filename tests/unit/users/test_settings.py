"""The user service's settings: a blank variable means unset, as for every service."""

from __future__ import annotations

from pathlib import Path

import pytest

from shop.users.settings import UserSettings


def test_blank_store_and_admin_variables_mean_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("MYSQL_URI", "ADMIN_EMAIL", "ADMIN_PASSWORD"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    settings = UserSettings()
    assert (settings.mysql_uri, settings.admin_email, settings.admin_password) == (None,) * 3
    assert settings.database_url() == settings.sqlite_url("users")
    assert "users.db" in settings.database_url()


def test_a_set_store_variable_is_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYSQL_URI", "mysql://shop:pw@db:3306/users")
    assert UserSettings().database_url() == "mysql://shop:pw@db:3306/users"
