"""Many new users adding their first address at once (what sign-up bursts look like).

On MariaDB at REPEATABLE READ, the "unset the other defaults" update took gap locks on the
addresses' user index, and concurrent inserts for neighbouring users deadlocked: one of
them got a 503. Found by `make chaos`.
"""

from __future__ import annotations

import asyncio

import httpx

from tests.integration.users.support import as_user, register

ADDRESS = {"line1": "1 Road", "city": "Town", "postalCode": "12345", "country": "US"}


async def test_first_addresses_of_many_users_at_once_all_succeed(client: httpx.AsyncClient) -> None:
    users = [await register(client) for _ in range(24)]

    async def add(user: dict[str, object], default: bool) -> int:
        body = {**ADDRESS, "isDefault": default}
        resp = await client.post("/users/me/addresses", json=body, headers=as_user(user))
        return resp.status_code

    for round_ in range(3):
        codes = await asyncio.gather(*(add(u, round_ % 2 == 1) for u in users))
        assert codes == [201] * len(users), codes
