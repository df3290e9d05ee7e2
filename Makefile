# The two commands that matter: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
UV ?= uv
PYTEST := $(UV) run --frozen pytest

# Embedded defaults for a fresh clone: SQLite under ./var, demo data, a local admin.
# Every variable here can be overridden from the environment (CONTRACT.md lists them).
export SEED_DEMO_DATA ?= 1
export ADMIN_EMAIL ?= admin@shop.local
export ADMIN_PASSWORD ?= admin-password-123

.PHONY: help install run test test-unit test-integration test-e2e lint format typecheck \
        protos check-protos check bench deploy-check clean fuzz chaos

help:
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

install: ## Install the locked dependencies into .venv
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv
	$(UV) sync --frozen

run: install ## Migrate, seed and run every process in the foreground (Ctrl-C stops all)
	$(UV) run --frozen python -m shop.launcher

test: install ## Run every test: unit, integration, end-to-end
	$(PYTEST) tests/unit tests/integration tests/e2e

test-unit: install ## Unit tests (no I/O)
	$(PYTEST) tests/unit

test-integration: install ## Integration tests (real databases and broker)
	$(PYTEST) tests/integration

test-e2e: install ## End-to-end tests (real processes through the gateway)
	$(PYTEST) tests/e2e

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

typecheck: install ## mypy --strict over the source tree
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
