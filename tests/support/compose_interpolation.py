"""Compose's variable interpolation, for the subset deploy/compose.yaml uses."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:(?P<op>:-|:\?|-|\?)(?P<arg>[^}]*))?\})"
)


class MissingVariableError(ValueError):
    """A `${VAR:?message}` whose variable is unset or empty: Compose refuses to start."""


@dataclass(frozen=True)
class Reference:
    name: str
    op: str | None
    arg: str

    @property
    def required(self) -> bool:
        return self.op in (":?", "?")


def references(text: str) -> list[Reference]:
    return [
        Reference(m["name"], m["op"], m["arg"] or "")
        for m in _VAR.finditer(text)
        if m["escaped"] is None
    ]


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's interpolation over a loaded document: ${VAR}, :-, -, :?, ?, and $$."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(m: re.Match[str]) -> str:
        if m["escaped"] is not None:
            return "$"
        name, op, arg = m["name"], m["op"], m["arg"] or ""
        current = env.get(name)
        unset_or_empty = not current
        if op in (":?", "?") and (current is None or (op == ":?" and unset_or_empty)):
            raise MissingVariableError(f"{name}: {arg}")
        if op == ":-" and unset_or_empty:
            return arg
        if op == "-" and current is None:
            return arg
        return current or ""

    return _VAR.sub(substitute, value)


def all_strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)
    elif isinstance(value, str):
        yield value
