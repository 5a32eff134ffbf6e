"""`python -m coupons.worker`: the nameko service that feeds events to handlers.py: points earned
on approved orders (E9) and the gift products of released recharge instalments, deducted from
stock by the orders service (E7, its own `recharge_gift_products` event); the codes of requested
coupon batches (E3, its own `coupon_batch_requested`).

eventlet must patch the standard library before anything imports socket, select or time, so
the patch runs first; `thread=False` keeps the locks handler threads share (database pool,
logging, metrics) real OS locks (see orders.worker and PLATFORM-NOTES.md). Never start a gRPC
server in this process.
"""

import eventlet

eventlet.monkey_patch(thread=False)

from nameko.events import event_handler  # noqa: E402

from crmkit.db import Database  # noqa: E402
from crmkit.log import configure_logging  # noqa: E402
from crmkit.metrics import serve_metrics  # noqa: E402
from crmkit.settings import Settings  # noqa: E402
from crmkit.worker import Provided, consume, run_worker  # noqa: E402

from .models import Outbox, ProcessedEvent  # noqa: E402
from .orders_peer import gift_stock_from_settings  # noqa: E402
from .subscriptions import subscriptions  # noqa: E402

SERVICE = "coupons"


def _settings() -> Settings:
    return Settings.from_env(SERVICE).require("amqp_url", "database_url")


def _gift_stock():
    # ORDERS_ADDR and SERVICE_TOKEN; without them gift-product events stay queued (Unavailable).
    return gift_stock_from_settings(_settings())


def _database() -> Database:
    # A handful of connections: nameko runs at most max_workers handlers at once.
    return Database(_settings().database_url, service=SERVICE, outbox=Outbox, processed=ProcessedEvent, pool_size=5)


class CouponsWorker:
    name = SERVICE

    db = Provided(_database)
    gift_stock = Provided(_gift_stock)

    # requeue_on_error: a failure (database down) puts the event back for another try; the
    # handler is idempotent, so a retry never earns twice.
    @event_handler("orders", "order_approved", requeue_on_error=True)
    def on_order_approved(self, body):
        return consume(SERVICE, body, subscriptions(self.db, self.gift_stock)[("orders", "order_approved")])

    # Orders unreachable: the handler raises and the event is requeued; orders refusing is
    # recorded on the recharge and acknowledged. HandOutGiftStock is idempotent per instalment.
    @event_handler("coupons", "recharge_gift_products", requeue_on_error=True)
    def on_recharge_gift_products(self, body):
        return consume(SERVICE, body, subscriptions(self.db, self.gift_stock)[("coupons", "recharge_gift_products")])

    # E3: a requested batch's codes, written in short transactions; a crash half-way is requeued
    # and goes on from the codes already written (ADR 0009).
    @event_handler("coupons", "coupon_batch_requested", requeue_on_error=True)
    def on_coupon_batch_requested(self, body):
        return consume(SERVICE, body, subscriptions(self.db, self.gift_stock)[("coupons", "coupon_batch_requested")])


def main() -> None:
    # Gift products (E7) go to orders with the service token: a worker without them would only
    # requeue those events, so it refuses to start instead.
    settings = _settings().require("service_token")
    settings.peer("orders")
    configure_logging(SERVICE, settings.log_level)
    serve_metrics(settings.metrics_port)
    run_worker(CouponsWorker, settings.amqp_url)


if __name__ == "__main__":
    main()
