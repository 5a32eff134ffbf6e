"""`python -m customers.worker`: the nameko service that feeds the orders service's approvals
and refunds and the coupons service's coupon events to handlers.py (the buying- and
coupon-behaviour read models of segments, C4).

eventlet must patch the standard library before anything imports socket, select or time, so
the patch runs first; `thread=False` keeps the locks handler threads share (database pool,
logging, metrics) real OS locks (see messaging.worker and PLATFORM-NOTES.md). Never start a
gRPC server in this process.
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
from .subscriptions import subscriptions  # noqa: E402

SERVICE = "customers"


def _settings() -> Settings:
    return Settings.from_env(SERVICE).require("amqp_url", "database_url")


def _database() -> Database:
    # A handful of connections: nameko runs at most max_workers handlers at once.
    return Database(_settings().database_url, service=SERVICE, outbox=Outbox, processed=ProcessedEvent, pool_size=5)


class CustomersWorker:
    name = SERVICE

    db = Provided(_database)

    def _handlers(self):
        return subscriptions(self.db)

    # requeue_on_error: a failure (database down) puts the event back for another try; the
    # handlers are idempotent, so a retry never counts a purchase twice.
    @event_handler("orders", "order_approved", requeue_on_error=True)
    def on_order_approved(self, body):
        return consume(SERVICE, body, self._handlers()[("orders", "order_approved")])

    @event_handler("orders", "return_refunded", requeue_on_error=True)
    def on_return_refunded(self, body):
        return consume(SERVICE, body, self._handlers()[("orders", "return_refunded")])

    @event_handler("coupons", "coupon_issued", requeue_on_error=True)
    def on_coupon_issued(self, body):
        return consume(SERVICE, body, self._handlers()[("coupons", "coupon_issued")])

    @event_handler("coupons", "coupon_redeemed", requeue_on_error=True)
    def on_coupon_redeemed(self, body):
        return consume(SERVICE, body, self._handlers()[("coupons", "coupon_redeemed")])

    @event_handler("coupons", "coupon_redemption_released", requeue_on_error=True)
    def on_coupon_redemption_released(self, body):
        return consume(SERVICE, body, self._handlers()[("coupons", "coupon_redemption_released")])

    @event_handler("coupons", "coupon_expiring", requeue_on_error=True)
    def on_coupon_expiring(self, body):
        return consume(SERVICE, body, self._handlers()[("coupons", "coupon_expiring")])


def main() -> None:
    settings = _settings()
    configure_logging(SERVICE, settings.log_level)
    serve_metrics(settings.metrics_port)
    run_worker(CustomersWorker, settings.amqp_url)


if __name__ == "__main__":
    main()
