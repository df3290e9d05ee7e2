"""The image itself: who it runs as, what it leaves out, how big it is, what it can run."""

from __future__ import annotations

import json
import secrets
import textwrap
import time

import httpx

from tests.containers.conftest import RUN_ID, BuiltImage
from tests.containers.deployment import compose_commands, deployed, k8s_commands
from tests.containers.local_env import compose_variables
from tests.containers.platform import run_flags
from tests.containers.podman import inspect, podman
from tests.support.ports import free_port

# The stand-in base (a Debian root with python3) is ~180 MB, the venv ~200 MB. Past this,
# something that does not belong in a runtime image got in.
MAX_IMAGE_BYTES = 500_000_000
BUILD_TOOLS = ("cc", "gcc", "g++", "c++", "clang", "ld", "make", "uv", "uvx")


def in_image(image: BuiltImage, script: str, *args: str) -> str:
    """Runs a Python script in the image as deployed (read-only, no capabilities, no network)."""
    gateway = deployed("gateway", compose_variables())
    return podman(
        *("run", "--rm", "--network=none", *run_flags(gateway, {})),
        *(image.tag, "python", "-c", textwrap.dedent(script), *args),
    ).stdout


def test_runs_as_uid_10001_by_default(image: BuiltImage) -> None:
    assert inspect("image", image.tag)["Config"]["User"] == "10001:10001"
    # No --user here: the image's own default, as `docker run shop` gets it.
    ids = podman("run", "--rm", "--network=none", image.tag, "id", "-u").stdout.split()
    assert ids == ["10001"]


def test_the_runtime_stage_has_no_compiler_no_uv_and_no_source_tree(image: BuiltImage) -> None:
    found = json.loads(
        in_image(
            image,
            f"""
            import json, os, shutil
            tools = [t for t in {BUILD_TOOLS!r} if shutil.which(t)]
            paths = ("/usr/local/bin/uv", "/src", "/root/.cache/uv")
            paths = [p for p in paths if os.path.exists(p)]
            print(json.dumps(tools + paths))
            """,
        )
    )
    assert found == []


def test_image_size_stays_modest(image: BuiltImage) -> None:
    assert image.size_bytes < MAX_IMAGE_BYTES, f"{image.size_bytes / 1e6:.0f} MB"


def test_every_deployed_command_exists_in_the_image(image: BuiltImage) -> None:
    """compose's commands and health checks, the Deployments' commands and preStop hooks."""
    commands = compose_commands(compose_variables())
    for name, found in k8s_commands().items():
        commands.setdefault(name, []).extend(found)
    pairs = [[name, argv] for name, found in sorted(commands.items()) for argv in found]
    assert len(pairs) >= 2 * len(commands)
    missing = in_image(
        image,
        """
        import importlib.util, json, shutil, sys
        missing = []
        for name, argv in json.loads(sys.argv[1]):
            if shutil.which(argv[0]) is None:
                missing.append([name, argv, "not on PATH"])
            elif argv[0].startswith("python") and argv[1] == "-m":
                spec = importlib.util.find_spec(argv[2])
                main = argv[2] + ".__main__"
                package = spec is not None and spec.submodule_search_locations
                if spec is None or (package and not importlib.util.find_spec(main)):
                    missing.append([name, argv, "no such module"])
            elif argv[0].startswith("python") and argv[1] == "-c":
                compile(argv[2], name, "exec")
        print(json.dumps(missing))
        """,
        json.dumps(pairs),
    )
    assert json.loads(missing) == []


def test_a_process_as_pid_1_stops_cleanly_on_sigterm(image: BuiltImage) -> None:
    """Kubernetes runs no init: the process is PID 1, which ignores unhandled signals."""
    gateway = deployed("gateway", compose_variables())
    flags = [f for f in run_flags(gateway, {}) if f != "--init"]
    port = free_port()
    name = f"shop-containers-{RUN_ID}-pid1"
    env = {
        "SHOP_ENV": "production",
        "GATEWAY_PORT": str(port),
        "JWT_SECRET": secrets.token_hex(32),
        "GATEWAY_SECRET": secrets.token_hex(16),
    }
    podman(
        *("run", "--detach", f"--name={name}", "--network=host", *flags),
        *(f"--env={key}" for key in env),
        *(image.tag, *gateway.command),
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        pid_1 = podman("exec", name, "cat", "/proc/1/cmdline").stdout.split("\0")
        assert pid_1[:3] == gateway.command
        sent = time.monotonic()
        podman("kill", "--signal=TERM", name)
        code = podman("wait", name, timeout=gateway.grace_seconds).stdout.strip()
        assert (code, time.monotonic() - sent < gateway.grace_seconds) == ("0", True)
    finally:
        podman("rm", "--force", "--time=0", name, check=False)
