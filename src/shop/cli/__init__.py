"""The `shop` command: operator conveniences that talk to a running platform over HTTP."""
