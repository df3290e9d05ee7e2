"""The user and product services as seen from here: typed clients (clients.py) over calls
with a deadline, retries and a circuit breaker (calls.py, resilience.py)."""
