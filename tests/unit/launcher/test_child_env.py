"""The launcher decides its children's log format (they write into its pipe)."""

from __future__ import annotations

import io

import pytest

from shop.common.logging import log_format
from shop.launcher.foreground import child_env


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_console_on_a_terminal_json_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert log_format() == "json"
    assert child_env({})["LOG_FORMAT"] == "json"
    monkeypatch.setattr("sys.stdout", Terminal())
    env = child_env({"PATH": "/bin"})
    assert (env["LOG_FORMAT"], env["FORCE_COLOR"], env["PATH"]) == ("console", "1", "/bin")


def test_log_format_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdout", Terminal())
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert child_env({})["LOG_FORMAT"] == "json"
    monkeypatch.setattr("sys.stdout", io.StringIO())
    monkeypatch.setenv("LOG_FORMAT", "console")
    monkeypatch.setenv("NO_COLOR", "1")
    env = child_env({})
    assert env["LOG_FORMAT"] == "console"
    assert "FORCE_COLOR" not in env
