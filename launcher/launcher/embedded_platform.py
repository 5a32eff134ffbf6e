"""The embedded platform (what `make run` starts without server URLs) inside a test process, with
the surface of `launcher.cluster.Cluster`, so the same journeys run against both modes: one
process, SQLite files, the local broker and the journaled Redis stand-in, on a fresh var folder
and free ports. `run_job` runs a scheduled job with a given time, as a CronJob run of
`python -m <service>.jobs ... --now ISO` would (the embedded Redis is in this process, so a job
process of its own could not share it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from waitress.server import create_server

from crmkit import testing
from crmkit.jobs import parse_now, report
from gateway.serve import WAITRESS_OPTIONS
from launcher import declarations
from launcher.cluster import free_port
from launcher.config import LaunchConfig
from launcher.main import Platform


@dataclass
class EmbeddedPlatform:
    workdir: Path
    extra_env: dict = field(default_factory=dict)
    mode: str = "embedded"
    gateway_url: str = ""
    databases: dict[str, str] = field(default_factory=dict)

    def start(self) -> EmbeddedPlatform:
        # The embedded gateway reads its limits from the environment, as `make run` does.
        os.environ.update(self.extra_env)
        http_port = free_port()
        services = declarations.load()
        self.cfg = LaunchConfig(
            var_dir=self.workdir,
            http_host="127.0.0.1",
            http_port=http_port,
            grpc_ports={s: free_port() for s in services},
            sms_port=free_port(),
            database_url=None,
            amqp_url=None,
            redis_url=None,
            redis_prefix="crm:",
            seed_demo=False,
        )
        self.platform = Platform(self.cfg)
        self.platform.start_services()
        app = self.platform.gateway_app()
        self.http = create_server(app, host="127.0.0.1", port=http_port, threads=16, **WAITRESS_OPTIONS)
        self._http_thread = threading.Thread(target=self._serve, name="embedded-http", daemon=True)
        self._http_thread.start()
        self.gateway_url = f"http://127.0.0.1:{http_port}"
        self.databases = {s: self.cfg.database_for(s) for s in services}
        return self

    def _serve(self) -> None:
        try:
            self.http.run()
        except OSError:
            pass  # closed by stop()

    @property
    def sms_server(self):
        return self.platform.sms_server

    @property
    def fakes(self) -> dict:
        """The running {fake:<module>} stand-ins, by module (as the cluster's)."""
        return self.platform.fakes

    @property
    def private_key(self) -> str:
        """The token signing key (tests forge expired tokens with it, as the cluster's)."""
        return self.platform.private_key

    def grpc_address(self, service: str) -> str:
        return f"127.0.0.1:{self.cfg.grpc_ports[service]}"

    def execute(self, service: str, statement: str, params: dict) -> int:
        """Run one SQL statement on a service's database (a test moving time, e.g. a trial's
        end); answers the rows it changed."""
        return testing.execute_sql(self.databases[service], statement, params)

    def run_job(self, service: str, job: str, *args: str) -> subprocess.CompletedProcess:
        parser = argparse.ArgumentParser(prog=f"{service}.jobs {job}")
        parser.add_argument("--now")
        try:
            at = parse_now(parser.parse_args(args).now)
        except (ValueError, argparse.ArgumentTypeError) as exc:
            # What the job's own command answers (argparse's usage error).
            return subprocess.CompletedProcess([service, job, *args], 2, "", f"--now: {exc}\n")
        result = self.platform.scheduled_jobs()[(service, job)](at)
        return subprocess.CompletedProcess([service, job, *args], 0, report(job, at, result) + "\n", "")

    @contextmanager
    def stopped(self, service: str) -> Iterator[None]:
        """The service's gRPC server down for the block (its peers see it unreachable)."""
        self.platform.stop_server(service)
        try:
            yield
        finally:
            self.platform.start_server(service)
            self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        """Until the gateway's readiness probe reaches every peer again (gRPC channels that saw a
        peer go away reconnect with a back-off)."""
        deadline = time.monotonic() + timeout
        while requests.get(f"{self.gateway_url}/readyz", timeout=2).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the embedded platform is not ready")
            time.sleep(0.2)

    def logs(self) -> str:
        return "(embedded platform: its log lines are in the test's captured log output)"

    def stop(self) -> None:
        self.http.close()
        self.platform.stop()
