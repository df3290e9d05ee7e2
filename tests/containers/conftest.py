"""The image, built once per run from the unchanged Dockerfile, and the platform run from it."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shop.launcher.specs import SERVICES
from tests.containers.base_images import ensure_base_images
from tests.containers.deployment import Deployed, deployed
from tests.containers.local_env import Stores, allocate_ports, compose_variables, local_env
from tests.containers.platform import ContainerPlatform
from tests.containers.podman import inspect, missing_tools, podman
from tests.support.databases import RABBITMQ_URL, REDIS_URL, platform_databases
from tests.support.deploy_files import DOCKERFILE, ROOT

# Names of this run's image, containers, volumes, queue: other runs share this machine.
RUN_ID = uuid.uuid4().hex[:8]
IMAGE_LABEL = "org.shop.containers-test"
_REPORT: list[str] = []


def report(line: str) -> None:
    """A figure for the end of the run (image size, build and start-up times)."""
    _REPORT.append(line)


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    build_seconds: float
    size_bytes: int


@dataclass(frozen=True)
class Running:
    platform: ContainerPlatform
    compose_variables: dict[str, str]
    admin: tuple[str, str]

    @property
    def gateway(self) -> str:
        return self.platform.rest_url("gateway")


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltImage]:
    """`podman build` of the repository's Dockerfile, as it is, on the stand-in bases."""
    if missing := missing_tools():
        pytest.fail(f"not installed: {', '.join(missing)} (.ci/run installs them)")
    ensure_base_images(say=False)  # `make test-containers` made them already
    tag = f"localhost/shop:containers-{RUN_ID}"
    # Earlier runs' images stay an hour as the build cache (untagged), then go.
    podman("image", "prune", "--force", f"--filter=label={IMAGE_LABEL}", "--filter=until=1h")
    log: Path = tmp_path_factory.mktemp("build") / "build.log"
    started = time.monotonic()
    # --pull=never: the bases are the local stand-ins; host network: uv reaches PyPI.
    build = podman(
        *("build", "--pull=never", "--network=host", f"--tag={tag}", f"--label={IMAGE_LABEL}"),
        *("--file", str(DOCKERFILE), str(ROOT)),
        timeout=900,
        check=False,
    )
    log.write_text(build.stdout + build.stderr)
    assert build.returncode == 0, f"podman build failed:\n{log.read_text()[-4000:]}"
    built = BuiltImage(tag, time.monotonic() - started, int(inspect("image", tag)["Size"]))
    report(f"image {tag}: {built.size_bytes / 1e6:.0f} MB, built in {built.build_seconds:.0f} s")
    try:
        yield built
    finally:
        podman("untag", tag, check=False)


@pytest.fixture(scope="session")
def running(image: BuiltImage) -> Iterator[Running]:
    """Every process as a container, started in compose's dependency order."""
    with platform_databases("shop_containers") as databases:
        stores = Stores(
            databases.users, databases.products, databases.orders, RABBITMQ_URL, REDIS_URL
        )
        variables = compose_variables()
        processes = {name: deployed(name, variables) for name in SERVICES}
        ports = allocate_ports(list(processes))
        admin = (f"admin-{RUN_ID}@example.com", secrets.token_urlsafe(16))
        platform = ContainerPlatform(image=image.tag, run_id=RUN_ID, processes=processes)
        started = time.monotonic()
        try:
            for wave in _waves(processes):
                for name in wave:
                    env = local_env(
                        processes[name], ports=ports, stores=stores, run_id=RUN_ID, admin=admin
                    )
                    platform.start(name, env)
                for name in wave:
                    platform.wait_until_serving(name)
            report(
                f"all {len(processes)} processes serving in containers after "
                f"{time.monotonic() - started:.0f} s"
            )
            yield Running(platform, variables, admin)
        finally:
            platform.remove_all()


def _waves(processes: dict[str, Deployed]) -> list[list[str]]:
    """Start order: each process after the ones it depends_on (compose waits for healthy)."""
    waves: list[list[str]] = []
    done: set[str] = set()
    while len(done) < len(processes):
        wave = [n for n, p in processes.items() if n not in done and set(p.depends_on) <= done]
        assert wave, f"a dependency cycle in compose: {sorted(set(processes) - done)}"
        waves.append(wave)
        done.update(wave)
    return waves


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _REPORT:
        terminalreporter.write_line(f"containers: {line}")
