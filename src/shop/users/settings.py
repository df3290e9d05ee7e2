"""The user service's settings (read once at start-up)."""

from __future__ import annotations

from pydantic import Field

from shop.common.settings import CommonSettings
from shop.common.tokens import ACCESS_TOKEN_TTL_SECONDS


class UserSettings(CommonSettings):
    """Common settings plus the user service's ports, store and bootstrap admin."""

    user_service_port: int = 3001
    user_service_grpc_port: int = 50053
    # MYSQL_URI (MariaDB/MySQL) when set, else the embedded SQLite file DATA_DIR/users.db.
    mysql_uri: str | None = None
    # When both are set, start-up makes sure this admin account exists (see bootstrap).
    admin_email: str | None = None
    admin_password: str | None = None
    # Lifetime of an access token; clients renew it with their refresh token (tests shorten it).
    access_token_ttl_seconds: int = Field(default=ACCESS_TOKEN_TTL_SECONDS, ge=1, le=86_400)

    def database_url(self) -> str:
        """The store's URL: MYSQL_URI, else DATA_DIR/users.db."""
        return self.mysql_uri or self.sqlite_url("users")
