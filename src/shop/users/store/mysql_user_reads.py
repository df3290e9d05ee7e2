"""UserReads on MySQL/MariaDB straight through asyncmy (`shop.common.mysql_driver`).

The same Core SELECT as `user_reads`, compiled once; only its execution skips SQLAlchemy,
whose pool checkout, execution context, greenlet hops and row wrapping were about 270 of
the 400 us of server CPU a ValidateUser call cost above a bare gRPC call.
"""

from __future__ import annotations

from shop.common.mysql_driver import DIALECT, MySqlPool
from shop.users.store.user_reads import USER_AND_ADDRESS, AddressCard, UserCard, cards

# One SELECT per order holds a connection for well under a millisecond: a small pool keeps
# MariaDB's connection count down with replicas.
POOL_SIZE = 10

_COMPILED = USER_AND_ADDRESS.compile(dialect=DIALECT)
_SQL = _COMPILED.string
_PARAMETERS = tuple(_COMPILED.positiontup or ())  # the names, in the order of its %s


class MySqlUserReads:
    """UserReads on an asyncmy pool of its own, in autocommit (no BEGIN, no ROLLBACK)."""

    def __init__(self, url: str) -> None:
        self.pool = MySqlPool(url, size=POOL_SIZE)

    async def user_and_address(
        self, user_id: str, address_id: str
    ) -> tuple[UserCard | None, AddressCard | None]:
        values = {"user_id": user_id, "address_id": address_id}
        return cards(await self.pool.fetch_one(_SQL, [values[name] for name in _PARAMETERS]))

    async def aclose(self) -> None:
        await self.pool.close()
