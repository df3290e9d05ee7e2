"""Programs the benchmarks run from the system's packages (wrk, nginx): found where they
are, or installed from Debian's packages when we may (root with apt-get)."""

from __future__ import annotations

import os
import shutil
import subprocess


def find_or_install(program: str, package: str, *, also_in: str | None = None) -> str | None:
    """The path of `program` on PATH (as it is now) or in the folder `also_in`, installing
    `package` first when it is missing and we may; None when it is still not there."""
    found = _which(program, also_in)
    if found is None and shutil.which("apt-get") is not None and os.geteuid() == 0:
        print(f"{program} not found: installing the Debian package (apt-get install {package})",
              flush=True)  # fmt: skip
        subprocess.run(["apt-get", "install", "-y", "-q", package], check=False)
        found = _which(program, also_in)
    return found


def _which(program: str, also_in: str | None) -> str | None:
    found = shutil.which(program)
    if found is None and also_in is not None:
        found = shutil.which(program, path=also_in)
    return found
