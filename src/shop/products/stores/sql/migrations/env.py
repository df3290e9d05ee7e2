from shop.common.migrations import run_env
from shop.products.stores.sql.models import metadata

run_env(metadata)
