from shop.common.migrations import run_env
from shop.products.models import metadata

run_env(metadata)
