"""The `stack` fixture: every process of the platform, real databases, real broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.running_stack import running_stack
from tests.support.stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The platform, started once per session (services are restarted by crash tests).

    Its teardown fails the run if any process logged a password hash, a token or a secret:
    by then every e2e test has registered, logged in, sent forged tokens and bad input,
    placed orders and crashed services.
    """
    root = tmp_path_factory.mktemp("stack")
    with running_stack(root, db_prefix="shop_e2e", check_log_hygiene=True) as platform:
        yield platform
