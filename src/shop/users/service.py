"""Profile, address and directory use cases (accounts and sign-in live beside it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shop.common.errors import NotFound
from shop.users.store.models import Address, User
from shop.users.store.unit_of_work import UserUnitOfWork
from shop.users.store.user_reads import AddressCard, UserCard, UserReads


class UserNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("User not found")


class AddressNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Address not found")


async def get_user(*, uow: UserUnitOfWork, user_id: str) -> User:
    """The user, or 404."""
    user = await find_user(uow=uow, user_id=user_id)
    if user is None:
        raise UserNotFound()
    return user


async def find_user(*, uow: UserUnitOfWork, user_id: str) -> User | None:
    """The user, or None."""
    async with uow:
        user = await uow.users.get(user_id)
        uow.detach([user])
    return user


async def find_user_and_address(
    *, reads: UserReads, user_id: str, address_id: str
) -> tuple[UserCard | None, AddressCard | None]:
    """The user and, when address_id is given and is theirs, that address: one SELECT, for
    the order service's one question before each order (no address_id: None)."""
    return await reads.user_and_address(user_id, address_id)


async def update_profile(*, uow: UserUnitOfWork, user_id: str, changes: dict[str, Any]) -> User:
    """Applies name/phone changes (phone may be cleared with null)."""
    async with uow:
        user = await _locked_user(uow, user_id)
        for field, value in changes.items():
            setattr(user, field, value)
        await uow.commit()
    return user


async def list_users(*, uow: UserUnitOfWork, offset: int, limit: int) -> tuple[Sequence[User], int]:
    """One page of users, newest first, and the total count."""
    async with uow:
        users, total = await uow.users.page(offset=offset, limit=limit)
        uow.detach(users)
    return users, total


async def list_addresses(*, uow: UserUnitOfWork, user_id: str) -> Sequence[Address]:
    """The user's addresses, default first (404 for an unknown user)."""
    async with uow:
        if await uow.users.get(user_id) is None:
            raise UserNotFound()
        addresses = await uow.addresses.of_user(user_id)
        uow.detach(addresses)
    return addresses


async def add_address(*, uow: UserUnitOfWork, user_id: str, fields: dict[str, Any]) -> Address:
    """Adds an address; the first one, or one asked to be, becomes the only default."""
    async with uow:
        await _locked_user(uow, user_id)
        existing = await uow.addresses.of_user(user_id)
        make_default = bool(fields.pop("is_default", False)) or not existing
        if make_default:
            await uow.addresses.unset_default(user_id)
        address = Address(user_id=user_id, is_default=make_default, **fields)
        await uow.addresses.add(address)
        await uow.commit()
    return address


async def update_address(
    *, uow: UserUnitOfWork, user_id: str, address_id: str, changes: dict[str, Any]
) -> Address:
    """Partial update; isDefault=true moves the default here, false leaves the user none."""
    async with uow:
        await _locked_user(uow, user_id)
        address = await _own_address(uow, user_id, address_id)
        is_default = changes.pop("is_default", None)
        if is_default and not address.is_default:
            await uow.addresses.unset_default(user_id)
        if is_default is not None:
            address.is_default = is_default
        for field, value in changes.items():
            setattr(address, field, value)
        await uow.commit()
    return address


async def delete_address(*, uow: UserUnitOfWork, user_id: str, address_id: str) -> None:
    """Deletes an address; when it was the default, the oldest remaining one takes over."""
    async with uow:
        await _locked_user(uow, user_id)
        address = await _own_address(uow, user_id, address_id)
        was_default = address.is_default
        await uow.addresses.delete(address)
        if was_default:
            remaining = sorted(
                await uow.addresses.of_user(user_id),
                key=lambda a: (a.created_at, a.id),
            )
            if remaining:
                remaining[0].is_default = True
        await uow.commit()


async def _locked_user(uow: UserUnitOfWork, user_id: str) -> User:
    # The user row is the per-user lock: address changes for one user run one at a time,
    # which is what keeps "at most one default" true on MariaDB as well as SQLite.
    user = await uow.users.get(user_id, lock=True)
    if user is None:
        raise UserNotFound()
    return user


async def _own_address(uow: UserUnitOfWork, user_id: str, address_id: str) -> Address:
    address = await uow.addresses.get(user_id=user_id, address_id=address_id)
    if address is None:
        raise AddressNotFound()
    return address
