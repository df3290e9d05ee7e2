"""Refresh tokens as stored: looked up by hash, revoked one at a time or by family."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from shop.users.store.models import RefreshToken
from shop.users.store.repository import Repository


class RefreshTokens(Repository[RefreshToken]):
    """Every token rotated from one login shares a family, so reuse can revoke the chain."""

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        query = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def revoke(self, token_id: str, *, now: datetime, replaced_by: str | None = None) -> bool:
        """Revokes one live token; False when it was already revoked (a concurrent rotation)."""
        values: dict[str, Any] = {"revoked_at": now, "replaced_by": replaced_by}
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.revoked_at.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def revoke_family(self, family_id: str, *, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
