"""Taking payment: the provider port (charges.py) and the mock provider (mock_provider.py)."""
