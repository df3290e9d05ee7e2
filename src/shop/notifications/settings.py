"""Settings of the notification worker."""

from __future__ import annotations

from shop.common.settings import CommonSettings


class NotificationSettings(CommonSettings):
    # Not in the contract's table: the worker's own store, SQLite under DATA_DIR by default.
    notification_db_uri: str | None = None
    notification_queue: str = "notifications"
    notification_prefetch: int = 32
    # Tests use a throwaway queue so no durable queue keeps collecting events after them.
    notification_queue_auto_delete: bool = False

    def database_url(self) -> str:
        return self.notification_db_uri or self.sqlite_url("notifications")
