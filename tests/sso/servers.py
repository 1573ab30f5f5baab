"""Real identity servers for the single sign-on tests, started on 127.0.0.1
by the tests themselves: an OpenID Connect provider (node-oidc-provider, from
npm), a CAS server (django-cas-server in its own Django process) and an LDAP
directory (Debian's slapd). Each is skipped where it cannot run and required
under CI=true, where .ci/run installs them."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing(what: str) -> None:
    """Skip, or under CI (where .ci/run installs everything) fail."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs {what} (see .ci/run)")
    pytest.skip(f"{what} is not installed here")


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"the server stopped at once:\n{out}")
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}")


@contextlib.contextmanager
def running(command: list[str], port: int, *, env: dict[str, str] | None = None, cwd=None):
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def node() -> str:
    found = shutil.which("node")
    if not found or not (ROOT / "node_modules" / "oidc-provider").exists():
        missing("node and the npm package oidc-provider (npm ci)")
    return found
