"""`make run` as its own process, for tests that need the platform exactly as a user starts it: the
browser journeys (H6, with the demo tenant) and the kill -9 checks (R2: started, killed in the
middle of work, started again on the same var folder)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from launcher import declarations
from launcher.cluster import free_port


class LauncherProcess:
    def __init__(self, var_dir: Path, *, demo: bool = False, env: dict | None = None):
        self.var_dir = var_dir
        self.demo = demo
        self.extra_env = env or {}
        self.http_port, self.sms_port = free_port(), free_port()
        # A block of consecutive free gRPC ports: the launcher numbers them from --grpc-base-port.
        # Not over the two above: they are free again until the launcher binds them, and the
        # launcher binds its gRPC ports first (the kernel hands out neighbouring ports).
        self.grpc_base = _free_block(declarations.port_span(declarations.load()), avoid={self.http_port, self.sms_port})
        self.proc: subprocess.Popen | None = None
        self.lines: list[str] = []
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        self.sms_url = f"http://127.0.0.1:{self.sms_port}"

    def start(self, timeout: float = 90) -> LauncherProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AMQP_URL", "REDIS_URL")}
        env.update(self.extra_env)
        args = ["--var-dir", str(self.var_dir), "--port", str(self.http_port)]
        if not self.demo:
            args.append("--no-demo")
        args += ["--grpc-base-port", str(self.grpc_base), "--sms-port", str(self.sms_port)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "launcher", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=lambda: self.lines.extend(iter(self.proc.stdout.readline, "")), daemon=True).start()
        deadline = time.monotonic() + timeout
        while not any("Stop with Ctrl-C" in line for line in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("launcher did not start:\n" + "".join(self.lines[-40:]))
            time.sleep(0.2)
        return self

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    @property
    def sms_server(self) -> FakeSmsInbox:
        return FakeSmsInbox(self.sms_url)


class FakeSmsInbox:
    """The launcher's fake SMS provider read over its test endpoint, as FakeSmsServer is read
    in-process: `messages(phone=...)`."""

    def __init__(self, url: str):
        self.url = url

    def messages(self, phone: str | None = None) -> list[dict]:
        params = {"phone": phone} if phone else {}
        return requests.get(f"{self.url}/_fake/messages", params=params, timeout=5).json()


def _free_block(size: int, *, avoid: set[int]) -> int:
    for _ in range(200):
        base = free_port()
        block = range(base, base + size)
        if base + size < 65000 and not avoid.intersection(block) and all(_port_free(port) for port in block):
            return base
    raise RuntimeError("no block of free ports")


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
