"""Real calls to a service, each body checked against that service's own /openapi.json."""

from __future__ import annotations

import copy
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs

from shop.common.security import GATEWAY_SECRET_HEADER


@dataclass(frozen=True)
class Caller:
    """The identity the gateway would forward for a verified token."""

    user_id: str
    email: str
    role: str = "user"

    @property
    def headers(self) -> dict[str, str]:
        return {"x-user-id": self.user_id, "x-user-email": self.email, "x-user-role": self.role}


def closed(schema: Any) -> Any:
    """The schema with every object that lists its properties refusing any other key.

    The published document leaves objects open (clients must accept added fields); the
    check closes them so a field a route sends but the document omits fails the test too.
    Objects declared open (`attributes`, `shippingAddress`) stay open.
    """
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: closed(value) for key, value in schema.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


class DocumentedApi:
    """One service: calls it as the gateway would and checks every answer against its doc."""

    def __init__(self, base_url: str, *, secret: str) -> None:
        self.base_url = base_url
        self.secret = secret
        resp = httpx.get(f"{base_url}/openapi.json", headers={GATEWAY_SECRET_HEADER: secret})
        assert resp.status_code == 200, resp.text
        self.document: dict[str, Any] = resp.json()
        self._components = closed(copy.deepcopy(self.document.get("components", {})))
        self.checked: dict[tuple[str, str], set[int]] = defaultdict(set)

    def call(
        self,
        method: str,
        template: str,
        *,
        expect: int,
        path: Mapping[str, str] | None = None,
        caller: Caller | None = None,
        with_secret: bool = True,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Calls `template` filled with `path`, checks the status and the body; the body."""
        sent = dict(headers or {})
        if with_secret:
            sent[GATEWAY_SECRET_HEADER] = self.secret
        if caller is not None:
            sent.update(caller.headers)
        url = self.base_url + template.format(**(path or {}))
        resp = httpx.request(method, url, headers=sent, timeout=30, **kwargs)
        assert resp.status_code == expect, f"{method} {url} -> {resp.status_code}: {resp.text}"
        self.check(method, template, resp)
        return resp.json()

    def check(self, method: str, template: str, resp: httpx.Response) -> None:
        """Fails unless the status is documented for the route and the body fits its schema."""
        operation = self.document["paths"].get(template, {}).get(method.lower())
        assert operation is not None, f"{method} {template} is not in the OpenAPI document"
        documented = operation["responses"].get(str(resp.status_code))
        assert documented is not None, (
            f"{method} {template} answered {resp.status_code}, which its OpenAPI does not "
            f"document (it documents {sorted(operation['responses'])})"
        )
        schema = documented["content"]["application/json"]["schema"]
        validator = Draft202012Validator(
            {**schema, "components": self._components},
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        problems = [
            f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}"
            for e in validator.iter_errors(resp.json())
        ]
        assert not problems, (
            f"{method} {template} {resp.status_code} differs from its OpenAPI: {problems}"
        )
        self.checked[(method.upper(), template)].add(resp.status_code)

    def unchecked(self) -> list[str]:
        """Routes lacking a checked success, or a checked error when they document any."""
        missing = []
        for template, operations in self.document["paths"].items():
            for method, operation in operations.items():
                codes = self.checked.get((method.upper(), template), set())
                errors_documented = any(c.startswith("4") for c in operation["responses"])
                if not any(200 <= c < 300 for c in codes):
                    missing.append(f"{method.upper()} {template}: no success checked")
                if errors_documented and not any(400 <= c < 500 for c in codes):
                    missing.append(f"{method.upper()} {template}: no error checked")
        return missing


ADMIN = Caller(user_id="contract-admin", email="admin@example.com", role="admin")
NOBODY = Caller(user_id=uuid.uuid4().hex, email="gone@example.com")
ADDRESS = {"line1": "1 Schema Street", "city": "Specville", "postalCode": "12345", "country": "US"}


def tag() -> str:
    """A unique suffix, so no test depends on another's rows."""
    return uuid.uuid4().hex[:10]


def register_user(users: DocumentedApi) -> tuple[Caller, dict[str, Any]]:
    """A new user (its caller identity) and its login session."""
    credentials = {"email": f"contract-{tag()}@example.com", "password": "contract-pass-1"}
    body = users.call(
        "POST", "/auth/register", expect=201, json={**credentials, "name": "Contract User"}
    )
    user = body["data"]["user"]
    session = users.call("POST", "/auth/login", expect=200, json=credentials)["data"]
    return Caller(user_id=user["id"], email=user["email"]), session


def new_product(products: DocumentedApi, *, stock: int = 5) -> dict[str, Any]:
    """A new product in a category of its own (so a filtered list finds only it)."""
    unique = tag()
    body = {"name": f"Contract {unique}", "price": 1250, "category": f"contract-{unique}"}
    body |= {"sku": f"CT-{unique}", "stock": stock, "attributes": {"size": 42}}
    created: dict[str, Any] = products.call(
        "POST", "/products", expect=201, caller=ADMIN, json=body
    )["data"]
    return created
