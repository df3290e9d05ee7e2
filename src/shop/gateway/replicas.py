"""Replicas of one upstream service: who is busy, who is out, and which one takes the next call.

The balancer's per-replica state lives here and nowhere else, so the proxy (passive
ejection), the replica probe and a readiness check can all read and move it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass


def split_replicas(value: str) -> list[str]:
    """'http://a:1, http://b:1/' -> ['http://a:1', 'http://b:1']: the contract's list form."""
    urls = [part.strip().rstrip("/") for part in value.split(",")]
    return [url for url in urls if url]


@dataclass(slots=True, eq=False)
class Replica:
    url: str
    outstanding: int = 0  # requests sent and not answered yet
    ejected_until: float = 0.0  # monotonic time; 0 means in rotation


class ReplicaSet:
    """Least outstanding requests first; ties go round robin; ejected replicas sit out."""

    def __init__(
        self,
        service: str,
        urls: Sequence[str],
        *,
        eject_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError(f"{service}: at least one replica URL is required")
        self.service = service
        self.replicas = [Replica(url) for url in urls]
        self.eject_seconds = eject_seconds
        self._clock = clock
        self._turn = 0

    def pick(self, exclude: Collection[Replica] = ()) -> Replica | None:
        """The replica for the next request, or None when every one is excluded.

        When every candidate is ejected, the one whose ejection ends first still gets the
        request: with no replica known good, trying one beats refusing outright.
        """
        replicas = self.replicas
        if len(replicas) == 1:
            only = replicas[0]
            return None if only in exclude else only
        now = self._clock()
        self._turn = (self._turn + 1) % len(replicas)
        best: Replica | None = None
        fallback: Replica | None = None
        for i in range(len(replicas)):
            replica = replicas[(self._turn + i) % len(replicas)]
            if replica in exclude:
                continue
            if replica.ejected_until > now:
                if fallback is None or replica.ejected_until < fallback.ejected_until:
                    fallback = replica
            elif best is None or replica.outstanding < best.outstanding:
                best = replica
        return best or fallback

    def eject(self, replica: Replica, seconds: float | None = None) -> None:
        """Takes a replica out of rotation for a while (it refused, or failed readiness)."""
        replica.ejected_until = self._clock() + (self.eject_seconds if seconds is None else seconds)

    def restore(self, replica: Replica) -> None:
        """Puts a replica back into rotation (it answered its readiness check)."""
        replica.ejected_until = 0.0

    def available(self) -> list[Replica]:
        """The replicas in rotation now."""
        now = self._clock()
        return [r for r in self.replicas if r.ejected_until <= now]

    def lease(self, replica: Replica) -> Lease:
        """Counts a request as outstanding on the replica while it runs."""
        return Lease(replica)


class Lease:
    """`with lease:` counts one request on its replica (a class: this is on every request,
    and a generator-based context manager costs several times more)."""

    __slots__ = ("replica",)

    def __init__(self, replica: Replica) -> None:
        self.replica = replica

    def __enter__(self) -> Replica:
        self.replica.outstanding += 1
        return self.replica

    def __exit__(self, *exc_info: object) -> None:
        self.replica.outstanding -= 1
