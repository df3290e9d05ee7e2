"""Programs the benchmarks run from the system's packages (wrk, nginx): found where they
are, or installed from Debian's packages when we may (root with apt-get)."""

from __future__ import annotations

import os
import shutil
import subprocess

# Debian puts daemons such as nginx in /usr/sbin, which a user's PATH may leave out.
_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"])


def find_or_install(program: str, package: str) -> str | None:
    """The path of `program`, installing `package` first when it is missing and we may;
    None when it is still not there."""
    found = shutil.which(program, path=_PATH)
    if found is None and shutil.which("apt-get") is not None and os.geteuid() == 0:
        print(f"{program} not found: installing the Debian package (apt-get install {package})",
              flush=True)  # fmt: skip
        subprocess.run(["apt-get", "install", "-y", "-q", package], check=False)
        found = shutil.which(program, path=_PATH)
    return found
