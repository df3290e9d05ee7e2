"""Every process refuses to start in production without real secrets, in one plain line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REAL_JWT = "k" * 40


@pytest.mark.parametrize("service", ["users", "products", "orders", "notifications", "gateway"])
@pytest.mark.parametrize(
    ("secrets", "missing"),
    [({}, "JWT_SECRET"), ({"JWT_SECRET": REAL_JWT}, "GATEWAY_SECRET")],
)
def test_production_refuses_missing_secrets(
    service: str, secrets: dict[str, str], missing: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"JWT_SECRET", "GATEWAY_SECRET"}}
    env.update(SHOP_ENV="production", DATA_DIR=str(tmp_path), **secrets)
    done = subprocess.run(
        [sys.executable, "-m", f"shop.{service}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert missing in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not list(tmp_path.iterdir()), "nothing may be created before the refusal"
