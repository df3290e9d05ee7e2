"""A channel over two real gRPC replicas: calls go to both, and to the survivor when one dies."""

from __future__ import annotations

from collections import Counter

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from shop.common.grpc_client import open_channel

# Each replica answers the same check differently, so the answer says who served it.
_WHO = "who"


async def _replica(
    status: health_pb2.HealthCheckResponse.ServingStatus.ValueType,
) -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    await servicer.set(_WHO, status)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


async def test_calls_spread_over_replicas_and_skip_a_dead_one() -> None:
    serving = health_pb2.HealthCheckResponse.SERVING
    first, first_port = await _replica(serving)
    second, second_port = await _replica(health_pb2.HealthCheckResponse.NOT_SERVING)
    channel = open_channel(f"127.0.0.1:{first_port},127.0.0.1:{second_port}", secret="s")
    stub = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest(service=_WHO)
    try:
        seen = Counter(
            [(await stub.Check(request, timeout=5, wait_for_ready=True)).status for _ in range(20)]
        )
        assert seen[serving] >= 5 and seen[health_pb2.HealthCheckResponse.NOT_SERVING] >= 5
        await first.stop(None)
        after = []
        for _ in range(10):
            try:
                after.append((await stub.Check(request, timeout=5)).status)
            except grpc.aio.AioRpcError as exc:  # at most a call racing the shutdown
                assert exc.code() == grpc.StatusCode.UNAVAILABLE
        assert len(after) >= 9 and set(after) == {health_pb2.HealthCheckResponse.NOT_SERVING}
    finally:
        await channel.close()
        await first.stop(None)
        await second.stop(None)
