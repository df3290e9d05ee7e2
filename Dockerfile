# syntax=docker/dockerfile:1.7
# One image for every process of the platform; the command picks the process:
#   docker run shop                                    -> python -m shop.gateway (default)
#   docker run shop python -m shop.users               -> the user service, and so on.
# Build from the repository root: docker build -t shop .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_VERSION=0.13.9

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# ---- build: resolve exactly what uv.lock says, no dev dependencies -------------------------
FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
# Bytecode compiled at build time, because the runtime root filesystem is read-only.
# Copy (not hard-link) from the cache mount so the venv is self-contained.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Dependencies first (their layer survives source edits), then the project itself as a
# regular (non-editable) install, so the runtime needs nothing from /src.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY src ./src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# ---- runtime: the interpreter, the venv, a non-root user --------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# /data is sticky and world-writable, like /tmp: a tmpfs mounted over it (compose's `tmpfs:`)
# takes this directory's mode but not its owner, so 0755 would leave it root's only.
RUN groupadd --system --gid 10001 shop \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin shop \
 && mkdir -p /data \
 && chown 10001:10001 /data \
 && chmod 1777 /data
# Owned by root and not writable by the process user: the code cannot be changed at runtime.
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SHOP_ENV=production \
    DATA_DIR=/data
WORKDIR /app
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
# REST: gateway 3000, users 3001, products 3002, orders 3003; gRPC: products 50051,
# orders 50052, users 50053. Each process listens on its own subset.
EXPOSE 3000 3001 3002 3003 3005 50051 50052 50053
STOPSIGNAL SIGTERM
CMD ["python", "-m", "shop.gateway"]
