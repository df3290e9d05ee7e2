"""Settings of the notification worker."""

from __future__ import annotations

from pydantic import Field

from shop.common.settings import CommonSettings


class NotificationSettings(CommonSettings):
    notification_port: int = 3005
    # Not in the contract's table: the worker's own store, SQLite under DATA_DIR by default.
    notification_db_uri: str | None = None
    notification_queue: str = "notifications"
    notification_prefetch: int = Field(default=32, ge=1)
    # Tests use a throwaway queue so no queue keeps collecting events after them.
    notification_queue_auto_delete: bool = False
    notification_max_attempts: int = Field(default=8, ge=1)
    notification_retry_base_seconds: float = Field(default=1.0, gt=0)
    # How long a claim on an event stays another worker's before anyone may take it over.
    notification_claim_seconds: float = Field(default=30.0, gt=0)

    smtp_url: str | None = None
    mail_from: str = "shop <no-reply@shop.local>"
    admin_alert_email: str | None = None
    admin_email: str | None = None

    def database_url(self) -> str:
        return self.notification_db_uri or self.sqlite_url("notifications")

    @property
    def alert_recipient(self) -> str | None:
        """Who hears about low stock: ADMIN_ALERT_EMAIL, else ADMIN_EMAIL."""
        return self.admin_alert_email or self.admin_email or None

    @property
    def mail_dir(self) -> str:
        return str(self.data_dir / "mail")
