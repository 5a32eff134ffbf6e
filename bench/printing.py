"""`python -m bench.printing`: P5, from a storefront order paid to its receipt's last byte at the
printer (G3 G4), beside the raw socket write rate of the same receipts measured in the same run.

Real processes on the local servers: `python -m printing.server` (its print queue's dispatcher)
and `python -m printing.worker` (nameko, consuming orders' `storefront_order_paid` from a fresh
RabbitMQ vhost), a fresh PostgreSQL database, and a network printer at 127.0.0.1 (a local TCP
listener of this process, which timestamps each job's last byte as it arrives). "Paid" is the
moment this process publishes the event to RabbitMQ, as the orders service's relay would; the
path measured is broker → worker → the ticket and its job in PostgreSQL → NOTIFY → dispatcher →
layout and ESC/POS → TCP → the printer's last byte.

1. Latency: BENCH_P5_ORDERS (default 200) takeaway orders paid one every BENCH_P5_INTERVAL_MS
   (default 100 ms, far below capacity): p50/p95/max (goal p95 < 500 ms).
2. Throughput: as many orders paid at once; the queue's receipts per second (first paid to last
   receipt's last byte; one printer, so one job at a time, in order), beside the same receipts'
   ESC/POS bytes, rendered beforehand, written straight to the same listener over a new
   connection each as the dispatcher does (`NetworkPrinters.send`), the next as soon as the
   printer has the one before.

The store's auto-accept is off: orders' StorefrontService is not part of this bench (the worker
queues the ticket before it calls orders, so the accept adds nothing to the time to paper).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pika

from crmkit import testing
from crmkit.auth import SERVICE, Actor, TokenIssuer, generate_keypair
from crmkit.db import utcnow
from crmkit.events import Event
from printing.adapters.feieyun import FeieyunClient
from printing.adapters.network import NetworkPrinters
from printing.db import database
from printing.domain import layout, render
from printing.domain.order_events import parse_paid_order
from printing.escpos_reader import read
from printing.fake_printer import PrinterListener
from printing.service.printers import PrinterFields, StoreSettings, create_printer, update_settings

QUEUE = "evt-orders-storefront_order_paid--printing.on_storefront_order_paid"
NUMBER = re.compile(r"P5-[a-z]+-\d{6}")
PAPER_MM = 58
GOAL_P95_SECONDS = 0.5


@dataclass(frozen=True)
class Phase:
    latencies: list[float]  # seconds, paid -> last byte, one per order
    seconds: float  # first paid -> last receipt's last byte

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


class Receipts:
    """The printer's side: when each order's receipt ended, by its number on the paper. The
    listener's thread only takes the time and the bytes; reading them is left to the waiting
    thread, so the next connection is not kept waiting by it."""

    def __init__(self):
        self.arrived: dict[str, float] = {}
        self.duplicates = 0
        self.jobs = 0
        self._pending: list[tuple[float, bytes]] = []
        self._changed = threading.Condition()

    def on_job(self, data: bytes) -> None:
        at = time.perf_counter()
        with self._changed:
            self.jobs += 1
            self._pending.append((at, data))
            self._changed.notify_all()

    def wait_jobs(self, count: int, timeout: float = 10) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.jobs >= count, timeout):
                raise RuntimeError(f"the printer received {self.jobs} jobs, not {count}")

    def _absorb(self) -> None:
        with self._changed:
            pending, self._pending = self._pending, []
        for at, data in pending:
            found = NUMBER.search(read(data).text)
            if found is None:
                continue
            if found.group() in self.arrived:
                self.duplicates += 1
            else:
                self.arrived[found.group()] = at

    def wait(self, numbers: list[str], timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while True:
            self._absorb()
            if all(n in self.arrived for n in numbers):
                return True
            with self._changed:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return False
                if not self._pending:
                    self._changed.wait(left)


class Publisher:
    """orders' relay, as far as the worker can tell: persistent messages with publisher confirms."""

    def __init__(self, url: str):
        self.conn = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.conn.channel()
        self.channel.confirm_delivery()

    def consumers(self) -> int:
        try:
            # Asked before the worker declared its queue, the broker closes the channel (404).
            return self.channel.queue_declare(QUEUE, passive=True).method.consumer_count
        except pika.exceptions.ChannelClosedByBroker:  # not declared by the worker yet
            self.channel = self.conn.channel()
            self.channel.confirm_delivery()
            return 0

    def publish(self, evt: Event) -> None:
        self.channel.basic_publish(
            exchange=evt.exchange,
            routing_key=evt.type,
            body=evt.to_json(),
            properties=pika.BasicProperties(content_type="application/json", delivery_mode=2),
            mandatory=True,
        )

    def close(self) -> None:
        self.conn.close()


def order(tenant_id: str, store_id: str, number: str) -> dict:
    """A paid takeaway order as orders' storefront events carry it: five lines, a note, a code."""
    lines = [
        {"product_id": f"p-{i}", "category_id": "c-hot", "name": name, "quantity": 1 + i % 2, "amount_fen": 1800 + i}
        for i, name in enumerate(("宫保鸡丁", "牛肉拉面", "鱼香肉丝", "酸辣土豆丝", "柠檬茶"))
    ]
    total = sum(line["amount_fen"] for line in lines)
    return {
        "order_id": uuid.uuid4().hex,
        "number": number,
        "store_id": store_id,
        "kind": "takeaway",
        "state": "paid",
        "customer_name": "王芳",
        "customer_phone": "13900001111",
        "contact_name": "王先生",
        "contact_phone": "13812348000",
        "address": "朝阳区建国路88号SOHO现代城A座1201",
        "note": "少辣，不要香菜",
        "verification_code": f"{uuid.uuid4().int % 10**8:08d}",
        "lines": lines,
        "goods_total_fen": total,
        "discount_fen": 0,
        "delivery_fee_fen": 400,
        "total_fen": total + 400,
        "paid_fen": total + 400,
        "placed_at": utcnow().isoformat(),
        "paid_at": utcnow().isoformat(),
    }


def paid_events(tenant_id: str, store_id: str, run: str, count: int) -> list[Event]:
    return [
        Event(
            type="storefront_order_paid",
            source="orders",
            tenant_id=tenant_id,
            data={"order": order(tenant_id, store_id, f"P5-{run}-{i:06d}")},
        )
        for i in range(count)
    ]


def pay(
    publisher: Publisher, receipts: Receipts, events: list[Event], *, interval: float, timeout: float = 120
) -> Phase:
    """Publish the events `interval` seconds apart (0: at once), wait for every receipt."""
    paid_at: dict[str, float] = {}
    started = time.perf_counter()
    for i, evt in enumerate(events):
        due = started + i * interval
        while (now := time.perf_counter()) < due:
            time.sleep(min(due - now, 0.01))
        paid_at[evt.data["order"]["number"]] = time.perf_counter()
        publisher.publish(evt)
    numbers = list(paid_at)
    _wait_for_receipts(receipts, numbers, timeout)
    last = max(receipts.arrived[n] for n in numbers)
    return Phase([receipts.arrived[n] - paid_at[n] for n in numbers], last - started)


def _wait_for_receipts(receipts: Receipts, numbers: list[str], timeout: float) -> None:
    if not receipts.wait(numbers, timeout):
        missing = [n for n in numbers if n not in receipts.arrived]
        raise RuntimeError(f"{len(missing)} receipts never arrived, e.g. {missing[:3]}")


def raw_writes(port: int, events: list[Event], receipts: Receipts) -> Phase:
    """The same receipts' bytes, rendered beforehand, written to the same listener one connection
    each, the next as soon as the printer has the last byte of the one before (a printer takes
    one job at a time, as the queue sends them; writing faster only overflows its listen backlog,
    and the kernel then retries the connection a second later): receipts per second."""
    payloads = [render.escpos(layout.receipt(parse_paid_order(e.data).ticket, PAPER_MM)) for e in events]
    network = NetworkPrinters()
    started = time.perf_counter()
    sent_at = {}
    for evt, data in zip(events, payloads, strict=True):
        sent_at[evt.data["order"]["number"]] = time.perf_counter()
        expected = receipts.jobs + 1
        network.send("127.0.0.1", port, data)
        receipts.wait_jobs(expected)
    numbers = list(sent_at)
    _wait_for_receipts(receipts, numbers, 60)
    last = max(receipts.arrived[n] for n in numbers)
    return Phase([receipts.arrived[n] - sent_at[n] for n in numbers], last - started)


@contextmanager
def process(module: str, env: dict[str, str], log_path: Path):
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", module], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def wait(predicate: Callable[[], object], what: str, log_path: Path, timeout: float = 60) -> None:
    testing.wait_for(predicate, timeout=timeout, what=what, log=lambda: log_path.read_text(errors="replace")[-4000:])


@dataclass(frozen=True)
class P5:
    paced: Phase
    burst: Phase
    raw: Phase
    printed_twice: int


def run(orders: int, interval: float) -> P5:
    private_key, public_key = generate_keypair()
    token = TokenIssuer(private_key).service_token("bench")
    db_url = testing.create_database("bench_printing")
    vhost, amqp_url = testing.create_vhost("bench_printing")
    prefix = f"bench-p5-{uuid.uuid4().hex[:8]}:"
    receipts = Receipts()
    listener = PrinterListener(on_job=receipts.on_job).start()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        stack.callback(testing.drop_database, db_url)
        stack.callback(testing.delete_vhost, vhost)
        stack.callback(listener.stop)
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "AMQP_URL": amqp_url,
            "REDIS_URL": testing.REDIS_URL,
            "REDIS_PREFIX": prefix,
            "JWT_PUBLIC_KEY": public_key,
            "SERVICE_TOKEN": token,
            "NETWORK_PRINTER_ANY_PORT": "true",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        # migrates, starts the server (and its dispatcher), waits until it answers health
        stack.enter_context(testing.service_process("printing", env, Path(tmp) / "server.log"))
        # No orders server: auto-accept is off, the worker never calls it.
        worker_env = {**env, "ORDERS_ADDR": f"127.0.0.1:{testing.free_port()}"}
        worker_log = Path(tmp) / "worker.log"
        stack.enter_context(process("printing.worker", worker_env, worker_log))

        tenant, store = f"t-{uuid.uuid4().hex[:8]}", f"st-{uuid.uuid4().hex[:8]}"
        db = database(db_url, pool_size=1)
        stack.callback(db.dispose)
        actor = Actor(kind=SERVICE, subject_id="bench", tenant_id=tenant)
        printer = PrinterFields(
            store_id=store,
            name="前台",
            kind="network",
            role="counter",
            paper_mm=PAPER_MM,
            host="127.0.0.1",
            port=listener.port,
        )
        create_printer(db, actor, printer, feieyun=FeieyunClient("", "", ""), any_port=True, now=utcnow())
        update_settings(db, actor, StoreSettings(store, auto_print=True, auto_accept=False), now=utcnow())

        publisher = Publisher(amqp_url)
        stack.callback(publisher.close)
        wait(lambda: publisher.consumers() >= 1, "the worker to consume its queue", worker_log)
        try:
            pay(publisher, receipts, paid_events(tenant, store, "warm", 20), interval=0.05)
            latency = pay(publisher, receipts, paid_events(tenant, store, "paced", orders), interval=interval)
            burst = pay(publisher, receipts, paid_events(tenant, store, "burst", orders), interval=0)
            raw = raw_writes(listener.port, paid_events(tenant, store, "raw", orders), receipts)
        except RuntimeError:
            for log_path in (Path(tmp) / "server.log", worker_log):
                print(f"--- {log_path.name}", log_path.read_text(errors="replace")[-3000:], sep="\n")
            raise
    return P5(latency, burst, raw, receipts.duplicates)


def _row(label: str, value: str) -> None:
    print(f"{label:<56}{value:>14}")


def main() -> None:
    orders = int(os.environ.get("BENCH_P5_ORDERS", "200"))
    interval = int(os.environ.get("BENCH_P5_INTERVAL_MS", "100")) / 1000
    print(
        f"P5: {orders} takeaway orders, one counter printer ({PAPER_MM} mm, local TCP listener); "
        f"auto-accept off (orders not in this bench) - load average {os.getloadavg()[0]:.1f}"
    )
    p5 = run(orders, interval)
    ms = 1000
    paced, burst, raw = p5.paced, p5.burst, p5.raw
    _row(f"P5 paid -> last byte, 1 order per {interval * ms:.0f} ms: p50 (ms)", f"{paced.percentile(50) * ms:.1f}")
    _row(
        "P5 paid -> last byte, paced: p95 / max (ms)",
        f"{paced.percentile(95) * ms:.1f} / {max(paced.latencies) * ms:.1f}",
    )
    _row(f"P5 queue receipts/s, {len(burst.latencies)} paid at once", f"{burst.rate:.1f}")
    _row(
        "P5 paid -> last byte, all at once: p50 / p95 (ms)",
        f"{burst.percentile(50) * ms:.0f} / {burst.percentile(95) * ms:.0f}",
    )
    _row("raw socket writes of the same receipts/s (same listener)", f"{raw.rate:.1f}")
    _row("P5 ratio queue / raw writes", f"{burst.rate / raw.rate:.3f}")
    _row("P5 receipts printed twice", f"{p5.printed_twice}")
    print("P5 goal: p95 < 500 ms -", "met" if paced.percentile(95) < GOAL_P95_SECONDS else "NOT met")


if __name__ == "__main__":
    main()
