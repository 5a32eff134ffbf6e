"""`python -m messaging.worker`: the nameko service that feeds RabbitMQ events to handlers.py.

eventlet must patch the standard library before anything imports socket, select or time, so
the patch runs first. Never start a gRPC server in this process (PLATFORM-NOTES.md); the
identity and customers clients' calls and the SMS provider's HTTP calls run off the hub because
crmkit.worker.consume runs the whole handler in an OS thread (eventlet.tpool).

`thread=False`: handlers run in tpool's OS threads, and locks the database pool, logging and
metrics share across those threads must be real locks. With threading patched they are green
locks, and two handlers contending for one (e.g. a redelivered event handled twice at once)
crashed the worker with "greenlet.error: Cannot switch to a different thread" and left the
message unacknowledged; the process then ignored SIGTERM. nameko itself does not use threading.
"""

import eventlet

eventlet.monkey_patch(thread=False)

import os  # noqa: E402

from nameko.events import event_handler  # noqa: E402

from crm.customers.v1 import customers_pb2_grpc  # noqa: E402
from crm.identity.v1 import identity_pb2_grpc  # noqa: E402
from crmkit.grpc_client import ServiceClient  # noqa: E402
from crmkit.log import configure_logging  # noqa: E402
from crmkit.metrics import serve_metrics  # noqa: E402
from crmkit.settings import Settings  # noqa: E402
from crmkit.worker import Provided, consume, run_worker  # noqa: E402

from .db import database  # noqa: E402
from .sms.aliyun import sender_from_env  # noqa: E402
from .subscriptions import subscriptions  # noqa: E402

SERVICE = "messaging"


def _settings() -> Settings:
    return Settings.from_env(SERVICE).require("amqp_url", "database_url", "service_token")


def _database():
    # A handful of connections: nameko runs at most max_workers handlers at once.
    return database(_settings().database_url, pool_size=5)


def _identity_client() -> ServiceClient:
    settings = _settings()
    return ServiceClient(
        settings.peer("identity"),
        identity_pb2_grpc.IdentityServiceStub,
        "crm.identity.v1.IdentityService",
        service_token=settings.service_token,
    )


def _customers_client() -> ServiceClient:
    settings = _settings()
    return ServiceClient(
        settings.peer("customers"),
        customers_pb2_grpc.CustomersServiceStub,
        "crm.customers.v1.CustomersService",
        service_token=settings.service_token,
    )


def _sms_sender():
    # The same settings (SMS_PROVIDER, ALIYUN_*) and the same adapter as the server's SendSms.
    return sender_from_env(os.environ)


class MessagingWorker:
    name = SERVICE

    db = Provided(_database)
    identity = Provided(_identity_client)
    customers = Provided(_customers_client)
    sms_sender = Provided(_sms_sender)

    # requeue_on_error: a failure (identity down, database down) puts the event back for
    # another try; the handler is idempotent on event_id, so a retry never notifies twice.
    @event_handler("customers", "customer_registered", requeue_on_error=True)
    def on_customer_registered(self, body):
        handlers = self._handlers()
        return consume(SERVICE, body, handlers[("customers", "customer_registered")])

    @event_handler("customers", "duplicate_collision", requeue_on_error=True)
    def on_duplicate_collision(self, body):
        handlers = self._handlers()
        return consume(SERVICE, body, handlers[("customers", "duplicate_collision")])

    # C2 C3: ownership changes and registration applications (one nameko queue per event type).
    @event_handler("customers", "customer_released", requeue_on_error=True)
    def on_customer_released(self, body):
        return self._ownership(body, "customer_released")

    @event_handler("customers", "customer_claimed", requeue_on_error=True)
    def on_customer_claimed(self, body):
        return self._ownership(body, "customer_claimed")

    @event_handler("customers", "customer_transferred", requeue_on_error=True)
    def on_customer_transferred(self, body):
        return self._ownership(body, "customer_transferred")

    @event_handler("customers", "customer_returned_to_pool", requeue_on_error=True)
    def on_customer_returned_to_pool(self, body):
        return self._ownership(body, "customer_returned_to_pool")

    @event_handler("customers", "pool_return_warning", requeue_on_error=True)
    def on_pool_return_warning(self, body):
        return self._ownership(body, "pool_return_warning")

    @event_handler("customers", "registration_applied", requeue_on_error=True)
    def on_registration_applied(self, body):
        return self._ownership(body, "registration_applied")

    def _ownership(self, body, event_type):
        handlers = self._handlers()
        return consume(SERVICE, body, handlers[("customers", event_type)])

    # E2 E5: the coupon's holder gets a text. A provider refusal is recorded and acknowledged
    # by the handler; an unavailable provider or customers service raises and requeues.
    @event_handler("coupons", "coupon_issued", requeue_on_error=True)
    def on_coupon_issued(self, body):
        return consume(SERVICE, body, self._handlers()[("coupons", "coupon_issued")])

    @event_handler("coupons", "coupon_expiring", requeue_on_error=True)
    def on_coupon_expiring(self, body):
        return consume(SERVICE, body, self._handlers()[("coupons", "coupon_expiring")])

    def _handlers(self):
        return subscriptions(self.db, self.identity, sms_sender=self.sms_sender, customers_client=self.customers)


def main() -> None:
    settings = _settings()
    # IDENTITY_ADDR, CUSTOMERS_ADDR and the SMS settings are required too: stop now, not at the
    # first event.
    settings.peer("identity")
    settings.peer("customers")
    sender_from_env(os.environ)
    configure_logging(SERVICE, settings.log_level)
    serve_metrics(settings.metrics_port)
    run_worker(MessagingWorker, settings.amqp_url)


if __name__ == "__main__":
    main()
