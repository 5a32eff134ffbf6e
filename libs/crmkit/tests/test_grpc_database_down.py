"""H2: a database that refuses connections (restarting, out of connections) is UNAVAILABLE to the
caller — worth a retry, a 503 at the gateway — not an INTERNAL error."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from crm.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from crmkit.errors import Unavailable
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import ServiceRegistration, build_server

FULL_NAME = "crm.messaging.v1.MessagingService"


class DatabaseDown(messaging_pb2_grpc.MessagingServiceServicer):
    def SendSms(self, request, context):
        raise OperationalError("SELECT 1", {}, Exception("FATAL: sorry, too many clients already"))


def test_h2_a_refused_database_connection_is_unavailable_not_internal():
    registration = ServiceRegistration(
        messaging_pb2_grpc.add_MessagingServiceServicer_to_server, DatabaseDown(), FULL_NAME
    )
    server, port, _ = build_server("kit", [registration], verifier=None, port=0, host="127.0.0.1")
    server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}", messaging_pb2_grpc.MessagingServiceStub, "crm.messaging.v1.MessagingService"
    )
    try:
        with pytest.raises(Unavailable) as err:
            client.call("SendSms", messaging_pb2.SendSmsRequest(), timeout=5)
        assert err.value.code == "SERVICE_UNAVAILABLE"
    finally:
        client.close()
        server.stop(0)
