"""argon2id hashing: verification, wrong passwords, rehash detection."""

from __future__ import annotations

from argon2 import PasswordHasher

from shop.users.passwords import Passwords

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


async def test_hash_is_argon2id_and_verifies() -> None:
    passwords = Passwords(FAST)
    hashed = await passwords.hash("correct horse")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert await passwords.verify(hashed, "correct horse")
    assert not await passwords.verify(hashed, "wrong horse")


async def test_same_password_hashes_differently() -> None:
    passwords = Passwords(FAST)
    assert await passwords.hash("same password") != await passwords.hash("same password")


async def test_garbage_hash_is_a_failed_verification_not_an_error() -> None:
    passwords = Passwords(FAST)
    assert not await passwords.verify("not a hash", "anything")
    assert passwords.needs_rehash("not a hash")


async def test_needs_rehash_when_parameters_change() -> None:
    old = await Passwords(FAST).hash("pw-pw-pw-pw")
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert stronger.needs_rehash(old)
    assert not Passwords(FAST).needs_rehash(old)
    assert await stronger.verify(old, "pw-pw-pw-pw")  # old hashes still verify


async def test_verify_nobody_never_succeeds_or_raises() -> None:
    await Passwords(FAST).verify_nobody("whatever")


def test_production_defaults_are_stronger_than_the_test_parameters() -> None:
    # So a hash made with cheap parameters is upgraded at the next login.
    assert Passwords().needs_rehash(FAST.hash("x"))
