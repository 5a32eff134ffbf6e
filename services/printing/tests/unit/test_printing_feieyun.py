"""G1: the FeieYun adapter as its published API has it (form POST, sig = sha1(user + UKEY + stime)),
against the local fake, which refuses what the cloud refuses."""

import hashlib
import time

import pytest
import requests

from printing.adapters.feieyun import FeieyunClient, FeieyunError, signature
from printing.adapters.feieyun_fake import TEST_UKEY, TEST_USER, FakeFeieyunServer
from printing.adapters.port import PrintUncertain


@pytest.fixture(scope="module")
def fake():
    with FakeFeieyunServer() as server:
        yield server


def test_g1_the_signature_is_sha1_of_user_ukey_and_time_in_lowercase_hex():
    sig = signature("a@b.com", "KEY", "1700000000")
    assert sig == hashlib.sha1(b"a@b.comKEY1700000000").hexdigest() and len(sig) == 40 and sig == sig.lower()


def test_g1_add_print_and_ask_as_the_api_has_it(fake):
    client = FeieyunClient(fake.api_url, TEST_USER, TEST_UKEY)
    client.add_printer("918273645", "k3y9", "前台")
    client.add_printer("918273645", "k3y9", "前台")  # already on the account: fine
    order_id = client.print_msg("918273645", "<CB>小馆子</CB><BR>宫保鸡丁", times=1)
    assert client.order_printed(order_id) is True
    assert client.day_count("918273645", fake.fake.orders[-1]["date"]) == 1
    with pytest.raises(FeieyunError):
        client.add_printer("918273646", "x", "bad key")
    with pytest.raises(FeieyunError):
        client.print_msg("111111111", "未添加的打印机")


def test_g1_the_fake_refuses_a_forged_signature_a_wrong_user_and_an_old_time(fake):
    stime = str(int(time.time()))
    base = {"user": TEST_USER, "stime": stime, "apiname": "Open_queryPrinterStatus", "sn": "1"}
    forged = requests.post(fake.api_url, data={**base, "sig": signature(TEST_USER, "guessed", stime)}, timeout=5)
    assert forged.json()["ret"] != 0 and "签名" in forged.json()["msg"]
    other = requests.post(
        fake.api_url, data={**base, "user": "x", "sig": signature("x", TEST_UKEY, stime)}, timeout=5
    ).json()
    assert other["ret"] != 0
    old = str(int(time.time()) - 3600)
    late = requests.post(
        fake.api_url, data={**base, "stime": old, "sig": signature(TEST_USER, TEST_UKEY, old)}, timeout=5
    ).json()
    assert late["ret"] != 0
    with pytest.raises(FeieyunError):
        FeieyunClient(fake.api_url, TEST_USER, "wrong-ukey").order_printed("x")


def test_g4_a_print_answered_after_the_timeout_is_uncertain_not_failed(fake):
    client = FeieyunClient(fake.api_url, TEST_USER, TEST_UKEY, timeout=0.3)
    client.add_printer("918273647", "k3y9", "慢")
    fake.fake.delay_next = 0.8
    with pytest.raises(PrintUncertain):
        client.print_msg("918273647", "内容")
    # The cloud had it all the same.
    assert len(fake.fake.list_orders("918273647")) == 1
