"""F1: the fake Aliyun SMS provider's rules, called directly (no HTTP)."""

from datetime import UTC, datetime, timedelta

import pytest

from messaging.sms.fake_provider import FakeAliyunSms, mainland_number
from messaging.sms.signature import sign

NOW = datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC)
KEY_ID, SECRET = "key-id", "key-secret"


def fake(**kwargs):
    return FakeAliyunSms(KEY_ID, SECRET, now=lambda: NOW, **kwargs)


_nonces = iter(range(10**6))


def signed(secret=SECRET, **overrides):
    params = {
        "AccessKeyId": KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "RegionId": "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": f"nonce-{next(_nonces)}",
        "SignatureVersion": "1.0",
        "Timestamp": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
        "PhoneNumbers": "13800000001",
        "SignName": "CRM测试",
        "TemplateCode": "SMS_1",
        "TemplateParam": '{"code":"123456"}',
        "OutId": "evt-1",
    }
    params.update(overrides)
    params = {k: v for k, v in params.items() if v is not None}
    params["Signature"] = sign(params, secret)
    return params


def test_f1_valid_send_is_recorded_and_answered_ok():
    provider = fake()
    status, body = provider.answer(signed())
    assert status == 200
    assert body["Code"] == "OK" and body["Message"] == "OK"
    assert body["BizId"] and body["RequestId"]
    [record] = provider.messages()
    assert record["phone"] == "13800000001"
    assert record["template_code"] == "SMS_1"
    assert record["params"] == {"code": "123456"}
    assert record["out_id"] == "evt-1"
    assert record["biz_id"] == body["BizId"]


@pytest.mark.parametrize(
    ("request_params", "status", "code"),
    [
        (signed(secret="wrong"), 400, "SignatureDoesNotMatch"),
        ({**signed(), "AccessKeyId": "someone-else"}, 404, "InvalidAccessKeyId.NotFound"),
        (signed(Timestamp=None), 400, "MissingTimestamp"),
        (signed(Timestamp="2026-01-05 08:00:00"), 400, "InvalidTimeStamp.Format"),
        (
            signed(Timestamp=(NOW - timedelta(minutes=16)).strftime("%Y-%m-%dT%H:%M:%SZ")),
            400,
            "InvalidTimeStamp.Expired",
        ),
        (signed(SignatureMethod="HMAC-SHA256"), 400, "IncompleteSignature"),
        (signed(Action="QuerySendDetails"), 404, "InvalidAction.NotFound"),
        (signed(PhoneNumbers=None), 400, "MissingPhoneNumbers"),
        (signed(TemplateCode=None), 400, "MissingTemplateCode"),
        (signed(PhoneNumbers="1380000000"), 200, "isv.MOBILE_NUMBER_ILLEGAL"),
        (signed(PhoneNumbers="23800000001"), 200, "isv.MOBILE_NUMBER_ILLEGAL"),
        (signed(PhoneNumbers=",".join(["13800000001"] * 1001)), 200, "isv.MOBILE_COUNT_OVER_LIMIT"),
        (signed(TemplateParam="{code:1}"), 200, "isv.INVALID_JSON_PARAM"),
        (signed(TemplateParam='{"code":123456}'), 200, "isv.INVALID_JSON_PARAM"),
        (signed(TemplateParam='["123456"]'), 200, "isv.INVALID_JSON_PARAM"),
    ],
)
def test_f1_invalid_request_is_refused_as_aliyun_does(request_params, status, code):
    provider = fake()
    answer_status, body = provider.answer(request_params)
    assert (answer_status, body["Code"]) == (status, code)
    assert body["RequestId"]
    assert provider.messages() == []


def test_f1_signature_mismatch_shows_the_servers_string_to_sign():
    _, body = fake().answer(signed(secret="wrong"))
    assert "server string to sign is:GET&%2F&AccessKeyId%3Dkey-id" in body["Message"]


def test_f1_replayed_nonce_is_refused():
    provider = fake()
    request = signed()
    assert provider.answer(request)[1]["Code"] == "OK"
    assert provider.answer(request)[1]["Code"] == "SignatureNonceUsed"
    assert len(provider.messages()) == 1


def test_f1_unregistered_sign_or_template_is_refused_when_configured():
    provider = fake(sign_names=["CRM测试"], template_codes=["SMS_1"])
    assert provider.answer(signed())[1]["Code"] == "OK"
    assert provider.answer(signed(SignName="别的"))[1]["Code"] == "isv.SMS_SIGNATURE_ILLEGAL"
    assert provider.answer(signed(TemplateCode="SMS_2"))[1]["Code"] == "isv.SMS_TEMPLATE_ILLEGAL"


def test_f1_numbers_with_country_prefix_are_recorded_as_eleven_digits():
    provider = fake()
    provider.answer(signed(PhoneNumbers="+8613800000001,008613900000002"))
    assert [m["phone"] for m in provider.messages()] == ["13800000001", "13900000002"]
    assert provider.messages(phone="13900000002")[0]["phone"] == "13900000002"


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("13800000001", "13800000001"),
        ("8613800000001", "13800000001"),
        ("12800000001", None),
        ("138000000012", None),
        ("1380000000a", None),
    ],
)
def test_f1_mainland_numbers_are_recognised(raw, number):
    assert mainland_number(raw) == number


def test_f1_forced_failure_answers_the_next_signed_request_once():
    provider = fake()
    provider.fail_next("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控")
    assert provider.answer(signed())[1]["Code"] == "isv.BUSINESS_LIMIT_CONTROL"
    assert provider.answer(signed())[1]["Code"] == "OK"


def test_f1_echo_sees_each_accepted_message():
    seen = []
    provider = fake(echo=seen.append)
    provider.answer(signed())
    assert [m["phone"] for m in seen] == ["13800000001"]


def batch(**overrides):
    fields = {
        "Action": "SendBatchSms",
        "PhoneNumbers": None,
        "SignName": None,
        "TemplateParam": None,
        "OutId": None,
        "PhoneNumberJson": '["13800000001","13800000002"]',
        "SignNameJson": '["CRM测试","CRM测试"]',
        "TemplateParamJson": '[{"code":"1"},{"code":"2"}]',
    }
    return signed(**(fields | overrides))


def test_p2_a_batch_is_one_message_per_number_with_its_own_params_under_one_biz_id():
    provider = fake()
    status, body = provider.answer(batch())
    assert (status, body["Code"]) == (200, "OK")
    first, second = provider.messages()
    assert (first["phone"], first["params"], second["phone"], second["params"]) == (
        "13800000001",
        {"code": "1"},
        "13800000002",
        {"code": "2"},
    )
    assert first["biz_id"] == second["biz_id"] == body["BizId"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"PhoneNumberJson": '["13800000001","12345"]'}, "isv.MOBILE_NUMBER_ILLEGAL"),
        ({"SignNameJson": '["CRM测试"]'}, "isv.INVALID_PARAMETERS"),
        ({"TemplateParamJson": '[{"code":1},{"code":"2"}]'}, "isv.INVALID_JSON_PARAM"),
        ({"PhoneNumberJson": "not json"}, "isv.INVALID_JSON_PARAM"),
        ({"PhoneNumberJson": "[" + ",".join(['"13800000001"'] * 101) + "]"}, "isv.MOBILE_COUNT_OVER_LIMIT"),
    ],
)
def test_p2_one_bad_entry_refuses_the_whole_batch(overrides, code):
    provider = fake()
    status, body = provider.answer(batch(**overrides))
    assert (status, body["Code"]) == (200, code)
    assert provider.messages() == []
