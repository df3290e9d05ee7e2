"""Benchmarks of the platform."""

# Before any bench imports grpc: shop sets the grpc settings the services run with.
import shop  # noqa: F401
