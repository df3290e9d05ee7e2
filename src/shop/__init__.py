"""The shop platform: every service, the gateway, the launcher and the CLI."""

import os

# Here because grpc's core reads GRPC_EXPERIMENTS once, when grpc is imported, and every
# process of ours imports this package before grpc. The EventEngine TCP client and
# listener do each read and write on the engine's threads, which then wake grpc.aio's
# completion-queue thread, which wakes the event loop; iomgr's endpoints (the same
# transport, the same channel and server behaviour) do the I/O on the completion-queue
# thread itself: half the context switches and a third to a half less system time per
# unary call; CPU per call, with one to four calls in flight, 10-28% less on the client
# and 4-24% on the server; with 16, 5-11% and 2-7% (bench.grpc_env_cpu, bench/README.md
# "gRPC per call"). An operator's own value wins.
os.environ.setdefault("GRPC_EXPERIMENTS", "-event_engine_client,-event_engine_listener")
