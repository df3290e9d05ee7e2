from shop.common.migrations import run_env
from shop.notifications.store.models import metadata

run_env(metadata)
