"""Placing an order: the command (request.py), the peer checks that price it (checks.py),
the saga from PENDING to CONFIRMED or FAILED (saga.py) and idempotent replays (replay.py)."""
