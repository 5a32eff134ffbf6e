"""F1: SendSms over gRPC against PostgreSQL and the local fake of Aliyun's SMS API."""

import threading
from datetime import timedelta

import pytest
from messaging_testkit import ref
from sqlalchemy import select

from crm.messaging.v1 import messaging_pb2
from crmkit.auth import SERVICE, Actor
from crmkit.db import utcnow
from crmkit.errors import Conflict, DomainError, InvalidInput, PermissionDenied, Unavailable
from messaging.models import SMS_FAILED, SMS_PENDING, SMS_SENT, SmsMessage
from messaging.service.sms import SendSms, send_sms
from messaging.sms.aliyun import sender_from_env


def request(phone, key, code="123456"):
    return messaging_pb2.SendSmsRequest(phone=phone, template="login_code", params={"code": code}, idempotency_key=key)


def phone_number():
    # a fresh number per test, so the fake's per-phone message list is this test's alone
    return "139" + ref("p")[-8:].translate(str.maketrans("abcdef", "123456"))


def row(db, key):
    with db.uow() as uow:
        found = uow.session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key))
        if found is not None:
            uow.session.expunge(found)  # keep its loaded values past the unit of work's rollback
        return found


def test_f1_send_sms_reaches_the_provider_and_is_recorded(messaging, sms_server, db):
    phone, key = phone_number(), ref("key")
    # when a service sends a login code for tenant t1
    resp = messaging.call("SendSms", request(phone, key, "654321"), as_service=True, tenant_id="t1")
    # then the provider has it, with its template parameters and our key as OutId
    [sent] = sms_server.messages(phone=phone)
    assert sent["params"] == {"code": "654321"}
    assert (resp.provider, resp.provider_message_id, resp.replayed) == ("aliyun", sent["biz_id"], False)
    # and the send is on record
    record = row(db, key)
    assert (record.tenant_id, record.phone, record.template, record.status) == ("t1", phone, "login_code", SMS_SENT)
    assert record.provider_message_id == resp.provider_message_id


def test_f1_repeated_idempotency_key_returns_first_result_without_sending_again(messaging, sms_server):
    phone, key = phone_number(), ref("key")
    first = messaging.call("SendSms", request(phone, key), as_service=True)
    again = messaging.call("SendSms", request(phone, key), as_service=True)
    assert (again.provider_message_id, again.replayed) == (first.provider_message_id, True)
    assert len(sms_server.messages(phone=phone)) == 1


def test_f1_tenantless_send_is_recorded_with_empty_tenant(messaging, db):
    key = ref("key")
    messaging.call("SendSms", request(phone_number(), key), as_service=True)
    assert row(db, key).tenant_id == ""


def test_f1_staff_cannot_send_sms(messaging, staff_token, sms_server):
    phone = phone_number()
    with pytest.raises(PermissionDenied) as err:
        messaging.call("SendSms", request(phone, ref("key")), token=staff_token("t1", "s1", roles=["owner"]))
    assert err.value.code == "SERVICE_ONLY"
    assert sms_server.messages(phone=phone) == []


def test_f1_invalid_request_names_fields_and_sends_nothing(messaging, db):
    key = ref("key")
    bad = messaging_pb2.SendSmsRequest(phone="23800138000", template="promo", idempotency_key=key)
    with pytest.raises(InvalidInput) as err:
        messaging.call("SendSms", bad, as_service=True)
    assert err.value.fields == {"phone": "validation.phone_invalid", "template": "validation.invalid_choice"}
    assert row(db, key) is None


def test_f1_provider_rejection_is_sms_rejected_and_replayed_on_repeat(messaging, sms_server, db):
    phone, key = phone_number(), ref("key")
    sms_server.fail_next("isv.BUSINESS_LIMIT_CONTROL", "too many for this number")
    with pytest.raises(Conflict) as err:
        messaging.call("SendSms", request(phone, key), as_service=True)
    assert (err.value.code, err.value.params) == ("SMS_REJECTED", {"provider_code": "isv.BUSINESS_LIMIT_CONTROL"})
    assert (row(db, key).status, row(db, key).error_code) == (SMS_FAILED, "isv.BUSINESS_LIMIT_CONTROL")
    # the provider would accept it now; the repeat must still not send (same key, same answer)
    with pytest.raises(Conflict) as again:
        messaging.call("SendSms", request(phone, key), as_service=True)
    assert again.value.params == {"provider_code": "isv.BUSINESS_LIMIT_CONTROL"}
    assert sms_server.messages(phone=phone) == []


def test_f1_provider_outage_is_unavailable_and_the_retry_sends(messaging, sms_server, db):
    phone, key = phone_number(), ref("key")
    # SendSms is IDEMPOTENT in its proto, so the client retries an UNAVAILABLE itself (4 attempts
    # in all): the provider stays down for every one of them.
    for _ in range(4):
        sms_server.fail_next("ServiceUnavailable", status=503)
    with pytest.raises(Unavailable) as err:
        messaging.call("SendSms", request(phone, key), as_service=True)
    assert err.value.code == "SMS_PROVIDER_UNAVAILABLE"
    assert row(db, key) is None  # the key is free again
    resp = messaging.call("SendSms", request(phone, key), as_service=True)
    assert (resp.replayed, len(sms_server.messages(phone=phone))) == (False, 1)


def test_f1_unreachable_provider_is_unavailable(db):
    sender = sender_from_env({"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": "http://127.0.0.1:1"})
    actor = Actor(kind=SERVICE, subject_id="identity", tenant_id="")
    cmd = SendSms(phone_number(), "login_code", {"code": "111111"}, ref("key"))
    with pytest.raises(Unavailable):
        send_sms(db, actor, cmd, sender=sender)
    assert row(db, cmd.idempotency_key) is None


def test_f1_same_key_for_another_message_is_refused(messaging, sms_server):
    key = ref("key")
    messaging.call("SendSms", request(phone_number(), key, "111111"), as_service=True)
    other_phone = phone_number()
    with pytest.raises(Conflict) as err:
        messaging.call("SendSms", request(other_phone, key, "111111"), as_service=True)
    assert err.value.code == "IDEMPOTENCY_KEY_REUSED"
    with pytest.raises(Conflict):
        messaging.call("SendSms", request(other_phone, key, "111111"), as_service=True, tenant_id="t-other")
    assert sms_server.messages(phone=other_phone) == []


def test_f1_concurrent_sends_with_one_key_text_once(messaging, sms_server):
    phone, key = phone_number(), ref("key")
    barrier = threading.Barrier(6)
    outcomes = []

    def send():
        barrier.wait()
        try:
            outcomes.append(messaging.call("SendSms", request(phone, key), as_service=True).replayed)
        except DomainError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # one call sent; every other one replayed it or was told a send is in progress
    assert outcomes.count(False) == 1
    assert set(outcomes) <= {False, True, "SMS_SEND_IN_PROGRESS"}
    assert len(sms_server.messages(phone=phone)) == 1


def test_f1_send_abandoned_by_a_crashed_attempt_is_taken_over(db, sms_server):
    # given a key claimed a minute ago by an attempt that never finished
    phone, key = phone_number(), ref("key")
    with db.uow() as uow:
        uow.session.add(
            SmsMessage(
                tenant_id="",
                phone=phone,
                template="login_code",
                params='{"code": "222222"}',
                idempotency_key=key,
                status=SMS_PENDING,
                attempted_at=utcnow() - timedelta(minutes=1),
            )
        )
        uow.commit()
    sender = sender_from_env({"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": sms_server.url})
    actor = Actor(kind=SERVICE, subject_id="identity", tenant_id="")
    cmd = SendSms(phone, "login_code", {"code": "222222"}, key)
    # when the caller retries, then it is sent once and recorded as sent
    assert send_sms(db, actor, cmd, sender=sender).replayed is False
    assert (row(db, key).status, len(sms_server.messages(phone=phone))) == (SMS_SENT, 1)


def test_f1_fresh_pending_send_is_reported_in_progress(db, sms_server):
    phone, key = phone_number(), ref("key")
    with db.uow() as uow:
        uow.session.add(
            SmsMessage(
                tenant_id="",
                phone=phone,
                template="login_code",
                params='{"code": "333333"}',
                idempotency_key=key,
                status=SMS_PENDING,
                attempted_at=utcnow(),
            )
        )
        uow.commit()
    sender = sender_from_env({"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": sms_server.url})
    actor = Actor(kind=SERVICE, subject_id="identity", tenant_id="")
    with pytest.raises(Conflict) as err:
        send_sms(db, actor, SendSms(phone, "login_code", {"code": "333333"}, key), sender=sender)
    assert err.value.code == "SMS_SEND_IN_PROGRESS"
    assert sms_server.messages(phone=phone) == []
