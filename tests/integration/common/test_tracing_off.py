"""Tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT): nothing of the SDK is loaded or wrapped."""

from __future__ import annotations

import os
import subprocess
import sys

_PROBE = """
import sys
from shop.common.events import cloud_event
from shop.common.tracing import configure_tracing, publishing, wrap_asgi
from shop.gateway.app import Gateway
from shop.gateway.settings import GatewaySettings

assert configure_tracing("gateway") is False
gateway = Gateway(GatewaySettings())
assert wrap_asgi(gateway) is gateway
event = cloud_event(event_type="t", source="s", data={}, request_id="r")
assert "traceparent" not in event
with publishing(event):
    pass
# redis imports parts of opentelemetry for its own use; these are what tracing would load.
ours = ("opentelemetry.sdk.trace", "opentelemetry.instrumentation", "opentelemetry.exporter",
        "opentelemetry.propagate")
loaded = sorted(m for m in sys.modules if m.startswith(ours))
print(" ".join(loaded))
"""


def test_nothing_of_opentelemetry_is_imported_when_off() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"loaded with tracing off: {result.stdout}"
