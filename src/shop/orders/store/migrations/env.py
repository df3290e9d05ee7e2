from shop.common.migrations import run_env
from shop.orders.store.models import metadata

run_env(metadata)
