"""What the asyncpg pools do to a connection handed back (no I/O: a stand-in connection)."""

from __future__ import annotations

from shop.common.pg_driver import _keep_state


class _Connection:
    def __init__(self, *, in_transaction: bool) -> None:
        self._in_transaction = in_transaction
        self.sent: list[str] = []

    def is_in_transaction(self) -> bool:
        return self._in_transaction

    async def execute(self, sql: str) -> None:
        self.sent.append(sql)


async def test_a_clean_connection_goes_back_without_a_round_trip() -> None:
    conn = _Connection(in_transaction=False)
    await _keep_state(conn)
    assert conn.sent == []


async def test_a_transaction_left_open_is_rolled_back_before_reuse() -> None:
    conn = _Connection(in_transaction=True)
    await _keep_state(conn)
    assert conn.sent == ["ROLLBACK"]
