"""What must never appear in a process's log: password hashes, tokens, secrets, and stack
traces (each one is an error nobody handled, and its frames may show what they held)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# Shapes caught whoever issued them: an argon2 hash (PHC string) and a signed JWT.
_ARGON2 = re.compile(r"\$argon2(?:id|i|d)\$")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")
_STACK_TRACE = re.compile(r"Traceback \(most recent call last\)")


class LogLeak(AssertionError):
    """A process logged something it must not (or logged nothing at all)."""


def leaks(text: str, known_secrets: Iterable[str]) -> list[str]:
    """Names of what leaked into `text`: never the leaked value itself (it is a secret)."""
    found: list[str] = []
    if _ARGON2.search(text):
        found.append("an argon2 password hash")
    if _JWT.search(text):
        found.append("a signed JWT (access token)")
    for index, secret in enumerate(s for s in known_secrets if s):
        if secret in text:
            found.append(f"known secret #{index} ({len(secret)} chars)")
    return found


def check_logs(logs: Mapping[str, str], known_secrets: Iterable[str], *, where: str = "") -> None:
    """Raises LogLeak naming every process whose log is empty, holds a secret or a stack trace.

    An empty log would make the scan pass for the wrong reason, so it fails too.
    """
    secrets = list(known_secrets)
    problems: list[str] = []
    for name, text in logs.items():
        if not text.strip():
            problems.append(f"{name} logged nothing")
            continue
        found = leaks(text, secrets)
        if traces := len(_STACK_TRACE.findall(text)):
            found.append(f"{traces} stack trace(s)")
        if found:
            problems.append(f"{name} logged {', '.join(found)}")
    if problems:
        raise LogLeak(
            "log hygiene: " + "; ".join(problems) + (f" (logs in {where})" if where else "")
        )
