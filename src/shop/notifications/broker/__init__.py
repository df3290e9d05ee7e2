"""The broker side: the worker's queues, consuming them, and replaying dead letters."""
