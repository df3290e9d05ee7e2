"""The log scan the e2e stack's teardown runs: it must find what it looks for, and fail."""

from __future__ import annotations

import pytest

from tests.support.log_hygiene import LogLeak, check_logs, leaks

ARGON2_LINE = '{"event": "x", "hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"}'
JWT_LINE = "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3OCJ9.c2lnbmF0dXJlc2lnbmF0dXJl"


def test_the_scan_finds_what_it_looks_for() -> None:
    assert leaks(ARGON2_LINE, []) == ["an argon2 password hash"]
    assert leaks(JWT_LINE, []) == ["a signed JWT (access token)"]
    assert leaks("refresh=abc123secret", ["abc123secret"]) == ["known secret #0 (12 chars)"]
    assert leaks('{"event": "login", "result": "ok"}', ["abc123secret"]) == []


def test_clean_logs_pass() -> None:
    check_logs({"users": '{"event": "started"}\n', "gateway": "listening\n"}, ["s3cret-value"])


def test_a_leak_fails_naming_the_process_but_not_the_secret() -> None:
    logs = {"users": '{"event": "started"}\n', "orders": "oops s3cret-value\n" + ARGON2_LINE}
    with pytest.raises(LogLeak) as failure:
        check_logs(logs, ["s3cret-value"])
    message = str(failure.value)
    assert "orders logged an argon2 password hash, known secret #0" in message
    assert "users" not in message and "s3cret-value" not in message


def test_a_stack_trace_fails_and_the_message_says_where_the_logs_are() -> None:
    trace = '{"event": "unhandled_error", "exception": "Traceback (most recent call last):\\n"}'
    with pytest.raises(LogLeak, match=r"gateway logged 1 stack trace\(s\) \(logs in /tmp/x\)"):
        check_logs({"gateway": trace}, [], where="/tmp/x")


def test_an_empty_log_fails_too() -> None:
    with pytest.raises(LogLeak, match="notifications logged nothing"):
        check_logs({"notifications": "  \n"}, [])
