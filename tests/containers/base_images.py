"""Stand-ins for the Dockerfile's base images, made on this machine.

Users build the image from the official `python:3.11-slim-bookworm` and
`ghcr.io/astral-sh/uv` images, pulled from their registries. No image registry is reachable
here, so the container test makes images under the same names: a Debian root made with
debootstrap from the mirror apt uses (with Debian's python3 and this machine's CA bundle, as
outbound TLS here is re-signed by a local authority), and the uv binary of the exact version
the Dockerfile pins, from its PyPI wheel. They stay in podman's storage between runs and are
made again only when missing.

    uv run python -m tests.containers.base_images    (`make test-containers` runs it first)
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.containers.podman import image_exists, inspect, podman
from tests.support.dockerfile import parse_dockerfile

STAND_IN_LABEL = "org.shop.stand-in"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
APT_SOURCES = Path("/etc/apt")
LOCK_FILE = Path(tempfile.gettempdir()) / "shop-container-base-images.lock"
DEBIAN_PACKAGES = "python3,python3-venv,ca-certificates"


def full_name(reference: str) -> str:
    """The name podman stores an image under: short Docker Hub names get docker.io/library/."""
    first, _, rest = reference.partition("/")
    if not rest:
        return f"docker.io/library/{reference}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{reference}"
    return reference


def base_references() -> list[str]:
    """The external images the Dockerfile builds FROM (stage names excluded)."""
    _, stages = parse_dockerfile()
    names = {stage.name for stage in stages if stage.name}
    return sorted({full_name(s.base) for s in stages if s.base not in names})


def debian_mirror() -> str:
    """The Debian archive apt is configured with (sources.list or deb822 .sources)."""
    files = [APT_SOURCES / "sources.list", *sorted((APT_SOURCES / "sources.list.d").glob("*"))]
    for path in files:
        if not path.is_file() or path.suffix not in (".list", ".sources", ""):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        one_line: list[str] = re.findall(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+\S+", text, re.M)
        deb822: list[str] = re.findall(r"^URIs:\s*(\S+)", text, re.M)
        for uri in one_line + deb822:
            if re.search(r"/debian/?$", uri):
                return uri.rstrip("/")
    raise SystemExit("no Debian mirror found in /etc/apt/sources.list(.d): cannot debootstrap")


def _import(root: Path, reference: str, *changes: str) -> None:
    """Turns a directory into an image, as `podman import` of its tarball."""
    args = [f"--change={c}" for c in (f"LABEL {STAND_IN_LABEL}=true", *changes)]
    tar = subprocess.Popen(
        ["tar", "--numeric-owner", "-C", str(root), "-c", "."], stdout=subprocess.PIPE
    )
    try:
        podman("import", "--quiet", *args, "-", reference, stdin=tar.stdout, timeout=600)
    finally:
        assert tar.stdout is not None
        tar.stdout.close()
        tar.wait()


def make_python_base(reference: str, suite: str, work: Path) -> None:
    """Debian `suite` with its python3 (3.11 on bookworm), as python:3.11-slim-<suite>."""
    if os.geteuid() != 0:
        raise SystemExit("debootstrap needs root: run `make test-containers` as root (CI does)")
    root, log = work / "rootfs", work / "debootstrap.log"
    command = ["debootstrap", "--variant=minbase", f"--include={DEBIAN_PACKAGES}", suite]
    with log.open("wb") as out:
        done = subprocess.run(
            [*command, str(root), debian_mirror()], stdout=out, stderr=subprocess.STDOUT
        )
    if done.returncode != 0:
        raise SystemExit(f"debootstrap failed:\n{log.read_text(errors='replace')[-3000:]}")
    (root / "etc/ssl/certs/ca-certificates.crt").write_bytes(CA_BUNDLE.read_bytes())
    # What the official slim images leave out too: downloaded packages and package lists.
    subprocess.run(["sh", "-c", f"rm -rf {root}/var/cache/apt/* {root}/var/lib/apt/lists/*"])
    _import(
        root,
        reference,
        f"ENV SSL_CERT_FILE={CA_BUNDLE}",
        "ENV LANG=C.UTF-8",
        'CMD ["python3"]',
    )


def make_uv_base(reference: str, version: str, work: Path) -> None:
    """/uv and /uvx of uv `version`, from its PyPI wheel, as the official image lays them out."""
    target = work / "uv"
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "--no-deps", "--target", str(target), f"uv=={version}"],
        check=True,
    )
    root = work / "uvroot"
    root.mkdir()
    for tool in ("uv", "uvx"):
        (root / tool).write_bytes((target / "bin" / tool).read_bytes())
        (root / tool).chmod(0o755)
    _import(root, reference, 'ENTRYPOINT ["/uv"]')


def make(reference: str, work: Path) -> None:
    if match := re.fullmatch(r"docker\.io/library/python:3\.11-slim-(\w+)", reference):
        make_python_base(reference, match.group(1), work)
    elif match := re.fullmatch(r"ghcr\.io/astral-sh/uv:([\w.]+)", reference):
        make_uv_base(reference, match.group(1), work)
    else:
        raise SystemExit(f"no stand-in is known for the base image {reference}")


@contextmanager
def _exclusive() -> Iterator[None]:
    # Several test runs may share this machine: one makes the images, the others wait.
    with LOCK_FILE.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_base_images(*, say: bool = True) -> list[str]:
    """Makes each missing base image; returns the ones made now."""
    made: list[str] = []
    with _exclusive():
        for reference in base_references():
            if image_exists(reference):
                continue
            if say:
                print(f"making a stand-in for {reference} ...", flush=True)
            started = time.monotonic()
            with tempfile.TemporaryDirectory(prefix="shop-base-", dir="/var/tmp") as work:
                make(reference, Path(work))
            made.append(reference)
            if say:
                print(f"  made in {time.monotonic() - started:.0f} s", flush=True)
    return made


def main() -> None:
    if missing := [t for t in ("podman", "runc", "debootstrap") if shutil.which(t) is None]:
        raise SystemExit(
            f"make test-containers needs {', '.join(missing)}: "
            "apt-get install podman runc catatonit debootstrap (.ci/run does it)"
        )
    references = base_references()
    print(
        "Container test base images: "
        + ", ".join(references)
        + ". These are local stand-ins made on this machine (no image registry is reachable"
        " here); users build from the official images, which docker/podman pull as usual.",
        flush=True,
    )
    made = ensure_base_images()
    for reference in references:
        if reference not in made:
            labels = inspect("image", reference)["Config"].get("Labels") or {}
            kind = "a stand-in made earlier" if STAND_IN_LABEL in labels else "not a stand-in"
            print(f"  {reference}: in podman's storage ({kind})", flush=True)


if __name__ == "__main__":
    main()
