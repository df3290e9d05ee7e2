"""`python -m tests.chaos`: the platform under steady load while processes are killed,
the broker and a database are cut and a gRPC peer stalls; then the invariants are checked."""
