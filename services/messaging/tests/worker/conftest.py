"""The worker tests start `python -m messaging.worker` as a real nameko process against a fresh
RabbitMQ vhost and a fresh PostgreSQL database. This pytest process is never eventlet-patched
(the fake identity gRPC server runs in it); `make test` runs this folder in its own invocation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import pika
import pytest
import redis
from messaging_testkit import fresh_database

from crmkit import testing
from crmkit.alerts import AlertFeed
from messaging.sms.fake_server import FakeSmsServer

QUEUE = "evt-customers-customer_registered--messaging.on_customer_registered"


def pytest_configure(config):
    config.addinivalue_line("markers", "worker: starts real nameko worker processes (own pytest run)")


class WorkerProcess:
    """One `python -m messaging.worker`, its log kept in a file for failure messages."""

    def __init__(self, env: dict[str, str], log_path):
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "messaging.worker"], env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def stop(self, sig=signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
            raise AssertionError(f"worker ignored {sig!r}:\n{self.log()}") from None
        finally:
            self._log.close()
            self.proc = None
        return code

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


class Broker:
    def __init__(self, vhost: str, url: str):
        self.vhost = vhost
        self.url = url

    def _channel_call(self, fn):
        conn = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            return fn(conn.channel())
        finally:
            conn.close()

    def queue_state(self, queue: str = QUEUE) -> tuple[int, int] | None:
        """(messages ready + unacknowledged, consumers) of the worker's queue; None before it exists."""
        try:
            out = subprocess.run(
                [
                    "rabbitmqctl",
                    "-q",
                    "list_queues",
                    "-p",
                    self.vhost,
                    "name",
                    "messages",
                    "consumers",
                    "--no-table-headers",
                ],
                check=True,
                capture_output=True,
                text=True,
                timeout=20,
            ).stdout
        except subprocess.SubprocessError:
            return None
        for line in out.splitlines():
            parts = line.split()
            if parts and parts[0] == queue:
                return int(parts[1]), int(parts[2])
        return None

    def publish(self, evt) -> None:
        self._channel_call(lambda channel: testing.publish_on(channel, evt))


@pytest.fixture
def broker():
    vhost, url = testing.create_vhost("messaging_worker")
    yield Broker(vhost, url)
    testing.delete_vhost(vhost)


@pytest.fixture
def worker_db_url():
    url = fresh_database()
    yield url
    testing.drop_database(url)


@pytest.fixture(scope="session")
def sms_server():
    server = FakeSmsServer(port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_prefix():
    """The worker's keys in the real Redis (its alert streams, F4), this test's own."""
    prefix = f"test-messaging-worker-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(testing.REDIS_URL)
    testing.delete_redis_prefix(client, prefix)
    client.close()


@pytest.fixture
def alerts(redis_prefix):
    """The real-time alert streams as the gateway reads them."""
    client = redis.Redis.from_url(testing.REDIS_URL, decode_responses=True)
    yield AlertFeed(client, redis_prefix)
    client.close()


@pytest.fixture
def worker(broker, worker_db_url, identity_server, customers_server, sms_server, service_token, redis_prefix, tmp_path):
    _, identity_addr = identity_server
    _, customers_addr = customers_server
    env = {
        **os.environ,
        "AMQP_URL": broker.url,
        "DATABASE_URL": worker_db_url,
        "IDENTITY_ADDR": identity_addr,
        "CUSTOMERS_ADDR": customers_addr,
        "SERVICE_TOKEN": service_token,
        # F4: the alert streams, where the test reads them.
        "REDIS_URL": testing.REDIS_URL,
        "REDIS_PREFIX": redis_prefix,
        # E2 E5: coupon holders are texted through the fake Aliyun server, as the server does.
        "SMS_PROVIDER": "fake",
        "ALIYUN_SMS_ENDPOINT": sms_server.url,
        "LOG_LEVEL": "INFO",
    }
    proc = WorkerProcess(env, tmp_path / "worker.log")
    proc.start()
    yield proc
    proc.stop()
