#!/usr/bin/env bash
# Regenerates the Python gRPC stubs (and mypy-protobuf .pyi) from proto/ into src/shop/protos.
# The generated package is the only place services share code for talking to each other.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/shop/protos
rm -rf "$out"
mkdir -p "$out"
protos=$(find proto -name '*.proto' | sort)
uv run --frozen python -m grpc_tools.protoc -I proto \
  --python_out="$out" --grpc_python_out="$out" \
  --mypy_out="$out" --mypy_grpc_out="$out" $protos
# protoc writes absolute imports rooted at proto/ ("from shop.user.v1 import ..."); root
# them under shop.protos instead so the stubs live inside our one package.
find "$out" -name '*.py' -o -name '*.pyi' | xargs sed -i -E \
  's/^from shop\.(user|product|order)\.v1 import/from shop.protos.shop.\1.v1 import/'
find "$out" -type d -exec touch {}/__init__.py \;
