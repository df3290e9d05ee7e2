from shop.common.migrations import run_env
from shop.users.store.models import metadata

run_env(metadata)
