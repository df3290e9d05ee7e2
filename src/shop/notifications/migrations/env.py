from shop.common.migrations import run_env
from shop.notifications.models import metadata

run_env(metadata)
