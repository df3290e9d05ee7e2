"""The product service's settings (read once at start-up)."""

from __future__ import annotations

from pydantic import Field

from shop.common.settings import CommonSettings


class ProductSettings(CommonSettings):
    """Common settings plus the product service's ports, store and inventory knobs."""

    product_service_port: int = 3002
    product_service_grpc_port: int = 50051
    # MONGODB_URI wins when set; else PRODUCT_SQL_URI; else the embedded SQLite file
    # (a blank variable counts as unset: CommonSettings ignores empty values).
    mongodb_uri: str | None = None
    product_sql_uri: str | None = None
    reservation_ttl_seconds: int = Field(default=900, gt=0)
    reservation_sweep_seconds: float = Field(default=5.0, gt=0)
    seed_demo_data: bool = False

    def sql_url(self) -> str:
        """The SQL store's URL: PRODUCT_SQL_URI, else DATA_DIR/products.db."""
        return self.product_sql_uri or self.sqlite_url("products")
