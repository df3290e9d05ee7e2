# The two commands that matter: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
UV ?= uv
PYTEST := $(UV) run --frozen pytest

# Embedded defaults for a fresh clone: SQLite under ./var, demo data, a local admin.
# Every variable here can be overridden from the environment (CONTRACT.md lists them).
export SEED_DEMO_DATA ?= 1
export ADMIN_EMAIL ?= admin@shop.local
export ADMIN_PASSWORD ?= admin-password-123

.PHONY: help install run test test-unit test-integration test-e2e test-browser test-containers \
        lint format typecheck protos check-protos check bench deploy-check clean fuzz chaos

help:
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

install: ## Install the locked dependencies into .venv
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv >/dev/null 2>&1 || true
	@command -v $(UV) >/dev/null || { echo "make: uv is not installed and pip could not \
	install it: see https://docs.astral.sh/uv/getting-started/installation/ , then run make again" >&2; exit 1; }
	$(UV) sync --frozen

run: install ## Migrate, seed and run every process in the foreground (Ctrl-C stops all)
	$(UV) run --frozen python -m shop.launcher

test: install ## Run every test: unit, integration, end-to-end, containers
	$(PYTEST) tests/unit tests/integration tests/e2e
	$(MAKE) --no-print-directory test-containers

test-unit: install ## Unit tests (no I/O)
	$(PYTEST) tests/unit

test-integration: install ## Integration tests (real databases and broker)
	$(PYTEST) tests/integration

test-e2e: install ## End-to-end tests (real processes through the gateway)
	$(PYTEST) tests/e2e

test-browser: install ## Browser tests of the storefront and admin console (Debian's chromium)
	$(PYTEST) tests/e2e/browser

# podman (with runc and debootstrap; .ci/run installs them) builds the Dockerfile on local
# stand-ins for its base images and runs every process from the image, as deployed.
test-containers: install ## Build the image and run the platform in containers (podman, root)
	$(UV) run --frozen python -m tests.containers.base_images
	$(PYTEST) --timeout=600 tests/containers

fuzz: install ## Long schemathesis run through the gateway (FUZZ_EXAMPLES per operation); prints counts
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-60} $(PYTEST) tests/e2e/test_gateway_fuzz.py -s --timeout=3000

chaos: install ## Ten-minute run under load with random kills, cuts and stalls; prints the invariants table
	$(UV) run --frozen python -m tests.chaos --duration $${CHAOS_SECONDS:-420}

lint: install ## ruff lint and format check
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench

format: install
	$(UV) run --frozen ruff check --fix src tests bench
	$(UV) run --frozen ruff format src tests bench

typecheck: install ## mypy --strict over src, tests and bench (pyproject's [tool.mypy] files)
	$(UV) run --frozen mypy

protos: install ## Regenerate the gRPC stubs from proto/
	bash scripts/gen_protos.sh

check-protos: protos ## Fail when the committed stubs differ from what proto/ generates
	@git diff --exit-code --stat -- src/shop/protos \
	  && test -z "$$(git status --porcelain -- src/shop/protos)" \
	  || (echo "generated stubs are stale: run 'make protos' and commit" && exit 1)

check: lint typecheck check-protos ## Static checks CI runs before the tests

bench: install ## Run the benchmarks against a platform started here
	$(UV) run --frozen python -m bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
