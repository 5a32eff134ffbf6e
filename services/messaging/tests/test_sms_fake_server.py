"""F1: the Aliyun SMS adapter over real HTTP against the local fake server."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from messaging.sms.aliyun import AliyunSmsSender, sender_from_env
from messaging.sms.fake_server import FakeSmsServer
from messaging.sms.port import SmsMessage, SmsRejected, SmsUnavailable

KEY_ID, SECRET = "test-key-id", "test-key-secret"
SERVICE_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fake_sms():
    server = FakeSmsServer(port=0, access_key_id=KEY_ID, access_key_secret=SECRET)
    server.start()
    yield server
    server.stop()


def sender_for(url, secret=SECRET, key_id=KEY_ID):
    return AliyunSmsSender(
        access_key_id=key_id,
        access_key_secret=secret,
        sign_name="CRM测试",
        templates={"login_code": "SMS_100001"},
        endpoint=url,
    )


def login_code(phone="13800000001", code="123456", key="evt-1"):
    return SmsMessage(phone=phone, template="login_code", params={"code": code}, idempotency_key=key)


def test_f1_sent_login_code_is_recorded_with_its_template_params(fake_sms):
    # given the adapter pointed at the fake
    sender = sender_for(fake_sms.url)
    # when a login code is sent
    receipt = sender.send(login_code(code="654321", key="evt-7"))
    # then the fake holds exactly that message and the receipt names it
    [message] = fake_sms.messages(phone="13800000001")
    assert message["template_code"] == "SMS_100001"
    assert message["sign_name"] == "CRM测试"
    assert message["params"] == {"code": "654321"}
    assert message["out_id"] == "evt-7"
    assert receipt.provider == "aliyun"
    assert receipt.provider_message_id == message["biz_id"]


def test_f1_non_ascii_and_reserved_characters_survive_the_round_trip(fake_sms):
    msg = SmsMessage("13800000001", "login_code", {"name": "李 雷*+&=~"}, "evt-2")
    sender_for(fake_sms.url).send(msg)
    assert fake_sms.messages()[0]["params"] == {"name": "李 雷*+&=~"}


def test_f1_wrong_secret_is_rejected_as_signature_does_not_match(fake_sms):
    with pytest.raises(SmsRejected) as err:
        sender_for(fake_sms.url, secret="not-the-secret").send(login_code())
    assert err.value.code == "SignatureDoesNotMatch"
    assert fake_sms.messages() == []


def test_f1_unknown_access_key_is_rejected(fake_sms):
    with pytest.raises(SmsRejected) as err:
        sender_for(fake_sms.url, key_id="someone-else").send(login_code())
    assert err.value.code == "InvalidAccessKeyId.NotFound"


def test_f1_bad_phone_number_is_rejected(fake_sms):
    with pytest.raises(SmsRejected) as err:
        sender_for(fake_sms.url).send(login_code(phone="1380000"))
    assert err.value.code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert fake_sms.messages() == []


def test_f1_per_number_rate_limit_is_a_rejection_with_its_code(fake_sms):
    fake_sms.fail_next("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
    with pytest.raises(SmsRejected) as err:
        sender_for(fake_sms.url).send(login_code())
    assert err.value.code == "isv.BUSINESS_LIMIT_CONTROL"


def test_f1_provider_5xx_is_unavailable(fake_sms):
    fake_sms.fail_next("ServiceUnavailable", "The request has failed due to a temporary failure.", 503)
    with pytest.raises(SmsUnavailable):
        sender_for(fake_sms.url).send(login_code())


def test_f1_server_down_is_unavailable():
    # given a fake that was started and stopped, so its port refuses
    server = FakeSmsServer(port=0, access_key_id=KEY_ID, access_key_secret=SECRET)
    url = server.start()
    server.stop()
    # when / then
    with pytest.raises(SmsUnavailable):
        sender_for(url).send(login_code())


def test_f1_silent_server_times_out_as_unavailable():
    # a socket that accepts connections but never answers
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        host, port = listener.getsockname()
        sender = AliyunSmsSender(
            access_key_id=KEY_ID,
            access_key_secret=SECRET,
            sign_name="s",
            templates={"login_code": "T"},
            endpoint=f"http://{host}:{port}",
            timeout=(1, 0.3),
        )
        with pytest.raises(SmsUnavailable):
            sender.send(login_code())


def test_f1_test_endpoints_list_filter_and_clear_messages(fake_sms):
    sender = sender_for(fake_sms.url)
    sender.send(login_code(phone="13800000001"))
    sender.send(login_code(phone="13900000002"))
    listed = requests.get(f"{fake_sms.url}/_fake/messages", params={"phone": "13900000002"}, timeout=5).json()
    assert [m["phone"] for m in listed] == ["13900000002"]
    assert len(requests.get(f"{fake_sms.url}/_fake/messages", timeout=5).json()) == 2
    assert requests.delete(f"{fake_sms.url}/_fake/messages", timeout=5).json() == {"deleted": 2}
    assert fake_sms.messages() == []


def test_f1_fail_next_can_be_queued_over_http(fake_sms):
    queued = requests.post(f"{fake_sms.url}/_fake/fail_next", json={"code": "isv.BUSINESS_LIMIT_CONTROL"}, timeout=5)
    assert queued.status_code == 200
    with pytest.raises(SmsRejected):
        sender_for(fake_sms.url).send(login_code())


def test_f1_env_factory_fake_mode_talks_to_the_default_fake(capsys):
    # the fake with its default (test) credentials, printing as `make run` does
    with FakeSmsServer(port=0, print_messages=True) as server:
        sender = sender_from_env({"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": server.url})
        sender.send(login_code(phone="13800000001", code="123456"))
    assert '[fake SMS] 13800000001 login_code {"code": "123456"}' in capsys.readouterr().out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_f1_fake_server_runs_as_a_module_and_prints_codes():
    # given the fake started the way `make run` starts it
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "messaging.sms.fake_server",
            "--port",
            str(port),
            "--access-key-id",
            KEY_ID,
            "--access-key-secret",
            SECRET,
            "--print",
        ],
        cwd=SERVICE_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                requests.get(f"{url}/_fake/messages", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "fake server did not start"
                time.sleep(0.05)
        # when a code is sent through it
        sender_for(url).send(login_code(code="246810"))
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    # then the developer sees it, and the process ended cleanly on SIGTERM
    assert '[fake SMS] 13800000001 SMS_100001 {"code": "246810"}' in out
    assert proc.returncode == 0
