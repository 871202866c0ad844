"""Real app servers for tests: gunicorn with the project's config, on a free loopback port."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen | None = None) -> None:
    """Wait until something accepts connections on the port (or the server exits)."""
    for _ in range(200):
        if server is not None and server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}: {server.communicate()[1]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listened on {port}")


@contextmanager
def gunicorn(env: dict[str, str], *args: str, app: str = "wsgi:app") -> Iterator[tuple[int, list[str]]]:
    """Run gunicorn with gunicorn.conf.py and these environment variables; yield its port, and after
    the block the lines it wrote to stderr (filled in when it has stopped)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", *args, app],
        cwd=ROOT, env=os.environ | env, stderr=subprocess.PIPE, text=True,
    )
    log: list[str] = []
    try:
        wait_for(port, server)
        yield port, log
    finally:
        server.terminate()
        log.extend(server.communicate(timeout=30)[1].splitlines())
