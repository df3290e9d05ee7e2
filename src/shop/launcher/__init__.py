"""Starts every process of the platform and supervises them: `make run` and the e2e tests.

Not a service: it only spawns `python -m shop.<service>` children with the contract's env,
waits until each answers /health, and stops them all on SIGINT/SIGTERM.
"""
