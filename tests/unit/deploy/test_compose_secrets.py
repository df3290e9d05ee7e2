"""deploy/compose.yaml: credentials only from required variables, never a committed value."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.compose_interpolation import (
    MissingVariableError,
    all_strings,
    interpolate,
    references,
)
from tests.support.deploy_files import (
    COMPOSE_ENV_EXAMPLE,
    COMPOSE_FILE,
    SAMPLE_COMPOSE_ENV,
    SECRET_ENV,
    compose_env_of,
    is_placeholder,
    parse_env_file,
)


def test_production_mode_with_required_secrets(shop_services: dict[str, dict[str, Any]]) -> None:
    for name, svc in shop_services.items():
        env = compose_env_of(svc)
        assert env["SHOP_ENV"] == "production", name
        for key in ("JWT_SECRET", "GATEWAY_SECRET"):
            refs = references(env[key])
            assert len(refs) == 1 and refs[0].name == key and refs[0].required, (name, key)


def test_no_committed_secret_values(compose: dict[str, Any]) -> None:
    """Credentials in values only ever come from a required `${VAR:?...}` reference."""
    for name, svc in compose["services"].items():
        for key, value in compose_env_of(svc).items():
            if value is None or not (key in SECRET_ENV or re.search(r"SECRET|PASSWORD|PASS$", key)):
                continue
            refs = references(value)
            assert all(r.required for r in refs), f"{name}.{key}: a secret has no default"
            literal = re.sub(r"\$\{[^}]*\}", "", value)
            if "://" not in value:
                assert refs and literal == "", f"{name}.{key} has a literal secret"
                continue
            userinfo = re.match(r"^[a-z0-9+]+://([^@/]*)@", literal)
            if userinfo is not None and ":" in userinfo.group(1):
                assert userinfo.group(1).endswith(":") and refs, f"{name}.{key}: literal password"


def test_refuses_to_start_without_the_secrets(compose: dict[str, Any]) -> None:
    with pytest.raises(MissingVariableError, match="JWT_SECRET"):
        interpolate(compose, {k: v for k, v in SAMPLE_COMPOSE_ENV.items() if k != "JWT_SECRET"})
    with pytest.raises(MissingVariableError, match="GATEWAY_SECRET"):
        interpolate(compose, {**SAMPLE_COMPOSE_ENV, "GATEWAY_SECRET": ""})


def test_env_example_lists_every_variable_with_placeholders_only(compose: dict[str, Any]) -> None:
    values, commented = parse_env_file(COMPOSE_ENV_EXAMPLE)
    refs = [ref for text in all_strings(compose) for ref in references(text)]
    required = {ref.name for ref in refs if ref.required}
    optional = {ref.name for ref in refs if not ref.required}
    assert required == set(values), "every required variable, and only those, is listed"
    assert optional <= commented, "optional variables are mentioned (commented out)"
    assert all(is_placeholder(v) for v in values.values()), "no real value in the template"
    assert required == set(SAMPLE_COMPOSE_ENV)


def test_every_dollar_is_escaped_or_a_braced_reference() -> None:
    # A bare $NAME would be interpolated by Compose on the host, not by the container shell.
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert not re.search(r"(?<!\$)\$(?![${])", text.replace("$$", ""))
