"""H2: the composition root wires the SMS sender from the environment and refuses to start
without the settings it needs."""

import pytest

from crmkit.settings import MissingSetting, Settings
from messaging import server
from messaging.sms.aliyun import SmsConfigError


def test_f1_server_builds_sms_sender_from_environment(monkeypatch, database_url, sms_server):
    monkeypatch.setenv("SMS_PROVIDER", "fake")
    monkeypatch.setenv("ALIYUN_SMS_ENDPOINT", sms_server.url)
    runtime = server.build(Settings(service="messaging", database_url=database_url))
    try:
        [registration] = runtime.registrations
        assert registration.full_name == "crm.messaging.v1.MessagingService"
        assert registration.servicer.sms_sender is not None
    finally:
        runtime.close()


def test_f1_server_without_sms_provider_does_not_start(monkeypatch, database_url):
    monkeypatch.delenv("SMS_PROVIDER", raising=False)
    with pytest.raises(SmsConfigError):
        server.build(Settings(service="messaging", database_url=database_url))


def test_h2_server_without_database_url_does_not_start():
    with pytest.raises(MissingSetting):
        server.build(Settings(service="messaging"), sms_sender=object())


def test_h2_default_grpc_port_is_50053():
    from messaging.declaration import DECLARATION

    assert DECLARATION.grpc_port == 50053
