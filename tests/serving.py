"""A real ``ibp serve`` in a subprocess on a free loopback port, for tests and benchmarks.

It starts the command a user runs, reads the sign-in URL it prints (the
port is chosen by the system: ``--port 0``), and waits until ``/health``
answers. Requests go over plain loopback HTTP with the standard library's
``http.client`` (one keep-alive connection per client thread).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

URL_LINE = re.compile(r"(http://127\.0\.0\.1:(\d+))/login\?token=(\S+)")


class Server:
    """``ibp serve --port 0`` running until :meth:`stop` (or the ``with`` block ends)."""

    def __init__(self, data: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60.0) -> None:
        self.data = data
        self._logs: str | None = None
        command = [sys.executable, "-m", "ibp_rules.cli.main", "serve", "--port", "0", "--data", str(data), *args]
        # run outside the checkout, so ``-m`` imports the installed package, not the source folder
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})}, cwd=Path(data).parent)
        self.started = time.perf_counter()
        deadline = time.monotonic() + timeout
        self.banner: list[str] = []
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"ibp serve exited before printing its URL: {self.stop()}")
            self.banner.append(line)
            match = URL_LINE.search(line)
            if match:
                self.base, self.port, self.token = match.group(1), int(match.group(2)), match.group(3)
                break
            if time.monotonic() > deadline:
                raise RuntimeError("ibp serve printed no URL in time")
        while True:
            try:
                if self.request("GET", "/health", auth=False)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"ibp serve never answered /health: {self.stop()}")
            time.sleep(0.02)
        self.ready_seconds = time.perf_counter() - self.started
        # read the log as it comes: a full pipe would block the server's next log line
        self._stderr: list[str] = []
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def connection(self) -> http.client.HTTPConnection:
        """A keep-alive connection with TCP_NODELAY (http.client sends a body
        apart from its headers; without it each POST waits ~40 ms for an ACK)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.connect()
        assert conn.sock is not None
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def request(self, method: str, path: str, body: Any = None, conn: http.client.HTTPConnection | None = None,
                auth: bool = True, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body); ``body`` as bytes or as data sent as JSON."""
        own = conn is None
        conn = conn or self.connection()
        sent_headers = dict(headers or {})
        if auth:
            sent_headers["Authorization"] = f"Bearer {self.token}"
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            sent_headers.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=body, headers=sent_headers)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            if own:
                conn.close()

    def rss_kib(self) -> int:
        """The server process's resident memory (Linux)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def kill(self) -> None:
        """SIGKILL: no chance to clean up (what a crash or a power cut looks like to the store)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> str:
        """Stop gracefully (SIGTERM); returns what the server wrote to standard error."""
        if self._logs is not None:
            return self._logs
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if hasattr(self, "_drain"):
            self._drain.join(timeout=10)
            err = "".join(self._stderr)
        else:
            err = self.proc.stderr.read() if self.proc.stderr else ""
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        self._logs = err
        return err

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
