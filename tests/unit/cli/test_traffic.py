"""Demo traffic never leaves this machine."""

from __future__ import annotations

import pytest

from shop.cli.client import is_loopback
from shop.cli.main import main
from shop.cli.traffic import DemoTraffic


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:3000", True),
        ("http://localhost:3000", True),
        ("http://[::1]:3000", True),
        ("http://10.0.0.5:3000", False),
        ("http://shop.example.com", False),
        ("http://127.0.0.1.example.com", False),
    ],
)
def test_loopback_only(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_refuses_a_remote_gateway(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="only goes to this machine"):
        DemoTraffic("http://10.0.0.5:3000")
    assert main(["demo-traffic", "--gateway", "http://10.0.0.5:3000", "--minutes", "1"]) == 2
    assert "shop: demo traffic only goes to this machine" in capsys.readouterr().err
