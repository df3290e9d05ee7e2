"""Which asyncmy errors a MySqlPool read retries on a fresh connection."""

from __future__ import annotations

import pytest
from asyncmy import errors

from shop.common.mysql_driver import connection_lost


@pytest.mark.parametrize(
    ("error", "lost"),
    [
        (errors.OperationalError(2013, "Lost connection to MySQL server during query"), True),
        (errors.OperationalError(2006, "MySQL server has gone away"), True),
        (errors.OperationalError(1927, "Connection was killed"), True),
        (errors.InterfaceError(0, ""), True),
        # Refused: the server is down, and a second try would only double the wait.
        (errors.OperationalError(2003, "Can't connect to MySQL server"), False),
        (errors.OperationalError(1205, "Lock wait timeout exceeded"), False),
        (errors.ProgrammingError(1146, "Table 'x' doesn't exist"), False),
    ],
)
def test_only_a_dead_connection_is_worth_a_retry(error: errors.Error, lost: bool) -> None:
    assert connection_lost(error) is lost
